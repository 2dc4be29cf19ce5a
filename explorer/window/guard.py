"""Questions asked before work is lost, and only then.

An edit that would discard the run asks first only if the run holds work found nowhere
else (not saved, not kept in Compare); the question comes before anything changes, and
training waits while it is open. Cancelling leaves form, views and run exactly as they
were (and training goes on if it was on).
"""

from __future__ import annotations

from collections.abc import Callable

from explorer.core.session import TrainingSession
from explorer.core.state import AppState, Settings, Status
from explorer.views import dialogs

PAUSE_WAIT_MS = 2000  # how long a question waits for training to stop before it shows


class RunGuard:
    def __init__(self, parent, state: AppState, session: TrainingSession) -> None:
        self.parent, self.state, self.session = parent, state, session
        self.after_question: Callable[[], None] = lambda: None  # e.g. give focus back
        self.save_run: Callable[[], bool] = lambda: False  # asks where; False if cancelled
        self.name_of: Callable[[str, str], str | None] = lambda part, key: None  # "Hidden size"

    def allow_settings(self, settings: Settings) -> bool:
        """The state's guard: may these settings replace the current ones?"""
        run = self.state.run
        if run is None or run.step == 0:
            return True
        new = self.state.experiment_of(settings)
        if new == run.experiment:
            return True
        if new is not None:
            same_but_length = new.replace(train={"steps": run.experiment.train.steps})
            if same_but_length == run.experiment and new.train.steps > run.step:
                return True  # a longer run: it trains on
        what = self.changes(settings) or "this"
        return self.may_discard(f"Changing {what} discards the unsaved run ({{run}}).")

    def changes(self, settings: Settings) -> str:
        """The edits, as the form names them: "Hidden size from 256 to 128". The field
        behind the question already shows the old value again, so the question says it."""
        said = []
        for part, values in settings.items():
            old = self.state.settings.get(part, {})
            for key, value in values.items():
                name = self.name_of(part, key)
                if name is None or old.get(key) == value:
                    continue
                short = isinstance(value, (int, float, bool)) or len(str(value)) <= 20
                said.append(f"{name} from {_say(old.get(key))} to {_say(value)}" if short else name)
        if len(said) > 2:  # a preset or a lesson: a list would say nothing
            return f"{len(said)} settings"
        return " and ".join(said)

    def may_discard(self, text: str, title: str = "Discard the run?", yes: str = "Discard") -> bool:
        """True if the run may go: it holds nothing unsaved, or the user saves it first
        or says to discard it. `{run}` in `text` names the run, at the step it paused at."""
        run = self.state.run
        if run is None or not run.at_risk:
            return True

        def question() -> bool:
            answer = dialogs.confirm(self.parent, title, text.format(run=self.describe()), yes=yes)
            if answer == "save":
                return self.save_run()  # False when the file dialog was cancelled
            return answer == "discard"

        return self.ask(question)

    def describe(self) -> str:
        run = self.state.run
        if run is None:
            return ""
        name = self.state.preset or "your settings"
        return f"{name}, step {run.step}"

    def ask(self, question: Callable[[], object]):
        """Ask with training paused (the question names the step it paused at); if the
        answer is a no (False or "cancel") and it was training, it trains on."""
        was_training = self.state.status in (Status.TRAINING, Status.PAUSING)
        if was_training:
            self.session.pause()
            self.session.wait_paused(PAUSE_WAIT_MS)
        answer = question()
        if was_training and answer in (False, "cancel"):
            self.session.train()
        self.after_question()
        return answer


def _say(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)
