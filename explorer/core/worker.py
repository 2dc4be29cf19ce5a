"""The training worker: owns the trainer and runs it in short chunks inside a QThread.

Only this object touches the model. Requests arrive as queued signals (slots below run in
the worker thread); pausing is a thread-safe flag checked between steps, so it takes
effect within one step. Between chunks the worker returns to its event loop, so a
request (predict, save) is served within one chunk even while training.
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from explorer.core.results import (
    Inspection,
    RunCreated,
    SweepProgress,
    SweepResult,
    TypedResult,
    WorkerError,
)
from tinyformer.inspect.evaluation import (
    attention_for,
    evaluate,
    inspect_examples,
    predict,
)
from tinyformer.model.shapes import make_head_mask
from tinyformer.tasks.batching import Example
from tinyformer.tasks.vocab import EOS
from tinyformer.training.events import Snapshot
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.runfile import load_run, save_run
from tinyformer.training.snapshots import SnapshotLog
from tinyformer.training.trainer import Trainer

CHUNK_S = 0.05  # train this long between returns to the event loop
N_EXAMPLES = 6  # held-out examples shown in the predictions view


class TrainingWorker(QObject):
    run_created = Signal(object)  # RunCreated
    events_ready = Signal(object)  # list of tinyformer events
    inspection_ready = Signal(object)  # Inspection
    typed_ready = Signal(object)  # TypedResult
    training_started = Signal()
    training_stopped = Signal(bool)  # True when the run reached its last step
    saved = Signal(object)  # path
    errored = Signal(object)  # WorkerError
    sweep_progress = Signal(object)  # SweepProgress
    sweep_result = Signal(object)  # SweepResult, one per finished run
    sweep_finished = Signal(bool)  # True when cancelled

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        self.threads = threads
        self.trainer: Trainer | None = None
        self._pause = threading.Event()
        self._running = False
        self._step_target: int | None = None
        self.ablated: frozenset = frozenset()
        self.temperature = 1.0
        self._cancel_sweep = threading.Event()
        self._sweep: list[tuple[str, Experiment]] = []
        self._sweep_index = 0
        self._sweep_trainer: Trainer | None = None

    # called from the GUI thread: only sets a flag -----------------------------------

    def request_pause(self) -> None:
        self._pause.set()

    def request_cancel_sweep(self) -> None:
        self._cancel_sweep.set()

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
            del trainer
            gc.collect()
            gc.freeze()  # what torch loaded to get here lives as long as the app

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

    @Slot(object)
    def set_ablation(self, heads: frozenset) -> None:
        """Switch heads off (kind, layer, head) in every view of the model; training still
        uses them all."""
        with self._reporting():
            self.ablated = frozenset(heads)
            if self.trainer is not None and not self._running:
                self._inspect()

    @Slot(float)
    def set_temperature(self, temperature: float) -> None:
        with self._reporting():
            self.temperature = float(temperature)
            if self.trainer is not None and not self._running:
                self._inspect()

    def _head_mask(self, t: Trainer):
        return make_head_mask(t.experiment.model, self.ablated)

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
            mask = self._head_mask(t)
            pred = predict(t.model, t.task, source, t.arch, mask, self.temperature)
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
                    attention=attention_for(t.model, t.task, example, t.arch, mask),
                )
            )

    @Slot(object)
    def run_sweep(self, jobs: list) -> None:
        """Train each (name, experiment) in turn, one at a time; the current run waits."""
        with self._reporting():
            self._halt()
            self._cancel_sweep.clear()
            self._sweep, self._sweep_index = list(jobs), 0
            self._sweep_trainer = None
            QTimer.singleShot(0, self._sweep_chunk)

    def _sweep_chunk(self) -> None:
        if self._cancel_sweep.is_set():
            self._sweep_trainer = None  # the unfinished run is dropped, never reported
            self.sweep_finished.emit(True)
            return
        try:
            name, experiment = self._sweep[self._sweep_index]
            if self._sweep_trainer is None:
                self._sweep_trainer = Trainer(experiment, device="cpu", threads=self.threads)
            t = self._sweep_trainer
            deadline = time.perf_counter() + CHUNK_S
            while not t.done and not self._cancel_sweep.is_set():
                t.advance()
                if time.perf_counter() > deadline:
                    break
        except Exception as e:
            self._sweep_trainer = None
            self._report(e)
            self.sweep_finished.emit(True)
            return
        self.sweep_progress.emit(
            SweepProgress(self._sweep_index, len(self._sweep), name, t.step_count, t.total_steps)
        )
        if t.done:
            history = History.from_state(t.history.state())
            self.sweep_result.emit(
                SweepResult(name, t.experiment, history, t.last_eval, t.step_count)
            )
            self._sweep_index += 1
            self._sweep_trainer = None
            if self._sweep_index == len(self._sweep):
                self.sweep_finished.emit(False)
                return
        QTimer.singleShot(0, self._sweep_chunk)

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
        mask = self._head_mask(t)
        examples = inspect_examples(
            t.model, t.task, t.heldout[:N_EXAMPLES], t.arch, mask, self.temperature
        )
        view = attention_for(t.model, t.task, t.probe, t.arch, mask)
        snaps = t.snapshots.steps()
        if mask is None and (not snaps or snaps[-1] != t.step_count):  # keep the time-lapse
            t.snapshots.add(Snapshot(t.step_count, view.weights))
            self.events_ready.emit([Snapshot(t.step_count, view.weights)])
        ablated_eval = None
        if mask is not None:
            ablated_eval = evaluate(t.model, t.task, t.heldout, t.arch, t.step_count, 3, mask)
        self.inspection_ready.emit(
            Inspection(t.step_count, examples, view, self.ablated, ablated_eval, self.temperature)
        )

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
