"""A run in one file: experiment, weights, optimizer state, RNG states, history, snapshots.

The file is written by torch.save from plain data (dicts, lists, numbers, tensors) and
read with `weights_only=True`, so opening a run never executes pickled code. Writes go
to a temporary file first and replace the target only when complete.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History
from tinyformer.training.snapshots import SnapshotLog
from tinyformer.training.trainer import Trainer

FORMAT = "tinyformer-run"
VERSION = 1
SUFFIX = ".tfrun"


class RunFileError(ValueError):
    """A file that is not a readable tinyformer run; the message says why."""


def run_state(trainer: Trainer) -> dict:
    """Everything needed to continue `trainer` exactly where it is, as plain data."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "experiment": trainer.experiment.to_dict(),
        "step": trainer.step_count,
        "elapsed": trainer.elapsed,
        "model": {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()},
        "optimizer": trainer.optimizer.state_dict(),
        "rng": {"data": _py_state(trainer.data_rng), "torch": torch.get_rng_state()},
        "history": trainer.history.state(),
        "snapshots": trainer.snapshots.state(),
    }


def save_run(trainer: Trainer, path: str | os.PathLike) -> Path:
    """Write the run atomically: the old file stays intact until the new one is complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(run_state(trainer), f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_run(path: str | os.PathLike, device: str = "auto", threads: int | None = None) -> Trainer:
    """A trainer restored from `path`, ready to continue. Raises RunFileError for anything
    that is not a complete run of a format this version reads."""
    state = read_state(path)
    try:
        experiment = Experiment.from_dict(state["experiment"])
        trainer = Trainer(experiment, device=device, threads=threads)
        trainer.model.load_state_dict(state["model"], strict=True)
        trainer.optimizer.load_state_dict(state["optimizer"])
        trainer.step_count = int(state["step"])
        trainer.elapsed = float(state["elapsed"])
        trainer.data_rng.setstate(_py_from_list(state["rng"]["data"]))
        torch.set_rng_state(state["rng"]["torch"])
        trainer.history = History.from_state(state["history"])
        trainer.snapshots = SnapshotLog.from_state(state["snapshots"])
    except RunFileError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as e:
        raise RunFileError(f"{path}: the run is damaged or inconsistent ({_short(e)})") from e
    return trainer


def read_state(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such run file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # whatever the bytes make the unpickler raise, it is unreadable
        raise RunFileError(
            f"{path}: not a readable tinyformer run (corrupt, truncated or another "
            f"program's file): {_short(e)}"
        ) from e
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise RunFileError(f"{path}: not a tinyformer run file (it holds other data)")
    version = state.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RunFileError(
            f"{path}: run format version {version!r}; this tinyformer reads version {VERSION} "
            "(update tinyformer to open it)"
        )
    return state


def _py_state(rng) -> list:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _py_from_list(state: list) -> tuple:
    version, internal, gauss = state
    return (int(version), tuple(int(x) for x in internal), gauss)


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text.split(". ")[0][:120]
