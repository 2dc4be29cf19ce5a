"""AppModel: the user's requests, applied in order to the form, the live run and Compare.

The window turns clicks and keys into the calls below and draws from the signals of the
parts: `form` (the settings being edited), `live` (the run, explorer.core.run_model),
`compare` (finished runs), `guard` (questions before work is lost) and `jobs` (the
worker's work for the form). An edit that would
discard unsaved work is held until the guard's question is answered; nothing changes
meanwhile, and no event loop runs inside any of these calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from explorer.core.compare import RunList, RunRecord
from explorer.core.form import Form, Settings, experiment_of
from explorer.core.questions import Guard, Question
from explorer.core.run import Run
from explorer.core.run_model import RunModel
from explorer.core.side_jobs import SideJobs
from explorer.core.status import Status
from tinyformer.presets import Preset
from tinyformer.training.experiment import Experiment

RESET = Question("discard", "Reset", "Start again from fresh weights? The unsaved run ({run}) "
                 "is lost.", "Reset")  # fmt: skip
OPEN = Question("discard", "Open a run", "The current run ({run}) is not saved. Open another "
                "and discard it?", "Open")  # fmt: skip
QUIT = Question("save", "Unsaved run", "Save the run ({run}) before quitting?")


class AppModel(QObject):
    said = Signal(str)  # a line for the status bar: why something happened
    temperature_changed = Signal(float)

    def __init__(self, presets: dict[str, Preset] | None = None) -> None:
        super().__init__()
        self.form = Form(presets)
        self.live = RunModel(namer=self._name_run)
        self.jobs = SideJobs()  # the worker's work for the form: tables, examples files
        self.compare = RunList()
        self.guard = Guard(self.live)
        for part in (self.form, self.live, self.jobs, self.compare, self.guard):
            part.setParent(self)  # they go when the app model goes (with its window)
        self.temperature = 1.0
        self.examples_file: str | None = None  # where the custom task's long text came from
        # The form's name for a setting ("Hidden size"), for questions; the window's.
        self.label_of: Callable[[str, str], str | None] = lambda part, key: None
        self.live.run_replaced.connect(self._on_run_replaced)
        self.live.run_shortened.connect(self._on_run_shortened)
        self.live.run_ended.connect(self._keep)
        self.live.sweep_result_added.connect(self._on_sweep_result)

    # what views read ----------------------------------------------------------------------

    @property
    def presets(self) -> dict[str, Preset]:
        return self.form.presets

    @property
    def settings(self) -> Settings:
        return self.form.settings

    @property
    def experiment(self) -> Experiment | None:
        return self.form.experiment

    @property
    def error(self) -> str:
        return self.form.error

    @property
    def preset(self) -> str:
        return self.form.preset

    @property
    def preset_modified(self) -> bool:
        return self.form.preset_modified

    @property
    def status(self) -> Status:
        return self.live.status

    @property
    def run(self) -> Run | None:
        return self.live.run

    @property
    def ablated(self) -> frozenset[str]:
        return self.live.ablated

    # edits --------------------------------------------------------------------------------

    def set_setting(self, part: str, name: str, value: Any) -> bool:
        """One user edit; True if applied now (False: refused, or held for a question)."""
        return self.set_settings(part, {name: value})

    def set_settings(self, part: str, changes: dict[str, Any]) -> bool:
        """Several settings of one part changed as one edit."""
        settings = self.form.with_changes(part, changes)
        return True if settings is None else self._propose(settings)

    def load_preset(self, name: str, then: Callable[[], None] | None = None) -> bool:
        """A preset's settings as one edit; `then` runs once it is applied."""
        return self._propose(self.presets[name].experiment.to_dict(), name, then)

    def load_settings(self, settings: Settings, preset: str | None) -> None:
        """Settings from elsewhere (the last session), no questions asked; invalid ones
        raise ValueError and change nothing."""
        self.form.load(settings, preset)
        self._follow_form()

    def _propose(self, settings: Settings, preset=None, then=None) -> bool:
        if self.guard.open:
            self.form.revert()  # a click behind the open question goes nowhere
            return False
        if self._discards_work(settings):
            what = self._changes(settings) or "this"
            question = Question(
                "discard",
                "Discard the run?",
                f"Changing {what} discards the unsaved run ({{run}}).",
            )
            self.form.revert()  # the widgets show what holds until the answer
            self.guard.hold(question, lambda: self._apply(settings, preset, then))
            return False
        self._apply(settings, preset, then)
        return True

    def _apply(self, settings: Settings, preset: str | None, then) -> None:
        self.form.apply(settings, preset)
        self._follow_form()
        if then is not None:
            then()

    def _discards_work(self, settings: Settings) -> bool:
        run = self.run
        if run is None or not run.at_risk:
            return False
        try:
            new = experiment_of(settings)
        except (ValueError, TypeError):
            return True
        return new != run.experiment and not self._lengthens(run, new)

    @staticmethod
    def _lengthens(run: Run, new: Experiment) -> bool:
        """`new` is the run's experiment, longer than the run has come: it trains on."""
        same = new.replace(train={"steps": run.experiment.train.steps}) == run.experiment
        return same and new.train.steps > run.step

    def _follow_form(self) -> None:
        """The run follows the settings: a longer run trains on; anything else goes."""
        run, new = self.run, self.experiment
        if run is None or new == run.experiment or self.status is Status.SWEEPING:
            return
        if new is not None and self._lengthens(run, new):
            self.live.extend(new.train.steps)
            return
        if run.step > 0:
            steps = None if new is None else new.train.steps
            lower = new is not None and new.replace(train={"steps": run.experiment.train.steps})
            why = (f"Steps ({steps}) is below the run's step ({run.step})"
                   if lower == run.experiment else "The settings changed")  # fmt: skip
            kept = " (the old run is kept in Compare)" if run.kept_step == run.step else ""
            self.said.emit(f"{why}: Train starts a new run from fresh weights{kept}.")
        self.live.discard()

    def _changes(self, settings: Settings) -> str:
        """The edits as the form names them: "Hidden size from 256 to 128"."""
        said = []
        for part, values in settings.items():
            old = self.settings.get(part, {})
            for key, value in values.items():
                name = self.label_of(part, key)
                if name is None or old.get(key) == value:
                    continue
                short = isinstance(value, (int, float, bool)) or len(str(value)) <= 20
                said.append(f"{name} from {_say(old.get(key))} to {_say(value)}" if short else name)
        if len(said) > 2:  # a preset or a lesson: a list would say nothing
            return f"{len(said)} settings"
        return " and ".join(said)

    # training -----------------------------------------------------------------------------

    def train(self, by: int = 0) -> bool:
        """Train (to the end, or `by` steps), starting a run from the settings if none."""
        if self.guard.open:
            return False
        if self.run is None and self.status is Status.NO_RUN:
            if self.experiment is None:
                return False
            self.live.new_run(self.experiment)
        return self.live.train(by)

    def pause(self) -> None:
        self.live.pause()

    def stop(self) -> bool:
        return not self.guard.open and self.live.stop()

    def reset(self) -> None:
        """Fresh weights for the settings (asks first if the run holds unsaved work)."""
        if self.experiment is not None and self.run is not None:
            self.when_discardable(RESET, self._reset_now)

    def _reset_now(self) -> None:
        self.live.discard()
        if self.experiment is not None:
            self.live.new_run(self.experiment)

    def open_run(self, path: str) -> None:
        self.live.open_run(path)

    def when_discardable(self, question: Question, then: Callable[[], None]) -> None:
        """Run `then` now if the run holds no unsaved work, else once `question` allows."""
        run = self.run
        if run is None or not run.at_risk:
            then()
        else:
            self.guard.hold(question, then)

    def when_saved(self, then: Callable[[], None]) -> None:
        """Quitting: `then` runs now if nothing is unsaved, else once the question allows
        (after a save, if the answer is to save)."""
        run = self.run
        if run is None or not run.unsaved:
            then()
        else:
            self.guard.hold(QUIT, then)

    # heads, temperature, runs -------------------------------------------------------------

    def toggle_head(self, head: str) -> bool:
        return self.live.toggle_head(head)

    def set_ablation(self, heads) -> bool:
        return self.live.set_ablation(heads)

    def set_temperature(self, temperature: float) -> None:
        if temperature > 0 and temperature != self.temperature:
            self.temperature = float(temperature)
            self.temperature_changed.emit(self.temperature)

    def _name_run(self, experiment: Experiment, path: str | None) -> str:
        if path is None:
            return self.form.name_for(experiment)
        same = (n for n, p in self.presets.items() if p.experiment == experiment)
        return next(same, Path(path).name)

    def _on_run_replaced(self, run: Run | None) -> None:
        if run is not None and run.path is not None:  # opened: the settings follow the file
            self.form.load(run.experiment.to_dict(), None)
            if run.note:
                self.said.emit(run.note)
        else:
            self._follow_form()  # settings edited while the run was being made

    def _on_run_shortened(self, run: Run) -> None:
        """After Stop the settings follow the run's length, not the reverse."""
        new, ran = self.experiment, run.experiment
        if new is not None and new != ran and new.replace(train={"steps": ran.train.steps}) == ran:
            self.form.apply(ran.to_dict())

    def _keep(self, run: Run) -> None:
        record = RunRecord(run.name, run.experiment, run.history, run.last_eval, run.step,
                           run_serial=run.serial)  # fmt: skip
        self.compare.keep(record)
        run.kept_step = run.step

    def _on_sweep_result(self, result) -> None:
        self.compare.keep(RunRecord(result.name, result.experiment, result.history,
                                    result.final, result.step))  # fmt: skip


def _say(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)
