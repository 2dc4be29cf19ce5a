"""Every size limit, stated once. ModelConfig, the tasks, the trainer, the run-file loader,
the command line and the app's widgets all read these; none writes its own.

The model's size is checked before anything is allocated: `parameter_count` and
`memory_estimate` work from the config alone.
"""

from __future__ import annotations

from tinyformer.model.names import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY

MAX_D_MODEL = 1024
MAX_HEADS = 64
MAX_LAYERS = 12  # per stack
MAX_D_FF = 8192
MAX_LEN = 1024  # longest sequence a model may handle (positions)
MAX_SEQ_LEN = 256  # longest input a task generates or a custom example holds
MAX_SYMBOLS = 1000  # task symbols; the vocabulary adds the special tokens
MAX_VOCAB = MAX_SYMBOLS + 5
MAX_PARAMETERS = 20_000_000  # with Adam, about 16 bytes each while training: 320 MB
MAX_BATCH = 4096
MAX_STEPS = 10_000_000
MAX_EVAL_EXAMPLES = 100_000  # held-out examples, and `tinyformer eval --samples`
MAX_EXAMPLE_LINES = 1_000_000  # lines of a custom examples file
MAX_EXAMPLES_BYTES = 64 * 2**20  # size of a custom examples file
BYTES_PER_PARAMETER_TRAINING = 16  # weight, gradient, two Adam moments (float32)


def parameter_count(
    arch: str,
    vocab_size: int,
    d_model: int,
    n_layers: int,
    d_ff: int,
    max_len: int,
    learned_positions: bool,
) -> int:
    """The number of weights a model of these sizes has (exactly, for tinyformer's models)."""
    attention = 4 * d_model * d_model + 4 * d_model  # q, k, v, out projections with biases
    feed_forward = 2 * d_model * d_ff + d_ff + d_model
    norm = 2 * d_model
    encoder_layer = attention + feed_forward + 2 * norm
    decoder_layer = encoder_layer + attention + norm if arch == ENCODER_DECODER else encoder_layer
    stacks = {
        ENCODER_DECODER: n_layers * (encoder_layer + decoder_layer) + 2 * norm,
        DECODER_ONLY: n_layers * encoder_layer + norm,
        ENCODER_ONLY: n_layers * encoder_layer + norm,
    }[arch]
    embed = vocab_size * d_model + (max_len * d_model if learned_positions else 0)
    generator = d_model * vocab_size + vocab_size
    return stacks + embed + generator


def memory_estimate(parameters: int) -> int:
    """Bytes of weights, gradients and optimizer state while training (activations aside)."""
    return parameters * BYTES_PER_PARAMETER_TRAINING
