"""Files the user opens and writes: runs, examples, the loss as CSV, views and time-lapses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMainWindow

from explorer.core.app_model import OPEN, AppModel
from explorer.core.results import ExamplesFailed, ExamplesProgress, ExamplesRead
from explorer.views import export
from explorer.views.progress_strip import ProgressStrip
from tinyformer.training.history import write_csv
from tinyformer.training.runfile import SUFFIX

RUN_FILTER = f"tinyformer runs (*{SUFFIX});;All files (*)"
EXAMPLES_FILTER = "Text files (*.txt *.tsv *.csv);;All files (*)"


class FileActions:
    def __init__(self, window: QMainWindow, state: AppModel, store: QSettings) -> None:
        self.window, self.state, self.store = window, state, store
        # Reading an examples file: its progress and Cancel, in the status bar.
        self.reading = ProgressStrip("Cancel reading the file")
        self.reading.cancelled.connect(state.jobs.cancel_examples)
        window.statusBar().addWidget(self.reading)
        jobs = state.jobs
        jobs.examples_progressed.connect(self._on_examples_progress)
        jobs.examples_read.connect(self._on_examples_read)
        jobs.examples_failed.connect(self._on_examples_failed)

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
        self.window.focus_main()
        return path or None

    # runs ------------------------------------------------------------------------------

    def open_run_dialog(self) -> None:
        """Ask first if the run holds unsaved work, then which file to open."""
        self.state.when_discardable(OPEN, self._choose_run)

    def _choose_run(self) -> None:
        path = self.ask_path("Open run", RUN_FILTER, SUFFIX, save=False)
        if path:
            self.state.open_run(path)

    def ask_save_path(self) -> str | None:
        run = self.state.run
        stem = Path(run.path).stem if run is not None and run.path else self.state.preset
        return self.ask_path("Save run", RUN_FILTER, SUFFIX, True, f"{stem or 'run'}{SUFFIX}")

    def save_run_dialog(self) -> bool:
        """Ask where, then save (the worker answers with `saved` or an error)."""
        path = self.ask_save_path()
        if path:
            self.state.live.save(path)
        return bool(path)

    # examples --------------------------------------------------------------------------

    def open_examples_dialog(self) -> None:
        path = self.ask_path("Open examples", EXAMPLES_FILTER, ".txt", save=False)
        if path:
            self.open_examples(path)

    def open_examples(self, path: str, task: dict | None = None) -> None:
        """The custom task on the examples in `path`, read and checked in the worker
        thread (progress and Cancel in the status bar); a bad file changes nothing.
        `task`: the task settings to use them with (default: the form's)."""
        self.reading.start(f"Reading {Path(path).name}…")
        self.state.jobs.read_examples(path, task or self.state.settings["task"])

    def _on_examples_progress(self, p: ExamplesProgress) -> None:
        what = "Reading" if p.stage == "reading" else "Checking"
        unit = "" if p.stage == "reading" else " lines"
        self.reading.show_progress(f"{what} {Path(p.path).name}{unit}", p.done, p.total)

    def _on_examples_failed(self, failed: ExamplesFailed) -> None:
        self.reading.finish()
        if failed.cancelled:
            self.window.statusBar().showMessage(f"Reading {Path(failed.path).name} cancelled", 5000)
        else:
            self.window.error("Could not read the examples", failed.message)

    def _on_examples_read(self, read: ExamplesRead) -> None:
        self.reading.finish()
        applied = self.state.set_settings("task", read.task)
        if applied:
            self.state.examples_file = read.path  # remembered in place of a long text
        if applied and self.state.error:
            self.window.error("Those examples cannot be trained on", self.state.error)
        elif applied:
            name = Path(read.path).name
            message = f"{read.examples:,} examples from {name}: press Train"
            self.window.statusBar().showMessage(message, 8000)

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

    def export_causes(self) -> None:
        """Every map of the Causes tab as PNG, SVG and CSV, named after the file chosen."""
        view = self.window.causes_view
        path = self.ask_path("Export causes", "PNG, SVG and CSV (*.png)", ".png", True,
                             self._name("causes.png"))  # fmt: skip
        if not path:
            return
        try:
            written = view.export_to(path)
        except (OSError, ValueError) as e:
            self.window.error("Could not write the maps", str(e))
            return
        folder = Path(path).parent
        self.window.statusBar().showMessage(f"{len(written)} files written to {folder}", 8000)

    def _name(self, what: str) -> str:
        """A file name for an export: the preset's (or the run file's) name, then what."""
        run = self.state.run
        stem = Path(run.path).stem if run is not None and run.path else self.state.preset
        return f"{stem or 'run'}-{what}"

    def _tab_name(self) -> str:
        tabs = self.window.tabs
        return tabs.tabText(tabs.currentIndex()).replace("&", "").lower().replace(" ", "-")
