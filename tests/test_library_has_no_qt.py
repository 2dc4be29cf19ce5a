"""tinyformer is a library: it never imports the GUI toolkit, directly or through a dependency."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import tinyformer

GUI = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6")


def test_no_source_file_imports_qt():
    offenders = []
    for path in Path(tinyformer.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in GUI]
    assert not offenders


def test_importing_every_module_loads_no_qt():
    modules = [m.name for m in pkgutil.walk_packages(tinyformer.__path__, "tinyformer.")]
    assert len(modules) >= 8
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(k for k in sys.modules if k.split('.')[0] in {GUI!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
