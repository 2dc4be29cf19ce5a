"""A training step of tinyformer ÷ the same model built from torch.nn.Transformer (CPU).

Copy-task size: batch 64, d_model 64, 4 heads, 2+2 layers, d_ff 256, vocab 11, length 10.
Both models hold the same weights (tinyformer.reference.torch_equivalent) and take the
same Adam step on the same batch; blocks alternate between them.

    python benchmarks/train_step.py [--threads 1] [--blocks 15] [--steps 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import interleaved_medians

from tinyformer import ModelConfig, build_model
from tinyformer.reference import torch_equivalent


def step_fn(model, src, tgt_in, labels):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step() -> None:
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = ModelConfig(
        arch="encoder-decoder", vocab_size=11, d_model=64, n_heads=4, n_layers=2, d_ff=256
    )
    ours = build_model(cfg).train()
    ref = torch_equivalent(ours).train()
    src = torch.randint(1, 11, (64, 10))
    tgt_in = torch.randint(1, 11, (64, 10))
    labels = torch.randint(1, 11, (64, 10))
    t = interleaved_medians(
        {
            "tinyformer": step_fn(ours, src, tgt_in, labels),
            "torch.nn": step_fn(ref, src, tgt_in, labels),
        },
        steps=args.steps,
        blocks=args.blocks,
    )
    print(f"train step, batch 64, d_model 64, 2+2 layers, vocab 11, length 10, {args.threads} thr.")
    print(f"  tinyformer  {t['tinyformer'] * 1e3:7.2f} ms/step")
    print(f"  torch.nn    {t['torch.nn'] * 1e3:7.2f} ms/step")
    print(f"  ratio ours ÷ torch.nn = {t['tinyformer'] / t['torch.nn']:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
