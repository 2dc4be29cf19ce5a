"""Nothing the user types is lost, and a question comes only when work would be lost.

Keys are sent as key events to the focused widget (pytest-qt), the way a person types:
through Qt's shortcut machinery, where a spin box would otherwise keep Space and →.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QToolBar

from explorer.app import create_app
from explorer.core.status import Status
from tests.app_helpers import WAIT_MS, answer_with, no_steps_for, train_to_end, wait_for


def _type_into(qtbot, box, text: str) -> None:
    """Click into a number box, select what is there, type `text`, press Enter."""
    box.setFocus()
    box.selectAll()
    for ch in text:
        qtbot.keyClick(box, ch)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_space_and_right_arrow_work_from_a_focused_spin_box(window, qtbot):
    box = window.settings_panel.widgets[("model", "n_layers")]
    box.setFocus()
    assert window.focusWidget() in (box, box.lineEdit())
    qtbot.keyClick(box, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 1)
    wait_for(qtbot, window, Status.READY)
    assert box.value() == 1  # the arrow stepped the model, not the box
    qtbot.keyClick(box, Qt.Key.Key_Space)
    wait_for(qtbot, window, Status.FINISHED)
    assert window.state.run.step == 30


def test_free_text_boxes_keep_their_keys(window, qtbot):
    pattern = window.settings_panel.pattern
    window.state.set_setting("task", "name", "pattern")
    window.state.set_setting("model", "arch", "encoder-decoder")
    pattern.setFocus()
    pattern.selectAll()
    qtbot.keyClicks(pattern, "1 0")
    qtbot.keyClick(pattern, Qt.Key.Key_Space)
    assert pattern.text() == "1 0 "
    assert window.state.run is None  # Space typed a space; it did not train


def test_typing_300_into_steps_after_a_run_ends_trains_on_with_no_dialog(window, qtbot):
    train_to_end(qtbot, window)
    run = window.state.run
    _type_into(qtbot, window.settings_panel.widgets[("train", "steps")], "300")
    assert window.answers["asked"] == []
    assert window.state.settings["train"]["steps"] == 300
    qtbot.waitUntil(lambda: run.experiment.train.steps == 300, timeout=WAIT_MS)
    assert window.state.run is run and window.state.status is Status.READY
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.FINISHED)
    assert window.state.run.step == 300


def test_typing_30_into_hidden_size_does_not_touch_heads_on_the_way(window, qtbot):
    window.state.set_settings("model", {"d_model": 16, "n_heads": 4})
    seen = []
    window.state.form.settings_changed.connect(lambda s: seen.append(dict(s["model"])))
    _type_into(qtbot, window.settings_panel.widgets[("model", "d_model")], "30")
    assert [(m["d_model"], m["n_heads"]) for m in seen] == [(30, 3)]  # one edit, at the end
    assert "Heads set to 3" in window.settings_panel.heads_note.text()


def test_a_lesson_after_a_finished_run_kept_in_compare_asks_nothing(window, qtbot):
    train_to_end(qtbot, window)
    assert window.state.compare.records and window.state.run.kept_step == window.state.run.step
    buttons = window.lessons_panel.load_buttons()
    buttons[0].click()
    assert window.answers["asked"] == []
    assert window.state.preset == window.lessons_panel.lesson().presets[0]
    assert window.state.run is None


def test_a_cancelled_question_leaves_form_views_and_run_as_they_were(window, qtbot, monkeypatch):
    window.actions.step_n_box.setValue(7)
    window.actions.step_n.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 7)
    wait_for(qtbot, window, Status.READY)
    run, settings = window.state.run, window.state.settings
    window.tabs.setCurrentWidget(window.data_view)
    qtbot.waitUntil(lambda: window.data_view.tables != [], timeout=WAIT_MS)
    tables = window.data_view.tables
    seen = {}

    def refuse(question):
        # what the user sees behind the question: nothing has changed yet
        seen["task"] = window.state.settings["task"]["name"]
        seen["combo"] = window.settings_panel.preset.currentData()
        seen["tables"] = window.data_view.tables
        return "cancel"

    answer_with(monkeypatch, refuse)
    lessons = window.lessons_panel.lessons
    other = next(i for i, x in enumerate(lessons) if x.presets[0].startswith("induction"))
    window.lessons_panel.picker.setCurrentIndex(other)  # a lesson on another task
    window.lessons_panel.load_buttons()[0].click()
    assert seen == {"task": "copy", "combo": "copy", "tables": tables}
    assert window.state.run is run and window.state.settings == settings
    assert window.settings_panel.preset.currentData() == "copy"
    assert window.tabs.currentWidget() is window.data_view  # the lesson's view did not open
    assert window.data_view.tables is tables


def test_training_waits_while_a_question_is_open_and_goes_on_if_cancelled(window, qtbot):
    """The question is held open (answered later, as a person does): no step meanwhile,
    and Space pressed meanwhile does nothing."""
    from explorer.views import dialogs

    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step > 5)
    held = []
    dialogs_ask = dialogs.ask
    dialogs.ask = lambda parent, question, on_answer: held.append(on_answer)
    try:
        window.close()
        qtbot.waitUntil(lambda: held != [], timeout=WAIT_MS)  # asked once paused
    finally:
        dialogs.ask = dialogs_ask
    assert window.state.status is Status.READY and window.isVisible()
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Space)  # goes nowhere while the question is open
    assert window.state.status is Status.READY
    step = no_steps_for(qtbot, window)
    held[0]("cancel")
    wait_for(qtbot, window, Status.TRAINING)  # cancelled: it trains on
    qtbot.waitUntil(lambda: window.state.run.step > step, timeout=WAIT_MS)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.READY)


def test_preset_label_and_window_title_tell_the_truth(window, qtbot, tmp_path):
    panel = window.settings_panel
    assert "(modified)" in panel.preset_label.text()  # the fixture shrank copy
    window.state.load_preset("reverse")
    assert panel.preset_label.text().startswith("<b>reverse</b>:")
    window.state.set_setting("model", "n_layers", 3)
    assert "reverse" in panel.preset_label.text() and "(modified)" in panel.preset_label.text()
    assert window.windowTitle().startswith("new run")
    window.state.load_preset("copy")
    window.state.set_settings("model", {"d_model": 16, "n_heads": 2, "d_ff": 32})
    window.state.set_settings("train", {"steps": 10, "eval_size": 16})
    train_to_end(qtbot, window)
    assert window.isWindowModified()
    with qtbot.waitSignal(window.state.live.saved, timeout=WAIT_MS):
        window.state.live.save(str(tmp_path / "mine.tfrun"))
    assert window.windowTitle().startswith("mine.tfrun") and not window.isWindowModified()


def test_settings_are_written_soon_after_a_change_not_only_on_close(window, qtbot):
    window.state.set_setting("model", "n_layers", 3)
    assert window.storage.timer.isActive()  # debounced: written half a second later
    qtbot.waitUntil(lambda: not window.storage.timer.isActive(), timeout=WAIT_MS)
    other = QSettings()
    assert '"n_layers": 3' in other.value("settings")


def test_a_restart_restores_another_presets_settings_under_its_name(qtbot):
    _, first = create_app()
    qtbot.addWidget(first)
    first.state.load_preset("sort")
    first.close()
    _, second = create_app()
    qtbot.addWidget(second)
    assert second.state.preset == "sort" and not second.state.preset_modified
    assert second.settings_panel.preset_label.text().startswith("<b>sort</b>:")
    second.close()


def test_stop_reset_and_step_n_have_keys_shown_in_the_menus(window):
    keys = {"stop": "Ctrl+.", "reset": "Ctrl+R", "step_n": "Shift+Right"}
    for name, key in keys.items():
        act = getattr(window.actions, name)
        assert act.shortcut().toString() == key
        assert act.shortcut().toString(act.shortcut().SequenceFormat.NativeText) in act.toolTip()


def test_focus_returns_to_the_main_area_after_a_question(window, qtbot):
    window.actions.step_n_box.setValue(3)
    window.actions.step_n.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 3)
    wait_for(qtbot, window, Status.READY)
    box = window.settings_panel.widgets[("model", "n_layers")]
    box.setFocus()
    window.answers["confirm"] = False
    box.setValue(2)
    assert window.answers["asked"] == ["Discard the run?"]
    assert window.tabs.hasFocus()


def test_space_on_a_finished_run_leaves_a_focused_number_alone(window, qtbot):
    box = window.settings_panel.widgets[("model", "d_model")]
    train_to_end(qtbot, window)
    assert not window.actions.train.isEnabled()
    box.setFocus()
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Space)  # Train is disabled: the key does nothing
    assert box.lineEdit().text() == "16" and box.value() == 16
    qtbot.keyClick(box, "2")  # other keys still type
    assert box.lineEdit().text() == "2"


def test_the_heads_note_lasts_until_the_next_edit(window, qtbot):
    window.state.set_settings("model", {"d_model": 16, "n_heads": 4})
    _type_into(qtbot, window.settings_panel.widgets[("model", "d_model")], "30")
    note = window.settings_panel.heads_note
    assert not note.isHidden() and "Heads set to 3" in note.text()
    window.state.load_preset("article")
    assert note.isHidden()


def test_lowering_steps_below_the_run_says_a_new_run_starts(window, qtbot):
    train_to_end(qtbot, window)  # 30 steps, kept in Compare
    _type_into(qtbot, window.settings_panel.widgets[("train", "steps")], "20")
    assert window.state.run is None
    said = window.statusBar().currentMessage()
    assert "Steps (20) is below the run's step (30)" in said and "kept in Compare" in said


def test_save_first_saves_then_goes_on(window, qtbot, tmp_path, monkeypatch):
    window.actions.step_n_box.setValue(5)
    window.actions.step_n.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 5)
    wait_for(qtbot, window, Status.READY)
    asked = answer_with(monkeypatch, lambda question: "save")
    target = tmp_path / "kept.tfrun"
    monkeypatch.setattr(window.files, "ask_path", lambda *a, **k: str(target))
    with qtbot.waitSignal(window.state.live.saved, timeout=WAIT_MS):
        window.state.load_preset("article")
    assert [q.text for q in asked] == [
        "Changing 10 settings discards the unsaved run (copy (modified), step 5)."
    ]
    qtbot.waitUntil(lambda: window.state.preset == "article", timeout=WAIT_MS)
    assert target.is_file() and window.state.run is None


def test_the_quit_question_names_the_step_training_paused_at(window, qtbot, monkeypatch):
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step > 5)
    asked = []

    def answer(question):
        asked.append((question.text, window.state.run.step, window.state.status))
        return "cancel"

    answer_with(monkeypatch, answer)
    window.close()
    qtbot.waitUntil(lambda: asked != [], timeout=WAIT_MS)
    text, step, status = asked[0]
    assert status is Status.READY and f"step {step})" in text
    assert window.isVisible()
    wait_for(qtbot, window, Status.TRAINING)  # cancelled: it trains on
    window.on_stop()
    wait_for(qtbot, window, Status.FINISHED)


def test_reset_while_training_asks_with_the_run_paused_and_cancel_trains_on(
    window, qtbot, monkeypatch
):
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step > 5)
    assert window.actions.reset.isEnabled()
    run, seen = window.state.run, {}

    def answer(question):
        seen["status"], seen["text"] = window.state.status, question.text
        return "cancel"

    answer_with(monkeypatch, answer)
    box = window.settings_panel.widgets[("model", "d_model")]
    box.setFocus()  # Ctrl+R from a focused number box
    qtbot.keyClick(box, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "text" in seen, timeout=WAIT_MS)
    assert seen["status"] is Status.READY and "step" in seen["text"]  # paused, then asked
    assert window.state.run is run
    wait_for(qtbot, window, Status.TRAINING)  # cancelled: it trains on
    answer_with(monkeypatch, lambda question: "discard")
    window.actions.reset.trigger()  # answered "discard": a fresh run
    qtbot.waitUntil(lambda: window.state.run is not run and window.state.run is not None)
    wait_for(qtbot, window, Status.READY)
    assert window.state.run.step == 0


def test_the_question_names_the_edit_that_would_discard_the_run(window, qtbot, monkeypatch):
    window.actions.step_n_box.setValue(5)
    window.actions.step_n.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 5)
    wait_for(qtbot, window, Status.READY)
    asked = answer_with(monkeypatch, lambda question: "cancel")
    _type_into(qtbot, window.settings_panel.widgets[("model", "d_model")], "32")
    window.settings_panel.widgets[("model", "causal")].click()
    seen = [q.text for q in asked]
    assert seen[0].startswith("Changing Hidden size from 16 to 32 discards the unsaved run")
    assert seen[1].startswith("Changing Causal mask in the decoder from on to off discards")
    assert window.settings_panel.widgets[("model", "d_model")].value() == 16  # cancelled


def test_typed_input_stays_for_the_same_task_and_goes_with_another(window, qtbot):
    train_to_end(qtbot, window)
    view = window.predictions_view
    view.input.setText("3 1 4")
    window.actions.reset.trigger()  # a new run of the same task: the input stays
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 0)
    assert view.input.text() == "3 1 4"
    window.state.load_preset("no-causal-mask")  # another task's tokens (1 0)
    window.actions.step.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 1)
    assert view.input.text() == ""


def test_the_train_button_keeps_its_width_as_pause(window, qtbot):
    button = window.findChild(QToolBar, "trainingToolbar").widgetForAction(window.actions.train)
    width = button.width()
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.TRAINING)
    assert window.actions.train.text() == "Pause"
    assert window.statusBar().currentMessage() == ""  # "press Train" is done with
    qtbot.wait(50)
    assert button.width() == width
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.READY)


def test_right_arrow_steps_the_inside_stages_from_the_tab_bar_of_a_finished_run(window, qtbot):
    train_to_end(qtbot, window)
    with qtbot.waitSignal(window.state.live.inside_read, timeout=WAIT_MS):
        window.tabs.setCurrentWidget(window.inside_view)
    window.focus_main()  # focus on the tab bar, as after a click on a tab or a dialog
    focus = window.focusWidget()
    assert focus is window.tabs.tabBar()
    view = window.inside_view
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    assert window.tabs.currentWidget() is view  # the tab bar did not take the arrow
    assert view.index == 2
    qtbot.keyClick(focus, Qt.Key.Key_Left)
    assert view.index == 1
    window.tabs.setCurrentWidget(window.loss_view)  # elsewhere → is Step again
    assert window.actions.step.shortcut().toString() == "Right"
    assert not window.actions.next_stage.isEnabled()


def test_opening_a_tab_never_puts_the_cursor_in_its_text_box(window, qtbot):
    train_to_end(qtbot, window)
    predictions = window.predictions_view
    window.tabs.setCurrentWidget(predictions)
    predictions.input.setFocus()
    qtbot.keyClicks(predictions.input, "3 1 4")
    window.tabs.setCurrentWidget(window.loss_view)
    window.state.set_setting("train", "steps", 60)  # the run may go on
    qtbot.waitUntil(lambda: window.state.status is Status.READY, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(predictions)  # Qt would give the box its focus back
    focus = window.focusWidget()
    assert focus is not predictions.input
    qtbot.keyClick(focus, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state.run.step > 30, timeout=WAIT_MS)
    assert predictions.input.text() == "3 1 4"


def test_examples_typed_then_another_field_at_once_keep_every_keystroke(window, qtbot):
    panel = window.settings_panel
    window.state.set_setting("task", "name", "custom")
    panel.custom.setFocus()
    qtbot.keyClicks(panel.custom, "1 2 -> 2 1")
    qtbot.keyClick(panel.custom, Qt.Key.Key_Return)
    qtbot.keyClicks(panel.custom, "3 4 -> 4 3")
    _type_into(qtbot, panel.held_out, "0")  # before the typed text has settled
    assert panel.custom.toPlainText() == "1 2 -> 2 1\n3 4 -> 4 3"
    assert window.state.settings["task"]["text"] == "1 2 -> 2 1\n3 4 -> 4 3"
    assert window.state.settings["task"]["held_out"] == 0.0
