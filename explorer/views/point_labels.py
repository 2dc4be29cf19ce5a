"""PointLabels: a short text beside each of many points, as one plot item.

One pyqtgraph TextItem per point costs Python work per point on every move (its
itemChange) and on every paint (its transform); at a few frames a second over ~30 points
that time is taken, GIL and all, from the training thread. Here a move stores an array
and the paint draws every text, prepared once, in one pass in device pixels (so the text
keeps its size as the view zooms).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFontMetricsF, QPen, QStaticText


class PointLabels(pg.GraphicsObject):
    """Texts whose bottom-left corners sit on the points (TextItem's anchor (0, 1))."""

    def __init__(self, color: str = "#333") -> None:
        super().__init__()
        self._pen = QPen(QColor(color))
        self._points = np.zeros((0, 2))
        self._names: list[str] = []
        self._texts: list[QStaticText] = []

    def set_labels(self, points: np.ndarray, names: list[str]) -> None:
        """Put `names[i]` at `points[i]` (x, y in the plot's coordinates)."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        if names != self._names:  # a new text is laid out again: only then
            self._names = list(names)
            self._texts = [QStaticText(name) for name in names]
        self.prepareGeometryChange()
        self._points = points
        self.update()

    def names(self) -> list[str]:
        return list(self._names)

    def points(self) -> np.ndarray:
        return self._points.copy()

    def boundingRect(self) -> QRectF:
        # The texts' size is in pixels, not in data: what is in view is what may be drawn.
        view = self.getViewBox()
        if view is None or not len(self._points):
            return QRectF()
        return view.viewRect()

    def paint(self, painter, *args) -> None:
        to_device = painter.transform()
        painter.resetTransform()
        painter.setPen(self._pen)
        height = QFontMetricsF(painter.font()).height()
        for (x, y), text in zip(self._points, self._texts, strict=True):
            at = to_device.map(QPointF(x, y))
            painter.drawStaticText(QPointF(at.x(), at.y() - height), text)
