"""What the Causes tab measures, read off the run in the worker thread: activation patching
of every head and of the stream, direct logit attribution, and one head's circuits.

A clean input (a held-out example, or one typed), a corrupted one (one of its tokens
changed, or another example), and a metric at one output position: the right token's
probability, or its logit minus the logit of the corrupted run's answer. Heads switched
off stay off in every run. Plain functions of a trainer (no Qt); each returns a frozen
value of explorer.core.results.
"""

from __future__ import annotations

import numpy as np
import torch

from explorer.core.causes_ask import CausesAsk
from explorer.core.readings import InputRefused, answer_example, parse_typed
from explorer.core.results import CausesResult, CircuitsResult
from tinyformer.inspect.ablation import ablate
from tinyformer.inspect.attribution import logit_attribution
from tinyformer.inspect.cache import run_with_cache
from tinyformer.inspect.circuits import copying_score, ov_circuit, qk_circuit
from tinyformer.inspect.patching import logit_difference, patch_heads, patch_residual
from tinyformer.model.config import ENCODER_DECODER
from tinyformer.model.modes import eval_mode
from tinyformer.model.shapes import KINDS
from tinyformer.tasks.batching import IGNORE, Example
from tinyformer.training.trainer import Trainer


def _clean(t: Trainer, clean: tuple) -> tuple[Example, str]:
    if clean[0] == "held-out":
        i = min(int(clean[1]), len(t.heldout) - 1)
        return t.heldout[i], f"held-out example {i + 1}"
    _, _, example = answer_example(t, parse_typed(t, str(clean[1])))
    return example, "your input (the model's own answer as target)"


def _corrupted(t: Trainer, clean: Example, corrupt: tuple) -> tuple[Example, str]:
    if corrupt[0] == "token":
        p = min(int(corrupt[1]), len(clean.source) - 1)
        first, size = t.task.vocab.first_symbol, t.task.vocab.size
        new = first + (clean.source[p] - first + 1) % (size - first)  # the next symbol
        source = (*clean.source[:p], new, *clean.source[p + 1 :])
        return Example(source, clean.target), f"token {p + 1} changed"
    i = min(int(corrupt[1]), len(t.heldout) - 1)
    other = t.heldout[i]
    if len(other.source) != len(clean.source):
        raise InputRefused(
            f"held-out example {i + 1} has another length: pick one of "
            f"{len(clean.source)} tokens, or change one token"
        )
    return Example(other.source, clean.target), f"held-out example {i + 1}"


def _inputs(batch) -> tuple:
    names = ("src", "tgt") if batch.arch == ENCODER_DECODER else ("x",)
    return tuple(batch.inputs[n] for n in names)


def causes(t: Trainer, ask: CausesAsk, ablated: frozenset, serial: int) -> CausesResult:
    clean, clean_label = _clean(t, ask.clean)
    corrupted, corrupt_label = _corrupted(t, clean, ask.corrupt)
    b_clean, b_corr = t.task.batch([clean], t.arch), t.task.batch([corrupted], t.arch)
    x_clean, x_corr = _inputs(b_clean), _inputs(b_corr)
    labels = b_clean.labels[0].tolist()
    answers = [i for i, y in enumerate(labels) if y != IGNORE]
    vocab = t.task.vocab
    with ablate(t.model, ablated), eval_mode(t.model):
        logits_clean, cache = run_with_cache(t.model, *x_clean)
        logits_corr = t.model(*x_corr)
        top_clean, top_corr = logits_clean[0].argmax(-1), logits_corr[0].argmax(-1)
        position = ask.position
        if position is None or position not in answers:
            moved = [i for i in answers if top_clean[i] != top_corr[i]]
            position = (moved or answers)[0]
        right = labels[position]
        wrong = int(top_corr[position])
        if wrong == right:  # the corrupted run still answers right: its runner-up
            wrong = int(logits_corr[0, position].topk(2).indices[1])
        if ask.metric == "difference":
            metric = logit_difference(position, right, wrong)
        else:
            metric = lambda logits: logits[:, position].softmax(-1)[:, right].mean()  # noqa: E731
        clean_m, corr_m = float(metric(logits_clean)), float(metric(logits_corr))
        heads, stream, note = {}, {}, ""
        try:
            for kind in KINDS[t.arch]:
                heads[kind] = patch_heads(t.model, x_clean, x_corr, metric, kind).numpy()
            for stack in t.model.stacks():
                stream[stack] = patch_residual(t.model, x_clean, x_corr, metric, stack).numpy()
        except ValueError as e:
            heads, stream, note = {}, {}, str(e)
        parts, why = {}, ""
        try:
            parts = {
                k: float(v[0])
                for k, v in logit_attribution(t.model, cache, position, right).items()
            }
        except ValueError as e:
            why = str(e)
    decode = vocab.decode
    stacks = {"src": "encoder", "tgt": "decoder", "x": "decoder"}
    if t.arch != ENCODER_DECODER:
        stacks["x"] = "decoder" if "decoder" in t.model.stacks() else "encoder"
    return CausesResult(
        serial=serial,
        step=t.step_count,
        ask=ask,
        clean_label=clean_label,
        corrupt_label=corrupt_label,
        tokens={
            stacks[k]: decode(v[0].tolist())
            for k, v in b_clean.inputs.items()
            if v is not None and not k.endswith("mask")
        },
        corrupted={
            stacks[k]: decode(v[0].tolist())
            for k, v in b_corr.inputs.items()
            if v is not None and not k.endswith("mask")
        },
        targets=[vocab.token(y) if y != IGNORE else "" for y in labels],
        answers=answers,
        position=position,
        right=vocab.token(right),
        wrong=vocab.token(wrong),
        metric=ask.metric,
        clean_metric=clean_m,
        corrupted_metric=corr_m,
        heads=heads,
        stream=stream,
        note=note,
        attribution=parts,
        attribution_note=why,
        ablated=ablated,
    )


def circuits(t: Trainer, head: tuple[str, int, int], serial: int) -> CircuitsResult:
    """A head's QK and OV circuits over the task's own tokens, and its copying score."""
    kind, layer, h = head
    task = t.task
    shown = list(range(task.vocab.first_symbol, task.vocab.size))
    with torch.no_grad():
        qk = qk_circuit(t.model, kind, layer, h)
        ov = ov_circuit(t.model, kind, layer, h)
    index = torch.as_tensor(shown)
    labels = [task.vocab.token(i) for i in shown]
    return CircuitsResult(
        serial=serial,
        step=t.step_count,
        head=(kind, layer, h),
        tokens=labels,
        qk=qk[index][:, index].numpy().astype(np.float32),
        ov=ov[index][:, index].numpy().astype(np.float32),
        copying=copying_score(ov, shown),
        chance=1.0 / max(len(shown), 1),
    )
