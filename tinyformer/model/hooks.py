"""Hook points: named places in the forward pass where a tensor can be read or changed.

A HookPoint is an identity module (TransformerLens's idea). The model's code only passes
tensors through them; everything that looks inside (tinyformer.inspect) attaches forward
hooks from outside for the length of a `with` block. With no hook attached a point costs
one attribute check: nn.Module's call machinery is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from torch import Tensor, nn

Hook = Callable[[Tensor], Tensor | None]  # may return a replacement for the tensor


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


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every hook point of `model` by its module name, e.g. "decoder.layers.0.self_attn.hook_z"."""
    return {name: m for name, m in model.named_modules() if isinstance(m, HookPoint)}


@contextmanager
def hooked(model: nn.Module, hooks: dict[str, Hook]) -> Iterator[None]:
    """Attach `hooks` (module name -> function of the tensor) for the block; always removed,
    even on error. A hook that returns a tensor replaces the one passing through."""
    points = hook_points(model)
    unknown = sorted(set(hooks) - set(points))
    if unknown:
        raise ValueError(f"no hook point named {', '.join(unknown)}")
    handles = [
        points[name].register_forward_hook(lambda _m, _args, out, fn=fn: fn(out))
        for name, fn in hooks.items()
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def recording(points: dict[object, HookPoint]) -> Iterator[dict[object, Tensor]]:
    """Record what passes each point (key -> HookPoint) into the dict yielded: key -> the
    last tensor seen there. Hooks are removed on leaving the block."""
    seen: dict[object, Tensor] = {}
    handles = [
        point.register_forward_hook(lambda _m, _args, out, key=key: seen.__setitem__(key, out))
        for key, point in points.items()
    ]
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()
