"""A batch as labelled tables of tokens: what the training data view shows.

For the architecture and task at hand: every input tensor and the labels (one row per
example, shaded where padding or ignored), and every attention mask (for the first
example, queries down, keys across, shaded where blocked), each with a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY
from tinyformer.model.masks import attention_mask
from tinyformer.tasks import Task
from tinyformer.tasks.batching import DESCRIPTIONS, IGNORE, Example

PADDING = {"src": "src_key_padding_mask", "tgt": "tgt_key_padding_mask", "x": "key_padding_mask"}
TITLES = {
    "src": "Encoder input (src)",
    "tgt": "Decoder input (tgt)",
    "x": "Input (x)",
    "labels": "Labels",
}


@dataclass(frozen=True)
class Table:
    title: str
    sentence: str
    cells: list[list[str]]  # rows x columns of token strings
    shaded: np.ndarray  # bool (rows, columns): padding, no loss, or blocked
    row_labels: list[str]
    column_labels: list[str]


def _token_table(name: str, ids: np.ndarray, task: Task, shaded: np.ndarray) -> Table:
    cells = [["·" if i == IGNORE else task.vocab.token(int(i)) for i in row] for row in ids]
    sentence = DESCRIPTIONS[name] + (
        "; shaded: padding" if name != "labels" and shaded.any() else ""
    )
    if name == "labels":
        sentence = DESCRIPTIONS["labels"].replace("-100", "· (shaded)")
    return Table(
        title=TITLES[name],
        sentence=sentence,
        cells=cells,
        shaded=shaded,
        row_labels=[f"example {i + 1}" for i in range(len(cells))],
        column_labels=[str(j + 1) for j in range(ids.shape[1])],
    )


def _mask_table(title: str, sentence: str, blocked: np.ndarray, queries, keys) -> Table:
    cells = [["✕" if b else "" for b in row] for row in blocked]
    return Table(title, sentence, cells, blocked, list(queries), list(keys))


def batch_tables(task: Task, examples: Sequence[Example], arch: str, causal: bool) -> list[Table]:
    """The tables for `examples` as a model of `arch` (with or without a causal mask) sees them."""
    batch = task.batch(examples, arch)
    tables = []
    names = {k: v for k, v in batch.inputs.items() if v is not None and not k.endswith("mask")}
    for name, ids in names.items():
        pad = batch.inputs[PADDING[name]]
        shaded = np.zeros(ids.shape, bool) if pad is None else pad.numpy()
        tables.append(_token_table(name, ids.numpy(), task, shaded))
    labels = batch.labels.numpy()
    tables.append(_token_table("labels", labels, task, labels == IGNORE))

    def tokens(name: str) -> list[str]:
        return task.vocab.decode(names[name][0].tolist())

    def mask(title: str, sentence: str, query: str, key: str, is_causal: bool) -> Table:
        """The first example's mask for queries from `query`, keys from `key`."""
        q, k = tokens(query), tokens(key)
        pad = batch.inputs[PADDING[key]]
        m = attention_mask(len(q), len(k), is_causal, None if pad is None else pad[:1])
        blocked = np.zeros((len(q), len(k)), bool)
        if m is not None:
            blocked = np.broadcast_to(m.numpy(), (1, 1, len(q), len(k)))[0, 0].copy()
        return _mask_table(title, sentence, blocked, q, k)

    see_all = "Rows look at columns: every position may look at every other (padding excepted)."
    if arch != DECODER_ONLY:
        enc = "src" if arch == ENCODER_DECODER else "x"
        tables.append(mask("Encoder self-attention mask", see_all, enc, enc, False))
    if arch != ENCODER_ONLY:
        dec = "tgt" if arch == ENCODER_DECODER else "x"
        sentence = (
            "Causal mask: position i may not look at later positions (✕), so it cannot read "
            "the token it must predict."
            if causal
            else "No causal mask: every position sees every other, including the answer."
        )
        tables.append(mask("Decoder self-attention mask", sentence, dec, dec, causal))
    if arch == ENCODER_DECODER:
        cross = "Each decoder position may look at the whole encoder output (padding excepted)."
        tables.append(mask("Cross-attention mask", cross, "tgt", "src", False))
    return tables
