"""Reading an examples file in the worker thread: progress, Cancel, and a task made ready.

The file is read and parsed here, never in the GUI thread: the custom task it makes is
kept by make_task for those exact settings, so when the window applies the text its
checks find the task already made and parse nothing again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from explorer.core.collector import held
from explorer.core.results import ExamplesFailed, ExamplesProgress, ExamplesRead
from explorer.core.switching import short_switches
from tinyformer.tasks import TaskConfig, make_task
from tinyformer.tasks.examples_file import read_examples_file

PROGRESS_S = 0.1  # at most this often a progress report


class Cancelled(Exception):
    """The user pressed Cancel."""


def load_examples(path: str, task: dict, cancel: threading.Event, emit) -> None:
    """Reports, each handed to `emit` as it is made: progress while reading and parsing,
    then ExamplesRead (the text, ready to apply to `task`'s settings) or ExamplesFailed
    (what is wrong, or that it was cancelled)."""
    name = Path(path).name
    last = [0.0]

    def progress(stage: str):
        def report(done: int, total: int) -> None:
            if cancel.is_set():
                raise Cancelled
            now = time.monotonic()
            if now - last[0] >= PROGRESS_S:
                last[0] = now
                emit(ExamplesProgress(path, done, total, stage))

        return report

    text = None
    with held(), short_switches():  # the GUI thread waits little for each of its turns
        try:
            text = read_examples_file(path, progress("reading"))
            task = {**task, "name": "custom", "text": text}
            cfg = TaskConfig.from_dict(task)
            examples = len(make_task(cfg, progress("checking")).data)
        except Cancelled:
            emit(ExamplesFailed(path, "", cancelled=True))
            return
        except ValueError as e:
            where = "" if text is None else f"{name}: "  # the file's own checks name it
            emit(ExamplesFailed(path, f"{where}{e}"))
            return
    emit(ExamplesRead(path, text, examples, task))
