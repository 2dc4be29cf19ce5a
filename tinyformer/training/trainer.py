"""The trainer: advances an experiment one update at a time and reports plain events.

It knows nothing of any GUI. A caller drives it (`advance()` in a loop, or `run()`), and
reads back StepEvent / EvalEvent / Snapshot values made of floats and numpy arrays.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from tinyformer.inspect.evaluation import attention_for, evaluate
from tinyformer.model.shapes import build_model
from tinyformer.tasks import make_task
from tinyformer.tasks.batching import IGNORE
from tinyformer.training.events import EvalEvent, Event, Snapshot, StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.snapshots import SnapshotLog
from tinyformer.training.threads import choose_threads


class TrainingDiverged(RuntimeError):
    """The loss or the gradient stopped being a finite number; the weights were not touched."""


def resolve_device(device: str) -> torch.device:
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda; got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for, but this torch sees no CUDA GPU; use cpu")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def make_optimizer(model: torch.nn.Module, tc) -> torch.optim.Optimizer:
    cls = torch.optim.AdamW if tc.optimizer == "adamw" else torch.optim.Adam
    try:  # the fused kernel is the quickest on CPU too (torch >= 2.4)
        return cls(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay, fused=True)
    except (RuntimeError, TypeError):
        return cls(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)


class Trainer:
    """Trains `experiment` from a fresh, seeded start.

    The same experiment (seed included) gives the same loss curve on the same machine and
    thread count. A fixed held-out set, drawn from its own seeded stream, is used for every
    evaluation; its first example is the probe whose attention is snapshotted.
    """

    def __init__(
        self, experiment: Experiment, device: str = "auto", threads: int | None = None
    ) -> None:
        self.experiment = experiment
        self.arch = experiment.model.arch
        self.task = make_task(experiment.task)
        self.device = resolve_device(device)
        self.threads = choose_threads(threads)
        tc = experiment.train
        torch.manual_seed(tc.seed)
        self.model = build_model(experiment.model).to(self.device)
        self.optimizer = make_optimizer(self.model, tc)
        self.data_rng = random.Random(tc.seed)
        heldout_rng = random.Random(f"held-out examples, seed {tc.seed}")
        self.heldout = self.task.examples(heldout_rng, tc.eval_size, self.arch)
        self.probe = self.heldout[0]
        self.step_count = 0
        self.elapsed = 0.0
        self.history = History()
        self.snapshots = SnapshotLog()
        self.last_eval: EvalEvent | None = None
        self.snapshots.add(self.snapshot())

    @property
    def total_steps(self) -> int:
        return self.experiment.train.steps

    @property
    def done(self) -> bool:
        return self.step_count >= self.total_steps

    def step(self) -> StepEvent:
        """One optimizer update on a fresh batch."""
        t0 = time.perf_counter()
        tc = self.experiment.train
        examples = self.task.examples(self.data_rng, tc.batch_size, self.arch)
        batch = self.task.batch(examples, self.arch).to(self.device)
        lr = tc.lr_at(self.step_count)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        logits = self.model(**batch.inputs)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=IGNORE)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise self._diverged("loss", loss_value)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = tc.grad_clip if tc.grad_clip > 0 else math.inf
        grad_norm = float(torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip))
        if not math.isfinite(grad_norm):
            raise self._diverged("gradient norm", grad_norm)
        self.optimizer.step()
        with torch.no_grad():
            scored = batch.labels != IGNORE
            right = (logits.argmax(-1) == batch.labels)[scored]
            accuracy = right.float().mean().item() if right.numel() else 0.0
        self.step_count += 1
        dt = time.perf_counter() - t0
        self.elapsed += dt
        event = StepEvent(
            step=self.step_count,
            loss=loss_value,
            accuracy=accuracy,
            lr=lr,
            grad_norm=grad_norm,
            examples_per_s=tc.batch_size / dt,
            elapsed=self.elapsed,
        )
        self.history.add_step(event)
        return event

    def _diverged(self, what: str, value: float) -> TrainingDiverged:
        lr = self.experiment.train.lr
        return TrainingDiverged(
            f"the {what} became {value} at step {self.step_count + 1}; training stopped with "
            f"the weights of step {self.step_count}. Lower the learning rate "
            f"(now {lr:g}, try {lr / 10:g}) or keep gradient clipping on."
        )

    def evaluate(self, examples=None) -> EvalEvent:
        """Held-out evaluation (or on `examples`); recorded in the history if held-out."""
        event = evaluate(
            self.model, self.task, examples or self.heldout, self.arch, self.step_count
        )
        if examples is None:
            self.history.add_eval(event)
            self.last_eval = event
        return event

    def snapshot(self) -> Snapshot:
        view = attention_for(self.model, self.task, self.probe, self.arch)
        return Snapshot(self.step_count, view.weights)

    def advance(self) -> list[Event]:
        """One update, plus the evaluation and snapshot that fall due after it."""
        tc = self.experiment.train
        events: list[Event] = [self.step()]
        if self.step_count % tc.snapshot_every == 0 or self.done:
            snap = self.snapshot()
            self.snapshots.add(snap)
            events.append(snap)
        if self.step_count % tc.eval_every == 0 or self.step_count == self.total_steps:
            events.append(self.evaluate())
        return events

    def run(self, steps: int | None = None) -> Iterator[Event]:
        """Advance until `steps` more updates are done (default: to the experiment's end)."""
        end = self.total_steps if steps is None else self.step_count + steps
        while self.step_count < end:
            yield from self.advance()
