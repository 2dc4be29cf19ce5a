"""AttentionGrid: one heatmap per layer and head for one kind of attention.

Rows are queries (top to bottom), columns are keys, both labelled with the real tokens;
colours are fixed to 0..1 so heads and steps can be compared by eye.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from tinyformer.inspect.evaluation import AttentionView
from tinyformer.inspect.heads import chance_scores, head_name, head_scores

KIND_NAMES = {
    "encoder": "Encoder self-attention",
    "decoder": "Decoder self-attention",
    "cross": "Cross-attention (decoder → encoder)",
}
ALL_LAYERS = -1
MAX_TICK_LABELS = 24
COLORMAP = "viridis"


def _ticks(
    labels: list[str], room_px: float | None = None, vertical: bool = False
) -> list[list[tuple[float, str]]]:
    """Every label, or every k-th when `room_px` (the axis length) is too short for all."""
    most = MAX_TICK_LABELS
    if room_px is not None:
        widest = max((len(t) for t in labels), default=1)
        need = 14 if vertical else 7 * widest + 6  # a line of text, or the label's width
        most = min(most, max(2, int(room_px // need)))
    every = max(1, -(-len(labels) // most))
    return [[(i + 0.5, t) for i, t in enumerate(labels) if i % every == 0]]


class AttentionGrid(QWidget):
    """Pick a kind and a layer (or all layers); one heatmap per head."""

    head_clicked = Signal(str, int, int)  # kind, layer, head

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: AttentionView | None = None
        self.step: int | None = None
        self.ablated: frozenset = frozenset()
        self.titles: dict[tuple[int, int], str] = {}
        self.kind_box = QComboBox()
        self.kind_box.setToolTip("Which attention to show")
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("One layer, or every layer as a row")
        self.caption = QLabel("")
        self.caption.setObjectName("attentionCaption")
        self.hover = QLabel("Hover over a cell to read its weight.")
        self.hover.setObjectName("attentionHover")
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground("w")
        self.canvas.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.canvas.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.plots: list[tuple[int, int, pg.PlotItem, pg.ImageItem]] = []
        self.colorbar: pg.ColorBarItem | None = None
        self._layout_key: tuple | None = None
        self._ticks_fitted = False

        top = QHBoxLayout()
        top.addWidget(QLabel("Attention:"))
        top.addWidget(self.kind_box, 1)
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer_box)
        top.addWidget(self.caption, 1, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hover)
        self.kind_box.currentIndexChanged.connect(lambda _: self._redraw())
        self.layer_box.currentIndexChanged.connect(lambda _: self._redraw())

    # data --------------------------------------------------------------------------------

    def set_view(
        self, view: AttentionView | None, step: int | None = None, ablated: frozenset = frozenset()
    ) -> None:
        """Show `view`; the kind and layer chosen stay chosen when they still exist.
        Heads in `ablated` ((kind, layer, head)) are drawn dimmed and marked off."""
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

    def images(self) -> list[tuple[int, int, np.ndarray]]:
        """(layer, head, image) currently shown, for tests and export."""
        return [(layer, head, img.image) for layer, head, _, img in self.plots]

    # drawing -----------------------------------------------------------------------------

    def _redraw(self) -> None:
        view, kind = self.view, self.kind()
        if view is None or kind is None:
            self._rebuild(None)
            self.caption.setText("No attention yet: press Train or Step.")
            return
        weights = view.weights[kind]  # (L, H, T_q, T_k)
        layer = self.layer_box.currentData()
        layers = list(range(weights.shape[0])) if layer in (None, ALL_LAYERS) else [layer]
        key = (
            kind,
            tuple(layers),
            weights.shape,
            tuple(view.queries[kind]),
            tuple(view.keys[kind]),
        )
        if key != self._layout_key:
            self._rebuild(key)
        scores = head_scores(kind, weights, view.queries[kind], view.keys[kind])
        chance = chance_scores(kind, *weights.shape[2:], view.queries[kind], view.keys[kind])
        for layer_i, head, plot, img in self.plots:
            img.setImage(weights[layer_i, head], levels=(0.0, 1.0), autoLevels=False)
            off = (kind, layer_i, head) in self.ablated
            img.setOpacity(0.25 if off else 1.0)
            named = head_name(scores, layer_i, head, chance)
            title = f"layer {layer_i + 1} · head {head + 1}<br>"
            if off:
                title += "OFF"
            elif named is not None:
                title += f"{named[0]} {named[1]:.2f}"
            if self.titles.get((layer_i, head)) != title:  # setTitle relays out: only on change
                self.titles[(layer_i, head)] = title
                plot.setTitle(title, size="8pt", color="#b42318" if off else "#333")
                plot.titleLabel.setMinimumWidth(0)  # a long name must not widen the grid
        if not self._ticks_fitted:
            self._ticks_fitted = True
            QTimer.singleShot(0, self._fit_ticks)  # after the layout has sized the plots
        step = "" if self.step is None else f"step {self.step}: "
        self.caption.setText(f"{step}rows are queries, columns are keys; each row sums to 1")

    def _rebuild(self, key: tuple | None) -> None:
        self.canvas.clear()
        self.plots = []
        self.titles = {}
        self.colorbar = None
        self._layout_key = key
        self._ticks_fitted = False
        if key is None:
            return
        kind, layers, shape = key[0], key[1], key[2]
        queries, keys = self.view.queries[kind], self.view.keys[kind]
        n_heads = shape[1]
        images = []
        for row, layer in enumerate(layers):
            for head in range(n_heads):
                plot = self.canvas.addPlot(row=row, col=head, enableMenu=False)
                img = pg.ImageItem()
                plot.addItem(img)
                plot.invertY(True)
                plot.setAspectLocked(True)  # square cells
                plot.setMouseEnabled(False, False)
                plot.hideButtons()
                plot.getAxis("left").setTicks(_ticks(queries))
                plot.getAxis("bottom").setTicks(_ticks(keys))
                plot.setRange(xRange=(0, len(keys)), yRange=(0, len(queries)), padding=0)
                images.append(img)
                self.plots.append((layer, head, plot, img))
        self.colorbar = pg.ColorBarItem(
            values=(0, 1), colorMap=pg.colormap.get(COLORMAP), interactive=False, width=12
        )
        self.colorbar.setImageItem(images)
        self.canvas.addItem(self.colorbar, row=0, col=n_heads, rowspan=max(1, len(layers)))

    def _fit_ticks(self) -> None:
        """Thin out the key labels so that they never overlap at the plots' current width."""
        if self.view is None or self.kind() is None:
            return
        keys, queries = self.view.keys[self.kind()], self.view.queries[self.kind()]
        for _, _, plot, _ in self.plots:
            box = plot.vb.sceneBoundingRect()
            plot.getAxis("bottom").setTicks(_ticks(keys, box.width() or None))
            plot.getAxis("left").setTicks(_ticks(queries, box.height() or None, vertical=True))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_ticks()

    # hover and click ---------------------------------------------------------------------

    def _cell_at(self, pos: QPointF):
        for layer, head, plot, img in self.plots:
            if plot.vb.sceneBoundingRect().contains(pos) and img.image is not None:
                p = plot.vb.mapSceneToView(pos)
                q, k = int(np.floor(p.y())), int(np.floor(p.x()))
                rows, cols = img.image.shape
                if 0 <= q < rows and 0 <= k < cols:
                    return layer, head, q, k, float(img.image[q, k])
                return layer, head, None, None, None
        return None

    def _on_mouse_moved(self, pos: QPointF) -> None:
        cell = self._cell_at(pos)
        if cell is None or cell[2] is None or self.view is None:
            return
        layer, head, q, k, w = cell
        kind = self.kind()
        query, key = self.view.queries[kind][q], self.view.keys[kind][k]
        self.hover.setText(
            f"layer {layer + 1}, head {head + 1}: query {q + 1} '{query}' → key {k + 1} "
            f"'{key}': weight {w:.3f}"
        )

    def _on_mouse_clicked(self, event) -> None:
        cell = self._cell_at(event.scenePos())
        if cell is not None and self.kind() is not None:
            self.head_clicked.emit(self.kind(), cell[0], cell[1])
