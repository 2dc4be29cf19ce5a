"""The training worker: owns the trainer and runs it in short chunks inside a QThread.

Only this object touches the model. Requests arrive as queued signals (slots below run in
the worker thread); pausing is a thread-safe flag checked between steps, so it takes
effect within one step. Between chunks the worker returns to its event loop, so a
request (predict, save) is served within one chunk even while training. Every report
carries copies, never the trainer's own objects.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from explorer.core import readings
from explorer.core.results import (
    InputRefusal,
    RunCreated,
    RunInfo,
    Saved,
    SweepFinished,
    SweepProgress,
    SweepResult,
    TrainingStopped,
    WorkerError,
)
from tinyformer.inspect.predictions import inspect_examples
from tinyformer.training.experiment import Experiment
from tinyformer.training.runfile import load_run, save_run
from tinyformer.training.trainer import Trainer

CHUNK_S = 0.05  # train this long between returns to the event loop
N_EXAMPLES = 6  # held-out examples shown in the predictions view
SERIALS = itertools.count(1)


class TrainingWorker(QObject):
    run_created = Signal(object)  # RunCreated
    run_updated = Signal(object)  # RunInfo: the run's length changed
    events_ready = Signal(object)  # list of tinyformer events
    inspection_ready = Signal(object)  # Inspection
    live_attention = Signal(object)  # LiveAttention
    typed_ready = Signal(object)  # TypedResult
    inside_ready = Signal(object)  # InsideResult
    input_refused = Signal(object)  # InputRefusal
    training_started = Signal(object)  # RunInfo
    training_stopped = Signal(object)  # TrainingStopped
    saved = Signal(object)  # Saved
    errored = Signal(object)  # WorkerError
    warmed_up = Signal()  # torch is loaded and has trained a step: the thread works
    sweep_progress = Signal(object)  # SweepProgress
    sweep_result = Signal(object)  # SweepResult, one per finished run
    sweep_finished = Signal(object)  # SweepFinished

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        self.threads = threads
        self.trainer: Trainer | None = None
        self.serial = 0
        self.path: str | None = None
        self._pause = threading.Event()
        self._running = False
        self._step_target: int | None = None
        self.ablated: frozenset = frozenset()
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
        with self._reporting("Could not start torch"):
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
            self.warmed_up.emit()

    @Slot(object)
    def create_run(self, experiment: Experiment) -> None:
        with self._reporting("Could not start the run"):
            trainer = Trainer(experiment, device="cpu", threads=self.threads)
            self._replace(trainer, path=None)

    @Slot(object)
    def open_run(self, path: str) -> None:
        with self._reporting("Could not open the run"):
            trainer = load_run(path, device="cpu", threads=self.threads)
            self._replace(trainer, path=str(path))

    @Slot(object)
    def set_total_steps(self, steps: int) -> None:
        with self._reporting("Could not change the run's length"):
            t = self._need_trainer()
            t.experiment = t.experiment.replace(train={"steps": steps})
            self.run_updated.emit(self._info())

    @Slot()
    def train(self) -> None:
        self._start(target=None)

    @Slot(int)
    def step(self, n: int) -> None:
        with self._reporting("Could not step"):
            self._start(target=self._need_trainer().step_count + n)

    @Slot()
    def stop(self) -> None:
        """End the run where it is: the last step becomes the final one."""
        with self._reporting("Could not stop the run"):
            t = self._need_trainer()
            self._halt()
            if t.step_count > 0 and not t.done:
                t.experiment = t.experiment.replace(train={"steps": t.step_count})
                events = [t.evaluate()]
                train_eval = t.evaluate_training()
                if train_eval is not None:
                    events.append(train_eval)
                if not t.snapshots.steps() or t.snapshots.steps()[-1] != t.step_count:
                    snap = t.snapshot()
                    t.snapshots.add(snap)
                    events.append(snap)
                self.events_ready.emit(events)
                self._inspect()
            self.training_stopped.emit(TrainingStopped(self._info(), "stopped"))

    @Slot(object)
    def save(self, path: str) -> None:
        with self._reporting("Could not save the run"):
            written = save_run(self._need_trainer(), path)
            self.path = str(written)
            self.saved.emit(Saved(self._info(), str(written)))

    @Slot(object)
    def set_ablation(self, heads: frozenset) -> None:
        """Switch heads off (kind, layer, head) in every view of the model; training still
        uses them all."""
        with self._reporting("Could not switch the heads"):
            self.ablated = frozenset(heads)
            if self.trainer is not None and not self._running:
                self._inspect()

    @Slot()
    def snapshot(self) -> None:
        """The probe's attention now, for the live view."""
        with self._reporting("Could not read the attention"):
            t = self._need_trainer()
            self.live_attention.emit(readings.live_attention(t, self.serial))

    @Slot()
    def inspect(self) -> None:
        with self._reporting("Could not inspect the model"):
            self._inspect()

    @Slot(object)
    def predict_text(self, text: str) -> None:
        with self._reporting("Could not answer that input"):
            try:
                result = readings.typed_result(self._need_trainer(), text, self.ablated)
            except readings.InputRefused as e:
                self.input_refused.emit(InputRefusal("predictions", text, str(e)))
                return
            self.typed_ready.emit(result)

    @Slot(object)
    def look_inside(self, request: tuple[str, object]) -> None:
        """Every tensor of one forward pass: ("held-out", index) or ("typed", text)."""
        with self._reporting("Could not look inside the model"):
            t = self._need_trainer()
            try:
                result = readings.inside(t, request, self.ablated, self.serial)
            except readings.InputRefused as e:
                self.input_refused.emit(InputRefusal("inside", str(request[1]), str(e)))
                return
            self.inside_ready.emit(result)

    # sweeps ----------------------------------------------------------------------------

    @Slot(object)
    def run_sweep(self, jobs: list) -> None:
        """Train each (name, experiment) in turn, one at a time; the current run waits."""
        with self._reporting("Could not start the sweep"):
            self._halt()
            self._cancel_sweep.clear()
            self._sweep, self._sweep_index = list(jobs), 0
            self._sweep_trainer = None
            QTimer.singleShot(0, self._sweep_chunk)

    def _sweep_chunk(self) -> None:
        if self._cancel_sweep.is_set():
            self._sweep_trainer = None  # the unfinished run is dropped, never reported
            self._sweep_done(cancelled=True)
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
            self._report("The sweep stopped", e)
            self._sweep_done(cancelled=True)
            return
        self.sweep_progress.emit(
            SweepProgress(self._sweep_index, len(self._sweep), name, t.step_count, t.total_steps)
        )
        if t.done:
            result = SweepResult(name, t.experiment, t.history.copy(), t.last_eval, t.step_count)
            self.sweep_result.emit(result)
            self._sweep_index += 1
            self._sweep_trainer = None
            if self._sweep_index == len(self._sweep):
                self._sweep_done(cancelled=False)
                return
        QTimer.singleShot(0, self._sweep_chunk)

    def _sweep_done(self, cancelled: bool) -> None:
        run = None if self.trainer is None else self._info()
        self.sweep_finished.emit(SweepFinished(cancelled, run))

    # the training loop ---------------------------------------------------------------

    def _start(self, target: int | None) -> None:
        with self._reporting("Could not train"):
            t = self._need_trainer()
            if self._running:  # a pause asked for and a train asked again: go on
                self._pause.clear()
                self._step_target = target
                return
            if t.done:
                self.training_stopped.emit(TrainingStopped(self._info(), "finished"))
                return
            self._pause.clear()
            self._running = True
            self._step_target = target
            self.training_started.emit(self._info())
            QTimer.singleShot(0, self._chunk)

    def _chunk(self) -> None:
        t = self.trainer
        if not self._running or t is None:
            return
        events: list = []
        try:
            deadline = time.perf_counter() + CHUNK_S
            while not self._should_stop(t) and time.perf_counter() < deadline:
                events.extend(t.advance())
        except Exception as e:  # a diverged loss, or a bug: report, keep the app alive
            self._running = False
            if events:
                self.events_ready.emit(events)
            self._report("Training stopped", e)
            self.training_stopped.emit(TrainingStopped(self._info(), "failed"))
            return
        if events:
            self.events_ready.emit(events)
        if self._should_stop(t):
            self._running = False
            self._inspect()
            reason = "finished" if t.done else "paused"
            self.training_stopped.emit(TrainingStopped(self._info(), reason))
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

    def _info(self) -> RunInfo:
        t = self._need_trainer()
        return RunInfo(self.serial, t.experiment, t.step_count, self.path)

    def _replace(self, trainer: Trainer, path: str | None) -> None:
        """Make `trainer` the run (only once it exists: a failure leaves the old one)."""
        self._halt()
        self.trainer, self.serial, self.path = trainer, next(SERIALS), path
        self.ablated = frozenset()
        fresh = not trainer.task.has_split
        self.run_created.emit(
            RunCreated(
                info=self._info(),
                history=trainer.history.copy(),
                snapshots=trainer.snapshots.copy(),
                opened=path is not None,
                held_out=len(trainer.heldout),
                split=trainer.heldout_split,
                fresh=fresh,
                distinct=len({e.source for e in trainer.heldout}),
            )
        )
        self._inspect()

    def _inspect(self) -> None:
        if self.trainer is not None:
            look = readings.inspection(self.trainer, self.ablated, self.serial, not self._running)
            self.inspection_ready.emit(look)

    @contextmanager
    def _reporting(self, title: str) -> Iterator[None]:
        """Any exception inside a slot becomes an `errored` signal: the thread lives on."""
        try:
            yield
        except Exception as e:
            self._report(title, e)

    def _report(self, title: str, e: BaseException) -> None:
        self.errored.emit(WorkerError(title, str(e) or type(e).__name__, traceback.format_exc()))
