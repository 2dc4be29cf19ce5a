"""A run file's checksum: SHA-256 over its contents, written on save, checked on open.

The checks of tinyformer.training.runfile_checks catch what cannot be a run (a wrong
shape, a NaN, a step past the end); nothing can tell a flipped bit in a weight from a real
weight. The checksum can: it covers every tensor's bytes, dtype and shape and every other
value, walked in a fixed order (dicts by key), so the same contents give the same digest
however the file was pickled. Files of formats 1 and 2 have none and still open.
"""

from __future__ import annotations

import hashlib
from typing import Any

import torch

KEY = "checksum"
SCALARS = (bool, int, float, str, type(None))


def checksum(state: dict) -> str:
    """'sha256:…' of `state` without its own checksum entry. The state must already be
    bounded (tinyformer.training.runfile_bounds): the walk recurses."""
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in state.items() if k != KEY})
    return "sha256:" + h.hexdigest()


def _feed(h, node: Any) -> None:
    if isinstance(node, torch.Tensor):
        h.update(f"T{node.dtype}{tuple(node.shape)};".encode())
        h.update(node.detach().contiguous().reshape(-1).view(torch.uint8).numpy())
    elif isinstance(node, dict):
        h.update(b"D%d;" % len(node))
        for key in sorted(node, key=repr):
            h.update(repr(key).encode() + b":")
            _feed(h, node[key])
    elif isinstance(node, (list, tuple)) and all(isinstance(x, SCALARS) for x in node):
        h.update(repr(node).encode() + b";")  # a history's numbers: one call, not 4,096
    elif isinstance(node, (list, tuple)):
        h.update(b"L%d;" % len(node) if isinstance(node, list) else b"U%d;" % len(node))
        for item in node:
            _feed(h, item)
    else:
        h.update(f"S{node!r};".encode())
