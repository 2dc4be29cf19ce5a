"""The inspect layer: looking inside a model and judging its answers.

Greedy decoding, evaluation (token accuracy, exact match), predictions, the attention
behind an answer and head detectors. It may import the model and tasks layers, never
training or anything above.
"""
