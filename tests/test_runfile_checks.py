"""Run files are checked in full before anything is built: every damaged or hostile
content is refused with one clear RunFileError naming the file, never a crash, a
traceback or a gigabyte allocated."""

from __future__ import annotations

import copy
import random
import resource
import time

import pytest
import torch

from tinyformer.training.experiment import Experiment
from tinyformer.training.runfile import RunFileError, load_run, run_state, save_run
from tinyformer.training.trainer import Trainer

TINY = {"arch": "encoder-decoder", "d_model": 16, "n_heads": 2, "n_layers": 1, "d_ff": 32}


@pytest.fixture(scope="module")
def good_state():
    exp = Experiment.create(TINY, {"name": "copy", "seq_len": 5}, {"steps": 8, "eval_size": 8,
                                                                    "batch_size": 4})  # fmt: skip
    trainer = Trainer(exp, device="cpu")
    list(trainer.run())
    return run_state(trainer)


def _refused(tmp_path, state, match: str) -> str:
    path = tmp_path / "damaged.tfrun"
    torch.save(state, path)
    with pytest.raises(RunFileError, match=match) as err:
        load_run(path, device="cpu")
    assert str(path) in str(err.value)
    return str(err.value)


def _with(state, *keys_and_value):
    """A deep copy of `state` with one entry replaced: _with(s, "a", "b", value)."""
    changed = copy.deepcopy(state)
    *keys, last, value = keys_and_value
    target = changed
    for key in keys:
        target = target[key]
    target[last] = value
    return changed


@pytest.mark.parametrize(
    ("keys_and_value", "match"),
    [
        (("optimizer", "state", 3, "exp_avg_sq", torch.zeros(1)), r"exp_avg_sq\) has shape"),
        (("optimizer", "state", 0, "exp_avg", torch.zeros(2, 2)), r"exp_avg\) has shape"),
        (("experiment", "model", "n_layers", 20000), "n_layers must be an integer from 1 to 12"),
        (("experiment", "model", "d_model", 100000), "d_model must be an integer from 1 to"),
        (("version", -1), "version -1"),
        (("version", True), "version True"),
        (("step", -50), "step must be an integer from 0"),
        (("step", 10**9), "step must be an integer from 0 to 8"),
        (("elapsed", float("nan")), "elapsed must be a finite number"),
        (("rng", "data", 1, 0, float("inf")), "word of the data random state"),
        (("rng", "data", 1, 0, 2**80), "word of the data random state"),
        (("rng", "torch", torch.zeros(3, dtype=torch.uint8)), "torch random state has shape"),
        (("history", "steps", "loss", "stride", 0), r"stride must be an integer from 1"),
        (("history", "steps", "loss", "y", [0.1] * 3), "x and y differ in length"),
        (("snapshots", "grid", 0, "attention", "cross", [[0.5]]), "cross attention must be"),
        (("snapshots", "grid", 0, "step", 99), "snapshot 1's step"),
        (("model", "generator.weight", torch.zeros(3, 3)), "weight generator.weight has shape"),
    ],
)
def test_each_kind_of_damage_is_named(tmp_path, good_state, keys_and_value, match):
    _refused(tmp_path, _with(good_state, *keys_and_value), match)


def test_non_finite_weights_are_refused(tmp_path, good_state):
    state = copy.deepcopy(good_state)
    state["model"]["generator.weight"][0, 0] = float("nan")
    _refused(tmp_path, state, "generator.weight holds values that are not finite")


def test_twenty_thousand_layers_are_refused_at_once_with_little_memory(tmp_path, good_state):
    state = _with(good_state, "experiment", "model", "n_layers", 20000)
    path = tmp_path / "huge.tfrun"
    torch.save(state, path)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(RunFileError):
        load_run(path, device="cpu")
    assert time.perf_counter() - t0 < 1.0
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 100


def test_a_huge_model_within_the_layer_limit_is_refused_before_building(tmp_path, good_state):
    big = {**good_state["experiment"]["model"], "d_model": 1024, "n_layers": 12, "d_ff": 8192}
    message = _refused(tmp_path, _with(good_state, "experiment", "model", big), "weights")
    assert "at most 20,000,000 are allowed" in message


def test_a_valid_file_loads_and_trains_on(tmp_path, good_state):
    path = tmp_path / "good.tfrun"
    torch.save(good_state, path)
    trainer = load_run(path, device="cpu")
    trainer.experiment = trainer.experiment.replace(train={"steps": 10})
    list(trainer.run())
    assert trainer.step_count == 10


# fuzzing -----------------------------------------------------------------------------


def _mutate(state, rng: random.Random):
    """One random damage: a number changed, a key dropped or renamed, a tensor reshaped or
    filled with junk, a list cut short."""
    state = copy.deepcopy(state)
    path, node = [], state
    while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = rng.choice(keys)
        path.append(key)
        node = node[key]
    if not path:
        return {"format": "tinyformer-run", "version": 2}
    parent = state
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    roll = rng.random()
    if roll < 0.15 and isinstance(parent, dict):
        del parent[key]
    elif roll < 0.25 and isinstance(parent, dict):
        parent[f"{key}_renamed"] = parent.pop(key)
    elif isinstance(node, torch.Tensor) and node.numel():
        choice = rng.randrange(4)
        if choice == 0:
            parent[key] = node.flatten()[: max(1, node.numel() // 2)]
        elif choice == 1 and node.is_floating_point():
            parent[key] = torch.full_like(node, rng.choice([float("nan"), float("inf"), 1e30]))
        elif choice == 1:
            parent[key] = torch.full_like(node, rng.randrange(256))
        elif choice == 2:
            parent[key] = node.to(torch.float64)
        else:
            parent[key] = torch.zeros([d + 1 for d in node.shape] or [2], dtype=node.dtype)
    elif isinstance(node, bool):
        parent[key] = not node
    elif isinstance(node, (int, float)):
        parent[key] = rng.choice([-1, 0, 2**63, float("nan"), 1e300, -(10**9), True, "7"])
    elif isinstance(node, list):
        parent[key] = node[: rng.randrange(len(node) + 1)] if node else [None]
    elif isinstance(node, str):
        parent[key] = rng.choice(["", "zzz", "decoder-only", "\x00"])
    else:
        parent[key] = rng.choice([None, [], {}, 3])
    return state


def test_fuzzed_run_files_are_refused_cleanly_or_load_and_train(tmp_path, good_state):
    """Seeded, a few seconds: no mutation may give anything but a RunFileError or a run
    that trains a step."""
    rng = random.Random(1234)
    outcomes = {"refused": 0, "loaded": 0}
    path = tmp_path / "fuzzed.tfrun"
    for i in range(150):
        state = _mutate(good_state, rng)
        torch.save(state, path)
        if i % 5 == 0:  # now and then, damage the bytes themselves
            data = bytearray(path.read_bytes())
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            path.write_bytes(bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)]))
        try:
            trainer = load_run(path, device="cpu")
        except RunFileError:
            outcomes["refused"] += 1
            continue
        trainer.experiment = trainer.experiment.replace(train={"steps": trainer.step_count + 1})
        trainer.step()
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 100 and sum(outcomes.values()) == 150


def test_saving_checks_the_place_first(tmp_path, good_state):
    exp = Experiment.from_dict(good_state["experiment"])
    trainer = Trainer(exp, device="cpu")
    a_file = tmp_path / "f"
    a_file.write_text("x")
    for bad, match in (
        ("", "empty"),
        ("/proc/x.tfrun", "system folder"),
        ("/sys/x.tfrun", "system folder"),
        (str(a_file / "x.tfrun"), "is a file, not a folder"),
        (str(tmp_path), "is a folder"),
    ):
        with pytest.raises(RunFileError, match=match):
            save_run(trainer, bad)
