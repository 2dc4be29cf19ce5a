"""Eight ways a view once showed what was no longer true, each tried as a user would, with
keys and clicks (a run's state now has one owner: explorer.core.run_model)."""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from explorer.core.status import Status
from explorer.views import dialogs
from tests.app_helpers import WAIT_MS, answer_with, train_to_end, wait_for

REAL_ASK = dialogs.ask  # the real, non-blocking question box (tests replace it by default)


def _type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    for ch in text:
        qtbot.keyClick(box, ch)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def _choose(qtbot, combo, data) -> None:
    """Pick an item of a combo box as a click on it does (its `activated`)."""
    combo.setCurrentIndex(combo.findData(data))
    combo.activated.emit(combo.currentIndex())


# 1. a question that training ran on behind ---------------------------------------------------


def test_ctrl_r_then_space_at_once_leaves_training_paused_behind_the_question(
    window, qtbot, monkeypatch
):
    monkeypatch.setattr(dialogs, "ask", REAL_ASK)
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step > 5)
    window.tabs.setFocus()
    seen = {}

    def space() -> None:  # 20 ms after Ctrl+R, before the pause has taken effect
        focus = QApplication.focusWidget() or window.tabs
        qtbot.keyClick(focus, Qt.Key.Key_Space)
        seen["space"] = window.state.status

    QTimer.singleShot(20, space)
    qtbot.keyClick(window.tabs, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox),
                    timeout=WAIT_MS)  # fmt: skip
    box = QApplication.activeModalWidget()
    assert "is lost" in box.text() and "space" in seen
    assert window.state.status is Status.READY  # paused: the Space went nowhere
    step = window.session.worker.trainer.step_count
    qtbot.keyClick(window.tabs, Qt.Key.Key_Space)  # behind the open question: nowhere
    qtbot.wait(300)
    assert window.session.worker.trainer.step_count == step
    assert f"step {step})" in box.text()  # the question names the step it paused at
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Cancel: it trains on
    wait_for(qtbot, window, Status.TRAINING)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.READY)


# 2. the Inside tab's header over a run that has gone -------------------------------------


def test_the_inside_tab_forgets_a_run_that_has_gone(window, qtbot):
    train_to_end(qtbot, window)  # finished, kept in Compare: it goes without a question
    view = window.inside_view
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "step 30" in view.sentence.text(), timeout=WAIT_MS)
    _type_into(qtbot, window.settings_panel.widgets[("model", "d_model")], "32")
    assert window.state.run is None
    assert "step 30" not in view.sentence.text() and "Train or step" in view.sentence.text()
    assert not any(panel.isVisible() for panel in view.pool)
    _choose(qtbot, window.settings_panel.preset, "reverse")  # another preset, still no run
    assert "a moment" not in view.sentence.text() and "Train or step" in view.sentence.text()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # Step ×N
    qtbot.waitUntil(lambda: "step 10" in view.sentence.text(), timeout=WAIT_MS)


# 3. a question naming the preset the run no longer is --------------------------------------


def test_quit_names_a_custom_run_by_its_task_not_the_preset_it_came_from(
    window, qtbot, monkeypatch
):
    panel = window.settings_panel
    _choose(qtbot, panel.widgets[("task", "name")], "custom")
    panel.custom.setFocus()
    for line in ("1 2 -> 2 1", "3 4 -> 4 3", "5 6 -> 6 5", "7 8 -> 8 7", "1 3 -> 3 1"):
        qtbot.keyClicks(panel.custom, line)
        qtbot.keyClick(panel.custom, Qt.Key.Key_Return)
    _type_into(qtbot, panel.held_out, "0")  # five lines: too few to hold any out
    qtbot.waitUntil(lambda: window.state.experiment is not None
                    and window.state.experiment.task.name == "custom", timeout=WAIT_MS)  # fmt: skip
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Space)
    wait_for(qtbot, window, Status.FINISHED)
    asked = answer_with(monkeypatch, lambda question: "cancel")
    assert not window.close()
    assert len(asked) == 1
    assert "copy" not in asked[0].text and "custom" in asked[0].text, asked[0].text


# 4. Compare listing the same run again and again -------------------------------------------


def test_reset_and_train_again_keeps_one_entry_in_compare(window, qtbot):
    window.tabs.setFocus()
    for _ in range(3):
        qtbot.keyClick(window.tabs, Qt.Key.Key_Space)
        wait_for(qtbot, window, Status.FINISHED)
        qtbot.keyClick(window.tabs, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 0,
                        timeout=WAIT_MS)  # fmt: skip
        wait_for(qtbot, window, Status.READY)
    names = [
        window.compare_view.runs.item(i).text() for i in range(window.compare_view.runs.count())
    ]
    assert names == ["1. copy (modified)"]  # the same settings and seed: the same run
    window.state.set_setting("train", "seed", 1)  # another seed is another run
    qtbot.keyClick(window.tabs, Qt.Key.Key_Space)
    wait_for(qtbot, window, Status.FINISHED)
    assert window.compare_view.runs.count() == 2


# 5. a sweep's bar still training after Cancel ----------------------------------------------


def test_a_cancelled_sweep_says_so_in_its_bar_and_counts_its_runs(window, qtbot):
    window.open_sweep()
    dialog = window.sweep_dialog
    dialog.first.setCurrentText("layers")
    dialog.first_values.setText("1, 2, 3")
    dialog.second.setCurrentIndex(0)
    window.state.set_setting("train", "steps", 2000)
    dialog.start.click()
    qtbot.waitUntil(lambda: "run 2 of 3" in dialog.progress.format(), timeout=60_000)
    with qtbot.waitSignal(window.state.live.sweep_finished, timeout=WAIT_MS):
        dialog.cancel.click()
    bar = dialog.progress.format()
    assert "run 2 of 3" not in bar and "step" not in bar and "1 of 3 runs" in bar
    assert dialog.message.text().startswith("Cancelled after 1 finished run;")
    dialog.close()


# 6. evaluations recorded twice ---------------------------------------------------------------


def test_with_nothing_held_out_each_evaluation_is_recorded_once(window, qtbot):
    window.state.set_settings("task", {"name": "custom", "text": "1 2 -> 2 1\n3 4 -> 4 3"})
    window.state.set_setting("model", "arch", "encoder-decoder")
    _type_into(qtbot, window.settings_panel.held_out, "0")
    assert window.state.settings["task"]["held_out"] == 0.0
    train_to_end(qtbot, window)
    shown = list(window.state.run.history.evals["exact_match"].x)
    trainer = window.session.worker.trainer
    assert shown == list(trainer.history.evals["exact_match"].x) == [10, 20, 30]
    assert len(trainer.history.train_evals["exact_match"]) == 0  # not the same set again
    assert "evaluation" in window.loss_view.legend.text()


# 7. a long examples file read on the GUI thread --------------------------------------------


def _lines(path, n: int) -> None:
    path.write_text("".join(f"{i % 97} {i % 89} {i % 83} -> {i % 83} {i % 89}\n" for i in range(n)))


def test_a_long_examples_file_loads_while_the_window_keeps_answering(window, qtbot, tmp_path):
    path = tmp_path / "many.txt"
    _lines(path, 200_000)
    qtbot.waitUntil(lambda: window.state.live.warm, timeout=WAIT_MS)  # torch loaded
    # As the app does at launch: what exists now is never walked by the collector again.
    # (Here that includes every earlier test's leftovers: one full collection of those
    # took 290 ms once, in the GUI thread, and is not what this test measures.)
    gc.collect()
    gc.freeze()
    clock, gaps = QElapsedTimer(), []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    probe.start()
    started = time.perf_counter()
    window.files.open_examples(str(path))  # returns at once: the worker reads it
    assert time.perf_counter() - started < 0.2
    with qtbot.waitSignal(window.state.jobs.examples_read, timeout=60_000):
        qtbot.waitUntil(lambda: window.files.reading.isVisible(), timeout=WAIT_MS)
    probe.stop()
    assert window.state.settings["task"]["name"] == "custom"
    assert "200,000 examples" in window.statusBar().currentMessage()
    assert not window.files.reading.isVisible()
    gc.unfreeze()
    assert len(gaps) > 20 and max(gaps[1:]) < 250, max(gaps[1:])  # the GUI thread kept running


def test_reading_a_long_file_can_be_cancelled_and_changes_nothing(window, qtbot, tmp_path):
    path = tmp_path / "many.txt"
    _lines(path, 400_000)
    before = window.state.settings
    window.files.open_examples(str(path))
    qtbot.waitUntil(lambda: window.files.reading.isVisible(), timeout=WAIT_MS)
    with qtbot.waitSignal(window.state.jobs.examples_failed, timeout=WAIT_MS) as failed:
        qtbot.mouseClick(window.files.reading.cancel, Qt.MouseButton.LeftButton)
    assert failed.args[0].cancelled
    assert window.state.settings == before and "cancelled" in window.statusBar().currentMessage()


# 8. one name per tensor ----------------------------------------------------------------------


def test_a_clicked_head_is_named_as_its_tensors_are(window, qtbot):
    train_to_end(qtbot, window)
    tab = window.attention_tab
    window.tabs.setCurrentWidget(tab)
    grid = tab.grid
    grid.kind_box.setCurrentIndex(grid.kind_box.findData("cross"))
    heatmap = grid.maps[1]
    qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=heatmap.cell_centre(1, 1))
    assert window.state.ablated == {"decoder.0.cross.1"}  # as in the cache: decoder.0.cross.z
    qtbot.waitUntil(lambda: window.state.run.inspection.ablated == {"decoder.0.cross.1"},
                    timeout=WAIT_MS)  # fmt: skip
    qtbot.waitUntil(lambda: "cross L1H2" in tab.heads_off.text(), timeout=WAIT_MS)
