"""ProgressStrip: a long job's progress and its Cancel button, for the status bar.

It appears only if the job takes a while (SHOW_AFTER_MS): a small file read in a blink
does not flash a bar.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

SHOW_AFTER_MS = 300


class ProgressStrip(QWidget):
    cancelled = Signal()

    def __init__(self, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip(tip)
        self.cancel.clicked.connect(self._on_cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.label, self.bar, self.cancel):
            layout.addWidget(w)
        self.running = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.setVisible(self.running))
        # Hidden, it keeps its room: showing it never relays out the window (which, with
        # every plot in it, held the GUI thread for a tenth of a second).
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.hide()

    def start(self, text: str) -> None:
        self.running = True
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel.setEnabled(True)
        self._timer.start(SHOW_AFTER_MS)

    def show_progress(self, text: str, done: int, total: int) -> None:
        if not self.running:
            return
        self.label.setText(text)
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * done / max(total, 1)))
        self.bar.setFormat(f"{done * 100 // max(total, 1)}%")

    def finish(self) -> None:
        self.running = False
        self._timer.stop()
        self.hide()

    def _on_cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.label.setText("Cancelling…")
        self.cancelled.emit()
