"""`tinyformer-explorer [RUN]`: the desktop app."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(
        prog="tinyformer-explorer",
        description="Build the smallest Transformer, train it live, see every head.",
    )
    args.add_argument("run", nargs="?", help="a run file (.tfrun) to open")
    parsed = args.parse_args(sys.argv[1:] if argv is None else argv)

    from explorer.app import create_app

    app, _window = create_app(parsed.run)  # the window must outlive exec()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
