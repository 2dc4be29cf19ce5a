"""The trainer: advances an experiment one update at a time and reports plain events.

It knows nothing of any GUI. A caller drives it (`advance()` in a loop, or `run()`), and
reads back StepEvent / EvalEvent / Snapshot values made of floats and numpy arrays.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F

from tinyformer.inspect.attention_view import attention_for
from tinyformer.inspect.embeddings import embeddings_of
from tinyformer.inspect.evaluation import evaluate
from tinyformer.inspect.fourier import FourierMeasures, fourier_measures
from tinyformer.model.shapes import build_model
from tinyformer.tasks import make_task
from tinyformer.tasks.batching import IGNORE, Example
from tinyformer.training.events import EvalEvent, Event, Snapshot, StepEvent
from tinyformer.training.experiment import Experiment, TrainConfig
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


def make_optimizer(model: torch.nn.Module, tc: TrainConfig) -> torch.optim.Optimizer:
    cls = torch.optim.AdamW if tc.optimizer == "adamw" else torch.optim.Adam
    kwargs = {"lr": tc.lr, "weight_decay": tc.weight_decay, "betas": (tc.beta1, tc.beta2)}
    try:  # the fused kernel is the quickest on CPU too (torch >= 2.4)
        return cls(model.parameters(), **kwargs, fused=True)
    except (RuntimeError, TypeError):
        return cls(model.parameters(), **kwargs)


class Trainer:
    """Trains `experiment` from a fresh, seeded start.

    The same experiment (seed included) gives the same loss curve on the same machine and
    thread count. The run keeps its own torch random state (dropout, initial weights): the
    global one is never touched, so two runs in one process cannot disturb each other.

    Held-out examples: the task's held-out split if it has one (never trained on), else
    eval_size inputs drawn once from their own seeded stream. The first is the probe whose
    attention (and the embeddings) are snapshotted.
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
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(tc.seed)
            self.model = build_model(experiment.model).to(self.device)
            self.torch_rng = torch.get_rng_state()
        self.optimizer = make_optimizer(self.model, tc)
        self.data_rng = random.Random(tc.seed)
        self.heldout, self.heldout_split = self._held_out(tc)
        train = self.task.training_examples(self.arch)
        # With a split, training accuracy is measured on (at most eval_size) training
        # examples, so the gap to held-out accuracy shows overfitting. With nothing held
        # out, the evaluation already is on those examples: once is enough.
        on_training = train is None or self.heldout_split == "training"
        self.train_probe: list[Example] | None = None if on_training else train[: tc.eval_size]
        self.probe = self.heldout[0]
        self.step_count = 0
        self.elapsed = 0.0
        self.history = History()
        self.snapshots = SnapshotLog()
        self.last_eval: EvalEvent | None = None
        self.last_train_eval: EvalEvent | None = None
        # Asked between an evaluation's passes: yes gives it up (EvaluationStopped), so a
        # long evaluation never outlasts a Ctrl-C. Nothing is recorded for it.
        self.should_stop: Callable[[], bool] | None = None
        self.snapshots.add(self.snapshot())

    def _held_out(self, tc: TrainConfig) -> tuple[list[Example], str]:
        held = self.task.held_out_examples(self.arch)
        if held:
            return held[: tc.eval_size], "held-out"
        if held is not None:  # a split with nothing held out: say so, use the training lines
            return self.task.training_examples(self.arch)[: tc.eval_size], "training"
        rng = random.Random(f"held-out examples, seed {tc.seed}")
        return self.task.examples(rng, tc.eval_size, self.arch), "held-out"

    @property
    def total_steps(self) -> int:
        return self.experiment.train.steps

    @property
    def done(self) -> bool:
        return self.step_count >= self.total_steps

    def step(self) -> StepEvent:
        """One optimizer update on a fresh batch. All or nothing: if it fails (or the loss
        diverges) the weights, the optimizer and both random states are as before."""
        t0 = time.perf_counter()
        tc = self.experiment.train
        data_state = self.data_rng.getstate()
        examples = self.task.examples(self.data_rng, tc.batch_size, self.arch)
        batch = self.task.batch(examples, self.arch).to(self.device)
        lr = tc.lr_at(self.step_count)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        try:
            with torch.random.fork_rng(devices=[]):
                torch.set_rng_state(self.torch_rng)
                logits = self.model(**batch.inputs)
                flat = logits.flatten(0, 1)
                loss = F.cross_entropy(flat, batch.labels.flatten(), ignore_index=IGNORE)
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    raise self._diverged("loss", loss_value)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                clip = tc.grad_clip if tc.grad_clip > 0 else math.inf
                params = self.model.parameters()
                grad_norm = float(torch.nn.utils.clip_grad_norm_(params, clip))
                if not math.isfinite(grad_norm):
                    raise self._diverged("gradient norm", grad_norm)
                rng_after = torch.get_rng_state()
        except BaseException:
            self.data_rng.setstate(data_state)  # the same batch comes again next time
            raise
        self.optimizer.step()
        self.torch_rng = rng_after
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
            examples_per_s=len(examples) / dt,
            elapsed=self.elapsed,
        )
        self.history.add_step(event)
        return event

    def _diverged(self, what: str, value: float) -> TrainingDiverged:
        largest = max(float(p.detach().abs().max()) for p in self.model.parameters())
        if not math.isfinite(largest) or largest > 1e6:
            advice = f"The weights themselves are broken (largest {largest:.3g}): reset the run."
        else:
            lr = self.experiment.train.lr
            advice = (
                f"Lower the learning rate (now {lr:g}, try {lr / 10:g}) or keep gradient "
                "clipping on."
            )
        return TrainingDiverged(
            f"the {what} became {value} at step {self.step_count + 1}; training stopped with "
            f"the weights of step {self.step_count}. {advice}"
        )

    def evaluate(self, examples: list[Example] | None = None, split: str = "") -> EvalEvent:
        """Held-out evaluation (or on `examples`); recorded in the history if held-out,
        with the Fourier measures of a modular run."""
        if examples is not None:
            return evaluate(self.model, self.task, examples, self.arch, self.step_count,
                            split=split or "fresh", should_stop=self.should_stop)  # fmt: skip
        event = evaluate(
            self.model,
            self.task,
            self.heldout,
            self.arch,
            self.step_count,
            split=self.heldout_split,
            should_stop=self.should_stop,
        )
        self.history.add_eval(event)
        self.last_eval = event
        self.measure_fourier()
        return event

    def measure_fourier(self) -> FourierMeasures | None:
        """The Fourier measures now (modular runs only, else None), recorded."""
        measures = fourier_measures(self.model, self.task, self.arch)
        if measures is not None:
            self.history.add_fourier(self.step_count, measures)
        return measures

    def evaluate_training(self) -> EvalEvent | None:
        """Exact match on training examples (tasks with a split only), recorded."""
        if not self.train_probe:
            return None
        event = evaluate(self.model, self.task, self.train_probe, self.arch, self.step_count,
                         split="training", should_stop=self.should_stop)  # fmt: skip
        self.history.add_train_eval(event)
        self.last_train_eval = event
        return event

    def snapshot(self) -> Snapshot:
        """The probe's attention and the embeddings, now."""
        view = attention_for(self.model, self.task, self.probe, self.arch)
        positions = self.task.longest_input(self.arch)
        return Snapshot(self.step_count, view.weights, embeddings_of(self.model, positions))

    def advance(self) -> list[Event]:
        """One update, plus the evaluations and snapshot that fall due after it."""
        tc = self.experiment.train
        events: list[Event] = [self.step()]
        if tc.snapshot_due(self.step_count) or self.done:
            snap = self.snapshot()
            self.snapshots.add(snap)
            events.append(snap)
        if self.step_count % tc.eval_every == 0 or self.step_count == self.total_steps:
            events.append(self.evaluate())
            train_eval = self.evaluate_training()
            if train_eval is not None:
                events.append(train_eval)
        return events

    def run(self, steps: int | None = None) -> Iterator[Event]:
        """Advance until `steps` more updates are done (default: to the experiment's end)."""
        end = self.total_steps if steps is None else self.step_count + steps
        while self.step_count < end:
            yield from self.advance()
