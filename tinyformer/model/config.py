"""ModelConfig: every size and switch of a model, validated once, never mutated."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

from tinyformer.model import limits
from tinyformer.model.names import (
    ARCHS,
    DECODER_ONLY,
    ENCODER_DECODER,
    ENCODER_ONLY,
    POSITIONALS,
    Arch,
    Positional,
)

T = TypeVar("T")

__all__ = [
    "ARCHS",
    "DECODER_ONLY",
    "ENCODER_DECODER",
    "ENCODER_ONLY",
    "POSITIONALS",
    "Arch",
    "ModelConfig",
    "Positional",
    "settings_from_dict",
]


def settings_from_dict(cls: type[T], data: Any, what: str) -> T:
    """Build a settings dataclass from plain data (a preset, a run file); unknown keys and
    non-mappings are errors that say what is allowed."""
    if not isinstance(data, dict):
        raise ValueError(f"{what} settings must be a mapping, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"unknown {what} setting(s): {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    return cls(**data)


def _positive_int(name: str, value: object, most: int) -> None:
    # bool is an int subclass; True as a layer count is a bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValueError(f"{name} must be an integer from 1 to {most}, got {value!r}")


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    """The shape of a Transformer.

    arch: "encoder-decoder" (the paper, the article), "decoder-only" (GPT),
        "encoder-only" (BERT).
    vocab_size: number of token ids, special tokens included.
    d_model, n_heads, n_layers, d_ff: as in "Attention Is All You Need" (sec. 3);
        an encoder-decoder has n_layers in each stack.
    max_len: longest input the positional encoding covers.
    positional: "sinusoidal" (sec. 3.5), "learned" (BERT, GPT) or "none".
    norm_first: pre-norm (GPT-2 style) instead of the paper's post-norm.
    causal: the decoder may not look ahead. False reproduces the article's leak:
        the decoder then sees the very token it must predict. No effect on encoder-only.
    """

    arch: Arch = ENCODER_DECODER
    vocab_size: int = 16
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 256
    max_len: int = 64
    dropout: float = 0.0
    positional: Positional = "sinusoidal"
    norm_first: bool = False
    causal: bool = True

    def __post_init__(self) -> None:
        _choice("arch", self.arch, ARCHS)
        _choice("positional", self.positional, POSITIONALS)
        for name, most in (
            ("vocab_size", limits.MAX_VOCAB),
            ("d_model", limits.MAX_D_MODEL),
            ("n_heads", limits.MAX_HEADS),
            ("n_layers", limits.MAX_LAYERS),
            ("d_ff", limits.MAX_D_FF),
            ("max_len", limits.MAX_LEN),
        ):
            _positive_int(name, getattr(self, name), most)
        if self.d_model % self.n_heads:
            divisors = [h for h in range(1, self.d_model + 1) if self.d_model % h == 0]
            shown = ", ".join(map(str, divisors[:8])) + (" ..." if len(divisors) > 8 else "")
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads}); "
                f"heads that fit: {shown}"
            )
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)):
            raise ValueError(f"dropout must be a number in [0, 1), got {self.dropout!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        for name in ("norm_first", "causal"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.parameters > limits.MAX_PARAMETERS:
            mb = limits.memory_estimate(self.parameters) / 2**20
            raise ValueError(
                f"this model has {self.parameters:,} weights (about {mb:,.0f} MB to train); "
                f"at most {limits.MAX_PARAMETERS:,} are allowed: make it smaller"
            )

    @property
    def parameters(self) -> int:
        """How many weights the model has, known before it is built."""
        return limits.parameter_count(
            self.arch,
            self.vocab_size,
            self.d_model,
            self.n_layers,
            self.d_ff,
            self.max_len,
            self.positional == "learned",
        )

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return settings_from_dict(cls, data, "model")
