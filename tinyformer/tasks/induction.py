"""induction: random distinct tokens, then the same tokens again; only looking back helps."""

from __future__ import annotations

import random

from tinyformer.model.config import DECODER_ONLY
from tinyformer.tasks.base import Task, TaskConfig, number_symbols
from tinyformer.tasks.batching import Example
from tinyformer.tasks.vocab import Vocab

MIN_PERIOD = 2


class InductionTask(Task):
    """p distinct random tokens (p random, 2..seq_len/2), repeated until seq_len tokens.

    The first p tokens cannot be predicted; once the first one comes round again, every
    next token can, by finding the earlier copy of the current token and reading the one
    after it. That takes two steps (a previous-token head, then an induction head), so a
    1-layer model does much worse than a 2-layer one. The prompt is the first p + 1
    tokens; loss is taken on the rest.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> task = make_task(TaskConfig("induction", seq_len=8, vocab=10))
    >>> print(show(task, "4 9 2 4", "decoder-only"))
    source 4 9 2 4 -> target 9 2 4 9
    x       [8, 13, 6, 8, 13, 6, 8]
    labels  [-100, -100, -100, 13, 6, 8, 13]
    """

    name = "induction"
    archs = (DECODER_ONLY,)
    summary = "repeat a random run of tokens (in-context copying)"
    separator = False

    def __init__(self, cfg: TaskConfig) -> None:
        if cfg.seq_len < 2 * MIN_PERIOD:
            raise ValueError(f"induction needs seq_len of at least {2 * MIN_PERIOD}")
        self.max_period = cfg.seq_len // 2
        if cfg.vocab < self.max_period:
            raise ValueError(
                f"induction draws up to {self.max_period} distinct tokens "
                f"(seq_len / 2), so vocab must be at least {self.max_period}"
            )
        super().__init__(cfg, Vocab(number_symbols(cfg.vocab)))

    def sample(self, rng: random.Random, arch: str) -> Example:
        p = rng.randint(MIN_PERIOD, self.max_period)
        first = self.vocab.first_symbol
        run = rng.sample(range(first, first + self.cfg.vocab), p)
        seq = tuple(run[i % p] for i in range(self.cfg.seq_len))
        return Example(seq[: p + 1], seq[p + 1 :])

    def answer_len(self, source_len: int, arch: str) -> int:
        return max(1, self.cfg.seq_len - source_len)

    def longest_input(self, arch: str) -> int:
        return self.cfg.seq_len

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        # The induction rule itself: find the last earlier copy of the final token, go on
        # from the token after it.
        earlier = [j for j in range(len(source) - 1) if source[j] == source[-1]]
        if not earlier:
            return None
        period = len(source) - 1 - earlier[-1]
        seq = list(source)
        for _ in range(self.answer_len(len(source), arch)):
            seq.append(seq[-period])
        return Example(source, tuple(seq[len(source) :]))
