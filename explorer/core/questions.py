"""Questions asked before work is lost, and only then, without blocking anything.

A request that would discard work (an edit, Reset, Open, Quit) is held, not run: training
pauses, and once it has, the question is asked, naming the step it paused at. While it is
open, requests to train go nowhere. The answer applies the held request (Discard), saves
first and then applies it (Save), or drops it and trains on if it was training (Cancel).
No event loop runs inside anything: the window shows the question and calls `answer`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from explorer.core.results import SAVE_FAILED, Saved, WorkerError
from explorer.core.run_model import RunModel
from explorer.core.status import MOVING, Status


@dataclass(frozen=True)
class Question:
    kind: str  # "discard" (Save first… / yes / Cancel) or "save" (Save / Discard / Cancel)
    title: str
    text: str  # "{run}" in it names the run at the step it paused at
    yes: str = "Discard"


@dataclass
class Held:
    question: Question
    then: Callable[[], None]  # the request, run when the answer allows it
    resume: bool  # training was on: Cancel trains on
    asked: Question | None = None  # as shown, the run named
    saving: str | None = None  # the file being written before `then`


class Guard(QObject):
    asked = Signal(object)  # Question, with the run named: the window shows it
    closed = Signal(object)  # Question: answered (or dropped); the window closes its box

    def __init__(self, live: RunModel) -> None:
        super().__init__()
        self.live = live
        self.held: Held | None = None
        live.status_changed.connect(self._on_status_changed)
        live.saved.connect(self._on_saved)
        live.errored.connect(self._on_errored)

    @property
    def open(self) -> bool:
        return self.held is not None

    def hold(self, question: Question, then: Callable[[], None]) -> None:
        """Ask `question` before `then` runs. A second request while the first waits for the
        pause replaces it (the user has seen nothing yet: the later wish counts); once a
        question is shown, a request behind it goes nowhere."""
        if self.held is not None and self.held.asked is not None:
            return
        resume = self.held.resume if self.held is not None else self.live.status in MOVING
        self.held = Held(question, then, resume=resume)
        self.live.set_locked(True)
        self.live.pause()
        self._ask_when_idle()

    def answer(self, reply: str, path: str | None = None) -> None:
        """ "discard": run the held request; "save" (with the file `path`): save, then run
        it; "cancel" (or "save" with no path): drop it."""
        held = self.held
        if held is None or held.saving is not None:
            return
        if reply == "discard":
            self._finish(run=True)
        elif reply == "save" and path:
            held.saving = str(path)
            self.live.save(path)
        else:
            self._finish(run=False)

    def _ask_when_idle(self) -> None:
        held = self.held
        if held is None or held.asked is not None or self.live.status in MOVING:
            return
        run = self.live.run
        q = held.question
        named = "" if run is None else run.describe()
        held.asked = Question(q.kind, q.title, q.text.format(run=named), q.yes)
        self.asked.emit(held.asked)

    def _on_status_changed(self, _status: Status) -> None:
        self._ask_when_idle()

    def _on_saved(self, saved: Saved) -> None:
        held = self.held
        if held is not None and held.saving is not None:
            self._finish(run=True)

    def _on_errored(self, error: WorkerError) -> None:
        held = self.held
        if held is not None and held.saving is not None and error.title == SAVE_FAILED:
            self._finish(run=False, resume=False)  # not saved: nothing goes; it stays paused

    def _finish(self, run: bool, resume: bool = True) -> None:
        held, self.held = self.held, None
        self.live.set_locked(False)
        if held.asked is not None:
            self.closed.emit(held.asked)
        if run:
            held.then()
        elif resume and held.resume:
            self.live.train()
