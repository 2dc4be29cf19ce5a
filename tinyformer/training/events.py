"""What the trainer reports: plain values and CPU numpy arrays, never live tensors.

EvalEvent (and its Mistake) come from tinyformer.inspect.evaluation, which makes them.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Attention of the probe input at one step: kind -> (L, H, T_q, T_k) float32."""

    step: int
    attention: dict[str, np.ndarray]


Event = StepEvent | EvalEvent | Snapshot


__all__ = ["EvalEvent", "Event", "Mistake", "Snapshot", "StepEvent"]
