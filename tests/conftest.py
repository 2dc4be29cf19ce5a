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
    """A modal question no test arranged for fails the test instead of hanging it."""
    from explorer.views import dialogs

    def unexpected(*args, **kwargs):
        raise AssertionError(f"unexpected dialog: {args[1:]}")

    monkeypatch.setattr(dialogs, "confirm", unexpected)
    monkeypatch.setattr(dialogs, "ask_save", unexpected)


@pytest.fixture
def window(qtbot, monkeypatch):
    """The app on a tiny copy experiment that trains in well under a second."""
    from explorer.app import create_app
    from explorer.views import dialogs

    answers = {"confirm": True, "save": "discard", "asked": []}

    def confirm(parent, title, text, yes="Discard"):
        answers["asked"].append(title)
        return "discard" if answers["confirm"] else "cancel"

    monkeypatch.setattr(dialogs, "confirm", confirm)
    monkeypatch.setattr(dialogs, "ask_save", lambda parent, text: answers["save"])

    _, win = create_app()
    qtbot.addWidget(win)
    state = win.state
    state.load_preset("copy")
    state.set_settings("model", {"d_model": 16, "n_heads": 2, "d_ff": 32})
    state.set_settings(
        "train",
        {"steps": 30, "eval_size": 16, "eval_every": 10, "batch_size": 8, "snapshot_every": 5},
    )
    win.answers = answers
    yield win
    win.close()
    assert not win.session.thread.isRunning()
