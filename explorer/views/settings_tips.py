"""What each setting does to the model, in a sentence: the settings panel's tooltips."""

from __future__ import annotations

from tinyformer.model.config import ARCHS, POSITIONALS

ARCH_NAMES = dict(
    zip(
        ("Encoder-decoder", "Decoder-only (GPT)", "Encoder-only (BERT)"),
        ARCHS,
        strict=True,
    )
)
POSITIONAL_NAMES = dict(zip(("Sinusoidal", "Learned", "None"), POSITIONALS, strict=True))

TIPS = {
    "preset": "A ready experiment: model, task and training settings together. Editing any "
    "setting marks it (modified).",
    "model.arch": "Encoder-decoder: an encoder reads the input, a decoder writes the answer "
    "looking at it (cross-attention). Decoder-only (GPT): one causal stack continues a "
    "sequence. Encoder-only (BERT): one stack predicts a token at every position.",
    "model.d_model": "Hidden size: the length of every token's vector. Wider models can "
    "hold more, and cost more per step. Applied on Enter.",
    "model.n_heads": "Attention heads per layer: the hidden size is split between them, each "
    "head attends on its own. Only counts that divide the hidden size are offered.",
    "model.n_layers": "Layers per stack: each adds an attention and a feed-forward sublayer. "
    "Some tasks (induction) need two.",
    "model.d_ff": "Feed-forward size: the width of the per-position network in each layer.",
    "model.positional": "How the model knows where a token stands. Without positions, "
    "attention cannot tell '1 2' from '2 1' (reverse becomes impossible).",
    "model.norm_first": "Pre-norm (as GPT-2): LayerNorm before each sublayer, often easier "
    "to train. Off: the paper's post-norm.",
    "model.causal": "The decoder may not look at later positions. Off reproduces the "
    "article's leak: the decoder reads the answer it should predict.",
    "model.dropout": "Randomly zero this share of activations while training (never when "
    "evaluating), to discourage memorizing.",
    "task.name": "What the model learns: copy, reverse or sort numbers, continue a pattern, "
    "complete an induction sequence, fill BERT-style gaps, modular arithmetic, or your own "
    "examples.",
    "task.vocab": "How many symbols the task uses (the model's vocabulary adds 5 special "
    "tokens). For the modular task: the modulus p.",
    "task.seq_len": "How many tokens each generated input has.",
    "task.pattern": "The repeating pattern of the pattern task, tokens separated by spaces.",
    "task.text": "Your examples, one per line: 'a b -> c d' pairs, or plain sequences for "
    "next-token prediction; # starts a comment. Errors name the line.",
    "task.operation": "The modular task's operation: a + b, a - b or a * b, all mod p.",
    "task.held_out": "The fraction of the distinct examples never trained on: every "
    "evaluation uses only these, so a memorizing model shows up as a gap.",
    "train.lr": "Peak learning rate: how big each update is. The arrows halve and double "
    "it. Too high diverges; too low crawls.",
    "train.warmup": "Steps over which the learning rate rises from 0 to its peak.",
    "train.weight_decay": "AdamW's weight decay: shrinks every weight a little each step. It "
    "is what turns a memorizing model into one that finds the rule (grokking).",
    "train.batch_size": "Examples per update. With a fixed set of examples, a batch that "
    "covers the training set trains on all of it at every step.",
    "train.steps": "Updates in the run. Raise it after a run ends to train on.",
    "train.seed": "The same seed and settings give the same run, step for step.",
}
