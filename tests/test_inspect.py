"""tinyformer.inspect: run_with_cache, logit_lens and ablate hold to the public contract.

Every cached tensor is checked by recomputing the next one from it (softmax of scores is
the pattern, pattern @ v is z, ...), for all three shapes, both norm orders, with padding.
"""

from __future__ import annotations

import random

import pytest
import torch

from tests.helpers import ARCHS, random_config, right_padding
from tinyformer import build_model
from tinyformer.inspect import ablate, logit_lens, run_with_cache
from tinyformer.model.hooks import attention_name

TOL = {"atol": 1e-6, "rtol": 1e-5}
STAGES = ("q", "k", "v", "scores", "pattern", "z", "out")


def _model_and_inputs(seed: int, arch: str, norm_first: bool, padded: bool):
    cfg = random_config(random.Random(seed), arch=arch, norm_first=norm_first, dropout=0.0)
    model = build_model(cfg).eval()
    torch.manual_seed(seed)
    x = torch.randint(0, cfg.vocab_size, (3, 7))
    pad = right_padding([7, 5, 6], 7) if padded else None
    if arch == "encoder-decoder":
        y = torch.randint(0, cfg.vocab_size, (3, 5))
        return model, (x, y), {"src_key_padding_mask": pad}
    return model, (x,), {"key_padding_mask": pad}


def _stacks(arch: str) -> list[str]:
    return {"encoder-decoder": ["encoder", "decoder"], "decoder-only": ["decoder"]}.get(
        arch, ["encoder"]
    )


def _attns(arch: str, stack: str) -> list[str]:
    return ["self", "cross"] if arch == "encoder-decoder" and stack == "decoder" else ["self"]


CASES = [
    (seed, arch, norm_first, padded)
    for seed, (arch, norm_first, padded) in enumerate(
        (a, n, p) for a in ARCHS for n in (False, True) for p in (False, True)
    )
]


@pytest.mark.parametrize(("seed", "arch", "norm_first", "padded"), CASES)
def test_every_cached_tensor_recomputes_the_next(seed, arch, norm_first, padded):
    model, inputs, masks = _model_and_inputs(seed, arch, norm_first, padded)
    cfg = model.cfg
    B, H, d_head = inputs[0].shape[0], cfg.n_heads, cfg.d_head
    logits, cache = run_with_cache(model, *inputs, **masks)
    torch.testing.assert_close(logits, model(*inputs, **masks), **TOL)
    for stack_name in _stacks(arch):
        stack = model.stacks()[stack_name]
        ids = inputs[1] if stack_name == "decoder" and arch == "encoder-decoder" else inputs[0]
        T = ids.shape[1]
        embed, pos = cache[f"{stack_name}.embed"], cache[f"{stack_name}.pos"]
        assert embed.shape == (B, T, cfg.d_model) and pos.shape == (T, cfg.d_model)
        torch.testing.assert_close(cache[f"{stack_name}.0.resid_pre"], embed + pos, **TOL)
        for i, layer in enumerate(stack.layers):
            for attn_name in _attns(arch, stack_name):
                attn = layer.self_attn if attn_name == "self" else layer.cross_attn
                c = {s: cache[f"{stack_name}.{i}.{attn_name}.{s}"] for s in STAGES}
                T_q, T_k = c["scores"].shape[2:]
                assert c["q"].shape == (B, H, T_q, d_head) and c["k"].shape == (B, H, T_k, d_head)
                scores = c["q"] @ c["k"].transpose(-2, -1) / d_head**0.5
                finite = torch.isfinite(c["scores"])
                torch.testing.assert_close(c["scores"][finite], scores[finite], **TOL)
                torch.testing.assert_close(c["scores"].softmax(-1), c["pattern"], **TOL)
                torch.testing.assert_close(c["pattern"] @ c["v"], c["z"], **TOL)
                joined = c["z"].transpose(1, 2).reshape(B, T_q, cfg.d_model)
                torch.testing.assert_close(attn.out_proj(joined), c["out"], **TOL)
                if padded and attn_name == "self" and stack_name == "encoder":
                    assert (c["pattern"][1, :, :, 5:] == 0).all()  # padding is never looked at
            post = cache[f"{stack_name}.{i}.resid_post"]
            mid = _after_attention(layer, cache, stack_name, i, arch)
            torch.testing.assert_close(cache[f"{stack_name}.{i}.resid_mid"], mid, **TOL)
            ff_in = layer.add_norm2.before(mid)
            torch.testing.assert_close(layer.ff(ff_in), cache[f"{stack_name}.{i}.ff_out"], **TOL)
            if i + 1 < len(stack.layers):
                torch.testing.assert_close(cache[f"{stack_name}.{i + 1}.resid_pre"], post)
            out = layer.add_norm2(mid, cache[f"{stack_name}.{i}.ff_out"])
            torch.testing.assert_close(out, post, **TOL)
        last = cache[f"{stack_name}.{len(stack.layers) - 1}.resid_post"]
        torch.testing.assert_close(stack.norm(last), cache[f"{stack_name}.final"], **TOL)
    out = model.output_stack
    name = "decoder" if "decoder" in model.stacks() else "encoder"
    assert out is model.stacks()[name]
    torch.testing.assert_close(model.generator(cache[f"{name}.final"]), logits, **TOL)


def _after_attention(layer, cache, stack, i, arch):
    """The residual stream after the layer's attention sublayers, from the cache."""
    x = layer.add_norm1(cache[f"{stack}.{i}.resid_pre"], cache[f"{stack}.{i}.self.out"])
    if "cross" in _attns(arch, stack):
        x = layer.add_norm_cross(x, cache[f"{stack}.{i}.cross.out"])
    return x


@pytest.mark.parametrize("arch", ARCHS)
def test_the_pattern_is_what_return_attention_gives(arch):
    model, inputs, masks = _model_and_inputs(7, arch, False, True)
    _, attention = model(*inputs, **masks, return_attention=True)
    _, cache = run_with_cache(model, *inputs, **masks)
    kinds = {"encoder": ("encoder", "self"), "decoder": ("decoder", "self")}
    kinds["cross"] = ("decoder", "cross")
    for kind, weights in attention.items():
        stack, attn = kinds[kind]
        for i in range(model.cfg.n_layers):
            torch.testing.assert_close(weights[i], cache[f"{stack}.{i}.{attn}.pattern"])


@pytest.mark.parametrize("arch", ARCHS)
def test_the_logit_lens_ends_at_the_models_logits(arch):
    model, inputs, masks = _model_and_inputs(3, arch, True, False)
    logits, cache = run_with_cache(model, *inputs, **masks)
    lens = logit_lens(model, cache)
    assert lens.shape == (model.cfg.n_layers, *logits.shape)
    torch.testing.assert_close(lens[-1], logits, **TOL)


@pytest.mark.parametrize("seed", range(6))
def test_ablating_a_head_equals_zeroing_its_columns_of_out_proj(seed):
    rng = random.Random(seed)
    arch = ARCHS[seed % 3]
    model, inputs, masks = _model_and_inputs(seed, arch, seed % 2 == 0, True)
    cfg = model.cfg
    kind = rng.choice({"encoder-decoder": ["encoder", "decoder", "cross"]}.get(arch, [
        "decoder" if arch == "decoder-only" else "encoder"
    ]))  # fmt: skip
    layer, head = rng.randrange(cfg.n_layers), rng.randrange(cfg.n_heads)
    plain = model(*inputs, **masks)
    with ablate(model, [(kind, layer, head)]):
        ablated = model(*inputs, **masks)
    torch.testing.assert_close(model(*inputs, **masks), plain, atol=0, rtol=0)  # hooks gone
    attn = model.attentions()[attention_name(kind, layer)]
    cols = slice(head * cfg.d_head, (head + 1) * cfg.d_head)
    with torch.no_grad():
        saved = attn.out_proj.weight[:, cols].clone()
        attn.out_proj.weight[:, cols] = 0.0
        zeroed = model(*inputs, **masks)
        attn.out_proj.weight[:, cols] = saved
    torch.testing.assert_close(ablated, zeroed, **TOL)
    if cfg.n_layers * cfg.n_heads > 0:
        assert (ablated - plain).abs().max() > 1e-6  # it did something


def test_ablate_names_a_head_the_model_does_not_have():
    model, _, _ = _model_and_inputs(1, "decoder-only", False, False)
    wrong_kind = "decoder-only model has decoder attention, not 'cross'"
    with pytest.raises(ValueError, match=wrong_kind), ablate(model, [("cross", 0, 0)]):
        pass
    with pytest.raises(ValueError, match="no head"), ablate(model, [("decoder", 9, 0)]):
        pass


def test_ablation_and_capture_compose_and_leave_nothing_behind():
    model, inputs, masks = _model_and_inputs(2, "encoder-decoder", False, False)
    with ablate(model, [("cross", 0, 0)]):
        _, cache = run_with_cache(model, *inputs, **masks)
    assert (cache["decoder.0.cross.z"][:, 0] == 0).all()
    assert all(not p._forward_hooks for p in model.modules())


def test_a_head_is_named_as_its_tensors_are_and_ablate_takes_the_name():
    model, inputs, masks = _model_and_inputs(2, "encoder-decoder", False, False)
    h = model.cfg.n_heads - 1
    with ablate(model, [("cross", 0, h)]):
        by_tuple = model(*inputs, **masks)
    with ablate(model, [f"decoder.0.cross.{h}"]):
        by_name = model(*inputs, **masks)
    torch.testing.assert_close(by_name, by_tuple, atol=0, rtol=0)
    _, cache = run_with_cache(model, *inputs, **masks)
    assert f"{attention_name('cross', 0)}.z" in cache  # the head's tensor, by the same name
    for bad in ("decoder.0.cross", "encoder.0.cross.1", "cross.0.1"):
        with pytest.raises(ValueError, match="is not a head"), ablate(model, [bad]):
            pass
