"""LessonsPanel: the lessons, one at a time, each with buttons that load its experiments."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tinyformer.lessons import Lesson, load_lessons


class LessonsPanel(QWidget):
    """Pick a lesson, read it, press "Load" to set its preset and open its view."""

    load_requested = Signal(str, str)  # preset, view

    def __init__(
        self,
        lessons: list[Lesson] | None = None,
        views: list[str] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.lessons = lessons if lessons is not None else load_lessons()
        unknown = [x.view for x in self.lessons if views is not None and x.view not in views]
        if unknown:
            raise ValueError(f"lessons name views this app does not have: {', '.join(unknown)}")
        self.picker = QComboBox()
        for i, lesson in enumerate(self.lessons, start=1):
            self.picker.addItem(f"{i}. {lesson.title}", lesson.name)
        # The closed picker may cut a long title; its open list shows every one in full.
        listing, metrics = self.picker.view(), self.picker.view().fontMetrics()
        texts = [self.picker.itemText(i) for i in range(self.picker.count())]
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        listing.setMinimumWidth(widest + 2 * metrics.averageCharWidth() + 2 * listing.frameWidth())
        self.text = QTextBrowser()
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(True)
        self.buttons = QVBoxLayout()  # one per line: preset names are long
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.text, 1)
        layout.addLayout(self.buttons)
        self.picker.currentIndexChanged.connect(self._show)
        self._show(0)

    def lesson(self) -> Lesson:
        return self.lessons[self.picker.currentIndex()]

    def load_buttons(self) -> list[QPushButton]:
        return [self.buttons.itemAt(i).widget() for i in range(self.buttons.count())]

    def _show(self, index: int) -> None:
        if not self.lessons:
            return
        lesson = self.lessons[index]
        # The title in full: the picker may be too narrow to show it.
        self.text.setMarkdown(f"### {index + 1}. {lesson.title}\n\n{lesson.body}")
        self.picker.setToolTip(f"{index + 1}. {lesson.title}")
        while self.buttons.count():
            old = self.buttons.takeAt(0).widget()
            old.hide()  # gone from sight now; deleted when the event loop next turns
            old.deleteLater()
        for preset in lesson.presets:
            button = QPushButton(f"Load {preset}")
            button.setToolTip(f"Load this experiment ({preset}) and open the {lesson.view} view")
            button.clicked.connect(
                lambda _=False, p=preset: self.load_requested.emit(p, lesson.view)
            )
            self.buttons.addWidget(button)
