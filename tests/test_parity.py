"""Our Transformer equals torch.nn.Transformer with the same weights: logits, gradients and
per-head attention weights, for every architecture, norm order and positional encoding."""

from __future__ import annotations

import itertools
import random

import pytest
import torch

from tests.helpers import ARCHS, POSITIONALS, call, random_config, right_padding
from tinyformer import build_model
from tinyformer.reference import torch_equivalent, torch_name

COMBOS = list(itertools.product(ARCHS, (False, True), POSITIONALS))


def _inputs(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    B, S, T = 4, 9, 7
    x = torch.randint(0, cfg.vocab_size, (B, S), generator=g)
    y = torch.randint(0, cfg.vocab_size, (B, T), generator=g)
    pad = right_padding([S, S - 2, 3, S - 1], S)
    return x, y, pad


@pytest.mark.parametrize("arch, norm_first, positional", COMBOS)
@pytest.mark.parametrize("seed", [0, 1])
def test_logits_equal_torch_nn_in_eval_mode(arch, norm_first, positional, seed):
    cfg = random_config(
        random.Random(f"{arch}{norm_first}{positional}{seed}"),
        arch=arch,
        norm_first=norm_first,
        positional=positional,
    )
    torch.manual_seed(seed)
    ours = build_model(cfg).eval()
    ref = torch_equivalent(ours)
    assert not ref.training
    x, y, pad = _inputs(cfg, seed)
    for mask in (None, pad):
        with torch.no_grad():
            a, b = call(ours, x, y, mask), call(ref, x, y, mask)
        assert (
            a.shape
            == b.shape
            == (x.shape[0], (y if arch == "encoder-decoder" else x).shape[1], cfg.vocab_size)
        )
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


@pytest.mark.parametrize("arch, norm_first", list(itertools.product(ARCHS, (False, True))))
def test_gradients_equal_torch_nn_in_train_mode(arch, norm_first):
    cfg = random_config(random.Random(arch), arch=arch, norm_first=norm_first, dropout=0.0)
    torch.manual_seed(0)
    ours = build_model(cfg).train()
    ref = torch_equivalent(ours)
    x, y, pad = _inputs(cfg, 0)
    call(ours, x, y, pad).logsumexp(-1).sum().backward()
    call(ref, x, y, pad).logsumexp(-1).sum().backward()
    ref_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        torch.testing.assert_close(
            p.grad, ref_params[torch_name(name, arch)].grad, atol=1e-5, rtol=1e-4
        )


def _reference_attention(ref, x, y, pad):
    """Re-run every nn.MultiheadAttention of `ref` on the inputs it saw, asking for per-head
    weights: {kind: (L, B, H, T_q, T_k)}."""
    if ref.cfg.arch == "encoder-decoder":
        enc, dec = ref.transformer.encoder.layers, ref.transformer.decoder.layers
        modules = {
            "encoder": [layer.self_attn for layer in enc],
            "decoder": [layer.self_attn for layer in dec],
            "cross": [layer.multihead_attn for layer in dec],
        }
    else:
        kind = "decoder" if ref.cfg.arch == "decoder-only" else "encoder"
        modules = {kind: [layer.self_attn for layer in ref.stack.layers]}
    seen = {}
    hooks = [
        m.register_forward_pre_hook(
            lambda mod, args, kwargs: seen.__setitem__(mod, (args, kwargs)), with_kwargs=True
        )
        for ms in modules.values()
        for m in ms
    ]
    call(ref, x, y, pad)  # grad enabled: torch.nn then takes its plain (hookable) path
    for h in hooks:
        h.remove()
    out = {}
    for kind, ms in modules.items():
        per_layer = []
        for m in ms:
            args, kwargs = seen[m]
            kwargs = {**kwargs, "need_weights": True, "average_attn_weights": False}
            per_layer.append(m(*args, **kwargs)[1])
        out[kind] = torch.stack(per_layer)
    return out


@pytest.mark.parametrize("arch, norm_first, positional", COMBOS)
def test_attention_weights_equal_nn_multihead_attention(arch, norm_first, positional):
    cfg = random_config(
        random.Random(f"att{arch}{norm_first}{positional}"),
        arch=arch,
        norm_first=norm_first,
        positional=positional,
    )
    torch.manual_seed(3)
    ours = build_model(cfg).eval()
    ref = torch_equivalent(ours)
    x, y, pad = _inputs(cfg, 3)
    _, attention = call(ours, x, y, pad, return_attention=True)
    expected = _reference_attention(ref, x, y, pad)
    assert set(attention) == set(expected)
    for kind, w in expected.items():
        assert attention[kind].shape == w.shape
        torch.testing.assert_close(attention[kind], w, atol=1e-5, rtol=0)
        torch.testing.assert_close(attention[kind].sum(-1), torch.ones(w.shape[:-1]))


def test_asking_for_attention_does_not_change_the_logits():
    cfg = random_config(random.Random(7), arch="encoder-decoder")
    model = build_model(cfg).eval()
    x, y, pad = _inputs(cfg, 7)
    plain = call(model, x, y, pad)
    logits, _ = call(model, x, y, pad, return_attention=True)
    torch.testing.assert_close(plain, logits, atol=1e-5, rtol=0)
