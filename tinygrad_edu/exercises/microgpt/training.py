"""See it work: the learner's own GPT trains on the names, beside the reference, and makes
up new ones.

``train(found, steps)`` takes what a learner's file defines (``Value``, ``gpt``,
``softmax``, ``train_step`` and what they call), builds microgpt's model twice from the same
starting numbers (once of the learner's ``Value``, once of the reference's), and trains both
on the same names in the same order: every few steps it prints the learner's loss beside the
reference's and beside -log(1/27) ≈ 3.30, the loss of a uniform guess among the 27 tokens.
Right stages give the reference's losses, to many digits. Then the learner's model samples
names, one token at a time, with the learner's own ``gpt`` and ``softmax``.

It runs the learner's code in this process: it is for seeing, not for grading (``exercises
check`` grades).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinygrad_edu.exercises.microgpt import reference as R
from tinygrad_edu.training.text import load_names

__all__ = ["NEEDED", "SIZES", "Run", "train"]

SIZES = {"n_embd": 16, "n_head": 4, "n_layer": 1}
"""microgpt's sizes: 16 features, 4 heads, one layer."""
LR, STD, SEED = 0.01, 0.08, 0
"""microgpt's learning rate (decayed linearly to 0), the spread of its starting weights, and
the seed of the starting weights and of the order of the names."""
NEEDED = ("Value", "gpt", "softmax", "train_step")
"""What a learner's file must define to be trained (and what those call: linear, rmsnorm,
nll, attention, block, adam)."""


@dataclass
class Run:
    """What ``train`` did: the losses at every step (the learner's and the reference's), the
    names the learner's model made up, and the seconds it took."""

    losses: list[float] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def largest_difference(self) -> float:
        """The largest difference between the learner's loss and the reference's."""
        return max((abs(a - b) for a, b in zip(self.losses, self.reference)), default=0.0)


def starting_weights(vocab: int, block_size: int, seed: int = SEED) -> dict[str, list[list[float]]]:
    """microgpt's state_dict as numbers: wte, wpe, each layer's six matrices, lm_head, every
    entry drawn from N(0, 0.08²) in that order."""
    rng = random.Random(seed)
    dim, layers = SIZES["n_embd"], SIZES["n_layer"]
    shapes = [("wte", vocab, dim), ("wpe", block_size, dim)]
    for layer in range(layers):
        shapes += [(f"layer{layer}.{name}", rows, cols) for name, rows, cols in (
            ("attn_wq", dim, dim), ("attn_wk", dim, dim), ("attn_wv", dim, dim),
            ("attn_wo", dim, dim), ("mlp_fc1", 4 * dim, dim), ("mlp_fc2", dim, 4 * dim))]
    shapes.append(("lm_head", vocab, dim))
    return {name: [[rng.gauss(0.0, STD) for _ in range(cols)] for _ in range(rows)]
            for name, rows, cols in shapes}


def _model(node: type, weights: dict[str, list[list[float]]]) -> dict[str, list[list[Any]]]:
    return {name: [[node(x) for x in row] for row in m] for name, m in weights.items()}


def train(found: dict[str, Any], steps: int = 300, *, every: int = 25, samples: int = 10,
          temperature: float = 0.5, out: Callable[[str], None] = print) -> Run:
    """Train the learner's GPT (``found``: what their file defines) for ``steps`` names,
    beside the reference, printing the losses every ``every`` steps; then sample ``samples``
    names from it. Raises ``ValueError`` naming what ``found`` lacks."""
    missing = [name for name in NEEDED if not callable(found.get(name))]
    if missing:
        raise ValueError(f"to train your GPT, your file needs {', '.join(missing)} (it uses "
                         "linear, rmsnorm, nll, attention, block and adam through them)")
    names = load_names()
    random.Random(SEED).shuffle(names)
    chars = sorted(set("".join(names)))
    bos, vocab = len(chars), len(chars) + 1
    block_size = max(len(name) for name in names) + 1
    weights = starting_weights(vocab, block_size)
    theirs, ours = _model(found["Value"], weights), _model(R.Value, weights)
    size = sum(len(row) for m in weights.values() for row in m)
    state = {"theirs": ([0.0] * size, [0.0] * size), "ours": ([0.0] * size, [0.0] * size)}
    run, start, printed = Run(), time.perf_counter(), -1
    out(f"training your GPT ({size} parameters: {SIZES['n_embd']} features, "
        f"{SIZES['n_head']} heads, {SIZES['n_layer']} layer) on {steps} names, beside the "
        f"reference; a uniform guess among {vocab} tokens has loss -log(1/{vocab}) = "
        f"{math.log(vocab):.2f}")
    out(f"{'step':>6}  {'your loss':>10}  {'reference':>10}   (each the mean over the names "
        f"since the line before)")
    for step in range(steps):
        tokens = [bos, *(chars.index(c) for c in names[step % len(names)]), bos]
        lr = LR * (1 - step / steps)
        mine = found["train_step"](theirs, tokens, SIZES["n_head"], *state["theirs"], step + 1,
                                   lr)
        run.losses.append(float(mine))
        run.reference.append(R.train_step(ours, tokens, SIZES["n_head"], *state["ours"],
                                          step + 1, lr))
        if (step + 1) % every == 0 or step in (0, steps - 1):
            since = step - printed
            out(f"{step + 1:>6}  {sum(run.losses[-since:]) / since:>10.4f}  "
                f"{sum(run.reference[-since:]) / since:>10.4f}")
            printed = step
    run.seconds = time.perf_counter() - start
    out(f"{run.seconds:.0f} s; " + (
        f"your loss and the reference's differ by at most {run.largest_difference:.2g}"
        if run.largest_difference else "your loss is the reference's at every step, to the "
        "last bit"))
    rng = random.Random(SEED)
    for _ in range(samples):
        run.samples.append(sample(found, theirs, chars, block_size, rng, temperature))
    out("names your GPT made up: " + ", ".join(run.samples))
    return run


def sample(found: dict[str, Any], model: dict[str, Any], chars: list[str], block_size: int,
           rng: random.Random, temperature: float = 0.5) -> str:
    """A new name from the learner's model: from BOS, one token at a time, each drawn from
    the learner's softmax of the last position's logits divided by ``temperature``, until
    BOS comes again."""
    bos = len(chars)
    tokens = [bos]
    while len(tokens) < block_size:
        logits = found["gpt"](model, tokens, SIZES["n_head"])[-1]
        probs = found["softmax"]([z * (1 / temperature) for z in logits])
        token = rng.choices(range(len(probs)), weights=[p.data for p in probs])[0]
        if token == bos:
            break
        tokens.append(token)
    return "".join(chars[t] for t in tokens[1:])
