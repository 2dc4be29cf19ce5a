"""The attention behind one answer: every head's weights, with the tokens on each axis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import Tensor, nn

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER
from tinyformer.model.modes import eval_mode
from tinyformer.tasks import Task
from tinyformer.tasks.batching import Example


@dataclass(frozen=True)
class AttentionView:
    """Attention for one example: kind -> (L, H, T_q, T_k), with token labels per axis."""

    weights: dict[str, np.ndarray]
    queries: dict[str, list[str]]
    keys: dict[str, list[str]]


def attention_for(model: nn.Module, task: Task, example: Example, arch: str) -> AttentionView:
    """Run one example teacher-forced and return every head's attention, labelled."""
    device = next(model.parameters()).device
    batch = task.batch([example], arch).to(device)
    with eval_mode(model):
        _, attention = model(**batch.inputs, return_attention=True)
    # (L, H, T_q, T_k) each, copied: a numpy view would keep the whole tensor alive.
    weights = {k: v[:, 0].float().cpu().numpy().copy() for k, v in attention.items()}
    names = {k: task.vocab.decode(v[0].tolist()) for k, v in batch.inputs.items() if _ids(k, v)}
    if arch == ENCODER_DECODER:
        src, tgt = names["src"], names["tgt"]
        queries = {"encoder": src, "decoder": tgt, "cross": tgt}
        keys = {"encoder": src, "decoder": tgt, "cross": src}
    else:
        kind = "decoder" if arch == DECODER_ONLY else "encoder"
        queries = keys = {kind: names["x"]}
    return AttentionView(weights, queries, keys)


def _ids(name: str, value: Tensor | None) -> bool:
    return value is not None and not name.endswith("mask")
