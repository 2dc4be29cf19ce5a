"""Tokens: named special tokens first, then a task's own symbols."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PAD, BOS, EOS, SEP, MASK = 0, 1, 2, 3, 4
SPECIALS = ("<pad>", "<bos>", "<eos>", "<sep>", "<mask>")


@dataclass(frozen=True)
class Vocab:
    """Token strings <-> ids. Ids 0..4 are PAD, BOS, EOS, SEP, MASK; symbols follow.

    >>> v = Vocab(("0", "1"))
    >>> v.encode(["1", "0"]), v.size
    ([6, 5], 7)
    """

    symbols: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.symbols:
            raise ValueError("a vocabulary needs at least one symbol")
        for s in self.symbols:
            if not isinstance(s, str) or not s or any(c.isspace() for c in s):
                raise ValueError(f"a token must be a non-empty string without spaces, got {s!r}")
            if s in SPECIALS:
                raise ValueError(f"{s!r} is a special token and cannot be a symbol")
        if len(set(self.symbols)) != len(self.symbols):
            dup = sorted({s for s in self.symbols if self.symbols.count(s) > 1})
            raise ValueError(f"repeated token(s) in vocabulary: {', '.join(dup)}")

    @property
    def size(self) -> int:
        return len(SPECIALS) + len(self.symbols)

    @property
    def first_symbol(self) -> int:
        return len(SPECIALS)

    def token(self, i: int) -> str:
        return SPECIALS[i] if i < len(SPECIALS) else self.symbols[i - len(SPECIALS)]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        index = {s: i + len(SPECIALS) for i, s in enumerate(self.symbols)}
        ids = []
        for t in tokens:
            if t not in index:
                shown = " ".join(self.symbols[:20]) + (" ..." if len(self.symbols) > 20 else "")
                raise ValueError(f"unknown token {t!r}; this vocabulary has: {shown}")
            ids.append(index[t])
        return ids

    def decode(self, ids: Sequence[int]) -> list[str]:
        return [self.token(int(i)) for i in ids]

    def labels(self) -> list[str]:
        """Every token string, indexed by id."""
        return [self.token(i) for i in range(self.size)]
