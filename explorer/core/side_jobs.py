"""SideJobs: what the worker does beside the run, for the form: the Batch tab's tables
and reading an examples file (with progress and Cancel). Its requests share the run
model's wire to the worker; its reports come back here, not to the run."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from explorer.core import requests as rq
from explorer.core.results import ExamplesFailed, ExamplesProgress, ExamplesRead, TablesBuilt
from tinyformer.training.experiment import Experiment


class SideJobs(QObject):
    tables_built = Signal(object)  # TablesBuilt
    examples_progressed = Signal(object)  # ExamplesProgress
    examples_read = Signal(object)  # ExamplesRead
    examples_failed = Signal(object)  # ExamplesFailed

    requested = Signal(object)  # a request (explorer.core.requests), for the worker

    REPORTS = (TablesBuilt, ExamplesProgress, ExamplesRead, ExamplesFailed)

    def build_tables(self, experiment: Experiment) -> None:
        self.requested.emit(rq.BuildTables(experiment))

    def read_examples(self, path: str, task: dict) -> None:
        """Read, parse and check `path` for the custom task with `task`'s settings."""
        self.requested.emit(rq.ReadExamples(str(path), dict(task)))

    def cancel_examples(self) -> None:
        self.requested.emit(rq.CancelExamples())

    def apply(self, report: object) -> None:
        signal = {
            TablesBuilt: self.tables_built,
            ExamplesProgress: self.examples_progressed,
            ExamplesRead: self.examples_read,
            ExamplesFailed: self.examples_failed,
        }[type(report)]
        signal.emit(report)
