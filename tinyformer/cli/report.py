"""How results read on the terminal."""

from __future__ import annotations

from tinyformer.inspect.evaluation import EvalEvent


def print_eval(event: EvalEvent, what: str) -> None:
    print(f"{event.summary()} ({what}); token accuracy {100 * event.token_accuracy:.1f}%")
    for m in event.mistakes:
        print(f"  {' '.join(m.source)}  ->  {' '.join(m.got)}   (expected {' '.join(m.expected)})")
