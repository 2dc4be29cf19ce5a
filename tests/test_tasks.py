"""Tasks make the data the design describes, for each architecture they support."""

from __future__ import annotations

import random

import pytest
import torch

from tinyformer.tasks import TaskConfig, make_task
from tinyformer.tasks.batching import IGNORE
from tinyformer.tasks.masked import MaskedTask
from tinyformer.tasks.vocab import BOS, EOS, MASK, SEP


def _task(name, **kw):
    return make_task(TaskConfig(name, **kw))


@pytest.mark.parametrize(
    "name, arch",
    [
        ("copy", "encoder-decoder"),
        ("copy", "decoder-only"),
        ("copy", "encoder-only"),
        ("reverse", "encoder-decoder"),
        ("sort", "decoder-only"),
        ("pattern", "encoder-decoder"),
        ("pattern", "decoder-only"),
        ("induction", "decoder-only"),
        ("masked", "encoder-only"),
    ],
)
def test_batches_follow_the_conventions(name, arch):
    task = _task(name, seq_len=12, vocab=10)
    examples = task.examples(random.Random(0), 16, arch)
    batch = task.batch(examples, arch)
    labels = batch.labels
    ids = [v for k, v in batch.inputs.items() if v is not None and not k.endswith("mask")]
    for t in ids:
        assert t.dtype == torch.long and int(t.min()) >= 0 and int(t.max()) < task.vocab.size
    if arch == "encoder-decoder":
        src, tgt = batch.inputs["src"], batch.inputs["tgt"]
        assert (tgt[:, 0] == BOS).all()
        assert torch.equal(tgt[:, 1:], labels[:, :-1])  # teacher forcing: shifted right
        assert src.shape[0] == labels.shape[0]
    elif arch == "decoder-only":
        x = batch.inputs["x"]
        scored = labels != IGNORE
        # Every scored label is the next input token (or the final answer token).
        assert torch.equal(labels[:, :-1][scored[:, :-1]], x[:, 1:][scored[:, :-1]])
        if task.separator:
            first = scored.float().argmax(1)
            assert (x[torch.arange(len(x)), first] == SEP).all()
    else:
        assert batch.inputs["x"].shape == labels.shape


def test_sequence_tasks_answer_correctly():
    rng = random.Random(1)
    for name, f in (("copy", list), ("reverse", lambda s: s[::-1]), ("sort", sorted)):
        for e in _task(name).examples(rng, 20, "encoder-decoder"):
            assert list(e.target) == list(f(list(e.source)))


def test_same_seed_same_examples_other_seed_other_examples():
    task = _task("copy")
    a = task.examples(random.Random(5), 10, "encoder-decoder")
    b = task.examples(random.Random(5), 10, "encoder-decoder")
    c = task.examples(random.Random(6), 10, "encoder-decoder")
    assert a == b and a != c


def test_pattern_takes_any_user_pattern_and_any_phase():
    task = _task("pattern", pattern="a b c", seq_len=7)
    assert task.vocab.symbols == ("a", "b", "c")
    starts = {e.source[0] for e in task.examples(random.Random(0), 50, "encoder-decoder")}
    assert len(starts) == 3
    for e in task.examples(random.Random(0), 10, "encoder-decoder"):
        assert e.source[1:] == e.target[:-1]  # next token at every position
    with pytest.raises(ValueError, match="longer than the pattern"):
        _task("pattern", pattern="1 0 1 0", seq_len=4)


def test_induction_second_half_repeats_the_first():
    task = _task("induction", seq_len=16, vocab=16)
    periods = set()
    for e in task.examples(random.Random(0), 200, "decoder-only"):
        seq = e.source + e.target
        p = len(e.source) - 1
        periods.add(p)
        assert len(set(seq[:p])) == p  # distinct
        assert all(seq[i] == seq[i - p] for i in range(p, len(seq)))
    assert periods == set(range(2, 9))
    with pytest.raises(ValueError, match="vocab must be at least 8"):
        _task("induction", seq_len=16, vocab=5)


def test_masked_follows_bert_proportions():
    task = _task("masked", seq_len=20, vocab=10)
    chosen = masked = randomised = kept = positions = 0
    for e in task.examples(random.Random(0), 4000, "encoder-only"):
        positions += len(e.source)
        for s, t in zip(e.source, e.target, strict=True):
            if t == IGNORE:
                continue
            chosen += 1
            if s == MASK:
                masked += 1
            elif s == t:
                kept += 1
            else:
                randomised += 1
    assert abs(chosen / positions - 0.15) < 0.01
    assert abs(masked / chosen - 0.8) < 0.02
    # "random" may draw the original token: 10% * (1 - 1/vocab) look changed
    assert abs(randomised / chosen - 0.09) < 0.015
    assert abs(kept / chosen - 0.11) < 0.015


def test_masked_always_hides_at_least_one_token():
    task = _task("masked", seq_len=2, vocab=10)
    for e in task.examples(random.Random(0), 500, "encoder-only"):
        assert any(t != IGNORE for t in e.target)


def test_masked_user_input_and_fill():
    task = _task("masked", seq_len=6, vocab=10)
    assert isinstance(task, MaskedTask)
    src = tuple(task.parse_input("1 2 <mask> 4"))
    assert src[2] == MASK
    assert task.fill(src, [9, 9, task.vocab.encode(["3"])[0], 9]) == task.vocab.encode(
        ["1", "2", "3", "4"]
    )
    assert task.example_for(src, "encoder-only").target[2] == task.vocab.encode(["3"])[0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "type at least one example"),
        ("1 2 -> 2 1\n3 -> -> 4", "line 2: use -> once"),
        ("1 2 -> 2 1\n\n -> 4", "line 3: put tokens on both sides of ->"),
        ("1 2 -> 2 1\n1 2 3", "line 2: mix of pairs"),
        ("a b\nc", "line 2: a sequence needs at least two tokens"),
        ("a <pad> b", "line 1: <pad> is a reserved token"),
    ],
)
def test_custom_text_errors_name_the_line(text, message):
    with pytest.raises(ValueError) as err:
        _task("custom", text=text)
    assert message in str(err.value)


def test_custom_pairs_and_sequences():
    text = "# my data\nhi there -> hello\nbye -> see you\n"
    pairs = _task("custom", text=text, held_out=0.0)  # two lines: none can be held out
    assert pairs.vocab.symbols == ("hi", "there", "hello", "bye", "see", "you")
    assert pairs.archs == ("encoder-decoder", "decoder-only")  # lengths differ
    b = pairs.batch(pairs.data, "encoder-decoder")
    assert (b.labels == EOS).sum() == 2  # answers of varying length end with <eos>
    seqs = _task("custom", text="a b c d\nd c b a", held_out=0.0)
    e = seqs.sample(random.Random(0), "decoder-only")
    assert len(e.source) == 1 and len(e.target) == 3
    with pytest.raises(ValueError, match="works with encoder-decoder or decoder-only"):
        seqs.check_arch("encoder-only")


def test_unsupported_architectures_are_refused_plainly():
    with pytest.raises(
        ValueError, match="task 'induction' works with decoder-only, not encoder-only"
    ):
        _task("induction").examples(random.Random(0), 1, "encoder-only")
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        _task("nope")


def test_user_tokens_outside_the_vocabulary_are_refused():
    with pytest.raises(ValueError, match="unknown token '11'"):
        _task("copy").parse_input("1 2 11")
