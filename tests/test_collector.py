"""Garbage holding Qt objects is collected in the GUI thread, never in the training thread
(a widget destroyed there deadlocked the GUI thread, collector.py says how)."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from PySide6.QtCore import QObject


class Marked(QObject):
    """Notes the thread it dies in."""

    died_in: ClassVar[list[str]] = []

    def __del__(self) -> None:
        Marked.died_in.append(threading.current_thread().name)


def make_garbage_cycle() -> None:
    obj = Marked()
    obj.cycle = obj  # only the cyclic collector can free it


def allocate_in_another_thread(kept: list) -> None:
    def allocate() -> None:
        kept.append([[] for _ in range(20_000)])  # far past the youngest generation's threshold

    t = threading.Thread(target=allocate, name="other")
    t.start()
    t.join()


def test_while_a_training_thread_runs_garbage_dies_in_the_gui_thread(qtbot, window):
    Marked.died_in.clear()
    make_garbage_cycle()
    kept: list = []  # alive, so the collector's count stays past its threshold
    allocate_in_another_thread(kept)
    assert Marked.died_in == []  # that thread's allocations collected nothing
    qtbot.waitUntil(lambda: bool(Marked.died_in), timeout=3000)  # the GUI's timer did
    assert Marked.died_in == [threading.main_thread().name]


def test_automatic_collection_is_back_once_the_training_thread_has_ended(qtbot):
    from explorer.app import create_app

    enabled = gc.isenabled()
    _, win = create_app()
    assert not gc.isenabled()
    win.close()
    qtbot.waitUntil(lambda: not win.session.thread.isRunning(), timeout=20_000)
    assert gc.isenabled() == enabled
    win.deleteLater()
