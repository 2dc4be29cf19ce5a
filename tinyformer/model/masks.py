"""Attention masks. One convention everywhere: bool, True = blocked.

That is `nn.MultiheadAttention`'s meaning. `F.scaled_dot_product_attention` means the
opposite (True = may attend); `to_sdpa` is the one place that converts.
"""

from __future__ import annotations

import torch
from torch import Tensor


def attention_mask(
    t_q: int,
    t_k: int,
    causal: bool = False,
    key_padding_mask: Tensor | None = None,
    device: torch.device | None = None,
) -> Tensor | None:
    """Everything a query may not see, broadcastable to (B, H, T_q, T_k); None if nothing.

    key_padding_mask: (B, T_k), True where the key is padding.
    """
    mask = None
    if causal:
        mask = torch.ones(t_q, t_k, dtype=torch.bool, device=device).triu(1)  # (T_q, T_k)
    if key_padding_mask is not None:
        pad = key_padding_mask[:, None, None, :]  # (B, 1, 1, T_k)
        mask = pad if mask is None else (mask | pad)  # (B, 1, T_q, T_k)
    return mask


def to_sdpa(mask: Tensor | None) -> Tensor | None:
    """Our True = blocked into SDPA's True = may attend."""
    return None if mask is None else ~mask
