"""Encoder and Decoder: N blocks in a row, then a final LayerNorm as in nn.Transformer."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tinyformer.model.blocks import DecoderBlock, EncoderBlock
from tinyformer.model.config import ModelConfig


def _layer(head_mask: Tensor | None, i: int) -> Tensor | None:
    return None if head_mask is None else head_mask[i]


def _stack(weights: list[Tensor | None]) -> Tensor | None:
    return None if weights[0] is None else torch.stack(weights)  # (L, B, H, T_q, T_k)


class Encoder(nn.Module):
    """The left half of fig. 1: n_layers encoder blocks, then LayerNorm."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            EncoderBlock(cfg.d_model, cfg.n_heads, cfg.d_ff, cfg.dropout, cfg.norm_first)
            for _ in range(cfg.n_layers)
        )
        self.norm = nn.LayerNorm(cfg.d_model)

    def forward(
        self,
        x: Tensor,
        mask: Tensor | None = None,
        need_weights: bool = False,
        head_mask: Tensor | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """x: (B, T, D) -> (B, T, D) and, if asked, weights (L, B, H, T, T).

        head_mask: (L, H), 1 keeps a head, 0 switches it off.
        """
        weights = []
        for i, layer in enumerate(self.layers):
            x, w = layer(x, mask, need_weights, _layer(head_mask, i))
            weights.append(w)
        return self.norm(x), _stack(weights)


class Decoder(nn.Module):
    """The right half of fig. 1: n_layers decoder blocks, then LayerNorm.

    cross=False drops cross-attention: the GPT-style stack of a decoder-only model.
    """

    def __init__(self, cfg: ModelConfig, cross: bool = True) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            DecoderBlock(cfg.d_model, cfg.n_heads, cfg.d_ff, cfg.dropout, cfg.norm_first, cross)
            for _ in range(cfg.n_layers)
        )
        self.norm = nn.LayerNorm(cfg.d_model)

    def forward(
        self,
        x: Tensor,
        memory: Tensor | None = None,
        self_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        need_weights: bool = False,
        self_head_mask: Tensor | None = None,
        cross_head_mask: Tensor | None = None,
    ) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """x: (B, T, D), memory: (B, S, D) -> (B, T, D), self weights (L, B, H, T, T) and
        cross weights (L, B, H, T, S), each None unless asked (cross: unless present)."""
        self_ws, cross_ws = [], []
        for i, layer in enumerate(self.layers):
            x, sw, cw = layer(
                x,
                memory,
                self_mask,
                memory_mask,
                need_weights,
                _layer(self_head_mask, i),
                _layer(cross_head_mask, i),
            )
            self_ws.append(sw)
            cross_ws.append(cw)
        return self.norm(x), _stack(self_ws), _stack(cross_ws)
