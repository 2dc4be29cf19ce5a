"""An experiment: a model, a task and how to train, checked against each other."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass
from typing import Any

from tinyformer.model import limits
from tinyformer.model.config import ModelConfig, settings_from_dict
from tinyformer.tasks import TaskConfig, make_task

OPTIMIZERS = ("adamw", "adam")
DECAYS = ("none", "linear", "cosine")


def _number(name: str, value: object, lo: float, hi: float, integer: bool = False) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not lo <= value <= hi:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {what} from {lo:g} to {hi:g}, got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimiser, schedule, batch, seed, and how often to look.

    lr: peak learning rate, reached after `warmup` steps (linear), then held ("none") or
        brought down to zero at the last step ("linear", "cosine").
    weight_decay, beta1, beta2: the optimizer's (AdamW decays weights apart from the
        gradient; weight decay is what makes a memorizing model grok).
    grad_clip: clip the gradient norm to this (0 = no clipping).
    eval_every / eval_size: evaluate every eval_every steps on the held-out examples: the
        task's held-out split (at most eval_size of it), or eval_size fresh inputs.
    snapshot_every: the longest gap between two snapshots of the probe's attention and the
        embeddings; early steps are snapshotted more often (see `snapshot_due`).
    """

    lr: float = 1e-3
    batch_size: int = 64
    steps: int = 300
    warmup: int = 0
    decay: str = "none"
    seed: int = 0
    optimizer: str = "adamw"
    weight_decay: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    grad_clip: float = 1.0
    eval_every: int = 100
    eval_size: int = 256
    snapshot_every: int = 25

    def __post_init__(self) -> None:
        _number("lr", self.lr, 1e-8, 10.0)
        _number("batch_size", self.batch_size, 1, limits.MAX_BATCH, integer=True)
        _number("steps", self.steps, 1, limits.MAX_STEPS, integer=True)
        _number("warmup", self.warmup, 0, limits.MAX_STEPS, integer=True)
        _number("seed", self.seed, 0, 2**31 - 1, integer=True)
        _number("weight_decay", self.weight_decay, 0.0, 10.0)
        _number("beta1", self.beta1, 0.0, 0.9999)
        _number("beta2", self.beta2, 0.0, 0.9999)
        _number("grad_clip", self.grad_clip, 0.0, 1e6)
        _number("eval_every", self.eval_every, 1, limits.MAX_STEPS, integer=True)
        _number("eval_size", self.eval_size, 1, limits.MAX_EVAL_EXAMPLES, integer=True)
        _number("snapshot_every", self.snapshot_every, 1, limits.MAX_STEPS, integer=True)
        if self.decay not in DECAYS:
            raise ValueError(f"decay must be one of {', '.join(DECAYS)}; got {self.decay!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}"
            )

    def snapshot_due(self, step: int) -> bool:
        """Snapshot every step at first, then at gaps of about 10% of the step count, never
        more than snapshot_every apart: early learning, where most changes, gets frames."""
        return step % max(1, min(self.snapshot_every, step // 10)) == 0

    def lr_at(self, step: int) -> float:
        """Learning rate for the update that follows `step` completed updates: a pure
        function of the step, so a reopened run needs no scheduler state."""
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        if self.decay == "none" or self.steps <= self.warmup:
            return self.lr
        progress = min(1.0, (step - self.warmup) / (self.steps - self.warmup))
        if self.decay == "linear":
            return self.lr * (1.0 - progress)
        return self.lr * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class Experiment:
    """Everything that defines a run. Build with `Experiment.create`, which sizes the model's
    vocabulary (and max_len, if too short) to the task; the constructor only checks."""

    model: ModelConfig
    task: TaskConfig
    train: TrainConfig

    def __post_init__(self) -> None:
        task = make_task(self.task)
        task.check_arch(self.model.arch)
        if self.model.vocab_size != task.vocab.size:
            raise ValueError(
                f"vocab_size ({self.model.vocab_size}) must equal the task's vocabulary "
                f"({task.vocab.size}: 5 special tokens + {len(task.vocab.symbols)} symbols)"
            )
        longest = task.longest_input(self.model.arch)
        if self.model.positional != "none" and self.model.max_len < longest:
            raise ValueError(
                f"max_len ({self.model.max_len}) is shorter than the task's longest input "
                f"({longest} tokens)"
            )

    @classmethod
    def create(
        cls, model: ModelConfig | dict, task: TaskConfig | dict, train: TrainConfig | dict
    ) -> Experiment:
        model = model if isinstance(model, ModelConfig) else _model_settings(model)
        task = task if isinstance(task, TaskConfig) else TaskConfig.from_dict(task)
        train = (
            train
            if isinstance(train, TrainConfig)
            else settings_from_dict(TrainConfig, train, "train")
        )
        t = make_task(task)
        t.check_arch(model.arch)
        model = dataclasses.replace(
            model,
            vocab_size=t.vocab.size,
            max_len=max(model.max_len, t.longest_input(model.arch)),
        )
        return cls(model, task, train)

    def replace(
        self,
        model: dict[str, Any] | None = None,
        task: dict[str, Any] | None = None,
        train: dict[str, Any] | None = None,
    ) -> Experiment:
        """A new experiment with some settings changed, the model resized to the task."""
        return Experiment.create(
            dataclasses.replace(self.model, **(model or {})),
            dataclasses.replace(self.task, **(task or {})),
            dataclasses.replace(self.train, **(train or {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"model": asdict(self.model), "task": asdict(self.task), "train": asdict(self.train)}

    @classmethod
    def from_dict(cls, data: Any) -> Experiment:
        if not isinstance(data, dict) or set(data) != {"model", "task", "train"}:
            raise ValueError("an experiment has exactly three parts: model, task, train")
        return cls.create(data["model"], data["task"], data["train"])


def _model_settings(data: Any) -> ModelConfig:
    # vocab_size comes from the task; a preset need not give it.
    data = dict(data) if isinstance(data, dict) else data
    if isinstance(data, dict):
        data.setdefault("vocab_size", 16)
    return ModelConfig.from_dict(data)
