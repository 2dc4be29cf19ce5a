"""Redraw: a view draws soon after what it shows has changed, throttled, only in sight.

Views connect the model's signals to `poke()` and draw in `draw`. A poke draws at the next
turn of the event loop, and never more often than every INTERVAL_MS (while training, the
GUI's Python shares the GIL with the trainer's: every redraw slows training). A view out of
sight is not drawn; it draws when it is shown again, before it is painted.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

INTERVAL_MS = 125  # at most 8 redraws a second


class Redraw(QObject):
    def __init__(self, view: QWidget, draw: Callable[[], None], interval_ms: int = INTERVAL_MS):
        super().__init__(view)
        self.view, self.draw, self.interval_ms = view, draw, interval_ms
        self.dirty = False
        self.draws = 0  # how many times it drew (for tests and benchmarks)
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        view.installEventFilter(self)

    def poke(self, *_args) -> None:
        """What the view shows has changed: draw it soon."""
        self.dirty = True
        if self._timer.isActive() or not self.view.isVisible():
            return
        wait = self.interval_ms - (time.monotonic() - self._last) * 1000
        self._timer.start(max(0, int(wait)))

    def now(self) -> None:
        """Draw at once (a change the user made here, and waits to see)."""
        self._timer.stop()
        self.dirty = False
        self._last = time.monotonic()
        self.draws += 1
        self.draw()

    def _on_timeout(self) -> None:
        if self.dirty and self.view.isVisible():
            self.now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Show and self.dirty:
            self.now()  # before it is painted: a tab never flashes what it showed before
        return False
