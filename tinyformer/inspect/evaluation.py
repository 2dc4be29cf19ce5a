"""How well a model does: teacher-forced token accuracy, greedy exact match, one-off
predictions, and the attention behind an answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tinyformer.inspect.generate import (
    greedy_decoder_only,
    greedy_encoder_decoder,
    predict_encoder_only,
)
from tinyformer.model.shapes import HeadMask
from tinyformer.tasks import Task
from tinyformer.tasks.batching import IGNORE, Batch, Example
from tinyformer.tasks.vocab import EOS, SEP

CHUNK = 512  # examples per forward pass during evaluation


@dataclass(frozen=True)
class Mistake:
    source: list[str]
    expected: list[str]
    got: list[str]


@dataclass(frozen=True)
class EvalEvent:
    """Held-out evaluation: teacher-forced loss and token accuracy, greedy exact match."""

    step: int
    loss: float
    token_accuracy: float
    exact_match: float
    correct: int
    total: int
    mistakes: list[Mistake] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.correct}/{self.total} = {100 * self.exact_match:.1f}% exact"


@torch.no_grad()
def teacher_forced(
    model: nn.Module, batch: Batch, head_mask: HeadMask | None = None, temperature: float = 1.0
) -> tuple[Tensor, Tensor, Tensor]:
    """Argmax per position given the true previous tokens: predictions (B, T), their
    probabilities under softmax(logits / temperature) (B, T), and the loss (scalar)."""
    logits = model(**batch.inputs, head_mask=head_mask)
    loss = F.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=IGNORE)
    probs, pred = (logits / temperature).softmax(-1).max(-1)
    return pred, probs, loss


@torch.no_grad()
def greedy(
    model: nn.Module, batch: Batch, head_mask: HeadMask | None = None, temperature: float = 1.0
) -> tuple[Tensor, Tensor]:
    """The model's own answer, one argmax at a time, aligned with batch.labels: (B, T)
    predicted ids and their probabilities. Positions whose label is IGNORE are meaningless."""
    labels, inputs = batch.labels, batch.inputs
    if batch.arch == "encoder-decoder":
        return greedy_encoder_decoder(
            model,
            inputs["src"],
            labels.shape[1],
            inputs["src_key_padding_mask"],
            head_mask,
            temperature,
        )
    if batch.arch == "encoder-only":
        return predict_encoder_only(
            model, inputs["x"], inputs["key_padding_mask"], head_mask, temperature
        )
    # decoder-only: walk along the sequence; inside the answer, feed back the model's own
    # token instead of the true one. Rows may start their answers at different places.
    x = inputs["x"].clone()
    pred = torch.zeros_like(labels)
    probs = torch.zeros(labels.shape, dtype=torch.float, device=labels.device)
    answer = labels != IGNORE  # (B, T)
    start = int(answer.float().argmax(dim=1).min())
    for i in range(start, x.shape[1]):
        logits = model(x[:, : i + 1], head_mask=head_mask)
        p, nxt = (logits[:, -1] / temperature).softmax(-1).max(-1)
        pred[:, i], probs[:, i] = nxt, p
        if i + 1 < x.shape[1]:
            x[:, i + 1] = torch.where(answer[:, i], nxt, x[:, i + 1])
    return pred, probs


def evaluate(
    model: nn.Module,
    task: Task,
    examples: Sequence[Example],
    arch: str,
    step: int = 0,
    max_mistakes: int = 3,
    head_mask: HeadMask | None = None,
) -> EvalEvent:
    """Token accuracy (teacher-forced) and exact match (greedy) over `examples`."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    loss_sum, tokens, right_tokens, right_rows, mistakes = 0.0, 0, 0, 0, []
    try:
        for lo in range(0, len(examples), CHUNK):
            chunk = examples[lo : lo + CHUNK]
            batch = task.batch(chunk, arch).to(device)
            scored = batch.labels != IGNORE
            tf_pred, _, loss = teacher_forced(model, batch, head_mask)
            n = int(scored.sum())
            loss_sum += loss.item() * n
            tokens += n
            right_tokens += int((tf_pred == batch.labels)[scored].sum())
            g_pred, _ = greedy(model, batch, head_mask)
            row_ok = ((g_pred == batch.labels) | ~scored).all(dim=1)
            right_rows += int(row_ok.sum())
            for i in torch.nonzero(~row_ok).flatten().tolist():
                if len(mistakes) < max_mistakes:
                    got = g_pred[i][scored[i]].tolist()
                    mistakes.append(_mistake(task, chunk[i], got))
    finally:
        model.train(was_training)
    return EvalEvent(
        step=step,
        loss=loss_sum / max(tokens, 1),
        token_accuracy=right_tokens / max(tokens, 1),
        exact_match=right_rows / len(examples),
        correct=right_rows,
        total=len(examples),
        mistakes=mistakes,
    )


def _mistake(task: Task, example: Example, got: list[int]) -> Mistake:
    expected = [t for t in example.target if t != IGNORE] + ([EOS] if task.eos else [])
    return Mistake(
        source=task.vocab.decode(example.source),
        expected=task.vocab.decode(expected),
        got=task.vocab.decode(got),
    )


@dataclass(frozen=True)
class Prediction:
    """The greedy answer to one input: output ids (cut at EOS), their probabilities."""

    source: list[int]
    output: list[int]
    probs: list[float]


@torch.no_grad()
def predict(
    model: nn.Module,
    task: Task,
    source: Sequence[int],
    arch: str,
    head_mask: HeadMask | None = None,
    temperature: float = 1.0,
) -> Prediction:
    """Greedy output for one input of the user's choosing."""
    task.check_arch(arch)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    src = torch.tensor([list(source)], dtype=torch.long, device=device)
    steps = task.answer_len(len(source), arch) + task.eos
    try:
        if arch == "encoder-decoder":
            out, probs = greedy_encoder_decoder(
                model, src, steps, head_mask=head_mask, temperature=temperature
            )
        elif arch == "decoder-only":
            prompt = torch.cat([src, src.new_full((1, 1), SEP)], 1) if task.separator else src
            out, probs = greedy_decoder_only(
                model, prompt, steps, head_mask=head_mask, temperature=temperature
            )
        else:
            out, probs = predict_encoder_only(
                model, src, head_mask=head_mask, temperature=temperature
            )
    finally:
        model.train(was_training)
    ids, ps = out[0].tolist(), probs[0].tolist()
    if task.eos and EOS in ids:
        cut = ids.index(EOS) + 1
        ids, ps = ids[:cut], ps[:cut]
    return Prediction(list(source), ids, ps)


@dataclass(frozen=True)
class AttentionView:
    """Attention for one example: kind -> (L, H, T_q, T_k), with token labels per axis."""

    weights: dict[str, np.ndarray]
    queries: dict[str, list[str]]
    keys: dict[str, list[str]]


@torch.no_grad()
def attention_for(
    model: nn.Module,
    task: Task,
    example: Example,
    arch: str,
    head_mask: HeadMask | None = None,
) -> AttentionView:
    """Run one example teacher-forced and return every head's attention, labelled."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    batch = task.batch([example], arch).to(device)
    try:
        _, attention = model(**batch.inputs, return_attention=True, head_mask=head_mask)
    finally:
        model.train(was_training)
    # (L, H, T_q, T_k) each, copied: a numpy view would keep the whole tensor alive.
    weights = {k: v[:, 0].float().cpu().numpy().copy() for k, v in attention.items()}
    names = {k: task.vocab.decode(v[0].tolist()) for k, v in batch.inputs.items() if _ids(k, v)}
    if arch == "encoder-decoder":
        src, tgt = names["src"], names["tgt"]
        queries = {"encoder": src, "decoder": tgt, "cross": tgt}
        keys = {"encoder": src, "decoder": tgt, "cross": src}
    else:
        kind = "decoder" if arch == "decoder-only" else "encoder"
        queries = keys = {kind: names["x"]}
    return AttentionView(weights, queries, keys)


def _ids(name: str, value: Tensor | None) -> bool:
    return value is not None and not name.endswith("mask")


@dataclass(frozen=True)
class ExampleResult:
    """One example as the model sees it: the answer positions only, as token strings."""

    source: list[str]
    target: list[str]
    forced: list[str]  # argmax given the true previous tokens (teacher forcing)
    forced_probs: list[float]
    greedy: list[str]  # the model's own answer
    greedy_probs: list[float]

    @property
    def exact(self) -> bool:
        return self.greedy == self.target


@torch.no_grad()
def inspect_examples(
    model: nn.Module,
    task: Task,
    examples: Sequence[Example],
    arch: str,
    head_mask: HeadMask | None = None,
    temperature: float = 1.0,
) -> list[ExampleResult]:
    """Teacher-forced and greedy answers, with probabilities, for a few examples."""
    was_training = model.training
    model.eval()
    try:
        batch = task.batch(examples, arch).to(next(model.parameters()).device)
        tf_pred, tf_probs, _ = teacher_forced(model, batch, head_mask, temperature)
        g_pred, g_probs = greedy(model, batch, head_mask, temperature)
    finally:
        model.train(was_training)
    scored = batch.labels != IGNORE
    results = []
    for i, e in enumerate(examples):
        keep = scored[i]
        results.append(
            ExampleResult(
                source=task.vocab.decode(e.source),
                target=task.vocab.decode(batch.labels[i][keep].tolist()),
                forced=task.vocab.decode(tf_pred[i][keep].tolist()),
                forced_probs=tf_probs[i][keep].tolist(),
                greedy=task.vocab.decode(g_pred[i][keep].tolist()),
                greedy_probs=g_probs[i][keep].tolist(),
            )
        )
    return results
