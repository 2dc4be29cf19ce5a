"""CompareView: finished runs side by side: curves overlaid, settings and results tabled."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.compare import RunRecord
from explorer.views.loss_view import for_log

# What matters first: the results, then the settings that made them.
COLUMNS = ["run", "exact match", "token acc", "held-out loss", "arch", "task", "d_model",
           "heads", "layers", "d_ff", "positions", "steps", "seed"]  # fmt: skip


def row_of(r: RunRecord) -> list[str]:
    m, t, tr, f = r.experiment.model, r.experiment.task, r.experiment.train, r.final
    metrics = ["", "", ""] if f is None else [f"{f.exact_match:.1%}", f"{f.token_accuracy:.1%}",
                                              f"{f.loss:.4f}"]  # fmt: skip
    return [r.name, *metrics, m.arch, t.name, str(m.d_model), str(m.n_heads), str(m.n_layers),
            str(m.d_ff), m.positional, str(r.step), str(tr.seed)]  # fmt: skip


class CompareView(QWidget):
    sweep_requested = Signal()

    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.runs = QListWidget()
        self.runs.setToolTip("Tick the runs to compare")
        self.sweep = QPushButton("Sweep…")
        self.sweep.setToolTip("Train a grid of settings, one run at a time, and compare them")
        self.sweep.clicked.connect(self.sweep_requested)
        # Both plots and their legend in one layout: the legend sits below, never on a curve.
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.loss_plot = self.canvas.addPlot(row=0, col=0, title="training loss")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.setLabel("bottom", "step")
        self.exact_plot = self.canvas.addPlot(row=0, col=1, title="held-out exact match (greedy)")
        self.exact_plot.setLabel("bottom", "step")
        self.exact_plot.setYRange(0, 1.02)
        self.legend = pg.LegendItem(colCount=3)
        self.canvas.addItem(self.legend, row=1, col=0, colspan=2)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.runs, 1)
        lv.addWidget(self.sweep)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.canvas)
        right.addWidget(self.table)
        right.setSizes([500, 200])
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([180, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.runs.itemChanged.connect(self._on_item_changed)
        state.compare.changed.connect(lambda _: self.refresh_runs())
        self.refresh_runs()

    def plot_item(self):
        return self.canvas.ci

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        narrow = self.canvas.width() < 700  # side by side, each plot would be too thin
        if narrow != getattr(self, "_narrow", None):
            self._narrow = narrow
            layout = self.canvas.ci
            layout.removeItem(self.exact_plot)
            layout.removeItem(self.legend)
            layout.addItem(self.exact_plot, row=1 if narrow else 0, col=0 if narrow else 1)
            layout.addItem(self.legend, row=2 if narrow else 1, col=0, colspan=1 if narrow else 2)

    def refresh_runs(self) -> None:
        with QSignalBlocker(self.runs):
            self.runs.clear()
            for record in self.state.compare.records:
                item = QListWidgetItem(record.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if record.shown else Qt.CheckState.Unchecked
                )
                self.runs.addItem(item)
        self._draw()

    def shown(self) -> list[RunRecord]:
        return [r for r in self.state.compare.records if r.shown]

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self.state.compare.show(self.runs.row(item), item.checkState() == Qt.CheckState.Checked)

    def _draw(self) -> None:
        self.loss_plot.clear()
        self.exact_plot.clear()
        self.legend.clear()
        shown = self.shown()
        for i, r in enumerate(shown):
            pen = pg.mkPen(pg.intColor(i, hues=max(len(shown), 3)), width=1)
            x, y = r.history.steps["loss"].arrays()
            curve = self.loss_plot.plot(x, for_log(y), pen=pen)
            self.legend.addItem(curve, r.name)
            self.exact_plot.plot(*r.history.evals["exact_match"].arrays(), pen=pen, symbol="o",
                                 symbolSize=5, symbolBrush=pen.color())  # fmt: skip
        self.table.setRowCount(len(shown))
        for row, r in enumerate(shown):
            for col, text in enumerate(row_of(r)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
