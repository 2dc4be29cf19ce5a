"""What the app remembers between sessions (QSettings): window layout and last settings.

Written whenever they change (half a second after the last change), not only on a clean
close, so a crash loses nothing the user set. Read defensively: each entry is checked, a
damaged one is dropped with a message that says so, and the app starts regardless.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QObject, QSettings, QTimer
from PySide6.QtWidgets import QMainWindow

from explorer.core.app_model import AppModel

WRITE_DELAY_MS = 500
STORED_TEXT_CHARS = 100_000  # a longer examples text is kept as the file it was read from
DEFAULT_SIZE = (1500, 920)
GEOMETRY_MAGIC = bytes.fromhex("01d9d0cb")  # QWidget::saveGeometry's first four bytes


class SettingsStore(QObject):
    """Keeps `store` up to date with the window's layout and the state's settings."""

    def __init__(self, store: QSettings, window: QMainWindow, state: AppModel) -> None:
        super().__init__(window)
        self.store, self.window, self.state = store, window, state
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(WRITE_DELAY_MS)
        self.timer.timeout.connect(self.write)

    def watch(self) -> None:
        """From now on, write soon after every change of settings or preset."""
        self.state.form.settings_changed.connect(self.schedule)
        self.state.form.preset_changed.connect(self.schedule)

    def schedule(self, *_args) -> None:
        self.timer.start()

    def write(self) -> None:
        self.timer.stop()
        self.store.setValue("geometry", self.window.saveGeometry())
        self.store.setValue("window_state", self.window.saveState())
        settings = self._settings()
        if settings is not None:
            task, examples_file = settings["task"], None
            if len(task["text"]) > STORED_TEXT_CHARS and self.state.examples_file:
                # Megabytes of examples in the settings would slow every write and the next
                # launch: the file's name is kept instead, and read again (in the worker).
                settings["task"] = {**task, "text": ""}
                examples_file = self.state.examples_file
            self.store.setValue("settings", json.dumps(settings))
            self.store.setValue("preset", self.state.preset)
            if examples_file is None:
                self.store.remove("examples_file")
            else:
                self.store.setValue("examples_file", examples_file)
        self.store.sync()

    def _settings(self) -> dict | None:
        """The settings worth keeping: the edited ones if valid, else the run's."""
        if self.state.experiment is not None:
            return self.state.experiment.to_dict()
        run = self.state.run
        return None if run is None else run.experiment.to_dict()

    # reading back ----------------------------------------------------------------------

    def restore_layout(self) -> list[str]:
        """The window's size, place and docks as last left; messages for damaged entries."""
        problems = []
        geometry = self.store.value("geometry")
        if geometry is None or not _restored(self.window.restoreGeometry, geometry):
            self._default_size()
            # Qt also refuses a geometry saved on a larger screen: that is no damage.
            if geometry is not None and not _is_geometry(geometry):
                problems.append("the window's size and place")
                self.store.remove("geometry")
        layout = self.store.value("window_state")
        if layout is not None and not _restored(self.window.restoreState, layout):
            problems.append("the window's layout")
            self.store.remove("window_state")
        return [_message(p) for p in problems]

    def _default_size(self) -> None:
        """DEFAULT_SIZE, or the screen's free area if that is smaller."""
        screen = self.window.screen()
        width, height = DEFAULT_SIZE
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width()), min(height, free.height())
        self.window.resize(width, height)

    def restore_settings(self) -> list[str]:
        """The last session's model, task and training settings; messages if refused."""
        raw = self.store.value("settings")
        if raw is None:
            return []
        preset = self.store.value("preset")
        try:
            if not isinstance(raw, str):
                raise ValueError("not text")
            data = json.loads(raw)
            if not isinstance(data, dict) or set(data) != {"model", "task", "train"}:
                raise ValueError("not model, task and training settings")
            examples_file = self.store.value("examples_file")
            task = data["task"]
            from_file = isinstance(task, dict) and task.get("name") == "custom"
            if from_file and not task.get("text") and isinstance(examples_file, str):
                # The examples are read again in the worker; meanwhile the default task.
                data = {**data, "task": self.state.settings["task"]}
                self.state.load_settings(data, preset if isinstance(preset, str) else None)
                self.window.files.open_examples(examples_file, task)
                return [f"Reading the last session's examples from {examples_file}…"]
            self.state.load_settings(data, preset if isinstance(preset, str) else None)
        except (ValueError, TypeError, KeyError) as e:
            self.store.remove("settings")
            return [f"The last session's settings were not restored ({e}); the defaults are "
                    "shown instead."]  # fmt: skip
        return []


def _is_geometry(value) -> bool:
    """Written by QWidget.saveGeometry (it begins with Qt's magic number)."""
    return isinstance(value, QByteArray) and bytes(value[:4]) == GEOMETRY_MAGIC


def _restored(restore, value) -> bool:
    return isinstance(value, QByteArray) and bool(restore(value))


def _message(what: str) -> str:
    return f"The saved {what} could not be read and was reset."
