"""The training worker: owns the trainer and runs it in short chunks inside a QThread.

Only this object touches the model. Requests arrive as queued signals (slots below run in
the worker thread); pausing is a thread-safe flag checked between steps, so it takes
effect within one step. Between chunks the worker returns to its event loop, so a
request (predict, save) is served within one chunk even while training.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from tinyformer.batching import Example
from tinyformer.evaluation import (
    AttentionView,
    ExampleResult,
    Prediction,
    attention_for,
    inspect_examples,
    predict,
)
from tinyformer.events import Snapshot
from tinyformer.experiment import Experiment
from tinyformer.history import History
from tinyformer.runfile import load_run, save_run
from tinyformer.snapshots import SnapshotLog
from tinyformer.trainer import Trainer
from tinyformer.vocab import EOS

CHUNK_S = 0.05  # train this long between returns to the event loop
N_EXAMPLES = 6  # held-out examples shown in the predictions view


@dataclass(frozen=True)
class Inspection:
    """Predictions on a few held-out examples and the probe's attention, at one step."""

    step: int
    examples: list[ExampleResult]
    attention: AttentionView


@dataclass(frozen=True)
class TypedResult:
    """The greedy answer to the user's own input, and the attention behind it."""

    text: str
    prediction: Prediction
    output: list[str]
    expected: list[str] | None
    attention: AttentionView


@dataclass(frozen=True)
class RunCreated:
    """A new or opened run, copied for the GUI thread."""

    experiment: Experiment
    step: int
    history: History
    snapshots: SnapshotLog
    finished: bool
    path: str | None = None


@dataclass(frozen=True)
class WorkerError:
    message: str
    details: str


class TrainingWorker(QObject):
    run_created = Signal(object)  # RunCreated
    events_ready = Signal(object)  # list of tinyformer events
    inspection_ready = Signal(object)  # Inspection
    typed_ready = Signal(object)  # TypedResult
    training_started = Signal()
    training_stopped = Signal(bool)  # True when the run reached its last step
    saved = Signal(object)  # path
    errored = Signal(object)  # WorkerError

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        self.threads = threads
        self.trainer: Trainer | None = None
        self._pause = threading.Event()
        self._running = False
        self._step_target: int | None = None

    # called from the GUI thread: only sets a flag -----------------------------------

    def request_pause(self) -> None:
        self._pause.set()

    # slots: run in the worker thread -------------------------------------------------

    @Slot()
    def warm_up(self) -> None:
        """Pay torch's one-time start-up cost (about a second) before the user presses
        Train: a throwaway trainer takes one step."""
        with self._reporting():
            tiny = Experiment.create(
                {"arch": "encoder-decoder", "d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 8},
                {"name": "copy", "seq_len": 3, "vocab": 3},
                {"steps": 1, "batch_size": 2, "eval_size": 2},
            )
            trainer = Trainer(tiny, device="cpu", threads=self.threads)
            trainer.step()
            inspect_examples(trainer.model, trainer.task, trainer.heldout[:1], trainer.arch)

    @Slot(object)
    def create_run(self, experiment: Experiment) -> None:
        with self._reporting():
            self._halt()
            self.trainer = Trainer(experiment, device="cpu", threads=self.threads)
            self._announce(path=None)

    @Slot(object)
    def open_run(self, path: str) -> None:
        with self._reporting():
            trainer = load_run(path, device="cpu", threads=self.threads)
            self._halt()
            self.trainer = trainer
            self._announce(path=str(path))

    @Slot(object)
    def set_total_steps(self, steps: int) -> None:
        with self._reporting():
            t = self._need_trainer()
            t.experiment = t.experiment.replace(train={"steps": steps})

    @Slot()
    def train(self) -> None:
        self._start(target=None)

    @Slot(int)
    def step(self, n: int) -> None:
        self._start(target=self._need_trainer().step_count + n)

    @Slot()
    def stop(self) -> None:
        """End the run where it is: the last step becomes the final one."""
        with self._reporting():
            t = self._need_trainer()
            self._halt()
            if t.step_count > 0:
                t.experiment = t.experiment.replace(train={"steps": t.step_count})
                events = [t.evaluate()]
                if not t.snapshots.steps() or t.snapshots.steps()[-1] != t.step_count:
                    snap = t.snapshot()
                    t.snapshots.add(snap)
                    events.append(snap)
                self.events_ready.emit(events)
                self._inspect()
            self.training_stopped.emit(t.done)

    @Slot(object)
    def save(self, path: str) -> None:
        with self._reporting():
            self.saved.emit(str(save_run(self._need_trainer(), path)))

    @Slot()
    def snapshot(self) -> None:
        """The probe's attention now (asked for while the attention view is live)."""
        with self._reporting():
            t = self._need_trainer()
            steps = t.snapshots.steps()
            if not steps or steps[-1] != t.step_count:
                snap = t.snapshot()
                t.snapshots.add(snap)
                self.events_ready.emit([snap])

    @Slot()
    def inspect(self) -> None:
        with self._reporting():
            self._inspect()

    @Slot(object)
    def predict_text(self, text: str) -> None:
        with self._reporting():
            t = self._need_trainer()
            source = tuple(t.task.parse_input(text))
            if t.arch == "decoder-only" and len(source) >= t.experiment.model.max_len:
                raise ValueError(f"input too long: at most {t.experiment.model.max_len - 1} tokens")
            pred = predict(t.model, t.task, source, t.arch)
            answer = [o for o in pred.output if o != EOS] if t.task.eos else pred.output
            expected = t.task.example_for(source, t.arch)
            # Attention behind the answer: the input, with the model's own output as target.
            example = Example(source, tuple(pred.output if t.arch == "encoder-only" else answer))
            self.typed_ready.emit(
                TypedResult(
                    text=text,
                    prediction=pred,
                    output=t.task.vocab.decode(t.task.fill(source, answer)),
                    expected=None
                    if expected is None
                    else t.task.vocab.decode(t.task.fill(source, expected.target)),
                    attention=attention_for(t.model, t.task, example, t.arch),
                )
            )

    # the training loop ---------------------------------------------------------------

    def _start(self, target: int | None) -> None:
        with self._reporting():
            t = self._need_trainer()
            if self._running:
                return
            if t.done:
                self.training_stopped.emit(True)
                return
            self._pause.clear()
            self._running = True
            self._step_target = target
            self.training_started.emit()
            QTimer.singleShot(0, self._chunk)

    def _chunk(self) -> None:
        t = self.trainer
        if not self._running or t is None:
            return
        events: list[Any] = []
        try:
            deadline = time.perf_counter() + CHUNK_S
            while not self._should_stop(t) and time.perf_counter() < deadline:
                events.extend(t.advance())
        except Exception as e:  # a diverged loss, or a bug: report, keep the app alive
            self._running = False
            if events:
                self.events_ready.emit(events)
            self._report(e)
            self.training_stopped.emit(False)
            return
        if events:
            self.events_ready.emit(events)
        if self._should_stop(t):
            self._running = False
            self._inspect()
            self.training_stopped.emit(t.done)
            return
        QTimer.singleShot(0, self._chunk)

    def _should_stop(self, t: Trainer) -> bool:
        reached = self._step_target is not None and t.step_count >= self._step_target
        return self._pause.is_set() or t.done or reached

    def _halt(self) -> None:
        self._running = False
        self._pause.set()

    # helpers ---------------------------------------------------------------------------

    def _need_trainer(self) -> Trainer:
        if self.trainer is None:
            raise RuntimeError("no run yet: press Train or Step first")
        return self.trainer

    def _announce(self, path: str | None) -> None:
        t = self._need_trainer()
        self.run_created.emit(
            RunCreated(
                experiment=t.experiment,
                step=t.step_count,
                history=History.from_state(t.history.state()),
                snapshots=SnapshotLog.from_state(t.snapshots.state()),
                finished=t.done,
                path=path,
            )
        )
        self._inspect()

    def _inspect(self) -> None:
        t = self.trainer
        if t is None:
            return
        examples = inspect_examples(t.model, t.task, t.heldout[:N_EXAMPLES], t.arch)
        view = attention_for(t.model, t.task, t.probe, t.arch)
        snaps = t.snapshots.steps()
        if not snaps or snaps[-1] != t.step_count:  # keep the time-lapse up to date
            t.snapshots.add(Snapshot(t.step_count, view.weights))
            self.events_ready.emit([Snapshot(t.step_count, view.weights)])
        self.inspection_ready.emit(Inspection(t.step_count, examples, view))

    def _reporting(self):
        return _Reporter(self)

    def _report(self, e: BaseException) -> None:
        self.errored.emit(WorkerError(str(e) or type(e).__name__, traceback.format_exc()))


class _Reporter:
    """Turns any exception inside a slot into an `errored` signal: the thread lives on."""

    def __init__(self, worker: TrainingWorker) -> None:
        self.worker = worker

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is not None and isinstance(exc, Exception):
            self.worker._report(exc)
            return True
        return False
