"""The Inside and Embeddings tabs: every stage of one pass drawn from the model's own
tensors, in all three shapes, quickly; embeddings projected with steady axes."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from explorer.views.inside_stages import build_stages
from tests.app_helpers import WAIT_MS, step_to, train_to_end
from tinyformer.inspect.cache import run_with_cache
from tinyformer.inspect.embeddings import aligned_projections

SHAPES = [
    ("encoder-decoder", "copy"),
    ("decoder-only", "copy"),
    ("encoder-only", "masked"),
]


def _inside(window, qtbot):
    step_to(qtbot, window, 5)
    with qtbot.waitSignal(window.state.live.inside_read, timeout=WAIT_MS):
        window.tabs.setCurrentWidget(window.inside_view)
    return window.inside_view


@pytest.mark.parametrize(("arch", "task"), SHAPES)
def test_every_stage_shows_the_models_own_numbers(window, qtbot, arch, task):
    window.state.set_settings("model", {"arch": arch})
    window.state.set_settings("task", {"name": task})
    view = _inside(window, qtbot)
    trainer = window.session.worker.trainer
    batch = trainer.task.batch([trainer.heldout[0]], trainer.arch)
    trainer.model.eval()
    _, cache = run_with_cache(trainer.model, **batch.inputs)
    stacks = {"encoder-decoder": ["encoder", "decoder"], "decoder-only": ["decoder"]}
    expected = stacks.get(arch, ["encoder"])
    assert list(view.result.tokens) == expected
    titles = [s.title for s in view.stages]
    output = "token" if arch == "encoder-only" else "next-token"  # a masked model: its own
    assert titles[-2:] == [f"Output: {output} probabilities",
                           "Logit lens: what each layer would predict"]  # fmt: skip
    seen = set()
    for i in range(len(view.stages)):
        view.go(i)
        for panel, shown in zip(view.shown_panels(), view.pool, strict=False):
            assert np.array_equal(shown.map.weights, panel.values)  # what is drawn
            name = panel.name.split("[")[0]
            if name in cache:
                want = cache[name] if name.endswith(".pos") else cache[name][0]
                if "[" in panel.name:
                    want = want[int(panel.name.split("[")[1][:-1])]
                torch.testing.assert_close(torch.from_numpy(panel.values), want.float())
                seen.add(name)
    stages = {n.rsplit(".", 1)[-1] for n in seen}
    assert {"embed", "pos", "q", "k", "v", "scores", "pattern", "z", "out", "ff_out",
            "resid_post", "final"} <= stages  # fmt: skip
    if arch == "encoder-decoder":
        assert "decoder.0.cross.pattern" in seen


def test_the_causal_mask_shows_in_the_scores_and_arrows_step_through(window, qtbot):
    view = _inside(window, qtbot)
    titles = [s.title for s in view.stages]
    i = titles.index("Decoder layer 1, self-attention: scores")
    view.go(i)
    scores = view.pool[0].map.weights
    assert np.isinf(scores[np.triu_indices_from(scores, 1)]).all()
    assert "causal mask" in view.sentence.text()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.index == i + 1
    assert window.state.run.step == 5  # → moved a stage here; it did not train a step


def test_every_map_has_its_scale_and_its_row_labels(window, qtbot):
    """Each Inside map is scaled to its own largest magnitude, so each carries a scale bar
    with those numbers; its rows (tokens, positions) stay labelled even when its columns
    (64 features) are too narrow for theirs."""
    window.resize(1024, 700)
    view = _inside(window, qtbot)
    for i in range(len(view.stages)):
        view.go(i)
        for panel, shown in zip(view.shown_panels(), view.pool, strict=False):
            values = panel.values[np.isfinite(panel.values)]
            lo, hi = shown.scale.levels
            if panel.scale == "unit":
                assert (lo, hi) == (0.0, 1.0)
            else:
                assert hi == pytest.approx(np.abs(values).max()) and lo == -hi
                assert "0" in shown.scale.labels()
            assert shown.scale.isVisible() and shown.scale.width() > 100
            if panel.position_rows:
                assert shown.map.row_labels_shown(), f"{panel.name}: rows unlabelled"
                assert shown.map.margins_without_title()[0] > 10


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_maps_of_tokens_stay_readable_and_in_sight(window, qtbot, size):
    """Scores and patterns keep cells wide enough for their labels and the mask's ✕, in
    more rows when the window is narrow; every map fits the width (no sideways scroll);
    row labels keep a readable size even where columns are narrow features."""
    window.resize(*size)
    view = _inside(window, qtbot)
    titles = [s.title for s in view.stages]
    for title in ("Encoder: positions added", "Decoder layer 1, self-attention: scores",
                  "Decoder layer 1, cross-attention: softmax, the attention pattern",
                  "Decoder layer 1, self-attention: weighted values"):  # fmt: skip
        view.go(titles.index(title))
        QApplication.processEvents()
        room = view.scroll.viewport().width()
        for panel, shown in zip(view.shown_panels(), view.pool, strict=False):
            if panel.token_cols:
                assert shown.map.cell >= 14, (title, shown.map.cell)
            right = shown.mapTo(view.body, shown.rect().topRight()).x()
            assert right <= room, (title, panel.name, right, room)
            assert shown.map.row_font_px() >= 11, (title, shown.map.row_font_px())


def test_scale_bar_writes_its_ends_as_a_person_reads_them():
    from explorer.views.scale_bar import scale_text

    assert [scale_text(v) for v in (-2.3456, 0.000123, 1.0)] == ["−2.35", "0.000123", "1"]


def test_drawing_a_stage_takes_under_50_ms(window, qtbot):
    window.state.set_settings("model", {"n_layers": 2, "d_model": 32})
    view = _inside(window, qtbot)
    worst = 0.0
    for i in range(len(view.stages)):
        t0 = time.perf_counter()
        view.go(i)
        view.body.repaint()  # paint now, not later
        worst = max(worst, time.perf_counter() - t0)
    assert worst < 0.050, f"slowest stage took {worst * 1000:.0f} ms"


def test_stages_cover_every_layer_of_every_stack(window, qtbot):
    window.state.set_settings("model", {"n_layers": 2})
    view = _inside(window, qtbot)
    stages = build_stages(view.result)
    for stack in ("Encoder", "Decoder"):
        for layer in (1, 2):
            assert any(s.title.startswith(f"{stack} layer {layer}") for s in stages)
    assert any("cross-attention: softmax" in s.title for s in stages)


def test_embeddings_keep_their_axes_from_frame_to_frame():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(12, 8))
    frames = [base + 0.01 * k * rng.normal(size=base.shape) for k in range(10)]
    flipped = [frames[0], -frames[1], *frames[2:]]  # a sign flip the SVD may make anyway
    a = aligned_projections(frames)
    b = aligned_projections(flipped)
    for x, y in itertools.pairwise(a):
        assert np.abs(x - y).max() < 0.5  # small moves, never a mirror image
    assert np.allclose(np.abs(a[1]), np.abs(b[1]))


def test_embeddings_tab_draws_the_task_tokens(window, qtbot):
    _inside(window, qtbot)
    window.tabs.setCurrentWidget(window.embeddings_tab)
    view = window.embeddings_view
    view.refresh(force=True)
    x, _ = view.tokens.getData()
    assert len(x) == 11  # <bos> and the ten numbers: no untrained special tokens
    assert view.labels.names()[0] == "<bos>"
    np.testing.assert_allclose(view.labels.points()[: len(x)], np.stack(view.tokens.getData(), 1))
    assert "step 5" in view.when.text()


@pytest.mark.parametrize("norm_first", [True, False])
def test_the_add_stages_say_where_the_layernorm_is(window, qtbot, norm_first):
    window.state.set_settings("model", {"norm_first": norm_first})
    view = _inside(window, qtbot)
    titles = [s.title for s in view.stages]
    add = view.stages[titles.index("Encoder layer 1: add" + ("" if norm_first else " & norm"))]
    qkv = next(s for s in view.stages if s.title.endswith("queries, keys, values"))
    if norm_first:  # the sum is not normalized; the sublayer's input is
        assert "then normalized" not in add.sentence and "never normalized" in add.sentence
        assert "normalized first" in qkv.sentence
    else:
        assert "then normalized (LayerNorm)" in add.sentence
        assert "normalized first" not in qkv.sentence


def test_a_typo_in_your_input_is_said_in_the_tab(window, qtbot):
    view = _inside(window, qtbot)
    view.typed.setText("3 1 99")
    with (
        qtbot.assertNotEmitted(window.state.live.errored),
        qtbot.waitSignal(window.state.live.input_refused, timeout=WAIT_MS),
    ):
        qtbot.keyClick(view.typed, Qt.Key.Key_Return)
    assert "unknown token '99'" in view.sentence.text() and window._error_box is None


def test_embeddings_frames_added_one_by_one_equal_a_fresh_projection(window, qtbot):
    train_to_end(qtbot, window)
    view, run = window.embeddings_view, window.state.run
    every = run.snapshots
    assert len(every) >= 3
    run.snapshots = every[:2]  # as while training: two snapshots, then the rest arrive
    view._update_frames()
    run.snapshots = every
    view._update_frames()
    grown, extent = [dict(f) for f in view._frames], view._extent
    view._frames_key = None  # a run of a different serial would start over like this
    view._frames, view._steps, view._axes = [], [], {}
    view._update_frames()
    assert len(grown) == len(view._frames) == len(every)
    for a, b in zip(grown, view._frames, strict=True):
        assert a.keys() == b.keys()
        for part in a:
            np.testing.assert_allclose(a[part], b[part], atol=1e-6)
    assert extent == pytest.approx(view._extent)
