"""The shape of a run file's contents, checked before any of it is used.

What torch.load returns from a hostile file can be small on disk and huge in use: a list
nested 100,000 deep (every recursive walk fails), one tensor referenced 100,000 times
(each reference unpacked is a copy), a tensor on the "meta" device or in a sparse layout
(no data to read). So before the contents are checked one by one
(tinyformer.training.runfile_checks), one iterative walk bounds their depth and their
number of parts, and accepts only dense CPU tensors whose bytes together stay within a
small multiple of the file's size. What follows then costs memory in proportion to the
file, never more.
"""

from __future__ import annotations

from typing import Any

import torch

MAX_DEPTH = 10  # a run's deepest part is history → part → field → pending → pair (6)
MAX_PARTS = 2_000_000  # numbers, strings, lists...; a long run has about 150,000
# Tensors in a file written by tinyformer never share bytes, except where one snapshot is
# both the newest and the last of the grid; so what they hold stays under twice the file.
SHARED_SLACK = 2
SMALL_FILE = 1 << 20  # a tiny file may still hold a model's few weights twice


def check_bounds(state: Any, file_bytes: int) -> None:
    """Raise ValueError, saying what is wrong, unless `state` is a tree of plain data at
    most MAX_DEPTH deep, of at most MAX_PARTS parts, whose tensors are dense, on the CPU,
    contiguous, and together hold at most SHARED_SLACK × the file's bytes (+ 1 MB)."""
    limit = SHARED_SLACK * file_bytes + SMALL_FILE
    held, parts = 0, 0
    stack = [(state, 1)]
    while stack:
        node, depth = stack.pop()
        parts += 1
        if parts > MAX_PARTS:
            raise ValueError(f"it has over {MAX_PARTS:,} parts; no run has that many")
        if depth > MAX_DEPTH:
            raise ValueError(f"its data is nested over {MAX_DEPTH} levels deep; no run is")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            stack.extend((k, depth + 1) for k in node)
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, torch.Tensor):
            _check_tensor(node)
            held += node.nbytes
            if held > limit:
                raise ValueError(
                    f"its tensors would take over {limit / 2**20:.0f} MB from a file of "
                    f"{file_bytes / 2**20:.1f} MB (one tensor used many times over)"
                )
        elif not (node is None or isinstance(node, (bool, int, float, str))):
            raise ValueError(f"it holds a {type(node).__name__}, which no run holds")


def _check_tensor(t: torch.Tensor) -> None:
    if t.layout != torch.strided:
        raise ValueError(f"it holds a tensor in the {t.layout} layout; a run's are dense")
    if t.device.type != "cpu":
        raise ValueError(f"it holds a tensor on the {t.device.type} device, without data")
    if t.is_quantized or t.is_complex() or not t.is_contiguous():
        raise ValueError("it holds a tensor no run writes (quantized, complex or strided)")
