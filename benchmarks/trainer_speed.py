"""Headless trainer speed per preset, and time-to-solve for `copy`.

steps/s: training steps (data, forward, backward, optimizer) per second of the
trainer, excluding evaluation, median over 3 blocks of 40 steps, at 1 and 2 threads.

time-to-solve: seconds of training until greedy exact match on 1,000 fresh inputs
reaches 100% (evaluated every 10 steps, evaluation time not counted), for seeds 0, 1, 2;
the median is reported.

    python benchmarks/trainer_speed.py [--presets copy,reverse] [--skip-solve]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import torch

from tinyformer.presets import load_presets
from tinyformer.training.trainer import Trainer


def steps_per_second(name: str, threads: int, blocks: int = 3, steps: int = 40) -> float:
    torch.set_num_threads(threads)
    experiment = load_presets()[name].experiment.replace(train={"steps": 10**6})
    trainer = Trainer(experiment, device="cpu")
    for _ in range(5):
        trainer.step()
    rates = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(steps):
            trainer.step()
        rates.append(steps / (time.perf_counter() - t0))
    return statistics.median(rates)


def time_to_solve(seed: int, threads: int) -> tuple[int | None, float]:
    torch.set_num_threads(threads)
    experiment = load_presets()["copy"].experiment.replace(
        train={"seed": seed, "eval_every": 10**6, "eval_size": 8}
    )
    trainer = Trainer(experiment, device="cpu")
    fresh = trainer.task.examples(random.Random(f"fresh {seed}"), 1000, trainer.arch)
    while not trainer.done:
        trainer.step()
        if trainer.step_count % 10 == 0 and trainer.evaluate(fresh).exact_match == 1.0:
            return trainer.step_count, trainer.elapsed
    return None, trainer.elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", help="comma-separated names (default: all)")
    parser.add_argument("--skip-solve", action="store_true")
    args = parser.parse_args()
    names = args.presets.split(",") if args.presets else list(load_presets())

    print("| preset | steps/s, 1 thread | steps/s, 2 threads |")
    print("| --- | --- | --- |")
    for name in names:
        one, two = steps_per_second(name, 1), steps_per_second(name, 2)
        print(f"| {name} | {one:.0f} | {two:.0f} |", flush=True)

    if args.skip_solve:
        return
    print("\ncopy, time to 100% exact match on 1,000 fresh inputs (training seconds):")
    for threads in (1, 2):
        results = [time_to_solve(seed, threads) for seed in (0, 1, 2)]
        solved = [t for step, t in results if step is not None]
        shown = ", ".join(f"seed {s}: step {st}, {t:.2f} s" for s, (st, t) in enumerate(results))
        median = f"{statistics.median(solved):.2f} s" if len(solved) == 3 else "not all solved"
        print(f"  {threads} thread(s): median {median}  ({shown})", flush=True)


if __name__ == "__main__":
    main()
