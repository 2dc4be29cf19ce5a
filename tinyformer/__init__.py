"""tinyformer: the smallest Transformer, correct, readable and open to inspection.

The layers, lowest first (each may import only those below it; lint-imports checks):

- `tinyformer.model`: the Transformer in three shapes (torch only).
- `tinyformer.tasks`: vocabularies, toy tasks, batches.
- `tinyformer.inspect`: decoding, evaluation, attention, head detectors, capture.
- `tinyformer.training`: experiments, the trainer, history, run files.
- front doors: `tinyformer.presets`, `tinyformer.lessons`, `tinyformer.cli`, and
  `tinyformer.reference` (the same networks built from torch.nn, for the proofs).
"""

import importlib

_MODEL = ("DecoderOnly", "EncoderDecoder", "EncoderOnly", "ModelConfig", "build_model")
_MODULES = ("inspect", "reference")


def __getattr__(name: str):
    # Loaded on first use: `tinyformer` on the command line must answer (or be interrupted)
    # before torch, which the model needs, has finished loading.
    if name in _MODEL:
        return getattr(importlib.import_module("tinyformer.model"), name)
    if name in _MODULES:
        return importlib.import_module(f"tinyformer.{name}")
    raise AttributeError(f"module 'tinyformer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODEL, *_MODULES])


__all__ = [
    "DecoderOnly",
    "EncoderDecoder",
    "EncoderOnly",
    "ModelConfig",
    "build_model",
    "inspect",
    "reference",
]
