"""CircuitsPanel: one head's QK and OV circuits as vocab × vocab maps, read from its
weights alone (tinyformer.inspect.circuits), with the OV copying score in its caption."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from explorer.core.results import CircuitsResult
from explorer.views.causes_maps import KIND_NAMES, MapPanel

CELL = 18


class CircuitsPanel(QWidget):
    said = Signal(str)  # a line for the hover bar: the cell under the mouse, read out

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.circuits: CircuitsResult | None = None
        self.caption = QLabel("Click a head in a map to see its QK and OV circuits.")
        self.caption.setWordWrap(True)
        self.qk, self.ov = MapPanel(), MapPanel()
        pair = QHBoxLayout()
        pair.addWidget(self.qk)
        pair.addWidget(self.ov)
        pair.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.caption)
        column.addLayout(pair)
        for panel in (self.qk, self.ov):
            panel.hide()  # until a head is clicked
            panel.cell_hovered.connect(lambda q, k, p=panel: self._hover(p, q, k))

    def clear(self) -> None:
        self.circuits = None
        self.qk.hide()
        self.ov.hide()

    def show_circuits(self, c: CircuitsResult) -> None:
        self.circuits = c
        kind, layer, head = c.head
        self.caption.setText(
            f"<b>{KIND_NAMES[kind]}, layer {layer + 1}, head {head + 1}</b>, from its weights "
            f"alone. OV copying score <b>{c.copying:.2f}</b> (chance {c.chance:.2f}): how "
            "often a token, attended to, raises its own logit the most."
        )
        for panel, name, title, values in (
            (self.qk, "qk", "<b>QK</b>: query token (row) × key token (column)", c.qk),
            (self.ov, "ov", "<b>OV</b>: attended token (row) × output logit (column)", c.ov),
        ):
            panel.show()
            panel.show_values(name, title, values, c.tokens, c.tokens, CELL, at_least=0.0)

    def pictures(self) -> list[tuple[str, MapPanel]]:
        """What there is to export: the two maps, once a head was clicked."""
        return [] if self.circuits is None else [("qk", self.qk), ("ov", self.ov)]

    def _hover(self, panel: MapPanel, q: int, k: int) -> None:
        value = float(panel.values()[q, k])
        rows, cols = panel.rows, panel.cols
        if panel is self.qk:
            self.said.emit(f"QK: query '{rows[q]}' → key '{cols[k]}': score {value:.3g}")
        else:
            self.said.emit(
                f"OV: attending to '{rows[q]}' adds {value:.3g} to the logit of '{cols[k]}'"
            )
