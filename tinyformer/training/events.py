"""What the trainer reports: plain values and CPU numpy arrays, never live tensors.

EvalEvent (and its Mistake) come from tinyformer.inspect.evaluation, which makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinyformer.inspect.evaluation import EvalEvent, Mistake


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
class Snapshot:
    """The probe input's attention at one step: kind -> (L, H, T_q, T_k) float32; and the
    embeddings: "tokens" (V, D), and "positions" (T, D) unless the model has none."""

    step: int
    attention: dict[str, np.ndarray]
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (*self.attention.values(), *self.embeddings.values()))


Event = StepEvent | EvalEvent | Snapshot


__all__ = ["EvalEvent", "Event", "Mistake", "Snapshot", "StepEvent"]
