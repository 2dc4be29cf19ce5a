"""Compare: the finished runs kept side by side, each once."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from tinyformer.inspect.evaluation import EvalEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.history import History


@dataclass
class RunRecord:
    """A finished run, kept for comparison: its settings, curves and final evaluation."""

    name: str
    experiment: Experiment
    history: History
    final: EvalEvent | None
    step: int
    shown: bool = True  # ticked in the comparison
    run_serial: int | None = None  # the app run it records, if it was one


class RunList(QObject):
    """Runs are listed once: training the same run further updates its entry, and a run
    equal to one already listed (same settings and seed, so the same curve: Reset, then
    Train again) is not listed a second time."""

    changed = Signal(object)  # the list of records

    def __init__(self) -> None:
        super().__init__()
        self.records: list[RunRecord] = []

    def keep(self, record: RunRecord) -> RunRecord:
        """Add `record` (numbered), or update the entry it repeats; the entry kept."""
        entry = self._entry_for(record)
        if entry is None:
            record.name = f"{len(self.records) + 1}. {record.name}"
            self.records.append(record)
            entry = record
        else:
            entry.history, entry.final, entry.step = record.history, record.final, record.step
            entry.experiment = record.experiment
            entry.run_serial = record.run_serial or entry.run_serial
        self.changed.emit(self.records)
        return entry

    def show(self, index: int, shown: bool) -> None:
        if self.records[index].shown != shown:
            self.records[index].shown = shown
            self.changed.emit(self.records)

    def _entry_for(self, record: RunRecord) -> RunRecord | None:
        for entry in self.records:
            if record.run_serial is not None and entry.run_serial == record.run_serial:
                return entry  # the same run, trained further
            if (entry.experiment, entry.step) == (record.experiment, record.step):
                return entry  # the same settings and seed, as far: the same curve
        return None
