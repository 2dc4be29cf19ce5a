"""Greedy decoding, batched, for each shape: the model's own answer, one argmax at a time."""

from __future__ import annotations

import torch
from torch import Tensor

from tinyformer.model.shapes import DecoderOnly, EncoderDecoder, EncoderOnly, HeadMask
from tinyformer.tasks.vocab import BOS


@torch.no_grad()
def greedy_encoder_decoder(
    model: EncoderDecoder,
    src: Tensor,
    steps: int,
    src_key_padding_mask: Tensor | None = None,
    head_mask: HeadMask | None = None,
    temperature: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """Encode src (B, S) once, then decode from BOS for `steps` tokens.

    Returns tokens (B, steps) and the probability of each chosen token (B, steps) under
    softmax(logits / temperature); the choice itself (argmax) ignores the temperature.
    """
    memory, _ = model.encode(src, src_key_padding_mask, head_mask=head_mask)
    ys = torch.full((src.shape[0], 1), BOS, dtype=torch.long, device=src.device)
    probs = []
    for _ in range(steps):
        logits, _, _ = model.decode(ys, memory, None, src_key_padding_mask, head_mask=head_mask)
        p, nxt = (logits[:, -1] / temperature).softmax(-1).max(-1)  # (B,), (B,)
        ys = torch.cat([ys, nxt[:, None]], dim=1)
        probs.append(p)
    return ys[:, 1:], torch.stack(probs, dim=1)


@torch.no_grad()
def greedy_decoder_only(
    model: DecoderOnly,
    prompt: Tensor,
    steps: int,
    head_mask: HeadMask | None = None,
    temperature: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """Continue equal-length prompts (B, P) by `steps` tokens: (B, steps) tokens and probs."""
    x = prompt
    probs = []
    for _ in range(steps):
        logits = model(x, head_mask=head_mask)
        p, nxt = (logits[:, -1] / temperature).softmax(-1).max(-1)
        x = torch.cat([x, nxt[:, None]], dim=1)
        probs.append(p)
    return x[:, prompt.shape[1] :], torch.stack(probs, dim=1)


@torch.no_grad()
def predict_encoder_only(
    model: EncoderOnly,
    x: Tensor,
    key_padding_mask: Tensor | None = None,
    head_mask: HeadMask | None = None,
    temperature: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """One pass, an argmax per position: (B, T) tokens and probs."""
    logits = model(x, key_padding_mask, head_mask=head_mask)
    p, tokens = (logits / temperature).softmax(-1).max(-1)
    return tokens, p
