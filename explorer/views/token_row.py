"""TokenRow: a sequence's tokens as a row of buttons; click one to choose its position."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QWidget

CHANGED = "QPushButton{color:#b42318;font-weight:bold;}"


class TokenRow(QWidget):
    chosen = Signal(int)  # the position clicked

    def __init__(self, label: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tip = tip
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.caption = QLabel(label)
        self.caption.setMinimumWidth(90)
        self.layout_.addWidget(self.caption)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self.chosen)
        self.buttons: list[QPushButton] = []
        self.layout_.addStretch(1)

    def set_tokens(
        self,
        tokens: list[str],
        chosen: int | None,
        changed: set[int] = frozenset(),
        usable: set[int] | None = None,
    ) -> None:
        """Show `tokens`, `chosen` pressed; `changed` positions in red; only `usable` ones
        (all by default) can be clicked."""
        if [b.text() for b in self.buttons] != tokens:
            for b in self.buttons:
                self.group.removeButton(b)
                self.layout_.removeWidget(b)
                b.hide()
                b.deleteLater()
            self.buttons = []
            for i, token in enumerate(tokens):
                b = QPushButton(token)
                b.setCheckable(True)
                b.setFlat(False)
                b.setMinimumWidth(20)  # 16 tokens still fit a 1024-px window
                b.setMaximumWidth(64)
                b.setToolTip(f"{self.tip} (position {i + 1}: '{token}')")
                self.group.addButton(b, i)
                self.layout_.insertWidget(1 + i, b)
                self.buttons.append(b)
        for i, b in enumerate(self.buttons):
            b.setEnabled(usable is None or i in usable)
            style = CHANGED if i in changed else ""
            if b.styleSheet() != style:  # a new style sheet restyles the button: not each time
                b.setStyleSheet(style)
            b.setChecked(i == chosen)
