"""Shared test setup: headless Qt, one torch thread, no thread left behind."""

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
    """Fail any test that leaves a Python thread running (QThreads are checked in Qt tests)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left running: {left}"
