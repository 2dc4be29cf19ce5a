"""The trainer: reproducible, resumable, stops cleanly on NaN, reports plain values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers import tiny
from tinyformer.training.events import EvalEvent, Snapshot, StepEvent
from tinyformer.training.experiment import TrainConfig
from tinyformer.training.history import Series
from tinyformer.training.runfile import load_run, save_run
from tinyformer.training.snapshots import SnapshotLog
from tinyformer.training.trainer import Trainer, TrainingDiverged


def _losses(trainer):
    return trainer.history.steps["loss"].arrays()[1]


@pytest.mark.parametrize(
    "arch, task",
    [("encoder-decoder", "copy"), ("decoder-only", "induction"), ("encoder-only", "masked")],
)
def test_same_experiment_and_seed_give_the_same_loss_curve(arch, task):
    exp = tiny(arch, task)
    a, b = Trainer(exp, device="cpu"), Trainer(exp, device="cpu")
    list(a.run())
    list(b.run())
    assert np.array_equal(_losses(a), _losses(b))
    c = Trainer(exp.replace(train={"seed": 1}), device="cpu")
    list(c.run())
    assert not np.array_equal(_losses(a), _losses(c))


def test_reopened_run_continues_exactly_as_straight_through(tmp_path):
    exp = tiny(steps=20).replace(model={"dropout": 0.1})  # dropout: the torch RNG matters too
    straight = Trainer(exp, device="cpu")
    list(straight.run())

    first = Trainer(exp, device="cpu")
    list(first.run(steps=9))
    path = save_run(first, tmp_path / "half.tfrun")
    torch.manual_seed(1234)  # disturb the global RNG: the run file must restore it
    resumed = load_run(path, device="cpu")
    assert resumed.step_count == 9
    list(resumed.run())

    assert np.array_equal(_losses(straight), _losses(resumed))
    for (k, v), w in zip(
        straight.model.state_dict().items(), resumed.model.state_dict().values(), strict=True
    ):
        assert torch.equal(v, w), k
    assert straight.snapshots.steps() == resumed.snapshots.steps()


def test_events_carry_plain_values_never_tensors():
    trainer = Trainer(tiny(), device="cpu")
    events = list(trainer.run())
    kinds = {type(e) for e in events}
    assert kinds == {StepEvent, EvalEvent, Snapshot}
    for e in events:
        for value in vars(e).values():
            assert not isinstance(value, torch.Tensor)
        if isinstance(e, Snapshot):
            assert set(e.attention) == {"encoder", "decoder", "cross"}
            assert all(isinstance(a, np.ndarray) for a in e.attention.values())
            assert e.attention["cross"].shape == (1, 2, 6, 6)  # (L, H, T_q, T_k)
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 13))
    assert all(e.examples_per_s > 0 and e.grad_norm >= 0 for e in steps)
    assert [e.step for e in events if isinstance(e, EvalEvent)] == [5, 10, 12]


@pytest.mark.parametrize("where", ["loss", "gradient"])
def test_a_non_finite_value_stops_with_advice_and_leaves_the_weights_alone(where):
    trainer = Trainer(tiny(lr=0.5, steps=50), device="cpu")
    list(trainer.run(steps=3))
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    gen = trainer.model.generator
    if where == "loss":
        gen.register_forward_hook(lambda mod, inp, out: out * float("nan"))
    else:
        gen.weight.register_hook(lambda grad: grad * float("inf"))
    with pytest.raises(TrainingDiverged) as err:
        trainer.step()
    assert f"the {where}" in str(err.value)
    assert "at step 4; training stopped with the weights of step 3" in str(err.value)
    assert "Lower the learning rate (now 0.5, try 0.05)" in str(err.value)
    assert trainer.step_count == 3
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_learning_rate_schedule():
    tc = TrainConfig(lr=1.0, warmup=4, steps=14, decay="linear")
    assert [tc.lr_at(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert tc.lr_at(9) == pytest.approx(0.5)
    assert tc.lr_at(14) == 0.0
    assert TrainConfig(lr=2.0).lr_at(1000) == 2.0


def test_history_stays_bounded_and_keeps_its_shape():
    s = Series(capacity=64)
    for i in range(1, 10_001):
        s.append(i, float(i))
    x, y = s.arrays()
    assert len(x) <= 64
    assert x[-1] <= 10_000 and x[0] > 1
    assert np.all(np.diff(x) > 0)
    assert np.allclose(y, x - (s.stride - 1) / 2)  # bucket means of a straight line


def test_snapshot_log_thins_evenly_to_its_budget():
    log = SnapshotLog(budget_bytes=10 * 400)
    for step in range(0, 1000, 5):
        log.add(Snapshot(step, {"encoder": np.zeros((1, 1, 10, 10), dtype=np.float32)}))
    assert log.nbytes <= 10 * 400
    steps = log.steps()
    assert steps[0] == 0 and steps[-1] == 995
    assert len(set(np.diff(steps[:-1]))) == 1  # evenly spaced, newest kept
    assert len(steps) >= 5


def test_device_choice_is_checked():
    with pytest.raises(ValueError, match="device must be auto, cpu or cuda"):
        Trainer(tiny(), device="tpu")


def test_a_preset_with_the_same_seed_gives_the_same_loss_history():
    from tinyformer.presets import get_preset

    exp = get_preset("copy").experiment.replace(train={"steps": 25, "eval_size": 8})
    runs = [Trainer(exp, device="cpu") for _ in range(2)]
    for t in runs:
        list(t.run())
    assert np.array_equal(_losses(runs[0]), _losses(runs[1]))
    assert runs[0].history.evals["exact_match"].y == runs[1].history.evals["exact_match"].y


def test_inspect_examples_lines_up_with_the_answers():
    from tinyformer.inspect.predictions import inspect_examples

    for arch, task in (
        ("encoder-decoder", "copy"),
        ("decoder-only", "copy"),
        ("encoder-only", "masked"),
    ):
        trainer = Trainer(tiny(arch, task), device="cpu")
        results = inspect_examples(trainer.model, trainer.task, trainer.heldout[:3], arch)
        assert len(results) == 3
        for r, e in zip(results, trainer.heldout[:3], strict=True):
            assert len(r.target) == len(r.forced) == len(r.greedy) == len(r.greedy_probs())
            assert all(0 <= p <= 1 for p in r.forced_probs() + r.greedy_probs())
            if task == "copy":
                assert r.target == trainer.task.vocab.decode(e.target)
