"""The run's status: one state machine, every allowed transition in one table.

The run model moves the status only through `StatusMachine.go(event)`. A (status, event)
pair missing from TRANSITIONS is a bug: it raises IllegalTransition, never passes quietly.
Reports that arrive after a newer request made them stale carry no event at all (the run
model checks their ticket first), so staleness is never mistaken for a transition.
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    NO_RUN = "no run"  # nothing trained yet with these settings
    PREPARING = "preparing"  # the worker is building or opening a run
    READY = "ready"  # a run exists, is not training and has steps left
    TRAINING = "training"
    PAUSING = "pausing"  # a pause was asked for; the worker has not stopped yet
    FINISHED = "finished"  # the run is at its last step
    SWEEPING = "sweeping"  # the worker trains a sweep; the current run waits


S = Status
IDLE = (S.NO_RUN, S.READY, S.FINISHED)  # the worker does nothing for the run
MOVING = (S.TRAINING, S.PAUSING)  # steps may still arrive

# (status, event) -> the next status. Events are requests (asked by the user) or reports
# (answered by the worker); each line says which.
TRANSITIONS: dict[tuple[Status, str], Status] = {
    # request: a new run, or a run file to open (training, if on, is halted by it)
    **{(s, "prepare"): S.PREPARING for s in (*IDLE, *MOVING)},
    # report: the run exists (training at once if Train asked for it), or could not be made
    (S.PREPARING, "made"): S.READY,
    (S.PREPARING, "made_finished"): S.FINISHED,
    (S.PREPARING, "made_training"): S.TRAINING,
    (S.PREPARING, "refused"): S.NO_RUN,  # no run before, none now
    (S.PREPARING, "refused_ready"): S.READY,  # the run before stays
    (S.PREPARING, "refused_finished"): S.FINISHED,
    # request: train or step; again while a pause is on its way; pause
    (S.READY, "train"): S.TRAINING,
    (S.PAUSING, "train"): S.TRAINING,
    (S.TRAINING, "pause"): S.PAUSING,
    # report: training stopped with steps left (paused, N steps made, failed) or at the end
    (S.TRAINING, "stopped"): S.READY,
    (S.PAUSING, "stopped"): S.READY,
    (S.TRAINING, "ended"): S.FINISHED,
    (S.PAUSING, "ended"): S.FINISHED,
    # report: Stop made the last step final, or the run's length changed
    (S.READY, "ended"): S.FINISHED,
    (S.FINISHED, "extended"): S.READY,
    # request: forget the run (also while it trains: the worker is told to halt)
    **{(s, "discard"): S.NO_RUN for s in (S.READY, S.FINISHED, *MOVING)},
    # request: train a sweep (the current run pauses and waits)
    **{(s, "sweep"): S.SWEEPING for s in (*IDLE, *MOVING)},
    # report: the sweep is over; the run that waited is as it was
    (S.SWEEPING, "swept"): S.NO_RUN,
    (S.SWEEPING, "swept_ready"): S.READY,
    (S.SWEEPING, "swept_finished"): S.FINISHED,
}


class IllegalTransition(RuntimeError):
    """An event the status it arrived in does not allow: a bug in the caller."""


class StatusMachine:
    def __init__(self, status: Status = Status.NO_RUN) -> None:
        self.status = status

    def allows(self, event: str) -> bool:
        return (self.status, event) in TRANSITIONS

    def go(self, event: str) -> Status:
        """Take the transition for `event`; the new status. IllegalTransition if none."""
        try:
            self.status = TRANSITIONS[self.status, event]
        except KeyError:
            raise IllegalTransition(f"{event!r} is not allowed while {self.status.value}") from None
        return self.status


def idle_event(prefix: str, has_run: bool, finished: bool) -> str:
    """The event that returns to an idle status: `prefix` alone with no run, then _ready
    or _finished ("refused", "refused_ready", ...)."""
    if not has_run:
        return prefix
    return f"{prefix}_finished" if finished else f"{prefix}_ready"
