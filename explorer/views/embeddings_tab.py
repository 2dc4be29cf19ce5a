"""EmbeddingsTab: the embeddings as points (PCA) or, for the modular task, in the Fourier
basis; one tab, two pages. Until the user picks, the page follows the run's task."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.app_model import AppModel
from explorer.views.embeddings_view import EmbeddingsView
from explorer.views.fourier_view import FourierView


class EmbeddingsTab(QWidget):
    def __init__(self, state: AppModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.points = EmbeddingsView(state)
        self.fourier = FourierView(state)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.points)
        self.pages.addWidget(self.fourier)
        self.show_points = QRadioButton("Points (PCA)")
        self.show_points.setToolTip(
            "Every token's and position's vector, seen from its two main directions"
        )
        self.show_fourier = QRadioButton("Fourier (a + b mod p)")
        self.show_fourier.setToolTip(
            "The modular task's number embeddings as waves: which frequencies hold their norm"
        )
        group = QButtonGroup(self)
        for i, button in enumerate((self.show_points, self.show_fourier)):
            group.addButton(button, i)
        self.show_points.setChecked(True)
        group.idClicked.connect(self._on_picked)
        self._picked = False  # the user chose a page: it stays
        row = QHBoxLayout()
        row.addWidget(self.show_points)
        row.addWidget(self.show_fourier)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.pages, 1)
        state.live.run_replaced.connect(lambda _: self._follow_task())
        state.form.settings_changed.connect(self._follow_task)

    def _on_picked(self, page: int) -> None:
        self._picked = True
        self.pages.setCurrentIndex(page)

    def _follow_task(self, *_args) -> None:
        if self._picked:
            return
        modular = self.state.settings["task"]["name"] == "modular"
        (self.show_fourier if modular else self.show_points).setChecked(True)
        self.pages.setCurrentIndex(1 if modular else 0)
