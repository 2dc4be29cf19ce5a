"""ablate: switch heads off for the length of a `with` block, from outside the model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from torch import Tensor

from tinyformer.model.shapes import KINDS, TransformerBase

Head = tuple[str, int, int]  # (kind, layer, head), kind "encoder" | "decoder" | "cross"


def check_heads(model: TransformerBase, heads: Iterable[Head]) -> list[Head]:
    """The heads as a list; ValueError names the first one this model does not have."""
    cfg, checked = model.cfg, []
    for head in heads:
        kind, layer, h = head
        if kind not in KINDS[cfg.arch]:
            allowed = ", ".join(KINDS[cfg.arch])
            raise ValueError(f"a {cfg.arch} model has {allowed} attention, not {kind!r}")
        if not (0 <= layer < cfg.n_layers and 0 <= h < cfg.n_heads):
            raise ValueError(
                f"no head {head}: layers are 0..{cfg.n_layers - 1}, heads 0..{cfg.n_heads - 1}"
            )
        checked.append((kind, int(layer), int(h)))
    return checked


@contextmanager
def ablate(model: TransformerBase, heads: Iterable[Head]) -> Iterator[None]:
    """Inside the block, each head in `heads` has its z (its weighted values) zeroed before
    the output projection: the same as zeroing that head's columns of out_proj's weight.
    The weights are never touched; the hooks are removed on leaving, even on error."""
    by_module: dict[tuple[str, int], list[int]] = {}
    for kind, layer, h in check_heads(model, heads):
        by_module.setdefault((kind, layer), []).append(h)
    attentions = model.attentions()
    handles = []

    def zero(off: list[int]):
        def hook(_module, _args, z: Tensor) -> Tensor:
            z = z.clone()
            z[:, off] = 0.0  # (B, H, T_q, d_head): these heads say nothing
            return z

        return hook

    try:
        for key, off in by_module.items():
            handles.append(attentions[key].hook_z.register_forward_hook(zero(sorted(off))))
        yield
    finally:
        for handle in handles:
            handle.remove()
