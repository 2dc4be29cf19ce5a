"""ablate: switch heads off for the length of a `with` block, from outside the model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from torch import Tensor

from tinyformer.model.hooks import attention_name, hooked, parse_head
from tinyformer.model.shapes import KINDS, TransformerBase

Head = tuple[str, int, int] | str  # (kind, layer, head) or its name, "decoder.1.cross.3"


def check_heads(model: TransformerBase, heads: Iterable[Head]) -> list[tuple[str, int, int]]:
    """The heads as (kind, layer, head); ValueError names the first one this model does
    not have."""
    cfg, checked = model.cfg, []
    for head in heads:
        kind, layer, h = parse_head(head)
        if kind not in KINDS[cfg.arch]:
            allowed = ", ".join(KINDS[cfg.arch])
            raise ValueError(f"a {cfg.arch} model has {allowed} attention, not {kind!r}")
        if not (0 <= layer < cfg.n_layers and 0 <= h < cfg.n_heads):
            raise ValueError(
                f"no head {head}: layers are 0..{cfg.n_layers - 1}, heads 0..{cfg.n_heads - 1}"
            )
        checked.append((kind, layer, h))
    return checked


@contextmanager
def ablate(model: TransformerBase, heads: Iterable[Head]) -> Iterator[None]:
    """Inside the block, each head in `heads` has its z (its weighted values) zeroed before
    the output projection: the same as zeroing that head's columns of out_proj's weight.
    The weights are never touched; the hooks are removed on leaving, even on error."""
    by_point: dict[str, list[int]] = {}
    for kind, layer, h in check_heads(model, heads):
        by_point.setdefault(f"{attention_name(kind, layer)}.z", []).append(h)

    def zero(off: list[int]):
        def hook(z: Tensor) -> Tensor:
            z = z.clone()
            z[:, off] = 0.0  # (B, H, T_q, d_head): these heads say nothing
            return z

        return hook

    with hooked(model, {name: zero(sorted(off)) for name, off in by_point.items()}):
        yield
