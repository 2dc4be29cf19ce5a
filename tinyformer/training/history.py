"""Training history that stays small: long series are averaged down, never unbounded.

A history has one owner (the trainer). Others keep a mirror, extended with the slices it
gained since their last look (`since`, `extend`), so the mirror always equals the owner's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Mark = tuple[int, int]  # (compactions, points) of a series when last looked at


@dataclass(frozen=True)
class SeriesSlice:
    """What a series gained: keep its first `start` points, then append x and y."""

    start: int
    x: tuple[float, ...]
    y: tuple[float, ...]


class Series:
    """(x, y) points, at most `capacity` of them. When full, neighbouring pairs merge (x of
    the later point, mean of y) and later points are averaged over the same stride."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.stride = 1
        self.compactions = 0  # how often earlier points were merged (marks go stale)
        self.x: list[float] = []
        self.y: list[float] = []
        self._pending: list[tuple[float, float]] = []

    def append(self, x: float, y: float) -> None:
        self._pending.append((x, y))
        if len(self._pending) < self.stride:
            return
        self.x.append(self._pending[-1][0])
        self.y.append(sum(p[1] for p in self._pending) / len(self._pending))
        self._pending.clear()
        if len(self.x) >= self.capacity:
            self.x = self.x[1::2]
            self.y = [(a + b) / 2 for a, b in zip(self.y[0::2], self.y[1::2], strict=False)]
            self.stride *= 2
            self.compactions += 1

    def mark(self) -> Mark:
        return self.compactions, len(self.x)

    def since(self, mark: Mark | None) -> SeriesSlice | None:
        """The points added since `mark` (all of them if the series was compacted since,
        or if `mark` is None); None if nothing changed."""
        start = mark[1] if mark is not None and mark[0] == self.compactions else 0
        if start == len(self.x):
            return None
        return SeriesSlice(start, tuple(self.x[start:]), tuple(self.y[start:]))

    def extend(self, piece: SeriesSlice) -> None:
        """Apply a slice of another series (the owner's) to this mirror of it."""
        del self.x[piece.start :], self.y[piece.start :]
        self.x.extend(piece.x)
        self.y.extend(piece.y)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.x, dtype=float), np.asarray(self.y, dtype=float)

    def __len__(self) -> int:
        return len(self.x)

    def state(self) -> dict:
        return {
            "stride": self.stride,
            "x": list(self.x),
            "y": list(self.y),
            "pending": [list(p) for p in self._pending],
        }

    @classmethod
    def from_state(cls, state: dict, capacity: int = 4096) -> Series:
        s = cls(capacity)
        s.stride, s.x, s.y = int(state["stride"]), list(state["x"]), list(state["y"])
        s._pending = [(float(a), float(b)) for a, b in state["pending"]]
        return s


STEP_FIELDS = ("loss", "accuracy", "lr", "grad_norm", "examples_per_s")
EVAL_FIELDS = ("loss", "token_accuracy", "exact_match")
# modular runs only (tinyformer.inspect.fourier), at each held-out evaluation
FOURIER_FIELDS = ("fourier_fraction", "restricted_loss", "excluded_loss")


PARTS = ("steps", "evals", "train_evals", "fourier")
HistoryMark = dict[str, dict[str, Mark]]


@dataclass(frozen=True)
class HistorySlice:
    """What a history gained since a mark: part -> field -> slice, changed series only."""

    parts: dict[str, dict[str, SeriesSlice]]

    def __bool__(self) -> bool:
        return any(self.parts.values())


class History:
    """Per-step and per-evaluation series, keyed by field name, x = step. `evals` are on
    the held-out examples; `train_evals` on training examples (tasks with a split only);
    `fourier` the Fourier measures of modular runs."""

    def __init__(self) -> None:
        self.steps = {f: Series() for f in STEP_FIELDS}
        self.evals = {f: Series() for f in EVAL_FIELDS}
        self.train_evals = {f: Series() for f in EVAL_FIELDS}
        self.fourier = {f: Series() for f in FOURIER_FIELDS}

    def add_step(self, event) -> None:
        for f in STEP_FIELDS:
            self.steps[f].append(event.step, getattr(event, f))

    def add_eval(self, event) -> None:
        for f in EVAL_FIELDS:
            self.evals[f].append(event.step, getattr(event, f))

    def add_train_eval(self, event) -> None:
        for f in EVAL_FIELDS:
            self.train_evals[f].append(event.step, getattr(event, f))

    def add_fourier(self, step: int, measures) -> None:
        for f in FOURIER_FIELDS:
            self.fourier[f].append(step, getattr(measures, f))

    def mark(self) -> HistoryMark:
        return {part: {f: s.mark() for f, s in getattr(self, part).items()} for part in PARTS}

    def since(self, mark: HistoryMark | None) -> HistorySlice:
        """Everything added since `mark` (since the start if None)."""
        parts = {}
        for part in PARTS:
            changed = {}
            for f, series in getattr(self, part).items():
                piece = series.since(None if mark is None else mark[part][f])
                if piece is not None:
                    changed[f] = piece
            parts[part] = changed
        return HistorySlice(parts)

    def extend(self, piece: HistorySlice) -> None:
        """Apply a slice of the owner's history to this mirror of it."""
        for part, changed in piece.parts.items():
            series = getattr(self, part)
            for f, s in changed.items():
                series[f].extend(s)

    def state(self) -> dict:
        return {part: {f: s.state() for f, s in getattr(self, part).items()} for part in PARTS}

    @classmethod
    def from_state(cls, state: dict) -> History:
        h = cls()
        h.steps = {f: Series.from_state(state["steps"][f]) for f in STEP_FIELDS}
        h.evals = {f: Series.from_state(state["evals"][f]) for f in EVAL_FIELDS}
        if "train_evals" in state:  # run files of format 1 have none
            h.train_evals = {f: Series.from_state(state["train_evals"][f]) for f in EVAL_FIELDS}
        if "fourier" in state:  # nor have formats 1 to 3 these
            h.fourier = {f: Series.from_state(state["fourier"][f]) for f in FOURIER_FIELDS}
        return h

    def copy(self) -> History:
        return History.from_state(self.state())


def write_csv(history: History, path) -> None:
    """One row per recorded step: training series, then held-out metrics (eval_*),
    training-set metrics (train_eval_*) and Fourier measures where evaluated."""
    import csv

    def points(series: dict[str, Series]) -> dict[str, dict[float, float]]:
        return {f: dict(zip(*map(list, s.arrays()), strict=True)) for f, s in series.items()}

    columns = {
        prefix + name: values
        for prefix, part in (
            ("", history.steps),
            ("eval_", history.evals),
            ("train_eval_", history.train_evals),
            ("", history.fourier if any(history.fourier.values()) else {}),
        )
        for name, values in points(part).items()
    }
    xs = sorted(set().union(*(d.keys() for d in columns.values())))
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["step", *columns])
        for x in xs:
            out.writerow([int(x)] + [d.get(x, "") for d in columns.values()])
