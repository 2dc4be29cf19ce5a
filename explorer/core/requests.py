"""What the GUI asks the worker: frozen values, sent in order down one queued signal.

Every request carries a ticket (its place in that order). A request with `halts` also
stops whatever the worker is doing for an earlier one, at once: the session raises the
worker's halt ticket in the GUI thread before the request itself is queued, so training
stops within one step even while the queue is busy. `serial` names the run a request is
about; the GUI gives each new run its serial, so a late request for a run that has gone
is dropped by the worker and a late report for it by the run model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from tinyformer.training.experiment import Experiment


@dataclass(frozen=True)
class Request:
    halts: ClassVar[bool] = False
    ticket: int = field(default=0, kw_only=True)


@dataclass(frozen=True)
class NewRun(Request):
    halts: ClassVar[bool] = True
    serial: int
    experiment: Experiment


@dataclass(frozen=True)
class OpenRun(Request):
    halts: ClassVar[bool] = True
    serial: int
    path: str


@dataclass(frozen=True)
class Train(Request):
    """Train to the end, or `by` steps (Step ×N) from wherever the run is when this
    arrives."""

    serial: int
    by: int = 0


@dataclass(frozen=True)
class Pause(Request):
    halts: ClassVar[bool] = True
    serial: int


@dataclass(frozen=True)
class Stop(Request):
    """End the run at its current step: that step becomes the last, evaluated."""

    halts: ClassVar[bool] = True
    serial: int


@dataclass(frozen=True)
class Discard(Request):
    halts: ClassVar[bool] = True
    serial: int


@dataclass(frozen=True)
class SetLength(Request):
    serial: int
    steps: int


@dataclass(frozen=True)
class Save(Request):
    serial: int
    path: str


@dataclass(frozen=True)
class SetAblation(Request):
    serial: int
    heads: frozenset[str]  # head names, "decoder.0.cross.1"


@dataclass(frozen=True)
class Read(Request):
    """A reading of the model now: "predictions" (an Inspection), "attention" (the probe's,
    live), "typed" (the answer to `arg`, typed text) or "inside" (every tensor of one pass
    of `arg`: ("held-out", index) or ("typed", text))."""

    serial: int
    what: str
    arg: Any = None


@dataclass(frozen=True)
class BuildTables(Request):
    """The Batch tab's tables for the edited settings."""

    experiment: Experiment


@dataclass(frozen=True)
class ReadExamples(Request):
    """Read and parse an examples file; `task`: the task settings it will be used with."""

    path: str
    task: dict


@dataclass(frozen=True)
class CancelExamples(Request):
    """Stop reading the examples file (a flag the reading checks; the session raises it)."""


@dataclass(frozen=True)
class Sweep(Request):
    halts: ClassVar[bool] = True
    jobs: tuple[tuple[str, Experiment], ...]


@dataclass(frozen=True)
class CancelSweep(Request):
    """Drop the sweep's unfinished run and end the sweep (a flag, raised by the session)."""
