"""Soak: the real app left training for many minutes, every tab shown in turn.

Runs the explorer's own window (create_app) on whatever display Qt finds: under Xvfb, as
`xvfb-run -s '-screen 0 1600x1000x24' python benchmarks/soak.py`. Two modes:

- long: one run of the copy preset made 10,000,000 steps long; the tabs are cycled
  every few seconds. Reports steps done, RSS at the start and the end, the largest RSS,
  event-loop lateness (a 10 ms QTimer), and that the process is alive.
- reset: Reset, Train, and again, whenever a copy run finishes (400 steps), as a user
  trying things would; tabs cycled the same way.

    python benchmarks/soak.py --mode long --minutes 15
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

TAB_EVERY_S = 5.0
REPORT_EVERY_S = 60.0


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["long", "reset"], default="long")
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument(
        "--warmup-s",
        type=float,
        default=60.0,
        help="RSS growth is measured from this long after training starts",
    )
    args = parser.parse_args()

    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    from explorer.app import create_app
    from explorer.core.status import Status

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app, window = create_app()
    window.resize(1600, 1000)
    state = window.state
    state.load_preset("copy")
    if args.mode == "long":
        state.set_setting("train", "steps", 10_000_000)
    start = time.monotonic()
    marks = {"rss_start": rss_mb(), "rss_max": rss_mb(), "steps": 0, "runs": 0}
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()

    def probe() -> None:
        gaps.append(clock.nsecsElapsed() / 1e6)
        clock.restart()

    def next_tab() -> None:
        window.tabs.setCurrentIndex((window.tabs.currentIndex() + 1) % window.tabs.count())

    def tick() -> None:
        now = time.monotonic() - start
        run = state.run
        marks["rss_max"] = max(marks["rss_max"], rss_mb())
        if "rss_warm" not in marks and now >= args.warmup_s:
            marks["rss_warm"] = rss_mb()
        if args.mode == "reset" and state.status is Status.FINISHED:
            marks["steps"] += run.step
            marks["runs"] += 1
            window.on_reset()
            return
        if state.status in (Status.NO_RUN, Status.READY):
            state.train()
        if now >= args.minutes * 60:
            finish()

    def report() -> None:
        run = state.run
        step = 0 if run is None else run.step
        late = np.maximum(np.asarray(gaps[1:]) - 10.0, 0.0)
        print(
            f"{(time.monotonic() - start) / 60:5.1f} min  step {step:>8}  RSS {rss_mb():6.0f} MB"
            f"  lateness p99 {np.percentile(late, 99):5.1f} ms",
            flush=True,
        )

    def finish() -> None:
        run = state.run
        steps = marks["steps"] + (0 if run is None else run.step)
        late = np.maximum(np.asarray(gaps[1:]) - 10.0, 0.0)
        print(f"mode {args.mode}: {(time.monotonic() - start) / 60:.1f} minutes, alive")
        print(
            f"  steps trained: {steps:,}" + (f" in {marks['runs']} runs" if marks["runs"] else "")
        )
        print(
            f"  RSS: start {marks['rss_start']:.0f} MB, "
            f"after warm-up {marks.get('rss_warm', 0):.0f}"
            f" MB, end {rss_mb():.0f} MB, largest {marks['rss_max']:.0f} MB"
        )
        print(
            f"  growth after warm-up: {rss_mb() - marks.get('rss_warm', marks['rss_start']):.0f} MB"
        )
        print(
            f"  event-loop lateness: p99 {np.percentile(late, 99):.1f} ms, max {late.max():.1f} ms"
        )
        if state.run is not None:
            state.run.saved_step = state.run.step  # nothing to ask on the way out
        window.close()
        app.quit()

    timers = []
    for interval, slot in (
        (10, probe),
        (TAB_EVERY_S * 1000, next_tab),
        (500, tick),
        (REPORT_EVERY_S * 1000, report),
    ):
        timer = QTimer()
        timer.setInterval(int(interval))
        timer.timeout.connect(slot)
        timer.start()
        timers.append(timer)
    app.exec()
    sys.stdout.flush()


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
    main()
