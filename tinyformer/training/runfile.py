"""A run in one file: experiment, weights, optimizer state, RNG states, history, snapshots.

The file is written by torch.save from plain data (dicts, lists, numbers, tensors) and
read with `weights_only=True` and memory-mapped, so opening a run never executes pickled
code and never reads more than it needs. What is read is bounded first (depth, parts, and
tensor bytes in proportion to the file: tinyformer.training.runfile_bounds), then checked
against the model it describes before anything is built (runfile_checks), then against
its checksum (runfile_digest). Writes go to a temporary file first and replace the target
only when complete; a write that fails (a full disk) leaves the earlier file as it was.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from tinyformer.training.history import History
from tinyformer.training.runfile_bounds import check_bounds
from tinyformer.training.runfile_checks import (
    CHECKSUMMED,
    FORMAT,
    SUFFIX,
    VERSION,
    RunFileError,
    RunFileNote,
    check_state,
    py_rng_from_list,
)
from tinyformer.training.runfile_digest import KEY, checksum
from tinyformer.training.snapshots import SnapshotLog
from tinyformer.training.trainer import Trainer

MAX_FILE_BYTES = 1 << 30  # no run this tinyformer can make comes near a gigabyte
# Linux file systems take names of at most 255 bytes; the temporary file written first
# adds "." and ".XXXXXXXX.part" to the name.
LONGEST_NAME = 255 - 16

__all__ = [
    "FORMAT",
    "SUFFIX",
    "VERSION",
    "RunFileError",
    "RunFileNote",
    "check_writable",
    "load_run",
    "read_state",
    "run_state",
    "save_run",
]


def run_state(trainer: Trainer) -> dict:
    """Everything needed to continue `trainer` exactly where it is, as plain data."""
    version, internal, gauss = trainer.data_rng.getstate()
    state = {
        "format": FORMAT,
        "version": VERSION,
        "experiment": trainer.experiment.to_dict(),
        "step": trainer.step_count,
        "elapsed": trainer.elapsed,
        "model": {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()},
        "optimizer": trainer.optimizer.state_dict(),
        "rng": {"data": [version, list(internal), gauss], "torch": trainer.torch_rng.clone()},
        "history": trainer.history.state(),
        "snapshots": trainer.snapshots.state(),
    }
    state[KEY] = checksum(state)
    return state


def check_writable(path: str | os.PathLike) -> Path:
    """Refuse, before any training, a path a run could not be saved to: an empty name, a
    folder, a missing or unwritable folder, a special file system (/proc, /sys)."""
    text = os.fspath(path)
    if not text.strip():
        raise RunFileError("the output path is empty: give a file name, e.g. runs/copy.tfrun")
    path = Path(text)
    for part in path.parts:  # before any stat: a name too long makes stat itself fail
        if len(os.fsencode(part)) > LONGEST_NAME:
            raise RunFileError(
                f"{part[:40]}...: a name of {len(os.fsencode(part))} bytes; a file name may "
                f"have at most {LONGEST_NAME} here"
            )
    try:
        return _check_place(path)
    except OSError as e:  # a path too long in all, a loop of links...
        raise RunFileError(f"{path}: {e.strerror or e}") from None


def _check_place(path: Path) -> Path:
    if path.is_dir():
        raise RunFileError(f"{path} is a folder: give a file name inside it")
    parent = path.parent if str(path.parent) else Path(".")
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise RunFileError(f"{path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RunFileError(f"{path}: the folder {existing} is not writable")
    resolved = existing.resolve()
    if resolved.parts[:2] in (("/", "proc"), ("/", "sys"), ("/", "dev")):
        raise RunFileError(f"{path}: {resolved} is a system folder; save runs elsewhere")
    return path


def save_run(trainer: Trainer, path: str | os.PathLike) -> Path:
    """Write the run atomically: the old file stays intact until the new one is complete."""
    path = check_writable(path)
    state = run_state(trainer)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise RunFileError(f"{path}: the run could not be written ({_short(e)})") from e
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())  # a full disk shows here, not after the rename
        os.replace(tmp, path)
    except (OSError, RuntimeError) as e:  # torch's writer reports a failed write so
        Path(tmp).unlink(missing_ok=True)
        kept = f"; {path} is as it was before" if path.exists() else ""
        raise RunFileError(f"{path}: the run could not be written ({_short(e)}){kept}") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_run(
    path: str | os.PathLike,
    device: str = "auto",
    threads: int | None = None,
    on_note: Callable[[str], None] | None = None,
) -> Trainer:
    """A trainer restored from `path`, ready to continue exactly as if never stopped.
    Raises RunFileError, naming the file and the first thing wrong, for anything that is
    not a complete, consistent run of a format this version reads; nothing is built first.
    What to know about a file that opens (an older format, without a checksum) goes to
    `on_note`, or else is a RunFileNote warning."""
    state = read_state(path)
    experiment = check_state(state, path)
    if state["version"] < CHECKSUMMED:
        note = (
            f"{path}: format {state['version']} has no checksum, so damage inside it cannot "
            "be detected; saving the run again adds one"
        )
        if on_note is not None:
            on_note(note)
        else:
            warnings.warn(RunFileNote(note), stacklevel=2)
    trainer = Trainer(experiment, device=device, threads=threads)
    trainer.model.load_state_dict(state["model"], strict=True)
    trainer.optimizer.load_state_dict(_optimizer_state(trainer, state["optimizer"]))
    trainer.step_count = int(state["step"])
    trainer.elapsed = float(state["elapsed"])
    trainer.data_rng.setstate(py_rng_from_list(state["rng"]["data"]))
    trainer.torch_rng = state["rng"]["torch"].clone()
    trainer.history = History.from_state(state["history"])
    trainer.snapshots = SnapshotLog.from_state(state["snapshots"])
    return trainer


def _optimizer_state(trainer: Trainer, saved: dict) -> dict:
    """The saved moments and hyperparameters on this optimizer's own flags (fused, foreach,
    ...), which belong to this machine's torch, not to the file. Tensors are copied: the
    file is memory-mapped, and the optimizer updates its moments in place."""
    group = dict(trainer.optimizer.state_dict()["param_groups"][0])
    kept = saved["param_groups"][0]
    group.update({k: kept[k] for k in ("lr", "eps", "weight_decay")})
    group["betas"] = tuple(float(b) for b in kept["betas"])
    moments = {i: {k: v.clone() for k, v in e.items()} for i, e in saved["state"].items()}
    return {"state": moments, "param_groups": [group]}


def read_state(path: str | os.PathLike) -> dict:
    """The file's contents as plain data, its format and version checked."""
    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such run file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RunFileError(f"{path}: {size / 2**30:.1f} GB is far larger than any run")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as e:  # whatever the bytes make the unpickler raise, it is unreadable
        raise RunFileError(
            f"{path}: not a readable tinyformer run (corrupt, truncated or another "
            f"program's file): {_short(e)}"
        ) from e
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise RunFileError(f"{path}: not a tinyformer run file (it holds other data)")
    version = state.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        raise RunFileError(
            f"{path}: run format version {version!r}; this tinyformer reads versions 1 to "
            f"{VERSION} (a newer file needs a newer tinyformer)"
        )
    try:
        check_bounds(state, size)
    except ValueError as e:
        raise RunFileError(f"{path}: {e}") from None
    return state


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text.split(". ")[0][:120]
