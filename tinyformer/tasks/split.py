"""The held-out split: a seeded fraction of a task's distinct examples, never trained on."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
MAX_HELD_OUT = 0.95
SHARDS = 64
BLOCK = 50_000


def _distinct(examples: Sequence[T]) -> list[T]:
    """The examples without repeats, in order: list(dict.fromkeys(examples)), with the
    keys spread over SHARDS dicts. One dict of a million keys is resized (rehashed) in one
    call that holds the interpreter for a tenth of a second; small ones never are."""
    shards: list[dict[T, None]] = [{} for _ in range(SHARDS)]
    out = []
    for e in examples:
        seen = shards[hash(e) % SHARDS]
        if e not in seen:
            seen[e] = None
            out.append(e)
    while shards:  # freed one at a time, for the same reason
        shards.pop()
    return out


def _indices(n: int) -> list[int]:
    """list(range(n)), made a block at a time (one call for millions holds the interpreter)."""
    order: list[int] = []
    for start in range(0, n, BLOCK):
        order.extend(range(start, min(n, start + BLOCK)))
    return order


def check_fraction(fraction: object) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
        raise ValueError(f"held_out must be a number from 0 to {MAX_HELD_OUT}, got {fraction!r}")
    if not 0.0 <= fraction <= MAX_HELD_OUT:
        raise ValueError(f"held_out must be from 0 to {MAX_HELD_OUT}, got {fraction!r}")
    return float(fraction)


def split_examples(
    examples: Sequence[T], fraction: float, seed: int
) -> tuple[tuple[T, ...], tuple[T, ...]]:
    """(training, held-out): the distinct examples shuffled by `seed`, round(n * fraction)
    of them held out. Both parts keep the order the examples came in.

    >>> split_examples(list("abcdeabcde"), 0.2, seed=0)
    (('a', 'b', 'c', 'd'), ('e',))
    """
    distinct = _distinct(examples)
    n = len(distinct)
    held = round(n * fraction)
    if fraction > 0 and (held < 1 or held >= n):
        need = max(2, math.ceil(1 / fraction), math.ceil(1 / (1 - fraction)))
        raise ValueError(
            f"{n} distinct example(s) are too few to hold out {fraction:.0%} of them: "
            f"give at least {need}, or set the held-out fraction to 0"
        )
    order = _indices(n)
    random.Random(f"held-out split, seed {seed}").shuffle(order)
    out = set(order[:held])
    while order:  # freed a block at a time
        del order[-BLOCK:]
    training = tuple(e for i, e in enumerate(distinct) if i not in out)
    return training, tuple(e for i, e in enumerate(distinct) if i in out)
