"""The `tinyformer` command: list presets, train (or continue) runs, evaluate and query them.

A front door: it may import every layer of tinyformer. Bad input (flags, tokens, files)
gets one line on stderr and exit status 2, never a traceback; anything else is a bug and
says so, with the traceback, exit status 1. Ctrl-C (and SIGTERM) during training save the
run at a step boundary before exiting.
"""

from __future__ import annotations

import sys
import traceback

BAD_INPUT = 2
BUG = 1
INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status."""
    try:
        return _run(argv)
    except KeyboardInterrupt:  # before training began (importing torch takes a while)
        print("tinyformer: interrupted", file=sys.stderr)
        return INTERRUPTED
    except SystemExit as e:  # --help
        return int(e.code or 0)


def _run(argv: list[str] | None) -> int:
    from tinyformer.cli.commands import COMMANDS
    from tinyformer.cli.errors import UsageError
    from tinyformer.cli.parser import build_parser
    from tinyformer.training.runfile import RunFileError

    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, RunFileError) as e:
        print(f"tinyformer: error: {e}", file=sys.stderr)
        return BAD_INPUT
    except Exception as e:
        traceback.print_exc()
        print(
            f"tinyformer: internal error ({type(e).__name__}): a bug, not your input; "
            "please report it with the traceback above",
            file=sys.stderr,
        )
        return BUG


__all__ = ["main"]
