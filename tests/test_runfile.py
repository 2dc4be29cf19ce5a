"""Run files: one file, versioned, safe to open, and refused plainly when broken."""

from __future__ import annotations

import pytest
import torch

from tests.helpers import tiny
from tinyformer.training.runfile import (
    FORMAT,
    RunFileError,
    load_run,
    read_state,
    run_state,
    save_run,
)
from tinyformer.training.trainer import Trainer


@pytest.fixture
def saved(tmp_path):
    trainer = Trainer(tiny(), device="cpu")
    list(trainer.run())
    return trainer, save_run(trainer, tmp_path / "run.tfrun")


def test_round_trip_keeps_everything(saved):
    trainer, path = saved
    back = load_run(path, device="cpu")
    assert back.experiment == trainer.experiment
    assert back.step_count == trainer.step_count
    assert back.history.steps["loss"].y == trainer.history.steps["loss"].y
    assert back.snapshots.steps() == trainer.snapshots.steps()
    for a, b in zip(back.model.parameters(), trainer.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_file_carries_format_and_version(saved):
    _, path = saved
    state = read_state(path)
    assert state["format"] == FORMAT and state["version"] == 4


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not a readable tinyformer run"),
        (b"hello, I am a text file", "not a readable tinyformer run"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a readable tinyformer run"),
    ],
)
def test_foreign_files_are_refused(tmp_path, content, message):
    path = tmp_path / "x.tfrun"
    path.write_bytes(content)
    with pytest.raises(RunFileError, match=message):
        load_run(path)


def test_truncated_file_is_refused(saved, tmp_path):
    _, path = saved
    cut = tmp_path / "cut.tfrun"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(RunFileError, match="corrupt, truncated"):
        load_run(cut)


def test_another_programs_torch_file_is_refused(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.ones(3)}, path)
    with pytest.raises(RunFileError, match="not a tinyformer run file"):
        load_run(path)


def test_pickled_code_is_never_executed(tmp_path):
    class Evil:
        def __reduce__(self):
            return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))

    path = tmp_path / "evil.tfrun"
    torch.save({"format": FORMAT, "version": 1, "payload": Evil()}, path)
    with pytest.raises(RunFileError):
        load_run(path)
    assert not (tmp_path / "PWNED").exists()


def test_newer_version_and_damaged_contents(saved, tmp_path):
    trainer, _ = saved
    state = run_state(trainer)
    torch.save({**state, "version": 99}, tmp_path / "new.tfrun")
    with pytest.raises(RunFileError, match="version 99; this tinyformer reads versions 1 to 4"):
        load_run(tmp_path / "new.tfrun")
    torch.save({**state, "model": {}}, tmp_path / "bad.tfrun")
    with pytest.raises(RunFileError, match="the weights lack"):
        load_run(tmp_path / "bad.tfrun")
    with pytest.raises(RunFileError, match="no such run file"):
        load_run(tmp_path / "missing.tfrun")


def test_a_failed_save_leaves_the_old_file_intact(saved, monkeypatch):
    trainer, path = saved
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(RunFileError, match=r"could not be written \(disk full\).*as it was before"):
        save_run(trainer, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
