"""Keys that always work: the window's shortcuts act from every widget but free text.

A focused widget gets the first say on a key (Qt's ShortcutOverride): a spin box keeps
Space and →, a combo box Space, so "press Train (Space)" did nothing while a number field
had focus. This filter takes the window's own shortcut keys back from every widget except
the free-text boxes (examples, typed input, pattern), where Space and the arrows type.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def is_free_text(widget: QWidget | None) -> bool:
    """A box where the user writes text (a number box's own line edit does not count)."""
    if isinstance(widget, QLineEdit):
        return not isinstance(widget.parent(), QAbstractSpinBox)
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return not widget.isReadOnly()
    return False


class ShortcutKeeper(QObject):
    """Installed on the application; `keys()` gives the window's current shortcuts."""

    def __init__(self, keys: Callable[[], list[QKeySequence]], parent: QObject | None = None):
        super().__init__(parent)
        self._keys = keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() is not QEvent.Type.ShortcutOverride:
            return False
        focus = QApplication.focusWidget()
        if focus is None or is_free_text(focus):
            return False
        key = QKeySequence(event.keyCombination()) if isinstance(event, QKeyEvent) else None
        if key is not None and any(key.matches(k) == QKeySequence.SequenceMatch.ExactMatch
                                   for k in self._keys()):  # fmt: skip
            event.ignore()  # not claimed by the widget: the shortcut fires
            return True
        return False
