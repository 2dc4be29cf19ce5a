"""Answers to look at: the greedy answer to any input, and a few examples answered both
teacher-forced and greedy, each token with the logits it was chosen from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tinyformer.inspect.evaluation import greedy, teacher_forced
from tinyformer.inspect.generate import (
    greedy_decoder_only,
    greedy_encoder_decoder,
    predict_encoder_only,
)
from tinyformer.inspect.probabilities import chosen_probs
from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER
from tinyformer.model.modes import eval_mode
from tinyformer.tasks import Task
from tinyformer.tasks.batching import IGNORE, Example
from tinyformer.tasks.vocab import EOS, SEP


@dataclass(frozen=True)
class Prediction:
    """The greedy answer to one input: output ids (cut after EOS) and the logits (n, V)
    each was chosen from."""

    source: list[int]
    output: list[int]
    logits: np.ndarray

    def probs(self, temperature: float = 1.0) -> list[float]:
        """The probability of each output token under softmax(logits / temperature)."""
        return chosen_probs(self.logits, self.output, temperature)


def predict(model: nn.Module, task: Task, source: Sequence[int], arch: str) -> Prediction:
    """Greedy output for one input of the user's choosing."""
    task.check_arch(arch)
    device = next(model.parameters()).device
    src = torch.tensor([list(source)], dtype=torch.long, device=device)
    steps = task.answer_len(len(source), arch) + task.eos
    with eval_mode(model):
        if arch == ENCODER_DECODER:
            out, logits = greedy_encoder_decoder(model, src, steps)
        elif arch == DECODER_ONLY:
            prompt = torch.cat([src, src.new_full((1, 1), SEP)], 1) if task.separator else src
            out, logits = greedy_decoder_only(model, prompt, steps)
        else:
            out, logits = predict_encoder_only(model, src)
    ids, rows = out[0].tolist(), logits[0].float().cpu().numpy()
    if task.eos and EOS in ids:
        cut = ids.index(EOS) + 1
        ids, rows = ids[:cut], rows[:cut]
    return Prediction(list(source), ids, rows.copy())


@dataclass(frozen=True)
class ExampleResult:
    """One example as the model sees it, at the scored positions only (`positions`: their
    indices in the labels), as token strings with the logits (n, V) behind each answer."""

    source: list[str]
    target: list[str]
    positions: list[int]
    forced: list[str]  # argmax given the true previous tokens (teacher forcing)
    forced_logits: np.ndarray
    greedy: list[str]  # the model's own answer
    greedy_logits: np.ndarray
    forced_ids: list[int]
    greedy_ids: list[int]

    @property
    def exact(self) -> bool:
        return self.greedy == self.target

    def forced_probs(self, temperature: float = 1.0) -> list[float]:
        return chosen_probs(self.forced_logits, self.forced_ids, temperature)

    def greedy_probs(self, temperature: float = 1.0) -> list[float]:
        return chosen_probs(self.greedy_logits, self.greedy_ids, temperature)


def inspect_examples(
    model: nn.Module, task: Task, examples: Sequence[Example], arch: str
) -> list[ExampleResult]:
    """Teacher-forced and greedy answers, with their logits, for a few examples."""
    with eval_mode(model):
        batch = task.batch(examples, arch).to(next(model.parameters()).device)
        tf_pred, tf_logits, _ = teacher_forced(model, batch)
        g_pred, g_logits = greedy(model, batch)
    scored = batch.labels != IGNORE
    results = []
    for i, e in enumerate(examples):
        keep = scored[i]
        forced, greedy_ids = tf_pred[i][keep].tolist(), g_pred[i][keep].tolist()
        results.append(
            ExampleResult(
                source=task.vocab.decode(e.source),
                target=task.vocab.decode(batch.labels[i][keep].tolist()),
                positions=torch.nonzero(keep).flatten().tolist(),
                forced=task.vocab.decode(forced),
                forced_logits=tf_logits[i][keep].float().cpu().numpy().copy(),
                greedy=task.vocab.decode(greedy_ids),
                greedy_logits=g_logits[i][keep].float().cpu().numpy().copy(),
                forced_ids=forced,
                greedy_ids=greedy_ids,
            )
        )
    return results
