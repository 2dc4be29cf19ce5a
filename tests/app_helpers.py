"""Helpers for driving the app in tests (the `window` fixture lives in conftest.py)."""

from __future__ import annotations

from explorer.core.status import Status

WAIT_MS = 20_000


def wait_for(qtbot, win, status: Status, timeout: int = WAIT_MS) -> None:
    qtbot.waitUntil(lambda: win.state.status is status, timeout=timeout)


def train_to_end(qtbot, win) -> None:
    win.actions.train.trigger()
    wait_for(qtbot, win, Status.FINISHED)


def step_to(qtbot, win, n: int) -> None:
    """Step ×N to step n from a fresh run, then wait until the worker is idle."""
    win.actions.step_n_box.setValue(n)
    win.actions.step_n.trigger()
    qtbot.waitUntil(lambda: win.state.run is not None and win.state.run.step == n,
                    timeout=WAIT_MS)  # fmt: skip
    wait_for(qtbot, win, Status.READY)


def step_once(qtbot, win) -> None:
    """Step (→) once, then wait until the worker is idle."""
    step = 0 if win.state.run is None else win.state.run.step
    win.actions.step.trigger()
    qtbot.waitUntil(lambda: win.state.run is not None and win.state.run.step == step + 1,
                    timeout=WAIT_MS)  # fmt: skip
    wait_for(qtbot, win, Status.READY)


def no_steps_for(qtbot, win, ms: int = 300) -> int:
    """The worker makes no step for `ms` (nothing more may arrive); the step it is at."""
    step = win.session.worker.trainer.step_count
    qtbot.wait(ms)
    assert win.session.worker.trainer.step_count == step
    return step


def answer_with(monkeypatch, reply_for):
    """Answer every question with `reply_for(question)` ("save", "discard", "cancel"), at
    once; the questions asked, in order."""
    from explorer.views import dialogs

    asked = []

    def ask(parent, question, on_answer):
        asked.append(question)
        on_answer(reply_for(question))

    monkeypatch.setattr(dialogs, "ask", ask)
    return asked
