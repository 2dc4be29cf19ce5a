"""Which readings of the model a view in sight needs, and when to ask for them again.

A reading ("predictions", "attention", "typed", "inside") is due when a view showing it
is in sight, its newest answer is of an earlier step, and no request for it is on its
way; while training, at most every LIVE_PERIOD_S. Plain bookkeeping for the run model.
"""

from __future__ import annotations

LIVE_PERIOD_S = {"attention": 0.4, "predictions": 2.0, "inside": 2.0, "typed": 2.0,
                 "causes": 0.0, "circuits": 0.0}  # fmt: skip
IDLE_ONLY = ("causes", "circuits")  # dozens of passes each: measured on a paused run
ANSWER_TIMEOUT_S = 10.0  # a reading not answered by then is asked for again


class DueReadings:
    def __init__(self) -> None:
        self.watched: set[str] = set()
        self._outstanding: dict[str, float] = {}  # reading -> asked for when, not answered
        self._last_ask: dict[str, float] = {}  # reading -> when it was last asked for
        self._fresh_at: dict[str, int] = {}  # reading -> the step of its newest answer

    def watch(self, reading: str, on: bool) -> None:
        if reading not in LIVE_PERIOD_S:
            raise ValueError(f"no reading {reading!r}; readings: {', '.join(LIVE_PERIOD_S)}")
        (self.watched.add if on else self.watched.discard)(reading)

    def asked(self, reading: str, now: float) -> None:
        self._outstanding[reading] = self._last_ask[reading] = now

    def answered(self, reading: str, step: int | None = None) -> None:
        """Its answer came (of `step`), or its request was refused (None)."""
        self._outstanding.pop(reading, None)
        if step is not None:
            self._fresh_at[reading] = step

    def stale(self) -> None:
        """Every answer so far is of another model (another run, other heads off)."""
        self._fresh_at.clear()

    def forget(self) -> None:
        """A new run: nothing asked for is still coming for it."""
        self._outstanding.clear()
        self._fresh_at.clear()

    def due(self, step: int, live: bool, now: float, skip: set[str]) -> list[str]:
        """The readings to ask for now (`skip`: those with nothing to ask about)."""
        due = []
        for reading in sorted(self.watched - skip):
            if reading == "attention" and not live:
                continue  # when idle the Attention tab draws snapshots and inspections
            if reading in IDLE_ONLY and live:
                continue
            if self._fresh_at.get(reading) == step:
                continue
            asked = self._outstanding.get(reading)
            if asked is not None and now - asked < ANSWER_TIMEOUT_S:
                continue  # its answer is on its way
            if live and now - self._last_ask.get(reading, 0.0) < LIVE_PERIOD_S[reading]:
                continue
            due.append(reading)
        return due
