"""Embeddings as points: each token's vector (and each position's), and a 2-D projection
whose axes stay put from one snapshot to the next, so an animation shows real movement."""

from __future__ import annotations

import numpy as np

from tinyformer.model.shapes import TransformerBase


def embeddings_of(model: TransformerBase, positions: int | None = None) -> dict[str, np.ndarray]:
    """ "tokens": (V, D), every token's vector as the model adds it to the stream (scaled by
    sqrt(d_model)); "positions": (T, D) for the first T positions (all the model has, if not
    given), absent without positional encoding."""
    embed = model.embed
    out = {"tokens": (embed.tokens.weight.detach() * embed.scale).float().cpu().numpy().copy()}
    if model.cfg.positional != "none":
        t = embed.max_len if positions is None else min(positions, embed.max_len)
        out["positions"] = embed.positions(t).detach().float().cpu().numpy().copy()
    return out


def pca_axes(points: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
    """The two main axes (2, D) of `points` (N, D), each flipped if need be to point the same
    way as the matching axis of `previous`, so that frames do not mirror at random."""
    centered = points - points.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    axes = vt[:2].copy()
    if axes.shape[0] < 2:  # one-dimensional data: pad with a zero axis
        axes = np.vstack([axes, np.zeros((2 - axes.shape[0], points.shape[1]))])
    if previous is not None:
        for i in range(2):
            if float(axes[i] @ previous[i]) < 0:
                axes[i] = -axes[i]
    return axes


def project(points: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """(N, D) points on the axes (2, D), centred: (N, 2)."""
    return (points - points.mean(axis=0, keepdims=True)) @ axes.T


def aligned_projections(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Each frame (N, D) projected on its own main axes, flipped to follow the frame before.

    Returns one (N, 2) array per frame."""
    out, previous = [], None
    for points in frames:
        axes = pca_axes(points, previous)
        out.append(project(points, axes))
        previous = axes
    return out


__all__ = ["aligned_projections", "embeddings_of", "pca_axes", "project"]
