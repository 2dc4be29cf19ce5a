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


class RunGuard:
    def __init__(self, parent, state: AppState, session: TrainingSession) -> None:
        self.parent, self.state, self.session = parent, state, session
        self.after_question: Callable[[], None] = lambda: None  # e.g. give focus back

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
        return self.may_discard(f"Changing this discards the current run ({self.describe()}).")

    def may_discard(self, text: str, title: str = "Discard the run?", yes: str = "Discard") -> bool:
        """True if the run may go: it holds nothing unsaved, or the user says so."""
        run = self.state.run
        if run is None or not run.at_risk:
            return True
        return self.ask(lambda: dialogs.confirm(self.parent, title, text, yes=yes))

    def describe(self) -> str:
        run = self.state.run
        return "" if run is None else f"step {run.step}, not saved"

    def ask(self, question: Callable[[], object]):
        """Ask with training paused; if the answer is a no (False or "cancel") and it was
        training, it trains on."""
        was_training = self.state.status in (Status.TRAINING, Status.PAUSING)
        if was_training:
            self.session.pause()
        answer = question()
        if was_training and answer in (False, "cancel"):
            self.session.train()
        self.after_question()
        return answer
