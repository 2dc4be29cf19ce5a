"""modular: a + b mod p over every pair, a fraction of them held out: the grokking task."""

from __future__ import annotations

import random

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER
from tinyformer.tasks.base import Task, TaskConfig
from tinyformer.tasks.batching import Example
from tinyformer.tasks.vocab import Vocab

MAX_MODULUS = 256  # p * p examples: 65,536 at most
COMMUTATIVE = ("+", "*")

APPLY = {
    "+": lambda a, b, p: (a + b) % p,
    "-": lambda a, b, p: (a - b) % p,
    "*": lambda a, b, p: (a * b) % p,
}


class ModularTask(Task):
    """Every equation "a op b = c" with a, b in 0..p-1 (p = `vocab`) and c = a op b mod p,
    as in "Grokking" (Power et al., 2022) and Nanda et al. (2023). A fraction `held_out`
    of the p * p pairs is never trained on; a model that only memorizes its training pairs
    gets those wrong, one that has found the rule gets them right. For + and * the split is
    made on unordered pairs, so that a + b and b + a are held out together, unless
    `cfg.pairs` is "ordered".

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> task = make_task(TaskConfig("modular", vocab=7, held_out=0.5))
    >>> print(show(task, "5 + 4", "decoder-only"))
    source 5 + 4 -> target 2
    x       [10, 12, 9, 3]
    labels  [-100, -100, -100, 7]
    """

    name = "modular"
    settings = frozenset({"vocab", "operation", "pairs", "held_out", "split_seed"})
    archs = (ENCODER_DECODER, DECODER_ONLY)
    summary = "a + b mod p, learned from some pairs (grokking)"

    def __init__(self, cfg: TaskConfig) -> None:
        p = cfg.vocab
        if p > MAX_MODULUS:
            raise ValueError(f"the modulus (vocab) must be at most {MAX_MODULUS}, got {p}")
        super().__init__(cfg, Vocab((*(str(i) for i in range(p)), cfg.operation)))
        self.p = p
        self.op = self.vocab.first_symbol + p
        if cfg.operation in COMMUTATIVE and cfg.pairs == "unordered":
            # Both orders of a pair fall on the same side of the split: otherwise a model
            # that only memorized would answer b + a from a + b, and look half right.
            pairs = [(a, b) for a in range(p) for b in range(a, p)]
            self.use_split(pairs)
            self.train_set = tuple(e for a, b in self.train_set for e in self._both(a, b))
            self.held_out_set = tuple(e for a, b in self.held_out_set for e in self._both(a, b))
        else:
            self.use_split([self.equation(a, b) for a in range(p) for b in range(p)])

    def _both(self, a: int, b: int) -> tuple[Example, ...]:
        return (self.equation(a, b),) if a == b else (self.equation(a, b), self.equation(b, a))

    def answer(self, a: int, b: int) -> int:
        """c = a op b mod p."""
        return APPLY[self.cfg.operation](a, b, self.p)

    def equation(self, a: int, b: int) -> Example:
        """ "a op b = c" as tokens, as stored (before `view`)."""
        first = self.vocab.first_symbol
        return Example((first + a, self.op, first + b), (first + self.answer(a, b),))

    def sample(self, rng: random.Random, arch: str) -> Example:
        return rng.choice(self.train_set)

    def answer_len(self, source_len: int, arch: str) -> int:
        return 1

    def longest_input(self, arch: str) -> int:
        return 5 if arch == DECODER_ONLY else 3

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        first = self.vocab.first_symbol
        if len(source) != 3 or source[1] != self.op:
            return None
        a, b = source[0] - first, source[2] - first
        if not (0 <= a < self.p and 0 <= b < self.p):
            return None
        return self.equation(a, b)

    def parse_input(self, text: str) -> list[int]:
        ids = super().parse_input(text)
        if len(ids) != 3 or ids[1] != self.op:
            raise ValueError(f"type an equation as: a {self.cfg.operation} b, e.g. 5 + 4")
        return ids
