"""The installed `tinyformer-explorer` command starts and stays up."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

UP_FOR_S = 6


def test_the_app_launches_and_stays_up(tmp_path):
    exe = shutil.which("tinyformer-explorer")
    assert exe, "the tinyformer-explorer entry point is not installed"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [exe], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=UP_FOR_S)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err


def test_help_and_a_missing_run():
    exe = shutil.which("tinyformer-explorer")
    done = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "RUN" in done.stdout.upper()
