"""What the worker reports to the GUI thread: frozen values, copied, never the trainer's own.

Views may import these; only the session and the worker make them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyformer.inspect.attention_view import AttentionView
from tinyformer.inspect.evaluation import EvalEvent
from tinyformer.inspect.predictions import ExampleResult, Prediction
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.snapshots import SnapshotLog


@dataclass(frozen=True)
class RunInfo:
    """The worker's run as the GUI may know it. `serial` tells runs apart (a new one for
    every run created or opened); `experiment` is the worker's own, after any Stop or
    change of length."""

    serial: int
    experiment: Experiment
    step: int
    path: str | None = None

    @property
    def finished(self) -> bool:
        return self.step >= self.experiment.train.steps


@dataclass(frozen=True)
class RunCreated:
    """A new or opened run, with copies of what it has recorded so far."""

    info: RunInfo
    history: History
    snapshots: SnapshotLog
    opened: bool  # from a file (the settings follow it)
    held_out: int  # how many held-out examples every evaluation uses
    split: str  # "held-out" (never trained on) or "training" (nothing held out)
    fresh: bool  # held-out inputs are fresh draws (the task has no fixed split)
    distinct: int = 0  # how many different inputs the held-out examples hold


@dataclass(frozen=True)
class TrainingStopped:
    info: RunInfo
    reason: str  # "paused", "finished", "stopped" or "failed"


@dataclass(frozen=True)
class Inspection:
    """At one step: held-out examples answered (mistakes first), the probe's attention,
    with the heads in `ablated` switched off; `evaluation` is over the whole held-out set
    as it is now, when one was made (with heads off, or on a pause between the run's own
    evaluations); None when the run's last evaluation holds."""

    serial: int
    step: int
    examples: list[ExampleResult]
    attention: AttentionView
    ablated: frozenset = frozenset()
    evaluation: EvalEvent | None = None


@dataclass(frozen=True)
class LiveAttention:
    """The probe's attention now, for the live view (not kept in the run's time-lapse)."""

    serial: int
    step: int
    attention: dict[str, np.ndarray]


@dataclass(frozen=True)
class TypedResult:
    """The greedy answer to the user's own input, and the attention behind it."""

    text: str
    prediction: Prediction
    output: list[str]
    expected: list[str] | None
    attention: AttentionView
    ablated: frozenset = frozenset()
    step: int = 0  # the run's step it was answered at


@dataclass(frozen=True)
class Saved:
    info: RunInfo
    path: str


@dataclass(frozen=True)
class SweepProgress:
    index: int  # which run of the sweep, from 0
    count: int
    name: str
    step: int
    total: int


@dataclass(frozen=True)
class SweepResult:
    name: str
    experiment: Experiment
    history: History
    final: EvalEvent | None
    step: int


@dataclass(frozen=True)
class SweepFinished:
    cancelled: bool
    run: RunInfo | None  # the run that waited, as it is now


@dataclass(frozen=True)
class WorkerError:
    """What went wrong, under an honest title ("Could not open the run", ...)."""

    title: str
    message: str
    details: str


@dataclass(frozen=True)
class InputRefusal:
    """A typed input the model cannot read, and why; shown where it was typed."""

    where: str  # "predictions" or "inside"
    text: str
    message: str


@dataclass(frozen=True)
class InsideResult:
    """Every tensor of one forward pass of one input (tinyformer.inspect.run_with_cache),
    batch dimension dropped, as numpy; with the tokens along each stack, the output
    probabilities and the logit lens."""

    serial: int
    step: int
    label: str  # which input: "held-out example 3", "your input"
    arch: str
    tokens: dict[str, list[str]]  # stack -> its input tokens ("encoder", "decoder")
    cache: dict[str, np.ndarray]
    probs: np.ndarray  # (T, V) softmax of the logits, over the output stack's positions
    lens: np.ndarray  # (L, T, V) the logit lens, as probabilities
    vocab: list[str]
    targets: list[str] | None  # what each output position should predict, if known
    ablated: frozenset = frozenset()
    norm_first: bool = True  # LayerNorm before each sublayer (pre-norm) or after the add
