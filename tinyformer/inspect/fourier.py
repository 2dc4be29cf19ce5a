"""The Fourier view of a model trained on a + b mod p: the circuit behind grokking.

Nanda et al., "Progress measures for grokking via mechanistic interpretability" (ICLR
2023), found that a trained modular-addition model embeds each number a as waves
cos(w_k a), sin(w_k a) of a few key frequencies w_k = 2 pi k / p (sec. 4), combines them
into cos(w_k (a + b)) with trigonometric identities, and reads c off cos(w_k (a + b - c)).
Their progress measures (sec. 5.1) show that circuit forming while the held-out loss
still sits on its plateau. Here, for a model of the `modular` task:

- `fourier_basis(p)`: the orthonormal Fourier basis of functions on Z_p.
- `frequency_norms`: the norm of a (p, D) table (the embedding of the numbers, or their
  rows of the unembedding) in each frequency 0..p // 2.
- `key_frequencies`, `fourier_fraction`: the few frequencies that hold most of the
  embedding's norm, by the rule stated there, and the share they hold.
- `restricted_and_excluded`: the loss with the logits kept to the key frequencies'
  directions, and with those directions removed.
- `fourier_measures`: all of them for one model, or None for any other task.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from tinyformer.model.modes import eval_mode
from tinyformer.model.shapes import TransformerBase
from tinyformer.tasks import Task
from tinyformer.tasks.batching import IGNORE

MOST_KEYS = 8  # the paper finds 3 to 7 key frequencies per run
CHUNK = 4096  # equations per forward pass: 4 tokens each, far within any memory


def fourier_basis(p: int) -> Tensor:
    """(p, p) orthonormal rows: the constant 1/sqrt(p), then for k = 1 .. (p - 1) // 2 the
    pair cos(2 pi k x / p), sin(2 pi k x / p), each times sqrt(2 / p); for even p last the
    wave of k = p / 2, cos(pi x) / sqrt(p) (its sine is zero). Row r belongs to frequency
    `basis_frequencies(p)[r]`."""
    x = torch.arange(p, dtype=torch.float64)
    rows = [torch.full((p,), 1 / math.sqrt(p), dtype=torch.float64)]
    for k in range(1, (p - 1) // 2 + 1):
        angle = 2 * math.pi * k * x / p
        rows += [torch.cos(angle) * math.sqrt(2 / p), torch.sin(angle) * math.sqrt(2 / p)]
    if p % 2 == 0:
        rows.append(torch.cos(math.pi * x) / math.sqrt(p))
    return torch.stack(rows)


def basis_frequencies(p: int) -> list[int]:
    """The frequency of each row of `fourier_basis(p)`: 0, 1, 1, 2, 2, ... (, p / 2)."""
    return [0] + [k for k in range(1, (p - 1) // 2 + 1) for _ in (0, 1)] + [p // 2] * (p % 2 == 0)


def frequency_norms(table: Tensor | np.ndarray) -> np.ndarray:
    """For a (p, D) table whose row a belongs to the number a: its norm in frequency k, for
    k = 0 .. p // 2, as a (p // 2 + 1,) array. That is sqrt of the sum of squares of the
    table's coefficients on the basis rows of k (cos and sin together), over all D
    columns: the paper's "norm of the Fourier components" of the embedding (sec. 4.1,
    fig. 3). The squares over all frequencies add up to the table's squared norm."""
    table = torch.as_tensor(table).detach().double().cpu()
    p = table.shape[0]
    coefficients = fourier_basis(p) @ table  # (p, D)
    squares = torch.zeros(p // 2 + 1, dtype=torch.float64)
    squares.index_add_(0, torch.tensor(basis_frequencies(p)), coefficients.pow(2).sum(1))
    return squares.sqrt().numpy()


def frequency_plane(table: Tensor | np.ndarray, k: int) -> np.ndarray:
    """(p, 2): each number's row of a (p, D) table, less the mean row, on the plane of
    frequency k: the plane in R^D spanned by the table's cos and sin coefficients of k,
    sum_a cos(w_k a) row_a and sum_a sin(w_k a) row_a, on orthonormal axes (the first
    along the cosine's, the second towards the sine's). A table whose frequency k is the
    whole story puts the numbers on an ellipse, number a at the angle w_k a: the circle
    of the paper's fig. 1 (a circle when the two coefficients are orthogonal and of one
    length)."""
    table = torch.as_tensor(table).detach().double().cpu()
    p = table.shape[0]
    angle = 2 * math.pi * k * torch.arange(p, dtype=torch.float64) / p
    centered = table - table.mean(0, keepdim=True)
    spans = torch.stack([torch.cos(angle) @ centered, torch.sin(angle) @ centered], dim=1)
    q, r = torch.linalg.qr(spans)  # (D, 2)
    q = q * torch.where(r.diagonal() < 0, -1.0, 1.0)  # a at angle w_k a, counterclockwise
    if float(r[1, 1].abs()) < 1e-12 * max(float(r[0, 0].abs()), 1e-300):
        q[:, 1] = 0.0  # one direction only (k = p / 2, or no such wave): a line
    return (centered @ q).numpy()


def key_frequencies(norms: np.ndarray) -> tuple[int, ...]:
    """The key frequencies of a table's `frequency_norms`, largest first. Each frequency
    k >= 1 has a share s_k = norm_k^2 / sum_{j >= 1} norm_j^2 of the squared norm (the
    constant, a shift shared by every number, is left out). Key are those holding at
    least twice the share of an even spread (s_k >= 2 / K, K = p // 2 frequencies), at
    most MOST_KEYS of them; if none does (a random table spreads evenly), the single
    largest."""
    shares = _shares(norms)
    order = [int(k) + 1 for k in np.argsort(-shares, kind="stable")]
    keys = [k for k in order if shares[k - 1] >= 2 / len(shares)][:MOST_KEYS]
    return tuple(keys or order[:1])


def fourier_fraction(norms: np.ndarray, keys: tuple[int, ...]) -> float:
    """The share of the squared norm (constant left out) held by the frequencies `keys`."""
    return float(sum(_shares(norms)[k - 1] for k in keys))


def _shares(norms: np.ndarray) -> np.ndarray:
    squares = np.asarray(norms, dtype=float)[1:] ** 2
    total = squares.sum()
    return squares / total if total > 0 else np.full_like(squares, 1 / len(squares))


def number_rows(model: TransformerBase, task: Task) -> tuple[Tensor, Tensor]:
    """The embedding of the numbers 0..p-1 as the model adds it to the stream (scaled by
    sqrt(d_model)), and their rows of the unembedding (the generator): two (p, D)."""
    first, p = task.vocab.first_symbol, task.p
    embed = model.embed.tokens.weight[first : first + p] * model.embed.scale
    return embed.detach(), model.generator.weight[first : first + p].detach()


def answer_logits(model: TransformerBase, task: Task, arch: str) -> Tensor:
    """(p, p, V) logits at the answer of every equation a op b, [a, b], the model in
    evaluation mode."""
    p = task.p
    examples = [task.view(task.equation(a, b), arch) for a in range(p) for b in range(p)]
    device = next(model.parameters()).device
    out = []
    with eval_mode(model):
        for lo in range(0, len(examples), CHUNK):
            batch = task.batch(examples[lo : lo + CHUNK], arch).to(device)
            logits = model(**batch.inputs)  # (B, T, V)
            answer = (batch.labels != IGNORE).float().argmax(dim=1)  # the first scored place
            out.append(logits[torch.arange(len(answer), device=device), answer].float().cpu())
    return torch.cat(out).view(p, p, -1)


def wave_directions(task: Task, keys: tuple[int, ...]) -> Tensor:
    """(n, p * p) orthonormal rows spanning, over the grid of pairs (a, b), the waves
    cos(w_k c), sin(w_k c) of the answer c = a op b for each key frequency k, less their
    mean. For + these waves are the paper's cos(w_k (a + b)), sin(w_k (a + b)), already
    orthogonal to one another and to the constant (for - likewise); for * they are made
    so. Waves that are zero or repeat on the grid (the sine of k = p / 2) add nothing, so
    n is at most 2 * len(keys)."""
    p = task.p
    c = torch.tensor([task.answer(a, b) for a in range(p) for b in range(p)], dtype=torch.float64)
    waves = []
    for k in keys:
        angle = 2 * math.pi * k * c / p
        waves += [torch.cos(angle), torch.sin(angle)]
    m = torch.stack(waves, dim=1)  # (p*p, 2K)
    m = m - m.mean(dim=0, keepdim=True)
    u, s, _ = torch.linalg.svd(m, full_matrices=False)
    largest = float(s.max()) if len(s) else 0.0
    if largest == 0.0:
        return m.new_zeros(0, p * p)
    return u[:, s > 1e-9 * largest].T.contiguous()


def restricted_and_excluded(
    logits: Tensor, task: Task, keys: tuple[int, ...]
) -> tuple[float, float]:
    """The restricted and the excluded loss (Nanda et al. sec. 5.1), on the training pairs.

    Treat each vocabulary column of the (p, p, V) `logits` as a function on the grid of
    pairs, and let P project onto `wave_directions(task, keys)`. Restricted logits: the
    mean over the grid plus P(logits), only what the key frequencies carry; excluded
    logits: logits - P(logits), all but that. Each loss is the cross-entropy of c = a op
    b under those logits, averaged over the pairs the model was trained on. The paper
    projects the last MLP layer's neuron activations and maps them to the logits; here
    the logits themselves are projected, which is the same where the logits are linear
    in the neurons and also covers what attention and the skip path write. A model using
    the key frequencies has restricted loss near its own loss and excluded loss far
    above it; a memorizing one the reverse."""
    p, vocab = task.p, logits.shape[-1]
    flat = logits.reshape(p * p, vocab).double()
    dirs = wave_directions(task, keys)  # (n, p*p)
    kept = dirs.T @ (dirs @ flat)  # (p*p, V)
    restricted = flat.mean(0, keepdim=True) + kept
    excluded = flat - kept
    trained, answers = _training_pairs(task)
    loss = lambda z: float(F.cross_entropy(z[trained], answers[trained]))  # noqa: E731
    return loss(restricted), loss(excluded)


def _training_pairs(task: Task) -> tuple[Tensor, Tensor]:
    """(p * p,) a mask of the pairs trained on and every pair's answer token."""
    p, first = task.p, task.vocab.first_symbol
    trained = torch.zeros(p * p, dtype=torch.bool)
    for e in task.train_set:
        trained[(e.source[0] - first) * p + (e.source[2] - first)] = True
    answers = torch.tensor([first + task.answer(a, b) for a in range(p) for b in range(p)])
    return trained, answers


@dataclass(frozen=True)
class FourierMeasures:
    """One model's Fourier picture. Norms per frequency 0 .. p // 2 of the numbers'
    embedding and unembedding; the embedding's key frequencies (largest first) and the
    share of its squared norm they hold; restricted and excluded loss on those keys."""

    embedding_norms: np.ndarray
    unembedding_norms: np.ndarray
    key_frequencies: tuple[int, ...]
    fourier_fraction: float
    restricted_loss: float
    excluded_loss: float


def fourier_measures(model: TransformerBase, task: Task, arch: str) -> FourierMeasures | None:
    """The measures for a model of the `modular` task (with a training set), else None."""
    if getattr(task, "name", None) != "modular" or not task.train_set:
        return None
    embed, unembed = number_rows(model, task)
    norms = frequency_norms(embed)
    keys = key_frequencies(norms)
    restricted, excluded = restricted_and_excluded(answer_logits(model, task, arch), task, keys)
    return FourierMeasures(
        embedding_norms=norms,
        unembedding_norms=frequency_norms(unembed),
        key_frequencies=keys,
        fourier_fraction=fourier_fraction(norms, keys),
        restricted_loss=restricted,
        excluded_loss=excluded,
    )


__all__ = [
    "FourierMeasures",
    "answer_logits",
    "basis_frequencies",
    "fourier_basis",
    "fourier_fraction",
    "fourier_measures",
    "frequency_norms",
    "frequency_plane",
    "key_frequencies",
    "number_rows",
    "restricted_and_excluded",
    "wave_directions",
]
