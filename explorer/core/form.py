"""Form: the settings being edited, and the experiment they make (or why they make none).

Apart from the run: editing the form never touches the run. Whether an edit may discard
the run, and what follows from it, is the app model's business (explorer.core.app_model),
which applies edits here once they are allowed.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, Signal

from tinyformer.presets import Preset, load_presets
from tinyformer.training.experiment import Experiment

Settings = dict[str, dict[str, Any]]  # Experiment.to_dict(): {"model", "task", "train"}


def experiment_of(settings: Settings) -> Experiment:
    """The experiment `settings` make; ValueError (or TypeError) says why they make none."""
    return Experiment.create(settings["model"], settings["task"], settings["train"])


class Form(QObject):
    settings_changed = Signal(object)  # Settings: the widgets show these
    validity_changed = Signal(str)  # "" when the settings make a valid experiment
    preset_changed = Signal(str)  # the preset's name, "" for none

    def __init__(self, presets: dict[str, Preset] | None = None) -> None:
        super().__init__()
        self.presets = presets if presets is not None else load_presets()
        self.preset = next(iter(self.presets))
        self.experiment: Experiment | None = self.presets[self.preset].experiment
        self.settings: Settings = self.experiment.to_dict()
        self.error = ""

    @property
    def preset_modified(self) -> bool:
        """The settings are no longer the preset's."""
        return bool(self.preset) and self.experiment != self.presets[self.preset].experiment

    def with_changes(self, part: str, changes: dict[str, Any]) -> Settings | None:
        """The settings with `changes` made to `part`; None if they change nothing."""
        if all(self.settings[part].get(k) == v for k, v in changes.items()):
            return None
        settings = copy.deepcopy(self.settings)  # strings (a long text) are shared, not copied
        settings[part].update(changes)
        return settings

    def apply(self, settings: Settings, preset: str | None = None) -> None:
        """Show `settings` (valid or not: an invalid edit is kept, with its reason)."""
        if preset is not None and preset != self.preset:
            self.preset = preset
            self.preset_changed.emit(preset)
        self.settings = settings
        try:
            exp = experiment_of(settings)
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

    def revert(self) -> None:
        """An edit was refused or is waiting for an answer: widgets show what holds."""
        self.settings_changed.emit(self.settings)
        self.preset_changed.emit(self.preset)

    def load(self, settings: Settings, preset: str | None) -> None:
        """Settings from elsewhere (the last session, a run file); invalid ones raise
        ValueError and change nothing. `preset`: the preset they came from, if known; else
        the preset whose settings they are, if any."""
        exp = experiment_of(settings)
        if preset not in self.presets:
            preset = next((n for n, p in self.presets.items() if p.experiment == exp), "")
        self.apply(exp.to_dict(), preset)

    def name_for(self, experiment: Experiment) -> str:
        """What to call a run of `experiment`: its preset's name, "(modified)" if it is the
        preset's task with other settings, else its task's."""
        name = self.preset
        if name and self.presets[name].experiment == experiment:
            return name
        if name and self.presets[name].experiment.task.name == experiment.task.name:
            return f"{name} (modified)"
        for other, p in self.presets.items():
            if p.experiment == experiment:
                return other
        return f"{experiment.task.name} task"
