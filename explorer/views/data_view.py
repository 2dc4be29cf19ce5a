"""DataView: the real training batch for the current architecture and task, as tables."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.results import TablesBuilt
from explorer.views.redraw import Redraw
from tinyformer.tasks.tables import Table

SHADE = QColor("#d0d7de")
CELL = 34


def table_widget(table: Table) -> QTableWidget:
    rows, cols = len(table.cells), len(table.column_labels)
    widget = QTableWidget(rows, cols)
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    widget.setVerticalHeaderLabels(table.row_labels)
    widget.setHorizontalHeaderLabels(table.column_labels)
    for r, row in enumerate(table.cells):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if table.shaded[r, c]:
                item.setBackground(QBrush(SHADE))
            widget.setItem(r, c, item)
    header = widget.horizontalHeader()
    header.setDefaultSectionSize(CELL + 14)
    header.setMinimumSectionSize(CELL)
    widget.resizeColumnsToContents()  # "<sep>", "<mask>" fit; single digits stay narrow
    for c in range(cols):
        widget.setColumnWidth(c, max(widget.columnWidth(c), CELL + 4))
    widget.verticalHeader().setDefaultSectionSize(CELL - 8)
    scrollbar = widget.horizontalScrollBar().sizeHint().height()
    height = header.sizeHint().height() + rows * (CELL - 8) + scrollbar + 4
    widget.setFixedHeight(min(height, 420))
    widget.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return widget


def align_columns(widgets: list[QTableWidget]) -> None:
    """Tables of the same length share their column widths and row-label width, so that
    position i of the input, the labels and a mask stand one above the other."""
    by_length: dict[int, list[QTableWidget]] = {}
    for w in widgets:
        by_length.setdefault(w.columnCount(), []).append(w)
    for group in by_length.values():
        for c in range(group[0].columnCount()):
            width = max(w.columnWidth(c) for w in group)
            for w in group:
                w.setColumnWidth(c, width)
        labels = max(w.verticalHeader().sizeHint().width() for w in group)
        for w in group:
            w.verticalHeader().setFixedWidth(labels)


class DataView(QWidget):
    """The batch is built in the worker thread (a task of a long examples file takes time
    to make); the tables come back as a report and are drawn when they match the settings."""

    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tables: list[Table] = []
        self._drawn = None  # the experiment the tables shown are of
        self._asked = None  # the experiment asked for
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.content = QWidget()
        self.column = QVBoxLayout(self.content)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(scroll, 1)
        self.redraw = Redraw(self, self._ask)
        state.form.settings_changed.connect(self.redraw.poke)
        state.jobs.tables_built.connect(self._on_tables_built)
        self.redraw.poke()

    def refresh(self) -> None:
        """Ask for the tables of the settings now (they are drawn when they come)."""
        self.redraw.now()

    def _ask(self) -> None:
        exp = self.state.experiment
        if exp is None:
            self._asked = None
            self._clear()
            self.intro.setText("These settings cannot make a batch: " + self.state.error)
            self.tables, self._drawn = [], None
            return
        if exp != self._drawn and exp != self._asked:
            self._asked = exp
            self.state.jobs.build_tables(exp)

    def _on_tables_built(self, built: TablesBuilt) -> None:
        exp = built.experiment
        if exp != self.state.experiment:
            return  # the settings moved on meanwhile; their own tables are asked for
        self._drawn, self._asked = exp, None
        self._clear()
        self.tables = built.tables
        self.intro.setText(
            f"<b>{exp.model.arch}</b> on <b>{exp.task.name}</b>: four examples exactly as the "
            "model receives them. Shaded: padding, positions without loss (labels), or "
            "attention a query may not use (masks, ✕)."
        )
        widgets = [table_widget(table) for table in self.tables]
        align_columns(widgets)
        for table, widget in zip(self.tables, widgets, strict=True):
            title = QLabel(f"<b>{table.title}</b>: {table.sentence}")
            title.setWordWrap(True)
            for w in (title, widget):
                self.column.addWidget(w)
                w.show()
        self.column.addStretch(1)

    def _clear(self) -> None:
        while self.column.count():
            item = self.column.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # out of sight now, deleted at the next event loop turn
                item.widget().deleteLater()
