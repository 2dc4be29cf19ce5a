"""The training worker: owns the trainer and runs it in short chunks inside a QThread.

Only this object touches the model. Requests arrive in order on one queued slot
(`handle`); between chunks the worker returns to its event loop, so a request is served
within one chunk even while training. A request that halts (Pause, Stop, a new run) has
already raised `halt_ticket` from the GUI thread, which the training loop checks between
steps. Every report is a frozen value with copies, never the trainer's own objects, sent
down one signal (`reported`) in the order made.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from explorer.core import causes_reading, readings
from explorer.core import requests as rq
from explorer.core.examples import load_examples
from explorer.core.results import (
    SAVE_FAILED,
    Changed,
    InputRefusal,
    Refused,
    Saved,
    Stopped,
    SweepFinished,
    SweepProgress,
    SweepResult,
    TablesBuilt,
    Trained,
    WarmedUp,
    WorkerError,
)
from tinyformer.inspect.predictions import inspect_examples
from tinyformer.tasks import make_task
from tinyformer.tasks.tables import batch_tables
from tinyformer.training.events import StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.runfile import load_run, save_run
from tinyformer.training.trainer import Trainer

CHUNK_S = 0.05  # train this long between returns to the event loop
TITLES = {
    rq.NewRun: "Could not start the run",
    rq.OpenRun: "Could not open the run",
    rq.Train: "Could not train",
    rq.Stop: "Could not stop the run",
    rq.SetLength: "Could not change the run's length",
    rq.Save: SAVE_FAILED,
    rq.SetAblation: "Could not switch the heads",
    rq.Read: "Could not read the model",
    rq.BuildTables: "Could not show the batch",
    rq.Sweep: "Could not start the sweep",
}


class TrainingWorker(QObject):
    reported = Signal(object)  # a report (explorer.core.results), in the order made

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        self.threads = threads
        self.trainer: Trainer | None = None
        self.serial = 0
        self.path: str | None = None
        self.ablated: frozenset[str] = frozenset()
        # Raised from the GUI thread (plain assignments, atomic under the GIL): training for
        # a request older than halt_ticket stops before its next step.
        self.halt_ticket = 0
        self.cancel_sweep = threading.Event()  # set and cleared by the session, in order
        self.cancel_examples = threading.Event()
        self._serving: rq.Train | None = None  # the train request being served
        self._target: int | None = None  # the step it stops at (Step ×N), if any
        self._generation = 0  # tells a chunk scheduled for an earlier session apart
        self._mark = None  # what the GUI's history mirror has
        self._snapshots_sent = (0, 0)  # (offered, stride) of the snapshots last sent
        self._sweep: list[tuple[str, Experiment]] = []
        self._sweep_index = 0
        self._sweep_trainer: Trainer | None = None
        self._handlers = {
            rq.NewRun: self._new_run,
            rq.OpenRun: self._open_run,
            rq.Train: self._train,
            rq.Pause: self._pause,
            rq.Stop: self._stop,
            rq.Discard: self._discard,
            rq.SetLength: self._set_length,
            rq.Save: self._save,
            rq.SetAblation: self._set_ablation,
            rq.Read: self._read,
            rq.BuildTables: self._build_tables,
            rq.ReadExamples: self._read_examples,
            rq.CancelExamples: lambda _r: None,  # the flag did it
            rq.Sweep: self._start_sweep,
            rq.CancelSweep: lambda _r: None,
        }

    # the one way in -----------------------------------------------------------------

    @Slot(object)
    def handle(self, request: rq.Request) -> None:
        with self._reporting(TITLES.get(type(request), "The worker failed")):
            self._handlers[type(request)](request)

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
            del trainer  # collected and frozen in the GUI thread (collector.py says why)
            self.reported.emit(WarmedUp())

    # runs -----------------------------------------------------------------------------

    def _new_run(self, r: rq.NewRun) -> None:
        self._halt_training()
        try:
            trainer = Trainer(r.experiment, device="cpu", threads=self.threads)
        except Exception as e:
            self.reported.emit(Refused(r.serial, self._error(TITLES[rq.NewRun], e)))
            return
        self._replace(trainer, r.serial, path=None)

    def _open_run(self, r: rq.OpenRun) -> None:
        self._halt_training()
        notes: list[str] = []
        try:
            trainer = load_run(r.path, device="cpu", threads=self.threads, on_note=notes.append)
        except Exception as e:
            self.reported.emit(Refused(r.serial, self._error(TITLES[rq.OpenRun], e)))
            return
        self._replace(trainer, r.serial, path=r.path, note=" ".join(notes))

    def _replace(self, trainer: Trainer, serial: int, path: str | None, note: str = "") -> None:
        """Make `trainer` the run (only once it exists: a failure leaves the old one)."""
        self.trainer, self.serial, self.path = trainer, serial, path
        self.ablated = frozenset()
        self._mark = trainer.history.mark()
        log = trainer.snapshots
        self._snapshots_sent = (log.offered, log.stride)
        self.reported.emit(readings.made(trainer, serial, path, note))
        self._inspect()

    def _discard(self, r: rq.Discard) -> None:
        if r.serial == self.serial:
            self._halt_training(report=False)
            self.trainer, self.serial, self.path = None, 0, None

    def _set_length(self, r: rq.SetLength) -> None:
        t = self._trainer_of(r.serial)
        if t is not None:
            t.experiment = t.experiment.replace(train={"steps": r.steps})
            self.reported.emit(Changed(self._info()))

    def _save(self, r: rq.Save) -> None:
        t = self._trainer_of(r.serial)
        if t is None:
            raise RuntimeError("that run is no longer open")
        written = save_run(t, r.path)
        self.path = str(written)
        self.reported.emit(Saved(self._info(), str(written)))

    # training -------------------------------------------------------------------------

    def _train(self, r: rq.Train) -> None:
        t = self._trainer_of(r.serial)
        if t is None:
            return  # a run given up (its refusal or discard has been reported)
        if self.halt_ticket > r.ticket or t.done:
            reason = "finished" if t.done else "paused"  # overtaken by a pause, or at the end
            self.reported.emit(Stopped(self.serial, r.ticket, self._info(), reason))
            return
        self._halt_training()  # one session at a time
        self._serving = r
        self._target = t.step_count + r.by if r.by else None
        self._generation += 1
        generation = self._generation
        QTimer.singleShot(0, lambda: self._chunk(generation))

    def _pause(self, r: rq.Pause) -> None:
        if r.serial == self.serial:
            self._halt_training(inspect=True)

    def _stop(self, r: rq.Stop) -> None:
        """End the run where it is: the last step becomes the final one, evaluated."""
        t = self._trainer_of(r.serial)
        if t is None:
            return
        self._halt_training()
        if t.step_count > 0 and not t.done:
            t.experiment = t.experiment.replace(train={"steps": t.step_count})
            t.evaluate()
            t.evaluate_training()
            if not t.snapshots.steps() or t.snapshots.steps()[-1] != t.step_count:
                t.snapshots.add(t.snapshot())
            self.reported.emit(self._trained(t, None))
            self._inspect()
        self.reported.emit(Changed(self._info(), ended=t.done))

    def _chunk(self, generation: int) -> None:
        t, serving = self.trainer, self._serving
        if generation != self._generation or serving is None or t is None:
            return
        last: StepEvent | None = None
        try:
            deadline = time.perf_counter() + CHUNK_S
            while not self._should_stop(t) and time.perf_counter() < deadline:
                for e in t.advance():
                    if isinstance(e, StepEvent):
                        last = e
        except Exception as e:  # a diverged loss, or a bug: report, keep the app alive
            self.reported.emit(self._trained(t, last))
            self.reported.emit(self._error("Training stopped", e))
            self._end_serving("failed")
            return
        self.reported.emit(self._trained(t, last))
        if self._should_stop(t):
            self._end_serving("finished" if t.done else "paused", inspect=True)
            return
        QTimer.singleShot(0, lambda: self._chunk(generation))

    def _should_stop(self, t: Trainer) -> bool:
        reached = self._target is not None and t.step_count >= self._target
        halted = self._serving is not None and self.halt_ticket > self._serving.ticket
        return halted or t.done or reached

    def _halt_training(self, report: bool = True, inspect: bool = False) -> bool:
        """End the training in progress, if any (reported as paused); True if there was."""
        if self._serving is None:
            return False
        if report:
            self._end_serving("finished" if self.trainer.done else "paused", inspect)
        else:
            self._serving, self._target = None, None
            self._generation += 1
        return True

    def _end_serving(self, reason: str, inspect: bool = False) -> None:
        """Training for the request served is over: reported, after a fresh inspection of
        the model if asked (so the views have the last step's predictions when it says so)."""
        ticket = self._serving.ticket
        self._serving, self._target = None, None
        self._generation += 1
        if inspect:
            self._inspect()
        self.reported.emit(Stopped(self.serial, ticket, self._info(), reason))

    def _trained(self, t: Trainer, last: StepEvent | None) -> Trained:
        """What the GUI's copy lacks: the history since its mark, the snapshots if new."""
        piece = t.history.since(self._mark)
        self._mark = t.history.mark()
        log, snapshots = t.snapshots, None
        if (log.offered, log.stride) != self._snapshots_sent:
            self._snapshots_sent = (log.offered, log.stride)
            snapshots = tuple(log.items)
        return Trained(self.serial, t.step_count, piece, snapshots, last, t.last_eval,
                       t.last_train_eval)  # fmt: skip

    # readings -------------------------------------------------------------------------

    def _set_ablation(self, r: rq.SetAblation) -> None:
        """Switch heads off in every reading of the model; training still uses them all."""
        if self._trainer_of(r.serial) is not None:
            self.ablated = frozenset(r.heads)
            if self._serving is None:
                self._inspect()

    def _read(self, r: rq.Read) -> None:
        t = self._trainer_of(r.serial)
        if t is None:
            return
        if r.what == "predictions":
            self._inspect()
        elif r.what == "attention":
            self.reported.emit(readings.live_attention(t, self.serial))
        elif r.what == "circuits":
            self.reported.emit(causes_reading.circuits(t, r.arg, self.serial))
        else:
            read = {"typed": readings.typed_result, "inside": readings.inside,
                    "causes": causes_reading.causes}[r.what]  # fmt: skip
            try:
                result = read(t, r.arg, self.ablated, self.serial)
            except readings.InputRefused as e:
                where = "predictions" if r.what == "typed" else r.what
                text = r.arg if r.what == "typed" else str(getattr(r.arg, "clean", r.arg)[1])
                self.reported.emit(InputRefusal(where, text, str(e), self.serial))
                return
            self.reported.emit(result)

    def _inspect(self) -> None:
        if self.trainer is not None:
            fresh = self._serving is None
            look = readings.inspection(self.trainer, self.ablated, self.serial, fresh)
            self.reported.emit(look)

    def _build_tables(self, r: rq.BuildTables) -> None:
        exp = r.experiment
        task = make_task(exp.task)
        examples = task.examples(readings.table_rng(exp), readings.TABLE_EXAMPLES, exp.model.arch)
        tables = batch_tables(task, examples, exp.model.arch, exp.model.causal)
        self.reported.emit(TablesBuilt(exp, tables))

    def _read_examples(self, r: rq.ReadExamples) -> None:
        load_examples(r.path, r.task, self.cancel_examples, self.reported.emit)

    # sweeps ---------------------------------------------------------------------------

    def _start_sweep(self, r: rq.Sweep) -> None:
        """Train each (name, experiment) in turn, one at a time; the current run waits."""
        self._halt_training()
        self._sweep, self._sweep_index, self._sweep_trainer = list(r.jobs), 0, None
        QTimer.singleShot(0, self._sweep_chunk)

    def _sweep_chunk(self) -> None:
        if self.cancel_sweep.is_set():
            self._sweep_trainer = None  # the unfinished run is dropped, never reported
            self._sweep_done(cancelled=True)
            return
        try:
            name, experiment = self._sweep[self._sweep_index]
            if self._sweep_trainer is None:
                self._sweep_trainer = Trainer(experiment, device="cpu", threads=self.threads)
            t = self._sweep_trainer
            deadline = time.perf_counter() + CHUNK_S
            while not t.done and not self.cancel_sweep.is_set():
                t.advance()
                if time.perf_counter() > deadline:
                    break
        except Exception as e:
            self._sweep_trainer = None
            self.reported.emit(self._error("The sweep stopped", e))
            self._sweep_done(cancelled=True)
            return
        count = len(self._sweep)
        self.reported.emit(
            SweepProgress(self._sweep_index, count, name, t.step_count, t.total_steps)
        )
        if t.done:
            result = SweepResult(name, t.experiment, t.history.copy(), t.last_eval, t.step_count)
            self.reported.emit(result)
            self._sweep_index += 1
            self._sweep_trainer = None
            if self._sweep_index == count:
                self._sweep_done(cancelled=False)
                return
        QTimer.singleShot(0, self._sweep_chunk)

    def _sweep_done(self, cancelled: bool) -> None:
        self.reported.emit(SweepFinished(cancelled, self._sweep_index, len(self._sweep)))

    # helpers ---------------------------------------------------------------------------

    def _trainer_of(self, serial: int) -> Trainer | None:
        """The trainer if `serial` names the current run (requests for a run that has gone
        are dropped: the GUI has already forgotten it)."""
        return self.trainer if serial == self.serial else None

    def _info(self):
        return readings.run_info(self.trainer, self.serial, self.path)

    @contextmanager
    def _reporting(self, title: str) -> Iterator[None]:
        """Any exception inside a request becomes a WorkerError report: the thread lives."""
        try:
            yield
        except Exception as e:
            self.reported.emit(self._error(title, e))

    @staticmethod
    def _error(title: str, e: BaseException) -> WorkerError:
        return WorkerError(title, str(e) or type(e).__name__, traceback.format_exc())
