"""custom: the user's own examples, typed or read from a file."""

from __future__ import annotations

import random
from collections.abc import Callable

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY
from tinyformer.model.limits import MAX_SEQ_LEN, MAX_SYMBOLS
from tinyformer.tasks.base import Task, TaskConfig
from tinyformer.tasks.batching import Example
from tinyformer.tasks.examples_file import iter_lines
from tinyformer.tasks.vocab import SPECIALS, Vocab

ARROW = "->"
PROGRESS_EVERY = 20_000  # lines between two calls of a parse's progress
FREE_BLOCK = 10_000
Progress = Callable[[int, int], None]  # (lines done, lines in all); may raise to stop


def parse_examples(
    text: str, progress: Progress | None = None
) -> tuple[list[tuple[list[str], list[str] | None]], bool]:
    """Lines of "a b -> c d" pairs, or lines of plain sequences; blank lines and lines
    starting with # are skipped. Returns (source, target or None) per line, and whether
    the lines are pairs. Errors name the line and what is wrong with it."""
    rows, kinds = [], set()
    total = text.count("\n") + 1 if progress is not None else 0
    for n, raw in enumerate(iter_lines(text), start=1):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n, total)
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.count(ARROW) > 1:
            raise ValueError(f"line {n}: use {ARROW} once, between input and output")
        if ARROW in line:
            left, right = (side.split() for side in line.split(ARROW))
            if not left or not right:
                raise ValueError(f"line {n}: put tokens on both sides of {ARROW}, as 1 2 -> 2 1")
            rows.append((left, right))
            kinds.add("pair")
        else:
            seq = line.split()
            if len(seq) < 2:
                raise ValueError(f"line {n}: a sequence needs at least two tokens")
            rows.append((seq, None))
            kinds.add("sequence")
        for tok in rows[-1][0] + (rows[-1][1] or []):
            if tok in SPECIALS:
                raise ValueError(f"line {n}: {tok} is a reserved token; use another name")
        longest = max(len(rows[-1][0]), len(rows[-1][1] or []))
        if longest > MAX_SEQ_LEN:
            raise ValueError(f"line {n}: {longest} tokens is too long (at most {MAX_SEQ_LEN})")
        if len(kinds) > 1:
            raise ValueError(
                f"line {n}: mix of pairs (a -> b) and plain sequences; use one kind throughout"
            )
    if not rows:
        raise ValueError(f"type at least one example: a sequence, or a pair like 1 2 {ARROW} 2 1")
    return rows, kinds == {"pair"}


class CustomTask(Task):
    """The user's own data. Pairs "1 2 3 -> 3 2 1" are learned as input -> output; plain
    sequences "a b c d" as next-token prediction (encoder-decoder: the sequence, then the
    same shifted one step, as in the article). Answers end with <eos>, since lengths vary.
    The vocabulary is every token typed, in order of appearance.

    A seeded fraction of the distinct lines (`held_out`, 10% by default) is held out:
    never trained on, and every evaluation is on those lines only.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> text = "hi there -> hello\\nbye -> see you"
    >>> task = make_task(TaskConfig("custom", text=text, held_out=0.0))  # 2 lines: keep all
    >>> print(show(task, "bye", "encoder-decoder"))
    source bye -> target see you
    src     [8]
    tgt     [1, 9, 10]
    labels  [9, 10, 2]
    """

    name = "custom"
    settings = frozenset({"text", "held_out", "split_seed"})
    summary = "your own examples, typed or from a file"
    eos = True

    def __init__(self, cfg: TaskConfig, progress: Progress | None = None) -> None:
        rows, self.pairs = parse_examples(cfg.text, progress)
        seen: dict[str, None] = {}  # every token, in order of appearance
        for src, tgt in rows:
            for t in src + (tgt or []):
                if t not in seen:
                    seen[t] = None
        symbols = tuple(seen)
        if len(symbols) > MAX_SYMBOLS:
            raise ValueError(f"{len(symbols)} distinct tokens is too many (at most {MAX_SYMBOLS})")
        super().__init__(cfg, Vocab(symbols))
        # Pairs as typed; a plain sequence is kept whole in `source` (target unused).
        index = {s: i for i, s in enumerate(self.vocab.labels())}
        self.data = [
            Example(tuple(index[t] for t in src), tuple(index[t] for t in tgt or []))
            for src, tgt in rows
        ]
        self.separator = self.pairs
        self.longest = self._measure()
        same_length = all(len(e.source) == len(e.target) for e in self.data)
        self.archs = (ENCODER_DECODER, DECODER_ONLY)
        if self.pairs and same_length:
            self.archs += (ENCODER_ONLY,)
        self.use_split(self.data)
        while rows:  # freed a slice at a time: one large free holds the interpreter long
            del rows[-FREE_BLOCK:]

    def view(self, e: Example, arch: str) -> Example:
        """A stored line as this architecture learns it."""
        if self.pairs:
            return e
        if arch == DECODER_ONLY:
            return Example(e.source[:1], e.source[1:])
        return Example(e.source, e.source[1:])

    def sample(self, rng: random.Random, arch: str) -> Example:
        return self.view(rng.choice(self.train_set), arch)

    def _measure(self) -> dict[str, int]:
        """The longest lines, measured once (checks ask often, a file may be long)."""
        src = tgt = both = side = 0
        for e in self.data:
            s, t = len(e.source), len(e.target)
            src, tgt = max(src, s), max(tgt, t)
            both, side = max(both, s + t), max(side, max(s, t + 1))
        return {"source": src, "target": tgt, "both": both, "side": side}

    def answer_len(self, source_len: int, arch: str) -> int:
        if self.pairs:
            return self.longest["target"]
        if arch == DECODER_ONLY:
            return max(1, self.longest["source"] - source_len)
        return max(1, source_len - 1)

    def longest_input(self, arch: str) -> int:
        # answers gain an <eos>
        if arch == DECODER_ONLY:
            return self.longest["both"] + 2 if self.pairs else self.longest["source"] + 1
        return self.longest["side"] if self.pairs else self.longest["source"]

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        if not self.pairs and arch != DECODER_ONLY:
            return Example(source, source[1:])
        for e in self.data:
            if self.pairs and e.source == source:
                return e
            if not self.pairs and e.source[: len(source)] == source:
                return Example(source, e.source[len(source) :])
        return None
