"""Your own data: examples from a file, a real held-out split, the modular task.

The slow tests train on 2,000 lines of a rule (held-out ≥ 95% exact) and on 2,000 random
pairs (held-out near chance while training examples are learned): a split that tells a
rule from memory.
"""

from __future__ import annotations

import random
import time

import pytest

from tinyformer.cli import main
from tinyformer.presets import get_preset
from tinyformer.tasks import TaskConfig, make_task
from tinyformer.tasks.examples_file import read_examples_file
from tinyformer.training.experiment import Experiment
from tinyformer.training.runfile import load_run
from tinyformer.training.trainer import Trainer

WORDS = [f"w{i}" for i in range(16)]


def reversal_lines(n: int, seed: int = 0) -> list[str]:
    """n distinct lines "a b c d -> d c b a" of 4 to 6 words."""
    rng, lines = random.Random(seed), set()
    while len(lines) < n:
        words = [rng.choice(WORDS) for _ in range(rng.randint(4, 6))]
        lines.add(f"{' '.join(words)} -> {' '.join(reversed(words))}")
    return sorted(lines)


def random_pair_lines(n: int, seed: int = 0) -> list[str]:
    """n lines pairing random words with random answers: nothing to learn but the lines."""
    rng, lines, seen = random.Random(seed), [], set()
    while len(lines) < n:
        source = " ".join(rng.choice(WORDS) for _ in range(4))
        if source not in seen:
            seen.add(source)
            lines.append(f"{source} -> {' '.join(rng.choice(WORDS) for _ in range(4))}")
    return lines


# reading files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02 binary", "a binary file"),
        (b"", "holds no examples"),
        (b"# only a comment\n\n", "holds no examples"),
        (b"a b -> c\nd e f\n", "line 2: mix of pairs"),
        (b"\xff\xfe bad", "line 1 is not UTF-8"),
        (b"x " * (5 * 2**20), "line 1 is"),  # 10 MB on one line
    ],
)
def test_bad_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "examples.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        text = read_examples_file(path)
        make_task(TaskConfig("custom", text=text))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_examples_file(tmp_path / "nowhere.txt")


def test_a_hundred_thousand_lines_load_in_seconds_with_progress(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("\n".join(reversal_lines(100_000)) + "\n")
    seen = []
    t0 = time.perf_counter()
    text = read_examples_file(path, lambda done, total: seen.append((done, total)))
    task = make_task(TaskConfig("custom", text=text))
    exp = Experiment.create(get_preset("custom").experiment.model, task.cfg, {"steps": 1})
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, elapsed
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
    assert len(task.train_set) == 90_000 and len(task.held_out_set) == 10_000
    assert exp.model.vocab_size == 5 + len(WORDS)


# the split -------------------------------------------------------------------------------


def test_held_out_examples_are_never_trained_on():
    text = "\n".join(reversal_lines(200))
    exp = get_preset("custom").experiment.replace(task={"text": text}, train={"batch_size": 32})
    trainer = Trainer(exp, device="cpu")
    held = set(trainer.task.held_out_set)
    assert len(held) == 20 and len(trainer.heldout) == 20 and trainer.heldout_split == "held-out"
    for _ in range(100):
        batch = trainer.task.examples(trainer.data_rng, 32, trainer.arch)
        assert not held & set(batch)
    assert set(trainer.heldout) == held


def test_the_split_is_seeded_and_too_few_examples_say_so():
    text = "\n".join(reversal_lines(50))
    a = make_task(TaskConfig("custom", text=text))
    b = make_task(TaskConfig("custom", text=text + "\n"))  # same lines, another config
    assert a.held_out_set == b.held_out_set
    c = make_task(TaskConfig("custom", text=text, split_seed=1))
    assert a.held_out_set != c.held_out_set
    with pytest.raises(ValueError, match=r"3 distinct example.* too few to hold out 10%"):
        make_task(TaskConfig("custom", text="\n".join(reversal_lines(3))))
    none = make_task(TaskConfig("custom", text="\n".join(reversal_lines(3)), held_out=0.0))
    assert none.held_out_set == () and len(none.train_set) == 3


def test_repeated_lines_count_once():
    lines = reversal_lines(20)
    task = make_task(TaskConfig("custom", text="\n".join(lines * 3)))
    assert len(task.train_set) + len(task.held_out_set) == 20


def test_eval_reports_the_held_out_split(tmp_path, capsys):
    examples = tmp_path / "rev.txt"
    examples.write_text("\n".join(reversal_lines(100)))
    run = tmp_path / "custom.tfrun"
    argv = ["train", "--preset", "custom", "--examples", str(examples), "--steps", "3",
            "--out", str(run), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["eval", str(run), "--json"]) == 0
    import json

    metrics = json.loads(capsys.readouterr().out)
    assert metrics["split"] == "held-out" and metrics["n"] == 10
    assert load_run(run).task.cfg.text.count("->") == 100


# the modular task --------------------------------------------------------------------------


def test_modular_pairs_are_all_there_and_answers_right():
    task = make_task(TaskConfig("modular", vocab=11, held_out=0.7, operation="-"))
    everything = task.train_set + task.held_out_set
    assert len(everything) == 121 and len(set(everything)) == 121
    assert len(task.train_set) == 36  # 30% of 121, rounded
    first = task.vocab.first_symbol
    for e in everything:
        a, b, c = e.source[0] - first, e.source[2] - first, e.target[0] - first
        assert c == (a - b) % 11


def _pairs(examples, first):
    return {(e.source[0] - first, e.source[2] - first) for e in examples}


def test_a_plus_b_and_b_plus_a_are_held_out_together_unless_pairs_are_ordered():
    together = make_task(TaskConfig("modular", vocab=13, held_out=0.7))
    first = together.vocab.first_symbol
    trained, held = _pairs(together.train_set, first), _pairs(together.held_out_set, first)
    assert len(trained | held) == 169 and not trained & held
    assert all((b, a) in trained for a, b in trained)

    apart = make_task(TaskConfig("modular", vocab=13, held_out=0.7, pairs="ordered"))
    trained, held = _pairs(apart.train_set, first), _pairs(apart.held_out_set, first)
    assert len(trained) == 51 and len(trained | held) == 169 and not trained & held
    assert any((b, a) in held for a, b in trained)  # one order trained, the other held out


def test_pairs_must_be_a_known_split():
    with pytest.raises(ValueError, match="pairs must be one of unordered, ordered"):
        TaskConfig("modular", pairs="sorted")


def test_full_batch_when_the_batch_covers_the_training_set():
    exp = get_preset("grokking").experiment.replace(task={"vocab": 11}, train={"batch_size": 4096})
    trainer = Trainer(exp, device="cpu")
    batch = trainer.task.examples(trainer.data_rng, 4096, trainer.arch)
    assert sorted(batch, key=repr) == sorted(trainer.task.training_examples(trainer.arch), key=repr)


# learning (slow) ---------------------------------------------------------------------------


def _train_on(lines: list[str], seed: int) -> Trainer:
    exp = get_preset("custom").experiment.replace(
        task={"text": "\n".join(lines)}, train={"seed": seed, "steps": 1500}
    )
    trainer = Trainer(exp, device="cpu")
    for _ in trainer.run():
        pass
    return trainer


@pytest.mark.slow
def test_a_rule_in_a_file_generalizes_to_held_out_lines():
    trainer = _train_on(reversal_lines(2000), seed=0)
    assert trainer.last_eval.split == "held-out" and trainer.last_eval.total == 200
    assert trainer.last_eval.exact_match >= 0.95, trainer.last_eval


@pytest.mark.slow
def test_random_pairs_are_memorized_but_held_out_stays_near_chance():
    trainer = _train_on(random_pair_lines(2000), seed=0)
    assert trainer.last_train_eval.token_accuracy >= 0.9, trainer.last_train_eval
    assert trainer.last_eval.exact_match <= 0.02
    # Chance is 0.25: <eos> (1 token in 5) is always right, each of 4 words 1 time in 16.
    assert trainer.last_eval.token_accuracy <= 0.32, trainer.last_eval  # measured 0.241
