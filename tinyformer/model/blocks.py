"""The boxes of the paper's figure 1: Add & Norm, Feed Forward, encoder and decoder blocks."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from tinyformer.model.attention import MultiHeadAttention
from tinyformer.model.hooks import HookPoint


class AddNorm(nn.Module):
    """ "Add & Norm" (sec. 3.1): LayerNorm(x + Dropout(sublayer(x))).

    With norm_first the LayerNorm moves in front of the sublayer instead (pre-norm, as in
    GPT-2): x + Dropout(sublayer(LayerNorm(x))). Call `before(x)` for the sublayer's input,
    then `self(x, sublayer_out)` for the block's next value.
    """

    def __init__(self, d_model: int, dropout: float, norm_first: bool) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.norm_first = norm_first

    def before(self, x: Tensor) -> Tensor:
        return self.norm(x) if self.norm_first else x

    def forward(self, x: Tensor, sublayer_out: Tensor) -> Tensor:
        x = x + self.dropout(sublayer_out)
        return x if self.norm_first else self.norm(x)


class FeedForward(nn.Module):
    """Position-wise feed-forward network (sec. 3.3): Linear, ReLU, Linear, per position."""

    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear2(self.dropout(F.relu(self.linear1(x))))


class Block(nn.Module):
    """What every layer shares: its input and output as hook points (hook_resid_pre,
    hook_resid_post), the stream between its attention and its feed-forward
    (hook_resid_mid) and the feed-forward sublayer's output (hook_ff_out), all (B, T, D).
    Subclasses add their attention first, then `ff` and `add_norm2` (the order in which
    weights are initialised, so a seed gives the same model as ever)."""

    ff: FeedForward
    add_norm2: AddNorm

    def __init__(self) -> None:
        super().__init__()
        self.hook_resid_pre = HookPoint()
        self.hook_resid_mid = HookPoint()
        self.hook_ff_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def feed_forward(self, x: Tensor) -> Tensor:
        x = self.hook_resid_mid(x)
        out = self.hook_ff_out(self.ff(self.add_norm2.before(x)))
        return self.hook_resid_post(self.add_norm2(x, out))


class EncoderBlock(Block):
    """One encoder layer (sec. 3.1): self-attention, then feed-forward.

    Every position sees every other one (unless padding), so the block mixes the whole input.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float, norm_first: bool):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.add_norm1 = AddNorm(d_model, dropout, norm_first)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.add_norm2 = AddNorm(d_model, dropout, norm_first)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """x: (B, T, D) -> (B, T, D)."""
        x = self.hook_resid_pre(x)
        x = self.add_norm1(x, self.self_attn(self.add_norm1.before(x), mask=mask))
        return self.feed_forward(x)


class DecoderBlock(Block):
    """One decoder layer (sec. 3.1): masked self-attention, cross-attention over the
    encoder's output ("memory"), then feed-forward.

    With cross=False there is no memory to attend to: this is a GPT block, an encoder block
    whose self-attention is masked so position i sees only positions <= i.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        dropout: float,
        norm_first: bool,
        cross: bool = True,
    ):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.add_norm1 = AddNorm(d_model, dropout, norm_first)
        if cross:
            self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout)
            self.add_norm_cross = AddNorm(d_model, dropout, norm_first)
        else:
            self.cross_attn = None
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.add_norm2 = AddNorm(d_model, dropout, norm_first)

    def forward(
        self,
        x: Tensor,
        memory: Tensor | None = None,
        self_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
    ) -> Tensor:
        """x: (B, T, D), memory: (B, S, D) -> (B, T, D)."""
        x = self.hook_resid_pre(x)
        x = self.add_norm1(x, self.self_attn(self.add_norm1.before(x), mask=self_mask))
        if self.cross_attn is not None:
            a = self.cross_attn(self.add_norm_cross.before(x), memory, mask=memory_mask)
            x = self.add_norm_cross(x, a)
        return self.feed_forward(x)
