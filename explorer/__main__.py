"""`tinyformer-explorer [RUN]`: the desktop app."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(
        prog="tinyformer-explorer",
        description="Build the smallest Transformer, train it live, see every head.",
    )
    args.add_argument("run", nargs="?", help="a run file (.tfrun) to open")
    parsed = args.parse_args(sys.argv[1:] if argv is None else argv)

    from explorer.app import create_app

    app, window = create_app(parsed.run)
    code = app.exec()
    # The window has stopped the training thread and saved the settings. Skip the
    # interpreter's teardown: with PySide6 and torch loaded it can abort in none_dealloc
    # (a refcount bug in an extension), turning a clean quit into a crash report.
    window.store.sync()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
