"""The installed `tinyformer-explorer` command starts, trains in its worker thread, quits."""

from __future__ import annotations

import os
import shutil
import subprocess

EXE = shutil.which("tinyformer-explorer")


def test_the_installed_app_starts_trains_a_step_and_quits_cleanly(tmp_path):
    assert EXE, "the tinyformer-explorer entry point is not installed"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run([EXE, "--check"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Fatal" not in done.stderr


def test_help_names_the_run_argument():
    done = subprocess.run([EXE, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "RUN" in done.stdout.upper() and "--check" in done.stdout
