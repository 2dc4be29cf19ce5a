"""The training session: the thread that trains, and the two wires between it and the GUI.

The run model's requests go down one queued signal to the worker, in order; the worker's
reports come back up one queued signal into `RunModel.apply`, in order (those about the
form's side jobs, tables and examples files, into `SideJobs.apply`). What cannot wait
in the queue (a pause, a cancel) is also set on the worker at once, from the GUI thread,
before the request itself is queued.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QThread, Signal

from explorer.core import requests as rq
from explorer.core import results as rs
from explorer.core.collector import collect_and_freeze, gui_collector
from explorer.core.run_model import RunModel
from explorer.core.side_jobs import SideJobs
from explorer.core.worker import TrainingWorker

SHUTDOWN_WAIT_MS = 30_000
THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()  # every training thread ever started


class TrainingSession(QObject):
    _to_worker = Signal(object)  # a request, queued across threads
    _warm_up = Signal()

    def __init__(self, live: RunModel, jobs: SideJobs, threads: int | None = 1) -> None:
        super().__init__()
        self.live, self.jobs = live, jobs
        self.thread = QThread()
        self.thread.setObjectName("training")
        THREADS.add(self.thread)
        self.worker = TrainingWorker(threads=threads)
        self.worker.moveToThread(self.thread)
        self._to_worker.connect(self.worker.handle)
        self._warm_up.connect(self.worker.warm_up)
        self.worker.reported.connect(self._on_reported)
        live.requested.connect(self._on_requested)
        jobs.requested.connect(self._on_requested)
        gui_collector().thread_started()  # no garbage is collected in the thread below
        self._collected_for = True
        self.thread.start()
        self._warm_up.emit()

    def _on_requested(self, request: rq.Request) -> None:
        w = self.worker
        if request.halts:
            w.halt_ticket = max(w.halt_ticket, request.ticket)
        if isinstance(request, rq.CancelSweep):
            w.cancel_sweep.set()
        elif isinstance(request, rq.Sweep):
            w.cancel_sweep.clear()
        elif isinstance(request, rq.CancelExamples):
            w.cancel_examples.set()
        elif isinstance(request, rq.ReadExamples):
            w.cancel_examples.clear()
        self._to_worker.emit(request)

    def _on_reported(self, report: object) -> None:
        if isinstance(report, rs.WarmedUp):
            collect_and_freeze()  # what torch loaded to get here lives as long as the app
        (self.jobs if isinstance(report, SideJobs.REPORTS) else self.live).apply(report)

    def shutdown(self) -> bool:
        """Stop training and end the thread; True when it ended."""
        w = self.worker
        w.halt_ticket = 2**62  # every request so far, and any still queued
        w.cancel_sweep.set()
        w.cancel_examples.set()
        self.thread.quit()
        ended = self.thread.wait(SHUTDOWN_WAIT_MS)
        if ended and self._collected_for:
            self._collected_for = False
            gui_collector().thread_ended()
        return ended
