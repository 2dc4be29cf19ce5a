"""The app's own state under bad input: damaged files and settings, exclusive training,
saving that never surprises, and no random state touched outside the run that owns it."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import QByteArray, QSettings

from explorer.app import create_app
from explorer.core.status import Status
from tests.app_helpers import WAIT_MS, answer_with, train_to_end, wait_for
from tinyformer.presets import get_preset
from tinyformer.training.runfile import run_state
from tinyformer.training.trainer import Trainer


def _close_error_box(qtbot, window):
    qtbot.waitUntil(
        lambda: window._error_box is not None and window._error_box.isVisible(), timeout=WAIT_MS
    )
    box = window._error_box
    box.close()
    return box


def test_a_run_with_a_wrong_optimizer_shape_is_refused_and_the_app_lives(window, qtbot, tmp_path):
    exp = get_preset("copy").experiment.replace(
        model={"d_model": 16, "n_heads": 2}, train={"steps": 5, "eval_size": 8}
    )
    trainer = Trainer(exp, device="cpu")
    list(trainer.run())
    state = run_state(trainer)
    state["optimizer"]["state"][3]["exp_avg_sq"] = torch.zeros(1)
    path = tmp_path / "bad-moments.tfrun"
    torch.save(state, path)
    train_to_end(qtbot, window)
    run = window.state.run
    window.open_run(str(path))
    box = _close_error_box(qtbot, window)
    assert box.windowTitle() == "Could not open the run"
    assert "exp_avg_sq" in box.text() and "bad-moments.tfrun" in box.text()
    assert window.state.run is run and window.state.status is Status.FINISHED
    window.state.set_setting("train", "steps", 40)  # the run still trains
    wait_for(qtbot, window, Status.READY)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.FINISHED)
    assert window.state.run.step == 40


def test_a_failed_save_on_quit_keeps_the_next_quit_asking(window, qtbot, tmp_path, monkeypatch):
    window.actions.step_n_box.setValue(4)
    window.actions.step_n.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 4)
    wait_for(qtbot, window, Status.READY)
    asked = answer_with(monkeypatch, lambda question: "save")
    target = tmp_path / "a-file"
    target.write_text("x")
    monkeypatch.setattr(window.files, "ask_path", lambda *a, **k: str(target / "run.tfrun"))
    assert not window.close()  # waits for the save, which fails: target is a file
    _close_error_box(qtbot, window)
    assert window.isVisible() and len(asked) == 1
    again = answer_with(monkeypatch, lambda question: "cancel")
    assert not window.close()
    assert len(again) == 1  # asked again: the run is still not saved


def test_corrupt_settings_do_not_stop_the_app(qtbot):
    store = QSettings()
    store.setValue("window_state", "zzz")
    store.setValue("geometry", "hello")
    store.setValue("settings", '{"model": {"d_model": 100000}, "task": {}, "train": {}}')
    store.sync()
    _, win = create_app()
    qtbot.addWidget(win)
    assert win.isVisible()
    assert win.state.preset == "copy" and win.state.experiment is not None
    assert win.state.settings["model"]["d_model"] != 100000
    assert "not restored" in win.statusBar().currentMessage()
    store = QSettings()
    assert store.value("settings") is None or "100000" not in store.value("settings")
    win.close()


def test_a_damaged_layout_entry_is_dropped_with_a_message(qtbot):
    store = QSettings()
    store.setValue("geometry", QByteArray(b"not a geometry"))
    store.sync()
    _, win = create_app()
    qtbot.addWidget(win)
    assert win.width() > 600
    win.close()


def test_a_layout_from_another_screen_is_dropped_without_alarm(qtbot):
    # Qt refuses a geometry it cannot place (saved on a larger screen, or by a newer Qt):
    # the window opens at a size that fits, and no message calls the settings damaged.
    store = QSettings()
    store.setValue("geometry", QByteArray(bytes.fromhex("01d9d0cb") + b"\x00\x63" + bytes(40)))
    store.sync()
    _, win = create_app()
    qtbot.addWidget(win)
    free = win.screen().availableGeometry()
    smallest = win.minimumSizeHint()  # the window never gets smaller than this
    assert win.width() <= max(free.width(), smallest.width())
    assert win.height() <= max(free.height(), smallest.height())
    assert "could not be read" not in win.statusBar().currentMessage()
    win.close()


def test_a_sweep_started_while_training_leaves_the_toolbar_truthful(window, qtbot):
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step > 5)
    window.open_sweep()
    dialog = window.sweep_dialog
    dialog.first.setCurrentText("layers")
    dialog.first_values.setText("1")
    dialog.second.setCurrentIndex(0)
    with qtbot.waitSignal(window.state.live.sweep_finished, timeout=WAIT_MS):
        dialog.start.click()
        assert window.state.status is Status.SWEEPING
        assert not window.actions.train.isEnabled() and not window.actions.open.isEnabled()
        with qtbot.waitSignal(window.state.live.sweep_progressed, timeout=WAIT_MS):
            pass  # the sweep's first run is under way
        dialog.cancel.click()
    assert window.state.status is Status.READY  # the run waits, paused: not "training"
    assert window.actions.train.isEnabled() and window.actions.step.isEnabled()
    assert window.actions.save.isEnabled() and window.actions.reset.isEnabled()
    step = window.state.run.step
    window.actions.step.trigger()
    qtbot.waitUntil(lambda: window.state.run.step == step + 1, timeout=WAIT_MS)
    dialog.close()


def test_pressing_space_twice_quickly_resumes(window, qtbot):
    window.state.set_setting("train", "steps", 100_000)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.TRAINING)
    window.actions.train.trigger()  # pause...
    assert window.state.status is Status.PAUSING
    window.actions.train.trigger()  # ...and at once train again
    assert window.state.status is Status.TRAINING
    step = window.state.run.step
    qtbot.waitUntil(lambda: window.state.run.step > step + 5, timeout=WAIT_MS)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.READY)


def test_dropout_runs_stay_reproducible_after_a_failed_open(window, qtbot, tmp_path):
    window.state.set_settings("model", {"dropout": 0.2})
    train_to_end(qtbot, window)
    first = window.state.run.history.steps["loss"].arrays()[1].copy()
    before = torch.get_rng_state()
    bad = tmp_path / "bad.tfrun"
    bad.write_text("not a run")
    window.open_run(str(bad))
    _close_error_box(qtbot, window)
    assert torch.equal(torch.get_rng_state(), before)  # nothing touched the global state
    window.actions.reset.trigger()
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 0)
    wait_for(qtbot, window, Status.READY)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.FINISHED)
    again = window.state.run.history.steps["loss"].arrays()[1]
    assert np.array_equal(first, again)
