"""RunModel: the one owner of the live run.

Everything about the run the app shows (its experiment, history, status, switched-off
heads, the typed input, what the worker last read off the model) lives here and changes in
two ways only: a request (a method below, called for the user, sent on to the worker as a
value down `requested`) or a report (`apply`, the worker's messages in the order sent).
Each change is announced by one past-tense signal with one payload; views redraw from
those signals and never poll.

Requests and reports are matched by ticket and serial (explorer.core.requests): a report
that a newer request has overtaken changes the data it carries, never the status.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from explorer.core import requests as rq
from explorer.core import results as rs
from explorer.core.readings_due import IDLE_ONLY, DueReadings
from explorer.core.run import Run
from explorer.core.status import MOVING, Status, StatusMachine, idle_event
from tinyformer.model.hooks import head_names
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History

EARLIER_KEPT = 4  # earlier runs' loss curves drawn faded
READINGS = {rs.Inspection: "predictions", rs.LiveAttention: "attention",
            rs.TypedResult: "typed", rs.InsideResult: "inside", rs.CausesResult: "causes",
            rs.CircuitsResult: "circuits"}  # fmt: skip
SIGNALS = {"predictions": "inspected", "attention": "live_attention_read",
           "typed": "typed_answered", "inside": "inside_read", "causes": "causes_found",
           "circuits": "circuits_read"}  # fmt: skip


class RunModel(QObject):
    status_changed = Signal(object)  # Status
    run_replaced = Signal(object)  # Run | None: a new run, an opened one, or none
    trained = Signal(object)  # Run: steps, evaluations or snapshots were added
    run_updated = Signal(object)  # Run: its length, step, file or saved step changed
    run_ended = Signal(object)  # Run: it reached its last step (trained or stopped)
    run_shortened = Signal(object)  # Run: Stop made its current step its last
    inspected = Signal(object)  # Inspection
    live_attention_read = Signal(object)  # LiveAttention
    typed_answered = Signal(object)  # TypedResult
    input_refused = Signal(object)  # InputRefusal
    inside_read = Signal(object)  # InsideResult
    causes_found = Signal(object)  # CausesResult
    circuits_read = Signal(object)  # CircuitsResult
    ablation_changed = Signal(object)  # frozenset of head names
    saved = Signal(object)  # Saved
    errored = Signal(object)  # WorkerError
    sweep_progressed = Signal(object)  # SweepProgress
    sweep_result_added = Signal(object)  # SweepResult
    sweep_finished = Signal(object)  # SweepFinished
    locked_changed = Signal(bool)  # a question holds requests (True) or no longer (False)
    warmed_up = Signal(object)  # WarmedUp

    requested = Signal(object)  # a request (explorer.core.requests), for the worker

    def __init__(self, namer: Callable[[Experiment, str | None], str] | None = None) -> None:
        super().__init__()
        self.machine = StatusMachine()
        self.run: Run | None = None
        self.earlier: list[History] = []  # earlier runs' histories, drawn faded
        self.ablated: frozenset[str] = frozenset()
        # What each reading is asked about: the typed input ("typed"), the input the Inside
        # tab follows ("inside"), the Causes tab's inputs and metric ("causes"), a head.
        self.asks: dict[str, object] = {"inside": ("held-out", 0)}
        self.sweep_progress: rs.SweepProgress | None = None
        self.locked = False  # a question is open: training requests go nowhere
        self.warm = False  # the worker has loaded torch and trained a throwaway step
        self._namer = namer or (lambda experiment, path: experiment.task.name)
        self._tickets = itertools.count(1)
        self._serials = itertools.count(1)
        self._preparing: int | None = None  # the serial of the run asked for
        self._train_ticket = 0  # the newest train request
        self._answered = 0  # the newest train request the worker has answered
        self._due = DueReadings()
        self._handlers = {
            rs.Made: self._on_made,
            rs.Refused: self._on_refused,
            rs.Trained: self._on_trained,
            rs.Stopped: self._on_stopped,
            rs.Changed: self._on_changed,
            rs.Saved: self._on_saved,
            **{kind: self._on_reading for kind in READINGS},
            rs.InputRefusal: self._on_refusal,
            rs.SweepProgress: self._on_sweep_progress,
            rs.SweepResult: self.sweep_result_added.emit,
            rs.SweepFinished: self._on_sweep_finished,
            rs.WorkerError: self.errored.emit,
            rs.WarmedUp: self._on_warmed_up,
        }

    @property
    def status(self) -> Status:
        return self.machine.status

    @property
    def busy(self) -> bool:
        """The worker is doing something for the run (or a sweep): edits of it wait."""
        return self.status in (Status.PREPARING, Status.SWEEPING, *MOVING)

    # requests ---------------------------------------------------------------------------

    def new_run(self, experiment: Experiment) -> None:
        self._prepare()
        self._send(rq.NewRun, self._preparing, experiment)

    def open_run(self, path: str) -> None:
        """Open a run file; training pauses, and the run stays if the file cannot be read."""
        self._prepare()
        self._send(rq.OpenRun, self._preparing, str(path))

    def train(self, by: int = 0) -> bool:
        """Train to the end (by=0) or `by` steps; False if that cannot be done now."""
        if self.locked:
            return False
        if self.status is Status.PREPARING and self._preparing is not None:
            self._train_ticket = self._send(rq.Train, self._preparing, by=by)
            return True  # the run trains as soon as it exists ("made_training")
        if self.run is None or not self.machine.allows("train"):
            return False
        self.set_ablation(())  # training always uses every head
        self._train_ticket = self._send(rq.Train, self.run.serial, by=by)
        self._go("train")
        return True

    def pause(self) -> None:
        if self.status is Status.TRAINING:
            self._send(rq.Pause, self.run.serial)
            self._go("pause")

    def stop(self) -> bool:
        """End the run at its current step (which becomes its last, evaluated)."""
        run = self.run
        if self.locked or run is None or run.step == 0 or run.finished:
            return False
        if self.status not in (Status.READY, *MOVING):
            return False
        if self.status is Status.TRAINING:
            self._go("pause")
        self._send(rq.Stop, run.serial)
        return True

    def discard(self) -> None:
        """Forget the run; the next Train starts a new one."""
        if self.run is None:
            return
        self._send(rq.Discard, self.run.serial)
        self._replace(None)
        self._go("discard")
        self.run_replaced.emit(None)

    def extend(self, steps: int) -> None:
        """Change the run's planned length (the worker answers with the run as it is)."""
        if self.run is not None:
            self._send(rq.SetLength, self.run.serial, steps)

    def save(self, path: str) -> None:
        if self.run is not None:
            self._send(rq.Save, self.run.serial, str(path))

    def toggle_head(self, head: str) -> bool:
        """Switch a head ("decoder.0.cross.1") off, or on again; only while not training."""
        return self.set_ablation(self.ablated ^ {head})

    def set_ablation(self, heads) -> bool:
        heads = head_names(heads)
        if heads == self.ablated:
            return True
        if heads and (self.run is None or self.busy):
            return False
        self.ablated = heads
        self._due.stale()  # every reading was made with other heads
        if self.run is not None:
            self._send(rq.SetAblation, self.run.serial, heads)
        self.ablation_changed.emit(heads)
        self._follow()
        return True

    @property
    def typed_text(self) -> str | None:
        return self.asks.get("typed")

    @property
    def inside_request(self) -> tuple:
        return self.asks["inside"]

    def read(self, reading: str, asked) -> None:
        """Ask for a reading about `asked`, now and (if its view is in sight) as the run
        goes on: "typed" (text), "inside" (an input), "causes" (a CausesAsk), "circuits"
        (a head, (kind, layer, head))."""
        self.asks[reading] = asked
        if reading in IDLE_ONLY and self.busy:
            return  # measured once the run is paused (dozens of passes)
        self._ask(reading, asked)

    def ask_typed(self, text: str) -> None:
        """The model's answer to the user's own input, now and as the run goes on."""
        self.read("typed", text)

    def look_inside(self, request: tuple) -> None:
        """Follow one input through the model: ("held-out", index) or ("typed", text)."""
        self.read("inside", tuple(request))

    def watch(self, reading: str, on: bool) -> None:
        """A view that shows `reading` is in sight (on) or not: while training, what is in
        sight is read again every LIVE_PERIOD_S; otherwise whenever the run has moved."""
        self._due.watch(reading, on)
        self._follow()

    def sweep(self, jobs: list) -> None:
        """Train [(name, experiment), ...] one after another; the current run pauses."""
        self.sweep_progress = None
        self._go("sweep")
        self._send(rq.Sweep, tuple(jobs))

    def cancel_sweep(self) -> None:
        self._send(rq.CancelSweep)

    def set_locked(self, locked: bool) -> None:
        """A question is open (True): requests to train go nowhere until it is answered."""
        if locked != self.locked:
            self.locked = locked
            self.locked_changed.emit(locked)

    # reports ----------------------------------------------------------------------------

    def apply(self, report: object) -> None:
        """One report of the worker's, in the order sent."""
        self._handlers[type(report)](report)

    def _current(self, serial: int) -> Run | None:
        run = self.run
        return run if run is not None and run.serial == serial else None

    def _on_made(self, made: rs.Made) -> None:
        if made.serial != self._preparing:
            return  # a run asked for and then given up
        self._preparing = None
        run = Run.made(made, self._namer(made.info.experiment, made.info.path))
        self._replace(run)
        if self._train_ticket > self._answered:
            self._go("made_training")  # Train was pressed with no run
        else:
            self._go("made_finished" if run.finished else "made")
        self.run_replaced.emit(run)
        self._follow()

    def _on_refused(self, refused: rs.Refused) -> None:
        if refused.serial != self._preparing:
            return
        self._preparing = None
        self._answered = self._train_ticket  # a Train for that run is moot
        run = self.run
        self._go(idle_event("refused", run is not None, run is not None and run.finished))
        self.errored.emit(refused.error)

    def _on_trained(self, trained: rs.Trained) -> None:
        run = self._current(trained.serial)
        if run is None:
            return
        run.history.extend(trained.history)
        if trained.snapshots is not None:
            run.snapshots = trained.snapshots
        run.step = trained.step
        run.recent.append((time.monotonic(), trained.step))
        for name in ("last_step", "last_eval", "last_train_eval"):
            if getattr(trained, name) is not None:
                setattr(run, name, getattr(trained, name))
        self.trained.emit(run)
        self._follow()

    def _on_stopped(self, stopped: rs.Stopped) -> None:
        run = self._current(stopped.serial)
        if run is None:
            return
        run.take(stopped.info)
        self._answered = max(self._answered, stopped.ticket)
        if self.status in MOVING and stopped.ticket >= self._train_ticket:
            self._go("ended" if run.finished else "stopped")
            if run.finished:
                self.run_ended.emit(run)
        self.run_updated.emit(run)
        self._follow()

    def _on_changed(self, changed: rs.Changed) -> None:
        run = self._current(changed.serial)
        if run is None:
            return
        run.take(changed.info)
        if changed.ended:
            self.run_shortened.emit(run)
            if self.status is Status.READY:
                self._go("ended")
                self.run_ended.emit(run)
        elif not run.finished and self.status is Status.FINISHED:
            self._go("extended")
        self.run_updated.emit(run)

    def _on_saved(self, saved: rs.Saved) -> None:
        run = self._current(saved.serial)
        if run is not None:
            run.path, run.saved_step = saved.path, saved.info.step
            self.run_updated.emit(run)
        self.saved.emit(saved)

    def _on_reading(self, result) -> None:
        """A reading of the model: kept if it answers what is asked now, with the heads
        switched off now (a late answer to an earlier question is dropped)."""
        reading = READINGS[type(result)]
        run = self._current(result.serial)
        if run is None or result.asked != self.asks.get(reading):
            return
        if result.ablated is not None and result.ablated != self.ablated:
            return
        if reading == "predictions":
            run.inspection = result
        elif reading == "attention":
            run.live = result
        self._due.answered(reading, result.step)
        getattr(self, SIGNALS[reading]).emit(result)

    def _on_refusal(self, refusal: rs.InputRefusal) -> None:
        if self._current(refusal.serial) is not None:
            reading = {"predictions": "typed"}.get(refusal.where, refusal.where)
            if reading == "typed":
                self.asks.pop("typed", None)  # nothing to follow
            self._due.answered(reading)
            self.input_refused.emit(refusal)

    def _on_sweep_progress(self, progress: rs.SweepProgress) -> None:
        self.sweep_progress = progress
        self.sweep_progressed.emit(progress)

    def _on_warmed_up(self, warm: rs.WarmedUp) -> None:
        self.warm = True
        self.warmed_up.emit(warm)

    def _on_sweep_finished(self, finished: rs.SweepFinished) -> None:
        run = self.run
        self._go(idle_event("swept", run is not None, run is not None and run.finished))
        self.sweep_finished.emit(finished)
        self._follow()

    # helpers ----------------------------------------------------------------------------

    def _send(self, kind: type[rq.Request], *args, **kwargs) -> int:
        """Make a request of `kind` with the next ticket and send it; its ticket."""
        ticket = next(self._tickets)
        self.requested.emit(kind(*args, ticket=ticket, **kwargs))
        return ticket

    def _go(self, event: str) -> None:
        before = self.status
        after = self.machine.go(event)
        if after is not before:
            self.status_changed.emit(after)

    def _prepare(self) -> None:
        self._go("prepare")
        self._preparing = next(self._serials)

    def _replace(self, run: Run | None) -> None:
        old = self.run
        if old is not None and old.step > 0:
            self.earlier = [*self.earlier, old.history][-EARLIER_KEPT:]
        self.run = run
        self._due.forget()
        if self.ablated:
            self.ablated = frozenset()
            self.ablation_changed.emit(self.ablated)
        if run is not None and old is not None and run.experiment.task != old.experiment.task:
            self.asks = {"inside": ("held-out", 0)}  # asked in another task's tokens

    def _answered_reading(self, reading: str, step: int) -> None:
        self._due.answered(reading, step)

    def _ask(self, reading: str, arg=None) -> None:
        if self.run is None:
            return
        self._due.asked(reading, time.monotonic())
        self._send(rq.Read, self.run.serial, reading, arg)

    def _follow(self) -> None:
        """Ask again for the readings in sight that the run has moved past."""
        run = self.run
        if run is None or self.status in (Status.PREPARING, Status.SWEEPING):
            return
        skip = {r for r in ("typed", "causes", "circuits") if r not in self.asks}
        live = self.status is Status.TRAINING
        for reading in self._due.due(run.step, live, time.monotonic(), skip):
            self._ask(reading, self.asks.get(reading))
