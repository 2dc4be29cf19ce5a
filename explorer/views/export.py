"""Writing a plot to an image file, PNG or SVG: the plot itself, none of the controls.

PNG of a pyqtgraph item goes through pyqtgraph's ImageExporter. SVG is painted with Qt's
QSvgGenerator: pyqtgraph's SVGExporter fails on the path data this Qt writes
(pyqtgraph issue #3485: "x,y = c.split(',')"), so the scene region the item covers is
rendered instead. The attention grid, painted by hand, paints itself into either.
"""

from __future__ import annotations

from pathlib import Path

from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator


def write_plot(item, path: str) -> None:
    """`item`: a pyqtgraph PlotItem or GraphicsLayout, or a widget with `render_image()`,
    `paint_to(painter)` and `export_size()` (the attention grid)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{Path(path).name}: save as .png or .svg")
    if hasattr(item, "render_image"):
        if suffix == ".png":
            if not item.render_image().save(path, "PNG"):
                raise OSError(f"{path} could not be written")
        else:
            _paint_svg(item, path)
    elif suffix == ".svg":
        _paint_svg(_SceneRegion(item), path)
    else:
        ImageExporter(item).export(path)
    if not Path(path).is_file():
        raise OSError(f"{path} could not be written")


def _paint_svg(item, path: str) -> None:
    rect = item.export_size()
    svg = QSvgGenerator()
    svg.setFileName(path)
    svg.setSize(QSize(int(rect.width()), int(rect.height())))
    svg.setViewBox(rect)
    painter = QPainter(svg)
    item.paint_to(painter)
    painter.end()


class _SceneRegion:
    """What a pyqtgraph item covers of its scene, as something `_paint_svg` can paint."""

    def __init__(self, item) -> None:
        self.item = item

    def export_size(self):
        rect = self.item.sceneBoundingRect()
        return type(rect)(0, 0, rect.width(), rect.height())

    def paint_to(self, painter: QPainter) -> None:
        self.item.scene().render(painter, self.export_size(), self.item.sceneBoundingRect())
