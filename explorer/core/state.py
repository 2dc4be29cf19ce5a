"""App state: the settings being edited, the run they belong to, what the run has produced.

A plain object with signals; no widget, no torch. Widgets write user edits here and
update from its signals; the training session feeds it what the worker reports. Edits
pass a guard first (the window's: it may ask before a run is discarded), so nothing
changes until the question is answered.
"""

from __future__ import annotations

import copy
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal

from explorer.core.results import Inspection, LiveAttention, RunInfo
from tinyformer.inspect.evaluation import EvalEvent
from tinyformer.presets import Preset, load_presets
from tinyformer.training.events import Snapshot, StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.snapshots import SnapshotLog

Settings = dict[str, dict[str, Any]]  # Experiment.to_dict(): {"model", "task", "train"}
Head = tuple[str, int, int]  # (kind, layer, head)


class Status(str, Enum):
    NO_RUN = "no run"  # nothing trained yet with these settings
    PREPARING = "preparing"  # the worker is building or loading a run
    READY = "ready"  # a run exists and is not training
    TRAINING = "training"
    PAUSING = "pausing"  # a pause was asked for; the worker has not stopped yet
    FINISHED = "finished"
    SWEEPING = "sweeping"  # the worker trains a sweep; the current run waits


@dataclass
class RunRecord:
    """A finished run, kept for comparison: its settings, curves and final evaluation."""

    name: str
    experiment: Experiment
    history: History
    final: EvalEvent | None
    step: int
    shown: bool = True  # ticked in the comparison
    run_serial: int | None = None  # the run it records, if it was the app's current run


@dataclass
class RunData:
    """What the current run has produced, as the GUI's own copy (never shared with the
    worker thread). `serial` names the run; `revision` counts its changes: views key
    their caches on both."""

    serial: int
    experiment: Experiment
    step: int = 0
    history: History = field(default_factory=History)
    snapshots: SnapshotLog = field(default_factory=SnapshotLog)
    path: str | None = None  # the file it was opened from or last saved to
    saved_step: int | None = None  # the step written to `path`
    kept_step: int | None = None  # the step recorded in Compare
    held_out: int = 0  # examples in every evaluation
    split: str = "held-out"
    fresh: bool = True  # held-out inputs are fresh draws (no fixed split)
    distinct: int = 0  # different inputs among them (a pattern has only a few)
    live: LiveAttention | None = None
    inspection: Inspection | None = None
    last_step: StepEvent | None = None
    last_eval: EvalEvent | None = None
    last_train_eval: EvalEvent | None = None
    recent: deque = field(default_factory=lambda: deque(maxlen=64))  # (wall time, step)
    revision: int = 0

    def __post_init__(self) -> None:
        if self.path is not None and self.saved_step is None:
            self.saved_step = self.step  # opened from its file

    @property
    def unsaved(self) -> bool:
        """Trained further than its file (or never saved)."""
        return self.step > 0 and self.saved_step != self.step

    @property
    def seen_in_training(self) -> bool:
        """The evaluation's inputs are all among the training inputs: nothing is held out,
        or a generated task has so few different inputs (a pattern) that training saw them."""
        few = self.fresh and 0 < self.distinct <= self.held_out // 4
        return self.split == "training" or few

    @property
    def at_risk(self) -> bool:
        """Discarding it would lose work: neither saved nor kept in Compare at this step."""
        return self.unsaved and self.kept_step != self.step

    def steps_per_s(self, window_s: float = 2.0) -> float:
        """Training speed over the last seconds of wall time (evaluations included)."""
        now = time.monotonic()
        points = [(t, s) for t, s in self.recent if now - t <= window_s]
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            return 0.0
        return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])


class AppState(QObject):
    settings_changed = Signal(object)  # Settings
    validity_changed = Signal(str)  # "" when the settings make a valid experiment
    status_changed = Signal(object)  # Status
    run_changed = Signal(object)  # RunData | None: a new run, or none
    run_saved = Signal(str)  # path
    preset_changed = Signal(str)  # the preset's name, "" for none
    runs_changed = Signal()  # the list of finished runs
    ablation_changed = Signal(object)  # frozenset of switched-off heads
    temperature_changed = Signal(float)

    def __init__(self, presets: dict[str, Preset] | None = None) -> None:
        super().__init__()
        self.presets = presets if presets is not None else load_presets()
        self.preset = next(iter(self.presets))
        self.experiment: Experiment | None = self.presets[self.preset].experiment
        self.settings: Settings = self.experiment.to_dict()
        self.error = ""
        self.status = Status.NO_RUN
        self.run: RunData | None = None
        self.faded: list[History] = []  # earlier runs, drawn faded in the loss view
        self.runs: list[RunRecord] = []
        self.ablated: frozenset[Head] = frozenset()
        self.temperature = 1.0
        # Asked before an edit is applied: False keeps the settings as they are.
        self.guard: Callable[[Settings], bool] | None = None

    # settings -------------------------------------------------------------------------

    @property
    def preset_modified(self) -> bool:
        """The settings are no longer the preset's."""
        return bool(self.preset) and self.experiment != self.presets[self.preset].experiment

    def set_setting(self, part: str, name: str, value: Any) -> bool:
        """One user edit; True if applied. Invalid settings are kept, with the reason."""
        return self.set_settings(part, {name: value})

    def set_settings(self, part: str, changes: dict[str, Any]) -> bool:
        """Several settings of one part changed as one edit."""
        if all(self.settings[part].get(k) == v for k, v in changes.items()):
            return True
        settings = copy.deepcopy(self.settings)
        settings[part].update(changes)
        return self._propose(settings)

    def load_preset(self, name: str) -> bool:
        """A preset's settings, as one edit (the guard may refuse it)."""
        return self._propose(self.presets[name].experiment.to_dict(), preset=name)

    def load_settings(self, settings: Settings, preset: str | None) -> None:
        """Settings from elsewhere (last session, a run file), no questions asked; invalid
        ones raise ValueError and change nothing. `preset`: the preset they came from, if
        known; else the preset whose settings they are, if any."""
        exp = Experiment.create(settings["model"], settings["task"], settings["train"])
        if preset not in self.presets:
            preset = next((n for n, p in self.presets.items() if p.experiment == exp), "")
        self._set_preset(preset)
        self._apply(exp.to_dict())

    def _propose(self, settings: Settings, preset: str | None = None) -> bool:
        if self.guard is not None and not self.guard(settings):
            self.settings_changed.emit(self.settings)  # widgets go back to what holds
            return False
        if preset is not None:
            self._set_preset(preset)
        self._apply(settings)
        return True

    def _set_preset(self, name: str) -> None:
        self.preset = name
        self.preset_changed.emit(name)

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

    def experiment_of(self, settings: Settings) -> Experiment | None:
        """The experiment `settings` make, or None if they make none."""
        try:
            return Experiment.create(settings["model"], settings["task"], settings["train"])
        except (ValueError, TypeError):
            return None

    def settings_differ_from_run(self) -> bool:
        """True when the edited settings are not those of the current run."""
        return self.run is not None and self.experiment != self.run.experiment

    def only_steps_differ(self) -> bool:
        if self.run is None or self.experiment is None:
            return False
        steps = {"steps": self.run.experiment.train.steps}
        return self.experiment.replace(train=steps) == self.run.experiment

    # run ------------------------------------------------------------------------------

    def set_status(self, status: Status) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)

    def start_run(self, run: RunData | None) -> None:
        if self.run is not None and self.run.step > 0:
            self.faded = [*self.faded, self.run.history][-4:]
        self.run = run
        self.set_ablation(())
        self.run_changed.emit(run)

    def update_run(self, info: RunInfo) -> None:
        """What the worker says the run now is (after Stop, a new length, a save)."""
        run = self.run
        if run is None or run.serial != info.serial:
            return
        run.experiment, run.step = info.experiment, info.step
        run.revision += 1
        if self.experiment is not None and self.only_steps_differ():
            # The settings follow the run's length (Stop shortens it), not the reverse.
            self._apply(run.experiment.to_dict())

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
                run.recent.append((time.monotonic(), e.step))
            elif isinstance(e, EvalEvent) and e.split == "training" and run.split != "training":
                run.history.add_train_eval(e)
                run.last_train_eval = e
            elif isinstance(e, EvalEvent):
                run.history.add_eval(e)
                run.last_eval = e
            elif isinstance(e, Snapshot):
                run.snapshots.add(e)
        run.revision += 1

    def set_inspection(self, inspection: Inspection) -> None:
        if self.run is not None:
            self.run.inspection = inspection
            self.run.revision += 1

    # comparison, ablation, temperature ------------------------------------------------

    def record_run(self) -> None:
        """Keep the finished run in the runs list (once: a run trained on updates its entry)."""
        run = self.run
        if run is None or run.step == 0:
            return
        record = next((r for r in self.runs if r.run_serial == run.serial), None)
        if record is None:
            label = self.preset or "your settings"
            if self.preset and self.preset_modified:
                label += " (modified)"
            record = RunRecord(
                f"{len(self.runs) + 1}. {label}",
                run.experiment,
                run.history,
                run.last_eval,
                run.step,
                run_serial=run.serial,
            )
            self.runs.append(record)
        record.experiment, record.final, record.step = run.experiment, run.last_eval, run.step
        run.kept_step = run.step
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

    def set_temperature(self, temperature: float) -> None:
        if temperature > 0 and temperature != self.temperature:
            self.temperature = float(temperature)
            self.temperature_changed.emit(self.temperature)

    def training_data(self, n_examples: int = 4):
        """The tables of a small batch for the current settings (None if they are invalid)."""
        from tinyformer.tasks import make_task
        from tinyformer.tasks.tables import batch_tables

        exp = self.experiment
        if exp is None:
            return None
        task = make_task(exp.task)
        examples = task.examples(random.Random(exp.train.seed), n_examples, exp.model.arch)
        return batch_tables(task, examples[:n_examples], exp.model.arch, exp.model.causal)
