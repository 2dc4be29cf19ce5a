"""The app's figures: worker speed ÷ headless trainer, event-loop lateness, launch time.

- steps/s inside the app's worker ÷ steps/s of the headless trainer: the same preset,
  steps and torch threads; both include the preset's evaluations and snapshots; the
  headless speed is the mean of the runs just before and just after. The app shows the
  chosen view and redraws it as a user would see it.
- event-loop lateness while training: a 10 ms QTimer; lateness = time between firings
  minus 10 ms; p99 and max over the whole training. Measured in its own app run, since
  the probe is Python in the GUI thread and would slow the training it measures.
- launch to window shown: a fresh process, from start to the window being exposed.

    python benchmarks/app_speed.py [--preset copy] [--steps 600] [--threads 1] [--tab Loss]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def headless(preset: str, steps: int, threads: int) -> float:
    from tinyformer.presets import get_preset
    from tinyformer.training.trainer import Trainer

    trainer = Trainer(
        get_preset(preset).experiment.replace(train={"steps": steps}), device="cpu", threads=threads
    )
    t0 = time.perf_counter()
    for _ in trainer.run():
        pass
    return steps / (time.perf_counter() - t0)


def in_app(
    preset: str, steps: int, threads: int, tab: str, probe_on: bool
) -> tuple[float, np.ndarray]:
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    from explorer.app import create_app

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app, window = create_app()
    window.session.worker.threads = threads
    window.state.load_preset(preset)
    window.state.set_setting("train", "steps", steps)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(titles.index(tab))
    window.state.live.new_run(window.state.experiment)

    clock, gaps, marks = QElapsedTimer(), [], {}
    probe = QTimer()
    probe.setInterval(10)
    probe.setTimerType(probe.timerType().PreciseTimer)

    def on_probe() -> None:
        if "start" in marks:
            gaps.append(clock.nsecsElapsed() / 1e6)
        clock.restart()

    def on_status(status) -> None:  # the state lives in the GUI thread
        if status.value == "ready" and "start" not in marks:
            window.state.train()
        elif status.value == "training":
            marks["start"] = time.perf_counter()
            clock.start()
            if probe_on:
                probe.start()
        elif status.value == "finished":
            marks["stop"] = time.perf_counter()
            probe.stop()
            window.state.run.saved_step = window.state.run.step  # nothing to ask on close
            QTimer.singleShot(200, window.close)

    probe.timeout.connect(on_probe)
    window.state.live.status_changed.connect(on_status)
    app.exec()
    lateness = np.maximum(np.asarray(gaps[1:], dtype=float) - 10.0, 0.0)
    return steps / (marks["stop"] - marks["start"]), lateness


def launch_time() -> float:
    """Seconds from spawning a fresh process to its window shown (first event-loop turn)."""
    code = (
        "import tempfile, time\n"
        "from PySide6.QtCore import QSettings, QTimer\n"
        "QSettings.setDefaultFormat(QSettings.Format.IniFormat)\n"
        "QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,"
        " tempfile.mkdtemp())\n"
        "from explorer.app import create_app\n"
        "app, w = create_app()\n"
        "def shown():\n"
        "    print(time.time(), w.isVisible(), flush=True); w.close(); app.quit()\n"
        "QTimer.singleShot(0, shown)\n"
        "app.exec()\n"
    )
    spawned = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    shown_at, visible = out.stdout.split()[:2]
    assert visible == "True"
    return float(shown_at) - spawned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="copy")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--tab",
        default="Loss",
        choices=[
            "Loss",
            "Attention",
            "Predictions",
            "Inside",
            "Causes",
            "Embeddings",
            "Batch",
            "Compare",
        ],
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    # Headless and app runs alternate (h a h a … h), and each app run is divided by the
    # mean of the headless runs on either side: this machine's speed drifts by ±15% within
    # minutes, and a ratio to one neighbour carries that drift.
    ratios, p99s, maxes = [], [], []
    before = headless(args.preset, args.steps, args.threads)
    for _ in range(args.repeats):
        a, _ = in_app(args.preset, args.steps, args.threads, args.tab, probe_on=False)
        _, late = in_app(args.preset, args.steps, args.threads, args.tab, probe_on=True)
        after = headless(args.preset, args.steps, args.threads)
        h, before = (before + after) / 2, after
        ratios.append(a / h)
        p99s.append(float(np.percentile(late, 99)))
        maxes.append(float(late.max()))
        print(
            f"  headless {h:6.1f} steps/s   app {a:6.1f} steps/s   ratio {a / h:.3f}   "
            f"lateness p99 {p99s[-1]:5.1f} ms  max {maxes[-1]:5.1f} ms",
            flush=True,
        )
    print(f"{args.preset}, {args.steps} steps, {args.threads} torch thread(s), {args.tab} tab:")
    print(f"  worker ÷ headless steps/s: median {statistics.median(ratios):.3f}  (target ≥ 0.95)")
    print(
        f"  event-loop lateness: p99 median {statistics.median(p99s):.1f} ms (target ≤ 20), "
        f"max {max(maxes):.1f} ms (target ≤ 50)"
    )
    launches = [launch_time() for _ in range(3)]
    print(f"  launch to window shown: median {statistics.median(launches):.2f} s (target ≤ 3 s)")


if __name__ == "__main__":
    main()
