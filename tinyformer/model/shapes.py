"""The three shapes of Transformer, each a thin composition of Embeddings, Encoder, Decoder.

Attention, when asked for (return_attention=True), comes back as a dict kind ->
(L, B, H, T_q, T_k) post-softmax weights; kinds are "encoder" (self), "decoder" (self) and
"cross". It is read through the attention modules' hook points, like everything else that
looks inside (tinyformer.inspect): the forward pass itself knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from tinyformer.model.attention import MultiHeadAttention
from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY, Arch, ModelConfig
from tinyformer.model.embedding import Embeddings
from tinyformer.model.hooks import Kind, attention_name, recording
from tinyformer.model.masks import attention_mask
from tinyformer.model.stacks import Decoder, Encoder

Attention = dict[str, Tensor]

KINDS: dict[Arch, tuple[Kind, ...]] = {
    ENCODER_DECODER: ("encoder", "decoder", "cross"),
    DECODER_ONLY: ("decoder",),
    ENCODER_ONLY: ("encoder",),
}


class TransformerBase(nn.Module):
    """What all three shapes share: config, embeddings, output projection, init."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = Embeddings(cfg.vocab_size, cfg.d_model, cfg.max_len, cfg.positional)
        self.generator = nn.Linear(cfg.d_model, cfg.vocab_size)

    def init_weights(self) -> None:
        """Xavier-uniform for every matrix, as nn.Transformer and the Annotated Transformer;
        zero attention biases, as nn.MultiheadAttention."""
        for name, p in self.named_parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
            elif name.endswith(("in_proj.bias", "out_proj.bias")):
                nn.init.zeros_(p)

    def stacks(self) -> dict[str, Encoder | Decoder]:
        """ "encoder" and/or "decoder", in the order they run."""
        return {
            name: self._modules[name] for name in ("encoder", "decoder") if name in self._modules
        }

    @property
    def output_stack(self) -> Encoder | Decoder:
        """The stack whose output the generator reads (the last to run)."""
        return list(self.stacks().values())[-1]

    def attentions(self) -> dict[str, MultiHeadAttention]:
        """Every attention module by its name ("encoder.0.self", "decoder.1.cross", ...)."""
        found: dict[str, MultiHeadAttention] = {}
        for kind in KINDS[self.cfg.arch]:
            stack = self.stacks()["encoder" if kind == "encoder" else "decoder"]
            for i, layer in enumerate(stack.layers):
                found[attention_name(kind, i)] = (
                    layer.cross_attn if kind == "cross" else layer.self_attn
                )
        return found

    def _with_attention(self, forward: Callable[[], Tensor]) -> tuple[Tensor, Attention]:
        """Run `forward` and return its logits with every head's post-softmax weights."""
        layers, kinds = range(self.cfg.n_layers), KINDS[self.cfg.arch]
        names = {k: [f"{attention_name(k, i)}.pattern" for i in layers] for k in kinds}
        with recording(self, [n for group in names.values() for n in group]) as seen:
            logits = forward()
        return logits, {k: torch.stack([seen[n] for n in group]) for k, group in names.items()}


class EncoderDecoder(TransformerBase):
    """The paper's and the article's model: the encoder reads src with full attention, the
    decoder writes tgt one token at a time, looking back at itself (masked) and across at
    the encoder's output. Encoder and decoder share one token embedding (sec. 3.4)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg, cross=True)
        self.init_weights()

    def encode(self, src: Tensor, src_key_padding_mask: Tensor | None = None) -> Tensor:
        """src: (B, S) -> memory (B, S, D)."""
        S = src.shape[1]
        mask = attention_mask(S, S, key_padding_mask=src_key_padding_mask, device=src.device)
        return self.encoder(self.encoder.enter(self.embed, src), mask)

    def decode(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
    ) -> Tensor:
        """tgt: (B, T), memory: (B, S, D) -> logits (B, T, V)."""
        T, S = tgt.shape[1], memory.shape[1]
        self_mask = attention_mask(T, T, self.cfg.causal, tgt_key_padding_mask, device=tgt.device)
        memory_mask = attention_mask(
            T, S, key_padding_mask=memory_key_padding_mask, device=tgt.device
        )
        x = self.decoder.enter(self.embed, tgt)
        return self.generator(self.decoder(x, memory, self_mask, memory_mask))

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, Attention]:
        """src: (B, S), tgt: (B, T) token ids -> logits (B, T, V) [, attention]."""

        def run() -> Tensor:
            memory = self.encode(src, src_key_padding_mask)
            return self.decode(tgt, memory, tgt_key_padding_mask, src_key_padding_mask)

        return self._with_attention(run) if return_attention else run()


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
    ) -> Tensor | tuple[Tensor, Attention]:
        """x: (B, T) token ids -> logits (B, T, V) [, {"decoder": (L, B, H, T, T)}]."""

        def run() -> Tensor:
            T = x.shape[1]
            mask = attention_mask(T, T, self.cfg.causal, key_padding_mask, device=x.device)
            return self.generator(self.decoder(self.decoder.enter(self.embed, x), None, mask))

        return self._with_attention(run) if return_attention else run()


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
    ) -> Tensor | tuple[Tensor, Attention]:
        """x: (B, T) token ids -> logits (B, T, V) [, {"encoder": (L, B, H, T, T)}]."""

        def run() -> Tensor:
            T = x.shape[1]
            mask = attention_mask(T, T, key_padding_mask=key_padding_mask, device=x.device)
            return self.generator(self.encoder(self.encoder.enter(self.embed, x), mask))

        return self._with_attention(run) if return_attention else run()


_SHAPES = {
    ENCODER_DECODER: EncoderDecoder,
    DECODER_ONLY: DecoderOnly,
    ENCODER_ONLY: EncoderOnly,
}


def build_model(cfg: ModelConfig) -> TransformerBase:
    """The model for cfg.arch, freshly initialised (seed torch first for repeatable weights)."""
    if not isinstance(cfg, ModelConfig):
        raise ValueError(f"build_model needs a ModelConfig, got {type(cfg).__name__}")
    return _SHAPES[cfg.arch](cfg)
