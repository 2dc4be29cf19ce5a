"""InsideView: step one input through the model, one stage at a time, every tensor drawn
with its real numbers: embeddings, positions, queries, keys and values, scores with the
mask, the softmax, weighted values, heads joined, add & norm, feed-forward, the output
probabilities and the logit lens. Back / Next (or ← / →) move between stages."""

from __future__ import annotations

import html
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.core.results import InputRefusal, InsideResult
from explorer.views.heatmap import LUT, SIGNED_LUT, Heatmap
from explorer.views.inside_stages import Panel, Stage, build_stages
from explorer.views.scale_bar import ScaleBar

NO_RUN = "Train or step the model, then follow one input through it."
MAX_CELL = 36
MIN_CELL = 4
ROW_PX = 22
LABEL_ROOM = 60  # px beside a map for its row labels
READABLE_CELL = 14  # a map of tokens gets cells at least this wide (labels, ✕ in sight)
FEATURE_COLS = 24  # a wider map of tokens (a large vocabulary) cannot be read cell by cell


def _cell(width: int, panel: Panel) -> int:
    """A cell's width for `panel` drawn `width` px wide, its row labels included."""
    return max(MIN_CELL, min(MAX_CELL, (width - LABEL_ROOM) // max(panel.values.shape[1], 1)))


class PanelView(QWidget):
    """A panel: its title and shape above a heatmap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setStyleSheet("color:#333;")
        self.scale = ScaleBar()
        self.map = Heatmap(0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.scale)
        layout.addWidget(self.map)
        layout.addStretch(1)

    def show_panel(self, panel: Panel, cell: int, row: int | None, row_px: int) -> None:
        v = panel.values
        if panel.scale == "unit":
            levels, lut = (0.0, 1.0), LUT
        else:
            top = float(np.abs(v[np.isfinite(v)]).max()) if np.isfinite(v).any() else 1.0
            levels, lut = (-max(top, 1e-9), max(top, 1e-9)), SIGNED_LUT
        shape = " × ".join(map(str, v.shape))
        self.caption.setText(f"<b>{panel.title}</b> <span style='color:#777'>({shape})</span>")
        self.map.set_data(v, panel.rows, panel.cols, levels, lut, panel.texts)
        self.scale.set_scale(levels, lut)
        self.map.set_title("", f"{panel.name}: values from {levels[0]:.3g} to {levels[1]:.3g}",
                           False)  # fmt: skip
        self.map.highlight = row if panel.position_rows else None
        self.map.set_cell(cell, row_px)


class InsideView(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result: InsideResult | None = None
        self.stages: list[Stage] = []
        self.index = 0
        self.pool: list[PanelView] = []
        self.last_draw_ms = 0.0

        self.source = QComboBox()
        self.source.setToolTip("Which input to follow through the model")
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("or type an input and press Enter")
        self.typed.returnPressed.connect(self._on_typed)
        self.position = QSpinBox()
        self.position.setMinimum(1)
        self.position.setKeyboardTracking(False)
        self.position.setToolTip("The position to follow: its row is framed in every map")
        self.position.valueChanged.connect(lambda _: self._draw())
        self.back = QPushButton("← Back")
        self.next = QPushButton("Next →")
        self.stage_box = QComboBox()
        self.stage_box.setToolTip("Jump to a stage")
        self.stage_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.stage_box.setMinimumContentsLength(20)
        self.sentence = QLabel(NO_RUN)
        self.sentence.setWordWrap(True)
        self.sentence.setObjectName("insideSentence")
        self.body = QWidget()
        self.body.setStyleSheet("background:white;")
        self.grid = QGridLayout(self.body)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.grid.setSpacing(14)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.body)

        top = QHBoxLayout()
        for w in (QLabel("Input:"), self.source):
            top.addWidget(w)
        top.addWidget(self.typed, 1)
        for w in (QLabel("Position:"), self.position):
            top.addWidget(w)
        nav = QHBoxLayout()
        nav.addWidget(self.back)
        nav.addWidget(self.stage_box, 1)
        nav.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(nav)
        layout.addWidget(self.sentence)
        layout.addWidget(self.scroll, 1)

        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.stage_box.activated.connect(self.go)
        self.source.activated.connect(lambda _: self._ask())
        # ← and → move between stages: the window's keys while this tab is shown.
        live = state.live
        live.run_replaced.connect(self._on_run_changed)
        live.inside_read.connect(self.set_result)
        live.input_refused.connect(self._on_input_refused)
        self._on_run_changed(state.run)

    def plot_item(self):
        return None

    # asking -------------------------------------------------------------------------

    def _request(self):
        if self.source.currentData() == "typed" and self.typed.text().strip():
            return ("typed", self.typed.text().strip())
        return ("held-out", max(0, self.source.currentIndex()))

    def _ask(self) -> None:
        """The input chosen: follow it through the model (now, and as the run goes on)."""
        if self.state.run is not None:
            self.state.live.look_inside(self._request())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.state.live.watch("inside", True)  # while in sight it follows the run

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.state.live.watch("inside", False)

    def refresh(self) -> None:
        """Draw now (the model's signals draw it soon anyway)."""
        self._draw()

    def _on_typed(self) -> None:
        if self.source.findData("typed") < 0:
            self.source.addItem("your input", "typed")
        self.source.setCurrentIndex(self.source.findData("typed"))
        self._ask()

    def _on_run_changed(self, run) -> None:
        self.result, self.stages = None, []
        self.source.clear()
        n = 0 if run is None else min(run.held_out, 20)
        for i in range(n):
            self.source.addItem(f"held-out example {i + 1}", i)
        self.source.addItem("your input", "typed")
        request = self.state.live.inside_request
        if run is not None and request[0] == "typed":  # the same task: the input stays
            self.typed.setText(str(request[1]))
            self.source.setCurrentIndex(self.source.findData("typed"))
        elif run is not None:
            self.source.setCurrentIndex(min(int(request[1]), self.source.count() - 1))
        self._show_stage_list()
        self._draw()

    def _on_input_refused(self, refusal: InputRefusal) -> None:
        if refusal.where == "inside":
            self.show_refusal(refusal.text, refusal.message)

    def show_refusal(self, text: str, message: str) -> None:
        """The typed input could not be read: say why; the maps shown stay as they were."""
        self.sentence.setText(
            f"<b>{html.escape(text, quote=False)}</b>: "
            f"<span style='color:#b42318'>{html.escape(message, quote=False)}</span>"
        )

    # showing ------------------------------------------------------------------------

    def set_result(self, result: InsideResult) -> None:
        title = self.stages[self.index].title if self.stages else None
        self.result = result
        self.stages = build_stages(result)
        titles = [s.title for s in self.stages]
        self.index = titles.index(title) if title in titles else min(self.index, len(titles) - 1)
        longest = max(len(t) for t in result.tokens.values())
        self.position.setMaximum(longest)
        self._show_stage_list()
        self._draw()

    def _show_stage_list(self) -> None:
        self.stage_box.blockSignals(True)
        items = [f"{i + 1} / {len(self.stages)}: {s.title}" for i, s in enumerate(self.stages)]
        if items != [self.stage_box.itemText(i) for i in range(self.stage_box.count())]:
            self.stage_box.clear()
            self.stage_box.addItems(items)
        self.stage_box.setCurrentIndex(self.index)
        self.stage_box.blockSignals(False)
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(self.stages) - 1)

    def go(self, index: int) -> None:
        if self.stages and 0 <= index < len(self.stages) and index != self.index:
            self.index = index
            self._show_stage_list()
            self._draw()

    def current(self) -> Stage | None:
        return self.stages[self.index] if self.stages else None

    def shown_panels(self) -> list[Panel]:
        stage = self.current()
        return [] if stage is None else stage.panels

    def _draw(self) -> None:
        t0 = time.perf_counter()
        stage = self.current()
        if stage is None:
            for view in self.pool:
                view.hide()
            waiting = self.state.run is not None  # its pass is asked for: it comes soon
            self.sentence.setText("Looking inside: a moment…" if waiting else NO_RUN)
            return
        r = self.result
        where = f"<b>{stage.title}</b> (step {r.step}, {r.label}"
        where += ", heads switched off)" if r.ablated else ")"
        self.sentence.setText(f"{where}<br>{stage.sentence}")
        while len(self.pool) < len(stage.panels):
            self.pool.append(PanelView(self.body))
        columns, width = self._columns(stage.panels)
        row = self.position.value() - 1
        for i, view in enumerate(self.pool):
            if i >= len(stage.panels):
                view.hide()
                continue
            panel = stage.panels[i]
            cell = _cell(width, panel)
            # Wide, short panels (tokens x features) get taller rows: labels stay readable.
            view.show_panel(panel, cell, row, max(cell, min(ROW_PX, 22)))
            self.grid.addWidget(view, i // columns, i % columns)
            view.show()
        self.last_draw_ms = (time.perf_counter() - t0) * 1000

    def _columns(self, panels: list[Panel]) -> tuple[int, int]:
        """How many maps side by side, and each one's width: as many as the usual grid has
        (3 a row for q, k, v; else up to 4) while every map whose columns are tokens keeps
        cells wide enough to read; fewer, in more rows, on a narrow window. Maps of
        features (embeddings, q, k, v) may have narrow cells: their columns are numbered."""
        most = 3 if len(panels) % 3 == 0 and len(panels) > 3 else min(len(panels), 4)
        room = max(self.scroll.viewport().width() - 30, 200)
        for columns in range(max(most, 1), 1, -1):
            width = room // columns
            fits = all(LABEL_ROOM + p.values.shape[1] * MIN_CELL <= width for p in panels)
            if fits and all(not p.token_cols or p.values.shape[1] > FEATURE_COLS
                            or _cell(width, p) >= READABLE_CELL for p in panels):  # fmt: skip
                return columns, width
        return 1, room

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._draw()
