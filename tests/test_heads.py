"""Head detectors score exact patterns 1, uniform attention low; ablation is a pure switch."""

from __future__ import annotations

import random

import numpy as np
import torch

from tests.helpers import call, random_config
from tinyformer import build_model
from tinyformer.inspect.heads import (
    anti_diagonal,
    chance_scores,
    diagonal,
    head_name,
    head_scores,
    induction,
    previous_token,
)


def _pattern(t: int, targets) -> np.ndarray:
    w = np.zeros((1, 1, t, t))
    for i in range(t):
        w[0, 0, i, targets(i)] = 1.0
    return w


def test_exact_patterns_score_one_and_uniform_attention_scores_low():
    t = 8
    uniform = np.full((1, 1, t, t), 1 / t)
    assert previous_token(_pattern(t, lambda i: max(i - 1, 0)))[0, 0] == 1.0
    assert diagonal(_pattern(t, lambda i: i))[0, 0] == 1.0
    assert anti_diagonal(_pattern(t, lambda i: t - 1 - i))[0, 0] == 1.0
    assert diagonal(_pattern(t, lambda i: t - 1 - i))[0, 0] < 0.2
    for f in (previous_token, diagonal, anti_diagonal):
        assert f(uniform)[0, 0] == 1 / t


def test_induction_score_follows_the_token_after_the_earlier_copy():
    tokens = ["a", "b", "c", "d", "a", "b", "c", "d"]

    # the ideal induction head: at position i, look at the token after the last copy of tokens[i]
    def ideal(i):
        earlier = [j for j in range(i - 1) if tokens[j] == tokens[i]]
        return earlier[-1] + 1 if earlier else 0

    w = _pattern(8, ideal)
    assert induction(w, tokens)[0, 0] == 1.0
    assert induction(_pattern(8, lambda i: max(i - 1, 0)), tokens)[0, 0] == 0.0
    scores = head_scores("decoder", w, tokens, tokens)
    assert head_name(scores, 0, 0) == ("induction head", 1.0)
    assert (
        head_name(head_scores("decoder", np.full((1, 1, 8, 8), 1 / 8), tokens, tokens), 0, 0)
        is None
    )


def test_switching_a_head_off_changes_the_output_and_back_restores_it():
    cfg = random_config(
        random.Random(0), arch="encoder-decoder", n_heads=2, d_model=16, n_layers=2, dropout=0.0
    )
    model = build_model(cfg).eval()
    x = torch.randint(0, cfg.vocab_size, (3, 6))
    y = torch.randint(0, cfg.vocab_size, (3, 5))
    plain = call(model, x, y)
    ones = {k: torch.ones(cfg.n_layers, cfg.n_heads) for k in ("encoder", "decoder", "cross")}
    assert torch.equal(call(model, x, y, head_mask=ones), plain)
    off = {k: v.clone() for k, v in ones.items()}
    off["cross"][1, 0] = 0.0
    ablated, attention = call(model, x, y, head_mask=off, return_attention=True)
    assert (ablated - plain).abs().max() > 1e-4
    # the switched-off head still looks (its weights are reported), its output is dropped
    torch.testing.assert_close(attention["cross"][1, :, 0].sum(-1), torch.ones(3, 5))
    assert torch.equal(call(model, x, y, head_mask=ones), plain)


def test_head_mask_is_checked():
    cfg = random_config(random.Random(1), arch="decoder-only", n_heads=2, d_model=16, n_layers=1)
    model = build_model(cfg)
    x = torch.randint(0, cfg.vocab_size, (1, 4))
    import pytest

    with pytest.raises(ValueError, match="head_mask kinds for decoder-only are decoder"):
        model(x, head_mask={"cross": torch.ones(1, 2)})
    with pytest.raises(ValueError, match=r"must have shape \(1, 2\)"):
        model(x, head_mask={"decoder": torch.ones(2, 2)})


def test_even_causal_attention_is_not_named_but_a_shared_previous_token_head_is():
    t = 15
    tokens = [str(i) for i in range(t)]
    even = np.tril(np.ones((t, t)))
    even = (even / even.sum(-1, keepdims=True))[None, None]
    chance = chance_scores("decoder", t, t, tokens, tokens)
    assert chance["previous-token"] == previous_token(even)[0, 0]
    assert head_name(head_scores("decoder", even, tokens, tokens), 0, 0, chance) is None
    # a head putting 0.4 on i - 1 and spreading the rest evenly is a previous-token head
    shared = 0.6 * even + 0.4 * _pattern(t, lambda i: max(i - 1, 0))
    name = head_name(head_scores("decoder", shared, tokens, tokens), 0, 0, chance)
    assert name is not None and name[0] == "previous-token head"
