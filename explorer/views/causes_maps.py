"""The Causes tab's pictures: restoration maps (layer × head, layer × position), the direct
logit attribution as bars, and one head's QK and OV circuits. Each writes itself as PNG,
SVG or CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.views import export
from explorer.views.heatmap import SIGNED_LUT, Heatmap
from explorer.views.scale_bar import ScaleBar

KIND_NAMES = {
    "encoder": "encoder self-attention",
    "decoder": "decoder self-attention",
    "cross": "cross-attention",
}
RED, BLUE = "#b2182b", "#2166ac"


def signed_levels(values: np.ndarray, at_least: float = 1.0) -> tuple[float, float]:
    """Symmetric colours: 1 (the clean run) at full red unless something goes beyond."""
    finite = values[np.isfinite(values)]
    top = max(at_least, float(np.abs(finite).max()) if finite.size else 0.0)
    return -top, top


class MapPanel(QWidget):
    """A titled heatmap with its scale; `cell_hovered` and `cell_clicked` give (row, col)."""

    cell_hovered = Signal(int, int)
    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.scale = ScaleBar()
        self.map = Heatmap(0, 0)
        self.rows: list[str] = []
        self.cols: list[str] = []
        self.name = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for w in (self.caption, self.scale, self.map):
            layout.addWidget(w)
        self.map.hovered.connect(self.cell_hovered)
        self.map.cell_pressed.connect(self.cell_clicked)

    def show_values(
        self,
        name: str,
        title: str,
        values: np.ndarray,
        rows: list[str],
        cols: list[str],
        cell: int,
        at_least: float = 1.0,
    ) -> None:
        self.name, self.rows, self.cols = name, rows, cols
        levels = signed_levels(values, at_least)
        texts = [[f"{v:.2f}" for v in row] for row in values] if cell >= 30 else None
        self.caption.setText(title)
        self.scale.set_scale(levels, SIGNED_LUT)
        self.map.set_data(values, rows, cols, levels, SIGNED_LUT, texts)
        self.map.set_cell(cell)

    def values(self) -> np.ndarray:
        return self.map.weights

    # writing it out -----------------------------------------------------------------------

    def write(self, path: str) -> None:
        """PNG or SVG of the map (its labels and title), or CSV of its numbers."""
        if Path(path).suffix.lower() == ".csv":
            with open(path, "w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow([self.name, *self.cols])
                for label, row in zip(self.rows, self.values(), strict=True):
                    out.writerow([label, *(f"{v:.6g}" for v in row)])
            return
        export.write_plot(_Painted(self), path)


class _Painted:
    """A widget as export.write_plot paints it."""

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget

    def export_size(self) -> QRectF:
        size = self.widget.sizeHint().expandedTo(self.widget.size())
        return QRectF(0, 0, size.width(), size.height())

    def paint_to(self, painter: QPainter) -> None:
        self.widget.render(painter, QPoint(0, 0))  # the painter overload (with an offset)

    def render_image(self) -> QImage:
        rect = self.export_size()
        image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        self.paint_to(painter)
        painter.end()
        return image


def part_label(name: str) -> str:
    """ "decoder.1.cross.2" -> "L2 cross H3"; "decoder.embed" -> "tokens", ..."""
    bits = name.split(".")
    if name == "bias":
        return "norm and output bias"
    if bits[-1] == "embed":
        return "tokens"
    if bits[-1] == "pos":
        return "positions"
    layer = f"L{int(bits[1]) + 1}"
    if bits[-1] == "ff":
        return f"{layer} feed-forward"
    if bits[-1] == "bias":
        return f"{layer} {bits[2]} bias"
    return f"{layer} {bits[2]} H{int(bits[3]) + 1}"


class AttributionBars(QWidget):
    """Direct logit attribution: one horizontal bar per part, red adds, blue takes away."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("bottom", "share of the logit")
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.bars: pg.BarGraphItem | None = None
        self.parts: dict[str, float] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)

    def show_parts(self, parts: dict[str, float], title: str) -> None:
        self.parts = dict(parts)
        self.caption.setText(title)
        if self.bars is not None:
            self.plot.removeItem(self.bars)
            self.bars = None
        names = list(parts)
        values = np.array([parts[n] for n in names], dtype=float)
        if not names:
            return
        y = np.arange(len(names))[::-1]
        brushes = [pg.mkBrush(RED if v >= 0 else BLUE) for v in values]
        self.bars = pg.BarGraphItem(x0=0, y=y, width=values, height=0.7, brushes=brushes)
        self.plot.addItem(self.bars)
        ticks = [(int(yy), part_label(n)) for yy, n in zip(y, names, strict=True)]
        self.plot.getAxis("left").setTicks([ticks])
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)
        span = max(float(np.abs(values).max()), 1e-6)
        self.plot.setXRange(
            min(0.0, float(values.min())) - 0.05 * span,
            max(0.0, float(values.max())) + 0.05 * span,
            padding=0,
        )
        self.setMinimumHeight(min(60 + 18 * len(names), 520))

    def write(self, path: str) -> None:
        if Path(path).suffix.lower() == ".csv":
            with open(path, "w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(["part", "name", "logit"])
                for name, value in self.parts.items():
                    out.writerow([name, part_label(name), f"{value:.6g}"])
            return
        export.write_plot(self.plot.getPlotItem(), path)
