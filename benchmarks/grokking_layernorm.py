"""A control for grokking_reference.py: the published grokking model itself, in plain torch,
trained on tinyformer's modular split, with and without LayerNorm.

The published model (TransformerLens's Grokking_Demo, Nanda et al. 2023) is one layer with
no LayerNorm: embeddings and positions, 4 attention heads of 32, a ReLU MLP of 512, the
unembedding read at the last of 3 tokens (a, b, =). Every weight starts N(0, 0.8/sqrt(128)),
seed 999; the biases stay 0 (the demo disables them). It is trained as published: AdamW
lr 1e-3, weight decay 1, betas (0.9, 0.98), 10 warmup steps, full batch, loss in float64.
The data is tinyformer's own split of p = 113, 30% of the pairs trained on: a + b and b + a
on the same side, or with --pairs ordered, split one by one as the demo does (a seeded
split of its own, not the demo's seed-598 permutation).

--variant layernorm adds what tinyformer's blocks have and the published model lacks: a
LayerNorm after each residual addition and before the unembedding (post-norm, as in
"Attention Is All You Need" and nn.Transformer). Nothing else changes.

    python benchmarks/grokking_layernorm.py [--variant published|layernorm] [--steps 20000]
        [--threads 1] [--pairs unordered|ordered]
"""

from __future__ import annotations

import argparse
import math
import time

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tinyformer.tasks import TaskConfig, make_task
from tinyformer.tasks.base import PAIR_SPLITS
from tinyformer.tasks.batching import Example

P, TRAIN_FRACTION = 113, 0.3
D_MODEL, HEADS, D_MLP, N_CTX = 128, 4, 512, 3
D_HEAD = D_MODEL // HEADS
INIT_STD = 0.8 / math.sqrt(D_MODEL)  # TransformerLens's initializer_range for this model
SEED = 999


def tensors(examples: tuple[Example, ...], first: int) -> tuple[Tensor, Tensor]:
    """tinyformer's "a + b" examples as the published model reads them: a, b, "=" (id P)."""
    x = torch.tensor([[e.source[0] - first, e.source[2] - first, P] for e in examples])
    y = torch.tensor([e.target[0] - first for e in examples])
    return x, y


class PublishedModel(nn.Module):
    """One attention layer and one MLP on a residual stream, as in the Grokking_Demo."""

    def __init__(self, layer_norm: bool) -> None:
        super().__init__()

        def weight(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.randn(*shape) * INIT_STD)

        def bias(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.zeros(*shape))

        self.W_E, self.W_pos = weight(P + 1, D_MODEL), weight(N_CTX, D_MODEL)
        self.W_Q, self.W_K = weight(HEADS, D_MODEL, D_HEAD), weight(HEADS, D_MODEL, D_HEAD)
        self.W_V, self.W_O = weight(HEADS, D_MODEL, D_HEAD), weight(HEADS, D_HEAD, D_MODEL)
        self.b_Q, self.b_K, self.b_V = bias(HEADS, D_HEAD), bias(HEADS, D_HEAD), bias(HEADS, D_HEAD)
        self.b_O = bias(D_MODEL)
        self.W_in, self.b_in = weight(D_MODEL, D_MLP), bias(D_MLP)
        self.W_out, self.b_out = weight(D_MLP, D_MODEL), bias(D_MODEL)
        self.W_U, self.b_U = weight(D_MODEL, P), bias(P)
        norm = (lambda: nn.LayerNorm(D_MODEL)) if layer_norm else nn.Identity
        self.norm_attn, self.norm_mlp, self.norm_final = norm(), norm(), norm()
        for name, param in self.named_parameters():
            if name.startswith("b_"):
                param.requires_grad_(False)  # as in the demo: "we don't need them"
        causal = torch.ones(N_CTX, N_CTX, dtype=torch.bool).triu(1)
        self.register_buffer("blocked", causal, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, 3) token ids -> (B, P) logits at the last position."""
        r = self.W_E[x] + self.W_pos
        q = torch.einsum("btd,hde->bhte", r, self.W_Q) + self.b_Q[:, None]
        k = torch.einsum("btd,hde->bhte", r, self.W_K) + self.b_K[:, None]
        v = torch.einsum("btd,hde->bhte", r, self.W_V) + self.b_V[:, None]
        scores = (q @ k.transpose(-1, -2) / math.sqrt(D_HEAD)).masked_fill(self.blocked, -math.inf)
        z = scores.softmax(-1) @ v
        r = self.norm_attn(r + torch.einsum("bhte,hed->btd", z, self.W_O) + self.b_O)
        r = self.norm_mlp(r + F.relu(r @ self.W_in + self.b_in) @ self.W_out + self.b_out)
        return self.norm_final(r)[:, -1] @ self.W_U + self.b_U


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["published", "layernorm"], default="published")
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument(
        "--pairs",
        choices=PAIR_SPLITS,
        default="unordered",
        help="tinyformer's split (a + b and b + a together) or the published one (ordered)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    held_out = round(1 - TRAIN_FRACTION, 6)
    task = make_task(TaskConfig("modular", vocab=P, held_out=held_out, pairs=args.pairs))
    first = task.vocab.first_symbol
    x_train, y_train = tensors(task.train_set, first)
    x_held, y_held = tensors(task.held_out_set, first)
    print(f"{args.variant}, {args.pairs}: {len(x_train):,} trained on, {len(x_held):,} held out")
    model = PublishedModel(layer_norm=args.variant == "layernorm")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(step / 10, 1))
    start, train99 = time.monotonic(), None
    for step in range(1, args.steps + 1):
        loss = F.cross_entropy(model(x_train).double(), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
        warmup.step()
        if step % args.eval_every:
            continue
        with torch.no_grad():
            logits = model(x_held)
            held_loss = F.cross_entropy(logits.double(), y_held).item()
            held_acc = (logits.argmax(-1) == y_held).float().mean().item()
            train_acc = (model(x_train).argmax(-1) == y_train).float().mean().item()
        if train99 is None and train_acc >= 0.99:
            train99 = step
        minutes = (time.monotonic() - start) / 60
        print(
            f"  step {step:>6}: training loss {loss.item():.2e}, accuracy {train_acc:.3f}; "
            f"held-out loss {held_loss:.3g}, exact {held_acc:6.1%}  ({minutes:.1f} min)",
            flush=True,
        )
        if held_acc >= 0.95:
            memorized = "never" if train99 is None else f"at step {train99:,}"
            print(
                f"held-out exact match passed 95% at step {step:,} (training accuracy 99% "
                f"{memorized}); published: held-out loss ~0.01 by epoch ~14,400"
            )
            return
    print(f"held-out exact match stayed under 95% for {args.steps:,} steps")


if __name__ == "__main__":
    main()
