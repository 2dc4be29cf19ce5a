"""Causes: activation patching, direct logit attribution and circuits, on random models of
every shape (the contract in DESIGN.md "Causes")."""

from __future__ import annotations

import random

import pytest
import torch

from tests.helpers import ARCHS, random_config
from tinyformer import build_model
from tinyformer.inspect import (
    copying_score,
    logit_attribution,
    ov_circuit,
    patch_heads,
    patch_residual,
    qk_circuit,
    run_with_cache,
)
from tinyformer.inspect.patching import logit_difference
from tinyformer.model.hooks import hooked
from tinyformer.model.shapes import KINDS

CASES = [(seed, arch) for seed in range(4) for arch in ARCHS]


def _model(seed: int, arch: str, **fixed):
    rng = random.Random(seed)
    torch.manual_seed(seed)
    cfg = random_config(rng, arch=arch, dropout=0.0, **fixed)
    return build_model(cfg).eval(), rng


def _inputs(model, rng, t: int = 7):
    v = model.cfg.vocab_size
    x = torch.randint(0, v, (2, t), generator=torch.Generator().manual_seed(rng.randrange(99)))
    if model.cfg.arch == "encoder-decoder":
        return x, torch.randint(0, v, (2, t - 2))
    return (x,)


def _corrupt(inputs: tuple, which: int, position: int, vocab: int) -> tuple:
    changed = [x.clone() for x in inputs]
    changed[which][:, position] = (changed[which][:, position] + 1) % vocab
    return tuple(changed)


def _metric(model, inputs):
    """A logit difference at the last output position, between two tokens."""
    t = inputs[-1].shape[1]
    return logit_difference(t - 1, 3, 4)


@pytest.mark.parametrize(("seed", "arch"), CASES)
def test_patching_the_changed_position_at_layer_0_restores_exactly_1_and_the_rest_0(seed, arch):
    model, rng = _model(seed, arch)
    clean = _inputs(model, rng)
    stack = "encoder" if arch in ("encoder-decoder", "encoder-only") else "decoder"
    position = 2
    corrupted = _corrupt(clean, 0, position, model.cfg.vocab_size)
    metric = _metric(model, clean)
    restored = patch_residual(model, clean, corrupted, metric, stack)
    t = clean[0].shape[1]
    assert restored.shape == (model.cfg.n_layers, t)
    expected = torch.zeros(t)
    expected[position] = 1.0
    assert torch.equal(restored[0], expected), restored[0]


@pytest.mark.parametrize(("seed", "arch"), CASES)
def test_patching_the_whole_stream_gives_the_clean_logits(seed, arch):
    model, rng = _model(seed, arch)
    clean = _inputs(model, rng)
    corrupted = _corrupt(clean, 0, 1, model.cfg.vocab_size)
    stack = "encoder" if arch != "decoder-only" else "decoder"
    _, cache = run_with_cache(model, *clean)
    name = f"{stack}.0.resid_pre"
    with torch.no_grad(), hooked(model, {name: lambda _x: cache[name]}):
        patched = model(*corrupted)  # (an encoder-decoder's corruption is in its source)
    with torch.no_grad():
        clean_logits = model(*clean)
    torch.testing.assert_close(patched, clean_logits, atol=1e-6, rtol=0)


@pytest.mark.parametrize(("seed", "arch"), CASES)
def test_each_head_cell_is_the_corrupted_run_with_that_head_taken_from_the_clean_run(seed, arch):
    model, rng = _model(seed, arch)
    clean = _inputs(model, rng)
    corrupted = _corrupt(clean, 0, 3, model.cfg.vocab_size)
    metric = _metric(model, clean)
    kind = rng.choice(KINDS[arch])
    restored = patch_heads(model, clean, corrupted, metric, kind)
    assert restored.shape == (model.cfg.n_layers, model.cfg.n_heads)
    layer, head = rng.randrange(model.cfg.n_layers), rng.randrange(model.cfg.n_heads)
    name = {"encoder": "encoder.{}.self.z", "decoder": "decoder.{}.self.z",
            "cross": "decoder.{}.cross.z"}[kind].format(layer)  # fmt: skip
    _, cache = run_with_cache(model, *clean)

    def swap(z):
        z = z.clone()
        z[:, head] = cache[name][:, head]
        return z

    with torch.no_grad():
        m_clean, m_corr = float(metric(model(*clean))), float(metric(model(*corrupted)))
        with hooked(model, {name: swap}):
            m = float(metric(model(*corrupted)))
    expected = (m - m_corr) / (m_clean - m_corr)
    assert float(restored[layer, head]) == pytest.approx(expected, abs=1e-4)


def test_the_same_metric_on_clean_and_corrupted_is_refused():
    model, rng = _model(0, "decoder-only")
    clean = _inputs(model, rng)
    with pytest.raises(ValueError, match="the same on clean and corrupted"):
        patch_heads(model, clean, clean, _metric(model, clean), "decoder")
    with pytest.raises(ValueError, match="equal shapes"):
        patch_residual(model, clean, (clean[0][:, :-1],), _metric(model, clean), "decoder")
    with pytest.raises(ValueError, match="not 'cross'"):
        patch_heads(model, clean, clean, _metric(model, clean), "cross")


@pytest.mark.parametrize(("seed", "arch"), CASES)
def test_logit_attribution_parts_sum_to_the_logit(seed, arch):
    model, rng = _model(seed, arch, norm_first=True)
    inputs = _inputs(model, rng)
    logits, cache = run_with_cache(model, *inputs)
    position, token = inputs[-1].shape[1] - 2, rng.randrange(model.cfg.vocab_size)
    parts = logit_attribution(model, cache, position, token)
    stack = "decoder" if arch != "encoder-only" else "encoder"
    heads = [k for k in parts if k.count(".") == 3 and k.split(".")[-1].isdigit()]
    per_layer = len(KINDS[arch]) - (1 if arch == "encoder-decoder" else 0)  # output stack's
    assert len(heads) == model.cfg.n_layers * model.cfg.n_heads * per_layer
    assert {f"{stack}.embed", f"{stack}.pos", "bias", f"{stack}.0.ff"} <= set(parts)
    assert all(v.shape == (2,) for v in parts.values())
    total = torch.stack(list(parts.values())).sum(0)
    torch.testing.assert_close(total, logits[:, position, token], atol=1e-4, rtol=0)


def test_logit_attribution_says_why_a_post_norm_model_has_none():
    model, rng = _model(1, "decoder-only", norm_first=False)
    _, cache = run_with_cache(model, *_inputs(model, rng))
    with pytest.raises(ValueError, match="pre-norm model"):
        logit_attribution(model, cache, 0, 0)


@pytest.mark.parametrize(("seed", "arch"), CASES)
def test_circuits_equal_a_direct_computation_from_the_state_dict(seed, arch):
    model, rng = _model(seed, arch)
    cfg, sd = model.cfg, model.state_dict()
    kind = rng.choice(KINDS[arch])
    layer, head = rng.randrange(cfg.n_layers), rng.randrange(cfg.n_heads)
    prefix = {"encoder": f"encoder.layers.{layer}.self_attn",
              "decoder": f"decoder.layers.{layer}.self_attn",
              "cross": f"decoder.layers.{layer}.cross_attn"}[kind]  # fmt: skip
    d, dh = cfg.d_model, cfg.d_head
    rows = slice(head * dh, (head + 1) * dh)
    w_in = sd[f"{prefix}.in_proj.weight"]
    w_q, w_k, w_v = w_in[:d][rows], w_in[d : 2 * d][rows], w_in[2 * d :][rows]
    w_o = sd[f"{prefix}.out_proj.weight"][:, rows]
    e = sd["embed.tokens.weight"] * d**0.5
    u = sd["generator.weight"]
    qk = (e @ w_q.T) @ (e @ w_k.T).T / dh**0.5
    ov = e @ w_v.T @ w_o.T @ u.T
    torch.testing.assert_close(qk_circuit(model, kind, layer, head), qk, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ov_circuit(model, kind, layer, head), ov, atol=1e-5, rtol=1e-5)
    assert qk.shape == ov.shape == (cfg.vocab_size, cfg.vocab_size)


def test_the_copying_score_is_1_for_a_copying_circuit_and_low_for_noise():
    assert copying_score(torch.eye(12) * 5) == 1.0
    shuffled = torch.eye(12)[torch.randperm(12, generator=torch.Generator().manual_seed(0))]
    assert copying_score(shuffled) < 0.5
    assert copying_score(torch.eye(6), tokens=[2, 3, 4]) == 1.0
