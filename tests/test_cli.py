"""The tinyformer command: does its job, and answers bad input in one line with status 2."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tinyformer.cli import main

FAST = ["--steps", "15", "--quiet"]


@pytest.fixture
def run_file(tmp_path):
    out = tmp_path / "copy.tfrun"
    assert main(["train", "--preset", "copy", "--out", str(out), *FAST]) == 0
    return out


def test_presets_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in (
        "copy",
        "reverse",
        "sort",
        "article",
        "no-causal-mask",
        "induction-1-layer",
        "induction-2-layers",
        "bert-masked",
    ):
        assert name in out


def test_train_reports_exact_match_and_saves(tmp_path, capsys):
    out = tmp_path / "r.tfrun"
    code = main(["train", "--preset", "reverse", "--out", str(out), "--layers", "1", *FAST])
    assert code == 0
    text = capsys.readouterr().out
    assert "trained 15 steps" in text
    assert "/500 = " in text and "% exact (held-out, step 15)" in text
    assert out.exists()


def test_train_default_output_never_overwrites(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["train", "--preset", "copy", "--steps", "2", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "copy-seed0-2.tfrun",
        "copy-seed0.tfrun",
    ]


def test_eval_json_and_plain(run_file, capsys):
    assert main(["eval", str(run_file), "--samples", "50", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["samples"] == 50 and metrics["step"] == 15
    assert 0 <= metrics["exact_match"] <= 1 and 0 <= metrics["token_accuracy"] <= 1
    assert main(["eval", str(run_file), "--samples", "20"]) == 0
    assert "/20 = " in capsys.readouterr().out


def test_predict_last_line_is_the_output_alone(run_file, capsys):
    assert main(["predict", str(run_file), "3", "1", "4", "1", "5", "9", "2", "6", "5", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    tokens = lines[-1].split()
    assert len(tokens) == 10 and all(t in {str(i) for i in range(1, 11)} for t in tokens)
    assert lines[0] == "input   3 1 4 1 5 9 2 6 5 3"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--preset", "nope"], "unknown preset 'nope'"),
        (["train", "--preset", "copy", "--heads", "5"], "must be divisible by n_heads (5)"),
        (["train", "--preset", "copy", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--preset", "copy", "--steps", "x"], "invalid int value: 'x'"),
        (["train", "--preset", "copy", "--lr", "-1"], "lr must be a number from"),
        (["train", "--preset", "copy", "--arch", "decoder-only", "--seq-len", "1"], "seq_len must"),
        (
            ["train", "--preset", "induction-2-layers", "--arch", "encoder-only"],
            "task 'induction' works with decoder-only, not encoder-only",
        ),
        (["train", "--preset", "copy", "--device", "tpu"], "invalid choice: 'tpu'"),
        ([], "the following arguments are required: COMMAND"),
        (["eval", "missing.tfrun"], "missing.tfrun: no such run file"),
    ],
)
def test_bad_input_gets_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("tinyformer: error: ") and message in err


def test_bad_tokens_and_bad_files(run_file, tmp_path, capsys):
    assert main(["predict", str(run_file), "1", "x"]) == 2
    assert "unknown token 'x'" in capsys.readouterr().err
    broken = tmp_path / "broken.tfrun"
    broken.write_bytes(run_file.read_bytes()[:500])
    assert main(["eval", str(broken)]) == 2
    assert "corrupt, truncated" in capsys.readouterr().err
    assert main(["train", "--preset", "copy", "--out", str(run_file), *FAST]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["eval", str(run_file), "--samples", "0"]) == 2


def test_installed_command_runs():
    exe = shutil.which("tinyformer")
    assert exe, "the tinyformer entry point is not installed"
    done = subprocess.run([exe, "presets"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "copy" in done.stdout
    done = subprocess.run([exe, "train", "--preset", "zzz"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
