"""The command line keeps runs safe: checked outputs, Ctrl-C and SIGTERM saved at a step
boundary, `--resume` equal to training straight through, limits, and bugs told apart
from bad input."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest
import torch

from tinyformer.cli import main
from tinyformer.training.runfile import load_run

EXE = shutil.which("tinyformer")
FLAGS = ["--preset", "copy", "--threads", "1", "--d-model", "16", "--heads", "2",
         "--batch-size", "8"]  # fmt: skip


@pytest.fixture(autouse=True)
def ctrl_c_not_ignored():
    """A command started in the background (`cmd &` without job control) ignores SIGINT,
    and so would every process it starts: here the commands must get Ctrl-C as from a
    terminal. (A Python handler, unlike an ignored signal, is not inherited.)"""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        yield
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
        yield


def _start(args: list[str], cwd) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([EXE, "train", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _wait_training(proc: subprocess.Popen) -> None:
    """Block until the command says it trains (its first stderr line)."""
    line = proc.stderr.readline()
    assert line.startswith("training "), line


def _same_run(a, b) -> None:
    ta, tb = load_run(a, device="cpu"), load_run(b, device="cpu")
    assert ta.step_count == tb.step_count
    assert ta.history.steps["loss"].y == tb.history.steps["loss"].y
    for (k, v), w in zip(ta.model.state_dict().items(), tb.model.state_dict().values(),
                         strict=True):  # fmt: skip
        assert torch.equal(v, w), k


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_run_saves_and_resume_equals_straight_through(tmp_path, sig, code):
    straight = tmp_path / "straight.tfrun"
    assert main(["train", *FLAGS, "--steps", "300", "--out", str(straight), "--quiet"]) == 0
    cut = tmp_path / "cut.tfrun"
    proc = _start([*FLAGS, "--steps", "300", "--out", str(cut)], tmp_path)
    _wait_training(proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err and f"run saved to {cut}" in err
    stopped = load_run(cut, device="cpu").step_count
    assert 0 <= stopped < 300
    done = subprocess.run([EXE, "train", "--resume", str(cut), "--force", "--threads", "1",
                           "--quiet"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _same_run(cut, straight)


def test_ctrl_c_during_start_up_ends_quietly(tmp_path):
    proc = _start([*FLAGS, "--steps", "5", "--out", str(tmp_path / "x.tfrun")], tmp_path)
    proc.send_signal(signal.SIGINT)  # while Python and torch are still loading
    _, err = proc.communicate(timeout=120)
    # 130 once our handler is in place, -SIGINT (which the shell shows as 130) before
    assert proc.returncode in (130, -signal.SIGINT)
    assert "Traceback" not in err


def test_resume_continues_to_more_steps_and_asks_where_to_save(tmp_path, capsys):
    run = tmp_path / "r.tfrun"
    assert main(["train", *FLAGS, "--steps", "10", "--out", str(run), "--quiet"]) == 0
    assert main(["train", "--resume", str(run), "--steps", "14"]) == 2
    assert "pass --out" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--steps", "14", "--layers", "2"]) == 2
    assert "takes no --layers" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--steps", "4", "--force"]) == 2
    assert "the run is at step 10" in capsys.readouterr().err
    longer = tmp_path / "longer.tfrun"
    assert main(["train", "--resume", str(run), "--steps", "14", "--out", str(longer),
                 "--quiet"]) == 0  # fmt: skip
    assert load_run(longer).step_count == 14 and load_run(run).step_count == 10


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", *FLAGS, "--out", "/proc/x.tfrun"], "system folder"),
        (["train", *FLAGS, "--out", ""], "the output path is empty"),
        (["train", "--preset", "copy", "--d-model", "100000", "--heads", "1"], "d_model must"),
        (["train", "--preset", "copy", "--layers", "1000", "--steps", "2"], "n_layers must"),
        (["train", "--preset", "copy", "--examples", "missing.txt"], "no such file"),
        (["eval", "x.tfrun", "--samples", "1000000000"], "--samples must be from 1 to"),
    ],
)
def test_bad_settings_and_places_are_refused_before_training(tmp_path, argv, message, capsys,
                                                              monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_an_out_inside_a_file_is_refused_before_the_first_step(tmp_path, capsys):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert main(["train", *FLAGS, "--out", str(a_file / "x.tfrun")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_an_internal_error_is_reported_as_a_bug_not_as_bad_input(monkeypatch, capsys):
    from tinyformer.cli import commands

    def broken(args):
        raise ValueError("an internal inconsistency")

    monkeypatch.setitem(commands.COMMANDS, "presets", broken)
    assert main(["presets"]) == 1
    err = capsys.readouterr().err
    assert "internal error (ValueError)" in err and "Traceback" in err and "a bug" in err


def test_help_lists_the_new_flags(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--resume", "--examples", "--held-out", "--modulus", "--train-fraction",
                 "--pairs", "--weight-decay"):  # fmt: skip
        assert flag in out


def test_the_command_starts_without_torch():
    code = "import sys, tinyformer.cli; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False"
