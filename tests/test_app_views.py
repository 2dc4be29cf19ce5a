"""Views a learner reads at a glance: labels on every column, every head in sight, a steady
layout, exports of the plot itself, predictions that tell the truth about the whole set."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from explorer.core.status import Status
from explorer.views.attention_grid import AttentionGrid
from explorer.views.loss_view import LOG_FLOOR
from tests.app_helpers import WAIT_MS, step_once, train_to_end, wait_for
from tinyformer.inspect.attention_view import AttentionView


def _view(tokens: int, heads: int) -> AttentionView:
    rng = np.random.default_rng(0)
    w = rng.random((1, heads, tokens, tokens)).astype(np.float32)
    w /= w.sum(-1, keepdims=True)
    names = [f"t{i}" for i in range(tokens)]
    return AttentionView({"encoder": w}, {"encoder": names}, {"encoder": names})


@pytest.mark.parametrize("tokens", [10, 32])
def test_every_column_of_a_map_carries_its_token(qtbot, tokens):
    grid = AttentionGrid()
    qtbot.addWidget(grid)
    grid.resize(700, 560)
    grid.show()
    grid.set_view(_view(tokens, heads=2))
    for m in grid.maps:
        assert m.keys == [f"t{i}" for i in range(tokens)] and len(m.queries) == tokens
        assert m.labels_shown(), f"cell {m.cell}px: labels hidden at {tokens} tokens"


def test_at_1024_by_700_every_head_and_the_colour_bar_are_in_sight(window, qtbot):
    window.resize(1024, 700)
    window.state.set_settings("model", {"n_heads": 4, "d_model": 16})
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.attention_tab)
    grid = window.attention_view
    QApplication.processEvents()
    viewport = grid.scroll.viewport()
    assert len(grid.maps) == 4
    for m in grid.maps:
        box = m.geometry().translated(grid.body.pos())
        assert viewport.rect().contains(box), (box, viewport.rect())
    bar = grid.colorbar
    assert bar.isVisible() and bar.height() > 100
    assert bar.geometry().right() <= grid.width()


def test_at_1024_by_700_every_tab_is_in_sight(window, qtbot):
    """No tab hides behind the tab bar's scroll arrows on a 1024-px screen."""
    window.resize(1024, 700)
    window.show()
    QApplication.processEvents()
    bar = window.tabs.tabBar()
    assert bar.count() == 8
    assert bar.sizeHint().width() <= window.tabs.width(), (bar.sizeHint(), window.tabs.width())
    for i in range(bar.count()):
        assert bar.tabRect(i).right() <= bar.width(), bar.tabText(i)


@pytest.mark.parametrize("preset", ["copy", "induction-2-layers"])
def test_the_window_fits_1024_pixels_with_both_panels_and_every_tab(window, qtbot, preset):
    """The widest tab (Causes, with its rows of tokens) must not widen the window past a
    1024-px screen with the settings and the lessons panels both open."""
    window.state.load_preset(preset)
    window.lessons_dock.show()
    window.resize(1024, 700)
    window.show()
    window.state.set_settings("train", {"steps": 20})
    train_to_end(qtbot, window)  # the Causes tab's rows of tokens are there now
    window.tabs.setCurrentWidget(window.causes_view)
    qtbot.waitUntil(lambda: window.causes_view.result is not None, timeout=WAIT_MS)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        assert window.minimumSizeHint().width() <= 1024, window.tabs.tabText(i)
    assert window.width() == 1024


def test_switching_a_head_off_keeps_the_window_size(window, qtbot):
    window.resize(1024, 700)
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.attention_tab)
    QApplication.processEvents()
    before = (window.width(), window.settings_panel.width(), window.lessons_panel.width())
    for head in range(2):
        window.state.toggle_head(f"decoder.0.cross.{head}")
        qtbot.waitUntil(
            lambda: window.state.run.inspection.ablated == window.state.ablated, timeout=WAIT_MS
        )
        window.attention_tab.refresh(force=True)
        QApplication.processEvents()
        after = (window.width(), window.settings_panel.width(), window.lessons_panel.width())
        assert after == before
    assert all("OFF" in m.title for m in window.attention_view.maps[:2])


def test_the_button_and_the_menu_both_export_and_a_gif_is_repeatable(
    window, qtbot, tmp_path, monkeypatch
):
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.attention_tab)
    paths = iter([tmp_path / "a.gif", tmp_path / "b.gif", tmp_path / "frames.png"])
    monkeypatch.setattr(window.files, "ask_path", lambda *a, **k: str(next(paths)))
    window.attention_tab.export.click()  # the Attention tab's button
    window.actions.frames.trigger()  # File → Export attention time-lapse…
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()
    from PIL import Image

    gif = Image.open(tmp_path / "a.gif")
    assert gif.n_frames == len(window.state.run.snapshots) > 5
    window.actions.frames.trigger()
    assert len(list(tmp_path.glob("frames-*.png"))) == len(window.state.run.snapshots)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_view_writes_the_plot_not_the_controls(window, qtbot, tmp_path, monkeypatch, suffix):
    train_to_end(qtbot, window)
    for tab in (window.loss_view, window.attention_tab, window.compare_view):
        window.tabs.setCurrentWidget(tab)
        QApplication.processEvents()
        target = tmp_path / f"{type(tab).__name__}{suffix}"
        monkeypatch.setattr(window.files, "ask_path", lambda *a, t=target, **k: str(t))
        window.actions.view_png.trigger()
        assert target.stat().st_size > 1000
        if suffix == ".png":
            from PIL import Image

            width = Image.open(target).size[0]
            assert width <= tab.width() + 60  # the plot, without the side panels
    text = (tmp_path / f"LossView{suffix}").read_bytes()
    assert b"log scale" not in text  # the check box below the plot is not in it


def test_a_loss_of_exactly_zero_stays_drawn(window, qtbot):
    window.actions.step.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 1)
    wait_for(qtbot, window, Status.READY)
    from explorer.core.results import Trained
    from tinyformer.training.events import StepEvent

    run = window.state.run  # a step of loss 0, reported as the worker reports steps
    owner = run.history.copy()
    mark = owner.mark()
    step = StepEvent(2, 0.0, 1.0, 0.001, 0.0, 1.0, 1.0)
    owner.add_step(step)
    window.state.live.apply(Trained(run.serial, 2, owner.since(mark), None, step, None, None))
    window.loss_view.refresh()
    x, y = window.loss_view.loss.getData()  # on the log axis, pyqtgraph holds log10(y)
    assert list(x) == [1, 2] and y[-1] == np.log10(LOG_FLOOR) and np.isfinite(y).all()


def test_head_titles_explain_their_score_and_chance(window, qtbot):
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.attention_tab)
    tip = window.attention_view.maps[0].toolTip()
    assert "diagonal" in tip and "spread evenly would score 0.10" in tip
    assert "Click to switch this head off" in tip


def test_predictions_for_bert_sit_under_their_masked_positions(window, qtbot):
    window.state.set_settings("model", {"arch": "encoder-only"})
    window.state.set_settings("task", {"name": "masked"})
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.predictions_view)
    window.predictions_view.refresh()
    text = window.predictions_view.examples.toPlainText()
    assert "greedy" not in text.lower() and "teacher-forced" not in text.lower()
    assert "hidden" in text and "model" in text
    assert "(greedy" not in window.predictions_view.header.text()


def test_the_open_lesson_list_shows_every_title_in_full(window):
    picker = window.lessons_panel.picker
    metrics = picker.view().fontMetrics()
    longest = max(metrics.horizontalAdvance(picker.itemText(i)) for i in range(picker.count()))
    assert picker.width() < longest  # the closed picker cuts the longest title
    assert picker.view().minimumWidth() >= longest


@pytest.mark.slow
def test_lesson_one_shows_its_claim_in_predictions_without_hovering(window, qtbot):
    panel = window.lessons_panel
    panel.picker.setCurrentIndex(0)
    panel.load_buttons()[0].click()  # no-causal-mask
    assert window.state.preset == "no-causal-mask"
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.FINISHED, timeout=120_000)
    window.predictions_view.refresh()
    header = window.predictions_view.header.text()
    share = window.state.run.last_eval.exact_match
    assert 0.3 <= share <= 0.7 and f"{share:.1%}" in header  # about half, said up front
    assert "(wrong)" in window.predictions_view.examples.toPlainText()  # mistakes first


def test_attention_is_drawn_again_after_reset(window, qtbot):
    # Reset shows no maps for a moment; the next run's maps, of the same shape, must come.
    window.state.set_settings("model", {"n_layers": 2})
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.attention_tab)
    grid = window.attention_view
    assert grid.layer_box.currentText() == "All" and len(grid.maps) == 4
    window.on_reset()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 0)
    window.attention_tab.refresh(force=True)
    train_to_end(qtbot, window)
    window.attention_tab.refresh(force=True)
    assert len(grid.maps) == 4 and all(m.isVisible() for m in grid.maps)


def test_a_time_lapse_with_a_head_off_still_has_every_frame(window, qtbot, tmp_path, monkeypatch):
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.attention_tab)
    window.state.toggle_head("decoder.0.cross.1")
    qtbot.waitUntil(
        lambda: window.state.run.inspection.ablated == window.state.ablated, timeout=WAIT_MS
    )
    monkeypatch.setattr(window.files, "ask_path", lambda *a, **k: str(tmp_path / "off.gif"))
    window.attention_tab.export.click()
    from PIL import Image

    assert Image.open(tmp_path / "off.gif").n_frames == len(window.state.run.snapshots)
    assert "every head on" in window.statusBar().currentMessage()
    assert window.attention_tab.when.text().endswith("heads off")  # the view is as it was


def test_predictions_of_a_discarded_run_are_not_shown(window, qtbot):
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.predictions_view)
    view = window.predictions_view
    qtbot.waitUntil(lambda: "Example 1" in view.examples.toPlainText(), timeout=WAIT_MS)
    window.state.load_preset("article")
    view.refresh()
    assert "No predictions yet" in view.header.text() and view.examples.toPlainText() == ""


def test_the_loss_legend_says_held_out_only_when_it_is(window, qtbot):
    step_once(qtbot, window)  # copy: fresh inputs of 10 numbers, never all seen
    window.loss_view.refresh()
    assert "held\u2011out loss" in window.loss_view.legend.text()
    window.state.load_preset("no-causal-mask")  # the pattern 1 0: two different inputs
    step_once(qtbot, window)
    window.loss_view.refresh()
    legend = window.loss_view.legend.text()
    assert "held\u2011out" not in legend and "evaluation exact match" in legend


def test_the_loss_readout_forgets_a_run_that_is_gone(window, qtbot):
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.loss_view)
    view = window.loss_view
    vb = view.plot.getPlotItem().vb
    QApplication.processEvents()
    view._on_mouse_moved(vb.mapViewToScene(QPointF(20, 0.5)))  # what a hover sends
    text = view.readout.text()
    assert "(step 20)" in text and "<nobr>held\u2011out exact" in text
    window.actions.reset.trigger()
    qtbot.waitUntil(lambda: window.state.run is None or window.state.run.step == 0,
                    timeout=WAIT_MS)  # fmt: skip
    view.refresh()
    assert "step 20" not in view.readout.text() and "Hover" in view.readout.text()
