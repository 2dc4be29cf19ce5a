"""What every task shares: its settings, its vocabulary, and batches for each architecture."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, settings_from_dict
from tinyformer.model.limits import MAX_SEQ_LEN, MAX_SYMBOLS
from tinyformer.tasks.batching import (
    Batch,
    Example,
    decoder_only_batch,
    encoder_decoder_batch,
    encoder_only_batch,
)
from tinyformer.tasks.split import check_fraction, split_examples
from tinyformer.tasks.vocab import Vocab

OPERATIONS = ("+", "-", "*")
PAIR_SPLITS = ("unordered", "ordered")


@dataclass(frozen=True)
class TaskConfig:
    """Which task and its data settings.

    name: a task name (see tinyformer.tasks.TASKS).
    seq_len: length of a generated input sequence.
    vocab: how many symbols the generated sequences draw from ("1".."vocab").
    pattern: the repeating pattern of the `pattern` task, space-separated ("1 0", "a b c").
    text: the `custom` task's examples, one per line: "a b -> b a" pairs or plain sequences.
    held_out: for tasks with a fixed set of examples (custom, modular), the fraction of
        the distinct examples held out: never trained on, used for every evaluation.
    split_seed: which examples are held out.
    operation: the `modular` task's operation, "+", "-" or "*" (its modulus is `vocab`).
    pairs: how the `modular` task splits the pairs of + and *: "unordered" holds out
        a + b and b + a together; "ordered" splits the p * p ordered pairs one by one, as
        the published grokking runs do (then a + b may be trained on while b + a is held out).
    """

    name: str = "copy"
    seq_len: int = 10
    vocab: int = 10
    pattern: str = "1 0"
    text: str = ""
    held_out: float = 0.1
    split_seed: int = 0
    operation: str = "+"
    pairs: str = "unordered"

    def __post_init__(self) -> None:
        for name, lo, hi in (
            ("seq_len", 2, MAX_SEQ_LEN),
            ("vocab", 2, MAX_SYMBOLS),
            ("split_seed", 0, 2**31 - 1),
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer from {lo} to {hi}, got {v!r}")
        for name in ("name", "pattern", "text"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be text, got {getattr(self, name)!r}")
        check_fraction(self.held_out)
        if self.operation not in OPERATIONS:
            raise ValueError(
                f"operation must be one of {' '.join(OPERATIONS)}; got {self.operation!r}"
            )
        if self.pairs not in PAIR_SPLITS:
            raise ValueError(f"pairs must be one of {', '.join(PAIR_SPLITS)}; got {self.pairs!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskConfig:
        return settings_from_dict(cls, data, "task")


class Task:
    """A source of examples. Subclasses set `name`, `archs`, the vocabulary, and `sample`.

    separator: decoder-only sequences put SEP between source and target (False for tasks
        whose data is one running sequence, like `induction`).
    eos: targets end with EOS, for tasks whose answers vary in length.

    A task with a fixed set of distinct examples (custom, modular) calls `use_split`: a
    seeded fraction `cfg.held_out` of them is held out, training batches come only from
    the rest, and `held_out_examples` gives the others for every evaluation. Tasks that
    generate endless random inputs have no split: their held-out examples are fresh draws.
    """

    name: ClassVar[str]
    archs: ClassVar[tuple[str, ...]]
    summary: ClassVar[str]
    separator: ClassVar[bool] = True
    eos: ClassVar[bool] = False
    # The TaskConfig fields it reads (beyond `name`): a flag for any other does nothing.
    settings: ClassVar[frozenset[str]] = frozenset({"seq_len", "vocab"})

    def __init__(self, cfg: TaskConfig, vocab: Vocab) -> None:
        self.cfg = cfg
        self.vocab = vocab
        self.train_set: tuple[Example, ...] | None = None
        self.held_out_set: tuple[Example, ...] | None = None

    # the held-out split ---------------------------------------------------------------

    def use_split(self, distinct: Sequence[Example]) -> None:
        self.train_set, self.held_out_set = split_examples(
            distinct, self.cfg.held_out, self.cfg.split_seed
        )

    @property
    def has_split(self) -> bool:
        return self.train_set is not None

    def view(self, example: Example, arch: str) -> Example:
        """A stored example as a model of `arch` learns it (most tasks: unchanged)."""
        return example

    def held_out_examples(self, arch: str) -> list[Example] | None:
        """The examples never trained on, or None for a task without a split."""
        if self.held_out_set is None:
            return None
        return [self.view(e, arch) for e in self.held_out_set]

    def training_examples(self, arch: str) -> list[Example] | None:
        if self.train_set is None:
            return None
        return [self.view(e, arch) for e in self.train_set]

    # examples ---------------------------------------------------------------------------

    def check_arch(self, arch: str) -> None:
        if arch not in self.archs:
            raise ValueError(f"task {self.name!r} works with {' or '.join(self.archs)}, not {arch}")

    def sample(self, rng: random.Random, arch: str) -> Example:
        raise NotImplementedError

    def example_for(self, source: tuple[int, ...], arch: str) -> Example | None:
        """The right answer for a given source, or None where the task cannot say."""
        return None

    def examples(self, rng: random.Random, n: int, arch: str) -> list[Example]:
        """n training examples. With a split, only training examples, and all of them (one
        full batch) when n covers the training set."""
        self.check_arch(arch)
        if self.train_set is not None:
            if n >= len(self.train_set):
                return [self.view(e, arch) for e in self.train_set]
            return [self.view(rng.choice(self.train_set), arch) for _ in range(n)]
        return [self.sample(rng, arch) for _ in range(n)]

    def batch(self, examples: Sequence[Example], arch: str) -> Batch:
        if arch == ENCODER_DECODER:
            return encoder_decoder_batch(examples, self.eos)
        if arch == DECODER_ONLY:
            return decoder_only_batch(examples, self.separator, self.eos)
        return encoder_only_batch(examples)

    def answer_len(self, source_len: int, arch: str) -> int:
        """How many tokens to generate for a source of this length (before any EOS)."""
        return source_len

    def longest_input(self, arch: str) -> int:
        """The longest sequence this task feeds a model of `arch` (for max_len checks)."""
        src, tgt = self.cfg.seq_len, self.answer_len(self.cfg.seq_len, arch) + self.eos
        if arch == DECODER_ONLY:
            return src + self.separator + tgt
        return max(src, tgt)

    def fill(self, source: tuple[int, ...], output: list[int] | tuple[int, ...]) -> list[int]:
        """What to show as the answer to `source`, given the model's output ids."""
        return list(output)

    def parse_input(self, text: str) -> list[int]:
        """User-typed tokens -> ids, with a plain error for unknown tokens."""
        tokens = text.split()
        if not tokens:
            raise ValueError("type at least one token")
        return self.vocab.encode(tokens)


def number_symbols(n: int) -> tuple[str, ...]:
    """The symbols "1".."n", as the Annotated Transformer's copy task uses."""
    return tuple(str(i) for i in range(1, n + 1))
