"""MainWindow: toolbar, settings panel, the views, menus and status bar.

The window turns the user's clicks and keys into requests to the app model and draws
from the model's signals; it never waits on training. Each view redraws itself from those
signals (explorer.views.redraw), at most 8 times a second and only while in sight.
"""

from __future__ import annotations

import math
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

from explorer.core.app_model import OPEN, AppModel
from explorer.core.questions import Question
from explorer.core.session import TrainingSession
from explorer.core.status import Status
from explorer.views import dialogs
from explorer.views.attention_tab import AttentionTab
from explorer.views.causes_view import CausesView
from explorer.views.compare_view import CompareView
from explorer.views.data_view import DataView
from explorer.views.embeddings_tab import EmbeddingsTab
from explorer.views.first_run import FirstRunHint
from explorer.views.inside_view import InsideView
from explorer.views.lessons_panel import LessonsPanel
from explorer.views.loss_view import LossView
from explorer.views.predictions_view import PredictionsView
from explorer.views.redraw import Redraw
from explorer.views.settings_panel import SettingsPanel
from explorer.views.sweep_dialog import SweepDialog
from explorer.window.actions import WindowActions
from explorer.window.files import FileActions
from explorer.window.keys import ShortcutKeeper, is_free_text
from explorer.window.storage import SettingsStore
from explorer.window.tab_style import CompactTabStyle
from tinyformer.presets import resource_dir

TITLE = "tinyformer explorer"


class MainWindow(QMainWindow):
    def __init__(self, state: AppModel, session: TrainingSession, store: QSettings) -> None:
        super().__init__()
        self.state, self.session, self.store = state, session, store
        # The models live as long as the window: none signals into a window already gone.
        state.setParent(self)
        session.setParent(self)
        self.setWindowIcon(QIcon(str(resource_dir("icons") / "tinyformer.svg")))
        self.setAcceptDrops(True)
        self._closed = False  # shut down: a close now goes through
        self._in_close_event = False
        self._error_box = None
        self.question_box = None  # the question open now, if any
        self.files = FileActions(self, state, store)
        self.storage = SettingsStore(store, self, state)

        self.settings_panel = SettingsPanel(state)
        state.label_of = self.settings_panel.label_of
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
        self.causes_view = CausesView(state)
        self.embeddings_tab = EmbeddingsTab(state)
        self.embeddings_view = self.embeddings_tab.points
        self.fourier_view = self.embeddings_tab.fourier
        self.data_view = DataView(state)
        self.compare_view = CompareView(state)
        self.tabs = QTabWidget()
        for widget, title in (
            (self.loss_view, "Loss"),
            (self.attention_tab, "Attention"),
            (self.predictions_view, "Predictions"),
            (self.inside_view, "Inside"),
            (self.causes_view, "Causes"),
            (self.embeddings_tab, "Embeddings"),
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
        self.causes_view.export_requested.connect(self.files.export_causes)
        self.sweep_dialog: SweepDialog | None = None

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.setFormat("%v / %m steps")
        self.actions = WindowActions(self, state)
        self.addToolBar(self.actions.toolbar(self.progress))
        self.actions.menus(lessons.toggleViewAction())
        self.keeper = ShortcutKeeper(self.actions.shortcuts, self)
        self.keeper.start(QApplication.instance())
        self._build_status_bar()
        self.status_redraw = Redraw(self, self._update_status, interval_ms=250)
        self.status_redraw.poke()

        live, form = state.live, state.form
        live.status_changed.connect(self._on_status_changed)
        live.locked_changed.connect(lambda _: self.actions.update())
        live.run_replaced.connect(lambda _: self._on_run_changed())
        live.run_updated.connect(lambda _: self._on_run_changed())
        live.trained.connect(self.status_redraw.poke)
        live.errored.connect(self._on_errored)
        live.saved.connect(self._on_saved)
        form.settings_changed.connect(lambda _: self._on_settings_changed())
        form.validity_changed.connect(lambda _: self.actions.update())
        state.guard.asked.connect(self._on_question)
        state.guard.closed.connect(self._on_question_closed)
        state.said.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        messages = self.storage.restore_layout()
        self.storage.watch()
        for text in messages:
            self.statusBar().showMessage(text, 15000)
        self.actions.update()
        self._update_title()

    # building ----------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        self.status_labels = {name: QLabel() for name in ("state", "step", "loss", "speed", "eta")}
        # Fixed widths, for the widest text each shows: a label that changed its width
        # every redraw would lay the window out again (every map in it) while training.
        widest = {"state": "preparing", "step": "step 10000000/10000000", "loss": "loss 0.0000",
                  "speed": "10000 steps/s", "eta": "ETA 100000 s"}  # fmt: skip
        for name, label in self.status_labels.items():
            label.setFixedWidth(label.fontMetrics().horizontalAdvance(widest[name]) + 12)
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
        self.state.live.watch("attention", self.tabs.currentWidget() is self.attention_tab)
        if self.tabs.currentWidget() is self.attention_tab and run is not None and run.step > 0:
            self.hint.dismiss()  # trained, then opened Attention: the hint has been followed

    def current_plot(self):
        """The pyqtgraph item the current tab draws, for "Export view" (None: no plot)."""
        view = self.tabs.currentWidget()
        return view.plot_item() if hasattr(view, "plot_item") else None

    # toolbar -----------------------------------------------------------------------------

    def on_train(self) -> None:
        if self.state.status is Status.TRAINING:
            self.state.pause()
        elif self.actions.train.isEnabled():
            self.state.train()

    def step(self, n: int) -> None:
        if self.actions.step.isEnabled():
            self.state.train(by=n)

    def on_stop(self) -> None:
        if self.actions.stop.isEnabled():
            self.state.stop()

    def on_reset(self) -> None:
        if self.actions.reset.isEnabled():
            self.state.reset()

    # state -------------------------------------------------------------------------------

    def _on_status_changed(self, status) -> None:
        if status is Status.TRAINING:
            self.statusBar().clearMessage()  # "press Train (Space)" and the like are done
        self.actions.update()
        self.status_redraw.now()

    def _on_run_changed(self) -> None:
        self.actions.update()
        self._update_title()
        self.status_redraw.poke()

    def _on_settings_changed(self) -> None:
        self.actions.update()
        self._update_title()
        self.status_redraw.poke()

    def _update_title(self) -> None:
        run = self.state.run
        name = Path(run.path).name if run is not None and run.path else "new run"
        self.setWindowTitle(f"{name}[*] — {TITLE}")
        self.setWindowModified(run is not None and run.unsaved)

    def _update_status(self) -> None:
        run, labels = self.state.run, self.status_labels
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
        rate = run.steps_per_s() if status is Status.TRAINING else 0.0
        labels["speed"].setText(f"{rate:.0f} steps/s" if rate else "")
        eta = (total - run.step) / rate if rate else math.nan
        labels["eta"].setText(f"ETA {eta:.0f} s" if rate else "")

    # questions ---------------------------------------------------------------------------

    def _on_question(self, question: Question) -> None:
        """The guard asks (training has paused): shown without blocking; keys go to it."""
        self.question_box = dialogs.ask(self, question, self._on_answer)

    def _on_answer(self, reply: str) -> None:
        self.question_box = None
        if reply == "save":
            path = self.files.ask_save_path()
            self.state.guard.answer("save" if path else "cancel", path)
        else:
            self.state.guard.answer(reply)
        self.focus_main()

    def _on_question_closed(self, _question: Question) -> None:
        box, self.question_box = self.question_box, None
        if box is not None:
            box.close()

    # lessons and tools -------------------------------------------------------------------

    def load_lesson_experiment(self, preset: str, view: str) -> None:
        """A lesson's "Load" button: its preset in every widget, then its view in front (if
        a question comes first, only once it is answered, and not if it is cancelled)."""

        def show() -> None:
            titles = self.tab_titles()
            if view in titles:
                self.tabs.setCurrentIndex(titles.index(view))
            self.statusBar().showMessage(f"Loaded {preset}: press Train (Space)", 8000)
            self.focus_main()

        self.state.load_preset(preset, then=show)

    def open_sweep(self) -> None:
        if self.sweep_dialog is None:
            dialog = SweepDialog(self.state, self)
            dialog.start_requested.connect(self.state.live.sweep)
            dialog.cancel_requested.connect(self.state.live.cancel_sweep)
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
        """Open a run file (asking first if the current run holds unsaved work)."""
        self.state.when_discardable(OPEN, lambda: self.state.open_run(path))

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
            self.open_run(path)
        else:
            self.files.open_examples(path)

    # errors and closing ------------------------------------------------------------------

    def _on_saved(self, saved) -> None:
        self.statusBar().showMessage(f"Run saved to {saved.path}", 5000)
        self._update_title()

    def _on_errored(self, error) -> None:
        self.error(error.title, error.message, error.details)
        self.actions.update()

    def error(self, title: str, message: str, details: str = "") -> None:
        self._error_box = dialogs.show_error(self, title, message, details)
        self._error_box.finished.connect(lambda _: self.focus_main())

    def closeEvent(self, event: QCloseEvent) -> None:
        """Quit: asks first if the run is unsaved (training waits); the answer closes the
        window (after saving, if asked to), or leaves it as it was."""
        self._in_close_event = True
        try:
            if not self._closed:
                self.state.when_saved(self._shut_down)
        finally:
            self._in_close_event = False
        if self._closed:
            event.accept()
        else:
            event.ignore()  # a question is open; its answer closes the window or not

    def _shut_down(self) -> None:
        if self._closed:
            return
        self.storage.write()
        self.hide()  # the window goes at once, even if the worker finishes a slow open
        self.session.shutdown()
        self.keeper.stop(QApplication.instance())
        self._closed = True
        if not self._in_close_event:
            QTimer.singleShot(0, self, self.close)  # the answer came later: close now
