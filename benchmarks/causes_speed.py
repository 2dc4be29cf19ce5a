"""The Causes tab: event-loop lateness while the worker patches, and how long a result
takes to draw.

Trains a preset in the app, opens the Causes tab, then corrupts one token after another
(each a full measurement: every head and every stream position patched), a click every
half second after the last result, while a 10 ms QTimer in the GUI thread measures how
late it fires.

    python benchmarks/causes_speed.py --preset induction-2-layers --measurements 20
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="induction-2-layers")
    parser.add_argument("--measurements", type=int, default=20)
    parser.add_argument("--gap-ms", type=int, default=500, help="between a result and the "
                        "next click (a person reads the maps in between)")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from explorer.app import create_app

    app, window = create_app()
    state, view = window.state, window.causes_view
    state.load_preset(args.preset)
    clock, gaps, draws, took = QElapsedTimer(), [], [], []
    probe = QTimer()
    probe.setInterval(10)
    probe.setTimerType(probe.timerType().PreciseTimer)
    probe.timeout.connect(lambda: gaps.append(clock.nsecsElapsed() / 1e6) or clock.restart())
    asked = {}

    def next_measurement() -> None:
        if len(draws) >= args.measurements:
            probe.stop()
            state.run.saved_step = state.run.step  # nothing to ask on the way out
            window.close()
            app.quit()
            return
        tokens = len(view.source.buttons)
        asked["at"] = time.perf_counter()
        view.source.buttons[len(draws) % tokens].click()

    def on_found(_result) -> None:
        if "at" not in asked:
            return
        took.append(time.perf_counter() - asked["at"])
        draws.append(view.last_draw_ms)
        QTimer.singleShot(args.gap_ms, next_measurement)

    def on_status(status) -> None:
        if status.value == "finished":
            window.tabs.setCurrentWidget(view)
            clock.start()
            probe.start()
            QTimer.singleShot(500, next_measurement)

    state.live.causes_found.connect(on_found)
    state.live.status_changed.connect(on_status)
    state.live.warmed_up.connect(lambda _: state.train())
    app.exec()
    late = np.maximum(np.asarray(gaps[1:]) - 10.0, 0.0)
    print(f"{args.preset}, {len(draws)} measurements on the Causes tab:")
    print(f"  each measured in {np.median(took) * 1000:.0f} ms (median), drawn in "
          f"{np.median(draws):.0f} ms (max {max(draws):.0f}; target < 200)")  # fmt: skip
    print(f"  event-loop lateness meanwhile: p99 {np.percentile(late, 99):.1f} ms, "
          f"max {late.max():.1f} ms (target p99 ≤ 20)")  # fmt: skip


if __name__ == "__main__":
    main()
