"""Assembling the app: Qt application, state, training session, window."""

from __future__ import annotations

import gc
import sys

import pyqtgraph as pg
from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from explorer.core.app_model import AppModel
from explorer.core.session import TrainingSession
from explorer.window.main_window import MainWindow
from tinyformer.presets import resource_dir

ORGANIZATION = "tinyformer"
APPLICATION = "tinyformer-explorer"


def create_app(run_path: str | None = None, store: QSettings | None = None):
    """The QApplication (made if needed) and a shown MainWindow, opening `run_path`."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(QIcon(str(resource_dir("icons") / "tinyformer.svg")))
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)
    store = store if store is not None else QSettings()
    state = AppModel()
    session = TrainingSession(state.live, state.jobs)
    window = MainWindow(state, session, store)
    for message in window.storage.restore_settings():  # a damaged entry never stops the app
        window.statusBar().showMessage(message, 15000)
    window.show()
    # Full garbage collections walk every object (torch, Qt, pyqtgraph: ~60 ms here) and
    # hold the GIL meanwhile; the long-lived start-up objects need never be walked again.
    gc.freeze()
    if run_path is not None:
        state.open_run(run_path)  # a missing or broken file comes back as an error dialog
    return app, window
