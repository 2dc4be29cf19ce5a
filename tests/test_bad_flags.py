"""Bad command lines, round two: each gets one clear line (exit 2) or a warning naming
the flag that does nothing, never a traceback and never a silent acceptance."""

from __future__ import annotations

import os

import pytest
import torch

from tinyformer.cli import main
from tinyformer.training.runfile import load_run

FAST = ["--threads", "1", "--d-model", "16", "--heads", "2", "--batch-size", "8", "--steps", "2",
        "--quiet"]  # fmt: skip


def _train(argv, capsys) -> tuple[int, str]:
    code = main(["train", *argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err


@pytest.fixture
def run_file(tmp_path, capsys):
    path = tmp_path / "run.tfrun"
    assert _train(["--preset", "copy", *FAST, "--out", str(path)], capsys)[0] == 0
    return path


def test_an_out_name_too_long_for_the_file_system(tmp_path, capsys):
    name = "r" * 300 + ".tfrun"
    code, err = _train(["--preset", "copy", *FAST, "--out", str(tmp_path / name)], capsys)
    assert code == 2 and "a name of 306 bytes" in err and "at most" in err


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--device", "cuda"], "no CUDA GPU"),
        (["--threads", "0"], "threads must be a positive integer"),
    ],
)
def test_resume_refuses_a_device_or_threads_it_cannot_use(run_file, capsys, flags, said):
    if flags[0] == "--device" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, err = _train(["--resume", str(run_file), "--force", *flags], capsys)
    assert code == 2 and said in err


@pytest.mark.parametrize("path", ["/proc/self/mem", "/proc/self/pagemap", "/dev/zero", "fifo"])
def test_system_files_are_not_examples_files(tmp_path, capsys, path):
    if path == "fifo":
        path = str(tmp_path / "lines.fifo")
        os.mkfifo(path)
    out = str(tmp_path / "x.tfrun")
    code, err = _train(["--preset", "custom", *FAST, "--examples", path, "--out", out], capsys)
    assert code == 2 and path in err and ("system file" in err or "not a file" in err)


@pytest.mark.parametrize(
    ("preset", "flag", "value", "setting"),
    [
        ("copy", "--pattern", "1 1 0", "pattern"),
        ("copy", "--modulus", "30", "vocab"),
        ("copy", "--held-out", "0.3", "held_out"),
        ("copy", "--operation", "*", "operation"),
        ("custom", "--seq-len", "7", "seq_len"),
        ("article", "--vocab-size", "7", "vocab"),
    ],
)
def test_a_flag_the_task_does_not_read_is_named_and_ignored(
    tmp_path, capsys, preset, flag, value, setting
):
    out = tmp_path / "x.tfrun"
    code, err = _train(["--preset", preset, *FAST, flag, value, "--out", str(out)], capsys)
    assert code == 0
    assert f"warning: {flag} does nothing for the" in err and "so it is ignored" in err
    task = load_run(out, device="cpu").experiment.task
    assert str(getattr(task, setting)) != value  # the preset's own value stands


def test_vocab_size_and_modulus_together_are_refused(tmp_path, capsys):
    argv = ["--preset", "grokking", *FAST, "--vocab-size", "20", "--modulus", "30"]
    code, err = _train([*argv, "--out", str(tmp_path / "x.tfrun")], capsys)
    assert code == 2 and "--vocab-size and --modulus" in err


def test_resume_into_a_missing_folder_says_it_will_be_made(run_file, tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "more.tfrun"
    code, err = _train(["--resume", str(run_file), "--out", str(out), "--steps", "4", "--quiet"],
                       capsys)  # fmt: skip
    assert code == 0 and "does not exist yet; it is made when the run is saved" in err
    assert load_run(out, device="cpu").step_count == 4


def test_a_long_evaluation_is_chunked_by_its_attention():
    from tinyformer.inspect.evaluation import ATTENTION_BUDGET, CHUNK, chunk_size
    from tinyformer.model.config import ModelConfig
    from tinyformer.model.shapes import build_model
    from tinyformer.tasks.batching import Example

    model = build_model(ModelConfig(arch="encoder-decoder", vocab_size=14, n_heads=4,
                                    max_len=600))  # fmt: skip
    short = [Example(tuple(range(10)), tuple(range(10)))] * 600
    long = [Example(tuple([1] * 256), tuple([1] * 256))] * 600
    assert chunk_size(model, short) == CHUNK
    n = chunk_size(model, long)
    assert 1 <= n < CHUNK and n * 4 * 514 * 514 <= ATTENTION_BUDGET


def test_ctrl_c_during_a_long_final_evaluation_stops_within_a_second(tmp_path):
    """copy at length 256: its final evaluation takes minutes; Ctrl-C is honoured in it."""
    import shutil
    import signal
    import subprocess
    import time

    out = tmp_path / "long.tfrun"
    argv = [shutil.which("tinyformer"), "train", "--preset", "copy", "--seq-len", "256",
            "--steps", "1", "--threads", "1", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    assert proc.stderr.readline().startswith("training copy")  # the signals are its own now
    time.sleep(4)  # one step, then well inside the evaluation of step 1 (minutes long)
    assert proc.poll() is None
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    waited = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert "evaluation at step 1 cut short" in err and "Traceback" not in err
    assert waited < 1.5, f"{waited:.2f} s from Ctrl-C to exit, saving included"
    assert load_run(out, device="cpu").step_count == 1
