"""With the causal mask a decoder cannot see the future; without it (the article) it can."""

from __future__ import annotations

import itertools
import random

import pytest
import torch

from tests.helpers import POSITIONALS, random_config
from tinyformer import build_model

DECODERS = ("decoder-only", "encoder-decoder")


def _decoder_logits(model, src, tgt, return_attention=False):
    if model.cfg.arch == "encoder-decoder":
        return model(src, tgt, return_attention=return_attention)
    return model(tgt, return_attention=return_attention)


def _changed_at(tgt, t, vocab_size):
    out = tgt.clone()
    out[:, t] = (out[:, t] + 1) % vocab_size
    return out


@pytest.mark.parametrize(
    "arch, norm_first, positional", list(itertools.product(DECODERS, (False, True), POSITIONALS))
)
def test_changing_token_t_never_changes_logits_before_t(arch, norm_first, positional):
    cfg = random_config(
        random.Random(f"leak{arch}{norm_first}{positional}"),
        arch=arch,
        norm_first=norm_first,
        positional=positional,
        causal=True,
    )
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    src = torch.randint(0, cfg.vocab_size, (3, 6))
    tgt = torch.randint(0, cfg.vocab_size, (3, 8))
    for return_attention in (False, True):  # both attention code paths
        base = _decoder_logits(model, src, tgt, return_attention)
        base = base[0] if return_attention else base
        for t in range(tgt.shape[1]):
            out = _decoder_logits(model, src, _changed_at(tgt, t, cfg.vocab_size), return_attention)
            out = out[0] if return_attention else out
            torch.testing.assert_close(out[:, :t], base[:, :t], atol=1e-6, rtol=0)
            assert (out[:, t] - base[:, t]).abs().max() > 1e-4, "token t must still matter at t"


@pytest.mark.parametrize("arch", DECODERS)
def test_without_the_mask_earlier_positions_see_later_tokens(arch):
    """The article's bug, reproduced on purpose: causal=False leaks the future."""
    cfg = random_config(random.Random(f"noleak{arch}"), arch=arch, causal=False, dropout=0.0)
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    src = torch.randint(0, cfg.vocab_size, (3, 6))
    tgt = torch.randint(0, cfg.vocab_size, (3, 8))
    base = _decoder_logits(model, src, tgt)
    last = tgt.shape[1] - 1
    out = _decoder_logits(model, src, _changed_at(tgt, last, cfg.vocab_size))
    assert (out[:, :last] - base[:, :last]).abs().amax(dim=-1).min() > 1e-5


@pytest.mark.parametrize("arch", DECODERS)
def test_causal_attention_weights_are_zero_above_the_diagonal(arch):
    cfg = random_config(random.Random(f"tri{arch}"), arch=arch)
    model = build_model(cfg).eval()
    x = torch.randint(0, cfg.vocab_size, (2, 7))
    _, attention = _decoder_logits(model, x, x, return_attention=True)
    upper = torch.ones(7, 7, dtype=torch.bool).triu(1)
    assert attention["decoder"][..., upper].abs().max() == 0
    assert attention["decoder"][..., ~upper].min() > 0
