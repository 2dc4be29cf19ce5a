"""The Fourier measures of a modular run: exact on planted structure, recorded in the
history and the run file, and in `eval --json` (null for other tasks)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tinyformer.cli import main
from tinyformer.inspect.fourier import (
    basis_frequencies,
    fourier_basis,
    fourier_fraction,
    fourier_measures,
    frequency_norms,
    frequency_plane,
    key_frequencies,
    restricted_and_excluded,
    wave_directions,
)
from tinyformer.tasks import TaskConfig, make_task
from tinyformer.training.runfile import load_run, run_state
from tinyformer.training.runfile_digest import KEY, checksum

FAST = ["--steps", "20", "--quiet"]


@pytest.mark.parametrize("p", [2, 7, 8, 59])
def test_the_basis_is_orthonormal_and_its_rows_have_frequencies(p):
    basis = fourier_basis(p)
    assert torch.allclose(basis @ basis.T, torch.eye(p, dtype=basis.dtype), atol=1e-12)
    freqs = basis_frequencies(p)
    assert len(freqs) == p and freqs[0] == 0 and max(freqs) == p // 2


def _wave(p: int, k: int, phase: float = 0.0) -> torch.Tensor:
    return torch.cos(2 * math.pi * k * torch.arange(p, dtype=torch.float64) / p + phase)


def test_a_table_of_one_frequency_has_its_whole_norm_there():
    p = 59
    table = torch.stack([3 * _wave(p, 5), 2 * _wave(p, 5, 1.0), _wave(p, 5, 2.0) + 4], dim=1)
    norms = frequency_norms(table)
    assert norms.shape == (p // 2 + 1,)
    assert np.isclose((norms**2).sum(), float(table.double().pow(2).sum()))  # Parseval
    assert np.isclose(norms[0], 4 * math.sqrt(p))  # the constant column: 4 at every number
    others = np.delete(norms, [0, 5])
    assert others.max() < 1e-9 and norms[5] > 10
    assert key_frequencies(norms) == (5,)
    assert fourier_fraction(norms, (5,)) == pytest.approx(1.0)


def test_two_planted_frequencies_are_both_key_largest_first():
    p = 31
    gen = torch.Generator().manual_seed(0)
    table = 0.05 * torch.randn(p, 16, generator=gen)
    table[:, 0] += 2 * _wave(p, 3)
    table[:, 1] += 3 * _wave(p, 11, 0.5)
    norms = frequency_norms(table)
    assert key_frequencies(norms) == (11, 3)
    assert fourier_fraction(norms, (11, 3)) > 0.95


def test_a_random_table_has_one_key_frequency_holding_little():
    p = 59
    norms = frequency_norms(torch.randn(p, 64, generator=torch.Generator().manual_seed(1)))
    keys = key_frequencies(norms)
    assert len(keys) == 1  # none stands out: the rule falls back to the largest
    assert fourier_fraction(norms, keys) < 3 / (p // 2)


def _planted_logits(task, k: int, scale: float = 8.0) -> torch.Tensor:
    """Logits of a model that adds angles at frequency k: for number token c, at (a, b),
    scale * cos(w_k (a + b - c)); other tokens 0."""
    p, first = task.p, task.vocab.first_symbol
    a = torch.arange(p)[:, None, None]
    b = torch.arange(p)[None, :, None]
    c = torch.arange(p)[None, None, :]
    logits = torch.zeros(p, p, task.vocab.size)
    logits[..., first : first + p] = scale * torch.cos(2 * math.pi * k * (a + b - c) / p)
    return logits


def test_restricted_keeps_what_the_key_waves_carry_and_excluded_removes_it():
    task = make_task(TaskConfig("modular", vocab=23, held_out=0.5))
    logits = _planted_logits(task, k=4)
    restricted, excluded = restricted_and_excluded(logits, task, (4,))
    first, p = task.vocab.first_symbol, task.p
    trained = [(e.source[0] - first, e.source[2] - first) for e in task.train_set]
    full = F.cross_entropy(
        torch.stack([logits[a, b] for a, b in trained]),
        torch.tensor([first + (a + b) % p for a, b in trained]),
    )
    assert restricted == pytest.approx(float(full), rel=1e-6)
    assert excluded == pytest.approx(math.log(task.vocab.size), rel=1e-6)  # nothing left
    # on a frequency the logits do not use, the reverse
    restricted, excluded = restricted_and_excluded(logits, task, (7,))
    assert restricted == pytest.approx(math.log(task.vocab.size), rel=1e-6)
    assert excluded == pytest.approx(float(full), rel=1e-6)


@pytest.mark.parametrize("operation", ["+", "-", "*"])
def test_the_wave_directions_are_orthonormal_and_orthogonal_to_the_constant(operation):
    task = make_task(TaskConfig("modular", vocab=12, held_out=0.3, operation=operation))
    dirs = wave_directions(task, (1, 6, 3))
    gram = dirs @ dirs.T
    assert torch.allclose(gram, torch.eye(len(dirs), dtype=dirs.dtype), atol=1e-10)
    assert dirs.sum(1).abs().max() < 1e-9
    if operation != "*":  # sin(pi c) is zero on the grid: 5 waves, not 6
        assert len(dirs) == 5


def test_only_modular_runs_have_measures(tmp_path, capsys):
    copy = tmp_path / "copy.tfrun"
    assert main(["train", "--preset", "copy", "--out", str(copy), *FAST]) == 0
    trainer = load_run(copy, device="cpu")
    assert fourier_measures(trainer.model, trainer.task, trainer.arch) is None
    assert all(len(s) == 0 for s in trainer.history.fourier.values())
    capsys.readouterr()
    assert main(["eval", str(copy), "--json", "--samples", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name in ("key_frequencies", "fourier_fraction", "restricted_loss", "excluded_loss"):
        assert out[name] is None


def test_a_modular_run_records_them_and_eval_reports_them(tmp_path, capsys):
    path = tmp_path / "grok.tfrun"
    flags = ["--vocab-size", "23", "--batch-size", "256", "--eval-every", "10"]
    assert main(["train", "--preset", "grokking", "--out", str(path), *flags, *FAST]) == 0
    trainer = load_run(path, device="cpu")
    x, fraction = trainer.history.fourier["fourier_fraction"].arrays()
    assert list(x) == [10, 20] and ((fraction > 0) & (fraction <= 1)).all()
    capsys.readouterr()
    assert main(["eval", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    fresh = fourier_measures(trainer.model, trainer.task, trainer.arch)
    assert out["key_frequencies"] == list(fresh.key_frequencies)
    assert all(1 <= k <= 11 for k in out["key_frequencies"])
    assert out["fourier_fraction"] == pytest.approx(fraction[-1])
    assert out["restricted_loss"] == pytest.approx(trainer.history.fourier["restricted_loss"].y[-1])
    assert out["excluded_loss"] > 0
    assert main(["eval", str(path)]) == 0
    assert "Fourier: key frequencies" in capsys.readouterr().out


def test_a_format_3_file_opens_without_the_measures(tmp_path):
    path = tmp_path / "grok.tfrun"
    flags = ["--vocab-size", "11", "--batch-size", "64", "--eval-every", "10"]
    assert main(["train", "--preset", "grokking", "--out", str(path), *flags, *FAST]) == 0
    state = run_state(load_run(path, device="cpu"))
    del state["history"]["fourier"], state[KEY]
    state["version"] = 3
    state[KEY] = checksum(state)
    old = tmp_path / "old.tfrun"
    torch.save(state, old)
    trainer = load_run(old, device="cpu")
    assert all(len(s) == 0 for s in trainer.history.fourier.values())
    list(trainer.run(10))  # and measures from here on
    assert trainer.history.fourier["excluded_loss"].x == [30]


def test_a_table_of_one_frequency_puts_the_numbers_on_a_circle_in_order():
    p, k = 13, 5
    gen = torch.Generator().manual_seed(2)
    u, v = torch.randn(2, 8, generator=gen, dtype=torch.float64)
    v = v - (v @ u) / (u @ u) * u
    v = v / v.norm() * u.norm()  # u and v orthogonal, of one length: a circle, not an ellipse
    angle = 2 * math.pi * k * torch.arange(p, dtype=torch.float64) / p
    table = torch.cos(angle)[:, None] * u + torch.sin(angle)[:, None] * v + 1.5
    plane = frequency_plane(table, k)
    radii = np.hypot(plane[:, 0], plane[:, 1])
    assert np.allclose(radii, radii[0]) and radii[0] > 0.1
    turns = np.unwrap(np.arctan2(plane[:, 1], plane[:, 0]))
    assert np.allclose(np.diff(turns) % (2 * np.pi), 2 * np.pi * k / p)  # a = 0, 1, 2 ...
