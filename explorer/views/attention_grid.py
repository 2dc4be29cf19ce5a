"""AttentionGrid: one heatmap per layer and head for one kind of attention.

Rows are queries (top to bottom), columns are keys, both labelled with the real tokens;
colours are fixed to 0..1 so heads and steps can be compared by eye. The maps are made as
large as the space allows with square cells; many heads wrap into rows and scroll, and the
colour bar stays beside them.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from explorer.views.heatmap import ColorBar, Heatmap
from tinyformer.inspect.attention_view import AttentionView
from tinyformer.inspect.heads import (
    NAMED_ABOVE,
    OVER_CHANCE,
    chance_scores,
    head_scores,
    pattern_of,
)
from tinyformer.model.hooks import head_name, parse_head

KIND_NAMES = {
    "encoder": "Encoder self-attention",
    "decoder": "Decoder self-attention",
    "cross": "Cross-attention (decoder → encoder)",
}
ALL_LAYERS = -1
MAX_CELL = 44
MIN_FIT_CELL = 8  # below this, maps keep a readable size and the grid scrolls instead
SPACING = 10
HEADER_PX = 24  # the line above an exported image: step and attention shown
MARGIN = 6
HOVER_HINT = "Hover over a cell to read its weight; over a title for its score."
SCORE_MEANS = {
    "previous-token": "weight on the token just before (i → i − 1)",
    "induction": "weight on the token after an earlier copy of this token (i → j + 1 where "
    "token j = token i)",
    "diagonal": "weight of output i on input i (i → i)",
    "anti-diagonal": "weight of output i on input n − 1 − i (reversal)",
}


def heads_named(heads) -> str:
    """Head names as the maps title them: "cross L1H2, decoder L2H1"."""
    parts = []
    for kind, layer, h in sorted(parse_head(name) for name in heads):
        parts.append(f"{kind} L{layer + 1}H{h + 1}")
    return ", ".join(parts)


def best_layout(
    n_heads: int,
    groups: int,
    t_q: int,
    t_k: int,
    width: int,
    height: int,
    margins: tuple[int, int, int],
) -> tuple[int, int]:
    """(columns, cell px): the largest square cells that fit `groups` layers of `n_heads`
    maps in the space; if even one column would need cells under MIN_FIT_CELL, readable
    cells and as many columns as the width takes (the grid then scrolls)."""
    left, top, bottom = margins
    best = (1, 0)
    for cols in range(1, n_heads + 1):
        rows = groups * math.ceil(n_heads / cols)
        cell_w = (width - cols * (left + 4) - SPACING * (cols - 1)) // (cols * t_k)
        cell_h = (height - rows * (top + bottom) - SPACING * (rows - 1)) // (rows * t_q)
        cell = min(cell_w, cell_h, MAX_CELL)
        if cell > best[1]:
            best = (cols, cell)
    if best[1] >= MIN_FIT_CELL:
        return best
    for cols in range(n_heads, 0, -1):  # scroll: the most columns at a readable size
        cell_w = (width - cols * (left + 4) - SPACING * (cols - 1)) // (cols * t_k)
        if cell_w >= MIN_FIT_CELL + 4 or cols == 1:
            return cols, max(4, min(cell_w, MAX_CELL))
    return 1, MIN_FIT_CELL


class AttentionGrid(QWidget):
    """Pick a kind and a layer (or all layers); one heatmap per head."""

    head_clicked = Signal(str, int, int)  # kind, layer, head

    def __init__(self, empty: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = empty or "No attention yet: press Train (Space) or Step (→)."
        self.view: AttentionView | None = None
        self.step: int | None = None
        self.ablated: frozenset = frozenset()
        self.maps: list[Heatmap] = []
        self._shape_key: tuple | None = None
        self.kind_box = QComboBox()
        self.kind_box.setToolTip("Which attention to show")
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("One layer, or every layer as a row")
        self.caption = QLabel("")
        self.caption.setObjectName("attentionCaption")
        self.caption.setWordWrap(True)
        self.hover = QLabel(HOVER_HINT)
        self._hovered: tuple[int, int, int, int] | None = None  # layer, head, query, key
        self.hover.setObjectName("attentionHover")
        self.body = QWidget()
        self.body.setStyleSheet("background: white;")
        self.cells = QGridLayout(self.body)
        self.cells.setSpacing(SPACING)
        self.cells.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.cells.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.colorbar = ColorBar()

        top = QHBoxLayout()
        top.addWidget(QLabel("Attention:"))
        top.addWidget(self.kind_box, 1)
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer_box)
        middle = QHBoxLayout()
        middle.addWidget(self.scroll, 1)
        middle.addWidget(self.colorbar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        layout.addLayout(middle, 1)
        layout.addWidget(self.hover)
        for box in (self.kind_box, self.layer_box):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(4)
        self.kind_box.currentIndexChanged.connect(lambda _: self._redraw())
        self.layer_box.currentIndexChanged.connect(lambda _: self._redraw())

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 200)

    # data --------------------------------------------------------------------------------

    def set_view(
        self, view: AttentionView | None, step: int | None = None, ablated: frozenset = frozenset()
    ) -> None:
        """Show `view`; the kind and layer chosen stay chosen when they still exist.
        Heads in `ablated` (names, "decoder.0.cross.1") are drawn dimmed and marked OFF."""
        self.view, self.step, self.ablated = view, step, frozenset(ablated)
        kinds = [] if view is None else [k for k in KIND_NAMES if k in view.weights]
        current_kind = self.kind_box.currentData()
        if kinds != [self.kind_box.itemData(i) for i in range(self.kind_box.count())]:
            self.kind_box.blockSignals(True)
            self.kind_box.clear()
            for k in kinds:
                self.kind_box.addItem(KIND_NAMES[k], k)
            i = kinds.index(current_kind) if current_kind in kinds else max(0, len(kinds) - 1)
            self.kind_box.setCurrentIndex(i)
            self.kind_box.blockSignals(False)
        n_layers = 0 if view is None or not kinds else next(iter(view.weights.values())).shape[0]
        if self.layer_box.count() != n_layers + (n_layers > 1):
            current = self.layer_box.currentData()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            if n_layers > 1:
                self.layer_box.addItem("All", ALL_LAYERS)
            for i in range(n_layers):
                self.layer_box.addItem(str(i + 1), i)
            j = self.layer_box.findData(current)
            self.layer_box.setCurrentIndex(max(j, 0))
            self.layer_box.blockSignals(False)
        self._redraw()

    def kind(self) -> str | None:
        return self.kind_box.currentData()

    def layers(self) -> list[int]:
        if self.view is None or self.kind() is None:
            return []
        layer = self.layer_box.currentData()
        n = self.view.weights[self.kind()].shape[0]
        return list(range(n)) if layer in (None, ALL_LAYERS) else [layer]

    def images(self) -> list[tuple[int, int, np.ndarray]]:
        """(layer, head, weights) currently shown, for tests and export."""
        return [(m.layer, m.head, m.weights) for m in self.maps]

    def column_labels(self) -> list[str]:
        return self.maps[0].keys if self.maps else []

    def row_labels(self) -> list[str]:
        return self.maps[0].queries if self.maps else []

    # drawing -----------------------------------------------------------------------------

    def _redraw(self) -> None:
        view, kind = self.view, self.kind()
        if view is None or kind is None:
            self._shape_key = None  # the next view builds its maps again
            self._rebuild([], 0)
            self.caption.setText(self.empty)
            self._forget_hover()
            return
        weights = view.weights[kind]  # (L, H, T_q, T_k)
        layers = self.layers()
        queries, keys = view.queries[kind], view.keys[kind]
        shape_key = (kind, tuple(layers), weights.shape)
        if shape_key != self._shape_key:
            self._shape_key = shape_key
            self._rebuild(layers, weights.shape[1])
        scores = head_scores(kind, weights, queries, keys)
        chance = chance_scores(kind, *weights.shape[2:], queries, keys)
        for m in self.maps:
            m.set_data(weights[m.layer, m.head], queries, keys)
            off = head_name(kind, m.layer, m.head) in self.ablated
            named = pattern_of(scores, m.layer, m.head, chance)
            title = f"L{m.layer + 1} H{m.head + 1}"
            if off:
                title += "  OFF"
            elif named is not None:
                title += f"  {named[0]} {named[1]:.2f}"
            m.set_title(title, self._head_tip(m, scores, chance, off), off)
        self._relayout()
        step = "" if self.step is None else f"Step {self.step}: "
        hidden = (
            "" if self.maps and self.maps[0].labels_shown() else " (hover a cell for its tokens)"
        )
        self.caption.setText(
            f"{step}rows are queries (the position asking), columns are keys "
            f"(the positions looked at); each row sums to 1{hidden}."
        )
        self._rehover()

    def _head_tip(self, m: Heatmap, scores: dict, chance: dict, off: bool) -> str:
        lines = [f"<b>Layer {m.layer + 1}, head {m.head + 1}</b>"]
        if off:
            lines.append(
                "<span style='color:#b42318'>Switched off: its output is zeroed in "
                "every prediction shown. Click to switch it on.</span>"
            )
        for name, s in scores.items():
            value = float(s[m.layer, m.head])
            if not np.isfinite(value):
                continue
            lines.append(
                f"<b>{name}</b> {value:.2f}: mean {SCORE_MEANS[name]}; attention spread "
                f"evenly would score {chance.get(name, float('nan')):.2f}."
            )
        lines.append(
            f"A head is named after a pattern when its score is at least "
            f"{NAMED_ABOVE} and {OVER_CHANCE}× the even score."
        )
        if not off:
            lines.append("Click to switch this head off.")
        return "<br>".join(lines)

    def _rebuild(self, layers: list[int], n_heads: int) -> None:
        for m in self.maps:
            self.cells.removeWidget(m)
            m.hide()  # gone from sight now; deleted when the event loop next turns
            m.deleteLater()
        self.maps = []
        for layer in layers:
            for head in range(n_heads):
                m = Heatmap(layer, head, self.body)
                m.hovered.connect(lambda q, k, m=m: self.hover_cell(m, q, k))
                m.clicked.connect(lambda m=m: self._on_clicked(m))
                self.maps.append(m)

    def _relayout(self) -> None:
        if not self.maps:
            return
        first = self.maps[0]
        t_q, t_k = first.weights.shape
        n_heads = max(m.head for m in self.maps) + 1
        groups = len(self.maps) // n_heads
        viewport = self.scroll.viewport()
        width = max(viewport.width() - 2 * MARGIN, 100)
        height = max(viewport.height() - 2 * MARGIN, 100)
        cell = first.cell
        for _ in range(2):  # the labels' room depends on the cell size: settle it
            first.set_cell(cell)
            cols, cell = best_layout(n_heads, groups, t_q, t_k, width, height, first.margins())
        for i, m in enumerate(self.maps):
            m.set_cell(cell)
            g, h = divmod(i, n_heads)
            row = g * math.ceil(n_heads / cols) + h // cols
            self.cells.addWidget(m, row, h % cols)
            m.show()  # a layout places only shown widgets
        self.cells.activate()  # place the maps now, not at the next event loop turn

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._relayout()

    # hover and click ---------------------------------------------------------------------

    def hover_cell(self, m: Heatmap, q: int, k: int) -> None:
        if self.view is None or self.kind() is None:
            return
        self._hovered = (m.layer, m.head, q, k)
        w = float(m.weights[q, k])
        step = "" if self.step is None else f"step {self.step}, "
        self.hover.setText(
            f"{step}layer {m.layer + 1}, head {m.head + 1}: query {q + 1} '{m.queries[q]}' → "
            f"key {k + 1} '{m.keys[k]}': weight {w:.3f}"
        )

    def _rehover(self) -> None:
        """New weights under a still mouse (a time-lapse playing, a live run): the line
        reads the cell again, or goes back to its hint if that cell is gone."""
        if self._hovered is None:
            return
        layer, head, q, k = self._hovered
        m = self.map_at(layer, head)
        if m is None or q >= m.weights.shape[0] or k >= m.weights.shape[1]:
            self._forget_hover()
        else:
            self.hover_cell(m, q, k)

    def _forget_hover(self) -> None:
        self._hovered = None
        self.hover.setText(HOVER_HINT)

    def map_at(self, layer: int, head: int) -> Heatmap | None:
        return next((m for m in self.maps if (m.layer, m.head) == (layer, head)), None)

    def _on_clicked(self, m: Heatmap) -> None:
        if self.kind() is not None:
            self.head_clicked.emit(self.kind(), m.layer, m.head)

    # export ------------------------------------------------------------------------------

    def render_image(self) -> QImage:
        """The maps (all of them, scrolled out of sight too), the colour bar, and a line
        saying which step and which attention they show."""
        rect = self.export_size()
        image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        self.paint_to(painter)
        painter.end()
        return image

    def paint_to(self, painter: QPainter) -> None:
        size = self.body.sizeHint().expandedTo(self.body.size())
        painter.setPen(QColor("#222"))
        kind = KIND_NAMES.get(self.kind() or "", "")
        step = "" if self.step is None else f"step {self.step}   "
        painter.drawText(8, HEADER_PX - 8, f"{step}{kind}")
        self.body.render(painter, QPoint(0, HEADER_PX))
        self.colorbar.render(painter, QPoint(size.width(), HEADER_PX))

    def export_size(self) -> QRectF:
        size = self.body.sizeHint().expandedTo(self.body.size())
        return QRectF(0, 0, size.width() + self.colorbar.width(), size.height() + HEADER_PX)

    def plot_item(self):
        return self
