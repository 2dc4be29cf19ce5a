"""The explorer's "seeing why" tools, driven headless: training data, time-lapse, ablation,
run comparison, sweeps and lessons."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from explorer.core.status import Status
from explorer.views.compare_view import COLUMNS
from explorer.views.sweep_dialog import parse_values, sweep_jobs
from tests.app_helpers import WAIT_MS, train_to_end, wait_for


def _with_inspection(qtbot, window):
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.inspection is not None,
        timeout=WAIT_MS,
    )
    return window.state.run.inspection


# training data ------------------------------------------------------------------------------


def _tables(qtbot, window):
    """The Batch tab's tables for the settings as they are (built in the worker)."""
    view = window.data_view
    qtbot.waitUntil(lambda: view._drawn == window.state.experiment, timeout=WAIT_MS)
    return view.tables


def test_training_data_view_shows_the_real_batch_for_each_architecture(window, qtbot):
    window.tabs.setCurrentWidget(window.data_view)
    _tables(qtbot, window)
    titles = [t.title for t in window.data_view.tables]
    assert titles[:3] == ["Encoder input (src)", "Decoder input (tgt)", "Labels"]
    assert any(t.sentence.startswith("Causal mask") for t in window.data_view.tables)
    tgt = window.data_view.tables[1]
    assert all(row[0] == "<bos>" for row in tgt.cells)  # teacher forcing: shifted right
    labels = window.data_view.tables[2]
    assert [row[:-1] for row in labels.cells] == [row[1:] for row in tgt.cells]

    window.state.set_setting("model", "arch", "decoder-only")
    tables = _tables(qtbot, window)
    assert tables[0].title == "Input (x)"
    labels = tables[1]
    assert labels.title == "Labels"
    assert labels.shaded[:, 0].all()  # no loss on the prompt: only the answer is scored
    from PySide6.QtWidgets import QTableWidget

    shown = window.data_view.content.findChildren(QTableWidget)
    assert len([t for t in shown if not t.isHidden()]) == len(tables)  # one grid per table

    window.state.set_setting("model", "arch", "encoder-only")
    window.state.set_setting("task", "name", "masked")
    _tables(qtbot, window)
    labels = next(t for t in window.data_view.tables if t.title == "Labels")
    x = window.data_view.tables[0]
    for r, row in enumerate(labels.cells):  # loss only where a position was chosen
        scored = [c for c, text in enumerate(row) if text != "·"]
        assert not labels.shaded[r, scored].any()
        assert all(labels.shaded[r, c] for c in range(len(row)) if c not in scored)
    assert any("<mask>" in row for row in x.cells)
    grids = [t for t in window.data_view.content.findChildren(QTableWidget) if not t.isHidden()]
    same = [g for g in grids if g.columnCount() == grids[0].columnCount()]
    assert len(same) >= 2  # the input, the labels: position i one above the other
    for c in range(grids[0].columnCount()):
        assert len({g.columnWidth(c) for g in same}) == 1
    assert len({g.verticalHeader().width() for g in same}) == 1


# the time-lapse -----------------------------------------------------------------------------


def _trained_attention_tab(qtbot, window):
    """A finished run with its snapshots, the Attention tab shown: (tab, run)."""
    train_to_end(qtbot, window)
    _with_inspection(qtbot, window)
    tab = window.attention_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh(force=True)
    return tab, window.state.run


def test_time_lapse_slider_scrubs_through_the_snapshots(window, qtbot, tmp_path):
    tab, run = _trained_attention_tab(qtbot, window)
    n = len(run.snapshots)
    assert n >= 6  # every 5 of 30 steps, and step 0
    assert tab.slider.maximum() == n - 1 and tab.slider.value() == n - 1
    last = [w.copy() for *_, w in tab.grid.images()]

    tab.slider.setValue(0)  # dragging leaves live mode and shows the first snapshot
    assert not tab.live.isChecked()
    assert tab.grid.step == run.snapshots[0].step == 0
    first = [w.copy() for *_, w in tab.grid.images()]
    kind = tab.grid.kind()
    np.testing.assert_allclose(first[0], run.snapshots[0].attention[kind][0, 0])
    assert any(not np.allclose(a, b) for a, b in zip(first, last, strict=True))
    assert f"1 of {n}" in tab.when.text()

    tab.play.click()  # the animation plays to the last snapshot, then stops
    qtbot.waitUntil(lambda: tab.slider.value() == n - 1 and not tab.timer.isActive(), timeout=5000)
    assert tab.grid.step == run.snapshots[n - 1].step
    assert tab.live.isChecked()  # at the end it follows the run again

    written = tab.export_time_lapse(str(tmp_path / "frames" / "lapse.png"))
    assert written == n
    assert len(list((tmp_path / "frames").glob("lapse-*.png"))) == n


def test_the_hover_line_follows_the_time_lapse_under_a_still_mouse(window, qtbot):
    tab, run = _trained_attention_tab(qtbot, window)
    grid = tab.grid
    m = grid.maps[0]
    at = QPointF(m.cell_centre(1, 0))  # query 2, key 1, hovered with no button down
    move = QMouseEvent(QEvent.Type.MouseMove, at, m.mapToGlobal(at), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(m, move)
    assert "query 2" in grid.hover.text()
    for index in (0, len(run.snapshots) // 2):
        tab.slider.setValue(index)
        shown = grid.map_at(m.layer, m.head).weights[1, 0]
        assert f"step {run.snapshots[index].step}," in grid.hover.text()
        assert f"weight {shown:.3f}" in grid.hover.text()


# head ablation ------------------------------------------------------------------------------


def test_switching_a_head_off_changes_the_output_and_back_restores_it(window, qtbot):
    window.state.set_settings("model", {"n_heads": 1})
    window.state.set_settings("train", {"steps": 60})
    train_to_end(qtbot, window)
    before = _with_inspection(qtbot, window)
    tab = window.attention_tab
    window.tabs.setCurrentWidget(tab)
    tab.grid.kind_box.setCurrentIndex(tab.grid.kind_box.findData("cross"))
    heatmap = tab.grid.maps[0]
    layer, head = heatmap.layer, heatmap.head
    qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=heatmap.cell_centre(2, 2))
    assert window.state.ablated == {f"decoder.{layer}.cross.{head}"}
    qtbot.waitUntil(
        lambda: window.state.run.inspection.ablated == window.state.ablated, timeout=WAIT_MS
    )
    off = window.state.run.inspection
    assert off.evaluation is not None
    probs = [e.forced_probs() for e in off.examples]
    assert probs != [e.forced_probs() for e in before.examples]
    qtbot.waitUntil(lambda: "OFF" in heatmap.title, timeout=WAIT_MS)
    window.predictions_view.refresh()
    assert "With heads switched off: cross L1H1" in window.predictions_view.header.text()

    tab.all_on.click()
    assert window.state.ablated == frozenset()
    qtbot.waitUntil(lambda: window.state.run.inspection.ablated == frozenset(), timeout=WAIT_MS)
    back = window.state.run.inspection
    assert [e.forced_probs() for e in back.examples] == [e.forced_probs() for e in before.examples]
    assert [e.greedy for e in back.examples] == [e.greedy for e in before.examples]
    np.testing.assert_array_equal(
        back.attention.weights["cross"], before.attention.weights["cross"]
    )


def test_heads_cannot_be_switched_while_training(window, qtbot):
    window.state.set_settings("train", {"steps": 100_000})
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.TRAINING)
    window.attention_tab._on_head_clicked("cross", 0, 0)
    assert window.state.ablated == frozenset()
    assert "Pause" in window.attention_tab.heads_off.text()
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.READY)


# comparing runs and sweeps -------------------------------------------------------------------


def test_finished_runs_are_listed_and_overlaid(window, qtbot):
    train_to_end(qtbot, window)
    window.state.set_settings("model", {"n_layers": 2})  # a second run, other settings
    train_to_end(qtbot, window)
    compare = window.compare_view
    assert compare.runs.count() == 2
    assert [len(c.xData) for c in compare.loss_plot.listDataItems()] == [30, 30]
    legend = [label.text for _, label in compare.legend.items]
    assert legend == [r.name for r in window.state.compare.records]
    assert compare.table.rowCount() == 2
    layers = [compare.table.item(r, COLUMNS.index("layers")).text() for r in range(2)]
    assert layers == ["1", "2"]

    compare.runs.item(0).setCheckState(Qt.CheckState.Unchecked)  # untick: gone from the plot
    assert len(compare.loss_plot.listDataItems()) == 1
    assert compare.table.rowCount() == 1
    assert compare.table.item(0, COLUMNS.index("layers")).text() == "2"


def test_sweep_values_are_parsed_and_invalid_combinations_skipped(window):
    assert parse_values("layers", "1, 2,4") == [1, 2, 4]
    for bad in ("1, two", " , "):
        try:
            parse_values("layers", bad)
        except ValueError as e:
            assert "layers" in str(e)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    jobs, skipped = sweep_jobs(window.state.experiment, "heads", [1, 2, 3], None, [])
    assert [name for name, _ in jobs] == ["heads=1", "heads=2"]  # 3 does not divide 16
    assert len(skipped) == 1 and "heads=3" in skipped[0]


def test_a_sweep_trains_each_run_and_plots_it(window, qtbot):
    window.open_sweep()
    dialog = window.sweep_dialog
    dialog.first.setCurrentText("layers")
    dialog.first_values.setText("1, 2")
    dialog.second.setCurrentIndex(0)
    with qtbot.waitSignal(window.state.live.sweep_finished, timeout=WAIT_MS) as finished:
        dialog.start.click()
        assert window.state.status is Status.SWEEPING
        assert not window.actions.train.isEnabled()
    assert finished.args[0].cancelled is False and finished.args[0].done == 2
    assert [r.name for r in window.state.compare.records] == ["1. layers=1", "2. layers=2"]
    assert all(r.step == 30 and r.final is not None for r in window.state.compare.records)
    assert len(dialog.plot.listDataItems()) == 1
    assert list(dialog.plot.listDataItems()[0].xData) == [1, 2]
    assert window.state.status is Status.NO_RUN and window.actions.train.isEnabled()
    dialog.close()


def test_a_cancelled_sweep_leaves_no_partial_run_and_no_thread(window, qtbot):
    window.state.set_settings("train", {"steps": 100_000})
    window.open_sweep()
    dialog = window.sweep_dialog
    dialog.first.setCurrentText("layers")
    dialog.first_values.setText("1, 2, 3")
    dialog.second.setCurrentIndex(0)
    dialog.start.click()
    qtbot.waitUntil(lambda: "step" in dialog.progress.format(), timeout=WAIT_MS)
    with qtbot.waitSignal(window.state.live.sweep_finished, timeout=WAIT_MS) as finished:
        dialog.cancel.click()
    assert finished.args[0].cancelled is True
    assert window.state.compare.records == []  # the unfinished run is not listed as finished
    assert window.compare_view.runs.count() == 0
    assert "Cancelled" in dialog.message.text()
    assert window.state.status is Status.NO_RUN and dialog.start.isEnabled()
    dialog.close()
    # the window fixture closes the app and checks that the worker thread has ended


# lessons ------------------------------------------------------------------------------------


def test_every_lesson_loads_its_experiment_and_opens_its_view(window):
    panel = window.lessons_panel
    assert len(panel.lessons) >= 6
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    for i, lesson in enumerate(panel.lessons):
        panel.picker.setCurrentIndex(i)
        assert len(panel.text.toPlainText()) > 200  # the lesson's text is shown
        buttons = panel.load_buttons()
        assert [b.text() for b in buttons] == [f"Load {p}" for p in lesson.presets]
        buttons[0].click()
        assert window.state.preset == lesson.presets[0]
        assert window.state.experiment == window.state.presets[lesson.presets[0]].experiment
        assert titles[window.tabs.currentIndex()] == lesson.view


# temperature -------------------------------------------------------------------------------


def test_temperature_rescales_every_shown_probability_but_not_the_answer(window, qtbot):
    train_to_end(qtbot, window)
    before = _with_inspection(qtbot, window)
    view = window.predictions_view
    view.input.setText("3 1 4 1 5 9 2 6 5 3")
    with qtbot.waitSignal(window.state.live.typed_answered, timeout=WAIT_MS) as typed:
        view.button.click()
    cold = typed.args[0].prediction
    shown = view.result.toPlainText()
    view.temperature.setValue(4.0)  # applied where shown: no round trip to the worker
    assert window.state.temperature == 4.0
    assert view.result.toPlainText() != shown  # the typed answer's probabilities follow
    assert max(cold.probs(4.0)) < max(cold.probs(1.0))
    after = window.state.run.inspection
    assert after is before  # the same answers, only shown at another temperature
    view.refresh()
    assert "temperature 4" in view.examples.toPlainText()
    assert sum(map(sum, (e.greedy_probs(4.0) for e in after.examples))) < sum(
        map(sum, (e.greedy_probs(1.0) for e in after.examples))
    )
