"""The Embeddings tab's Fourier page and the Loss tab's restricted and excluded loss: a
modular run's Fourier picture, live and over its snapshots; other runs show points."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from explorer.views.fourier_view import NOT_MODULAR
from tests.app_helpers import train_to_end
from tinyformer.inspect.fourier import frequency_norms, key_frequencies
from tinyformer.tasks.vocab import SPECIALS


def _modular_run(window, qtbot, p: int = 23) -> None:
    window.state.load_preset("grokking")
    window.state.set_settings("task", {"vocab": p})
    window.state.set_settings(
        "train", {"steps": 40, "batch_size": 128, "eval_every": 10, "snapshot_every": 10}
    )
    train_to_end(qtbot, window)


def test_a_modular_run_shows_its_norms_per_frequency_and_the_plane(window, qtbot):
    _modular_run(window, qtbot)
    view = window.fourier_view
    window.tabs.setCurrentWidget(window.embeddings_tab)
    QApplication.processEvents()
    assert window.embeddings_tab.pages.currentWidget() is view  # the modular task's page
    view.refresh()
    run = window.state.run
    snap = [s for s in run.snapshots if s.embeddings][-1]
    first = len(SPECIALS)
    norms = frequency_norms(snap.embeddings["tokens"][first : first + 23])
    heights = view.bars.opts["height"]
    assert len(heights) == 11 and np.isclose(sum(heights), 1.0)
    assert np.allclose(heights, norms[1:] ** 2 / (norms[1:] ** 2).sum())
    keys = key_frequencies(norms)
    assert view.key_labels.names() == [str(k) for k in keys]
    x, _ = view.points.getData()
    assert len(x) == 23 and view.number_labels.names() == [str(a) for a in range(23)]
    assert f"key frequencies {', '.join(map(str, keys))}" in view.summary.text()
    assert f"step {snap.step}" in view.when.text()
    # another frequency's plane, then back through the time-lapse to the first snapshot
    view.frequency.setValue(3)
    assert "the plane of k = 3" in view.summary.text()
    view.slider.setValue(0)
    assert not view.live.isChecked() and "step 0 (1 of" in view.when.text()


def test_the_loss_tab_offers_restricted_and_excluded_loss_for_modular_runs(window, qtbot):
    _modular_run(window, qtbot)
    view = window.loss_view
    window.tabs.setCurrentWidget(view)
    view.refresh()
    assert view.fourier.isVisible() and view.fourier.isChecked()
    fourier = window.state.run.history.fourier
    x, y = view.restricted.getData()
    assert list(x) == [10, 20, 30, 40]
    assert np.allclose(10**y, fourier["restricted_loss"].y)  # drawn on the log axis
    assert len(view.excluded.getData()[0]) == 4 and "restricted loss" in view.legend.text()
    view.fourier.setChecked(False)
    hidden_x, _ = view.restricted.getData()
    assert hidden_x is None or len(hidden_x) == 0
    assert "restricted loss" not in view.legend.text()


def test_other_runs_show_points_and_the_fourier_page_says_what_it_is_for(window, qtbot):
    window.state.set_settings("train", {"steps": 10})
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.embeddings_tab)
    assert window.embeddings_tab.pages.currentWidget() is window.embeddings_view
    window.embeddings_tab.show_fourier.click()
    assert window.embeddings_tab.pages.currentWidget() is window.fourier_view
    window.fourier_view.refresh()
    assert window.fourier_view.note.text() == NOT_MODULAR
    assert len(window.fourier_view.bars.opts["height"]) == 0
    window.tabs.setCurrentWidget(window.loss_view)
    assert not window.loss_view.fourier.isVisible()


def test_a_modular_run_fits_1024_pixels_on_the_loss_and_embeddings_tabs(window, qtbot):
    window.lessons_dock.show()
    window.resize(1024, 700)
    window.show()
    _modular_run(window, qtbot)
    for view in (window.loss_view, window.embeddings_tab):
        window.tabs.setCurrentWidget(view)
        QApplication.processEvents()
        assert window.minimumSizeHint().width() <= 1024, view
