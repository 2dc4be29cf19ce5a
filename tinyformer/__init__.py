"""tinyformer: the smallest Transformer, correct, readable and open to inspection.

The layers, lowest first (each may import only those below it; lint-imports checks):

- `tinyformer.model`: the Transformer in three shapes (torch only).
- `tinyformer.tasks`: vocabularies, toy tasks, batches.
- `tinyformer.inspect`: decoding, evaluation, attention, head detectors, capture.
- `tinyformer.training`: experiments, the trainer, history, run files.
- front doors: `tinyformer.presets`, `tinyformer.lessons`, `tinyformer.cli`, and
  `tinyformer.reference` (the same networks built from torch.nn, for the proofs).
"""

from tinyformer import inspect, reference
from tinyformer.model import DecoderOnly, EncoderDecoder, EncoderOnly, ModelConfig, build_model

__all__ = [
    "DecoderOnly",
    "EncoderDecoder",
    "EncoderOnly",
    "ModelConfig",
    "build_model",
    "inspect",
    "reference",
]
