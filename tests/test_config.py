"""ModelConfig refuses every impossible model with a message saying what is allowed."""

import dataclasses

import pytest

from tinyformer import ModelConfig


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"arch": "gpt"}, "arch must be one of encoder-decoder, decoder-only, encoder-only"),
        ({"positional": "rotary"}, "positional must be one of sinusoidal, learned, none"),
        ({"d_model": 30, "n_heads": 4}, "d_model (30) must be divisible by n_heads (4)"),
        ({"d_model": 0}, "d_model must be an integer from 1 to 1024, got 0"),
        ({"d_model": 32.0}, "d_model must be an integer from 1 to 1024, got 32.0"),
        ({"n_heads": -2}, "n_heads must be an integer from 1 to 64, got -2"),
        ({"n_layers": 0}, "n_layers must be an integer from 1 to 12, got 0"),
        ({"n_layers": True}, "n_layers must be an integer from 1 to 12, got True"),
        ({"d_ff": 0}, "d_ff must be an integer from 1 to 8192, got 0"),
        ({"vocab_size": 0}, "vocab_size must be an integer from 1 to 1005, got 0"),
        ({"max_len": 0}, "max_len must be an integer from 1 to 1024, got 0"),
        ({"n_layers": 20000}, "n_layers must be an integer from 1 to 12, got 20000"),
        ({"d_model": 1024, "n_heads": 1, "n_layers": 12, "d_ff": 8192}, "at most 20,000,000"),
        ({"dropout": 1.0}, "dropout must be in [0, 1), got 1.0"),
        ({"dropout": -0.1}, "dropout must be in [0, 1), got -0.1"),
        ({"dropout": "0.1"}, "dropout must be a number in [0, 1)"),
        ({"norm_first": "yes"}, "norm_first must be True or False"),
        ({"causal": 1}, "causal must be True or False"),
    ],
)
def test_invalid_config_is_refused_with_a_plain_message(kwargs, message):
    with pytest.raises(ValueError) as err:
        ModelConfig(**kwargs)
    assert message in str(err.value)


def test_heads_error_lists_heads_that_fit():
    with pytest.raises(ValueError, match="heads that fit: 1, 2, 3, 4, 6, 8, 12, 16"):
        ModelConfig(d_model=48, n_heads=5)


def test_config_is_frozen_and_changed_by_replace():
    cfg = ModelConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.d_model = 8
    assert dataclasses.replace(cfg, d_model=32, n_heads=2).d_model == 32
    with pytest.raises(ValueError, match="divisible"):
        dataclasses.replace(cfg, d_model=30)


def test_round_trip_through_plain_data_and_unknown_keys_refused():
    cfg = ModelConfig(arch="decoder-only", d_model=32, n_heads=2, causal=False)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown model setting\\(s\\): hidden"):
        ModelConfig.from_dict({"hidden": 3})
