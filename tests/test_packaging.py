"""A non-editable install gets every module and every resource."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_holds_every_module_and_resource(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for pkg, folder in (("tinyformer", "tinyformer"), ("explorer", "explorer")):
        expected |= {
            f"{pkg}/{p.relative_to(ROOT / folder).as_posix()}"
            for p in (ROOT / folder).rglob("*.py")
        }
    expected |= {
        f"tinyformer_resources/{p.relative_to(ROOT / 'resources').as_posix()}"
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and p.suffix in {".json", ".md", ".png", ".svg", ".py"}
    }
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
