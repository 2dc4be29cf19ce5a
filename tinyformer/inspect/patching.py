"""Activation patching: which part of the model carries the answer.

Run the model on a corrupted input with one activation at a time taken from the clean
input, and see how much of the clean answer comes back (Meng et al., 2022, "Locating and
editing factual associations"; Wang et al., 2022, "Interpretability in the wild", sec.
3; TransformerLens's patching module). Normalized: 0 = the corrupted run's metric, 1 = the
clean run's. Hooks from outside the model, removed after every run.

All runs take the same code path (nothing watches the attention scores, so the fused
kernel runs in each): patching an activation that does not differ changes nothing, to the
last bit, and patching the whole stream gives the clean run exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from tinyformer.model.hooks import attention_name, hooked, recording
from tinyformer.model.modes import eval_mode
from tinyformer.model.shapes import KINDS, TransformerBase

Metric = Callable[[Tensor], Tensor]  # logits -> a 0-dim tensor


def _check(model: TransformerBase, clean: tuple, corrupted: tuple) -> None:
    if not isinstance(clean, tuple) or not isinstance(corrupted, tuple):
        raise ValueError("clean and corrupted are tuples of inputs, as model(*inputs) takes them")
    if len(clean) != len(corrupted) or any(
        a.shape != b.shape for a, b in zip(clean, corrupted, strict=True)
    ):
        shapes = [tuple(a.shape) for a in clean], [tuple(b.shape) for b in corrupted]
        raise ValueError(f"clean and corrupted inputs must have equal shapes, got {shapes}")


def _value(metric: Metric, logits: Tensor) -> float:
    value = metric(logits)
    if not isinstance(value, Tensor) or value.dim() != 0:
        raise ValueError("metric must return a 0-dim tensor (one number) for the logits")
    return float(value)


def _patch(
    model: TransformerBase,
    clean: tuple,
    corrupted: tuple,
    metric: Metric,
    names: list[str],
    cells: Callable[[Tensor], list[tuple[int, Callable[[Tensor, Tensor], Tensor]]]],
) -> Tensor:
    """For each point in `names` and each (column, patch) of cells(clean tensor): the
    corrupted run with that point patched, as restoration. (len(names), columns)."""
    with eval_mode(model):
        with recording(model, names) as seen:
            clean_m = _value(metric, model(*clean))
        kept = {n: seen[n].detach().clone() for n in names}
        corrupted_m = _value(metric, model(*corrupted))
        if clean_m == corrupted_m:
            raise ValueError(
                f"the metric is the same on clean and corrupted inputs ({clean_m:g}): there "
                "is nothing to restore; corrupt a token the answer depends on"
            )
        rows = []
        for name in names:
            row = []
            for _column, patch in cells(kept[name]):
                with hooked(model, {name: lambda x, p=patch, c=kept[name]: p(x, c)}):
                    row.append(_value(metric, model(*corrupted)))
            rows.append(row)
    values = torch.tensor(rows, dtype=torch.float64)
    return ((values - corrupted_m) / (clean_m - corrupted_m)).float()


def patch_heads(
    model: TransformerBase, clean: tuple, corrupted: tuple, metric: Metric, kind: str
) -> Tensor:
    """(n_layers, n_heads): cell (i, h) is the restoration when head h's z of layer i (its
    weighted values, before the heads are joined) is taken from the clean run.

    kind: "encoder" | "decoder" | "cross", as return_attention names the attentions."""
    _check(model, clean, corrupted)
    if kind not in KINDS[model.cfg.arch]:
        raise ValueError(f"a {model.cfg.arch} model has {', '.join(KINDS[model.cfg.arch])} "
                         f"attention, not {kind!r}")  # fmt: skip
    names = [f"{attention_name(kind, i)}.z" for i in range(model.cfg.n_layers)]

    def heads(z: Tensor):  # z: (B, H, T_q, d_head)
        def patch(h: int):
            def swap(x: Tensor, c: Tensor) -> Tensor:
                x = x.clone()
                x[:, h] = c[:, h]
                return x

            return swap

        return [(h, patch(h)) for h in range(z.shape[1])]

    return _patch(model, clean, corrupted, metric, names, heads)


def patch_residual(
    model: TransformerBase, clean: tuple, corrupted: tuple, metric: Metric, stack: str
) -> Tensor:
    """(n_layers, T): cell (i, t) is the restoration when the stream entering layer i of
    `stack` ("{stack}.{i}.resid_pre") at position t is taken from the clean run."""
    _check(model, clean, corrupted)
    if stack not in model.stacks():
        raise ValueError(f"a {model.cfg.arch} model has no {stack!r} stack; it has "
                         f"{', '.join(model.stacks())}")  # fmt: skip
    names = [f"{stack}.{i}.resid_pre" for i in range(model.cfg.n_layers)]

    def positions(resid: Tensor):  # (B, T, D)
        def patch(t: int):
            def swap(x: Tensor, c: Tensor) -> Tensor:
                x = x.clone()
                x[:, t] = c[:, t]
                return x

            return swap

        return [(t, patch(t)) for t in range(resid.shape[1])]

    return _patch(model, clean, corrupted, metric, names, positions)


def logit_difference(position: int, right: int, wrong: int) -> Metric:
    """A metric: the logit of `right` minus that of `wrong` at `position`, batch mean."""
    return lambda logits: (logits[:, position, right] - logits[:, position, wrong]).mean()


def token_probability(position: int, token: int) -> Metric:
    """A metric: the probability of `token` at `position`, batch mean."""
    return lambda logits: logits[:, position].softmax(-1)[:, token].mean()
