"""What the worker reports to the GUI thread: frozen values, copied, never the trainer's own.

Each report names the run it is about (`serial`, given by the GUI when it asked for the
run); the run model drops reports about a run that is no longer current. Views may import
the values they draw (Inspection, TypedResult, InsideResult, ...); only the worker makes
them and only the run model takes them in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyformer.inspect.attention_view import AttentionView
from tinyformer.inspect.evaluation import EvalEvent
from tinyformer.inspect.predictions import ExampleResult, Prediction
from tinyformer.tasks.tables import Table
from tinyformer.training.events import Snapshot, StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History, HistorySlice


@dataclass(frozen=True)
class RunInfo:
    """The worker's run as the GUI may know it: its experiment (after any Stop or change of
    length), its step, and the file it was opened from or saved to."""

    serial: int
    experiment: Experiment
    step: int
    path: str | None = None

    @property
    def finished(self) -> bool:
        return self.step >= self.experiment.train.steps


@dataclass(frozen=True)
class Made:
    """A new or opened run, with copies of what it has recorded so far."""

    info: RunInfo
    history: History
    snapshots: tuple[Snapshot, ...]
    opened: bool  # from a file (the settings follow it)
    held_out: int  # how many held-out examples every evaluation uses
    split: str  # "held-out" (never trained on) or "training" (nothing held out)
    fresh: bool  # held-out inputs are fresh draws (the task has no fixed split)
    distinct: int  # how many different inputs the held-out examples hold
    vocab: tuple[str, ...]  # token labels by id
    shown_tokens: tuple[int, ...]  # the tokens the task uses (for the embeddings view)
    note: str = ""  # what to know about the file it was opened from (an older format)

    @property
    def serial(self) -> int:
        return self.info.serial


@dataclass(frozen=True)
class Refused:
    """A run could not be made or opened; the run before (if any) is unchanged."""

    serial: int
    error: WorkerError


@dataclass(frozen=True)
class Trained:
    """What one chunk of training (or a Stop) added: the history's new slice, the snapshots
    when they changed, and the newest step and evaluations."""

    serial: int
    step: int
    history: HistorySlice
    snapshots: tuple[Snapshot, ...] | None
    last_step: StepEvent | None
    last_eval: EvalEvent | None
    last_train_eval: EvalEvent | None


@dataclass(frozen=True)
class Stopped:
    """Training for the request with `ticket` is over: "paused" (halted, or its N steps
    made), "finished" (the last step) or "failed" (an error, reported apart)."""

    serial: int
    ticket: int
    info: RunInfo
    reason: str


@dataclass(frozen=True)
class Changed:
    """The run's length changed: raised Steps, or Stop ("ended": the step is the last)."""

    info: RunInfo
    ended: bool = False

    @property
    def serial(self) -> int:
        return self.info.serial


@dataclass(frozen=True)
class Saved:
    info: RunInfo
    path: str

    @property
    def serial(self) -> int:
        return self.info.serial


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
    asked = None  # what it answers (readings of the whole model answer no argument)


@dataclass(frozen=True)
class LiveAttention:
    """The probe's attention now, for the live view (not kept in the run's time-lapse)."""

    serial: int
    step: int
    attention: dict[str, np.ndarray]
    asked = None
    ablated = None  # read with every head on, whatever is switched off


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
    serial: int = 0

    @property
    def asked(self) -> str:
        return self.text


@dataclass(frozen=True)
class InputRefusal:
    """A typed input the model cannot read, and why; shown where it was typed."""

    where: str  # "predictions" or "inside"
    text: str
    message: str
    serial: int = 0


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
    request: tuple = ()  # what was asked for: ("held-out", index) or ("typed", text)

    @property
    def asked(self) -> tuple:
        return self.request


@dataclass(frozen=True)
class CausesResult:
    """What the Causes tab shows for one clean and one corrupted input: restoration by
    activation patching per head (kind -> (L, H)) and per stream position (stack -> (L, T)),
    0 = the corrupted run's metric, 1 = the clean run's; and the direct logit attribution of
    the right token at `position` (component -> logit), when the model is pre-norm."""

    serial: int
    step: int
    ask: object  # the CausesAsk it answers
    clean_label: str
    corrupt_label: str
    tokens: dict[str, list[str]]  # stack -> the clean input's tokens
    corrupted: dict[str, list[str]]  # stack -> the corrupted input's tokens
    targets: list[str]  # what each output position should predict ("" where nothing)
    answers: list[int]  # the output positions that have a target
    position: int
    right: str
    wrong: str  # the corrupted run's answer there (its runner-up, if it is the right one)
    metric: str  # "probability" | "difference"
    clean_metric: float
    corrupted_metric: float
    heads: dict[str, np.ndarray]
    stream: dict[str, np.ndarray]
    note: str  # why there are no maps (clean and corrupted measure the same), if so
    attribution: dict[str, float]
    attribution_note: str  # why there is no attribution (a post-norm model), if so
    ablated: frozenset = frozenset()

    @property
    def asked(self) -> object:
        return self.ask


@dataclass(frozen=True)
class CircuitsResult:
    """One head's QK (query token x key token) and OV (attended token x output logit)
    circuits over the task's tokens, and how often the OV row's largest logit is its own
    token (its copying score; `chance` for a head that does not copy)."""

    serial: int
    step: int
    head: tuple[str, int, int]
    tokens: list[str]
    qk: np.ndarray
    ov: np.ndarray
    copying: float
    chance: float
    ablated = None  # weights alone: heads switched off do not change them

    @property
    def asked(self) -> tuple:
        return self.head


@dataclass(frozen=True)
class TablesBuilt:
    """The Batch tab's tables for `experiment` (the edited settings, not the run's)."""

    experiment: Experiment
    tables: list[Table]


@dataclass(frozen=True)
class ExamplesProgress:
    path: str
    done: int  # bytes read, then lines parsed
    total: int
    stage: str  # "reading" or "checking"


@dataclass(frozen=True)
class ExamplesRead:
    """The examples file, read and parsed in the worker: its text and how many examples."""

    path: str
    text: str
    examples: int
    task: dict  # the task settings it was checked with: applied as they are, nothing re-read


@dataclass(frozen=True)
class ExamplesFailed:
    path: str
    message: str  # empty when cancelled
    cancelled: bool = False


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
    done: int  # runs finished and listed
    count: int  # runs asked for


SAVE_FAILED = "Could not save the run"  # the title of a failed save's WorkerError


@dataclass(frozen=True)
class WorkerError:
    """What went wrong, under an honest title ("Could not open the run", ...)."""

    title: str
    message: str
    details: str


@dataclass(frozen=True)
class WarmedUp:
    """torch is loaded and has trained a step: the worker thread works."""
