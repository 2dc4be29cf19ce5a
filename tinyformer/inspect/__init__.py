"""The inspect layer: looking inside a model and judging its answers.

Capture and intervention from outside the model, through its hook points
(`run_with_cache`, `logit_lens`, `ablate`); causes (`patch_heads`, `patch_residual`,
`logit_attribution`, `qk_circuit`, `ov_circuit`); greedy decoding; evaluation (token
accuracy, exact match); predictions; the attention behind an answer; head detectors. It
may import the model and tasks layers, never training or anything above.
"""

from tinyformer.inspect.ablation import ablate
from tinyformer.inspect.attribution import logit_attribution
from tinyformer.inspect.cache import logit_lens, run_with_cache
from tinyformer.inspect.circuits import copying_score, ov_circuit, qk_circuit
from tinyformer.inspect.patching import patch_heads, patch_residual

__all__ = [
    "ablate",
    "copying_score",
    "logit_attribution",
    "logit_lens",
    "ov_circuit",
    "patch_heads",
    "patch_residual",
    "qk_circuit",
    "run_with_cache",
]
