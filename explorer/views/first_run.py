"""FirstRunHint: one line for someone who has never used the app: what to press first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class FirstRunHint(QWidget):
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunHint")
        self.setStyleSheet(
            "#firstRunHint{background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;}"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        text = QLabel(
            "<b>New here?</b> Press <b>Train</b> (Space), then open <b>Attention</b> to watch "
            "the heads. Hover over a setting for what it does; Help → First steps says more."
        )
        text.setWordWrap(True)
        close = QPushButton("Got it")
        close.setToolTip("Hide this hint for good")
        close.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(text, 1)
        row.addWidget(close)

    def dismiss(self) -> None:
        """Hide the hint for good (its advice was followed, or "Got it")."""
        if self.isHidden():
            return
        self.hide()
        self.dismissed.emit()
