"""The inspect layer: looking inside a model and judging its answers.

Capture and intervention from outside the model, through its hook points
(`run_with_cache`, `logit_lens`, `ablate`); greedy decoding; evaluation (token accuracy,
exact match); predictions; the attention behind an answer; head detectors. It may import
the model and tasks layers, never training or anything above.
"""

from tinyformer.inspect.ablation import ablate
from tinyformer.inspect.cache import logit_lens, run_with_cache

__all__ = ["ablate", "logit_lens", "run_with_cache"]
