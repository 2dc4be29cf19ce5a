"""Direct logit attribution: how much each part of the model wrote of one logit.

In a pre-norm model the output stack's stream is a sum: token embedding, positions, and
what every attention head and feed-forward added (Elhage et al., 2021, "A mathematical
framework for transformer circuits", sec. "Residual stream"). The final LayerNorm is
linear once its scale (1 / the stream's standard deviation) is fixed; taking that scale
from the run itself, every part passes through the norm and the output projection on its
own, and the parts add up to the logit.
"""

from __future__ import annotations

import torch
from torch import Tensor

from tinyformer.inspect.cache import Cache
from tinyformer.model.shapes import TransformerBase


def logit_attribution(
    model: TransformerBase, cache: Cache, position: int, token: int
) -> dict[str, Tensor]:
    """The logit of `token` at `position` of the output stack, split by what wrote it:
    "{stack}.embed", "{stack}.pos", "{stack}.{i}.{attn}.{h}" (each head), "{stack}.{i}.{attn}
    .bias" (its output projection's bias), "{stack}.{i}.ff", and "bias" (the final norm's
    shift and the output bias). Each (B,); they sum to logits[:, position, token].

    `cache` from run_with_cache on a model in eval mode (dropout would make the stream
    something else than the sum of its parts). Pre-norm models only."""
    cfg = model.cfg
    if not cfg.norm_first:
        raise ValueError(
            "logit attribution needs a pre-norm model (norm_first=True): in a post-norm "
            "model every layer's LayerNorm rescales the whole stream, so no part keeps a "
            "fixed share of the logit"
        )
    stack = "decoder" if "decoder" in model.stacks() else "encoder"
    out = model.output_stack
    last = cache[f"{stack}.{cfg.n_layers - 1}.resid_post"][:, position]  # (B, D)
    norm = out.norm
    var = last.var(-1, unbiased=False, keepdim=True)
    scale = (var + norm.eps).rsqrt()  # (B, 1): the final norm's, from this run
    direction = model.generator.weight[token] * norm.weight  # (D,): norm gain, then unembed

    def through(part: Tensor) -> Tensor:  # (B, D) or (D,) -> (B,)
        part = part.expand_as(last)
        centred = part - part.mean(-1, keepdim=True)
        return (centred * scale) @ direction

    parts: dict[str, Tensor] = {
        f"{stack}.embed": through(cache[f"{stack}.embed"][:, position]),
        f"{stack}.pos": through(cache[f"{stack}.pos"][position]),
    }
    for i, layer in enumerate(out.layers):
        attns = [("self", layer.self_attn)]
        if getattr(layer, "cross_attn", None) is not None:
            attns.append(("cross", layer.cross_attn))
        for attn_name, attn in attns:
            z = cache[f"{stack}.{i}.{attn_name}.z"][:, :, position]  # (B, H, d_head)
            w_o = attn.out_proj.weight.view(cfg.d_model, cfg.n_heads, cfg.d_head)  # (D, H, dh)
            for h in range(cfg.n_heads):
                parts[f"{stack}.{i}.{attn_name}.{h}"] = through(z[:, h] @ w_o[:, h].T)
            parts[f"{stack}.{i}.{attn_name}.bias"] = through(attn.out_proj.bias)
        parts[f"{stack}.{i}.ff"] = through(cache[f"{stack}.{i}.ff_out"][:, position])
    shift = norm.bias @ model.generator.weight[token] + model.generator.bias[token]
    parts["bias"] = shift.expand(last.shape[0]).clone()
    return {name: value.detach() for name, value in parts.items()}


def attribution_total(parts: dict[str, Tensor]) -> Tensor:
    """The parts summed: the logit they split (B,)."""
    return torch.stack(list(parts.values())).sum(0)
