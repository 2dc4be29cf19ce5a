"""From examples to the tensors each architecture trains on.

Conventions (one place): labels hold IGNORE where no loss is taken; padding is PAD on the
right, with a bool key-padding mask (True = padding) only when a batch needs one.

- encoder-decoder: src = source; decoder input = BOS + target[:-1]; labels = target.
- decoder-only: one sequence source [SEP] target; input = seq[:-1], labels = seq[1:] with
  the source part IGNOREd, so only the answer is learned.
- encoder-only: input = source; labels = target position by position (IGNORE allowed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY
from tinyformer.tasks.vocab import BOS, EOS, PAD, SEP

IGNORE = -100  # a label that takes no loss (F.cross_entropy's default ignore_index)


@dataclass(frozen=True)
class Example:
    """One input and its answer, as token ids."""

    source: tuple[int, ...]
    target: tuple[int, ...]


@dataclass(frozen=True)
class Batch:
    """Model inputs for one architecture (keyword arguments of the model) and labels (B, T)."""

    arch: str
    inputs: dict[str, Tensor | None]
    labels: Tensor

    def to(self, device: torch.device | str) -> Batch:
        moved = {k: None if v is None else v.to(device) for k, v in self.inputs.items()}
        return Batch(self.arch, moved, self.labels.to(device))

    def __len__(self) -> int:
        return self.labels.shape[0]


def _pad(rows: Sequence[Sequence[int]], value: int) -> tuple[Tensor, Tensor | None]:
    """(B, T_max) tensor padded with `value`, and the padding mask (None if no row is short)."""
    t = max(len(r) for r in rows)
    out = torch.tensor([[*r, *([value] * (t - len(r)))] for r in rows], dtype=torch.long)
    if all(len(r) == t for r in rows):
        return out, None
    lengths = torch.tensor([len(r) for r in rows])
    return out, torch.arange(t)[None, :] >= lengths[:, None]  # (B, T): True = padding


def encoder_decoder_batch(examples: Sequence[Example], eos: bool = False) -> Batch:
    targets = [(*e.target, EOS) if eos else e.target for e in examples]
    src, src_pad = _pad([e.source for e in examples], PAD)
    tgt, tgt_pad = _pad([(BOS, *t[:-1]) for t in targets], PAD)
    labels, _ = _pad(targets, IGNORE)
    inputs = {
        "src": src,
        "tgt": tgt,
        "src_key_padding_mask": src_pad,
        "tgt_key_padding_mask": tgt_pad,
    }
    return Batch(ENCODER_DECODER, inputs, labels)


def decoder_only_batch(
    examples: Sequence[Example], separator: bool = True, eos: bool = False
) -> Batch:
    seqs, labels = [], []
    for e in examples:
        prompt = (*e.source, SEP) if separator else e.source
        answer = (*e.target, EOS) if eos else e.target
        seq = (*prompt, *answer)
        seqs.append(seq[:-1])
        labels.append((IGNORE,) * (len(prompt) - 1) + answer)
    x, pad = _pad(seqs, PAD)
    y, _ = _pad(labels, IGNORE)
    return Batch(DECODER_ONLY, {"x": x, "key_padding_mask": pad}, y)


def encoder_only_batch(examples: Sequence[Example]) -> Batch:
    for e in examples:
        if len(e.source) != len(e.target):
            raise ValueError(
                "encoder-only models predict one token per input position, so input and "
                f"output must have the same length; got {len(e.source)} and {len(e.target)}"
            )
    x, pad = _pad([e.source for e in examples], PAD)
    y, _ = _pad([e.target for e in examples], IGNORE)
    return Batch(ENCODER_ONLY, {"x": x, "key_padding_mask": pad}, y)


# What each tensor of a batch is, in a sentence: shown by the CLI, the docs and the app.
DESCRIPTIONS = {
    "src": "encoder input: the source tokens, all visible to each other",
    "tgt": "decoder input: <bos> then the target shifted right (teacher forcing)",
    "x": "the input sequence",
    "src_key_padding_mask": "True where the source is padding: no query may look there",
    "tgt_key_padding_mask": "True where the decoder input is padding",
    "key_padding_mask": "True where the input is padding",
    "labels": "what each position must predict; -100 = no loss taken there",
}
