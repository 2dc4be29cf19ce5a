"""What recording the Fourier measures costs a modular run.

The `grokking` preset (or another modular one) trained for --steps steps with its own
evaluations and snapshots, once as it is and once with the Fourier measures switched
off; runs alternate, and each "with" run is divided by the mean of the "without" runs on
either side (this machine's speed drifts within minutes). Reported: the median ratio of
training time with ÷ without (target ≤ 1.10), and the time of one measurement.

    python benchmarks/fourier_cost.py [--preset grokking] [--steps 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from tinyformer.presets import load_presets
from tinyformer.training.trainer import Trainer


def seconds(preset: str, steps: int, measure: bool) -> float:
    experiment = load_presets()[preset].experiment.replace(train={"steps": steps})
    trainer = Trainer(experiment, device="cpu", threads=1)
    if not measure:
        trainer.measure_fourier = lambda: None  # type: ignore[method-assign]
    t0 = time.perf_counter()
    for _ in trainer.run():
        pass
    return time.perf_counter() - t0


def one_measurement(preset: str) -> float:
    trainer = Trainer(load_presets()[preset].experiment, device="cpu", threads=1)
    trainer.measure_fourier()  # the first call pays for warming up
    t0 = time.perf_counter()
    for _ in range(5):
        trainer.measure_fourier()
    return (time.perf_counter() - t0) / 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="grokking")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ratios = []
    before = seconds(args.preset, args.steps, measure=False)
    for _ in range(args.repeats):
        with_ = seconds(args.preset, args.steps, measure=True)
        after = seconds(args.preset, args.steps, measure=False)
        without = (before + after) / 2
        ratios.append(with_ / without)
        print(f"  with {with_:6.1f} s   without {without:6.1f} s   ratio {with_ / without:.3f}")
        before = after
    every = load_presets()[args.preset].experiment.train.eval_every
    print(f"{args.preset}, {args.steps} steps, measured every {every} steps, 1 torch thread:")
    print(f"  training time with ÷ without the measures: median {statistics.median(ratios):.3f}"
          "  (target ≤ 1.10)")  # fmt: skip
    print(f"  one measurement: {1000 * one_measurement(args.preset):.0f} ms")


if __name__ == "__main__":
    main()
