"""The `tinyformer` command: list presets, train, evaluate and query runs.

Bad input (flags, tokens, files) gets one line on stderr and exit status 2, never a
traceback. A run interrupted with Ctrl-C is saved before exiting.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import NoReturn

from tinyformer.inspect.evaluation import predict
from tinyformer.presets import get_preset, load_presets
from tinyformer.progress import ProgressBar
from tinyformer.tasks.vocab import EOS
from tinyformer.training.events import EvalEvent, StepEvent
from tinyformer.training.runfile import SUFFIX, RunFileError, load_run, save_run
from tinyformer.training.trainer import Trainer, TrainingDiverged

BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# CLI flag -> (experiment part, setting name)
OVERRIDES = {
    "arch": ("model", "arch"),
    "d_model": ("model", "d_model"),
    "heads": ("model", "n_heads"),
    "layers": ("model", "n_layers"),
    "d_ff": ("model", "d_ff"),
    "positional": ("model", "positional"),
    "dropout": ("model", "dropout"),
    "vocab_size": ("task", "vocab"),
    "seq_len": ("task", "seq_len"),
    "pattern": ("task", "pattern"),
    "batch_size": ("train", "batch_size"),
    "lr": ("train", "lr"),
    "steps": ("train", "steps"),
    "seed": ("train", "seed"),
}


def build_parser() -> Parser:
    parser = Parser(prog="tinyformer", description="Train and inspect the smallest Transformer.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("presets", help="list the presets")

    train = sub.add_parser("train", help="train a preset, optionally changed")
    train.add_argument("--preset", required=True, help="a preset name (see: tinyformer presets)")
    train.add_argument("--out", help=f"where to save the run (default runs/PRESET-seedN{SUFFIX})")
    train.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    train.add_argument("--seed", type=int)
    train.add_argument("--steps", type=int)
    train.add_argument("--arch", choices=["encoder-decoder", "decoder-only", "encoder-only"])
    train.add_argument("--d-model", type=int, help="hidden size")
    train.add_argument("--heads", type=int, help="attention heads per layer")
    train.add_argument("--layers", type=int, help="layers (per stack)")
    train.add_argument("--d-ff", type=int, help="feed-forward size")
    train.add_argument("--positional", choices=["sinusoidal", "learned", "none"])
    train.add_argument("--no-causal", action="store_true", help="drop the causal mask (leaks)")
    train.add_argument("--dropout", type=float)
    train.add_argument("--vocab-size", type=int, help="number of task symbols")
    train.add_argument("--seq-len", type=int, help="task sequence length")
    train.add_argument("--pattern", help="the pattern task's pattern, e.g. '1 1 0'")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float, help="peak learning rate")
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    train.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    ev = sub.add_parser("eval", help="evaluate a saved run on fresh inputs")
    ev.add_argument("run", help=f"a run file ({SUFFIX})")
    ev.add_argument("--samples", type=int, default=1000, help="fresh inputs (default 1000)")
    ev.add_argument("--seed", type=int, default=0, help="which fresh inputs (default 0)")
    ev.add_argument("--json", action="store_true", help="print metrics as JSON")

    pr = sub.add_parser("predict", help="greedy output of a saved run for one input")
    pr.add_argument("run", help=f"a run file ({SUFFIX})")
    pr.add_argument("tokens", nargs="+", metavar="TOKEN")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, RunFileError, ValueError) as e:
        print(f"tinyformer: error: {e}", file=sys.stderr)
        return BAD_INPUT
    except SystemExit as e:  # --help
        return int(e.code or 0)


def cmd_presets(args: argparse.Namespace) -> int:
    presets = load_presets()
    width = max(map(len, presets))
    for p in presets.values():
        m, t = p.experiment.model, p.experiment.task
        print(f"{p.name:<{width}}  {m.arch:<15}  {t.name:<9}  {p.title}")
    return 0


def _experiment(args: argparse.Namespace):
    preset = get_preset(args.preset)
    changes: dict[str, dict] = {"model": {}, "task": {}, "train": {}}
    for flag, (part, name) in OVERRIDES.items():
        value = getattr(args, flag)
        if value is not None:
            changes[part][name] = value
    if args.no_causal:
        changes["model"]["causal"] = False
    return preset, preset.experiment.replace(**changes)


def _out_path(args: argparse.Namespace, seed: int) -> Path:
    if args.out:
        out = Path(args.out)
        if out.exists() and not args.force:
            raise UsageError(f"{out} exists; pass --force to overwrite it or choose another --out")
        return out
    base = Path("runs") / f"{args.preset}-seed{seed}"
    out, n = base.with_suffix(SUFFIX), 2
    while out.exists():
        out, n = Path(f"{base}-{n}{SUFFIX}"), n + 1
    return out


def cmd_train(args: argparse.Namespace) -> int:
    preset, experiment = _experiment(args)
    out = _out_path(args, experiment.train.seed)
    trainer = Trainer(experiment, device=args.device, threads=args.threads)
    bar = ProgressBar(trainer.total_steps, label=preset.name, quiet=args.quiet)
    try:
        for event in trainer.run():
            if isinstance(event, StepEvent):
                bar.update(event)
            elif isinstance(event, EvalEvent):
                bar.note(f"step {event.step}: {event.summary()}")
    except KeyboardInterrupt:
        bar.close()
        save_run(trainer, out)
        print(f"interrupted at step {trainer.step_count}; run saved to {out}", file=sys.stderr)
        return 130
    except TrainingDiverged as e:
        bar.close()
        print(f"tinyformer: training stopped: {e}", file=sys.stderr)
        return 1
    bar.close()
    save_run(trainer, out)
    last = trainer.last_eval
    rate = trainer.step_count / max(trainer.elapsed, 1e-9)
    print(f"trained {trainer.step_count} steps in {trainer.elapsed:.1f} s ({rate:.0f} steps/s)")
    if last is not None:
        _print_eval(last, f"held-out, step {last.step}")
    print(f"run saved to {out}")
    return 0


def _print_eval(event: EvalEvent, what: str) -> None:
    print(f"{event.summary()} ({what}); token accuracy {100 * event.token_accuracy:.1f}%")
    for m in event.mistakes:
        print(f"  {' '.join(m.source)}  ->  {' '.join(m.got)}   (expected {' '.join(m.expected)})")


def cmd_eval(args: argparse.Namespace) -> int:
    if args.samples < 1:
        raise UsageError(f"--samples must be at least 1, got {args.samples}")
    trainer = load_run(args.run)
    rng = random.Random(f"fresh examples, seed {args.seed}")
    examples = trainer.task.examples(rng, args.samples, trainer.arch)
    event = trainer.evaluate(examples)
    if args.json:
        metrics = {
            "run": str(args.run),
            "step": event.step,
            "samples": event.total,
            "correct": event.correct,
            "exact_match": event.exact_match,
            "token_accuracy": event.token_accuracy,
            "loss": event.loss,
        }
        print(json.dumps(metrics))
    else:
        _print_eval(event, f"{event.total} fresh inputs, step {event.step}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    trainer = load_run(args.run)
    task = trainer.task
    source = task.parse_input(" ".join(args.tokens))
    result = predict(trainer.model, task, source, trainer.arch)
    output = task.fill(tuple(source), result.output)
    shown = [t for t in output if t != EOS]
    print(f"input   {' '.join(task.vocab.decode(source))}")
    print("probs   " + " ".join(f"{p:.2f}" for p in result.probs))
    expected = task.example_for(tuple(source), trainer.arch)
    if expected is not None:
        want = [t for t in task.fill(tuple(source), expected.target) if t != EOS]
        verdict = "right" if want == shown else "wrong"
        print(f"expect  {' '.join(task.vocab.decode(want))}  ({verdict})")
    print(" ".join(task.vocab.decode(shown)))
    return 0


COMMANDS = {"presets": cmd_presets, "train": cmd_train, "eval": cmd_eval, "predict": cmd_predict}


if __name__ == "__main__":
    sys.exit(main())
