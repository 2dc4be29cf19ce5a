"""What the worker reads off the run for the GUI: the run itself, predictions, attention,
every tensor of one pass. Plain functions of a trainer (no Qt), called in the worker
thread; each returns a frozen value from explorer.core.results, with heads switched off
as asked."""

from __future__ import annotations

import random

from explorer.core.results import (
    InsideResult,
    Inspection,
    LiveAttention,
    Made,
    RunInfo,
    TypedResult,
)
from tinyformer.inspect.ablation import ablate
from tinyformer.inspect.attention_view import attention_for
from tinyformer.inspect.cache import logit_lens, run_with_cache
from tinyformer.inspect.evaluation import evaluate
from tinyformer.inspect.predictions import inspect_examples, predict
from tinyformer.model.config import DECODER_ONLY, ENCODER_DECODER, ENCODER_ONLY
from tinyformer.model.modes import eval_mode
from tinyformer.tasks.batching import IGNORE, Example
from tinyformer.tasks.vocab import BOS, EOS, MASK, SEP
from tinyformer.training.experiment import Experiment
from tinyformer.training.trainer import Trainer

N_EXAMPLES = 6  # held-out examples shown in the predictions view
TABLE_EXAMPLES = 4  # examples in the Batch tab's tables


def run_info(t: Trainer, serial: int, path: str | None) -> RunInfo:
    return RunInfo(serial, t.experiment, t.step_count, path)


def made(t: Trainer, serial: int, path: str | None, note: str = "") -> Made:
    """The run as the GUI first gets it, with copies of what it has recorded so far."""
    return Made(
        info=run_info(t, serial, path),
        history=t.history.copy(),
        snapshots=tuple(t.snapshots.items),
        opened=path is not None,
        held_out=len(t.heldout),
        split=t.heldout_split,
        fresh=not t.task.has_split,
        distinct=len({e.source for e in t.heldout}),
        vocab=tuple(t.task.vocab.labels()),
        shown_tokens=tuple(shown_tokens(t)),
        note=note,
    )


def shown_tokens(t: Trainer) -> list[int]:
    """The tokens the task uses: the special tokens it never shows the model keep their
    random start, and would only pull a picture of the embeddings apart."""
    task, arch = t.task, t.arch
    used = {BOS} if arch == ENCODER_DECODER else set()
    if arch == DECODER_ONLY and task.separator:
        used.add(SEP)
    if task.eos:
        used.add(EOS)
    if task.name == "masked":
        used.add(MASK)
    return sorted(used) + list(range(task.vocab.first_symbol, task.vocab.size))


def table_rng(exp: Experiment) -> random.Random:
    """The Batch tab draws its examples from the run's own seed: the first batch it sees."""
    return random.Random(exp.train.seed)


def inspection(t: Trainer, ablated: frozenset, serial: int, fresh: bool = True) -> Inspection:
    """Predictions (mistakes first) and the probe's attention at this step. `fresh`: the
    whole held-out set is evaluated now (on a pause, with heads off); while training the
    last evaluation picks the mistakes, so a look costs the trainer little."""
    with ablate(t.model, ablated):
        evaluation = t.last_eval
        current = evaluation is not None and evaluation.step == t.step_count
        if ablated or (fresh and not current):
            evaluation = evaluate(
                t.model,
                t.task,
                t.heldout,
                t.arch,
                t.step_count,
                max_mistakes=0,
                split=t.heldout_split,
            )
        chosen = [] if evaluation is None else list(evaluation.wrong[:N_EXAMPLES])
        rest = [i for i in range(len(t.heldout)) if i not in chosen]
        chosen += rest[: N_EXAMPLES - len(chosen)]
        examples = inspect_examples(t.model, t.task, [t.heldout[i] for i in chosen], t.arch)
        view = attention_for(t.model, t.task, t.probe, t.arch)
    return Inspection(
        serial=serial,
        step=t.step_count,
        examples=examples,
        attention=view,
        ablated=ablated,
        evaluation=evaluation if ablated or (evaluation is not t.last_eval) else None,
    )


def live_attention(t: Trainer, serial: int) -> LiveAttention:
    view = attention_for(t.model, t.task, t.probe, t.arch)
    return LiveAttention(serial, t.step_count, view.weights)


def answer_example(t: Trainer, source: tuple[int, ...]) -> tuple:
    """The greedy prediction, and the example whose target is the model's own answer."""
    pred = predict(t.model, t.task, source, t.arch)
    answer = [o for o in pred.output if o != EOS] if t.task.eos else pred.output
    target = tuple(pred.output if t.arch == ENCODER_ONLY else answer) or (EOS,)
    return pred, answer, Example(source, target)


class InputRefused(ValueError):
    """The user's typed input cannot be read (an unknown token, too long): said where it
    was typed, not as an error of the app."""


def parse_typed(t: Trainer, text: str) -> tuple[int, ...]:
    """The ids of a typed input, or InputRefused saying what is wrong with it."""
    try:
        source = tuple(t.task.parse_input(text))
    except ValueError as e:
        raise InputRefused(str(e)) from None
    limit = t.experiment.model.max_len - (t.task.answer_len(len(source), t.arch) + 2)
    if t.arch == DECODER_ONLY and len(source) > limit:
        raise InputRefused(f"input too long: at most {max(limit, 1)} tokens")
    return source


def typed_result(t: Trainer, text: str, ablated: frozenset, serial: int) -> TypedResult:
    """The answer to the user's own input and the attention behind it."""
    source = parse_typed(t, text)
    with ablate(t.model, ablated):
        pred, answer, example = answer_example(t, source)
        attention = attention_for(t.model, t.task, example, t.arch)
    expected = t.task.example_for(source, t.arch)
    decode = t.task.vocab.decode
    return TypedResult(
        text=text,
        prediction=pred,
        output=decode(t.task.fill(source, answer)),
        expected=None if expected is None else decode(t.task.fill(source, expected.target)),
        attention=attention,
        ablated=ablated,
        step=t.step_count,
        serial=serial,
    )


def inside(
    t: Trainer, request: tuple[str, object], ablated: frozenset, serial: int
) -> InsideResult:
    """Every tensor of one forward pass, for ("held-out", index) or ("typed", text)."""
    kind, value = request
    with ablate(t.model, ablated):
        if kind == "held-out":
            index = min(int(value), len(t.heldout) - 1)
            example, label = t.heldout[index], f"held-out example {index + 1}"
        else:
            _, _, example = answer_example(t, parse_typed(t, str(value)))
            label = "your input (the model's own answer as target)"
        batch = t.task.batch([example], t.arch)
        with eval_mode(t.model):
            logits, cache = run_with_cache(t.model, **batch.inputs)
            lens = logit_lens(t.model, cache).softmax(-1)
    arrays = {
        k: (v if k.endswith(".pos") else v[0]).float().numpy().copy() for k, v in cache.items()
    }
    stacks = {"src": "encoder", "tgt": "decoder"}
    stacks["x"] = "decoder" if t.arch == DECODER_ONLY else "encoder"
    tokens = {
        stacks[k]: t.task.vocab.decode(v[0].tolist())
        for k, v in batch.inputs.items()
        if v is not None and not k.endswith("mask")
    }
    labels = batch.labels[0].tolist()
    return InsideResult(
        serial=serial,
        step=t.step_count,
        label=label,
        arch=t.arch,
        tokens=tokens,
        cache=arrays,
        probs=logits[0].softmax(-1).float().numpy().copy(),
        lens=lens[:, 0].float().numpy().copy(),
        vocab=t.task.vocab.labels(),
        targets=[t.task.vocab.token(i) if i != IGNORE else "" for i in labels],
        ablated=ablated,
        norm_first=t.experiment.model.norm_first,
        request=tuple(request),
    )
