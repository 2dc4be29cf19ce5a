"""Helpers for driving the app in tests (the `window` fixture lives in conftest.py)."""

from __future__ import annotations

from explorer.core.state import Status

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
