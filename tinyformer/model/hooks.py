"""Hook points: named places in the forward pass where a tensor can be read or changed.

A HookPoint is an identity module (TransformerLens's idea). The model's code only passes
tensors through them; everything that looks inside (tinyformer.inspect) attaches forward
hooks from outside for the length of a `with` block. With no hook attached a point costs
one attribute check: nn.Module's call machinery is skipped.

Each point has one name, used everywhere (the cache, ablation, patching, the app, the
lessons): "{stack}.{i}.{attn}.{what}" for attention tensors ("decoder.1.cross.pattern"),
"{stack}.{i}.{what}" for a layer's ("encoder.0.resid_pre") and "{stack}.{what}" for a
stack's ("decoder.embed"). A head is its attention's name and its index:
"decoder.1.cross.3".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Literal

from torch import Tensor, nn

Hook = Callable[[Tensor], Tensor | None]  # may return a replacement for the tensor
Kind = Literal["encoder", "decoder", "cross"]
HEAD_NAME = re.compile(r"^(encoder|decoder)\.(\d+)\.(self|cross)\.(\d+)$")


class HookPoint(nn.Module):
    """An identity with a name in the module tree."""

    def __call__(self, x: Tensor) -> Tensor:
        if not self._forward_hooks:
            return x
        return super().__call__(x)

    def forward(self, x: Tensor) -> Tensor:
        return x

    @property
    def watched(self) -> bool:
        """Someone listens here (the attention then computes its weights explicitly)."""
        return bool(self._forward_hooks)


def point_name(module_name: str) -> str:
    """The name of the tensor at a hook point, from its module path:
    "decoder.layers.0.cross_attn.hook_z" -> "decoder.0.cross.z"."""
    name = module_name.replace(".layers.", ".").replace("self_attn", "self")
    return name.replace("cross_attn", "cross").replace("hook_", "")


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every hook point of `model` by its name ("decoder.0.self.z", "encoder.embed", ...)."""
    return {point_name(n): m for n, m in model.named_modules() if isinstance(m, HookPoint)}


def attention_name(kind: Kind, layer: int) -> str:
    """The name of the attention of `kind` ("encoder" | "decoder" | "cross", as
    return_attention names them) in `layer`: "encoder.0.self", "decoder.0.self",
    "decoder.0.cross"."""
    stack, attn = {"encoder": ("encoder", "self"), "decoder": ("decoder", "self"),
                   "cross": ("decoder", "cross")}[kind]  # fmt: skip
    return f"{stack}.{layer}.{attn}"


def head_name(kind: Kind, layer: int, head: int) -> str:
    """ "decoder.1.cross.3": the name of one head."""
    return f"{attention_name(kind, layer)}.{head}"


def parse_head(head: str | tuple[str, int, int]) -> tuple[Kind, int, int]:
    """A head as (kind, layer, head), from its name ("decoder.1.cross.3") or that tuple;
    ValueError says what a head looks like."""
    if isinstance(head, str):
        match = HEAD_NAME.match(head)
        if match is None or (match[1], match[3]) == ("encoder", "cross"):
            raise ValueError(
                f"{head!r} is not a head: write {{stack}}.{{layer}}.{{self|cross}}.{{head}}, "
                "as decoder.1.cross.3"
            )
        stack, layer, attn, h = match.groups()
        kind: Kind = "cross" if attn == "cross" else stack  # type: ignore[assignment]
        return kind, int(layer), int(h)
    if not (isinstance(head, tuple) and len(head) == 3):
        raise ValueError(f"{head!r} is not a head: give (kind, layer, head) or its name")
    kind, layer, h = head
    if kind not in ("encoder", "decoder", "cross"):
        raise ValueError(f"kind must be encoder, decoder or cross; got {kind!r}")
    return kind, int(layer), int(h)


def head_names(heads) -> frozenset[str]:
    """Heads by their names, checked: ValueError for anything else (a tuple included: one
    name per head, everywhere)."""
    names = frozenset(heads)
    for head in names:
        if not isinstance(head, str):
            raise ValueError(f"{head!r} is not a head: name it as its tensors are, "
                             "decoder.0.cross.1")  # fmt: skip
        parse_head(head)
    return names


@contextmanager
def hooked(model: nn.Module, hooks: dict[str, Hook]) -> Iterator[None]:
    """Attach `hooks` (point name -> function of the tensor) for the block; always removed,
    even on error. A hook that returns a tensor replaces the one passing through."""
    points = hook_points(model)
    unknown = sorted(set(hooks) - set(points))
    if unknown:
        raise ValueError(f"no hook point named {', '.join(unknown)}")
    handles = []
    try:
        for name, fn in hooks.items():
            hook = points[name].register_forward_hook(lambda _m, _args, out, fn=fn: fn(out))
            handles.append(hook)
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def recording(model: nn.Module, names: Iterable[str] | None = None) -> Iterator[dict[str, Tensor]]:
    """Record what passes the points named (all of them by default) into the dict yielded:
    name -> the last tensor seen there. Hooks are removed on leaving the block."""
    seen: dict[str, Tensor] = {}
    points = hook_points(model)
    wanted = points if names is None else {n: points[n] for n in names}

    def keep(name: str) -> Hook:
        return lambda out: seen.__setitem__(name, out)

    with hooked(model, {name: keep(name) for name in wanted}):
        yield seen
