"""Keys that always work: the window's shortcuts act from every widget but free text.

A focused widget gets the first say on a key (Qt's ShortcutOverride): a spin box keeps
Space and →, a combo box Space, so "press Train (Space)" did nothing while a number field
had focus. This filter takes the window's own shortcut keys back from every widget except
the free-text boxes (examples, typed input, pattern), where Space and the arrows type.
A key whose action is disabled (Train once the run has finished) does nothing there
either: it never falls through into the field, where Space would blank a number.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
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
    """Watches the focused widget, whichever it is; `keys()` gives the window's shortcuts,
    each with whether its action is enabled.

    It filters the focused widget's events only, never the whole application's: a filter
    in Python on every event (every paint) would wait for the GIL each time while the
    worker thread trains or reads a file, and hold the window up by a tenth of a second."""

    def __init__(
        self, keys: Callable[[], list[tuple[QKeySequence, bool]]], parent: QObject | None = None
    ):
        super().__init__(parent)
        self._keys = keys
        self._watched: QWidget | None = None

    def start(self, app: QApplication) -> None:
        app.focusChanged.connect(self._on_focus_changed)
        self._on_focus_changed(None, app.focusWidget())

    def stop(self, app: QApplication) -> None:
        app.focusChanged.disconnect(self._on_focus_changed)
        self._on_focus_changed(None, None)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None and shiboken6.isValid(self._watched):  # not deleted
            self._watched.removeEventFilter(self)
        self._watched = new
        if new is not None:
            new.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(event, QKeyEvent):
            return False
        focus = QApplication.focusWidget()
        if focus is None or is_free_text(focus) or watched is not focus:
            return False
        key = QKeySequence(event.keyCombination())
        enabled = [on for k, on in self._keys()
                   if key.matches(k) == QKeySequence.SequenceMatch.ExactMatch]  # fmt: skip
        if not enabled:
            return False
        if kind is QEvent.Type.ShortcutOverride:
            if any(enabled):
                event.ignore()  # not claimed by the widget: the shortcut fires
                return True
            return False
        return not any(enabled)  # a disabled action's key: eaten, not typed
