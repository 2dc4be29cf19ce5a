"""MainWindow: toolbar, settings panel, the views, menus and status bar.

The window reacts to the AppState and sends requests to the TrainingSession; it never
waits on training. Views redraw from a ~30 fps timer, and only the visible one.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSpinBox,
    QStyle,
    QTabWidget,
    QToolBar,
    QWidget,
)

from explorer.core.session import TrainingSession
from explorer.core.state import AppState, Status, settings_of
from explorer.storage import remember_settings, restore_settings
from explorer.views import dialogs
from explorer.views.attention_tab import AttentionTab
from explorer.views.compare_view import CompareView
from explorer.views.data_view import DataView
from explorer.views.lessons_panel import LessonsPanel
from explorer.views.loss_view import LossView
from explorer.views.predictions_view import PredictionsView
from explorer.views.settings_panel import SettingsPanel
from explorer.views.sweep_dialog import SweepDialog
from tinyformer.presets import resource_dir
from tinyformer.training.history import write_csv
from tinyformer.training.runfile import SUFFIX

SP = QStyle.StandardPixmap
FRAME_MS = 33  # the status bar updates at ~30 fps
LIVE_VIEW_S = 0.1  # views redraw at most 10 times a second while training (GIL budget)
LIVE_PREDICTIONS_S = 2.0  # while training, ask for fresh predictions this often if shown
LIVE_ATTENTION_S = 0.4  # ... and for the probe's attention this often, if shown
RUN_FILTER = f"tinyformer runs (*{SUFFIX});;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, state: AppState, session: TrainingSession, store: QSettings) -> None:
        super().__init__()
        self.state, self.session, self.store = state, session, store
        self.setWindowTitle("tinyformer explorer")
        self.setWindowIcon(QIcon(str(resource_dir("icons") / "tinyformer.svg")))
        self._closing = False  # a save was asked for on the way out; close when it is done
        self._closed = False
        self._error_box = None

        self.settings_panel = SettingsPanel(state)
        dock = QDockWidget("Model && task", self)
        dock.setObjectName("settingsDock")
        dock.setWidget(self.settings_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.loss_view = LossView(state)
        self.attention_tab = AttentionTab(state)
        self.attention_view = self.attention_tab.grid
        self.predictions_view = PredictionsView(state)
        self.data_view = DataView(state)
        self.compare_view = CompareView(state)
        self.tabs = QTabWidget()
        for widget, title in (
            (self.loss_view, "Loss"),
            (self.attention_tab, "Attention"),
            (self.predictions_view, "Predictions"),
            (self.data_view, "Training data"),
            (self.compare_view, "Compare"),
        ):
            self.tabs.addTab(widget, title)
        self.tabs.currentChanged.connect(lambda _: self._on_frame(force=True))
        self.setCentralWidget(self.tabs)

        self.lessons_panel = LessonsPanel()
        self.lessons_panel.setMaximumWidth(340)
        lessons = QDockWidget("Lessons", self)
        lessons.setObjectName("lessonsDock")
        lessons.setWidget(self.lessons_panel)
        lessons.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, lessons)
        self.lessons_dock = lessons
        self.lessons_panel.load_requested.connect(self.load_lesson_experiment)
        self.compare_view.sweep_requested.connect(self.open_sweep)
        self.sweep_dialog: SweepDialog | None = None

        self._build_actions()
        self._build_menus()
        self._build_status_bar()

        state.status_changed.connect(self._on_status_changed)
        state.settings_changed.connect(self._on_settings_changed)
        state.validity_changed.connect(lambda _: self._update_actions())
        state.run_changed.connect(lambda _: self._update_actions())
        session.errored.connect(self._on_errored)
        session.saved.connect(self._on_saved)
        session.typed_ready.connect(self.predictions_view.show_typed)
        self.predictions_view.predict_requested.connect(session.predict)
        self.predictions_view.temperature_changed.connect(session.set_temperature)
        self._last_view_draw = 0.0
        self._last_inspect = 0.0
        self._last_snapshot = 0.0

        self.frame = QTimer(self)
        self.frame.setInterval(FRAME_MS)
        self.frame.timeout.connect(self._on_frame)
        self.frame.start()
        restore_settings(self.store, self)
        self._update_actions()

    # building ----------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
        act = QAction(text, self)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        act.triggered.connect(slot)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        act.setToolTip(tip or text)
        return act

    def _build_actions(self) -> None:
        self.act_train = self._action(
            "Train",
            self._on_train,
            Qt.Key.Key_Space,
            "Train until the last step (Space); press again to pause",
            SP.SP_MediaPlay,
        )
        self.act_step = self._action(
            "Step",
            lambda: self._step(1),
            Qt.Key.Key_Right,
            "One optimizer update (→)",
            SP.SP_MediaSkipForward,
        )
        self.step_n = QSpinBox()
        self.step_n.setRange(2, 100_000)
        self.step_n.setValue(10)
        self.step_n.setToolTip("How many updates Step ×N makes")
        self.act_step_n = self._action(
            "Step ×N",
            lambda: self._step(self.step_n.value()),
            None,
            "Make N optimizer updates, then pause",
            SP.SP_MediaSeekForward,
        )
        self.act_stop = self._action(
            "Stop",
            self._on_stop,
            None,
            "End the run at this step and evaluate it",
            SP.SP_MediaStop,
        )
        self.act_reset = self._action(
            "Reset",
            self._on_reset,
            None,
            "Start again from fresh weights (the old curve stays, faded)",
            SP.SP_BrowserReload,
        )
        bar = QToolBar("Training")
        bar.setObjectName("trainingToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for act in (self.act_train, self.act_step):
            bar.addAction(act)
        bar.addWidget(self.step_n)
        for act in (self.act_step_n, self.act_stop, self.act_reset):
            bar.addAction(act)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.setFormat("%v / %m steps")
        spacer = QWidget()
        spacer.setMinimumWidth(16)
        bar.addWidget(spacer)
        bar.addWidget(self.progress)
        self.addToolBar(bar)

    def _build_menus(self) -> None:
        self.act_open = self._action("Open run…", self._on_open, QKeySequence.StandardKey.Open)
        self.act_save = self._action("Save run…", self._on_save, QKeySequence.StandardKey.Save)
        self.act_csv = self._action("Export loss as CSV…", self._on_export_csv)
        self.act_png = self._action("Export view as PNG…", self._on_export_png)
        self.act_quit = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        menu = self.menuBar().addMenu("&File")
        for act in (
            self.act_open,
            self.act_save,
            None,
            self.act_csv,
            self.act_png,
            None,
            self.act_quit,
        ):
            menu.addSeparator() if act is None else menu.addAction(act)
        train = self.menuBar().addMenu("&Train")
        for act in (self.act_train, self.act_step, self.act_step_n, self.act_stop, self.act_reset):
            train.addAction(act)
        self.act_sweep = self._action(
            "Sweep…", self.open_sweep, None, "Train a grid of settings, one run at a time"
        )
        self.act_frames = self._action(
            "Export attention time-lapse…",
            self._on_export_frames,
            None,
            "Save every attention snapshot of the current view as numbered PNG frames",
        )
        tools = self.menuBar().addMenu("T&ools")
        tools.addAction(self.act_sweep)
        tools.addAction(self.act_frames)
        tools.addAction(self.lessons_dock.toggleViewAction())

    def _build_status_bar(self) -> None:
        self.status_labels = {name: QLabel() for name in ("state", "step", "loss", "speed", "eta")}
        for label in self.status_labels.values():
            label.setMinimumWidth(90)
            self.statusBar().addPermanentWidget(label)

    # toolbar -----------------------------------------------------------------------------

    def _on_train(self) -> None:
        if self.state.status is Status.TRAINING:
            self.session.pause()
        elif self.act_train.isEnabled():
            self.session.train()

    def _step(self, n: int) -> None:
        if self.act_step.isEnabled():
            self.session.step(n)

    def _on_stop(self) -> None:
        self.session.stop()

    def _on_reset(self) -> None:
        run = self.state.run
        if run is not None and run.unsaved:
            text = f"Start again from fresh weights? The run at step {run.step} is not saved."
            if not dialogs.confirm(self, "Reset", text, yes="Reset"):
                return
        self.session.discard()
        if self.state.experiment is not None:
            self.session.new_run(self.state.experiment)

    def _update_actions(self) -> None:
        st, run = self.state.status, self.state.run
        valid = self.state.experiment is not None
        busy = st in (Status.TRAINING, Status.PREPARING, Status.SWEEPING)
        finished = st is Status.FINISHED
        can_train = st is Status.TRAINING or (valid and not busy and not finished)
        self.act_sweep.setEnabled(st is not Status.PREPARING)
        self.act_frames.setEnabled(run is not None and len(run.snapshots) > 0)
        self.act_train.setEnabled(can_train)
        self.act_train.setText("Pause" if st is Status.TRAINING else "Train")
        icon = SP.SP_MediaPause if st is Status.TRAINING else SP.SP_MediaPlay
        self.act_train.setIcon(self.style().standardIcon(icon))
        reason = ""
        if not valid:
            reason = f" (disabled: {self.state.error})"
        elif finished:
            reason = " (finished: raise Steps to go on, or Reset)"
        self.act_train.setToolTip(
            ("Pause (Space)" if st is Status.TRAINING else "Train until the last step (Space)")
            + reason
        )
        steppable = valid and not busy and not finished
        self.act_step.setEnabled(steppable)
        self.act_step_n.setEnabled(steppable)
        self.step_n.setEnabled(steppable)
        self.act_stop.setEnabled(
            run is not None
            and run.step > 0
            and not finished
            and st not in (Status.PREPARING, Status.SWEEPING)
        )
        self.act_reset.setEnabled(valid and not busy and run is not None and run.step > 0)
        self.act_save.setEnabled(run is not None and not busy)
        self.act_csv.setEnabled(run is not None and run.step > 0)

    # state -------------------------------------------------------------------------------

    def _on_status_changed(self, status) -> None:
        # While training, wake no more often than views redraw: each wake-up of the GUI
        # thread takes the GIL from the trainer.
        self.frame.setInterval(int(LIVE_VIEW_S * 1000) if status is Status.TRAINING else FRAME_MS)
        self._update_actions()
        self._on_frame(force=True)

    def _on_settings_changed(self, _settings) -> None:
        """Edited settings that no longer match the run: extend it, or ask to discard it."""
        state = self.state
        if not state.settings_differ_from_run() or state.experiment is None:
            self._update_actions()
            return
        run = state.run
        if state.only_steps_differ() and state.experiment.train.steps > run.step:
            self.session.extend(state.experiment.train.steps)
        elif run.step == 0 or dialogs.confirm(
            self,
            "Discard the run?",
            f"Changing this discards the current run (step {run.step}"
            + ("" if run.saved else ", not saved")
            + ").",
        ):
            self.session.discard()
        else:
            QTimer.singleShot(0, state.revert_to_run)
        self._update_actions()

    def _on_frame(self, force: bool = False) -> None:
        """Redraw what is visible. While training, at most every LIVE_VIEW_S: the GUI's
        Python shares the GIL with the trainer's, so every redraw slows training."""
        run = self.state.run
        now = time.monotonic()
        live = self.state.status is Status.TRAINING
        if not force and live and now - self._last_view_draw < 0.9 * LIVE_VIEW_S:
            return
        self._last_view_draw = now
        self._update_status(run)
        current = self.tabs.currentWidget()
        if (
            live
            and current is self.predictions_view
            and now - self._last_inspect > LIVE_PREDICTIONS_S
        ):
            self._last_inspect = now
            self.session.inspect()
        if current is self.loss_view or force:
            self.loss_view.refresh()
        if current is self.predictions_view or force:
            self.predictions_view.refresh()
        if current is self.attention_tab or force:
            if live and now - self._last_snapshot > LIVE_ATTENTION_S:
                self._last_snapshot = now
                self.session.snapshot()
            self.attention_tab.refresh()
        if current is self.data_view:
            self.data_view.refresh()

    # lessons and tools -------------------------------------------------------------------

    def load_lesson_experiment(self, preset: str, view: str) -> None:
        """A lesson's "Load" button: its preset in every widget, its view in front."""
        if self.state.status in (Status.TRAINING, Status.SWEEPING):
            self.session.pause()
        self.state.load_preset(preset)
        if self.state.run is not None and self.state.settings_differ_from_run():
            return  # the user kept the old run: leave the view as it is
        titles = [self.tabs.tabText(i) for i in range(self.tabs.count())]
        if view in titles:
            self.tabs.setCurrentIndex(titles.index(view))
        self.statusBar().showMessage(f"Loaded {preset}: press Train (Space)", 8000)

    def open_sweep(self) -> None:
        if self.sweep_dialog is None:
            dialog = SweepDialog(self.state, self)
            dialog.start_requested.connect(self.session.sweep)
            dialog.cancel_requested.connect(self.session.cancel_sweep)
            self.session.sweep_progress.connect(dialog.on_progress)
            self.session.sweep_result.connect(dialog.on_result)
            self.session.sweep_finished.connect(dialog.on_finished)
            self.sweep_dialog = dialog
        self.sweep_dialog.show()
        self.sweep_dialog.raise_()

    def _on_export_frames(self) -> None:
        folder = str(self.store.value("last_dir", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self, "Folder for the frames", folder)
        if not folder:
            return
        self.store.setValue("last_dir", folder)
        self.tabs.setCurrentWidget(self.attention_tab)
        try:
            n = self.attention_tab.export_frames(folder)
        except OSError as e:
            self._error("Could not write the frames", str(e))
            return
        self.statusBar().showMessage(f"{n} frames written to {folder}", 5000)

    def _update_status(self, run) -> None:
        labels = self.status_labels
        labels["state"].setText(self.state.status.value)
        if run is None:
            for name in ("step", "loss", "speed", "eta"):
                labels[name].setText("")
            self.progress.setRange(0, max(1, int(self.state.settings["train"]["steps"])))
            self.progress.setValue(0)
            return
        total = run.experiment.train.steps
        self.progress.setRange(0, total)
        self.progress.setValue(min(run.step, total))
        labels["step"].setText(f"step {run.step}/{total}")
        labels["loss"].setText("" if run.last_step is None else f"loss {run.last_step.loss:.4f}")
        rate = run.steps_per_s() if self.state.status is Status.TRAINING else 0.0
        labels["speed"].setText(f"{rate:.0f} steps/s" if rate else "")
        eta = (total - run.step) / rate if rate else math.nan
        labels["eta"].setText(f"ETA {eta:.0f} s" if rate else "")

    # files -------------------------------------------------------------------------------

    def _ask_path(self, title: str, filter_: str, suffix: str, save: bool) -> str | None:
        folder = str(self.store.value("last_dir", str(Path.home())))
        if save:
            path, _ = QFileDialog.getSaveFileName(self, title, folder, filter_)
            if path and not Path(path).suffix:
                path += suffix
        else:
            path, _ = QFileDialog.getOpenFileName(self, title, folder, filter_)
        if path:
            self.store.setValue("last_dir", str(Path(path).parent))
        return path or None

    def _on_open(self) -> None:
        run = self.state.run
        if (
            run is not None
            and run.unsaved
            and not dialogs.confirm(
                self,
                "Open a run",
                "The current run is not saved. Open another and discard it?",
                yes="Open",
            )
        ):
            return
        path = self._ask_path("Open run", RUN_FILTER, SUFFIX, save=False)
        if path:
            self.open_run(path)

    def open_run(self, path: str) -> None:
        self.session.pause()
        self.session.open_run(path)

    def _on_save(self) -> None:
        path = self._ask_path("Save run", RUN_FILTER, SUFFIX, save=True)
        if path:
            self.session.save(path)

    def _on_saved(self, path: str) -> None:
        self.statusBar().showMessage(f"Run saved to {path}", 5000)
        if self._closing:
            self.close()

    def _on_export_csv(self) -> None:
        path = self._ask_path("Export loss", "CSV (*.csv)", ".csv", save=True)
        if path and self.state.run is not None:
            try:
                write_csv(self.state.run.history, path)
                self.statusBar().showMessage(f"Loss written to {path}", 5000)
            except OSError as e:
                self._error("Could not write the CSV file", str(e))

    def _on_export_png(self) -> None:
        path = self._ask_path("Export view", "PNG image (*.png)", ".png", save=True)
        if path:
            if self.tabs.currentWidget().grab().save(path, "PNG"):
                self.statusBar().showMessage(f"View saved to {path}", 5000)
            else:
                self._error("Could not write the image", f"{path} could not be written.")

    # errors and closing ------------------------------------------------------------------

    def _on_errored(self, error) -> None:
        self._error(
            "Training stopped" if self.state.run else "Something went wrong",
            error.message,
            error.details,
        )
        self._update_actions()

    def _error(self, title: str, message: str, details: str = "") -> None:
        self._error_box = dialogs.show_error(self, title, message, details)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:  # already shut down: a second close has nothing left to ask
            event.accept()
            return
        run = self.state.run
        if not self._closing and run is not None and run.unsaved:
            answer = dialogs.ask_save(self, f"Save the run (step {run.step}) before quitting?")
            if answer == "cancel":
                event.ignore()
                return
            if answer == "save":
                path = self._ask_path("Save run", RUN_FILTER, SUFFIX, save=True)
                if not path:
                    event.ignore()
                    return
                self._closing = True
                self.session.save(path)  # closes again once saved
                event.ignore()
                return
        self.frame.stop()
        remember_settings(self.store, self, settings_of_state(self.state))
        self.session.shutdown()
        self._closed = True
        event.accept()


def settings_of_state(state: AppState):
    return (
        state.settings
        if state.experiment is not None
        else (None if state.run is None else settings_of(state.run.experiment))
    )
