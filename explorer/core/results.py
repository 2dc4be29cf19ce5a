"""What the worker reports to the GUI thread: frozen values, copied, never the trainer's own.

Views may import these; only the session and the worker make them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinyformer.inspect.evaluation import AttentionView, EvalEvent, ExampleResult, Prediction
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.snapshots import SnapshotLog


@dataclass(frozen=True)
class Inspection:
    """Predictions on a few held-out examples and the probe's attention, at one step,
    with the heads in `ablated` switched off (then `ablated_eval` is the held-out
    evaluation without them) and probabilities at `temperature`."""

    step: int
    examples: list[ExampleResult]
    attention: AttentionView
    ablated: frozenset = frozenset()
    ablated_eval: EvalEvent | None = None
    temperature: float = 1.0


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
class TypedResult:
    """The greedy answer to the user's own input, and the attention behind it."""

    text: str
    prediction: Prediction
    output: list[str]
    expected: list[str] | None
    attention: AttentionView


@dataclass(frozen=True)
class RunCreated:
    """A new or opened run, copied for the GUI thread."""

    experiment: Experiment
    step: int
    history: History
    snapshots: SnapshotLog
    finished: bool
    path: str | None = None


@dataclass(frozen=True)
class WorkerError:
    message: str
    details: str
