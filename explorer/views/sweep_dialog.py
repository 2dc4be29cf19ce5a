"""SweepDialog: train a grid of settings one run at a time and plot the result."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.results import SweepFinished, SweepProgress
from tinyformer.training.experiment import Experiment

# What can be swept: label -> (experiment part, setting, parse one value)
PARAMETERS = {
    "layers": ("model", "n_layers", int),
    "heads": ("model", "n_heads", int),
    "hidden size": ("model", "d_model", int),
    "feed-forward size": ("model", "d_ff", int),
    "dropout": ("model", "dropout", float),
    "sequence length": ("task", "seq_len", int),
    "learning rate": ("train", "lr", float),
    "seed": ("train", "seed", int),
}
METRICS = {"exact match": "exact_match", "token accuracy": "token_accuracy"}


def parse_values(label: str, text: str) -> list:
    """'1, 2, 4' -> [1, 2, 4] for the parameter `label`; ValueError says what is wrong."""
    kind = PARAMETERS[label][2]
    values = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            values.append(kind(part))
        except ValueError:
            raise ValueError(f"{label}: {part!r} is not a {kind.__name__}") from None
    if not values:
        raise ValueError(f"{label}: give at least one value, e.g. 1, 2, 4")
    return values


def sweep_jobs(base: Experiment, first: str, first_values: list, second: str | None,
               second_values: list) -> tuple[list[tuple[str, Experiment]], list[str]]:  # fmt: skip
    """Every combination as (name, experiment); combinations that make no valid model are
    skipped and explained."""
    jobs, skipped = [], []
    grid = itertools.product(first_values, second_values if second else [None])
    for a, b in grid:
        changes: dict[str, dict] = {"model": {}, "task": {}, "train": {}}
        part, key, _ = PARAMETERS[first]
        changes[part][key] = a
        name = f"{first}={a}"
        if second:
            part, key, _ = PARAMETERS[second]
            changes[part][key] = b
            name += f", {second}={b}"
        try:
            jobs.append((name, base.replace(**changes)))
        except ValueError as e:
            skipped.append(f"{name}: {e}")
    return jobs, skipped


class SweepDialog(QDialog):
    """Asks for a sweep (`start_requested`, `cancel_requested`); the window runs it and
    the run model reports back: progress, each result, the end."""

    start_requested = Signal(object)  # [(name, Experiment), ...]
    cancel_requested = Signal()

    def __init__(self, state: AppModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sweep")
        self.state = state
        self.results: list = []
        self.running = False
        self.first = QComboBox()
        self.second = QComboBox()
        self.first.addItems(list(PARAMETERS))
        self.second.addItems(["(none)", *PARAMETERS])
        self.first.setCurrentText("layers")
        self.second.setCurrentText("heads")
        self.first_values = QLineEdit("1, 2, 3, 4")
        self.second_values = QLineEdit("1, 2, 4")
        self.metric_box = QComboBox()
        self.metric_box.addItems(list(METRICS))
        self.message = QLabel("Each run trains the current settings with the values changed, "
                              "one run at a time.")  # fmt: skip
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.start = QPushButton("Start")
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setYRange(0, 1.02)
        self.plot.setLabel("left", "final held-out exact match")
        self.legend = self.plot.addLegend()

        form = QFormLayout()
        row1 = QHBoxLayout()
        row1.addWidget(self.first)
        row1.addWidget(self.first_values, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.second)
        row2.addWidget(self.second_values, 1)
        form.addRow("Sweep", row1)
        form.addRow("and", row2)
        form.addRow("Plot", self.metric_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.start)
        buttons.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.plot, 1)
        self.resize(720, 560)

        self.start.clicked.connect(self._on_start)
        self.cancel.clicked.connect(self._on_cancel)
        self.metric_box.currentTextChanged.connect(lambda _: self._draw())
        live = state.live
        live.sweep_progressed.connect(self.on_progress)
        live.sweep_result_added.connect(self.on_result)
        live.sweep_finished.connect(self.on_finished)

    def _on_start(self) -> None:
        if self.state.experiment is None:
            self.message.setText("The current settings are not valid: " + self.state.error)
            return
        try:
            first = self.first.currentText()
            second = None if self.second.currentIndex() == 0 else self.second.currentText()
            a = parse_values(first, self.first_values.text())
            b = parse_values(second, self.second_values.text()) if second else []
            jobs, skipped = sweep_jobs(self.state.experiment, first, a, second, b)
        except ValueError as e:
            self.message.setText(str(e))
            return
        if not jobs:
            self.message.setText("No combination makes a valid model:\n" + "\n".join(skipped))
            return
        self.first_label, self.second_label = first, second
        self.results, self.running = [], True
        self.progress.setRange(0, len(jobs))
        self.progress.setValue(0)
        note = f" Skipped: {'; '.join(skipped)}" if skipped else ""
        self.message.setText(f"Training {len(jobs)} runs, one at a time.{note}")
        self.start.setEnabled(False)
        self.cancel.setEnabled(True)
        self.plot.setLabel("bottom", first)
        self.start_requested.emit(jobs)

    def _on_cancel(self) -> None:
        self.cancel_requested.emit()
        self.cancel.setEnabled(False)

    def on_progress(self, p: SweepProgress) -> None:
        if not self.running:
            return  # a late report of a sweep already over
        self.progress.setFormat(
            f"run {p.index + 1} of {p.count}: {p.name}, step {p.step}/{p.total}"
        )
        self.progress.setValue(p.index)

    def on_result(self, result) -> None:
        self.results.append(result)
        self.progress.setValue(len(self.results))
        self._draw()

    def on_finished(self, finished: SweepFinished) -> None:
        self.running = False
        self.start.setEnabled(True)
        self.cancel.setEnabled(False)
        done, count = finished.done, finished.count
        self.progress.setRange(0, max(count, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} of {count} runs finished")
        runs = f"{done} finished run" + ("" if done == 1 else "s")
        self.message.setText(
            f"Cancelled after {runs}; the unfinished one was dropped." if finished.cancelled
            else f"Done: {runs}, listed in Compare."
        )  # fmt: skip

    def _draw(self) -> None:
        self.plot.clear()
        self.legend.clear()
        metric = METRICS[self.metric_box.currentText()]
        self.plot.setLabel("left", f"final held-out {self.metric_box.currentText()}")
        lines: dict = {}
        for r in self.results:
            part, key, _ = PARAMETERS[self.first_label]
            x = getattr(getattr(r.experiment, part), key)
            series = None
            if self.second_label:
                p2, k2, _ = PARAMETERS[self.second_label]
                series = getattr(getattr(r.experiment, p2), k2)
            y = getattr(r.final, metric) if r.final is not None else float("nan")
            lines.setdefault(series, []).append((x, y))
        xs = sorted({x for points in lines.values() for x, _ in points})
        whole = all(isinstance(x, int) for x in xs)  # layers, heads: no "1.5 layers" ticks
        self.plot.getAxis("bottom").setTicks([[(x, str(x)) for x in xs]] if whole and xs else None)
        for i, (series, points) in enumerate(sorted(lines.items(), key=lambda kv: str(kv[0]))):
            points.sort()
            pen = pg.mkPen(pg.intColor(i, hues=max(len(lines), 3)), width=2)
            name = self.first_label if series is None else f"{self.second_label} = {series}"
            self.plot.plot([p[0] for p in points], [p[1] for p in points], pen=pen, symbol="o",
                           symbolBrush=pen.color(), name=name)  # fmt: skip

    def closeEvent(self, event) -> None:
        if self.running:
            self.cancel_requested.emit()
        super().closeEvent(event)
