"""The three shapes of Transformer, each a thin composition of Embeddings, Encoder, Decoder.

Attention, when asked for, comes back as a dict kind -> (L, B, H, T_q, T_k) post-softmax
weights; kinds are "encoder" (self), "decoder" (self) and "cross". A head mask is the
same kind of dict mapping to (L, H) multipliers: 0 switches that head's output off.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from tinyformer.model.config import ModelConfig
from tinyformer.model.embedding import Embeddings
from tinyformer.model.masks import attention_mask
from tinyformer.model.stacks import Decoder, Encoder

Attention = dict[str, Tensor]
HeadMask = dict[str, Tensor]

KINDS = {
    "encoder-decoder": ("encoder", "decoder", "cross"),
    "decoder-only": ("decoder",),
    "encoder-only": ("encoder",),
}


def make_head_mask(cfg: ModelConfig, off: Iterable[tuple[str, int, int]]) -> HeadMask | None:
    """A head mask with the heads `off` ((kind, layer, head)) switched off; None if none.

    Heads this model does not have are ignored, so a set chosen on one model can be
    applied to another without error.
    """
    mask = {k: torch.ones(cfg.n_layers, cfg.n_heads) for k in KINDS[cfg.arch]}
    hit = False
    for kind, layer, head in off:
        if kind in mask and layer < cfg.n_layers and head < cfg.n_heads:
            mask[kind][layer, head] = 0.0
            hit = True
    return mask if hit else None


class TransformerBase(nn.Module):
    """What all three shapes share: config, embeddings, output projection, init."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = Embeddings(
            cfg.vocab_size, cfg.d_model, cfg.max_len, cfg.positional, cfg.dropout
        )
        self.generator = nn.Linear(cfg.d_model, cfg.vocab_size)

    def init_weights(self) -> None:
        """Xavier-uniform for every matrix, as nn.Transformer and the Annotated Transformer;
        zero attention biases, as nn.MultiheadAttention."""
        for name, p in self.named_parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
            elif name.endswith(("in_proj.bias", "out_proj.bias")):
                nn.init.zeros_(p)

    def _head_mask(self, head_mask: HeadMask | None, kind: str) -> Tensor | None:
        if not head_mask:
            return None
        unknown = set(head_mask) - set(KINDS[self.cfg.arch])
        if unknown:
            raise ValueError(
                f"head_mask kinds for {self.cfg.arch} are {', '.join(KINDS[self.cfg.arch])}; "
                f"got {', '.join(sorted(unknown))}"
            )
        m = head_mask.get(kind)
        expected = (self.cfg.n_layers, self.cfg.n_heads)
        if m is not None and tuple(m.shape) != expected:
            raise ValueError(
                f"head_mask[{kind!r}] must have shape {expected}, got {tuple(m.shape)}"
            )
        return m


class EncoderDecoder(TransformerBase):
    """The paper's and the article's model: the encoder reads src with full attention, the
    decoder writes tgt one token at a time, looking back at itself (masked) and across at
    the encoder's output. Encoder and decoder share one token embedding (sec. 3.4)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg, cross=True)
        self.init_weights()

    def encode(
        self,
        src: Tensor,
        src_key_padding_mask: Tensor | None = None,
        need_weights: bool = False,
        head_mask: HeadMask | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """src: (B, S) -> memory (B, S, D) and encoder weights (L, B, H, S, S) if asked."""
        S = src.shape[1]
        mask = attention_mask(S, S, key_padding_mask=src_key_padding_mask, device=src.device)
        x = self.embed(src)
        return self.encoder(x, mask, need_weights, self._head_mask(head_mask, "encoder"))

    def decode(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        need_weights: bool = False,
        head_mask: HeadMask | None = None,
    ) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """tgt: (B, T), memory: (B, S, D) -> logits (B, T, V), self (L, B, H, T, T) and
        cross (L, B, H, T, S) weights if asked."""
        T, S = tgt.shape[1], memory.shape[1]
        self_mask = attention_mask(T, T, self.cfg.causal, tgt_key_padding_mask, device=tgt.device)
        memory_mask = attention_mask(
            T, S, key_padding_mask=memory_key_padding_mask, device=tgt.device
        )
        h, self_w, cross_w = self.decoder(
            self.embed(tgt),
            memory,
            self_mask,
            memory_mask,
            need_weights,
            self._head_mask(head_mask, "decoder"),
            self._head_mask(head_mask, "cross"),
        )
        return self.generator(h), self_w, cross_w

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
        head_mask: HeadMask | None = None,
    ) -> Tensor | tuple[Tensor, Attention]:
        """src: (B, S), tgt: (B, T) token ids -> logits (B, T, V) [, attention]."""
        memory, enc_w = self.encode(src, src_key_padding_mask, return_attention, head_mask)
        logits, self_w, cross_w = self.decode(
            tgt, memory, tgt_key_padding_mask, src_key_padding_mask, return_attention, head_mask
        )
        if return_attention:
            return logits, {"encoder": enc_w, "decoder": self_w, "cross": cross_w}
        return logits


class DecoderOnly(TransformerBase):
    """GPT: one causal stack over one sequence; each position predicts the next token."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.decoder = Decoder(cfg, cross=False)
        self.init_weights()

    def forward(
        self,
        x: Tensor,
        key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
        head_mask: HeadMask | None = None,
    ) -> Tensor | tuple[Tensor, Attention]:
        """x: (B, T) token ids -> logits (B, T, V) [, {"decoder": (L, B, H, T, T)}]."""
        T = x.shape[1]
        mask = attention_mask(T, T, self.cfg.causal, key_padding_mask, device=x.device)
        h, w, _ = self.decoder(
            self.embed(x),
            None,
            mask,
            None,
            return_attention,
            self._head_mask(head_mask, "decoder"),
        )
        logits = self.generator(h)
        return (logits, {"decoder": w}) if return_attention else logits


class EncoderOnly(TransformerBase):
    """BERT: one stack where every position sees every other; one prediction per position."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.encoder = Encoder(cfg)
        self.init_weights()

    def forward(
        self,
        x: Tensor,
        key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
        head_mask: HeadMask | None = None,
    ) -> Tensor | tuple[Tensor, Attention]:
        """x: (B, T) token ids -> logits (B, T, V) [, {"encoder": (L, B, H, T, T)}]."""
        T = x.shape[1]
        mask = attention_mask(T, T, key_padding_mask=key_padding_mask, device=x.device)
        h, w = self.encoder(
            self.embed(x), mask, return_attention, self._head_mask(head_mask, "encoder")
        )
        logits = self.generator(h)
        return (logits, {"encoder": w}) if return_attention else logits


_SHAPES = {
    "encoder-decoder": EncoderDecoder,
    "decoder-only": DecoderOnly,
    "encoder-only": EncoderOnly,
}


def build_model(cfg: ModelConfig) -> TransformerBase:
    """The model for cfg.arch, freshly initialised (seed torch first for repeatable weights)."""
    if not isinstance(cfg, ModelConfig):
        raise ValueError(f"build_model needs a ModelConfig, got {type(cfg).__name__}")
    return _SHAPES[cfg.arch](cfg)
