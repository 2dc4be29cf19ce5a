"""Probabilities from logits at a temperature: what the views show, computed where shown.

Temperature only rescales: softmax(logits / T). The argmax, and so every greedy answer,
is the same at every T > 0.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature) over the last axis, in float64."""
    if not temperature > 0:
        raise ValueError(f"temperature must be above 0, got {temperature!r}")
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def chosen_probs(logits: np.ndarray, chosen, temperature: float = 1.0) -> list[float]:
    """The probability of each chosen token: logits (n, V), chosen (n,) ids -> n floats."""
    p = softmax(logits, temperature)
    return [float(p[i, int(c)]) for i, c in enumerate(chosen)]
