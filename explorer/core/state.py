"""App state: the settings being edited, the run they belong to, what the run has produced.

A plain object with signals; no widget, no torch. Widgets write user edits here and
update from its signals; the training session feeds it what the worker reports.
"""

from __future__ import annotations

import copy
import random
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal

from tinyformer.presets import Preset, load_presets
from tinyformer.training.events import EvalEvent, Snapshot, StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.snapshots import SnapshotLog

Settings = dict[str, dict[str, Any]]  # {"model": {...}, "task": {...}, "train": {...}}


class Status(str, Enum):
    NO_RUN = "no run"  # nothing trained yet with these settings
    PREPARING = "preparing"  # the worker is building or loading a run
    READY = "ready"  # a run exists and is not training
    TRAINING = "training"
    FINISHED = "finished"
    SWEEPING = "sweeping"  # the worker trains a sweep; the current run waits


Head = tuple[str, int, int]  # (kind, layer, head)


@dataclass
class RunRecord:
    """A finished run, kept for comparison: its settings, curves and final evaluation."""

    name: str
    experiment: Experiment
    history: History
    final: EvalEvent | None
    step: int
    shown: bool = True  # ticked in the comparison


@dataclass
class RunData:
    """What the current run has produced, as the GUI's own copy (never shared with the
    worker thread)."""

    experiment: Experiment
    step: int = 0
    history: History = field(default_factory=History)
    snapshots: SnapshotLog = field(default_factory=SnapshotLog)
    probe: Any = None  # tinyformer.inspect.evaluation.AttentionView labels for the snapshots
    inspection: Any = None  # explorer.core.worker.Inspection
    last_step: StepEvent | None = None
    last_eval: EvalEvent | None = None
    saved: bool = True
    recent: deque = field(default_factory=lambda: deque(maxlen=64))  # (wall time, step)
    revision: int = 0  # bumped on every change; views redraw when it moves

    @property
    def unsaved(self) -> bool:
        """Trained further than its last save (or never saved)."""
        return not self.saved and self.step > 0

    def steps_per_s(self, window_s: float = 2.0) -> float:
        """Training speed over the last seconds of wall time (evaluations included)."""
        now = time.monotonic()
        points = [(t, s) for t, s in self.recent if now - t <= window_s]
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            return 0.0
        return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


def settings_of(experiment: Experiment) -> Settings:
    return {
        "model": asdict(experiment.model),
        "task": asdict(experiment.task),
        "train": asdict(experiment.train),
    }


class AppState(QObject):
    settings_changed = Signal(object)  # Settings
    validity_changed = Signal(str)  # "" when the settings make a valid experiment
    status_changed = Signal(object)  # Status
    run_changed = Signal(object)  # RunData | None: a new run, or none
    preset_changed = Signal(str)
    runs_changed = Signal()  # the list of finished runs
    ablation_changed = Signal(object)  # frozenset of switched-off heads

    def __init__(self, presets: dict[str, Preset] | None = None) -> None:
        super().__init__()
        self.presets = presets if presets is not None else load_presets()
        self.preset = next(iter(self.presets))
        self.settings: Settings = settings_of(self.presets[self.preset].experiment)
        self.experiment: Experiment | None = self.presets[self.preset].experiment
        self.error = ""
        self.status = Status.NO_RUN
        self.run: RunData | None = None
        self.faded: list[History] = []  # earlier runs, drawn faded in the loss view
        self.runs: list[RunRecord] = []
        self.ablated: frozenset[Head] = frozenset()
        self._run_records: dict[int, RunRecord] = {}  # id(RunData) -> its record

    # settings -------------------------------------------------------------------------

    def set_setting(self, part: str, name: str, value: Any) -> None:
        """One user edit. The settings are kept even when invalid, with the reason."""
        self.set_settings(part, {name: value})

    def set_settings(self, part: str, changes: dict[str, Any]) -> None:
        """Several settings of one part changed as one edit."""
        if all(self.settings[part].get(k) == v for k, v in changes.items()):
            return
        settings = copy.deepcopy(self.settings)
        settings[part].update(changes)
        self._apply(settings)

    def load_preset(self, name: str) -> None:
        self.preset = name
        self.preset_changed.emit(name)
        self._apply(settings_of(self.presets[name].experiment))

    def load_settings(self, settings: Settings) -> None:
        """Settings from elsewhere (last session, a run file); invalid ones are refused."""
        Experiment.create(settings["model"], settings["task"], settings["train"])
        self._apply(copy.deepcopy(settings))

    def _apply(self, settings: Settings) -> None:
        self.settings = settings
        try:
            exp = Experiment.create(settings["model"], settings["task"], settings["train"])
            self.experiment, error = exp, ""
            # The model's vocabulary and max_len follow the task: keep the widgets honest.
            self.settings["model"]["vocab_size"] = exp.model.vocab_size
            self.settings["model"]["max_len"] = exp.model.max_len
        except (ValueError, TypeError) as e:
            self.experiment, error = None, str(e)
        self.settings_changed.emit(self.settings)
        if error != self.error or error:
            self.error = error
            self.validity_changed.emit(error)

    def settings_differ_from_run(self) -> bool:
        """True when the edited settings are not those of the current run."""
        return self.run is not None and self.experiment != self.run.experiment

    def only_steps_differ(self) -> bool:
        if self.run is None or self.experiment is None:
            return False
        return self.experiment.replace(train={"steps": self.run.experiment.train.steps}) == (
            self.run.experiment
        )

    def revert_to_run(self) -> None:
        if self.run is not None:
            self._apply(settings_of(self.run.experiment))

    # run ------------------------------------------------------------------------------

    def set_status(self, status: Status) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)

    def start_run(self, run: RunData | None) -> None:
        if self.run is not None and self.run.step > 0:
            self.faded = [*self.faded, self.run.history][-4:]
        self.run = run
        self.run_changed.emit(run)

    def record(self, events: list) -> None:
        """Events from the worker, in order."""
        run = self.run
        if run is None:
            return
        for e in events:
            if isinstance(e, StepEvent):
                run.history.add_step(e)
                run.last_step = e
                run.step = e.step
                run.saved = False
                run.recent.append((time.monotonic(), e.step))
            elif isinstance(e, EvalEvent):
                run.history.add_eval(e)
                run.last_eval = e
            elif isinstance(e, Snapshot):
                run.snapshots.add(e)
        run.revision += 1

    def set_inspection(self, inspection: Any) -> None:
        if self.run is not None:
            self.run.inspection = inspection
            self.run.revision += 1

    # comparison and ablation ----------------------------------------------------------

    def record_run(self, run: RunData | None = None, name: str | None = None) -> None:
        """Keep a finished run in the runs list (once: a run trained on updates its entry)."""
        run = run if run is not None else self.run
        if run is None or run.step == 0:
            return
        record = self._run_records.get(id(run))
        if record is None:
            label = name or f"{self.preset if self.experiment == run.experiment else 'run'}"
            record = RunRecord(
                f"{len(self.runs) + 1}. {label}",
                run.experiment,
                run.history,
                run.last_eval,
                run.step,
            )
            self._run_records[id(run)] = record
            self.runs.append(record)
        record.experiment, record.final, record.step = run.experiment, run.last_eval, run.step
        self.runs_changed.emit()

    def add_run_record(self, record: RunRecord) -> None:
        record.name = f"{len(self.runs) + 1}. {record.name}"
        self.runs.append(record)
        self.runs_changed.emit()

    def toggle_head(self, head: Head) -> None:
        self.set_ablation(self.ablated ^ {head})

    def set_ablation(self, heads) -> None:
        heads = frozenset(heads)
        if heads != self.ablated:
            self.ablated = heads
            self.ablation_changed.emit(heads)

    def training_data(self, n_examples: int = 4):
        """The tables of a small batch for the current settings (None if they are invalid)."""
        from tinyformer.tasks import make_task
        from tinyformer.tasks.tables import batch_tables

        exp = self.experiment
        if exp is None:
            return None
        task = make_task(exp.task)
        examples = task.examples(random.Random(exp.train.seed), n_examples, exp.model.arch)
        return batch_tables(task, examples, exp.model.arch, exp.model.causal)
