"""A one-line progress bar for the command line (stderr), throttled to a few redraws/s."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tinyformer.training.events import StepEvent

REDRAW_S = 0.1
WIDTH = 24


class ProgressBar:
    """Redraws in place on a terminal; elsewhere (a log, a pipe) prints only notes."""

    def __init__(
        self, total: int, label: str = "", quiet: bool = False, stream: TextIO = sys.stderr
    ):
        self.total, self.label, self.stream = total, label, stream
        self.live = not quiet and stream.isatty()
        self.quiet = quiet
        self._last_draw = 0.0
        self._start_step: int | None = None
        self._start_time = time.perf_counter()
        self._line = ""

    def update(self, event: StepEvent) -> None:
        if self._start_step is None:
            self._start_step, self._start_time = event.step - 1, time.perf_counter()
        now = time.perf_counter()
        if not self.live or (now - self._last_draw < REDRAW_S and event.step < self.total):
            return
        self._last_draw = now
        rate = (event.step - self._start_step) / max(now - self._start_time, 1e-9)
        eta = (self.total - event.step) / max(rate, 1e-9)
        filled = int(WIDTH * event.step / self.total)
        bar = "█" * filled + "░" * (WIDTH - filled)
        self._draw(
            f"{self.label} [{bar}] {event.step}/{self.total}  loss {event.loss:.4f}  "
            f"acc {100 * event.accuracy:.1f}%  {rate:.0f} steps/s  ETA {eta:.0f}s"
        )

    def note(self, text: str) -> None:
        """A line that stays (an evaluation result); the bar redraws below it."""
        if self.quiet:
            return
        if self.live:
            self._draw("")
        print(text, file=self.stream, flush=True)
        self._last_draw = 0.0

    def close(self) -> None:
        if self.live and self._line:
            self._draw("")

    def _draw(self, line: str) -> None:
        pad = max(len(self._line) - len(line), 0)
        self.stream.write("\r" + line + " " * pad + ("\r" if not line else ""))
        self.stream.flush()
        self._line = line
