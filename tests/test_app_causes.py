"""The Causes tab, driven by clicks: patching maps, a corruption made with one click, the
metric's position, a head's circuits, ablation followed, exports."""

from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import Qt

from explorer.core.status import Status
from tests.app_helpers import WAIT_MS, train_to_end, wait_for


def _measured(qtbot, window):
    """The Causes tab shown on a finished run, its first measurement in."""
    train_to_end(qtbot, window)
    view = window.causes_view
    with qtbot.waitSignal(window.state.live.causes_found, timeout=WAIT_MS):
        window.tabs.setCurrentWidget(view)
    return view


def test_the_tab_shows_every_kind_of_head_and_every_stream(window, qtbot):
    view = _measured(qtbot, window)
    r = view.result
    assert set(r.heads) == {"encoder", "decoder", "cross"}
    assert set(r.stream) == {"encoder", "decoder"}
    assert r.heads["cross"].shape == (1, 2) and r.stream["encoder"].shape == (1, 10)
    assert r.corrupt_label == "token 1 changed"  # one click made it: the first token
    assert r.stream["encoder"][0, 0] == 1.0  # that position, patched, restores all of it
    assert np.all(r.stream["encoder"][0, 1:] == 0.0)
    shown = [n for n, p in view.panels.items() if not p.isHidden()]
    assert sorted(shown) == ["heads.cross", "heads.decoder", "heads.encoder", "stream.decoder",
                             "stream.encoder"]  # fmt: skip
    assert "clean and" in view.sentence.text() and "corrupted" in view.sentence.text()
    total = sum(r.attribution.values())  # the parts add up to the clean logit
    assert abs(total) > 0 and len(view.bars.parts) == len(r.attribution)
    assert view.last_draw_ms < 200


def test_one_click_corrupts_another_token_and_another_measures_elsewhere(window, qtbot):
    view = _measured(qtbot, window)
    with qtbot.waitSignal(window.state.live.causes_found, timeout=WAIT_MS) as found:
        qtbot.mouseClick(view.source.buttons[4], Qt.MouseButton.LeftButton)
    r = found.args[0]
    assert r.corrupt_label == "token 5 changed" and r.tokens["encoder"][4] != r.corrupted[
        "encoder"][4]  # fmt: skip
    assert "color:#b42318" in view.source.buttons[4].styleSheet()  # the changed one, in red
    with qtbot.waitSignal(window.state.live.causes_found, timeout=WAIT_MS) as found:
        qtbot.mouseClick(view.output.buttons[7], Qt.MouseButton.LeftButton)
    assert found.args[0].position == 7 and view.output.buttons[7].isChecked()
    with qtbot.waitSignal(window.state.live.causes_found, timeout=WAIT_MS) as found:
        view.other.click()
    assert found.args[0].corrupt_label.startswith("held-out example")


def test_clicking_a_head_shows_its_circuits(window, qtbot):
    view = _measured(qtbot, window)
    panel = view.panels["heads.cross"]
    heatmap = panel.map
    with qtbot.waitSignal(window.state.live.circuits_read, timeout=WAIT_MS) as read:
        qtbot.mouseMove(heatmap, heatmap.cell_centre(0, 1))
        qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=heatmap.cell_centre(0, 1))
    c = read.args[0]
    assert c.head == ("cross", 0, 1) and c.qk.shape == c.ov.shape == (10, 10)
    assert c.tokens == [str(i) for i in range(1, 11)]
    assert "copying score" in view.circuit_panel.caption.text()
    assert view.circuit_panel.qk.map.keys == c.tokens


def test_a_head_switched_off_stays_off_in_every_measurement(window, qtbot):
    view = _measured(qtbot, window)
    with qtbot.waitSignal(window.state.live.causes_found, timeout=WAIT_MS) as found:
        window.state.toggle_head("decoder.0.cross.0")
    assert found.args[0].ablated == {"decoder.0.cross.0"}
    assert "switched off in every run: cross L1H1" in view.sentence.text()
    assert found.args[0].heads["cross"][0, 0] == 0.0  # a head that says nothing restores none


def test_while_training_the_tab_asks_for_a_pause(window, qtbot):
    window.state.set_setting("train", "steps", 100_000)
    window.tabs.setCurrentWidget(window.causes_view)
    window.actions.train.trigger()
    wait_for(qtbot, window, Status.TRAINING)
    assert "Pause training" in window.causes_view.sentence.text()
    with qtbot.waitSignal(window.state.live.causes_found, timeout=WAIT_MS):
        window.actions.train.trigger()  # paused: it measures


def test_every_map_is_exported_as_png_svg_and_csv(window, qtbot, tmp_path, monkeypatch):
    view = _measured(qtbot, window)
    monkeypatch.setattr(window.files, "ask_path", lambda *a, **k: str(tmp_path / "c.png"))
    view.export.click()
    for name in ("heads.cross", "stream.encoder", "attribution"):
        for suffix in (".png", ".svg", ".csv"):
            assert (tmp_path / f"c-{name}{suffix}").stat().st_size > 30, name + suffix
    with open(tmp_path / "c-heads.cross.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["heads.cross", "H1", "H2"] and rows[1][0] == "L1"


def test_every_tab_paints_into_an_image(window, qtbot):
    """Grabbing the window paints every widget of a tab into a pixmap (a view attribute
    named like a Qt virtual, `metric`, once crashed exactly there)."""
    _measured(qtbot, window)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        image = window.grab().toImage()
        assert image.width() > 500 and image.height() > 300


def test_an_opened_run_file_is_measured_too(window, qtbot, tmp_path):
    train_to_end(qtbot, window)
    path = tmp_path / "kept.tfrun"
    with qtbot.waitSignal(window.state.live.saved, timeout=WAIT_MS):
        window.state.live.save(str(path))
    window.state.reset()  # kept in Compare and saved: no question
    qtbot.waitUntil(lambda: window.state.run is not None and window.state.run.step == 0,
                    timeout=WAIT_MS)  # fmt: skip
    window.tabs.setCurrentWidget(window.causes_view)
    window.open_run(str(path))
    view = window.causes_view
    qtbot.waitUntil(lambda: view.result is not None and view.result.step == 30, timeout=WAIT_MS)
    assert window.state.run.path == str(path) and view.result.heads["cross"].shape == (1, 2)
