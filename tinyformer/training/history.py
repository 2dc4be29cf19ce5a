"""Training history that stays small: long series are averaged down, never unbounded."""

from __future__ import annotations

import numpy as np


class Series:
    """(x, y) points, at most `capacity` of them. When full, neighbouring pairs merge (x of
    the later point, mean of y) and later points are averaged over the same stride."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.stride = 1
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


class History:
    """Per-step and per-evaluation series, keyed by field name, x = step. `evals` are on
    the held-out examples; `train_evals` on training examples (tasks with a split only)."""

    def __init__(self) -> None:
        self.steps = {f: Series() for f in STEP_FIELDS}
        self.evals = {f: Series() for f in EVAL_FIELDS}
        self.train_evals = {f: Series() for f in EVAL_FIELDS}

    def add_step(self, event) -> None:
        for f in STEP_FIELDS:
            self.steps[f].append(event.step, getattr(event, f))

    def add_eval(self, event) -> None:
        for f in EVAL_FIELDS:
            self.evals[f].append(event.step, getattr(event, f))

    def add_train_eval(self, event) -> None:
        for f in EVAL_FIELDS:
            self.train_evals[f].append(event.step, getattr(event, f))

    def state(self) -> dict:
        return {
            part: {f: s.state() for f, s in getattr(self, part).items()}
            for part in ("steps", "evals", "train_evals")
        }

    @classmethod
    def from_state(cls, state: dict) -> History:
        h = cls()
        h.steps = {f: Series.from_state(state["steps"][f]) for f in STEP_FIELDS}
        h.evals = {f: Series.from_state(state["evals"][f]) for f in EVAL_FIELDS}
        if "train_evals" in state:  # run files of format 1 have none
            h.train_evals = {f: Series.from_state(state["train_evals"][f]) for f in EVAL_FIELDS}
        return h

    def copy(self) -> History:
        return History.from_state(self.state())


def write_csv(history: History, path) -> None:
    """One row per recorded step: training series, then held-out metrics (eval_*) and
    training-set metrics (train_eval_*) where evaluated."""
    import csv

    def points(series: dict[str, Series]) -> dict[str, dict[float, float]]:
        return {f: dict(zip(*map(list, s.arrays()), strict=True)) for f, s in series.items()}

    parts = {
        "": points(history.steps),
        "eval_": points(history.evals),
        "train_eval_": points(history.train_evals),
    }
    xs = sorted(set().union(*(d.keys() for p in parts.values() for d in p.values())))
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["step", *(prefix + name for prefix, p in parts.items() for name in p)])
        for x in xs:
            row = [int(x)] + [p[name].get(x, "") for p in parts.values() for name in p]
            out.writerow(row)
