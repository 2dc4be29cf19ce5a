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
        return self.may_discard("Changing this discards the unsaved run ({run}).")

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
