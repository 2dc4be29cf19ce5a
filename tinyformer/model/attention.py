"""MultiHeadAttention: one attention for encoder self-, decoder self- and cross-attention."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from tinyformer.model.hooks import HookPoint
from tinyformer.model.masks import to_sdpa


class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention over n_heads subspaces ("Attention Is All You Need",
    sec. 3.2, fig. 2): softmax(Q K^T / sqrt(d_head)) V per head, heads concatenated.

    The q, k, v projections are stacked in one `in_proj` (3 * d_model rows, q first), the
    layout of `nn.MultiheadAttention.in_proj_weight`, so self-attention is one matmul.

    Hook points, in order: hook_q, hook_k, hook_v (B, H, T, d_head); hook_scores and
    hook_pattern (B, H, T_q, T_k), the weights before and after the softmax; hook_z
    (B, H, T_q, d_head), each head's weighted values; hook_out (B, T_q, D). When nobody
    watches the scores or the pattern, the fused SDPA kernel computes z instead.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.dropout = dropout
        self.in_proj = nn.Linear(d_model, 3 * d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        for name in ("q", "k", "v", "scores", "pattern", "z", "out"):
            setattr(self, f"hook_{name}", HookPoint())

    def forward(
        self, x: Tensor, memory: Tensor | None = None, mask: Tensor | None = None
    ) -> Tensor:
        """x: (B, T_q, D) queries; memory: (B, T_k, D) keys and values, or None for
        self-attention; mask: bool, True = blocked, broadcastable to (B, H, T_q, T_k).
        Returns (B, T_q, D)."""
        B, T_q, D = x.shape
        H, d_head = self.n_heads, self.d_head
        if memory is None:
            q, k, v = self.in_proj(x).split(D, dim=-1)  # 3 x (B, T_q, D)
        else:
            w_q, w_kv = self.in_proj.weight.split([D, 2 * D])
            b_q, b_kv = self.in_proj.bias.split([D, 2 * D])
            q = F.linear(x, w_q, b_q)  # (B, T_q, D)
            k, v = F.linear(memory, w_kv, b_kv).split(D, dim=-1)  # 2 x (B, T_k, D)
        T_k = k.shape[1]
        q = self.hook_q(q.view(B, T_q, H, d_head).transpose(1, 2))  # (B, H, T_q, d_head)
        k = self.hook_k(k.view(B, T_k, H, d_head).transpose(1, 2))  # (B, H, T_k, d_head)
        v = self.hook_v(v.view(B, T_k, H, d_head).transpose(1, 2))  # (B, H, T_k, d_head)
        p = self.dropout if self.training else 0.0

        if self.hook_scores.watched or self.hook_pattern.watched:
            scores = (q @ k.transpose(-2, -1)) * d_head**-0.5  # (B, H, T_q, T_k)
            if mask is not None:
                scores = scores.masked_fill(mask, float("-inf"))
            pattern = self.hook_pattern(self.hook_scores(scores).softmax(dim=-1))
            z = F.dropout(pattern, p, self.training) @ v  # (B, H, T_q, d_head)
        else:
            z = F.scaled_dot_product_attention(q, k, v, attn_mask=to_sdpa(mask), dropout_p=p)

        z = self.hook_z(z)
        out = z.transpose(1, 2).reshape(B, T_q, D)  # (B, T_q, D): heads concatenated
        return self.hook_out(self.out_proj(out))
