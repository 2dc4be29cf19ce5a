"""The article's program, completed: its loss reaches ~0 yet it has learned only to copy.

The article trains an encoder-decoder on `1 0 1 0 ...` with the target itself as decoder
input and no causal mask, so every position can read the answer. The same setup with the
mask and the decoder input shifted right behind BOS learns the real next-token rule.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tinyformer import ModelConfig, build_model
from tinyformer.inspect.generate import greedy_encoder_decoder
from tinyformer.tasks.vocab import BOS, Vocab

VOCAB = Vocab(("0", "1"))
SEQ = torch.tensor([VOCAB.encode(["1", "0", "1", "0", "1", "0", "1", "0", "1", "0"])])  # (1, 10)
TARGET = SEQ[:, 1:]  # "0 1 0 1 0 1 0 1 0": the input shifted by one step


def _train(causal: bool, shift: bool, seed: int) -> tuple[torch.nn.Module, float]:
    torch.manual_seed(seed)
    cfg = ModelConfig(
        arch="encoder-decoder",
        vocab_size=VOCAB.size,
        d_model=32,
        n_heads=4,
        n_layers=2,
        d_ff=128,
        positional="none",  # as in the article
        causal=causal,
    )
    model = build_model(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bos = torch.full((1, 1), BOS)
    decoder_input = torch.cat([bos, TARGET[:, :-1]], dim=1) if shift else TARGET
    for _ in range(200):
        loss = F.cross_entropy(model(SEQ, decoder_input).flatten(0, 1), TARGET.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), loss.item()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_articles_model_drives_loss_to_zero_but_only_copies(seed):
    model, loss = _train(causal=False, shift=False, seed=seed)
    assert loss < 0.01
    with torch.no_grad():
        # The article's own test: decoder input = test_input[:9]; it prints the input back.
        echoed = model(SEQ, SEQ[:, :9]).argmax(-1)
    assert VOCAB.decode(echoed[0]) == ["1", "0", "1", "0", "1", "0", "1", "0", "1"]
    greedy, _ = greedy_encoder_decoder(model, SEQ, steps=9)
    assert not torch.equal(greedy, TARGET)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_the_causal_mask_and_bos_shift_it_learns_the_next_token(seed):
    model, loss = _train(causal=True, shift=True, seed=seed)
    assert loss < 0.01
    greedy, _ = greedy_encoder_decoder(model, SEQ, steps=9)
    assert VOCAB.decode(greedy[0]) == ["0", "1", "0", "1", "0", "1", "0", "1", "0"]
