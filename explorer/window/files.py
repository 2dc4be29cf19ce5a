"""Files the user opens and writes: runs, examples, the loss as CSV, views and time-lapses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMainWindow

from explorer.core.session import TrainingSession
from explorer.core.state import AppState
from explorer.views import export
from explorer.window.guard import RunGuard
from tinyformer.tasks.examples_file import read_examples_file
from tinyformer.training.history import write_csv
from tinyformer.training.runfile import SUFFIX

RUN_FILTER = f"tinyformer runs (*{SUFFIX});;All files (*)"
EXAMPLES_FILTER = "Text files (*.txt *.tsv *.csv);;All files (*)"


class FileActions:
    def __init__(
        self,
        window: QMainWindow,
        state: AppState,
        session: TrainingSession,
        store: QSettings,
        guard: RunGuard,
    ) -> None:
        self.window, self.state, self.session = window, state, session
        self.store, self.guard = store, guard

    def ask_path(
        self, title: str, filter_: str, suffix: str, save: bool, name: str = ""
    ) -> str | None:
        """`name`: the file name a save dialog proposes."""
        folder = str(self.store.value("last_dir", str(Path.home())))
        if save:
            start = str(Path(folder) / name) if name else folder
            path, _ = QFileDialog.getSaveFileName(self.window, title, start, filter_)
            if path and not Path(path).suffix:
                path += suffix
        else:
            path, _ = QFileDialog.getOpenFileName(self.window, title, folder, filter_)
        if path:
            self.store.setValue("last_dir", str(Path(path).parent))
        self.guard.after_question()
        return path or None

    # runs ------------------------------------------------------------------------------

    def open_run_dialog(self) -> None:
        text = "The current run ({run}) is not saved. Open another and discard it?"
        if not self.guard.may_discard(text, title="Open a run", yes="Open"):
            return
        path = self.ask_path("Open run", RUN_FILTER, SUFFIX, save=False)
        if path:
            self.session.open_run(path)

    def save_run_dialog(self) -> bool:
        """Ask where, then save (the worker answers with `saved` or an error)."""
        path = self.ask_path("Save run", RUN_FILTER, SUFFIX, save=True)
        if path:
            self.session.save(path)
        return bool(path)

    # examples --------------------------------------------------------------------------

    def open_examples_dialog(self) -> None:
        path = self.ask_path("Open examples", EXAMPLES_FILTER, ".txt", save=False)
        if path:
            self.open_examples(path)

    def open_examples(self, path: str) -> bool:
        """The custom task on the examples in `path`; a bad file changes nothing."""
        bar = self.window.statusBar()
        try:
            text = read_examples_file(
                path,
                lambda done, total: bar.showMessage(
                    f"Reading {Path(path).name}: {done * 100 // max(total, 1)}%"
                ),
            )
        except ValueError as e:
            bar.clearMessage()  # the progress line must not outlive the refusal
            self.window.error("Could not read the examples", str(e))
            return False
        applied = self.state.set_settings("task", {"name": "custom", "text": text})
        if applied and self.state.error:
            self.window.error("Those examples cannot be trained on", self.state.error)
        elif applied:
            lines = sum(1 for line in text.splitlines() if line.strip())
            bar.showMessage(f"{lines:,} examples from {Path(path).name}: press Train", 8000)
        return applied

    # exports ---------------------------------------------------------------------------

    def export_csv(self) -> None:
        path = self.ask_path("Export loss", "CSV (*.csv)", ".csv", True, self._name("loss.csv"))
        if path and self.state.run is not None:
            try:
                write_csv(self.state.run.history, path)
                self.window.statusBar().showMessage(f"Loss written to {path}", 5000)
            except OSError as e:
                self.window.error("Could not write the CSV file", str(e))

    def export_view(self) -> None:
        item = self.window.current_plot()
        if item is None:
            self.window.error(
                "Nothing to export",
                "This tab shows no plot; open Loss, Attention, Compare or Inside.",
            )
            return
        path = self.ask_path(
            "Export view",
            "PNG image (*.png);;SVG image (*.svg)",
            ".png",
            True,
            self._name(self._tab_name() + ".png"),
        )
        if not path:
            return
        try:
            export.write_plot(item, path)
            self.window.statusBar().showMessage(f"View saved to {path}", 5000)
        except (OSError, ValueError) as e:
            self.window.error("Could not write the image", str(e))

    def export_time_lapse(self) -> None:
        tab = self.window.attention_tab
        self.window.tabs.setCurrentWidget(tab)
        path = self.ask_path(
            "Export time-lapse",
            "Animated GIF (*.gif);;PNG frames (*.png)",
            ".gif",
            True,
            self._name("attention.gif"),
        )
        if not path:
            return
        try:
            n = tab.export_time_lapse(path)
        except (OSError, ValueError) as e:
            self.window.error("Could not write the time-lapse", str(e))
            return
        note = " (snapshots are taken with every head on)" if self.state.ablated else ""
        self.window.statusBar().showMessage(f"{n} frames written to {path}{note}", 8000)

    def _name(self, what: str) -> str:
        """A file name for an export: the preset's (or the run file's) name, then what."""
        run = self.state.run
        stem = Path(run.path).stem if run is not None and run.path else self.state.preset
        return f"{stem or 'run'}-{what}"

    def _tab_name(self) -> str:
        tabs = self.window.tabs
        return tabs.tabText(tabs.currentIndex()).replace("&", "").lower().replace(" ", "-")
