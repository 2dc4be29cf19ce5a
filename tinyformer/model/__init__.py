"""The model layer: the Transformer itself, in three shapes, and nothing else.

Embeddings, masks, multi-head attention, the encoder and decoder blocks and stacks, and
`build_model`. It imports torch and nothing else of tinyformer: no task, no training, no
inspection. Capture and intervention (tinyformer.inspect) reach in from outside.
"""

from tinyformer.model.config import ARCHS, POSITIONALS, Arch, ModelConfig, Positional
from tinyformer.model.shapes import DecoderOnly, EncoderDecoder, EncoderOnly, build_model

__all__ = [
    "ARCHS",
    "POSITIONALS",
    "Arch",
    "DecoderOnly",
    "EncoderDecoder",
    "EncoderOnly",
    "ModelConfig",
    "Positional",
    "build_model",
]
