"""How many CPU threads torch may use."""

from __future__ import annotations

import torch


def choose_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads: `threads` if given, else leave torch's choice."""
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        torch.set_num_threads(threads)
    return torch.get_num_threads()
