"""`tinyformer-explorer [RUN]`: the desktop app."""

from __future__ import annotations

import argparse
import sys

CHECK_TIMEOUT_MS = 60_000


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(
        prog="tinyformer-explorer",
        description="Build the smallest Transformer, train it live, see every head.",
    )
    args.add_argument("run", nargs="?", help="a run file (.tfrun) to open")
    args.add_argument(
        "--check",
        action="store_true",
        help="start, show the window, train one step in the worker thread, then quit "
        "(status 0 if all of that worked): a quick test of an installation",
    )
    parsed = args.parse_args(sys.argv[1:] if argv is None else argv)

    from explorer.app import create_app

    app, window = create_app(parsed.run)  # the window must outlive exec()
    if parsed.check:
        from PySide6.QtCore import QTimer

        window.state.live.warmed_up.connect(lambda _: window.close())
        QTimer.singleShot(CHECK_TIMEOUT_MS, lambda: app.exit(1))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
