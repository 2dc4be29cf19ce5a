"""Head detectors: scores that say what kind of head an attention pattern is.

Each score is the mean attention weight a head puts where a pattern says it should, so 1
means the head does exactly that and 0 not at all. Definitions follow "In-context
Learning and Induction Heads" (Olsson et al., 2022):

- previous-token: attention from position i to i - 1.
- induction: attention from position i to the position just after an earlier occurrence
  of the token at i ("find where this token was before, look at what came next").
- diagonal: attention from query i to key i (copy: output i reads input i).
- anti-diagonal: attention from query i to key T_k - 1 - i (reverse).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NAMES = {
    "previous-token": "previous-token head",
    "induction": "induction head",
    "diagonal": "diagonal",
    "anti-diagonal": "anti-diagonal",
}
# A head is named after a pattern when it puts at least this much of its attention there
# and clearly more than attention spread evenly would (trained heads often share a job:
# in a 2-layer induction model each layer-1 head puts ~0.3 on the previous token).
NAMED_ABOVE = 0.25
OVER_CHANCE = 1.5


def _mean_over(weights: np.ndarray, targets: list[list[int]]) -> np.ndarray:
    """weights (L, H, T_q, T_k); targets[i] = key positions query i should look at.
    Mean over queries that have targets of the weight summed over their targets: (L, H)."""
    rows = [(i, t) for i, t in enumerate(targets) if t]
    if not rows:
        return np.full(weights.shape[:2], np.nan)
    return np.mean([weights[:, :, i, t].sum(-1) for i, t in rows], axis=0)


def previous_token(weights: np.ndarray) -> np.ndarray:
    t_q = weights.shape[2]
    return _mean_over(weights, [[i - 1] if i >= 1 else [] for i in range(t_q)])


def induction(weights: np.ndarray, tokens: Sequence[str]) -> np.ndarray:
    """Self-attention over `tokens`: weight on the successors of earlier copies of token i."""
    targets = []
    for i, tok in enumerate(tokens):
        targets.append([j + 1 for j in range(i - 1) if tokens[j] == tok and j + 1 < i])
    return _mean_over(weights, targets)


def diagonal(weights: np.ndarray) -> np.ndarray:
    t_q, t_k = weights.shape[2:]
    return _mean_over(weights, [[i] if i < t_k else [] for i in range(t_q)])


def anti_diagonal(weights: np.ndarray, t_k: int | None = None) -> np.ndarray:
    """Query i to key n - 1 - i, where n is the number of keys (or `t_k`)."""
    n = weights.shape[3] if t_k is None else t_k
    t_q = weights.shape[2]
    return _mean_over(weights, [[n - 1 - i] if n - 1 - i >= 0 else [] for i in range(t_q)])


def head_scores(
    kind: str, weights: np.ndarray, queries: Sequence[str], keys: Sequence[str]
) -> dict[str, np.ndarray]:
    """Every score that makes sense for this kind of attention: name -> (L, H)."""
    if kind == "cross":
        return {"diagonal": diagonal(weights), "anti-diagonal": anti_diagonal(weights)}
    scores = {"previous-token": previous_token(weights)}
    if kind == "decoder":
        scores["induction"] = induction(weights, queries)
    return scores


def chance_scores(
    kind: str, t_q: int, t_k: int, queries: Sequence[str], keys: Sequence[str]
) -> dict[str, float]:
    """What each score would be for a head that spreads its attention evenly over the keys
    it may see (earlier positions only, for decoder self-attention)."""
    even = np.full((1, 1, t_q, t_k), 1.0 / t_k)
    if kind == "decoder":
        even = np.tril(np.ones((t_q, t_k)))
        even = (even / even.sum(-1, keepdims=True))[None, None]
    return {name: float(s[0, 0]) for name, s in head_scores(kind, even, queries, keys).items()}


def pattern_of(
    scores: dict[str, np.ndarray], layer: int, head: int, chance: dict[str, float] | None = None
) -> tuple[str, float] | None:
    """The pattern a head follows best, if its score is >= NAMED_ABOVE and (given `chance`)
    >= OVER_CHANCE times what even attention would score."""

    def clear(name: str, value: float) -> bool:
        floor = NAMED_ABOVE
        if chance is not None and np.isfinite(chance.get(name, np.nan)):
            floor = max(floor, OVER_CHANCE * chance[name])
        return value >= floor

    found = [
        (name, float(s[layer, head]))
        for name, s in scores.items()
        if np.isfinite(s[layer, head]) and clear(name, float(s[layer, head]))
    ]
    if not found:
        return None
    best = max(found, key=lambda item: item[1])
    return NAMES[best[0]], best[1]
