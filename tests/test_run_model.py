"""The run model on its own, fed reports by hand: its status machine, the order of
requests and reports, stale reports, and the history mirrored from the trainer."""

from __future__ import annotations

import pytest

from explorer.core import requests as rq
from explorer.core.readings import made, run_info
from explorer.core.results import Changed, Stopped, Trained
from explorer.core.run_model import RunModel
from explorer.core.status import TRANSITIONS, IllegalTransition, Status, StatusMachine
from tests.helpers import tiny
from tinyformer.training.trainer import Trainer

EVENTS = sorted({event for _, event in TRANSITIONS})


@pytest.mark.parametrize(("start", "event"), sorted(TRANSITIONS, key=str))
def test_every_transition_in_the_table_goes_where_it_says(start, event):
    machine = StatusMachine(start)
    assert machine.allows(event)
    assert machine.go(event) is TRANSITIONS[start, event]


@pytest.mark.parametrize("start", list(Status))
def test_every_event_the_table_lacks_is_refused_loudly(start):
    for event in EVENTS:
        if (start, event) in TRANSITIONS:
            continue
        machine = StatusMachine(start)
        assert not machine.allows(event)
        with pytest.raises(IllegalTransition, match=f"'{event}' is not allowed while"):
            machine.go(event)
        assert machine.status is start  # nothing moved


def test_every_status_can_be_reached_and_left():
    targets = set(TRANSITIONS.values())
    sources = {s for s, _ in TRANSITIONS}
    assert targets == set(Status) and sources == set(Status)


# the run model, fed by hand ------------------------------------------------------------------


class Fake:
    """A run model whose requests are kept, answered by a real trainer when asked."""

    def __init__(self, qtbot) -> None:
        self.live = RunModel()
        self.sent: list[rq.Request] = []
        self.live.requested.connect(self.sent.append)
        self.trainer = Trainer(tiny(steps=12), device="cpu")

    def make(self) -> int:
        """Answer the newest NewRun with the run made."""
        new = next(r for r in reversed(self.sent) if isinstance(r, rq.NewRun))
        self.live.apply(made(self.trainer, new.serial, None))
        return new.serial

    def last(self, kind):
        return next(r for r in reversed(self.sent) if isinstance(r, kind))

    def stopped(self, ticket: int, reason: str = "paused") -> Stopped:
        return Stopped(self.serial, ticket, run_info(self.trainer, self.serial, None), reason)

    @property
    def serial(self) -> int:
        return self.live.run.serial


def test_train_with_no_run_makes_one_and_trains_it(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    assert f.live.train()
    assert f.live.status is Status.PREPARING
    f.make()
    assert f.live.status is Status.TRAINING  # "made_training": Train was pressed first
    assert f.last(rq.Train).serial == f.serial


def test_a_pause_then_train_again_is_not_undone_by_the_late_pause_report(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    f.make()
    f.live.train()
    first = f.last(rq.Train).ticket
    f.live.pause()
    assert f.live.status is Status.PAUSING
    f.live.train()  # Space twice, quickly
    assert f.live.status is Status.TRAINING
    f.live.apply(f.stopped(first))  # the first training's end: overtaken, no status change
    assert f.live.status is Status.TRAINING
    f.live.apply(f.stopped(f.last(rq.Train).ticket))
    assert f.live.status is Status.READY


def test_reports_about_a_run_that_has_gone_are_dropped(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    old = f.make()
    f.live.discard()
    assert f.live.run is None and f.live.status is Status.NO_RUN
    late = Trained(old, 3, f.trainer.history.since(None), None, None, None, None)
    f.live.apply(late)  # nothing to apply it to: dropped, no error
    f.live.apply(Stopped(old, 99, run_info(f.trainer, old, None), "paused"))
    assert f.live.run is None and f.live.status is Status.NO_RUN


def test_the_mirrored_history_equals_the_trainers_and_each_evaluation_comes_once(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    f.make()
    mark = f.trainer.history.mark()
    for _ in range(12):
        f.trainer.advance()
        if f.trainer.step_count % 5 == 0 or f.trainer.done:
            piece = f.trainer.history.since(mark)
            mark = f.trainer.history.mark()
            f.live.apply(Trained(f.serial, f.trainer.step_count, piece, None, None, None, None))
    mirror, owner = f.live.run.history, f.trainer.history
    for part in ("steps", "evals", "train_evals"):
        for name, series in getattr(owner, part).items():
            assert getattr(mirror, part)[name].x == series.x, (part, name)
            assert getattr(mirror, part)[name].y == series.y, (part, name)
    assert mirror.evals["loss"].x == [5.0, 10.0, 12.0]


def test_stop_while_training_ends_the_run_and_the_settings_can_follow(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    f.make()
    f.live.train()
    f.trainer.advance()
    piece = f.trainer.history.since(None)
    f.live.apply(Trained(f.serial, 1, piece, None, None, None, None))
    ended = []
    f.live.run_shortened.connect(ended.append)
    assert f.live.stop()
    assert f.live.status is Status.PAUSING and isinstance(f.sent[-1], rq.Stop)
    f.live.apply(f.stopped(f.last(rq.Train).ticket))
    assert f.live.status is Status.READY
    f.trainer.experiment = f.trainer.experiment.replace(train={"steps": 1})
    f.live.apply(Changed(run_info(f.trainer, f.serial, None), ended=True))
    assert f.live.status is Status.FINISHED and ended == [f.live.run]


def test_while_a_question_holds_requests_training_goes_nowhere(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    f.make()
    f.live.set_locked(True)
    sent = len(f.sent)
    assert not f.live.train()
    assert f.live.status is Status.READY and len(f.sent) == sent
    f.live.set_locked(False)
    assert f.live.train() and f.live.status is Status.TRAINING


def test_heads_are_named_as_their_tensors_and_only_switched_when_not_training(qtbot):
    f = Fake(qtbot)
    f.live.new_run(f.trainer.experiment)
    f.make()
    assert f.live.toggle_head("decoder.0.cross.1")
    assert f.live.ablated == {"decoder.0.cross.1"}
    assert f.last(rq.SetAblation).heads == {"decoder.0.cross.1"}
    with pytest.raises(ValueError, match="is not a head"):
        f.live.toggle_head(("cross", 0, 1))  # a tuple is not the name
    f.live.train()
    assert f.live.ablated == frozenset()  # training uses every head
    assert not f.live.toggle_head("decoder.0.cross.0")
