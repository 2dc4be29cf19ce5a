"""Checking a run file's contents in full before anything is built from them.

`weights_only=True` stops pickled code, not hostile or damaged contents: a tensor of the
wrong shape in the optimizer state makes the next step write out of bounds, a size of
20,000 layers asks for gigabytes. So every size is checked against the stated limits
(tinyformer.model.limits), every tensor's shape and dtype against the model and optimizer
it belongs to (built on the "meta" device: no memory), every number for being finite,
and the RNG states, history and snapshots for their structure. The first problem found is
reported, naming the file, as a RunFileError.
"""

from __future__ import annotations

import itertools
import math
import os
import random
from typing import Any

import torch

from tinyformer.model.shapes import KINDS, build_model
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import EVAL_FIELDS, FOURIER_FIELDS, STEP_FIELDS, Series
from tinyformer.training.runfile_digest import KEY, checksum

FORMAT = "tinyformer-run"
# 2: private torch RNG, training-set evaluations, embeddings in snapshots; 3: a checksum;
# 4: the Fourier measures in the history
VERSION = 4
CHECKSUMMED = 3  # the first version with a checksum
SUFFIX = ".tfrun"
MAX_SNAPSHOTS = 100_000
ADAM_STATE = {"step", "exp_avg", "exp_avg_sq"}
MT_WORDS = 625  # Python's Mersenne Twister: 624 words and a position
# No run trains weights near these sizes (they are O(1) to O(100)); beyond them a file is
# damaged, and the first step would overflow. Adam's moments are bounded by the gradients.
MAX_WEIGHT = 1e6
MAX_MOMENT = 1e12


class RunFileError(ValueError):
    """A file that is not a readable tinyformer run; the message names it and says why."""


class RunFileNote(UserWarning):
    """Something to know about a run file that still opens (an older format)."""


class _Wrong(Exception):
    """The first thing wrong, as a message without the file name."""


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise _Wrong(message)


# Each check builds its message only when it fails: a run holds thousands of values.


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi):
        raise _Wrong(f"{where} must be an integer from {lo} to {hi}, got {_show(value)}")
    return value


def _finite(value: Any, where: str, lo: float = -math.inf) -> float:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and value >= lo):
        least = f" of at least {lo:g}" if lo > -math.inf else ""
        raise _Wrong(f"{where} must be a finite number{least}, got {_show(value)}")
    return float(value)


def _tensor(
    value: Any,
    where: str,
    shape: tuple[int, ...],
    dtype=torch.float32,
    largest: float = math.inf,
) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise _Wrong(f"{where} must be a tensor, got {_show(value)}")
    if tuple(value.shape) != tuple(shape) or value.dtype != dtype:
        raise _Wrong(
            f"{where} has shape {tuple(value.shape)} ({value.dtype}); the model "
            f"needs {tuple(shape)} ({dtype})"
        )
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise _Wrong(f"{where} holds values that are not finite")
    if value.is_floating_point() and value.numel() and float(value.abs().max()) > largest:
        raise _Wrong(f"{where} holds values beyond ±{largest:g}: no training makes those")
    return value


def _dict(value: Any, where: str, keys: set[str] | None = None) -> dict:
    if not isinstance(value, dict):
        raise _Wrong(f"{where} must be a mapping, got {_show(value)}")
    if keys is not None and set(value) != keys:
        missing, extra = keys - set(value), set(value) - keys
        _need(not missing, f"{where} lacks {', '.join(sorted(map(str, missing)))}")
        _need(not extra, f"{where} has unknown entries {', '.join(sorted(map(str, extra)))}")
    return value


def _list(value: Any, where: str, most: int) -> list:
    if not isinstance(value, (list, tuple)):
        raise _Wrong(f"{where} must be a list, got {_show(value)}")
    if len(value) > most:
        raise _Wrong(f"{where} has {len(value)} entries; at most {most} make sense")
    return list(value)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, torch.Tensor) else f"tensor{tuple(value.shape)}"
    return text if len(text) <= 40 else text[:37] + "..."


def check_state(state: dict, path: str | os.PathLike) -> Experiment:
    """The experiment the state describes, once every part of the state is found sound."""
    try:
        return _check(state)
    except _Wrong as e:
        raise RunFileError(f"{path}: {e}") from None


def _check(state: dict) -> Experiment:
    keys = {
        "format",
        "version",
        "experiment",
        "step",
        "elapsed",
        "model",
        "optimizer",
        "rng",
        "history",
        "snapshots",
    }
    if state.get("version", 0) >= CHECKSUMMED:
        keys.add(KEY)
    _dict(state, "the run", keys)
    try:
        experiment = Experiment.from_dict(state["experiment"])
    except (ValueError, TypeError, KeyError) as e:
        raise _Wrong(f"its settings are not valid: {e}") from None
    total = experiment.train.steps
    step = _int(state["step"], "step", 0, total)
    _finite(state["elapsed"], "elapsed", 0.0)
    with torch.device("meta"):  # shapes only: nothing is allocated
        model = build_model(experiment.model)
    _check_model(state["model"], model)
    _check_optimizer(state["optimizer"], model)
    _check_rng(state["rng"])
    _check_history(state["history"], state["version"])
    _check_snapshots(state["snapshots"], experiment, step)
    if state["version"] >= CHECKSUMMED:  # last: what is wrong, if it can be said, says more
        _need(
            state[KEY] == checksum(state),
            "its contents do not match its checksum: the file was changed or damaged "
            "after it was saved",
        )
    return experiment


def _check_model(weights: Any, model: torch.nn.Module) -> None:
    expected = model.state_dict()
    _dict(weights, "the weights", set(expected))
    for name, want in expected.items():
        _tensor(weights[name], f"weight {name}", tuple(want.shape), want.dtype, MAX_WEIGHT)


def _check_optimizer(opt: Any, model: torch.nn.Module) -> None:
    _dict(opt, "the optimizer state", {"state", "param_groups"})
    params = list(model.parameters())
    groups = _list(opt["param_groups"], "the optimizer's parameter groups", 1)
    _need(len(groups) == 1, "the optimizer state must have one parameter group")
    group = _dict(groups[0], "the optimizer's parameter group")
    missing = {"params", "lr", "betas", "eps", "weight_decay"} - set(group)
    _need(not missing, f"the optimizer's parameter group lacks {', '.join(sorted(missing))}")
    _need(
        group["params"] == list(range(len(params))),
        f"the optimizer's parameters do not match the model's {len(params)} weights",
    )
    for name in ("lr", "weight_decay", "eps"):
        _finite(group[name], f"the optimizer's {name}", 0.0)
    _need(
        isinstance(group["betas"], (list, tuple)) and len(group["betas"]) == 2,
        "the optimizer's betas must be two numbers",
    )
    for b in group["betas"]:
        _finite(b, "the optimizer's betas", 0.0)
    state = _dict(opt["state"], "the optimizer's moments")
    for index, entry in state.items():
        where = f"the optimizer's moments of weight {index}"
        _need(isinstance(index, int) and 0 <= index < len(params), f"{where}: no such weight")
        _dict(entry, where, ADAM_STATE)
        shape = tuple(params[index].shape)
        step = _tensor(entry["step"], f"{where} (step)", ())
        _need(float(step) >= 0, f"{where}: its step count is negative")
        _tensor(entry["exp_avg"], f"{where} (exp_avg)", shape, largest=MAX_MOMENT)
        sq = _tensor(entry["exp_avg_sq"], f"{where} (exp_avg_sq)", shape, largest=MAX_MOMENT)
        _need(bool((sq >= 0).all()), f"{where} (exp_avg_sq) holds negative values")


def _check_rng(rng: Any) -> None:
    _dict(rng, "the random states", {"data", "torch"})
    data = _list(rng["data"], "the data random state", 3)
    _need(len(data) == 3, "the data random state must have 3 parts")
    _int(data[0], "the data random state's version", 3, 3)
    words = _list(data[1], "the data random state's words", MT_WORDS)
    _need(len(words) == MT_WORDS, f"the data random state must have {MT_WORDS} words")
    for w in words[:-1]:
        _int(w, "a word of the data random state", 0, 2**32 - 1)
    _int(words[-1], "the data random state's position", 1, MT_WORDS - 1)
    _need(data[2] is None or isinstance(data[2], float), "the data random state is not valid")
    want = torch.get_rng_state()
    state = _tensor(rng["torch"], "the torch random state", tuple(want.shape), want.dtype)
    try:  # the bytes of a Mersenne Twister state have rules of their own: ask torch
        torch.Generator().set_state(state.clone())
        random.Random().setstate(py_rng_from_list(data))
    except (RuntimeError, ValueError, TypeError, OverflowError):
        raise _Wrong("a random state is not valid (its numbers are damaged)") from None


def _check_history(history: Any, version: int) -> None:
    parts = {"steps": STEP_FIELDS, "evals": EVAL_FIELDS}
    if version >= 2:
        parts["train_evals"] = EVAL_FIELDS
    if version >= 4:
        parts["fourier"] = FOURIER_FIELDS
    _dict(history, "the history", set(parts))
    for part, fields in parts.items():
        _dict(history[part], f"history.{part}", set(fields))
        for name in fields:
            _check_series(history[part][name], f"history.{part}.{name}")


def _check_series(series: Any, where: str) -> None:
    _dict(series, where, {"stride", "x", "y", "pending"})
    stride = _int(series["stride"], f"{where}.stride", 1, 2**40)
    _need(stride & (stride - 1) == 0, f"{where}.stride must be a power of two")
    capacity = Series().capacity
    xs, ys = _list(series["x"], f"{where}.x", capacity), _list(series["y"], f"{where}.y", capacity)
    _need(len(xs) == len(ys), f"{where}: x and y differ in length")
    for x in xs:
        _finite(x, f"{where}.x", 0.0)
    for y in ys:
        _finite(y, f"{where}.y")
    _need(all(a < b for a, b in itertools.pairwise(xs)), f"{where}.x must increase")
    pending = _list(series["pending"], f"{where}.pending", stride)
    for p in pending:
        _need(isinstance(p, (list, tuple)) and len(p) == 2, f"{where}.pending is not valid")
        _finite(p[0], f"{where}.pending", 0.0)
        _finite(p[1], f"{where}.pending")


def _check_snapshots(snaps: Any, experiment: Experiment, step: int) -> None:
    _dict(snaps, "the snapshots", {"stride", "offered", "grid", "latest"})
    _int(snaps["stride"], "the snapshots' stride", 1, 2**40)
    _int(snaps["offered"], "the snapshots' count", 0, 2**40)
    grid = _list(snaps["grid"], "the snapshots", MAX_SNAPSHOTS)
    latest = snaps["latest"]
    cfg = experiment.model
    kinds = set(KINDS[cfg.arch])
    for i, snap in enumerate([*grid, *([] if latest is None else [latest])]):
        where = f"snapshot {i + 1}"
        _dict(snap, where)
        _need(
            set(snap) in ({"step", "attention"}, {"step", "attention", "embeddings"}),
            f"{where} has unknown entries",
        )
        _int(snap["step"], f"{where}'s step", 0, step)
        attention = _dict(snap["attention"], f"{where}'s attention", kinds)
        for kind, w in attention.items():
            _need(
                isinstance(w, torch.Tensor) and w.dim() == 4,
                f"{where}: {kind} attention must be a tensor (layers, heads, queries, keys)",
            )
            layers, heads, t_q, t_k = w.shape
            _need(
                layers == cfg.n_layers
                and heads == cfg.n_heads
                and 0 < t_q <= cfg.max_len
                and 0 < t_k <= cfg.max_len,
                f"{where}: {kind} attention has shape "
                f"{tuple(w.shape)}, not ({cfg.n_layers}, {cfg.n_heads}, T, T)",
            )
            _tensor(w, f"{where}: {kind} attention", tuple(w.shape))
            _need(bool(((w >= 0) & (w <= 1)).all()), f"{where}: attention outside 0..1")
        embeddings = _dict(snap.get("embeddings", {}), f"{where}'s embeddings")
        _need(set(embeddings) <= {"tokens", "positions"}, f"{where}: unknown embeddings")
        if "tokens" in embeddings:
            _tensor(
                embeddings["tokens"], f"{where}: token embeddings", (cfg.vocab_size, cfg.d_model)
            )
        if "positions" in embeddings:
            p = embeddings["positions"]
            _need(
                isinstance(p, torch.Tensor) and p.dim() == 2 and 0 < p.shape[0] <= cfg.max_len,
                f"{where}: position embeddings have the wrong shape",
            )
            _tensor(p, f"{where}: position embeddings", (p.shape[0], cfg.d_model))


def py_rng_from_list(state: list) -> tuple:
    """The checked data random state as random.Random.setstate takes it."""
    version, internal, gauss = state
    return (int(version), tuple(int(x) for x in internal), gauss)
