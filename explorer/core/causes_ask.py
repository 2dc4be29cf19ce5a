"""CausesAsk: what the Causes tab asks the worker to measure (explorer.core.causes_reading)."""

from __future__ import annotations

from dataclasses import dataclass

# The logit difference first: it moves in proportion to what a part restores, where a
# probability stays near 0 until the answer flips (Heimersheim and Nanda, 2024, "How to
# use and interpret activation patching", sec. 4).
METRICS = {
    "difference": "logit difference (right − corrupted answer)",
    "probability": "the right token's probability",
}


@dataclass(frozen=True)
class CausesAsk:
    """clean: ("held-out", index) or ("typed", text); corrupt: ("token", source position)
    or ("held-out", index); metric: a key of METRICS; position: the output position the
    metric reads (None: the first where the corrupted run answers otherwise)."""

    clean: tuple = ("held-out", 0)
    corrupt: tuple = ("token", 0)
    metric: str = "difference"
    position: int | None = None
