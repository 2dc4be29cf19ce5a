"""Hostile run files, round two: nesting, tensors without data, one tensor used many
times, a flipped weight byte, a failed write. Each is refused with one line naming the
file, in memory that stays a small multiple of the file's size."""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import textwrap
import threading

import pytest
import torch

from tinyformer.cli import main
from tinyformer.training.experiment import Experiment
from tinyformer.training.runfile import RunFileError, load_run, run_state, save_run
from tinyformer.training.runfile_checks import VERSION
from tinyformer.training.trainer import Trainer

TINY = {"arch": "encoder-decoder", "d_model": 16, "n_heads": 2, "n_layers": 1, "d_ff": 32}


@pytest.fixture(scope="module")
def trainer():
    exp = Experiment.create(TINY, {"name": "copy", "seq_len": 5}, {"steps": 8, "eval_size": 8,
                                                                    "batch_size": 4})  # fmt: skip
    t = Trainer(exp, device="cpu")
    list(t.run())
    return t


@pytest.fixture
def state(trainer):
    return run_state(trainer)


def _nested(depth: int):
    node: list = []
    for _ in range(depth):
        node = [node]
    return node


def _save(tmp_path, state, name="hostile.tfrun"):
    """torch.save, in a thread with room for the pickler to recurse 100,000 levels deep."""
    path = tmp_path / name
    failed: list[BaseException] = []

    def save() -> None:
        try:
            torch.save(state, path)
        except BaseException as e:  # reported below, in the test's own thread
            failed.append(e)

    limit, size = sys.getrecursionlimit(), threading.stack_size(1 << 30)
    sys.setrecursionlimit(1_000_000)
    try:
        thread = threading.Thread(target=save)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
        threading.stack_size(size)
    if failed:
        raise failed[0]
    return path


def _refused_everywhere(path, capsys, match: str) -> None:
    """Opened, evaluated, queried and resumed: each a clean exit 2 naming the file."""
    with pytest.raises(RunFileError, match=match):
        load_run(path, device="cpu")
    for argv in (
        ["eval", str(path)],
        ["predict", str(path), "1", "2", "3", "4", "5"],
        ["train", "--resume", str(path), "--force", "--quiet"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert str(path) in err and "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize(
    "where",
    [("experiment",), ("step",), ("experiment", "task", "name"), ("history", "steps", "loss")],
)
def test_a_list_nested_100000_deep_is_refused(tmp_path, state, capsys, where):
    target = state
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = _nested(100_000)
    _refused_everywhere(_save(tmp_path, state), capsys, "nested over 10 levels")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda w: torch.empty_like(w, device="meta"), "on the meta device"),
        (lambda w: w.to_sparse(), "sparse"),
        (lambda w: w.t(), "strided"),
    ],
)
def test_tensors_without_plain_data_are_refused(tmp_path, state, capsys, make, match):
    name = next(k for k, v in state["model"].items() if v.dim() == 2)
    state["model"][name] = make(state["model"][name])
    _refused_everywhere(_save(tmp_path, state), capsys, match)


AMPLIFIED = """
import resource, sys, torch
from tinyformer.training.runfile import RunFileError, load_run
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_run(sys.argv[1], device="cpu")
    print("loaded")
except RunFileError as e:
    print("refused:", e)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_one_tensor_referenced_100000_times_is_refused_in_little_memory(tmp_path, state):
    """The reproduction: 100,000 references to one 216 KB tensor, 2 MB on disk, once grew
    to 7.3 GB. Now refused, and the process grows by well under the file's size × 50."""
    big = torch.rand(1, 2, 165, 165)  # 218 KB, attention-shaped
    snap = {"step": 0, "attention": {"encoder": big}}
    state["snapshots"]["grid"] = [snap] * 100_000
    path = _save(tmp_path, state)
    size_mb = path.stat().st_size / 2**20
    assert size_mb < 10
    done = subprocess.run([sys.executable, "-c", AMPLIFIED, str(path)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    verdict, grown_mb = done.stdout.strip().splitlines()
    assert verdict.startswith("refused:") and "one tensor used many times" in verdict
    assert int(grown_mb) < 100, f"grew {grown_mb} MB for a {size_mb:.1f} MB file"


def _flip_one_weight_byte(path, weight: torch.Tensor) -> None:
    data = bytearray(path.read_bytes())
    at = data.find(weight.numpy().tobytes())
    assert at >= 0
    data[at + weight.nbytes // 2] ^= 0x10  # one bit, in the middle of one float
    path.write_bytes(bytes(data))


def test_a_flipped_weight_byte_is_refused_by_the_checksum(tmp_path, trainer, capsys):
    path = tmp_path / "flipped.tfrun"
    save_run(trainer, path)
    weight = next(v for v in trainer.model.state_dict().values() if v.dim() == 2)
    _flip_one_weight_byte(path, weight.detach().contiguous())
    _refused_everywhere(path, capsys, "do not match its checksum")


def test_the_checksum_is_written_and_the_same_contents_give_the_same_one(tmp_path, trainer):
    a, b = tmp_path / "a.tfrun", tmp_path / "b.tfrun"
    save_run(trainer, a)
    save_run(load_run(a, device="cpu"), b)
    sa = torch.load(a, weights_only=True)
    sb = torch.load(b, weights_only=True)
    assert sa["version"] == VERSION and sa["checksum"].startswith("sha256:")
    assert sa["checksum"] == sb["checksum"]


def test_an_older_file_without_a_checksum_opens_with_a_note(tmp_path, state, capsys):
    del state["checksum"], state["history"]["fourier"]
    state["version"] = 2
    path = _save(tmp_path, state, "old.tfrun")
    notes: list[str] = []
    load_run(path, device="cpu", on_note=notes.append)
    assert len(notes) == 1 and "format 2 has no checksum" in notes[0] and str(path) in notes[0]
    with pytest.warns(UserWarning, match="no checksum"):
        load_run(path, device="cpu")
    assert main(["eval", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["step"] == 8 and "note:" in err and "no checksum" in err


def test_a_failed_write_leaves_the_earlier_file_and_no_part_file(tmp_path, trainer, monkeypatch):
    path = tmp_path / "kept.tfrun"
    save_run(trainer, path)
    before = path.read_bytes()

    def full_disk(obj, f, *args, **kwargs):
        f.write(b"partial")
        raise RuntimeError("PytorchStreamWriter failed writing file data/3: file write failed")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(RunFileError, match=r"could not be written.*is as it was before"):
        save_run(trainer, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["kept.tfrun"]

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.undo()
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(RunFileError, match="No space left on device"):
        save_run(trainer, path)
    assert path.read_bytes() == before


def test_the_fuzzed_mutations_of_round_two_are_refused(tmp_path, state):
    """Seeded: each mutation of this round, put at a random place, is refused cleanly."""
    rng = random.Random(7)
    places = [("experiment", "model", "d_model"), ("step",), ("rng", "data"),
              ("history", "evals", "exact_match", "x"), ("snapshots", "grid"),
              ("model", next(iter(state["model"])))]  # fmt: skip
    mutations = [
        lambda: _nested(rng.randrange(11, 3000)),
        lambda: [torch.zeros(64, 64)] * rng.randrange(5_000, 20_000),
        lambda: torch.zeros(3, device="meta"),
        lambda: torch.zeros(4, 4).to_sparse(),
    ]
    for _ in range(24):
        mutated = copy.deepcopy(state)
        *keys, last = rng.choice(places)
        target = mutated
        for key in keys:
            target = target[key]
        target[last] = rng.choice(mutations)()
        with pytest.raises(RunFileError):
            load_run(_save(tmp_path, mutated, "fuzzed.tfrun"), device="cpu")


@pytest.mark.parametrize("kind", ["FIFO", "folder"])
def test_a_settings_path_that_is_not_a_file_is_skipped_at_launch(tmp_path, kind):
    folder = tmp_path / "tinyformer"
    folder.mkdir()
    target = folder / "tinyformer-explorer.conf"
    os.mkfifo(target) if kind == "FIFO" else target.mkdir()
    code = textwrap.dedent("""
        from explorer.app import create_app
        app, window = create_app()
        print(window.statusBar().currentMessage())
        window.close()
    """)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Settings not read" in done.stdout and f"is a {kind}" in done.stdout
