"""What the app remembers between sessions (QSettings): window layout and last settings."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from explorer.core.state import AppState


def remember_settings(store: QSettings, window: QMainWindow, settings: dict | None) -> None:
    store.setValue("geometry", window.saveGeometry())
    store.setValue("window_state", window.saveState())
    if settings is not None:
        store.setValue("settings", json.dumps(settings))
    store.sync()


def restore_settings(store: QSettings, window: QMainWindow) -> None:
    geometry = store.value("geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(1500, 920)
    layout = store.value("window_state")
    if layout is not None:
        window.restoreState(layout)


def restore_last_settings(store: QSettings, state: AppState) -> bool:
    """Bring back the settings of the last session; quietly keep the default if they no
    longer make a valid experiment (a setting renamed, a preset changed)."""
    raw = store.value("settings")
    if not raw:
        return False
    try:
        state.load_settings(json.loads(raw))
    except (ValueError, TypeError, KeyError):
        return False
    return True
