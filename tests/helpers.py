"""Small builders shared by the model tests."""

from __future__ import annotations

import random

import torch

from tinyformer import ModelConfig

ARCHS = ("encoder-decoder", "decoder-only", "encoder-only")
POSITIONALS = ("sinusoidal", "learned", "none")


def random_config(rng: random.Random, **fixed) -> ModelConfig:
    """A small random model; `fixed` settings win."""
    n_heads = rng.choice([1, 2, 3, 4])
    settings = dict(
        vocab_size=rng.randint(5, 20),
        d_model=n_heads * rng.choice([8, 12, 16]),
        n_heads=n_heads,
        n_layers=rng.randint(1, 3),
        d_ff=rng.choice([8, 16, 33]),
        max_len=16,
        dropout=rng.choice([0.0, 0.1]),
    )
    settings.update(fixed)
    return ModelConfig(**settings)


def right_padding(lengths: list[int], t: int) -> torch.Tensor:
    """(B, T) bool, True from each row's length on."""
    return torch.arange(t)[None, :] >= torch.tensor(lengths)[:, None]


def call(model, x, y=None, pad=None, **kwargs):
    """Call any of the three shapes with one input (and a decoder input for enc-dec)."""
    if model.cfg.arch == "encoder-decoder":
        return model(x, y, src_key_padding_mask=pad, **kwargs)
    return model(x, key_padding_mask=pad, **kwargs)
