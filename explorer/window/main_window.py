"""MainWindow: toolbar, settings panel, the views, menus and status bar.

The window reacts to the AppState and sends requests to the TrainingSession; it never
waits on training. Views redraw from a timer (~30 fps when idle, 10 fps while training),
and only the visible one.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.session import TrainingSession
from explorer.core.state import AppState, Status
from explorer.views import dialogs
from explorer.views.attention_tab import AttentionTab
from explorer.views.compare_view import CompareView
from explorer.views.data_view import DataView
from explorer.views.embeddings_view import EmbeddingsView
from explorer.views.first_run import FirstRunHint
from explorer.views.inside_view import InsideView
from explorer.views.lessons_panel import LessonsPanel
from explorer.views.loss_view import LossView
from explorer.views.predictions_view import PredictionsView
from explorer.views.settings_panel import SettingsPanel
from explorer.views.sweep_dialog import SweepDialog
from explorer.window.actions import WindowActions
from explorer.window.files import FileActions
from explorer.window.guard import RunGuard
from explorer.window.keys import ShortcutKeeper, is_free_text
from explorer.window.storage import SettingsStore
from explorer.window.tab_style import CompactTabStyle
from tinyformer.presets import resource_dir

FRAME_MS = 33  # the status bar updates at ~30 fps
LIVE_VIEW_S = 0.125  # views redraw at most 8 times a second while training (GIL budget)
LIVE_PREDICTIONS_S = 2.0  # while training, ask for fresh predictions this often if shown
LIVE_ATTENTION_S = 0.4  # ... and for the probe's attention this often, if shown
TITLE = "tinyformer explorer"


class MainWindow(QMainWindow):
    def __init__(self, state: AppState, session: TrainingSession, store: QSettings) -> None:
        super().__init__()
        self.state, self.session, self.store = state, session, store
        self.setWindowIcon(QIcon(str(resource_dir("icons") / "tinyformer.svg")))
        self.setAcceptDrops(True)
        self._closing = False  # a save was asked for on the way out; close when it is done
        self._closed = False
        self._error_box = None
        self.guard = RunGuard(self, state, session)
        self.guard.after_question = self.focus_main
        state.guard = self.guard.allow_settings
        self.files = FileActions(self, state, session, store, self.guard)
        self.guard.save_run = self.files.save_run_dialog
        self.storage = SettingsStore(store, self, state)

        self.settings_panel = SettingsPanel(state)
        self.guard.name_of = self.settings_panel.label_of
        dock = QDockWidget("Model && task", self)
        dock.setObjectName("settingsDock")
        dock.setWidget(self.settings_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.loss_view = LossView(state)
        self.attention_tab = AttentionTab(state)
        self.attention_view = self.attention_tab.grid
        self.predictions_view = PredictionsView(state)
        self.inside_view = InsideView(state)
        self.embeddings_view = EmbeddingsView(state)
        self.data_view = DataView(state)
        self.compare_view = CompareView(state)
        self.tabs = QTabWidget()
        for widget, title in (
            (self.loss_view, "Loss"),
            (self.attention_tab, "Attention"),
            (self.predictions_view, "Predictions"),
            (self.inside_view, "Inside"),
            (self.embeddings_view, "Embeddings"),
            (self.data_view, "Batch"),
            (self.compare_view, "Compare"),
        ):
            self.tabs.addTab(widget, title)
        self.tab_style = CompactTabStyle()  # kept here: a widget does not own its style
        self.tab_style.setParent(self)
        self.tabs.tabBar().setStyle(self.tab_style)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.hint = FirstRunHint()
        self.hint.dismissed.connect(lambda: self.store.setValue("first_run_done", True))
        self.hint.setVisible(str(store.value("first_run_done", "false")).lower() != "true")
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.hint)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.lessons_panel = LessonsPanel(views=self.tab_titles())
        self.lessons_panel.setMaximumWidth(300)
        self.lessons_panel.setMinimumWidth(200)
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
        self.attention_tab.export_requested.connect(self.files.export_time_lapse)
        self.sweep_dialog: SweepDialog | None = None

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.setFormat("%v / %m steps")
        self.actions = WindowActions(self, state)
        self.addToolBar(self.actions.toolbar(self.progress))
        self.actions.menus(lessons.toggleViewAction())
        self.keeper = ShortcutKeeper(self.actions.shortcuts, self)
        QApplication.instance().installEventFilter(self.keeper)
        self._build_status_bar()

        state.status_changed.connect(self._on_status_changed)
        state.settings_changed.connect(self._on_settings_changed)
        state.validity_changed.connect(lambda _: self.actions.update())
        state.run_changed.connect(lambda _: self._on_run_changed())
        state.run_saved.connect(lambda _: self._update_title())
        session.errored.connect(self._on_errored)
        session.saved.connect(self._on_saved)
        session.typed_ready.connect(self.predictions_view.show_typed)
        session.inside_ready.connect(self.inside_view.set_result)
        session.input_refused.connect(self._on_input_refused)
        self.inside_view.inside_requested.connect(session.look_inside)
        self.predictions_view.predict_requested.connect(session.predict)
        self._last_view_draw = 0.0
        self._last_inspect = 0.0
        self._last_snapshot = 0.0

        self.frame = QTimer(self)
        self.frame.setInterval(FRAME_MS)
        self.frame.timeout.connect(self._on_frame)
        self.frame.start()
        messages = self.storage.restore_layout()
        self.storage.watch()
        for text in messages:
            self.statusBar().showMessage(text, 15000)
        self.actions.update()
        self._update_title()

    # building ----------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        self.status_labels = {name: QLabel() for name in ("state", "step", "loss", "speed", "eta")}
        for label in self.status_labels.values():
            label.setMinimumWidth(80)
            self.statusBar().addPermanentWidget(label)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def focus_main(self) -> None:
        """After a dialog: keys go to the window again, not to the last field."""
        self.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_tab_changed(self, _index: int) -> None:
        # The Inside tab steps through stages with ← and →; elsewhere → is Step.
        self.actions.lend_arrows(self.tabs.currentWidget() is self.inside_view)
        # Qt hands focus to the new page's first field when the old page had it; in a text
        # box, Space would then type instead of train. Opening a tab is not choosing a box.
        focus = QApplication.focusWidget()
        if is_free_text(focus) and self.tabs.currentWidget().isAncestorOf(focus):
            self.focus_main()
        run = self.state.run
        if self.tabs.currentWidget() is self.attention_tab and run is not None and run.step > 0:
            self.hint.dismiss()  # trained, then opened Attention: the hint has been followed
        self._on_frame(force=True)

    def current_plot(self):
        """The pyqtgraph item the current tab draws, for "Export view" (None: no plot)."""
        view = self.tabs.currentWidget()
        return view.plot_item() if hasattr(view, "plot_item") else None

    # toolbar -----------------------------------------------------------------------------

    def on_train(self) -> None:
        if self.state.status is Status.TRAINING:
            self.session.pause()
        elif self.actions.train.isEnabled():
            self.session.train()

    def step(self, n: int) -> None:
        if self.actions.step.isEnabled():
            self.session.step(n)

    def on_stop(self) -> None:
        if self.actions.stop.isEnabled():
            self.session.stop()

    def on_reset(self) -> None:
        if not self.actions.reset.isEnabled():
            return
        text = "Start again from fresh weights? The unsaved run ({run}) is lost."
        if not self.guard.may_discard(text, title="Reset", yes="Reset"):
            return
        self.session.discard()
        if self.state.experiment is not None:
            self.session.new_run(self.state.experiment)

    # state -------------------------------------------------------------------------------

    def _on_status_changed(self, status) -> None:
        # While training, wake no more often than views redraw: each wake-up of the GUI
        # thread takes the GIL from the trainer.
        live = status is Status.TRAINING
        self.frame.setInterval(int(LIVE_VIEW_S * 1000) if live else FRAME_MS)
        if live:
            self.statusBar().clearMessage()  # "press Train (Space)" and the like are done
        self.actions.update()
        self._on_frame(force=True)

    def _on_run_changed(self) -> None:
        self.actions.update()
        self._update_title()

    def _on_settings_changed(self, _settings) -> None:
        """Settings that no longer match the run (the guard has allowed it): a longer run
        trains on; anything else starts afresh."""
        state = self.state
        if state.settings_differ_from_run():
            run = state.run
            steps = None if state.experiment is None else state.experiment.train.steps
            if state.only_steps_differ() and steps > run.step:
                self.session.extend(steps)
            else:
                self._say_discarded(run, steps)
                self.session.discard()
        self.actions.update()
        self._update_title()

    def _say_discarded(self, run, steps: int | None) -> None:
        """Why the run went, and where it can still be seen."""
        if run.step == 0:
            return
        if self.state.only_steps_differ():
            why = f"Steps ({steps}) is below the run's step ({run.step})"
        else:
            why = "The settings changed"
        kept = " (the old run is kept in Compare)" if run.kept_step == run.step else ""
        self.statusBar().showMessage(
            f"{why}: Train starts a new run from fresh weights{kept}.", 10_000
        )

    def _update_title(self) -> None:
        run = self.state.run
        name = Path(run.path).name if run is not None and run.path else "new run"
        self.setWindowTitle(f"{name}[*] — {TITLE}")
        self.setWindowModified(run is not None and run.unsaved)

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
        if live and current is self.attention_tab and now - self._last_snapshot > LIVE_ATTENTION_S:
            self._last_snapshot = now
            self.session.snapshot()
        if hasattr(current, "refresh"):
            current.refresh()

    def _update_status(self, run) -> None:
        labels = self.status_labels
        status = self.state.status
        paused = status is Status.READY and run is not None and run.step > 0
        labels["state"].setText("paused" if paused else status.value)
        if run is None:
            for name in ("step", "loss", "speed", "eta"):
                labels[name].setText("")
            self.progress.setRange(0, max(1, int(self.state.settings["train"]["steps"])))
            self.progress.setValue(0)
            return
        total = run.experiment.train.steps
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        self.progress.setValue(min(run.step, total))
        labels["step"].setText(f"step {run.step}/{total}")
        labels["loss"].setText("" if run.last_step is None else f"loss {run.last_step.loss:.4f}")
        rate = run.steps_per_s() if self.state.status is Status.TRAINING else 0.0
        labels["speed"].setText(f"{rate:.0f} steps/s" if rate else "")
        eta = (total - run.step) / rate if rate else math.nan
        labels["eta"].setText(f"ETA {eta:.0f} s" if rate else "")

    # lessons and tools -------------------------------------------------------------------

    def load_lesson_experiment(self, preset: str, view: str) -> None:
        """A lesson's "Load" button: its preset in every widget, its view in front."""
        if not self.state.load_preset(preset):
            return  # the user kept the old run: leave everything as it is
        titles = self.tab_titles()
        if view in titles:
            self.tabs.setCurrentIndex(titles.index(view))
        self.statusBar().showMessage(f"Loaded {preset}: press Train (Space)", 8000)
        self.focus_main()

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

    def show_keys(self) -> None:
        dialogs.show_keys(self, self.actions)
        self.focus_main()

    def show_lessons(self) -> None:
        self.lessons_dock.show()
        self.lessons_dock.raise_()

    def show_first_steps(self) -> None:
        dialogs.show_first_steps(self)
        self.focus_main()

    # files: drag and drop ----------------------------------------------------------------

    def open_run(self, path: str) -> None:
        self.session.open_run(path)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        event.acceptProposedAction()
        path = urls[0]
        if path.endswith(".tfrun"):
            if self.guard.may_discard(
                "The current run ({run}) is not saved. Open another and discard it?",
                title="Open a run",
                yes="Open",
            ):
                self.open_run(path)
        else:
            self.files.open_examples(path)

    # errors and closing ------------------------------------------------------------------

    def _on_saved(self, path: str) -> None:
        self.statusBar().showMessage(f"Run saved to {path}", 5000)
        self._update_title()
        if self._closing:
            self.close()

    def _on_input_refused(self, refusal) -> None:
        view = self.inside_view if refusal.where == "inside" else self.predictions_view
        view.show_refusal(refusal.text, refusal.message)

    def _on_errored(self, error) -> None:
        self._closing = False  # a failed save on the way out: the next Quit asks again
        self.error(error.title, error.message, error.details)
        self.actions.update()

    def error(self, title: str, message: str, details: str = "") -> None:
        self._error_box = dialogs.show_error(self, title, message, details)
        self._error_box.finished.connect(lambda _: self.focus_main())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:  # already shut down: a second close has nothing left to ask
            event.accept()
            return
        run = self.state.run
        if not self._closing and run is not None and run.unsaved:
            answer = self.guard.ask(
                lambda: dialogs.ask_save(
                    self, f"Save the run ({self.guard.describe()}) before quitting?"
                )
            )
            if answer == "cancel" or (answer == "save" and not self.files.save_run_dialog()):
                event.ignore()
                return
            if answer == "save":
                self._closing = True  # close again once the worker says it is saved
                event.ignore()
                return
        self.frame.stop()
        self.storage.write()
        self.hide()  # the window goes at once, even if the worker finishes a slow open
        self.session.shutdown()
        QApplication.instance().removeEventFilter(self.keeper)
        self._closed = True
        event.accept()
