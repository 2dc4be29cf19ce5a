"""The same networks built from torch.nn.Transformer* layers, to prove ours equal to them.

`torch_equivalent(model)` copies a model's weights into the torch.nn building blocks
(strictly: every weight must find its place) and returns a module with the same call
signature. In eval mode both give the same logits to 1e-5.
"""

from __future__ import annotations

import math
import re

import torch
from torch import Tensor, nn

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY, ModelConfig


def _sinusoid(max_len: int, d_model: int) -> Tensor:
    # Written as in the Annotated Transformer, independently of tinyformer.model.embedding.
    position = torch.arange(max_len).unsqueeze(1).float()
    div_term = torch.exp(torch.arange(0, d_model, 2).float() * -(math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)[:, : d_model // 2]
    return pe


def _bool_causal(t: int, device: torch.device) -> Tensor:
    return torch.ones(t, t, dtype=torch.bool, device=device).triu(1)


class _ReferenceBase(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tokens = nn.Embedding(cfg.vocab_size, cfg.d_model)
        if cfg.positional == "learned":
            self.learned = nn.Parameter(torch.empty(cfg.max_len, cfg.d_model))
        if cfg.positional == "sinusoidal":
            self.register_buffer("sinusoid", _sinusoid(cfg.max_len, cfg.d_model), persistent=False)
        self.dropout = nn.Dropout(cfg.dropout)
        self.generator = nn.Linear(cfg.d_model, cfg.vocab_size)

    def embed(self, x: Tensor) -> Tensor:
        h = self.tokens(x) * math.sqrt(self.cfg.d_model)
        if self.cfg.positional == "learned":
            h = h + self.learned[: x.shape[1]]
        elif self.cfg.positional == "sinusoidal":
            h = h + self.sinusoid[: x.shape[1]]
        return self.dropout(h)

    def _encoder_layer(self) -> nn.TransformerEncoderLayer:
        c = self.cfg
        return nn.TransformerEncoderLayer(
            c.d_model, c.n_heads, c.d_ff, c.dropout, batch_first=True, norm_first=c.norm_first
        )

    def _encoder(self) -> nn.TransformerEncoder:
        # No nested tensors: they would zero padded positions and break the comparison.
        return nn.TransformerEncoder(
            self._encoder_layer(),
            self.cfg.n_layers,
            norm=nn.LayerNorm(self.cfg.d_model),
            enable_nested_tensor=False,
        )


class ReferenceEncoderDecoder(_ReferenceBase):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        c = cfg
        decoder_layer = nn.TransformerDecoderLayer(
            c.d_model, c.n_heads, c.d_ff, c.dropout, batch_first=True, norm_first=c.norm_first
        )
        self.transformer = nn.Transformer(
            c.d_model,
            c.n_heads,
            dim_feedforward=c.d_ff,
            dropout=c.dropout,
            batch_first=True,
            norm_first=c.norm_first,
            custom_encoder=self._encoder(),
            custom_decoder=nn.TransformerDecoder(
                decoder_layer, c.n_layers, norm=nn.LayerNorm(c.d_model)
            ),
        )

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
    ) -> Tensor:
        tgt_mask = _bool_causal(tgt.shape[1], tgt.device) if self.cfg.causal else None
        h = self.transformer(
            self.embed(src),
            self.embed(tgt),
            tgt_mask=tgt_mask,
            src_key_padding_mask=src_key_padding_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=src_key_padding_mask,
        )
        return self.generator(h)


class ReferenceSingleStack(_ReferenceBase):
    """Decoder-only (causal) or encoder-only: one nn.TransformerEncoder."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.stack = self._encoder()
        self.causal = cfg.arch == DECODER_ONLY and cfg.causal

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        mask = _bool_causal(x.shape[1], x.device) if self.causal else None
        h = self.stack(self.embed(x), mask=mask, src_key_padding_mask=key_padding_mask)
        return self.generator(h)


def torch_name(key: str, arch: str) -> str:
    """Our parameter name -> the torch.nn one."""
    stack = {
        ENCODER_DECODER: "transformer.{}.",
        DECODER_ONLY: "stack.",
        ENCODER_ONLY: "stack.",
    }
    prefix = stack[arch]
    key = re.sub(r"^embed\.", "", key)
    key = re.sub(r"^(encoder|decoder)\.", lambda m: prefix.format(m.group(1)), key)
    key = key.replace("in_proj.weight", "in_proj_weight").replace("in_proj.bias", "in_proj_bias")
    key = key.replace(".cross_attn.", ".multihead_attn.").replace(".ff.linear", ".linear")
    key = key.replace(".add_norm1.norm.", ".norm1.")
    if arch == ENCODER_DECODER and key.startswith("transformer.decoder.layers."):
        key = key.replace(".add_norm_cross.norm.", ".norm2.").replace(".add_norm2.norm.", ".norm3.")
    return key.replace(".add_norm2.norm.", ".norm2.")


def torch_equivalent(model: nn.Module) -> nn.Module:
    """A torch.nn.Transformer-built copy of `model`, same weights, same train/eval mode."""
    cfg = getattr(model, "cfg", None)
    if not isinstance(cfg, ModelConfig):
        raise ValueError("torch_equivalent needs a model made by tinyformer.build_model")
    ref = ReferenceEncoderDecoder(cfg) if cfg.arch == ENCODER_DECODER else ReferenceSingleStack(cfg)
    state = {torch_name(k, cfg.arch): v for k, v in model.state_dict().items()}
    ref.load_state_dict(state, strict=True)
    device = next(model.parameters()).device
    return ref.to(device).train(model.training)
