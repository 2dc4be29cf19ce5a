"""Timing helpers shared by the benchmarks: interleaved blocks, medians, ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved_medians(
    fns: dict[str, Callable[[], None]], steps: int, blocks: int, warmup: int = 20
) -> dict[str, float]:
    """Seconds per call of each fn: median over `blocks` blocks of `steps` calls, the fns
    taking turns block by block so that drift on the machine hits them alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(blocks):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                fn()
            times[name].append((time.perf_counter() - t0) / steps)
    return {name: statistics.median(ts) for name, ts in times.items()}
