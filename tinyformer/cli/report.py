"""How results read on the terminal."""

from __future__ import annotations

import sys

from tinyformer.inspect.evaluation import EvalEvent
from tinyformer.inspect.fourier import FourierMeasures


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


def print_fourier(m: FourierMeasures) -> None:
    keys = ", ".join(map(str, m.key_frequencies))
    print(
        f"Fourier: key frequencies {keys} hold {100 * m.fourier_fraction:.1f}% of the "
        f"embedding's norm; on the training pairs, restricted loss {m.restricted_loss:.3g}, "
        f"excluded loss {m.excluded_loss:.3g}"
    )


def fourier_fields(m: FourierMeasures | None) -> dict:
    """`eval --json`'s Fourier fields: null for a task other than modular."""
    return {
        "key_frequencies": None if m is None else list(m.key_frequencies),
        "fourier_fraction": None if m is None else m.fourier_fraction,
        "restricted_loss": None if m is None else m.restricted_loss,
        "excluded_loss": None if m is None else m.excluded_loss,
    }


SHOWN_TOKENS = 24  # of a long sequence, the first ones and its length: one screen line


def _line(tokens: list[str]) -> str:
    if len(tokens) <= SHOWN_TOKENS:
        return " ".join(tokens)
    return " ".join(tokens[:SHOWN_TOKENS]) + f" ... ({len(tokens)} tokens)"
