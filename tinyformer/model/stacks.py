"""Encoder and Decoder: N blocks in a row, then a final LayerNorm as in nn.Transformer."""

from __future__ import annotations

from torch import Tensor, nn

from tinyformer.model.blocks import DecoderBlock, EncoderBlock
from tinyformer.model.config import ModelConfig
from tinyformer.model.embedding import Embeddings
from tinyformer.model.hooks import HookPoint


class Stack(nn.Module):
    """What both stacks share: how token ids enter the residual stream, and the final norm.

    Hook points: hook_embed (B, T, D), the scaled token embeddings; hook_pos (T, D), the
    positions added to them (zeros without positional encoding); hook_final (B, T, D),
    the stack's output after its final LayerNorm. An encoder-decoder's two stacks share one
    Embeddings module, so these points live here, one set per stack.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.dropout = nn.Dropout(cfg.dropout)
        self.hook_embed = HookPoint()
        self.hook_pos = HookPoint()
        self.hook_final = HookPoint()

    def enter(self, embed: Embeddings, ids: Tensor) -> Tensor:
        """Token ids (B, T) -> the residual stream's start (B, T, D)."""
        tokens, positions = embed(ids)
        return self.dropout(self.hook_embed(tokens) + self.hook_pos(positions))


class Encoder(Stack):
    """The left half of fig. 1: n_layers encoder blocks, then LayerNorm."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.layers = nn.ModuleList(
            EncoderBlock(cfg.d_model, cfg.n_heads, cfg.d_ff, cfg.dropout, cfg.norm_first)
            for _ in range(cfg.n_layers)
        )
        self.norm = nn.LayerNorm(cfg.d_model)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """x: (B, T, D) -> (B, T, D)."""
        for layer in self.layers:
            x = layer(x, mask)
        return self.hook_final(self.norm(x))


class Decoder(Stack):
    """The right half of fig. 1: n_layers decoder blocks, then LayerNorm.

    cross=False drops cross-attention: the GPT-style stack of a decoder-only model.
    """

    def __init__(self, cfg: ModelConfig, cross: bool = True) -> None:
        super().__init__(cfg)
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
    ) -> Tensor:
        """x: (B, T, D), memory: (B, S, D) -> (B, T, D)."""
        for layer in self.layers:
            x = layer(x, memory, self_mask, memory_mask)
        return self.hook_final(self.norm(x))
