"""`tinyformer train`: a preset changed by flags, or a saved run continued; saved at the end
and, on Ctrl-C or SIGTERM, at the step boundary where it stopped."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from tinyformer.cli.errors import UsageError, checked, user_input
from tinyformer.cli.parser import OVERRIDES
from tinyformer.cli.report import print_eval, say_note, say_warning
from tinyformer.inspect.evaluation import EvaluationStopped
from tinyformer.presets import get_preset
from tinyformer.tasks import TASKS
from tinyformer.tasks.examples_file import read_examples_file
from tinyformer.training.events import EvalEvent, StepEvent
from tinyformer.training.experiment import Experiment
from tinyformer.training.runfile import SUFFIX, check_writable, load_run, save_run
from tinyformer.training.trainer import Trainer, TrainingDiverged

STOPPED_BY = {signal.SIGINT: 130, signal.SIGTERM: 143}  # the shell's codes for each
# The task flags beyond OVERRIDES, by the setting each one changes; the flag for each.
TASK_FLAGS = {"train_fraction": "held_out", "examples": "text"}
READ_BY_FLAG = {"vocab": "--vocab-size", "text": "--examples", "seq_len": "--seq-len",
                "held_out": "--held-out", "pattern": "--pattern", "operation": "--operation",
                "pairs": "--pairs"}  # fmt: skip
# tqdm's monitor thread only retunes redraw rates; a thread that outlives the command's
# work is not worth it (and would outlive it in tests).
tqdm.monitor_interval = 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.resume:
        trainer, out, label = _resumed(args)
    else:
        experiment = _experiment(args)
        out = _out_path(args, experiment.train.seed)
        trainer = checked(Trainer, experiment, device=args.device, threads=args.threads)
        label = args.preset
    return _train(trainer, out, label, args.quiet)


def _experiment(args: argparse.Namespace) -> Experiment:
    preset = checked(get_preset, args.preset)
    changes: dict[str, dict] = {"model": {}, "task": {}, "train": {}}
    for flag, (part, name) in OVERRIDES.items():
        value = getattr(args, flag)
        if value is not None:
            changes[part][name] = value
    if args.no_causal:
        changes["model"]["causal"] = False
    if args.train_fraction is not None:
        if args.held_out is not None:
            raise UsageError("give --train-fraction or --held-out, not both")
        changes["task"]["held_out"] = round(1.0 - args.train_fraction, 12)
    if args.betas is not None:
        changes["train"]["beta1"], changes["train"]["beta2"] = args.betas
    if args.examples is not None:
        with user_input():
            changes["task"]["text"] = read_examples_file(args.examples)
        changes["task"].setdefault("name", "custom")
    _drop_unread(args, changes["task"], changes["task"].get("name", preset.experiment.task.name))
    with user_input():
        return preset.experiment.replace(**changes)


def _drop_unread(args: argparse.Namespace, task: dict, name: str) -> None:
    """A task flag the task does not read is dropped, with a warning that names it."""
    if args.vocab_size is not None and args.modulus is not None:
        raise UsageError("--vocab-size and --modulus both set the task's symbols: give one")
    reads = TASKS[name].settings if name in TASKS else None
    if reads is None:
        return  # an unknown task: Experiment says so
    flags = {f: n for f, (part, n) in OVERRIDES.items() if part == "task"} | TASK_FLAGS
    for flag, setting in flags.items():
        unread = setting not in reads or (flag == "modulus" and name != "modular")
        if getattr(args, flag) is not None and unread:
            task.pop(setting, None)
            used = " ".join(sorted(READ_BY_FLAG[s] for s in reads if s in READ_BY_FLAG))
            say_warning(f"--{flag.replace('_', '-')} does nothing for the {name} task, so it "
                        f"is ignored (the {name} task reads {used})")  # fmt: skip


def _resumed(args: argparse.Namespace) -> tuple[Trainer, Path, str]:
    """The saved run, to be continued to --steps in all, and where it will be saved."""
    allowed = {"resume", "out", "force", "steps", "device", "threads", "quiet", "command"}
    given = [k for k, v in vars(args).items() if k not in allowed and v not in (None, False)]
    given = [k for k in given if not (k == "device" and args.device == "auto")]
    if given:
        flags = ", ".join("--" + k.replace("_", "-") for k in sorted(given))
        raise UsageError(f"--resume continues a run as it was made; it takes no {flags}")
    source = Path(args.resume)
    if args.out is None and not args.force:
        raise UsageError(
            f"pass --out NEW{SUFFIX} to save the continued run elsewhere, or --force to "
            f"overwrite {source}"
        )
    out = _out_path(args, 0) if args.out is not None else check_writable(source)
    trainer = checked(load_run, source, device=args.device, threads=args.threads, on_note=say_note)
    if args.steps is not None:
        if args.steps < trainer.step_count:
            raise UsageError(f"the run is at step {trainer.step_count}; --steps must be more")
        with user_input():
            trainer.experiment = trainer.experiment.replace(train={"steps": args.steps})
    return trainer, out, source.stem


def _out_path(args: argparse.Namespace, seed: int) -> Path:
    """--out (checked writable now, not after training), or a new name under runs/."""
    if args.out is not None:
        out = check_writable(args.out)
        if out.exists() and not args.force:
            raise UsageError(f"{out} exists; pass --force to overwrite it or choose another --out")
        if not out.parent.exists():
            say_note(
                f"the folder {out.parent} does not exist yet; it is made when the run is saved"
            )
        return out
    base = Path("runs") / f"{args.preset}-seed{seed}"
    out, n = base.with_suffix(SUFFIX), 2
    while out.exists():
        out, n = Path(f"{base}-{n}{SUFFIX}"), n + 1
    return check_writable(out)


@contextmanager
def _stop_on_signals() -> Iterator[dict]:
    """Ctrl-C and SIGTERM set a flag, read between steps, instead of interrupting one."""
    caught: dict = {}

    def handler(signum, _frame):
        caught.setdefault("signal", signum)

    previous = {s: signal.signal(s, handler) for s in STOPPED_BY}
    try:
        yield caught
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _train(trainer: Trainer, out: Path, label: str, quiet: bool) -> int:
    start = trainer.step_count
    bar = tqdm(
        total=trainer.total_steps,
        initial=start,
        desc=label,
        unit="step",
        disable=True if quiet else None,
        dynamic_ncols=True,
        leave=False,
    )
    with _stop_on_signals() as caught, bar:
        trainer.should_stop = lambda: "signal" in caught  # a long evaluation gives way too
        if not quiet:  # said once the signals are ours: from here on, a stop saves
            print(
                f"training {label}: step {start} to {trainer.total_steps}, saving to "
                f"{out} (Ctrl-C saves and stops)",
                file=sys.stderr,
                flush=True,
            )
        try:
            while not trainer.done and "signal" not in caught:
                for event in trainer.advance():
                    if isinstance(event, StepEvent):
                        bar.update(1)
                        bar.set_postfix(
                            loss=f"{event.loss:.4f}", acc=f"{event.accuracy:.1%}", refresh=False
                        )
                    elif isinstance(event, EvalEvent) and not quiet:
                        bar.write(f"step {event.step}: {event.summary()} ({event.split})")
        except TrainingDiverged as e:
            bar.close()
            print(f"tinyformer: training stopped: {e}", file=sys.stderr)
            return 1
        except EvaluationStopped:
            cut = f" (its evaluation at step {trainer.step_count} cut short)"
        else:
            cut = ""
        finally:
            trainer.should_stop = None
    if "signal" in caught:
        save_run(trainer, out)
        name = signal.Signals(caught["signal"]).name
        again = f"tinyformer train --resume {out} --force"
        print(
            f"{name}: stopped at step {trainer.step_count}{cut}; run saved to {out} "
            f"(continue it with: {again})",
            file=sys.stderr,
        )
        return STOPPED_BY[caught["signal"]]
    save_run(trainer, out)
    done = trainer.step_count - start
    rate = done / max(trainer.elapsed, 1e-9) if start == 0 else 0
    print(
        f"trained {done} steps in {trainer.elapsed:.1f} s"
        + (f" ({rate:.0f} steps/s)" if rate else "")
    )
    last = trainer.last_eval
    if last is not None:
        print_eval(last, f"{last.split}, step {last.step}")
    print(f"run saved to {out}")
    return 0
