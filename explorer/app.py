"""Assembling the app: Qt application, state, training session, window."""

from __future__ import annotations

import gc
import sys
import tempfile
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from explorer.core.app_model import AppModel
from explorer.core.session import TrainingSession
from explorer.window.main_window import MainWindow
from tinyformer.presets import resource_dir

ORGANIZATION = "tinyformer"
APPLICATION = "tinyformer-explorer"


def settings_store() -> tuple[QSettings, str | None]:
    """The user's settings, or, where a file QSettings would read is not a regular file (a
    FIFO blocks the launch forever, a device is read without end), settings for this
    session only, and a line saying why. QSettings reads its files as it is made, so the
    paths are looked at first: per user and system-wide, per application and per
    organization (its fallbacks)."""
    folders = QStandardPaths.standardLocations(
        QStandardPaths.StandardLocation.GenericConfigLocation
    )
    names = (f"{ORGANIZATION}/{APPLICATION}.conf", f"{ORGANIZATION}.conf")
    for path in (Path(folder) / name for folder in folders for name in names):
        if path.exists() and not path.is_file():
            kind = "folder" if path.is_dir() else "FIFO" if path.is_fifo() else "special file"
            here = Path(tempfile.mkdtemp(prefix="tinyformer-")) / "settings.ini"
            return QSettings(str(here), QSettings.Format.IniFormat), (
                f"Settings not read: {path} is a {kind}, not a file; none are kept this time"
            )
    return QSettings(), None


def create_app(run_path: str | None = None, store: QSettings | None = None):
    """The QApplication (made if needed) and a shown MainWindow, opening `run_path`."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(QIcon(str(resource_dir("icons") / "tinyformer.svg")))
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)
    refused = None
    if store is None:
        store, refused = settings_store()
    state = AppModel()
    session = TrainingSession(state.live, state.jobs)
    window = MainWindow(state, session, store)
    messages = window.storage.restore_settings()  # a damaged entry never stops the app
    for message in [*messages, *([refused] if refused else [])]:
        window.statusBar().showMessage(message, 15000)
    window.show()
    # Full garbage collections walk every object (torch, Qt, pyqtgraph: ~60 ms here) and
    # hold the GIL meanwhile; the long-lived start-up objects need never be walked again.
    gc.freeze()
    if run_path is not None:
        state.open_run(run_path)  # a missing or broken file comes back as an error dialog
    return app, window
