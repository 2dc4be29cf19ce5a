"""tinyformer: the smallest Transformer, correct, readable and open to inspection."""

from tinyformer import reference
from tinyformer.config import ModelConfig
from tinyformer.models import DecoderOnly, EncoderDecoder, EncoderOnly, build_model

__all__ = [
    "DecoderOnly",
    "EncoderDecoder",
    "EncoderOnly",
    "ModelConfig",
    "build_model",
    "reference",
]
