"""The history has one owner; a mirror fed its slices always equals it."""

from __future__ import annotations

import random

import pytest

from tests.helpers import tiny
from tinyformer.training.events import StepEvent
from tinyformer.training.history import History, Series
from tinyformer.training.trainer import Trainer


@pytest.mark.parametrize("seed", range(4))
def test_a_mirror_fed_slices_equals_the_series_through_compactions(seed):
    rng = random.Random(seed)
    owner, mirror, mark = Series(capacity=16), Series(capacity=16), None
    for x in range(1, 400):
        owner.append(x, rng.random())
        if rng.random() < 0.3:  # looked at now and then, as a window does
            piece = owner.since(mark)
            if piece is not None:
                mirror.extend(piece)
            mark = owner.mark()
            assert (mirror.x, mirror.y) == (owner.x, owner.y)
    assert owner.compactions > 2  # compacted on the way: slices then restart from 0


def test_nothing_new_gives_no_slice():
    h = History()
    h.add_step(StepEvent(1, 0.5, 0.1, 1e-3, 1.0, 10.0, 0.1))
    mark = h.mark()
    assert not h.since(mark)
    assert h.since(None).parts["steps"]["loss"].x == (1.0,)


def test_with_nothing_held_out_each_evaluation_is_made_once():
    text = "\n".join(f"{i} {i + 1} -> {i + 1} {i}" for i in range(1, 9))
    exp = tiny(task="copy", eval_every=5, steps=10).replace(
        task={"name": "custom", "text": text, "held_out": 0.0}
    )
    trainer = Trainer(exp, device="cpu")
    events = [e for e in trainer.run() if type(e).__name__ == "EvalEvent"]
    assert [e.step for e in events] == [5, 10]  # not [5, 5, 10, 10]
    assert {e.split for e in events} == {"training"}
    x, _ = trainer.history.evals["exact_match"].arrays()
    assert list(x) == [5, 10] and len(trainer.history.train_evals["exact_match"]) == 0
