"""The training session: the GUI thread's handle on the worker thread.

Every request crosses to the worker as a queued signal, so the GUI never waits on
training; the worker's reports come back as queued signals and land in the AppState.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QThread, Signal

from explorer.core.results import RunCreated, TypedResult, WorkerError
from explorer.core.state import AppState, RunData, RunRecord, Status, settings_of
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
    _set_temperature = Signal(float)
    _run_sweep = Signal(object)
    _predict = Signal(object)
    _set_steps = Signal(object)
    _warm_up = Signal()

    # reports for the window
    errored = Signal(object)  # WorkerError
    saved = Signal(object)  # path
    typed_ready = Signal(object)  # TypedResult
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
        self._status_before_sweep = state.status
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
            (self._set_temperature, self.worker.set_temperature),
            (self._run_sweep, self.worker.run_sweep),
        ):
            signal.connect(slot)
        w = self.worker
        w.run_created.connect(self._on_run_created)
        w.events_ready.connect(self._on_events_ready)
        w.inspection_ready.connect(self._on_inspection_ready)
        w.typed_ready.connect(self._on_typed_ready)
        w.training_started.connect(self._on_training_started)
        w.training_stopped.connect(self._on_training_stopped)
        w.saved.connect(self._on_saved)
        w.errored.connect(self._on_errored)
        w.sweep_progress.connect(self._on_sweep_progress)
        w.sweep_result.connect(self._on_sweep_result)
        w.sweep_finished.connect(self._on_sweep_finished)
        state.ablation_changed.connect(self._on_ablation_changed)
        self.thread.start()
        self._warm_up.emit()

    # requests --------------------------------------------------------------------------

    def new_run(self, experiment: Experiment) -> None:
        self._prepare()
        self._create.emit(experiment)

    def open_run(self, path: str) -> None:
        self._prepare()
        self._open.emit(path)

    def _prepare(self) -> None:
        if self.state.status is not Status.PREPARING:
            self._status_before = self.state.status
        self.state.set_status(Status.PREPARING)

    def train(self) -> None:
        self._ensure_run()
        self.state.set_ablation(())  # training always uses every head
        self._train.emit()

    def step(self, n: int = 1) -> None:
        self._ensure_run()
        self.state.set_ablation(())
        self._step.emit(n)

    def pause(self) -> None:
        self.worker.request_pause()  # a flag: takes effect before the next step

    def stop(self) -> None:
        self.worker.request_pause()
        self._stop.emit()

    def save(self, path: str) -> None:
        self._save.emit(path)

    def inspect(self) -> None:
        """Ask for fresh predictions and attention (answered between chunks)."""
        self._inspect.emit()

    def snapshot(self) -> None:
        """Ask for the probe's attention at the current step (answered between chunks)."""
        self._snapshot.emit()

    def set_temperature(self, temperature: float) -> None:
        self._set_temperature.emit(float(temperature))

    def sweep(self, jobs: list) -> None:
        """Train [(name, experiment), ...] one after another in the worker thread."""
        self.worker.request_pause()
        self._status_before_sweep = self.state.status
        self.state.set_status(Status.SWEEPING)
        self._run_sweep.emit(list(jobs))

    def cancel_sweep(self) -> None:
        self.worker.request_cancel_sweep()

    def predict(self, text: str) -> None:
        self._predict.emit(text)

    def extend(self, steps: int) -> None:
        """Change the current run's planned length without discarding it."""
        self._set_steps.emit(steps)
        if self.state.run is not None:
            exp = self.state.run.experiment.replace(train={"steps": steps})
            self.state.run.experiment = exp
            if self.state.status is Status.FINISHED and steps > self.state.run.step:
                self.state.set_status(Status.READY)

    def discard(self) -> None:
        """Forget the run; the next Train starts a new one from the current settings."""
        self.worker.request_pause()
        self.state.start_run(None)
        self.state.set_status(Status.NO_RUN)

    def shutdown(self) -> bool:
        """Stop training and end the thread; True when it ended."""
        self.worker.request_pause()
        self.thread.quit()
        return self.thread.wait(SHUTDOWN_WAIT_MS)

    def _ensure_run(self) -> None:
        if self.state.run is None and self.state.status is not Status.PREPARING:
            if self.state.experiment is None:
                raise ValueError(self.state.error or "the settings are not valid")
            self.new_run(self.state.experiment)

    # reports ---------------------------------------------------------------------------

    def _on_run_created(self, created: RunCreated) -> None:
        run = RunData(
            experiment=created.experiment,
            step=created.step,
            history=created.history,
            snapshots=created.snapshots,
            saved=True,
        )
        self.state.start_run(run)
        if created.path is not None:
            self.state.load_settings(settings_of(created.experiment))
            self.run_loaded.emit(created.path)
        self.state.set_status(Status.FINISHED if created.finished else Status.READY)

    def _on_events_ready(self, events: list) -> None:
        self.state.record(events)

    def _on_inspection_ready(self, inspection) -> None:
        self.state.set_inspection(inspection)

    def _on_typed_ready(self, result: TypedResult) -> None:
        self.typed_ready.emit(result)

    def _on_training_started(self) -> None:
        self.state.set_status(Status.TRAINING)

    def _on_training_stopped(self, finished: bool) -> None:
        self.state.set_status(Status.FINISHED if finished else Status.READY)
        if finished:
            self.state.record_run()

    def _on_saved(self, path: str) -> None:
        if self.state.run is not None:
            self.state.run.saved = True
        self.saved.emit(path)

    def _on_ablation_changed(self, heads) -> None:
        self._set_ablation.emit(heads)

    def _on_sweep_progress(self, progress) -> None:
        self.sweep_progress.emit(progress)

    def _on_sweep_result(self, result) -> None:
        self.state.add_run_record(
            RunRecord(result.name, result.experiment, result.history, result.final, result.step)
        )
        self.sweep_result.emit(result)

    def _on_sweep_finished(self, cancelled: bool) -> None:
        self.state.set_status(self._status_before_sweep)
        self.sweep_finished.emit(cancelled)

    def _on_errored(self, error: WorkerError) -> None:
        if self.state.status is Status.PREPARING:  # nothing changed: back to how it was
            self.state.set_status(self._status_before if self.state.run else Status.NO_RUN)
        self.errored.emit(error)
