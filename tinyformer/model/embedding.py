"""Embeddings: token ids to vectors, plus where each token stands (sec. 3.4, 3.5)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def sinusoidal_table(max_len: int, d_model: int) -> Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(same): (max_len, d_model)."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]  # (L, 1)
    freq = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (ceil(d/2),)
    angles = pos * freq  # (L, ceil(d/2))
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, : d_model // 2])
    return table


class Embeddings(nn.Module):
    """Token embedding scaled by sqrt(d_model), and the position encoding added to it.

    Without positions ("none") attention cannot tell "1 2" from "2 1": every position looks
    the same to it, which is why the article's model cannot learn order. The sum (and its
    dropout) is taken by the stack that reads the tokens (tinyformer.model.stacks).
    """

    def __init__(self, vocab_size: int, d_model: int, max_len: int, positional: str) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.d_model = d_model
        self.max_len = max_len
        self.scale = math.sqrt(d_model)
        self.tokens = nn.Embedding(vocab_size, d_model)
        self.learned = (
            nn.Parameter(torch.empty(max_len, d_model)) if positional == "learned" else None
        )
        if positional == "sinusoidal":
            # A formula, not a weight: kept out of the state dict.
            self.register_buffer("sinusoid", sinusoidal_table(max_len, d_model), persistent=False)
        else:
            self.sinusoid = None

    def positions(self, t: int) -> Tensor:
        """(T, D) position vectors; zeros without positional encoding."""
        table = self.learned if self.learned is not None else self.sinusoid
        if table is None:
            return self.tokens.weight.new_zeros(t, self.tokens.embedding_dim)
        if self.max_len < t:
            raise ValueError(f"input length {t} exceeds max_len {self.max_len}")
        return table[:t]

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x: (B, T) token ids -> scaled token vectors (B, T, D) and positions (T, D)."""
        check_tokens(x, self.vocab_size)
        return self.tokens(x) * self.scale, self.positions(x.shape[1])


def check_tokens(x: Tensor, vocab_size: int) -> None:
    """Raise a plain ValueError for what nn.Embedding would report as an index error."""
    if x.dim() != 2:
        raise ValueError(f"token ids must have shape (B, T), got {tuple(x.shape)}")
    if x.dtype not in (torch.long, torch.int32):
        raise ValueError(f"token ids must be an integer tensor, got {x.dtype}")
    if x.numel():
        lo, hi = torch.aminmax(x)
        if lo < 0 or hi >= vocab_size:
            raise ValueError(f"token ids must lie in 0..{vocab_size - 1}, got {int(lo)}..{int(hi)}")
