"""Greedy decoding, batched, for each shape: the model's own answer, one argmax at a time.

Each function returns the chosen tokens and the logits they were chosen from, so callers
can show probabilities at any temperature (tinyformer.inspect.probabilities) without
running the model again. Call them under tinyformer.model.modes.eval_mode.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from tinyformer.model.shapes import DecoderOnly, EncoderDecoder, EncoderOnly
from tinyformer.tasks.vocab import BOS


def greedy_encoder_decoder(
    model: EncoderDecoder,
    src: Tensor,
    steps: int,
    src_key_padding_mask: Tensor | None = None,
    before_each: Callable[[], None] | None = None,
) -> tuple[Tensor, Tensor]:
    """Encode src (B, S) once, then decode from BOS for `steps` tokens: tokens (B, steps)
    and the logits each was chosen from (B, steps, V). `before_each` is called before each
    token (it may raise, to give up a long decoding)."""
    memory = model.encode(src, src_key_padding_mask)
    ys = torch.full((src.shape[0], 1), BOS, dtype=torch.long, device=src.device)
    logits = []
    for _ in range(steps):
        if before_each is not None:
            before_each()
        last = model.decode(ys, memory, None, src_key_padding_mask)[:, -1]  # (B, V)
        ys = torch.cat([ys, last.argmax(-1)[:, None]], dim=1)
        logits.append(last)
    return ys[:, 1:], torch.stack(logits, dim=1)


def greedy_decoder_only(model: DecoderOnly, prompt: Tensor, steps: int) -> tuple[Tensor, Tensor]:
    """Continue equal-length prompts (B, P) by `steps` tokens: (B, steps) and (B, steps, V)."""
    x, logits = prompt, []
    for _ in range(steps):
        last = model(x)[:, -1]  # (B, V)
        x = torch.cat([x, last.argmax(-1)[:, None]], dim=1)
        logits.append(last)
    return x[:, prompt.shape[1] :], torch.stack(logits, dim=1)


def predict_encoder_only(
    model: EncoderOnly, x: Tensor, key_padding_mask: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """One pass, an argmax per position: (B, T) tokens and (B, T, V) logits."""
    logits = model(x, key_padding_mask)
    return logits.argmax(-1), logits
