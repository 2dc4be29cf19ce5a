"""Head detectors score exact patterns 1 and uniform attention low."""

from __future__ import annotations

import numpy as np

from tinyformer.inspect.heads import (
    anti_diagonal,
    chance_scores,
    diagonal,
    head_scores,
    induction,
    pattern_of,
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
    assert pattern_of(scores, 0, 0) == ("induction head", 1.0)
    assert (
        pattern_of(head_scores("decoder", np.full((1, 1, 8, 8), 1 / 8), tokens, tokens), 0, 0)
        is None
    )


def test_even_causal_attention_is_not_named_but_a_shared_previous_token_head_is():
    t = 15
    tokens = [str(i) for i in range(t)]
    even = np.tril(np.ones((t, t)))
    even = (even / even.sum(-1, keepdims=True))[None, None]
    chance = chance_scores("decoder", t, t, tokens, tokens)
    assert chance["previous-token"] == previous_token(even)[0, 0]
    assert pattern_of(head_scores("decoder", even, tokens, tokens), 0, 0, chance) is None
    # a head putting 0.4 on i - 1 and spreading the rest evenly is a previous-token head
    shared = 0.6 * even + 0.4 * _pattern(t, lambda i: max(i - 1, 0))
    name = pattern_of(head_scores("decoder", shared, tokens, tokens), 0, 0, chance)
    assert name is not None and name[0] == "previous-token head"
