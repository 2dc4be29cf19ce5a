"""What the trainer reports: plain values and CPU numpy arrays, never live tensors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class StepEvent:
    """One optimizer update. `accuracy` is token accuracy on the batch just trained on."""

    step: int
    loss: float
    accuracy: float
    lr: float
    grad_norm: float
    examples_per_s: float
    elapsed: float  # seconds spent training so far (evaluation excluded)


@dataclass(frozen=True)
class Mistake:
    source: list[str]
    expected: list[str]
    got: list[str]


@dataclass(frozen=True)
class EvalEvent:
    """Held-out evaluation: teacher-forced loss and token accuracy, greedy exact match."""

    step: int
    loss: float
    token_accuracy: float
    exact_match: float
    correct: int
    total: int
    mistakes: list[Mistake] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.correct}/{self.total} = {100 * self.exact_match:.1f}% exact"


@dataclass(frozen=True)
class Snapshot:
    """Attention of the probe input at one step: kind -> (L, H, T_q, T_k) float32."""

    step: int
    attention: dict[str, np.ndarray]


Event = StepEvent | EvalEvent | Snapshot
