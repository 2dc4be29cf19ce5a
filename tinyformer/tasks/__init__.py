"""The tasks layer: vocabularies, toy sequence tasks, and the batches each architecture
trains on (and the tables that show them).

It may import the model layer (for the names of the architectures), nothing above.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from tinyformer.tasks.base import Task, TaskConfig
from tinyformer.tasks.batching import IGNORE, Example
from tinyformer.tasks.custom import CustomTask, parse_examples
from tinyformer.tasks.induction import InductionTask
from tinyformer.tasks.masked import MaskedTask
from tinyformer.tasks.modular import ModularTask
from tinyformer.tasks.pattern import PatternTask
from tinyformer.tasks.sequences import CopyTask, ReverseTask, SortTask

TASKS: dict[str, type[Task]] = {
    t.name: t
    for t in (
        PatternTask,
        CopyTask,
        ReverseTask,
        SortTask,
        InductionTask,
        MaskedTask,
        ModularTask,
        CustomTask,
    )
}


KEPT = 16  # tasks made lately, kept for the same settings
_made: OrderedDict[TaskConfig, Task] = OrderedDict()
_lock = threading.Lock()  # tasks are made in the app's worker thread and checked in its GUI


def make_task(cfg: TaskConfig, progress=None) -> Task:
    """The task cfg names, with its settings checked (ValueError says what is wrong).

    Tasks never change once made, so the same settings give the same task object: an edit
    checks its experiment without parsing a long examples text again. `progress(done,
    total)` is called while a custom task's examples are parsed; it may raise to stop.
    """
    if not isinstance(cfg, TaskConfig):
        raise ValueError(f"make_task needs a TaskConfig, got {type(cfg).__name__}")
    with _lock:
        task = _made.get(cfg)
        if task is not None:
            _made.move_to_end(cfg)
            return task
    if cfg.name not in TASKS:
        raise ValueError(f"unknown task {cfg.name!r}; tasks: {', '.join(TASKS)}")
    task = CustomTask(cfg, progress) if cfg.name == "custom" else TASKS[cfg.name](cfg)
    with _lock:
        _made[cfg] = task
        while len(_made) > KEPT:
            _made.popitem(last=False)
    return task


def show(task: Task, source_text: str, arch: str) -> str:
    """One example as the model of `arch` receives it: the tensors, as lists of ids."""
    example = task.example_for(tuple(task.parse_input(source_text)), arch)
    if example is None:
        raise ValueError(f"task {task.name!r} has no answer for {source_text!r}")
    batch = task.batch([example], arch)
    target = " ".join("_" if t == IGNORE else task.vocab.token(t) for t in example.target)
    lines = [f"source {' '.join(task.vocab.decode(example.source))} -> target {target}"]
    for name, value in (*batch.inputs.items(), ("labels", batch.labels)):
        if value is not None:
            lines.append(f"{name:<7} {value[0].tolist()}")
    return "\n".join(lines)


__all__ = [
    "IGNORE",
    "TASKS",
    "Example",
    "Task",
    "TaskConfig",
    "make_task",
    "parse_examples",
    "show",
]
