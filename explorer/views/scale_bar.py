"""ScaleBar: a map's colours and the numbers they stand for, in one short horizontal strip.

The Inside tab scales each map to its own largest magnitude, so every map needs its own
key: "−2.31 [blue … white … red] 2.31", or "0 [viridis] 1" for weights and probabilities.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from explorer.views.heatmap import LUT, colour_image

BAR_W = 120
BAR_H = 9


def scale_text(value: float) -> str:
    """A scale end as a person reads it: 3 significant digits, a real minus sign."""
    return f"{value:.3g}".replace("-", "−")


class ScaleBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.levels: tuple[float, float] = (0.0, 1.0)
        self._image = colour_image(np.linspace(0.0, 1.0, 256)[None, :])
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._fit()

    def set_scale(self, levels: tuple[float, float], lut: np.ndarray = LUT) -> None:
        lo, hi = levels
        self.levels = levels
        self._image = colour_image(np.linspace(lo, hi, 256)[None, :], levels, lut)
        self.setToolTip(f"colours from {scale_text(lo)} (left) to {scale_text(hi)} (right)")
        self._fit()
        self.update()

    def labels(self) -> list[str]:
        """The numbers written under the bar: both ends, and 0 between them if it lies there."""
        lo, hi = self.levels
        middle = ["0"] if lo < 0 < hi else []
        return [scale_text(lo), *middle, scale_text(hi)]

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        return QSize(BAR_W + fm.horizontalAdvance(self.labels()[-1]), BAR_H + fm.height() + 3)

    def _fit(self) -> None:
        self.setFixedSize(self.sizeHint())

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        lo_text = self.labels()[0]
        left = fm.horizontalAdvance(lo_text) // 2
        bar = QRect(left, 1, BAR_W - left, BAR_H)
        p.drawImage(bar, self._image)
        p.setPen(QColor("#999"))
        p.drawRect(bar.adjusted(0, 0, -1, -1))
        p.setPen(QColor("#333"))
        y = bar.bottom() + 2
        lo, hi = self.levels
        texts = self.labels()
        spots = [bar.left(), bar.right()]
        if len(texts) == 3:  # 0 where it falls on the bar
            spots.insert(1, bar.left() + round((0 - lo) / (hi - lo) * (bar.width() - 1)))
        for text, x in zip(texts, spots, strict=True):
            w = fm.horizontalAdvance(text)
            p.drawText(QRect(x - w // 2, y, w + 2, fm.height()), Qt.AlignmentFlag.AlignLeft, text)
        p.end()
