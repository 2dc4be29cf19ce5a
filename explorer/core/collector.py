"""Python's cyclic garbage is collected in the GUI thread only.

The automatic collector runs in whichever thread happens to allocate past its threshold.
A cycle holding a Qt object (the widgets of a closed window, a menu) collected in the
training thread is destroyed there, and the destructor, holding Qt's connection lock,
waits for the GIL, while the GUI thread, holding the GIL, waits for that lock to connect
a signal: both wait forever. So while a training thread runs, automatic collection is off
and a timer in the GUI thread checks the same thresholds and collects (as pyqtgraph's
GarbageCollector does). Freezing (moving survivors out of the collector's sight) is safe
in any thread.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500
NAME = "tinyformer-gc"

_held = 0  # loads of many small objects under way: no collection until they are frozen
_lock = threading.Lock()


class GuiCollector(QObject):
    """Collects on a timer while any training thread runs; automatic collection is back
    when the last one has ended."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName(NAME)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.threads = 0
        self.was_enabled = gc.isenabled()

    def thread_started(self) -> None:
        if self.threads == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
            self.timer.start()
        self.threads += 1

    def thread_ended(self) -> None:
        self.threads -= 1
        if self.threads == 0:
            self.timer.stop()
            if self.was_enabled:
                gc.enable()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as Python would."""
        if _held:
            return
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self.thresholds[generation]:
                break
            gc.collect(generation)


def gui_collector() -> GuiCollector:
    """The application's collector (made on first use); GUI thread only."""
    app = QCoreApplication.instance()
    assert app is not None, "a QApplication comes first"
    found = app.findChild(GuiCollector, NAME)
    return found if found is not None else GuiCollector(app)


def collect_and_freeze() -> None:
    """A full collection, then everything alive is set aside for good: the start-up's
    objects (torch, Qt, pyqtgraph) are never walked again. GUI thread only."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """No collection while millions of small objects are made (each full collection would
    walk them all, holding the GIL and so the GUI); the survivors are frozen afterwards."""
    global _held
    with _lock:
        _held += 1
        enabled = gc.isenabled()
        gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        with _lock:
            _held -= 1
            if enabled and not _held:
                gc.enable()
