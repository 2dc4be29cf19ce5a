"""The command line's flags, and which experiment setting each one changes."""

from __future__ import annotations

import argparse
from typing import NoReturn

from tinyformer.cli.errors import UsageError
from tinyformer.model.config import ARCHS, POSITIONALS
from tinyformer.model.limits import MAX_EVAL_EXAMPLES
from tinyformer.tasks.base import OPERATIONS, PAIR_SPLITS
from tinyformer.training.runfile import SUFFIX


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# flag -> (experiment part, setting name); applied on top of the preset
OVERRIDES = {
    "arch": ("model", "arch"),
    "d_model": ("model", "d_model"),
    "heads": ("model", "n_heads"),
    "layers": ("model", "n_layers"),
    "d_ff": ("model", "d_ff"),
    "positional": ("model", "positional"),
    "dropout": ("model", "dropout"),
    "vocab_size": ("task", "vocab"),
    "modulus": ("task", "vocab"),
    "operation": ("task", "operation"),
    "pairs": ("task", "pairs"),
    "seq_len": ("task", "seq_len"),
    "pattern": ("task", "pattern"),
    "held_out": ("task", "held_out"),
    "batch_size": ("train", "batch_size"),
    "lr": ("train", "lr"),
    "warmup": ("train", "warmup"),
    "weight_decay": ("train", "weight_decay"),
    "steps": ("train", "steps"),
    "seed": ("train", "seed"),
    "eval_every": ("train", "eval_every"),
}


def build_parser() -> Parser:
    parser = Parser(prog="tinyformer", description="Train and inspect the smallest Transformer.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("presets", help="list the presets")
    _train_parser(
        sub.add_parser("train", help="train a preset (changed by flags), or continue a run")
    )

    ev = sub.add_parser("eval", help="evaluate a saved run (held-out split, or fresh inputs)")
    ev.add_argument("run", help=f"a run file ({SUFFIX})")
    ev.add_argument(
        "--samples",
        type=int,
        default=1000,
        help=f"fresh inputs, for tasks without a held-out split (default 1000, "
        f"at most {MAX_EVAL_EXAMPLES:,})",
    )
    ev.add_argument("--seed", type=int, default=0, help="which fresh inputs (default 0)")
    ev.add_argument("--json", action="store_true", help="print metrics as JSON")

    pr = sub.add_parser("predict", help="greedy output of a saved run for one input")
    pr.add_argument("run", help=f"a run file ({SUFFIX})")
    pr.add_argument("tokens", nargs="+", metavar="TOKEN")
    return parser


def _train_parser(train: argparse.ArgumentParser) -> None:
    start = train.add_mutually_exclusive_group(required=True)
    start.add_argument("--preset", help="a preset name (see: tinyformer presets)")
    start.add_argument("--resume", metavar="RUN", help="continue a saved run")
    train.add_argument("--out", help=f"where to save the run (default runs/PRESET-seedN{SUFFIX})")
    train.add_argument(
        "--force",
        action="store_true",
        help="overwrite --out (or, with --resume and no --out, the run itself)",
    )
    train.add_argument("--steps", type=int, help="steps in all (with --resume: continue to N)")
    train.add_argument("--seed", type=int)
    model = train.add_argument_group("model")
    model.add_argument("--arch", choices=ARCHS)
    model.add_argument("--d-model", type=int, help="hidden size")
    model.add_argument("--heads", type=int, help="attention heads per layer")
    model.add_argument("--layers", type=int, help="layers (per stack)")
    model.add_argument("--d-ff", type=int, help="feed-forward size")
    model.add_argument("--positional", choices=POSITIONALS)
    model.add_argument("--no-causal", action="store_true", help="drop the causal mask (leaks)")
    model.add_argument("--dropout", type=float)
    task = train.add_argument_group("task")
    task.add_argument("--vocab-size", type=int, help="number of task symbols")
    task.add_argument("--seq-len", type=int, help="task sequence length")
    task.add_argument("--pattern", help="the pattern task's pattern, e.g. '1 1 0'")
    task.add_argument(
        "--examples",
        metavar="FILE",
        help="the custom task's examples, one per line: 'a b -> c d' pairs or plain sequences",
    )
    task.add_argument(
        "--held-out",
        type=float,
        metavar="F",
        help="fraction of the distinct examples never trained on (custom, modular; default 0.1)",
    )
    task.add_argument("--modulus", type=int, metavar="P", help="the modular task's p")
    task.add_argument("--operation", choices=OPERATIONS, help="the modular task's operation")
    task.add_argument(
        "--train-fraction",
        type=float,
        metavar="F",
        help="fraction of the modular pairs trained on (1 - held-out)",
    )
    task.add_argument(
        "--pairs",
        choices=PAIR_SPLITS,
        help="modular + and *: hold out a+b and b+a together (unordered, the default) or "
        "split ordered pairs one by one, as published grokking runs do",
    )
    opt = train.add_argument_group("training")
    opt.add_argument("--batch-size", type=int)
    opt.add_argument("--lr", type=float, help="peak learning rate")
    opt.add_argument("--warmup", type=int, help="linear warmup steps")
    opt.add_argument("--weight-decay", type=float, help="AdamW weight decay")
    opt.add_argument("--betas", type=float, nargs=2, metavar=("B1", "B2"), help="Adam's betas")
    opt.add_argument("--eval-every", type=int, help="steps between held-out evaluations")
    opt.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    opt.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    opt.add_argument("--quiet", action="store_true", help="no progress bar")
