"""run_with_cache and logit_lens: every tensor of one forward pass, by a stable name.

Names (batch first; stack is "encoder" or "decoder", attn is "self" or "cross", i counts
layers from 0), as the public contract lists them:

    {stack}.embed, {stack}.pos, {stack}.{i}.resid_pre, {stack}.{i}.{attn}.q|k|v|scores|
    pattern|z|out, {stack}.{i}.ff_out, {stack}.{i}.resid_post, {stack}.final

and one more: {stack}.{i}.resid_mid, the stream after layer i's attention (and its Add &
Norm), where the feed-forward sublayer reads it.

Each is read at a hook point of the model (tinyformer.model.hooks) during the call only.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tinyformer.model.hooks import recording
from tinyformer.model.shapes import TransformerBase

Cache = dict[str, Tensor]


def run_with_cache(
    model: nn.Module, *inputs: Tensor, **masks: Tensor | None
) -> tuple[Tensor, Cache]:
    """Call `model(*inputs, **masks)` and return its logits with every named tensor (the
    last value seen, if a point runs more than once). The model is not changed."""
    with recording(model) as seen:
        logits = model(*inputs, **masks)
    return logits, {name: tensor.detach() for name, tensor in seen.items()}


def logit_lens(model: TransformerBase, cache: Cache) -> Tensor:
    """What the model would predict if it stopped after each layer: the output stack's
    final norm and output projection applied to every layer's resid_post.

    Returns (n_layers, B, T, vocab); the last layer equals the model's logits.
    """
    stack = model.output_stack
    name = "decoder" if stack is model.stacks().get("decoder") else "encoder"
    with torch.no_grad():
        layers = [cache[f"{name}.{i}.resid_post"] for i in range(len(stack.layers))]
        return torch.stack([model.generator(stack.norm(x)) for x in layers])
