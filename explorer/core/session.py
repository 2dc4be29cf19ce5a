"""The training session: the GUI thread's handle on the worker thread.

Every request crosses to the worker as a queued signal, so the GUI never waits on
training; the worker's reports come back as queued signals and land in the AppState.
The worker owns the run: what the state knows of it (its experiment, its step) comes
from the worker's reports, never from a guess made here.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal

from explorer.core.results import (
    Inspection,
    LiveAttention,
    RunCreated,
    RunInfo,
    Saved,
    SweepFinished,
    TrainingStopped,
    WorkerError,
)
from explorer.core.state import AppState, RunData, RunRecord, Status
from explorer.core.worker import TrainingWorker
from tinyformer.training.experiment import Experiment

SHUTDOWN_WAIT_MS = 30_000
THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()  # every training thread ever started


class TrainingSession(QObject):
    # requests to the worker (queued across threads)
    _create = Signal(object)
    _open = Signal(object)
    _train = Signal()
    _step = Signal(int)
    _stop = Signal()
    _save = Signal(object)
    _inspect = Signal()
    _snapshot = Signal()
    _set_ablation = Signal(object)
    _run_sweep = Signal(object)
    _predict = Signal(object)
    _set_steps = Signal(object)
    _warm_up = Signal()
    _look_inside = Signal(object)

    # reports for the window
    errored = Signal(object)  # WorkerError
    saved = Signal(object)  # path
    typed_ready = Signal(object)  # TypedResult
    inside_ready = Signal(object)  # InsideResult
    input_refused = Signal(object)  # InputRefusal
    run_loaded = Signal(object)  # path of an opened run
    sweep_progress = Signal(object)  # SweepProgress
    sweep_result = Signal(object)  # SweepResult
    sweep_finished = Signal(bool)  # cancelled

    def __init__(self, state: AppState, threads: int | None = 1) -> None:
        super().__init__()
        self.state = state
        self.thread = QThread()
        self.thread.setObjectName("training")
        THREADS.add(self.thread)
        self.worker = TrainingWorker(threads=threads)
        self.worker.moveToThread(self.thread)
        self._status_before = state.status
        for signal, slot in (
            (self._create, self.worker.create_run),
            (self._open, self.worker.open_run),
            (self._train, self.worker.train),
            (self._step, self.worker.step),
            (self._stop, self.worker.stop),
            (self._save, self.worker.save),
            (self._inspect, self.worker.inspect),
            (self._snapshot, self.worker.snapshot),
            (self._predict, self.worker.predict_text),
            (self._set_steps, self.worker.set_total_steps),
            (self._warm_up, self.worker.warm_up),
            (self._set_ablation, self.worker.set_ablation),
            (self._run_sweep, self.worker.run_sweep),
            (self._look_inside, self.worker.look_inside),
        ):
            signal.connect(slot)
        w = self.worker
        for signal, slot in (
            (w.run_created, self._on_run_created),
            (w.run_updated, self._on_run_updated),
            (w.events_ready, self._on_events_ready),
            (w.inspection_ready, self._on_inspection_ready),
            (w.live_attention, self._on_live_attention),
            (w.typed_ready, self.typed_ready),
            (w.inside_ready, self._on_inside_ready),
            (w.input_refused, self.input_refused),
            (w.training_started, self._on_training_started),
            (w.training_stopped, self._on_training_stopped),
            (w.saved, self._on_saved),
            (w.errored, self._on_errored),
            (w.sweep_progress, self.sweep_progress),
            (w.sweep_result, self._on_sweep_result),
            (w.sweep_finished, self._on_sweep_finished),
        ):
            signal.connect(slot)
        state.ablation_changed.connect(self._set_ablation)
        self.thread.start()
        self._warm_up.emit()

    # requests --------------------------------------------------------------------------

    def new_run(self, experiment: Experiment) -> None:
        self._prepare()
        self._create.emit(experiment)

    def open_run(self, path: str) -> None:
        """Open a run file; the current run pauses, and stays if the file cannot be read."""
        self.pause()
        self._prepare()
        self._open.emit(path)

    def _prepare(self) -> None:
        if self.state.status is not Status.PREPARING:
            self._status_before = self.state.status
        self.state.set_status(Status.PREPARING)

    def train(self) -> None:
        """Train on (or resume, when a pause is on its way)."""
        self._ensure_run()
        self.state.set_ablation(())  # training always uses every head
        if self.state.status is Status.PAUSING:
            self.state.set_status(Status.TRAINING)
        self._train.emit()

    def step(self, n: int = 1) -> None:
        self._ensure_run()
        self.state.set_ablation(())
        self._step.emit(n)

    def pause(self) -> None:
        self.worker.request_pause()  # a flag: takes effect before the next step
        if self.state.status is Status.TRAINING:
            self.state.set_status(Status.PAUSING)

    def wait_paused(self, timeout_ms: int) -> bool:
        """Run the event loop until a pause asked for has taken effect (the worker's report
        has come back), at most `timeout_ms`; True if it has."""
        if self.state.status is not Status.PAUSING:
            return True
        loop, timer = QEventLoop(), QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        self.state.status_changed.connect(loop.quit)  # the status leaves PAUSING
        timer.start(timeout_ms)
        loop.exec()
        timer.stop()
        self.state.status_changed.disconnect(loop.quit)
        return self.state.status is not Status.PAUSING

    def stop(self) -> None:
        self.pause()
        self._stop.emit()

    def save(self, path: str) -> None:
        self._save.emit(path)

    def inspect(self) -> None:
        """Ask for fresh predictions and attention (answered between chunks)."""
        self._inspect.emit()

    def snapshot(self) -> None:
        """Ask for the probe's attention now, for the live view (answered between chunks)."""
        self._snapshot.emit()

    def sweep(self, jobs: list) -> None:
        """Train [(name, experiment), ...] one after another; the current run pauses."""
        self.pause()
        self.state.set_status(Status.SWEEPING)
        self._run_sweep.emit(list(jobs))

    def cancel_sweep(self) -> None:
        self.worker.request_cancel_sweep()

    def look_inside(self, request: tuple[str, object]) -> None:
        """Ask for every tensor of one input: ("held-out", index) or ("typed", text)."""
        self._look_inside.emit(request)

    def predict(self, text: str) -> None:
        self._predict.emit(text)

    def extend(self, steps: int) -> None:
        """Change the current run's planned length without discarding it (the worker
        answers with the run as it now is)."""
        self._set_steps.emit(steps)

    def discard(self) -> None:
        """Forget the run; the next Train starts a new one from the current settings."""
        self.worker.request_pause()
        self.state.start_run(None)
        self.state.set_status(Status.NO_RUN)

    def shutdown(self) -> bool:
        """Stop training and end the thread; True when it ended."""
        self.worker.request_pause()
        self.worker.request_cancel_sweep()
        self.thread.quit()
        return self.thread.wait(SHUTDOWN_WAIT_MS)

    def _ensure_run(self) -> None:
        if self.state.run is None and self.state.status is not Status.PREPARING:
            if self.state.experiment is None:
                raise ValueError(self.state.error or "the settings are not valid")
            self.new_run(self.state.experiment)

    # reports ---------------------------------------------------------------------------

    def _current(self, serial: int) -> RunData | None:
        """The state's run if it is the one a report is about (a discarded run's late
        reports are dropped)."""
        run = self.state.run
        return run if run is not None and run.serial == serial else None

    def _on_run_created(self, created: RunCreated) -> None:
        info = created.info
        run = RunData(
            serial=info.serial,
            experiment=info.experiment,
            step=info.step,
            history=created.history,
            snapshots=created.snapshots,
            path=info.path,
            held_out=created.held_out,
            split=created.split,
            fresh=created.fresh,
            distinct=created.distinct,
        )
        if created.opened:
            self.state.load_settings(info.experiment.to_dict(), preset=None)
        self.state.start_run(run)
        if created.opened:
            self.run_loaded.emit(info.path)
        self.state.set_status(Status.FINISHED if info.finished else Status.READY)

    def _on_run_updated(self, info: RunInfo) -> None:
        run = self._current(info.serial)
        if run is None:
            return
        self.state.update_run(info)
        if self.state.status is Status.FINISHED and not info.finished:
            self.state.set_status(Status.READY)

    def _on_events_ready(self, events: list) -> None:
        self.state.record(events)

    def _on_inspection_ready(self, inspection: Inspection) -> None:
        if self._current(inspection.serial) is not None:
            self.state.set_inspection(inspection)

    def _on_live_attention(self, live: LiveAttention) -> None:
        run = self._current(live.serial)
        if run is not None:
            run.live = live
            run.revision += 1

    def _on_inside_ready(self, inside) -> None:
        if self._current(inside.serial) is not None:
            self.inside_ready.emit(inside)

    def _on_training_started(self, info: RunInfo) -> None:
        if self._current(info.serial) is not None and self.state.status is not Status.SWEEPING:
            self.state.set_status(Status.TRAINING)

    def _on_training_stopped(self, stopped: TrainingStopped) -> None:
        run = self._current(stopped.info.serial)
        if run is None:
            return
        self.state.update_run(stopped.info)
        after = Status.FINISHED if stopped.info.finished else Status.READY
        if self.state.status is Status.PREPARING:  # paused for an open still on its way
            self._status_before = after
            return
        if self.state.status is Status.SWEEPING:
            return  # the sweep's end sets the status
        self.state.set_status(after)
        if stopped.info.finished:
            self.state.record_run()

    def _on_saved(self, saved: Saved) -> None:
        run = self._current(saved.info.serial)
        if run is not None:
            run.path, run.saved_step = saved.path, saved.info.step
            self.state.run_saved.emit(saved.path)
        self.saved.emit(saved.path)

    def _on_sweep_result(self, result) -> None:
        self.state.add_run_record(
            RunRecord(result.name, result.experiment, result.history, result.final, result.step)
        )
        self.sweep_result.emit(result)

    def _on_sweep_finished(self, finished: SweepFinished) -> None:
        info = finished.run
        if info is None or self._current(info.serial) is None:
            self.state.set_status(Status.NO_RUN if self.state.run is None else Status.READY)
        else:
            self.state.update_run(info)
            self.state.set_status(Status.FINISHED if info.finished else Status.READY)
        self.sweep_finished.emit(finished.cancelled)

    def _on_errored(self, error: WorkerError) -> None:
        if self.state.status is Status.PREPARING:  # nothing changed: back to how it was
            before = self._status_before
            if self.state.run is None:
                before = Status.NO_RUN
            elif before in (Status.TRAINING, Status.PAUSING):
                before = Status.READY
            self.state.set_status(before)
        self.errored.emit(error)
