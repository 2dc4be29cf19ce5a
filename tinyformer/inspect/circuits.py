"""A head's QK and OV circuits, from its weights alone (Elhage et al., 2021, "A
mathematical framework for transformer circuits", sec. "Attention heads: QK and OV").

QK: how much a query token attends to a key token, if each sat in the stream as its bare
token embedding. OV: what a key token, if attended to, writes into the logits. Norms,
positions and biases are left out: these are the token-to-token parts of the weights.
"""

from __future__ import annotations

import torch
from torch import Tensor

from tinyformer.model.hooks import attention_name
from tinyformer.model.shapes import KINDS, TransformerBase


def _head(model: TransformerBase, kind: str, layer: int, head: int):
    cfg = model.cfg
    if kind not in KINDS[cfg.arch]:
        raise ValueError(f"a {cfg.arch} model has {', '.join(KINDS[cfg.arch])} attention, "
                         f"not {kind!r}")  # fmt: skip
    if not (0 <= layer < cfg.n_layers and 0 <= head < cfg.n_heads):
        raise ValueError(f"no head ({kind}, {layer}, {head}): layers are 0..{cfg.n_layers - 1},"
                         f" heads 0..{cfg.n_heads - 1}")  # fmt: skip
    attn = model.attentions()[attention_name(kind, layer)]
    rows = slice(head * cfg.d_head, (head + 1) * cfg.d_head)
    w_q, w_k, w_v = attn.in_proj.weight.detach().split(cfg.d_model)  # 3 x (D, D)
    w_o = attn.out_proj.weight.detach()[:, rows]  # (D, d_head)
    return w_q[rows], w_k[rows], w_v[rows], w_o


def token_embedding(model: TransformerBase) -> Tensor:
    """(vocab, D): each token's vector as it is added to the stream (scaled by sqrt(D)).
    Both stacks of an encoder-decoder share it."""
    embed = model.embed
    return embed.tokens.weight.detach() * embed.scale


def qk_circuit(model: TransformerBase, kind: str, layer: int, head: int) -> Tensor:
    """(vocab, vocab): rows query tokens, columns key tokens: (E W_Q)(E W_K)^T / sqrt(d_head),
    E the token embedding as added to the stream each side reads."""
    w_q, w_k, _, _ = _head(model, kind, layer, head)
    e = token_embedding(model)
    with torch.no_grad():
        return (e @ w_q.T) @ (e @ w_k.T).T / model.cfg.d_head**0.5


def ov_circuit(model: TransformerBase, kind: str, layer: int, head: int) -> Tensor:
    """(vocab, vocab): rows attended tokens, columns output logits: E W_V W_O U^T, U the
    output projection."""
    _, _, w_v, w_o = _head(model, kind, layer, head)
    e = token_embedding(model)
    with torch.no_grad():
        return (e @ w_v.T) @ w_o.T @ model.generator.weight.detach().T


def copying_score(ov: Tensor, tokens: list[int] | None = None) -> float:
    """How often a token's own logit is the largest in its row of the OV circuit: 1 for a
    head that copies what it attends to, about 1/vocab by chance. `tokens`: the rows (and
    columns) to look at, e.g. the task's symbols without the special tokens."""
    if tokens is not None:
        index = torch.as_tensor(tokens)
        ov = ov[index][:, index]
    return float((ov.argmax(-1) == torch.arange(ov.shape[0])).float().mean())
