"""Run: what the GUI knows of the current run, as the worker reported it.

A plain object that only the run model changes (explorer.core.run_model); views read it
when its signals say it changed. The history is a mirror of the trainer's, extended by the
slices the worker sends; the snapshots are the worker's own (immutable) snapshots.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from explorer.core.results import Inspection, LiveAttention, Made
from tinyformer.inspect.evaluation import EvalEvent
from tinyformer.training.events import Snapshot, StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History


@dataclass
class Run:
    serial: int
    name: str  # what questions and Compare call it: "copy", "copy (modified)", ...
    experiment: Experiment
    step: int = 0
    history: History = field(default_factory=History)
    snapshots: tuple[Snapshot, ...] = ()
    path: str | None = None  # the file it was opened from or last saved to
    saved_step: int | None = None  # the step written to `path`
    kept_step: int | None = None  # the step recorded in Compare
    held_out: int = 0  # examples in every evaluation
    split: str = "held-out"
    fresh: bool = True  # held-out inputs are fresh draws (no fixed split)
    distinct: int = 0  # different inputs among them (a pattern has only a few)
    vocab: tuple[str, ...] = ()
    shown_tokens: tuple[int, ...] = ()
    live: LiveAttention | None = None
    inspection: Inspection | None = None
    note: str = ""  # about the file it was opened from
    last_step: StepEvent | None = None
    last_eval: EvalEvent | None = None
    last_train_eval: EvalEvent | None = None
    recent: deque = field(default_factory=lambda: deque(maxlen=64))  # (wall time, step)

    @classmethod
    def made(cls, made: Made, name: str) -> Run:
        info = made.info
        return cls(
            serial=info.serial,
            name=name,
            experiment=info.experiment,
            step=info.step,
            history=made.history,
            snapshots=made.snapshots,
            path=info.path,
            saved_step=info.step if info.path is not None else None,
            held_out=made.held_out,
            split=made.split,
            fresh=made.fresh,
            distinct=made.distinct,
            vocab=made.vocab,
            shown_tokens=made.shown_tokens,
            note=made.note,
        )

    def take(self, info) -> None:
        """The worker's word on the run (a RunInfo): its experiment, step, file."""
        self.experiment, self.step = info.experiment, info.step
        if info.path is not None:
            self.path = info.path

    @property
    def finished(self) -> bool:
        return self.step >= self.experiment.train.steps

    @property
    def unsaved(self) -> bool:
        """Trained further than its file (or never saved)."""
        return self.step > 0 and self.saved_step != self.step

    @property
    def seen_in_training(self) -> bool:
        """The evaluation's inputs are all among the training inputs: nothing is held out,
        or a generated task has so few different inputs (a pattern) that training saw them."""
        few = self.fresh and 0 < self.distinct <= self.held_out // 4
        return self.split == "training" or few

    @property
    def at_risk(self) -> bool:
        """Discarding it would lose work: neither saved nor kept in Compare at this step."""
        return self.unsaved and self.kept_step != self.step

    def describe(self) -> str:
        """How questions name it: "copy, step 60"."""
        return f"{self.name}, step {self.step}"

    def steps_per_s(self, window_s: float = 2.0) -> float:
        """Training speed over the last seconds of wall time (evaluations included)."""
        now = time.monotonic()
        points = [(t, s) for t, s in self.recent if now - t <= window_s]
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            return 0.0
        return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])
