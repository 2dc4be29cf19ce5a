"""Attention snapshots over a run, thinned to a memory budget as the run grows."""

from __future__ import annotations

import torch

from tinyformer.training.events import Snapshot

BUDGET_BYTES = 8 * 2**20  # at least ~700 frames of a small model: plenty for a time-lapse


class SnapshotLog:
    """Every `stride`-th snapshot offered, plus always the newest. When the kept ones
    outgrow the budget, every other one goes and the stride doubles, so a long run keeps
    an evenly spaced time-lapse in bounded memory."""

    def __init__(self, budget_bytes: int = BUDGET_BYTES) -> None:
        self.budget = budget_bytes
        self.stride = 1
        self.offered = 0
        self.grid: list[Snapshot] = []
        self.latest: Snapshot | None = None

    def add(self, snap: Snapshot) -> None:
        if self.latest is not None and self.latest.step == snap.step:
            return  # already have this step
        if self.offered % self.stride == 0:
            self.grid.append(snap)
        self.offered += 1
        self.latest = snap
        while len(self.grid) > 2 and self.nbytes > self.budget:
            self.grid = self.grid[::2]
            self.stride *= 2

    @property
    def items(self) -> list[Snapshot]:
        if self.latest is None or (self.grid and self.grid[-1] is self.latest):
            return list(self.grid)
        return [*self.grid, self.latest]

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.items)

    def steps(self) -> list[int]:
        return [s.step for s in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> Snapshot:
        return self.items[i]

    def state(self) -> dict:
        def pack(s: Snapshot) -> dict:
            return {
                "step": s.step,
                "attention": {k: torch.from_numpy(a) for k, a in s.attention.items()},
                "embeddings": {k: torch.from_numpy(a) for k, a in s.embeddings.items()},
            }

        return {
            "stride": self.stride,
            "offered": self.offered,
            "grid": [pack(s) for s in self.grid],
            "latest": None if self.latest is None else pack(self.latest),
        }

    def copy(self) -> SnapshotLog:
        """An independent copy (the arrays are never changed in place, so they are shared)."""
        log = SnapshotLog(self.budget)
        log.stride, log.offered, log.grid, log.latest = (
            self.stride,
            self.offered,
            list(self.grid),
            self.latest,
        )
        return log

    @classmethod
    def from_state(cls, state: dict) -> SnapshotLog:
        def unpack(d: dict) -> Snapshot:
            arrays = {
                part: {k: v.numpy().copy() for k, v in d.get(part, {}).items()}
                for part in ("attention", "embeddings")
            }
            return Snapshot(int(d["step"]), arrays["attention"], arrays["embeddings"])

        log = cls()
        log.stride, log.offered = int(state["stride"]), int(state["offered"])
        log.grid = [unpack(d) for d in state["grid"]]
        latest = state["latest"]
        if latest is not None:
            same = log.grid and log.grid[-1].step == int(latest["step"])
            log.latest = log.grid[-1] if same else unpack(latest)
        return log
