"""The window's actions: toolbar, menus and keys, and which of them can be used now."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QProgressBar, QSpinBox, QStyle, QToolBar, QWidget

from explorer.core.app_model import AppModel
from explorer.core.status import Status
from explorer.views import dialogs

SP = QStyle.StandardPixmap
BUSY = (Status.TRAINING, Status.PAUSING, Status.PREPARING, Status.SWEEPING)


class WindowActions:
    """Every QAction of the window, made once; `update()` enables them for the state."""

    def __init__(self, window: QMainWindow, state: AppModel) -> None:
        self.window, self.state = window, state
        w = window
        self.train = self._action(
            "Train",
            w.on_train,
            Qt.Key.Key_Space,
            "Train until the last step; press again to pause",
            SP.SP_MediaPlay,
        )
        self.step = self._action(
            "Step",
            lambda: w.step(1),
            Qt.Key.Key_Right,
            "One optimizer update",
            SP.SP_MediaSkipForward,
        )
        self.step_n_box = QSpinBox()
        self.step_n_box.setRange(2, 100_000)
        self.step_n_box.setValue(10)
        self.step_n_box.setKeyboardTracking(False)
        self.step_n_box.setToolTip("How many updates Step ×N makes")
        self.step_n = self._action(
            "Step ×N",
            lambda: w.step(self.step_n_box.value()),
            QKeySequence("Shift+Right"),
            "Make N optimizer updates, then pause",
            SP.SP_MediaSeekForward,
        )
        self.stop = self._action(
            "Stop",
            w.on_stop,
            QKeySequence("Ctrl+."),
            "End the run at this step and evaluate it",
            SP.SP_MediaStop,
        )
        self.reset = self._action(
            "Reset",
            w.on_reset,
            QKeySequence("Ctrl+R"),
            "Start again from fresh weights (the old curve stays, faded)",
            SP.SP_BrowserReload,
        )
        self.open = self._action(
            "Open run…", w.files.open_run_dialog, QKeySequence.StandardKey.Open
        )
        self.save = self._action(
            "Save run…", w.files.save_run_dialog, QKeySequence.StandardKey.Save
        )
        self.examples = self._action(
            "Open examples…",
            w.files.open_examples_dialog,
            QKeySequence("Ctrl+E"),
            "Train the custom task on a text "
            "file: one example per line (you can also drop a file on "
            "the window)",
        )
        self.csv = self._action("Export loss as CSV…", w.files.export_csv)
        self.view_png = self._action(
            "Export view…",
            w.files.export_view,
            None,
            "Save the plot of the current tab as PNG or SVG",
        )
        self.frames = self._action(
            "Export attention time-lapse…",
            w.files.export_time_lapse,
            None,
            "Save every attention snapshot of the current view as an animated GIF or PNG frames",
        )
        self.quit = self._action("Quit", w.close, QKeySequence.StandardKey.Quit)
        self.sweep = self._action(
            "Sweep…", w.open_sweep, None, "Train a grid of settings, one run at a time"
        )
        self.keys = self._action("Keyboard shortcuts", w.show_keys, QKeySequence("F1"))
        # The Inside tab's stages: window keys like the others (→ and ← while that tab is
        # shown), so they work wherever focus is, the tab bar just clicked included.
        self.next_stage = self._action(
            "Next stage", lambda: w.inside_view.go(w.inside_view.index + 1), None,
            "Inside tab: the next stage of the forward pass",
        )  # fmt: skip
        self.prev_stage = self._action(
            "Previous stage", lambda: w.inside_view.go(w.inside_view.index - 1), None,
            "Inside tab: the stage before",
        )  # fmt: skip
        self.lend_arrows(False)
        self.first_steps = self._action("First steps", w.show_first_steps)
        self.about = self._action("About", lambda: dialogs.show_about(w))
        self.lessons = self._action(
            "Lessons",
            w.show_lessons,
            None,
            "Show the lessons: experiments that answer the article's questions, one button away",
        )

    def _action(self, text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
        act = QAction(text, self.window)
        if icon is not None:
            act.setIcon(self.window.style().standardIcon(icon))
        act.triggered.connect(slot)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        act.setToolTip(_with_key(tip or text, act))
        self.window.addAction(act)  # its key works even where no menu shows it
        return act

    def lend_arrows(self, lent: bool) -> None:
        """While the Inside tab is shown, → and ← move between its stages and Step gives
        up its key; elsewhere → is Step."""
        right, left = QKeySequence(Qt.Key.Key_Right), QKeySequence(Qt.Key.Key_Left)
        none = QKeySequence()
        self.step.setShortcut(none if lent else right)
        self.next_stage.setShortcut(right if lent else none)
        self.prev_stage.setShortcut(left if lent else none)
        for act in (self.next_stage, self.prev_stage):
            act.setEnabled(lent)
        self.step.setToolTip(_with_key("One optimizer update", self.step))

    def shortcuts(self) -> list[tuple[QKeySequence, bool]]:
        """The window's keys, each with whether its action is enabled now."""
        acts = (
            self.train,
            self.step,
            self.step_n,
            self.stop,
            self.reset,
            self.open,
            self.save,
            self.examples,
            self.quit,
            self.keys,
            self.next_stage,
            self.prev_stage,
        )
        return [(a.shortcut(), a.isEnabled()) for a in acts if not a.shortcut().isEmpty()]

    def toolbar(self, progress: QProgressBar) -> QToolBar:
        bar = QToolBar("Training")
        bar.setObjectName("trainingToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.train)
        # Train and Pause share a button: sized for the wider word, so nothing shifts.
        button = bar.widgetForAction(self.train)
        widths = []
        for word in ("Pause", "Train"):
            self.train.setText(word)
            widths.append(button.sizeHint().width())
        button.setMinimumWidth(max(widths))
        bar.addAction(self.step)
        bar.addWidget(self.step_n_box)
        for act in (self.step_n, self.stop, self.reset):
            bar.addAction(act)
        spacer = QWidget()
        spacer.setMinimumWidth(16)
        bar.addWidget(spacer)
        bar.addWidget(progress)
        return bar

    def menus(self, lessons_toggle: QAction) -> None:
        bar = self.window.menuBar()
        groups = {
            "&File": (
                self.open,
                self.save,
                None,
                self.examples,
                None,
                self.csv,
                self.view_png,
                self.frames,
                None,
                self.quit,
            ),
            "&Train": (self.train, self.step, self.step_n, self.stop, self.reset, None, self.sweep),
            "&View": (lessons_toggle,),
            "&Help": (self.first_steps, self.lessons, self.keys, self.about),
        }
        for title, acts in groups.items():
            menu = bar.addMenu(title)
            for act in acts:
                menu.addSeparator() if act is None else menu.addAction(act)

    def update(self) -> None:
        st, run = self.state.status, self.state.run
        valid = self.state.experiment is not None
        asking = self.state.live.locked  # a question is open: keys go to it or nowhere
        busy = st in BUSY or asking
        finished = st is Status.FINISHED
        training = st is Status.TRAINING
        self.train.setEnabled(
            not asking
            and (
                training
                or (valid and not busy and not finished)
                or (st is Status.PAUSING and valid)
            )
        )
        self.train.setText("Pause" if training else "Train")
        icon = SP.SP_MediaPause if training else SP.SP_MediaPlay
        self.train.setIcon(self.window.style().standardIcon(icon))
        reason = ""
        if asking:
            reason = " (disabled while a question is open)"
        elif not valid:
            reason = f" (disabled: {self.state.error})"
        elif finished:
            reason = " (finished: raise Steps to go on, or Reset)"
        elif st is Status.SWEEPING:
            reason = " (disabled while the sweep trains)"
        tip = "Pause" if training else "Train until the last step"
        self.train.setToolTip(_with_key(tip, self.train) + reason)
        steppable = valid and not busy and not finished
        for act in (self.step, self.step_n):
            act.setEnabled(steppable)
        self.step_n_box.setEnabled(steppable)
        has_steps = run is not None and run.step > 0
        elsewhere = asking or st in (Status.PREPARING, Status.SWEEPING)
        self.stop.setEnabled(has_steps and not finished and not elsewhere)
        # Reset works while training too: its question pauses the run first.
        moving = st in (Status.TRAINING, Status.PAUSING)  # steps not counted here yet
        self.reset.setEnabled(
            valid and not elsewhere and (has_steps or (run is not None and moving))
        )
        self.save.setEnabled(run is not None and not busy)
        for act in (self.open, self.examples, self.sweep):
            act.setEnabled(not elsewhere)
        self.csv.setEnabled(has_steps)
        self.frames.setEnabled(run is not None and len(run.snapshots) > 0)


def _with_key(tip: str, act: QAction) -> str:
    key = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    return f"{tip} ({key})" if key else tip
