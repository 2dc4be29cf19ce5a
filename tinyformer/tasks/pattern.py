"""pattern: the article's task, next-token prediction on a repeating pattern."""

from __future__ import annotations

import random

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER
from tinyformer.tasks.base import Task, TaskConfig
from tinyformer.tasks.batching import Example
from tinyformer.tasks.vocab import Vocab


class PatternTask(Task):
    """A pattern ("1 0" by default, or any: "1 1 0", "a b c") repeated from a random phase.

    encoder-decoder, as in the article: the source is seq_len tokens of the stream, the
    target the same stream one step on, so each position predicts the next token.
    decoder-only: one period is the prompt, the model continues the stream.

    >>> from tinyformer.tasks import TaskConfig, make_task, show
    >>> task = make_task(TaskConfig("pattern", seq_len=6, pattern="1 0"))
    >>> print(show(task, "1 0 1 0 1 0", "encoder-decoder"))
    source 1 0 1 0 1 0 -> target 0 1 0 1 0 1
    src     [5, 6, 5, 6, 5, 6]
    tgt     [1, 6, 5, 6, 5, 6]
    labels  [6, 5, 6, 5, 6, 5]
    """

    name = "pattern"
    settings = frozenset({"pattern", "seq_len"})
    archs = (ENCODER_DECODER, DECODER_ONLY)
    summary = "continue a repeating pattern (the article's task)"
    separator = False

    def __init__(self, cfg: TaskConfig) -> None:
        tokens = tuple(cfg.pattern.split())
        if not tokens:
            raise ValueError("the pattern needs at least one token, e.g. 1 0")
        if len(tokens) >= cfg.seq_len:
            raise ValueError(
                f"seq_len ({cfg.seq_len}) must be longer than the pattern ({len(tokens)} tokens)"
            )
        super().__init__(cfg, Vocab(tuple(dict.fromkeys(tokens))))
        self.period = tuple(self.vocab.encode(tokens))

    def _stream(self, phase: int, n: int) -> tuple[int, ...]:
        k = len(self.period)
        return tuple(self.period[(phase + i) % k] for i in range(n))

    def sample(self, rng: random.Random, arch: str) -> Example:
        stream = self._stream(rng.randrange(len(self.period)), self.cfg.seq_len + 1)
        if arch == DECODER_ONLY:
            k = len(self.period)
            return Example(stream[:k], stream[k : self.cfg.seq_len])
        return Example(stream[:-1], stream[1:])

    def answer_len(self, source_len: int, arch: str) -> int:
        if arch == DECODER_ONLY:
            return max(1, self.cfg.seq_len - source_len)
        return source_len

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        n = self.answer_len(len(source), arch)
        for phase in range(len(self.period)):
            stream = self._stream(phase, len(source) + n + 1)
            if stream[: len(source)] == source:
                if arch == DECODER_ONLY:
                    return Example(source, stream[len(source) : len(source) + n])
                return Example(source, stream[1 : len(source) + 1])
        return None
