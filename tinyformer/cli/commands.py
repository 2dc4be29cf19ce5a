"""What each command does: presets, train, eval, predict."""

from __future__ import annotations

import argparse
import json
import random

from tinyformer.cli.errors import UsageError, checked, user_input
from tinyformer.cli.report import fourier_fields, print_eval, print_fourier, say_note
from tinyformer.cli.training import cmd_train
from tinyformer.inspect.fourier import fourier_measures
from tinyformer.inspect.predictions import predict
from tinyformer.model.limits import MAX_EVAL_EXAMPLES
from tinyformer.presets import load_presets
from tinyformer.tasks.vocab import EOS
from tinyformer.training.runfile import load_run


def cmd_presets(args: argparse.Namespace) -> int:
    presets = load_presets()
    width = max(map(len, presets))
    for p in presets.values():
        m, t = p.experiment.model, p.experiment.task
        print(f"{p.name:<{width}}  {m.arch:<15}  {t.name:<9}  {p.title}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if not 1 <= args.samples <= MAX_EVAL_EXAMPLES:
        raise UsageError(f"--samples must be from 1 to {MAX_EVAL_EXAMPLES:,}, got {args.samples}")
    trainer = load_run(args.run, device="cpu", on_note=say_note)
    if trainer.task.has_split:  # the examples it never trained on, all of them
        examples = trainer.task.held_out_examples(trainer.arch)
        split = "held-out"
        if not examples:
            examples, split = trainer.task.training_examples(trainer.arch), "training"
    else:
        rng = random.Random(f"fresh examples, seed {args.seed}")
        examples, split = trainer.task.examples(rng, args.samples, trainer.arch), "fresh"
    event = trainer.evaluate(examples, split=split)
    fourier = fourier_measures(trainer.model, trainer.task, trainer.arch)  # modular only
    if args.json:
        metrics = {
            "run": str(args.run),
            "step": event.step,
            "split": split,
            "n": event.total,
            "samples": event.total,
            "correct": event.correct,
            "exact_match": event.exact_match,
            "token_accuracy": event.token_accuracy,
            "loss": event.loss,
            **fourier_fields(fourier),
        }
        print(json.dumps(metrics))
    else:
        where = {
            "held-out": "held-out examples, never trained on",
            "fresh": "fresh inputs",
            "training": "training examples: none is held out",
        }[split]
        print_eval(event, f"{event.total} {where}, step {event.step}")
        if fourier is not None:
            print_fourier(fourier)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    trainer = load_run(args.run, device="cpu", on_note=say_note)
    task = trainer.task
    source = checked(task.parse_input, " ".join(args.tokens))
    with user_input():
        result = predict(trainer.model, task, source, trainer.arch)
    output = task.fill(tuple(source), result.output)
    shown = [t for t in output if t != EOS]
    print(f"input   {' '.join(task.vocab.decode(source))}")
    print("probs   " + " ".join(f"{p:.2f}" for p in result.probs()))
    expected = task.example_for(tuple(source), trainer.arch)
    if expected is not None:
        want = [t for t in task.fill(tuple(source), expected.target) if t != EOS]
        verdict = "right" if want == shown else "wrong"
        print(f"expect  {' '.join(task.vocab.decode(want))}  ({verdict})")
    print(" ".join(task.vocab.decode(shown)))
    return 0


COMMANDS = {"presets": cmd_presets, "train": cmd_train, "eval": cmd_eval, "predict": cmd_predict}
