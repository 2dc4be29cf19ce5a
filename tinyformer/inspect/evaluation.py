"""How well a model does: teacher-forced loss and token accuracy, greedy exact match.

Token accuracy gives each position the true previous tokens (teacher forcing); exact match
asks for the model's own whole answer, one argmax at a time (greedy decoding), as the
toy-task tradition reports it: `k/n = x%`, with the first mistakes shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tinyformer.inspect.generate import (
    greedy_encoder_decoder,
    predict_encoder_only,
)
from tinyformer.model.config import ENCODER_DECODER, ENCODER_ONLY
from tinyformer.model.modes import eval_mode
from tinyformer.tasks import Task
from tinyformer.tasks.batching import IGNORE, Batch, Example
from tinyformer.tasks.vocab import EOS

CHUNK = 512  # examples per forward pass during evaluation, at most
# ... and fewer for long sequences: one head's attention over a chunk, (B, H, T, T), stays
# within this many numbers (64 MB), so a long sequence costs time, not gigabytes.
ATTENTION_BUDGET = 1 << 24
WRONG_KEPT = 64


class EvaluationStopped(Exception):
    """`should_stop` said yes: the evaluation was given up part-way (Ctrl-C, a Stop)."""


def chunk_size(model: nn.Module, examples: Sequence[Example]) -> int:
    """Examples per forward pass: CHUNK, or fewer where the sequences are long."""
    longest = max((len(e.source) + len(e.target) + 2 for e in examples), default=1)
    heads = model.cfg.n_heads if hasattr(model, "cfg") else 1
    return max(1, min(CHUNK, ATTENTION_BUDGET // (heads * longest * longest)))


@dataclass(frozen=True)
class Mistake:
    source: list[str]
    expected: list[str]
    got: list[str]


@dataclass(frozen=True)
class EvalEvent:
    """An evaluation: teacher-forced loss and token accuracy, greedy exact match, over
    `total` examples of one split ("held-out": never trained on; "fresh": newly drawn)."""

    step: int
    loss: float
    token_accuracy: float
    exact_match: float
    correct: int
    total: int
    mistakes: list[Mistake] = field(default_factory=list)
    split: str = "held-out"
    wrong: tuple[int, ...] = ()  # indices of the first WRONG_KEPT examples answered wrong

    def summary(self) -> str:
        return f"{self.correct}/{self.total} = {100 * self.exact_match:.1f}% exact"


def teacher_forced(model: nn.Module, batch: Batch) -> tuple[Tensor, Tensor, Tensor]:
    """Argmax per position given the true previous tokens: predictions (B, T), the logits
    (B, T, V), and the mean loss over scored positions (scalar)."""
    logits = model(**batch.inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=IGNORE)
    return logits.argmax(-1), logits, loss


def greedy(
    model: nn.Module, batch: Batch, should_stop: Callable[[], bool] | None = None
) -> tuple[Tensor, Tensor]:
    """The model's own answer, one argmax at a time, aligned with batch.labels: (B, T)
    predicted ids and their logits (B, T, V). Positions labelled IGNORE are meaningless.
    `should_stop` is asked before each token; yes raises EvaluationStopped."""
    labels, inputs = batch.labels, batch.inputs
    if batch.arch == ENCODER_DECODER:
        src, pad = inputs["src"], inputs["src_key_padding_mask"]
        return greedy_encoder_decoder(model, src, labels.shape[1], pad, _stopper(should_stop))
    if batch.arch == ENCODER_ONLY:
        return predict_encoder_only(model, inputs["x"], inputs["key_padding_mask"])
    # decoder-only: walk along the sequence; inside the answer, feed back the model's own
    # token instead of the true one. Rows may start their answers at different places.
    x = inputs["x"].clone()
    pred = torch.zeros_like(labels)
    answer = labels != IGNORE  # (B, T)
    start = int(answer.float().argmax(dim=1).min())
    all_logits = None
    for i in range(start, x.shape[1]):
        _stopper(should_stop)()
        last = model(x[:, : i + 1])[:, -1]  # (B, V)
        if all_logits is None:
            all_logits = last.new_zeros(*labels.shape, last.shape[-1])  # (B, T, V)
        pred[:, i], all_logits[:, i] = last.argmax(-1), last
        if i + 1 < x.shape[1]:
            x[:, i + 1] = torch.where(answer[:, i], pred[:, i], x[:, i + 1])
    return pred, all_logits


def evaluate(
    model: nn.Module,
    task: Task,
    examples: Sequence[Example],
    arch: str,
    step: int = 0,
    max_mistakes: int = 3,
    split: str = "held-out",
    should_stop: Callable[[], bool] | None = None,
) -> EvalEvent:
    """Token accuracy (teacher-forced), exact match (greedy) and loss over `examples`, in
    chunks whose attention stays within ATTENTION_BUDGET. `should_stop` is asked between
    passes (a second at most apart); yes raises EvaluationStopped."""
    device = next(model.parameters()).device
    loss_sum, tokens, right_tokens, right_rows, mistakes, wrong = 0.0, 0, 0, 0, [], []
    size = chunk_size(model, examples)
    with eval_mode(model):
        for lo in range(0, len(examples), size):
            _stopper(should_stop)()
            chunk = examples[lo : lo + size]
            batch = task.batch(chunk, arch).to(device)
            scored = batch.labels != IGNORE
            tf_pred, _, loss = teacher_forced(model, batch)
            n = int(scored.sum())
            loss_sum += loss.item() * n
            tokens += n
            right_tokens += int((tf_pred == batch.labels)[scored].sum())
            g_pred, _ = greedy(model, batch, should_stop)
            row_ok = ((g_pred == batch.labels) | ~scored).all(dim=1)
            right_rows += int(row_ok.sum())
            bad = torch.nonzero(~row_ok).flatten().tolist()
            wrong += [lo + i for i in bad[: WRONG_KEPT - len(wrong)]]
            for i in bad[: max_mistakes - len(mistakes)]:
                mistakes.append(_mistake(task, chunk[i], g_pred[i][scored[i]].tolist()))
    return EvalEvent(
        step=step,
        loss=loss_sum / max(tokens, 1),
        token_accuracy=right_tokens / max(tokens, 1),
        exact_match=right_rows / len(examples),
        correct=right_rows,
        total=len(examples),
        mistakes=mistakes,
        split=split,
        wrong=tuple(wrong),
    )


def _stopper(should_stop: Callable[[], bool] | None) -> Callable[[], None]:
    def check() -> None:
        if should_stop is not None and should_stop():
            raise EvaluationStopped("the evaluation was stopped")

    return check


def _mistake(task: Task, example: Example, got: list[int]) -> Mistake:
    expected = [t for t in example.target if t != IGNORE] + ([EOS] if task.eos else [])
    return Mistake(
        source=task.vocab.decode(example.source),
        expected=task.vocab.decode(expected),
        got=task.vocab.decode(got),
    )
