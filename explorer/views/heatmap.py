"""Heatmap: one head's attention drawn as square cells, every row and column labelled.

Painted by hand (QPainter) so that the map fills the space it is given, its cells stay
square, and the labels hug its edges: the token of each query down the left, of each key
under the bottom (turned upright when they are wider than a cell). Colours are fixed to
0..1 (viridis) so that heads and steps compare by eye.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

LUT = pg.colormap.get("viridis").getLookupTable(nPts=256)  # (256, 3) uint8
# Signed numbers: blue below zero, white at zero, red above.
_ramp = np.linspace(0.0, 1.0, 128)[:, None]
SIGNED_LUT = np.vstack(
    [
        (np.array([33, 102, 172]) * (1 - _ramp) + 255 * _ramp),
        (255 * (1 - _ramp) + np.array([178, 24, 43]) * _ramp),
    ]
).astype(np.uint8)
BLOCKED = (215, 215, 215)  # a cell that is not a number (a score the mask set to -inf)
OFF_RED = QColor("#b42318")
TITLE_PAD = 4
MAX_LABEL_CHARS = 10  # longer tokens are cut with "…" (each keeps its own label)
MIN_FONT_PX = 7
LABEL_GAP = 4  # px at least between two column labels written side by side


def colour_image(
    weights: np.ndarray, levels: tuple[float, float] = (0.0, 1.0), lut: np.ndarray = LUT
) -> QImage:
    """(rows, cols) values -> an RGB image, one pixel a cell; `levels` map to the ends of
    `lut`; cells that are not finite numbers are grey."""
    lo, hi = levels
    finite = np.isfinite(weights)
    scaled = (np.where(finite, weights, lo) - lo) / max(hi - lo, 1e-12)
    idx = np.clip(scaled * (len(lut) - 1), 0, len(lut) - 1).astype(np.intp)
    rgb = lut[idx]
    rgb[~finite] = BLOCKED
    rgb = np.ascontiguousarray(rgb.astype(np.uint8))  # (rows, cols, 3)
    h, w = idx.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: rgb is freed when this returns


def elide(token: str) -> str:
    return token if len(token) <= MAX_LABEL_CHARS else token[: MAX_LABEL_CHARS - 1] + "…"


class Heatmap(QWidget):
    """A (T_q, T_k) map for one head. `set_cell(px)` sets the size of a cell; the widget
    then takes exactly the size the map and its labels need."""

    hovered = Signal(int, int)  # query, key under the mouse
    clicked = Signal()
    cell_pressed = Signal(int, int)  # query, key clicked

    def __init__(self, layer: int, head: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer, self.head = layer, head
        self.weights = np.zeros((1, 1))
        self.queries: list[str] = [""]
        self.keys: list[str] = [""]
        self.title = ""
        self.off = False
        self.cell = 16  # a cell's width (and height, unless `row_px` says otherwise)
        self.row_px = 16
        self.levels: tuple[float, float] = (0.0, 1.0)
        self.lut = LUT
        self.texts: list[list[str]] | None = None  # words written in the cells, if any
        self.highlight: int | None = None  # a row drawn framed (the position looked at)
        self._image = colour_image(self.weights)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    # data ----------------------------------------------------------------------------

    def set_data(
        self,
        weights: np.ndarray,
        queries: list[str],
        keys: list[str],
        levels: tuple[float, float] = (0.0, 1.0),
        lut: np.ndarray = LUT,
        texts: list[list[str]] | None = None,
    ) -> None:
        shape_changed = weights.shape != self.weights.shape
        labels_changed = queries != self.queries or keys != self.keys
        self.weights, self.queries, self.keys = weights, queries, keys
        self.levels, self.lut, self.texts = levels, lut, texts
        self._image = colour_image(weights, levels, lut)
        if shape_changed or labels_changed:
            self.updateGeometry()
            self._fit()
        self.update()

    def set_title(self, title: str, tooltip: str, off: bool) -> None:
        """The title above the map; "L1 H2  name 0.8" breaks after its first part when
        wider than the map, so that it never widens the grid."""
        if (title, tooltip, off) != (self.title, self.toolTip(), self.off):
            lines = len(self._title_lines())
            self.title, self.off = title, off
            self.setToolTip(tooltip)
            if len(self._title_lines()) != lines:
                self._fit()
            self.update()

    def _title_lines(self) -> list[str]:
        head, _, rest = self.title.partition("  ")
        fm = QFontMetrics(self.font())
        width = self.margins_without_title()[0] + self.weights.shape[1] * self.cell + 4
        if rest and fm.horizontalAdvance(self.title) > width:
            return [head, rest]
        return [self.title]

    def set_cell(self, px: int, row_px: int | None = None) -> None:
        """Square cells of `px`, or `px` wide and `row_px` tall."""
        row_px = px if row_px is None else row_px
        if (px, row_px) != (self.cell, self.row_px):
            self.cell, self.row_px = px, row_px
            self._fit()

    # geometry ------------------------------------------------------------------------

    def font_px(self) -> int:
        """The column labels' size: as large as a cell's width allows, at most 12 px."""
        return max(MIN_FONT_PX, min(12, min(self.cell, self.row_px) - 2))

    def row_font_px(self) -> int:
        """The row labels' size: as large as a row's height allows (a tokens × features
        map has narrow columns but tall rows), at most 12 px."""
        return max(MIN_FONT_PX, min(12, self.row_px - 2))

    def labels_shown(self) -> bool:
        """Labels are drawn when a cell is tall enough for a line of the smallest font;
        below that every label is one hover away (never a thinned-out subset)."""
        return min(self.cell, self.row_px) >= MIN_FONT_PX + 1

    def row_labels_shown(self) -> bool:
        """Rows are labelled whenever a row is tall enough, even when columns are too
        narrow for theirs (a tokens × features map keeps its tokens)."""
        return self.row_px >= MIN_FONT_PX + 1

    def _font(self, px: int | None = None) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(self.font_px() if px is None else px)
        return font

    def _metrics(self) -> QFontMetrics:
        return QFontMetrics(self._font())

    def _row_font(self) -> QFont:
        return self._font(self.row_font_px())

    def keys_upright(self) -> bool:
        """Key labels turn upright when one of them would touch its neighbours."""
        fm = self._metrics()
        return any(fm.horizontalAdvance(elide(k)) > self.cell - LABEL_GAP for k in self.keys)

    def margins_without_title(self) -> tuple[int, int]:
        """(left, bottom) pixels beside and below the map for the token labels."""
        if not self.row_labels_shown():
            return 4, 4
        left = max(QFontMetrics(self._row_font()).horizontalAdvance(elide(q)) for q in self.queries)
        if not self.labels_shown():
            return left + 6, 4
        fm = self._metrics()
        if self.keys_upright():
            return left + 6, max(fm.horizontalAdvance(elide(k)) for k in self.keys) + 6
        return left + 6, fm.height() + 4

    def margins(self) -> tuple[int, int, int]:
        """(left, top, bottom) pixels around the map for labels and title."""
        left, bottom = self.margins_without_title()
        lines = len(self._title_lines()) if self.title else 0  # no title, no room for one
        title = QFontMetrics(self.font()).height() * lines + TITLE_PAD
        return left, title, bottom

    def map_rect(self) -> QRect:
        left, top, _ = self.margins()
        t_q, t_k = self.weights.shape
        return QRect(left, top, t_k * self.cell, t_q * self.row_px)

    def sizeHint(self) -> QSize:
        left, top, bottom = self.margins()
        t_q, t_k = self.weights.shape
        return QSize(left + t_k * self.cell + 4, top + t_q * self.row_px + bottom)

    def _fit(self) -> None:
        self.setFixedSize(self.sizeHint())

    def cell_centre(self, q: int, k: int) -> QPoint:
        rect = self.map_rect()
        return QPoint(
            rect.left() + k * self.cell + self.cell // 2,
            rect.top() + q * self.row_px + self.row_px // 2,
        )

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        rect = self.map_rect()
        if not rect.contains(pos):
            return None
        return (pos.y() - rect.top()) // self.row_px, (pos.x() - rect.left()) // self.cell

    # drawing -------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        self.paint(p)
        p.end()

    def paint(self, p: QPainter) -> None:
        rect = self.map_rect()
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        title_font = QFont(self.font())
        p.setFont(title_font)
        p.setPen(OFF_RED if self.off else QColor("#333"))
        p.drawText(
            QRect(0, 0, self.width(), rect.top() - TITLE_PAD // 2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            "\n".join(self._title_lines()),
        )
        p.drawImage(rect, self._image)
        if self.off:
            p.fillRect(rect, QColor(255, 255, 255, 190))
            p.setPen(QPen(OFF_RED, 2))
            p.drawLine(rect.topLeft(), rect.bottomRight())
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "OFF")
        if not np.isfinite(self.weights).all() and self.cell >= 8:
            p.setPen(QPen(QColor("#777"), 1))
            for q, k in zip(*np.nonzero(~np.isfinite(self.weights)), strict=True):
                c = self.cell_centre(int(q), int(k))
                d = max(2, self.cell // 4)
                p.drawLine(c.x() - d, c.y() - d, c.x() + d, c.y() + d)
                p.drawLine(c.x() - d, c.y() + d, c.x() + d, c.y() - d)
        if self.texts is not None and min(self.cell, self.row_px) >= 18:
            self._paint_texts(p)
        if self.highlight is not None and 0 <= self.highlight < self.weights.shape[0]:
            p.setPen(QPen(QColor("#ff8c00"), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(
                rect.left(), rect.top() + self.highlight * self.row_px, rect.width(), self.row_px
            )
        if self.row_labels_shown():
            self._paint_labels(p, rect)

    def _paint_texts(self, p: QPainter) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(MIN_FONT_PX, self.cell // 3))
        p.setFont(font)
        for q, row in enumerate(self.texts):
            for k, text in enumerate(row):
                value = self.weights[q, k]
                if self.lut is SIGNED_LUT:  # white in the middle, dark at both ends
                    light = np.isfinite(value) and abs(value) > 0.6 * self.levels[1]
                else:  # viridis: dark below the middle
                    light = np.isfinite(value) and value < (self.levels[0] + self.levels[1]) / 2
                p.setPen(QColor("white") if light else QColor("black"))
                c = self.cell_centre(q, k)
                w, h = self.cell, self.row_px
                box = QRect(c.x() - w // 2, c.y() - h // 2, w, h)
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_labels(self, p: QPainter, rect: QRect) -> None:
        p.setFont(self._row_font())
        p.setPen(QColor("#222"))
        for i, q in enumerate(self.queries):
            box = QRect(0, rect.top() + i * self.row_px, rect.left() - 4, self.row_px)
            p.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, elide(q))
        if not self.labels_shown():
            return
        p.setFont(self._font())
        fm = p.fontMetrics()
        c = self.cell
        if self.keys_upright():
            for j, k in enumerate(self.keys):
                p.save()
                p.translate(rect.left() + j * c + c / 2 + fm.ascent() / 2 - 1, rect.bottom() + 4)
                p.rotate(90)
                p.drawText(0, 0, elide(k))
                p.restore()
        else:
            for j, k in enumerate(self.keys):
                box = QRect(rect.left() + j * c, rect.bottom() + 2, c, fm.height())
                p.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, elide(k))

    # mouse ---------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        if cell is not None:
            self.hovered.emit(*cell)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            cell = self.cell_at(event.position().toPoint())
            if cell is not None:
                self.cell_pressed.emit(*cell)


class ColorBar(QWidget):
    """The scale: 0 at the bottom, 1 at the top, always beside the maps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(46)
        self.setToolTip(
            "Attention weight: the share of a query's attention on a key (a row sums to 1)"
        )
        column = np.linspace(1.0, 0.0, 256)[:, None]
        self._image = colour_image(column)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        top, bottom = fm.height() // 2 + 2, self.height() - fm.height() // 2 - 2
        bar = QRect(4, top, 12, max(bottom - top, 10))
        p.drawImage(bar, self._image)
        p.setPen(QColor("#333"))
        for value, y in ((1.0, bar.top()), (0.5, bar.center().y()), (0.0, bar.bottom())):
            p.drawLine(bar.right() + 1, y, bar.right() + 4, y)
            p.drawText(bar.right() + 6, y + fm.ascent() // 2 - 1, f"{value:g}")
        p.end()
