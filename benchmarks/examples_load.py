"""Event-loop lateness while the app reads a long examples file (File → Open examples…).

The file is read, parsed and checked in the worker thread; a 10 ms QTimer in the GUI
thread measures how late it fires meanwhile, from the click until the task is applied.

    python benchmarks/examples_load.py --lines 1000000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def write_file(path: Path, lines: int) -> None:
    """Pairs of 3 -> 2 tokens from a vocabulary of 97: many distinct lines, as a real file."""
    with open(path, "w", encoding="utf-8") as f:
        for start in range(0, lines, 100_000):
            rows = range(start, min(lines, start + 100_000))
            f.write("".join(f"{i % 97} {i % 89} {i % 83} -> {i % 83} {i % 89}\n" for i in rows))


def measure(path: Path) -> tuple[float, np.ndarray]:
    """(seconds from the click to the task applied, lateness of each 10 ms tick in ms)."""
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from explorer.app import create_app

    app, window = create_app()
    clock, gaps, marks = QElapsedTimer(), [], {}
    probe = QTimer()
    probe.setInterval(10)
    probe.setTimerType(probe.timerType().PreciseTimer)
    probe.timeout.connect(lambda: gaps.append(clock.nsecsElapsed() / 1e6) or clock.restart())

    def start() -> None:
        clock.start()
        probe.start()
        marks["start"] = time.perf_counter()
        window.files.open_examples(str(path))

    def read(_report) -> None:
        marks["read"] = time.perf_counter()
        QTimer.singleShot(1000, finish)  # the second after: the settings applied and written

    def finish() -> None:
        probe.stop()
        window.close()
        app.quit()

    window.state.jobs.examples_read.connect(read)
    window.state.jobs.examples_failed.connect(lambda f: (print("failed:", f.message), finish()))
    window.state.live.warmed_up.connect(lambda _: QTimer.singleShot(500, start))
    app.exec()
    return marks["read"] - marks["start"], np.maximum(np.asarray(gaps[1:]) - 10.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "examples.txt"
        write_file(path, args.lines)
        p99s = []
        for _ in range(args.repeats):
            from tinyformer import tasks

            tasks._made.clear()  # each repeat parses the file afresh
            seconds, late = measure(path)
            p99s.append(float(np.percentile(late, 99)))
            print(
                f"  {args.lines:,} lines read and checked in {seconds:.1f} s; lateness p99 "
                f"{p99s[-1]:.1f} ms, max {late.max():.0f} ms, over {len(late)} ticks",
                flush=True,
            )
        print(f"lateness p99, median of {len(p99s)}: {statistics.median(p99s):.1f} ms "
              "(target ≤ 20)")  # fmt: skip


if __name__ == "__main__":
    main()
