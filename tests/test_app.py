"""The explorer, driven as a user would, headless (pytest-qt)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from explorer.app import create_app
from explorer.core.status import Status
from tests.app_helpers import (
    WAIT_MS,
    answer_with,
    no_steps_for,
    step_to,
    train_to_end,
    wait_for,
)
from tinyformer.training.runfile import load_run

# the settings panel -----------------------------------------------------------------------


def test_widgets_write_the_settings(window, qtbot):
    panel, state = window.settings_panel, window.state
    panel.widgets[("model", "n_layers")].setValue(3)
    panel.widgets[("train", "lr")].setValue(0.002)
    panel.widgets[("model", "causal")].setChecked(False)
    arch = panel.widgets[("model", "arch")]
    arch.setCurrentIndex(arch.findData("decoder-only"))
    arch.activated.emit(arch.currentIndex())
    assert state.settings["model"]["n_layers"] == 3
    assert state.settings["train"]["lr"] == pytest.approx(0.002)
    assert state.settings["model"]["causal"] is False
    assert state.experiment.model.arch == "decoder-only"
    assert panel.causal_warning.isVisibleTo(panel)
    assert "can see the answer" in panel.causal_warning.text()


def test_choosing_a_preset_fills_every_widget(window):
    panel, state = window.settings_panel, window.state
    i = panel.preset.findData("induction-2-layers")
    panel.preset.setCurrentIndex(i)
    panel.preset.activated.emit(i)
    assert state.experiment == state.presets["induction-2-layers"].experiment
    assert panel.widgets[("model", "arch")].currentData() == "decoder-only"
    assert panel.widgets[("task", "name")].currentData() == "induction"
    assert panel.widgets[("train", "steps")].value() == 500
    assert "induction head" in panel.description.text()


def test_heads_that_do_not_divide_the_hidden_size_cannot_be_chosen(window):
    panel, state = window.settings_panel, window.state
    heads = panel.heads
    panel.widgets[("model", "d_model")].setValue(30)
    offered = [heads.itemData(i) for i in range(heads.count())]
    assert offered == [1, 2, 3, 5, 6, 10, 15, 30]
    assert state.settings["model"]["n_heads"] == 2  # 2 still divides 30: kept
    heads.setCurrentIndex(heads.findData(6))
    heads.activated.emit(heads.currentIndex())
    panel.widgets[("model", "d_model")].setValue(32)  # 6 does not divide 32
    assert state.settings["model"]["n_heads"] == 4
    assert "Heads set to 4" in panel.heads_note.text()
    assert state.experiment is not None


def test_impossible_combinations_are_flagged_and_train_is_disabled(window):
    state = window.state
    state.set_setting("task", "name", "induction")  # induction needs decoder-only
    assert state.experiment is None
    assert window.settings_panel.banner.isVisibleTo(window.settings_panel)
    assert "works with decoder-only" in window.settings_panel.banner.text()
    assert not window.actions.train.isEnabled() and not window.actions.step.isEnabled()
    assert "works with decoder-only" in window.actions.train.toolTip()
    state.set_setting("model", "arch", "decoder-only")
    assert state.experiment is not None and window.actions.train.isEnabled()


def test_custom_text_errors_name_the_line(window, qtbot):
    panel, state = window.settings_panel, window.state
    state.set_setting("task", "name", "custom")
    panel.custom.setPlainText("1 2 -> 2 1\n3 -> -> 4")
    qtbot.waitUntil(lambda: "line 2" in state.error, timeout=3000)
    assert "line 2: use -> once" in panel.banner.text()


# training ---------------------------------------------------------------------------------


def test_train_runs_to_the_end_and_the_loss_view_has_every_point(window, qtbot):
    train_to_end(qtbot, window)
    run = window.state.run
    assert run.step == 30
    window.loss_view.refresh()
    assert window.loss_view.points() == 30
    x, y = window.loss_view.loss.getData()
    assert list(x) == list(range(1, 31)) and np.all(np.isfinite(y))
    assert window.progress.value() == 30
    assert not window.actions.train.isEnabled()  # finished
    assert "raise Steps" in window.actions.train.toolTip()


def test_pause_takes_effect_within_a_chunk(window, qtbot):
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.step >= 20, timeout=WAIT_MS
    )
    assert window.actions.train.text() == "Pause"
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.READY, timeout=2000)
    paused_at = window.session.worker.trainer.step_count
    assert window.state.run.step <= paused_at
    qtbot.waitUntil(lambda: window.state.run.step == paused_at, timeout=2000)
    assert no_steps_for(qtbot, window) == paused_at  # nothing more may arrive
    assert window.state.run.step == paused_at < 100_000
    assert window.actions.train.text() == "Train"


def test_step_makes_exactly_one_update(window, qtbot):
    window.actions.step.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.step == 1, timeout=WAIT_MS
    )
    wait_for(qtbot, window, Status.READY)
    window.actions.step.trigger()
    qtbot.waitUntil(lambda: window.state.run.step == 2, timeout=WAIT_MS)
    wait_for(qtbot, window, Status.READY)
    window.actions.step_n_box.setValue(5)
    window.actions.step_n.trigger()
    qtbot.waitUntil(lambda: window.state.run.step == 7, timeout=WAIT_MS)
    wait_for(qtbot, window, Status.READY)
    assert no_steps_for(qtbot, window, 200) == 7  # and not one step more
    assert len(window.state.run.history.steps["loss"]) == 7


def test_keyboard_space_trains_and_right_arrow_steps(window, qtbot):
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Right)
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.step == 1, timeout=WAIT_MS
    )
    wait_for(qtbot, window, Status.READY)
    qtbot.keyClick(window.tabs, Qt.Key.Key_Space)
    wait_for(qtbot, window, Status.FINISHED)


def test_reset_starts_again_and_fades_the_old_curve(window, qtbot):
    train_to_end(qtbot, window)
    old = window.state.run
    window.actions.reset.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run is not old, timeout=WAIT_MS
    )
    wait_for(qtbot, window, Status.READY)
    assert window.state.run.step == 0
    assert window.state.live.earlier == [old.history]
    window.loss_view.refresh()
    assert len(window.loss_view.faded) == 1 and window.loss_view.points() == 0
    window.actions.step.trigger()
    qtbot.waitUntil(lambda: window.state.run.step == 1, timeout=WAIT_MS)


def test_stop_ends_the_run_where_it_is(window, qtbot):
    window.actions.step_n_box.setValue(6)
    window.actions.step_n.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.step == 6, timeout=WAIT_MS
    )
    wait_for(qtbot, window, Status.READY)
    window.actions.stop.trigger()
    wait_for(qtbot, window, Status.FINISHED)
    assert window.state.run.last_eval.step == 6
    # the worker's run is the one the window shows: it ends at 6 of 6, not 6 of 30
    window.status_redraw.now()
    assert window.status_labels["step"].text() == "step 6/6"
    assert (window.progress.value(), window.progress.maximum()) == (6, 6)
    assert window.state.run.experiment.train.steps == 6
    assert window.state.settings["train"]["steps"] == 6


def test_raising_steps_after_the_end_trains_on_without_discarding(window, qtbot):
    train_to_end(qtbot, window)
    run = window.state.run
    window.settings_panel.widgets[("train", "steps")].setValue(40)
    assert window.state.run is run and window.answers["asked"] == []
    wait_for(qtbot, window, Status.READY)  # once the worker has the run's new length
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.FINISHED)
    assert window.state.run.step == 40


def test_changing_the_model_asks_before_discarding_the_run(window, qtbot):
    window.actions.step_n_box.setValue(5)
    window.actions.step_n.trigger()  # an unsaved, unfinished run: work that would be lost
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 5)
    wait_for(qtbot, window, Status.READY)
    run = window.state.run
    window.answers["confirm"] = False
    window.settings_panel.widgets[("model", "n_layers")].setValue(2)
    assert window.answers["asked"] == ["Discard the run?"]
    assert window.state.settings["model"]["n_layers"] == 1  # nothing changed meanwhile
    assert window.settings_panel.widgets[("model", "n_layers")].value() == 1
    assert window.state.run is run
    window.answers["confirm"] = True
    window.settings_panel.widgets[("model", "n_layers")].setValue(2)
    assert window.state.run is None and window.state.status is Status.NO_RUN


# the views --------------------------------------------------------------------------------


def test_attention_grid_shows_layers_by_heads_with_token_labels(window, qtbot):
    window.state.set_settings("model", {"n_layers": 2})
    window.actions.step.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.inspection is not None,
        timeout=WAIT_MS,
    )
    window.tabs.setCurrentWidget(window.attention_tab)  # showing it draws it
    grid = window.attention_view
    assert grid.kind_box.count() > 0
    kinds = [grid.kind_box.itemData(i) for i in range(grid.kind_box.count())]
    assert kinds == ["encoder", "decoder", "cross"]
    grid.kind_box.setCurrentIndex(kinds.index("cross"))
    images = grid.images()
    assert [(layer, head) for layer, head, _ in images] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    probe = window.session.worker.trainer.probe
    tokens = window.state.run.inspection.attention
    for _, _, img in images:
        assert img.shape == (10, 10)  # decoder positions x source positions
        assert np.allclose(img.sum(axis=1), 1.0, atol=1e-5)
    vocab = window.session.worker.trainer.task.vocab
    assert tokens.keys["cross"] == vocab.decode(probe.source)
    assert tokens.queries["cross"][0] == "<bos>"
    assert grid.column_labels() == vocab.decode(probe.source)
    grid.layer_box.setCurrentIndex(grid.layer_box.findData(1))
    assert [(layer, head) for layer, head, _ in grid.images()] == [(1, 0), (1, 1)]

    # hovering over a cell reads out its query, key and weight
    QApplication.processEvents()  # the layout settles (the first-run hint has gone)
    heatmap = grid.maps[1]
    layer, head = heatmap.layer, heatmap.head
    q, k = 3, 5
    qtbot.mouseMove(heatmap, heatmap.cell_centre(q, k))
    text = grid.hover.text()
    assert f"layer {layer + 1}, head {head + 1}" in text
    assert f"query {q + 1} '{tokens.queries['cross'][q]}'" in text
    assert f"key {k + 1} '{tokens.keys['cross'][k]}'" in text
    assert f"weight {heatmap.weights[q, k]:.3f}" in text


def test_predictions_appear_and_typed_input_is_answered(window, qtbot):
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.predictions_view)
    view = window.predictions_view
    qtbot.waitUntil(lambda: "Example 1" in view.examples.toPlainText(), timeout=WAIT_MS)
    text = view.examples.toPlainText()
    assert "teacher-forced" in text and "greedy" in text and "Step 30" in view.header.text()
    view.input.setText("3 1 4 1 5 9 2 6 5 3")
    with qtbot.waitSignal(window.state.live.typed_answered, timeout=WAIT_MS):
        view.button.click()
    assert "expected" in view.result.toPlainText()
    assert len(view.attention.images()) > 0
    # a typo is said where it was typed: no dialog, and the last answer does not linger
    view.input.setText("3 1 99")
    with (
        qtbot.assertNotEmitted(window.state.live.errored),
        qtbot.waitSignal(window.state.live.input_refused, timeout=WAIT_MS),
    ):
        view.button.click()
    shown = view.result.toPlainText()
    assert "3 1 99" in shown and "unknown token '99'" in shown and "expected" not in shown
    assert view.attention.images() == [] and window._error_box is None


def test_a_typed_answer_follows_the_run_and_says_its_step(window, qtbot):
    step_to(qtbot, window, 5)
    window.tabs.setCurrentWidget(window.predictions_view)
    view = window.predictions_view
    view.input.setText("3 1 4 1 5 9 2 6 5 3")
    with qtbot.waitSignal(window.state.live.typed_answered, timeout=WAIT_MS):
        view.button.click()
    assert view._typed.step == 5 and "(step 5)" in view.result.toPlainText()
    view.input.setText("1 2")  # being edited: the answer follows what was asked, not this
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.FINISHED)
    qtbot.waitUntil(lambda: view._typed.step == 30, timeout=WAIT_MS)
    assert view._typed.text == "3 1 4 1 5 9 2 6 5 3"
    assert "(step 30)" in view.result.toPlainText()


def test_a_typed_answer_gets_room_for_its_attention_unless_the_split_was_set(window, qtbot):
    window.resize(1600, 1000)
    train_to_end(qtbot, window)
    window.tabs.setCurrentWidget(window.predictions_view)
    view = window.predictions_view
    before = view.split.sizes()
    assert before[1] < 0.5 * sum(before)  # the examples have the larger share at first
    view.input.setText("3 1 4 1 5 9 2 6 5 3")
    with qtbot.waitSignal(window.state.live.typed_answered, timeout=WAIT_MS):
        view.button.click()
    upper, lower = view.split.sizes()
    assert lower >= 0.59 * (upper + lower), (upper, lower)
    handle = view.split.handle(1)  # dragged up by hand: the user's split stays
    centre = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(handle, centre + QPoint(0, -80))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=centre + QPoint(0, -80))
    chosen = view.split.sizes()
    assert chosen != [upper, lower]
    with qtbot.waitSignal(window.state.live.typed_answered, timeout=WAIT_MS):
        view.button.click()
    assert view.split.sizes() == chosen


def _close_error_box(qtbot, window) -> QMessageBox:
    qtbot.waitUntil(
        lambda: window._error_box is not None and window._error_box.isVisible(), timeout=WAIT_MS
    )
    box = window._error_box
    box.close()
    return box


def test_a_worker_error_shows_a_dialog_and_the_app_survives(window, qtbot, monkeypatch):
    window.actions.step.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.step == 1, timeout=WAIT_MS
    )
    wait_for(qtbot, window, Status.READY)
    trainer = window.session.worker.trainer

    def broken():
        raise RuntimeError("the loss became nan at step 2; lower the learning rate")

    with monkeypatch.context() as patch:
        patch.setattr(trainer, "advance", broken)
        window.actions.train.trigger()
        box = _close_error_box(qtbot, window)
        assert "lower the learning rate" in box.text()
        wait_for(qtbot, window, Status.READY)
    window.actions.step.trigger()
    qtbot.waitUntil(lambda: window.state.run.step == 2, timeout=WAIT_MS)


# files and closing ------------------------------------------------------------------------


def test_save_open_and_export(window, qtbot, tmp_path, monkeypatch):
    train_to_end(qtbot, window)
    path = tmp_path / "run.tfrun"
    answers = iter([str(path), str(tmp_path / "loss.csv"), str(tmp_path / "view.png")])
    monkeypatch.setattr(window.files, "ask_path", lambda *a, **k: next(answers))
    with qtbot.waitSignal(window.state.live.saved, timeout=WAIT_MS):
        window.actions.save.trigger()  # File → Save run…
    assert load_run(path).step_count == 30 and not window.state.run.unsaved
    window.state.load_preset("reverse")  # different settings, then open the saved run
    window.open_run(str(path))
    wait_for(qtbot, window, Status.FINISHED)
    assert window.state.settings["task"]["name"] == "copy" and window.state.run.step == 30
    window.loss_view.refresh()
    assert window.loss_view.points() == 30
    window.actions.csv.trigger()  # File → Export loss as CSV…
    with open(tmp_path / "loss.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 and rows[9]["eval_exact_match"] != ""
    assert "eval_loss" in rows[0]  # the held-out loss beside the training loss
    window.tabs.setCurrentWidget(window.loss_view)
    window.actions.view_png.trigger()  # File → Export view…
    assert (tmp_path / "view.png").stat().st_size > 1000


def test_a_broken_run_file_gives_an_error_and_changes_nothing(window, qtbot, tmp_path):
    train_to_end(qtbot, window)
    run = window.state.run
    bad = tmp_path / "bad.tfrun"
    bad.write_text("not a run")
    window.open_run(str(bad))
    box = _close_error_box(qtbot, window)
    assert "not a readable tinyformer run" in box.text()
    assert window.state.run is run and window.state.status is Status.FINISHED


def test_closing_while_training_stops_the_thread(window, qtbot):
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(
        lambda: window.state.run is not None and window.state.run.step > 3, timeout=WAIT_MS
    )
    window.close()  # the question comes once training has paused; "discard" closes
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert window.answers["asked"] == ["Unsaved run"]
    assert not window.session.thread.isRunning()


def test_closing_with_an_unsaved_run_can_be_cancelled(window, qtbot):
    train_to_end(qtbot, window)
    window.answers["save"] = "cancel"
    assert not window.close()
    assert window.session.thread.isRunning()
    window.answers["save"] = "discard"


def test_last_settings_are_remembered(qtbot, monkeypatch):
    answer_with(monkeypatch, lambda question: "discard")
    _, first = create_app()
    qtbot.addWidget(first)
    first.state.load_preset("sort")
    first.state.set_setting("model", "n_layers", 3)
    first.close()
    _, second = create_app()
    qtbot.addWidget(second)
    assert second.state.settings["task"]["name"] == "sort"
    assert second.state.settings["model"]["n_layers"] == 3
    second.close()


def test_a_run_given_on_the_command_line_is_opened(qtbot, tmp_path, monkeypatch):
    from tinyformer.presets import get_preset
    from tinyformer.training.runfile import save_run
    from tinyformer.training.trainer import Trainer

    answer_with(monkeypatch, lambda question: "discard")
    exp = get_preset("copy").experiment.replace(
        model={"d_model": 16, "n_heads": 2}, train={"steps": 5, "eval_size": 8}
    )
    trainer = Trainer(exp, device="cpu")
    list(trainer.run())
    path = save_run(trainer, tmp_path / "given.tfrun")
    _, win = create_app(str(path))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.state.status is Status.FINISHED, timeout=WAIT_MS)
    assert win.state.run.step == 5 and win.state.settings["model"]["d_model"] == 16
    win.close()


def test_an_older_run_file_opens_with_its_note_in_the_status_bar(window, qtbot, tmp_path):
    train_to_end(qtbot, window)
    path = tmp_path / "run.tfrun"
    with qtbot.waitSignal(window.state.live.saved, timeout=WAIT_MS):
        window.state.live.save(str(path))
    state = torch.load(path, weights_only=True)
    del state["checksum"], state["history"]["fourier"]
    state["version"] = 2
    old = tmp_path / "old.tfrun"
    torch.save(state, old)
    window.state.reset()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 0,
                    timeout=WAIT_MS)  # fmt: skip
    window.open_run(str(old))
    wait_for(qtbot, window, Status.FINISHED)
    assert "format 2 has no checksum" in window.statusBar().currentMessage()
