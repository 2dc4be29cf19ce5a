"""copy, reverse, sort: map a random sequence of numbers to another of the same length."""

from __future__ import annotations

import random

from tinyformer.model.config import ARCHS
from tinyformer.tasks.base import Task, TaskConfig, number_symbols
from tinyformer.tasks.batching import Example
from tinyformer.tasks.vocab import Vocab


class SequenceTask(Task):
    """Random tokens from "1".."vocab", seq_len of them; the answer is a function of them."""

    archs = ARCHS

    def __init__(self, cfg: TaskConfig) -> None:
        super().__init__(cfg, Vocab(number_symbols(cfg.vocab)))

    def answer(self, source: tuple[int, ...]) -> tuple[int, ...]:
        raise NotImplementedError

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        return Example(source, self.answer(source))

    def sample(self, rng: random.Random, arch: str) -> Example:
        first = self.vocab.first_symbol
        source = tuple(rng.choices(range(first, first + self.cfg.vocab), k=self.cfg.seq_len))
        return Example(source, self.answer(source))


class CopyTask(SequenceTask):
    """Copy: the answer is the input. The Annotated Transformer's toy task.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> print(show(make_task(TaskConfig("copy", seq_len=4)), "3 1 4 1", "encoder-decoder"))
    source 3 1 4 1 -> target 3 1 4 1
    src     [7, 5, 8, 5]
    tgt     [1, 7, 5, 8]
    labels  [7, 5, 8, 5]
    """

    name = "copy"
    summary = "repeat the input"

    def answer(self, source: tuple[int, ...]) -> tuple[int, ...]:
        return source


class ReverseTask(SequenceTask):
    """Reverse: the answer is the input backwards; cross-attention draws an anti-diagonal.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> print(show(make_task(TaskConfig("reverse", seq_len=4)), "3 1 4 1", "decoder-only"))
    source 3 1 4 1 -> target 1 4 1 3
    x       [7, 5, 8, 5, 3, 5, 8, 5]
    labels  [-100, -100, -100, -100, 5, 8, 5, 7]
    """

    name = "reverse"
    summary = "the input backwards"

    def answer(self, source: tuple[int, ...]) -> tuple[int, ...]:
        return source[::-1]


class SortTask(SequenceTask):
    """Sort: the answer is the input in ascending order.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> print(show(make_task(TaskConfig("sort", seq_len=4)), "3 1 4 1", "encoder-only"))
    source 3 1 4 1 -> target 1 1 3 4
    x       [7, 5, 8, 5]
    labels  [5, 5, 7, 8]
    """

    name = "sort"
    summary = "the input in ascending order"

    def answer(self, source: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(source))
