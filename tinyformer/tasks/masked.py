"""masked: BERT's training data, on sequences whose hidden tokens the context gives away."""

from __future__ import annotations

import random

from tinyformer.model.config import ENCODER_ONLY
from tinyformer.tasks.base import Task, TaskConfig, number_symbols
from tinyformer.tasks.batching import IGNORE, Example
from tinyformer.tasks.vocab import MASK, SPECIALS, Vocab

MASK_RATE = 0.15  # BERT: 15% of positions are chosen for prediction,
KEEP_AS_MASK = 0.8  # 80% of those become <mask>,
KEEP_AS_RANDOM = 0.1  # 10% a random token, and the remaining 10% stay unchanged.
MAX_STEP = 3


class MaskedTask(Task):
    """Counting sequences (start s, step d in 1..3, each token s + i*d wrapping round the
    vocabulary) with BERT's masking: 15% of positions chosen, at least one; of those 80%
    become <mask>, 10% a random token, 10% stay. Loss only at the chosen positions. An
    encoder sees both sides of a gap, so it can tell what was hidden.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> task = make_task(TaskConfig("masked", seq_len=6, vocab=10))
    >>> print(show(task, "2 4 <mask> 8 10 2", "encoder-only"))
    source 2 4 <mask> 8 10 2 -> target _ _ 6 _ _ _
    x       [6, 8, 4, 12, 14, 6]
    labels  [-100, -100, 10, -100, -100, -100]
    """

    name = "masked"
    archs = (ENCODER_ONLY,)
    summary = "fill in hidden tokens, as BERT is trained"

    def __init__(self, cfg: TaskConfig) -> None:
        super().__init__(cfg, Vocab(number_symbols(cfg.vocab)))

    def _clean(self, rng: random.Random) -> list[int]:
        start, step = rng.randrange(self.cfg.vocab), rng.randint(1, MAX_STEP)
        return [(start + i * step) % self.cfg.vocab for i in range(self.cfg.seq_len)]

    def sample(self, rng: random.Random, arch: str) -> Example:
        first = self.vocab.first_symbol
        clean = [first + s for s in self._clean(rng)]
        chosen = [i for i in range(len(clean)) if rng.random() < MASK_RATE]
        chosen = chosen or [rng.randrange(len(clean))]
        source, target = list(clean), [IGNORE] * len(clean)
        for i in chosen:
            target[i] = clean[i]
            r = rng.random()
            if r < KEEP_AS_MASK:
                source[i] = MASK
            elif r < KEEP_AS_MASK + KEEP_AS_RANDOM:
                source[i] = rng.randrange(first, first + self.cfg.vocab)
        return Example(tuple(source), tuple(target))

    def parse_input(self, text: str) -> list[int]:
        tokens = text.split()
        if not tokens:
            raise ValueError("type at least one token; write <mask> where a token is hidden")
        return [MASK if t == SPECIALS[MASK] else self.vocab.encode([t])[0] for t in tokens]

    def fill(self, source: tuple[int, ...], output: list[int] | tuple[int, ...]) -> list[int]:
        """The input with each <mask> replaced by the model's token there."""
        return [o if s == MASK else s for s, o in zip(source, output, strict=True)]

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        """The hidden tokens, where the visible ones pin down one counting sequence."""
        first, v = self.vocab.first_symbol, self.cfg.vocab
        fits = []
        for start in range(v):
            for step in range(1, MAX_STEP + 1):
                clean = [first + (start + i * step) % v for i in range(len(source))]
                if all(s in (MASK, c) for s, c in zip(source, clean, strict=True)):
                    fits.append(clean)
        if len(fits) != 1 or MASK not in source:
            return None
        target = tuple(c if s == MASK else IGNORE for s, c in zip(source, fits[0], strict=True))
        return Example(source, target)
