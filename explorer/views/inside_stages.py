"""The stages of one forward pass, in the order they happen, each with its real numbers.

Built from an InsideResult (the cache of tinyformer.inspect.run_with_cache) for any of
the three shapes: the encoder stack, then the decoder stack with its causal mask and its
cross-attention, then the output probabilities and the logit lens. Plain numpy: the view
(explorer.views.inside_view) only draws what this module lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core.results import InsideResult

ATTN_NAMES = {"self": "self-attention", "cross": "cross-attention"}


@dataclass(frozen=True)
class Panel:
    """One small heatmap: rows x columns of numbers, both axes labelled."""

    name: str  # the cache entry it shows, e.g. "decoder.0.self.pattern[head 2]"
    title: str
    values: np.ndarray
    rows: list[str]
    cols: list[str]
    scale: str = "signed"  # "signed" (blue-white-red around 0) or "unit" (0..1)
    texts: list[list[str]] | None = None
    position_rows: bool = True  # rows are positions of the stack (the chosen one is framed)
    token_cols: bool = False  # columns are tokens (to be read), not features


@dataclass(frozen=True)
class Stage:
    title: str
    sentence: str
    stack: str | None
    panels: list[Panel] = field(default_factory=list)


def _shape(a: np.ndarray) -> str:
    return " × ".join(map(str, a.shape))


def _features(n: int) -> list[str]:
    return [str(i + 1) for i in range(n)]


def build_stages(r: InsideResult) -> list[Stage]:
    """Every stage of the pass `r` recorded."""
    stages: list[Stage] = []
    for stack in ("encoder", "decoder"):
        if stack in r.tokens:
            stages += _stack_stages(r, stack)
    stages += _output_stages(r)
    return stages


def _stack_stages(r: InsideResult, stack: str) -> list[Stage]:
    c, toks = r.cache, r.tokens[stack]
    name = stack.capitalize()
    d = c[f"{stack}.embed"].shape[1]
    pos = c[f"{stack}.pos"]
    stages = [
        Stage(f"{name}: token embeddings",
              f"Each input token becomes a vector of d_model = {d} numbers: its row of the "
              f"embedding table, scaled by √d_model. Shape {_shape(c[f'{stack}.embed'])} "
              "(tokens × features).", stack,
              [_panel(f"{stack}.embed", "token embeddings", c, toks)]),
        Stage(f"{name}: positions added",
              "The position encoding, one row per position, is added to the embeddings, so "
              "the same token at two places becomes two different vectors"
              + (" (this model has none: all zeros, so order is invisible to it)."
                 if not pos.any() else ".") + " Their sum enters the first layer.", stack,
              [_panel(f"{stack}.pos", "positions", c, toks),
               _panel(f"{stack}.0.resid_pre", "embeddings + positions", c, toks)]),
    ]  # fmt: skip
    layers = sorted({int(k.split(".")[1]) for k in c if k.startswith(f"{stack}.") and
                     k.split(".")[1].isdigit()})  # fmt: skip
    pre = r.norm_first
    add = "add" if pre else "add & norm"
    for i in layers:
        attns = ["self", "cross"] if f"{stack}.{i}.cross.q" in c else ["self"]
        for attn in attns:
            stages += _attention_stages(r, stack, i, attn)
        # Pre-norm normalizes a sublayer's input and adds its output to the stream as it
        # is; post-norm normalizes the sum.
        stages += [
            Stage(f"{name} layer {i + 1}: {add}",
                  "The attention's output is added to the stream it read (a residual "
                  + ("connection). The stream itself is never normalized: each sublayer "
                     "normalizes (LayerNorm) only the copy it reads." if pre else
                     "connection), then normalized (LayerNorm)."), stack,
                  [_panel(f"{stack}.{i}.resid_mid", "the stream after attention", c, toks)]),
            Stage(f"{name} layer {i + 1}: feed-forward",
                  ("A two-layer network (Linear, ReLU, Linear) reads the normalized stream "
                   if pre else "A two-layer network (Linear, ReLU, Linear) ")
                  + "works on each position on its own: the same weights everywhere, no "
                  "position sees another here.", stack,
                  [_panel(f"{stack}.{i}.ff_out", "feed-forward output", c, toks)]),
            Stage(f"{name} layer {i + 1}: {add}, the layer's output",
                  "The feed-forward output is added to the stream"
                  + ("" if pre else " and normalized") + f": what layer {i + 1} passes on.",
                  stack,
                  [_panel(f"{stack}.{i}.resid_post", f"layer {i + 1} output", c, toks)]),
        ]  # fmt: skip
    final = (
        "The stream, never normalized inside the layers, is normalized once at the end"
        if pre
        else "The stack's output is normalized once more"
    )
    stages.append(
        Stage(f"{name}: final LayerNorm",
              final + (": this is the memory the decoder's cross-attention reads."
                       if stack == "encoder" and "decoder" in r.tokens else "."), stack,
              [_panel(f"{stack}.final", f"{stack} output", c, toks)])
    )  # fmt: skip
    return stages


def _attention_stages(r: InsideResult, stack: str, i: int, attn: str) -> list[Stage]:
    c = r.cache
    key = f"{stack}.{i}.{attn}"
    q_toks = r.tokens[stack]
    k_toks = r.tokens["encoder"] if attn == "cross" else q_toks
    heads = c[f"{key}.q"].shape[0]
    d_head = c[f"{key}.q"].shape[2]
    where = f"{stack.capitalize()} layer {i + 1}, {ATTN_NAMES[attn]}"
    reads = "the encoder's output" if attn == "cross" else "the same stream"
    masked = ""
    if attn == "self" and stack == "decoder":
        blocked = ~np.isfinite(c[f"{key}.scores"][0])
        masked = (
            " The causal mask sets every score above the diagonal to −∞ (✕): a position may "
            "not look ahead."
            if blocked.any()
            else " No causal mask: every position may look at every other, the answer too."
        )

    def per_head(part: str, cols: list[str], scale: str = "signed") -> list[Panel]:
        return [
            Panel(f"{key}.{part}[{h}]", f"head {h + 1}: {part}", c[f"{key}.{part}"][h],
                  q_toks if part in ("q", "scores", "pattern", "z") else k_toks, cols, scale,
                  token_cols=part in ("scores", "pattern"))
            for h in range(heads)
        ]  # fmt: skip

    dims = _features(d_head)
    return [
        Stage(f"{where}: queries, keys, values",
              ("Each position's vector (normalized first: this model is pre-norm) is "
               if r.norm_first else "Each position's vector is ")
              + "projected three ways, per head: a query (what it "
              f"looks for) from this stream, a key (what it offers) and a value (what it "
              f"passes on) from {reads}. {heads} heads of d_head = {d_head}: shape "
              f"{_shape(c[f'{key}.q'])} (heads × positions × d_head).", stack,
              [p for h in range(heads) for p in (per_head("q", dims)[h], per_head("k", dims)[h],
                                                 per_head("v", dims)[h])]),
        Stage(f"{where}: scores",
              f"Every query is compared with every key: their dot product, divided by "
              f"√d_head = {np.sqrt(d_head):.2f}. Rows are queries, columns keys." + masked,
              stack, per_head("scores", k_toks)),
        Stage(f"{where}: softmax, the attention pattern",
              "Softmax turns each row of scores into weights that sum to 1: how much each "
              "query takes from each key. These are the maps of the Attention tab.", stack,
              per_head("pattern", k_toks, "unit")),
        Stage(f"{where}: weighted values",
              "Each head's output at a position is the sum of the values, weighted by that "
              f"position's row of the pattern (pattern @ v): {_shape(c[f'{key}.z'])}.", stack,
              per_head("z", dims)),
        Stage(f"{where}: heads joined and projected",
              f"The heads' outputs are laid side by side ({heads} × {d_head} = "
              f"{heads * d_head} numbers) and mixed by the output projection: "
              f"{_shape(c[f'{key}.out'])}.", stack,
              [_panel(f"{key}.out", "attention output", c, q_toks)]),
    ]  # fmt: skip


def _output_stages(r: InsideResult) -> list[Stage]:
    stack = "decoder" if "decoder" in r.tokens else "encoder"
    toks = r.tokens[stack]
    top = r.probs.argmax(-1)
    said = " ".join(r.vocab[i] for i in top)
    # A masked model (encoder-only) guesses each position's own token, not the next one.
    masked = r.arch == "encoder-only"
    what = "token probabilities" if masked else "next-token probabilities"
    probs = Panel("probs", what, r.probs, toks, list(r.vocab), "unit", token_cols=True)
    lens_top = r.lens.argmax(-1)  # (L, T)
    lens_p = r.lens.max(-1)
    texts = [[f"{r.vocab[t]}\n{p:.2f}" for t, p in zip(row_t, row_p, strict=True)]
             for row_t, row_p in zip(lens_top, lens_p, strict=True)]  # fmt: skip
    lens = Panel("lens", "top token per layer and position", lens_p,
                 [f"layer {i + 1}" for i in range(len(r.lens))], toks, "unit", texts,
                 position_rows=False, token_cols=True)  # fmt: skip
    right = ""
    if r.targets and any(r.targets):
        hits = [r.vocab[t] == want for t, want in zip(top, r.targets, strict=True) if want]
        right = f" {sum(hits)} of {len(hits)} positions predict their target."
    return [
        Stage(f"Output: {what}",
              f"The last vectors are projected onto the vocabulary ({len(r.vocab)} tokens) and "
              f"softmax gives each token's probability, per position"
              + (": its guess at the token that stands there; only the <mask> positions "
                 "are scored" if masked else "")
              + f". Most likely: {said}." + right, stack, [probs]),
        Stage("Logit lens: what each layer would predict",
              "The final norm and output projection applied to each layer's output: the "
              "prediction the model would make if it stopped there. The last row is the "
              "model's own answer.", None, [lens]),
    ]  # fmt: skip


def _panel(name: str, title: str, cache: dict, rows: list[str]) -> Panel:
    values = cache[name]
    return Panel(name, title, values, rows, _features(values.shape[-1]))
