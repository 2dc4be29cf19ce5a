"""Shared test setup: headless Qt, one torch thread, no thread left behind, no user files."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import torch

# Tiny models run fastest on one thread, and tests must not fight each other for cores.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def no_thread_left_running():
    """Fail any test that leaves a Python thread or a training QThread running."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    left = [t for t in left if not isinstance(t, threading._DummyThread)]  # Qt's, below
    assert not left, f"threads left running: {left}"
    from explorer.core.session import THREADS

    running = [t for t in THREADS if t.isRunning()]
    assert not running, f"training threads left running: {running}"


@pytest.fixture(autouse=True)
def private_qsettings(tmp_path, monkeypatch):
    """QSettings go to a temporary folder: tests never read or write the user's."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def no_unexpected_questions(monkeypatch):
    """A question no test arranged for fails the test instead of waiting for an answer."""
    from explorer.views import dialogs

    def unexpected(parent, question, on_answer):
        raise AssertionError(f"unexpected question: {question}")

    monkeypatch.setattr(dialogs, "ask", unexpected)


@pytest.fixture
def window(qtbot, monkeypatch):
    """The app on a tiny copy experiment that trains in well under a second. Questions are
    answered at once, as `answers` says: "confirm" (True: the question's yes, False:
    Cancel, or a reply word) for questions before a run is discarded, "save" for Quit."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from explorer.app import create_app
    from explorer.views import dialogs

    answers = {"confirm": True, "save": "discard", "asked": [], "texts": []}

    def ask(parent, question, on_answer):
        answers["asked"].append(question.title)
        answers["texts"].append(question.text)
        reply = answers["save"] if question.kind == "save" else answers["confirm"]
        if isinstance(reply, bool):
            reply = "discard" if reply else "cancel"
        on_answer(reply)

    monkeypatch.setattr(dialogs, "ask", ask)

    _, win = create_app()  # closed here, not by qtbot: its Quit may wait for a pause
    state = win.state
    state.load_preset("copy")
    state.set_settings("model", {"d_model": 16, "n_heads": 2, "d_ff": 32})
    state.set_settings(
        "train",
        {"steps": 30, "eval_size": 16, "eval_every": 10, "batch_size": 8, "snapshot_every": 5},
    )
    win.answers = answers
    yield win
    answers["save"] = "discard"
    monkeypatch.setattr(dialogs, "ask", ask)  # whatever the test answered with
    win.close()  # while training, the quit question waits for the pause: then it closes
    qtbot.waitUntil(lambda: not win.session.thread.isRunning(), timeout=20_000)
    win.deleteLater()  # gone before the next test: its keys must not answer there
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
