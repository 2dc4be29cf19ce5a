"""How results read on the terminal."""

from __future__ import annotations

import sys

from tinyformer.inspect.evaluation import EvalEvent


def say_note(text: str) -> None:
    """Something to know that is not an error (on stderr: stdout may be JSON)."""
    print(f"tinyformer: note: {text}", file=sys.stderr)


def say_warning(text: str) -> None:
    """A flag or value that was accepted but does nothing, or may surprise."""
    print(f"tinyformer: warning: {text}", file=sys.stderr)


def print_eval(event: EvalEvent, what: str) -> None:
    print(f"{event.summary()} ({what}); token accuracy {100 * event.token_accuracy:.1f}%")
    for m in event.mistakes:
        print(f"  {_line(m.source)}  ->  {_line(m.got)}   (expected {_line(m.expected)})")


SHOWN_TOKENS = 24  # of a long sequence, the first ones and its length: one screen line


def _line(tokens: list[str]) -> str:
    if len(tokens) <= SHOWN_TOKENS:
        return " ".join(tokens)
    return " ".join(tokens[:SHOWN_TOKENS]) + f" ... ({len(tokens)} tokens)"
