"""A GPT's training step: tinygrad_edu against a plain microgpt-style Value, side by side.

    python benchmarks/bench_gpt.py            # or: ./run.sh bench (with bench_scalar.py)
    python benchmarks/bench_gpt.py --quick    # a smoke test

Three engines train the same character-level GPT (16 numbers per token, 4 heads, 1 block,
block size 16: about 4,200 parameters) on the same names, from the same starting weights,
with Adam (lr 0.01 decaying linearly, betas 0.85 and 0.99):

- **(a) plain**: ``PlainValue``, a microgpt-style Value with slots and local derivatives
  as numbers, running the GPT written per scalar (a ``sum`` of products for every weighted
  sum) and a plain Adam loop (benchmarks/plain_gpt.py): the baseline, as micrograd 0.1.0
  is for bench_scalar.py;
- **(b) ours**: ``tinygrad_edu.nn.gpt.GPT`` (a ``dot`` node per weighted sum) with
  ``tinygrad_edu.training.optim.Adam``;
- **(c) ours, per scalar**: the per-scalar GPT and the plain Adam loop of (a), run on
  tinygrad_edu's ``Value``: the code a learner brings, on our engine.

The three compute the same losses (checked at the start: the first losses agree to 1e-12).
Each timed run trains every engine on the same names, interleaved (a, b, c, a, b, c, ...)
after ``gc.collect()``; the table gives the median time per training step (forward,
backward, Adam), with the garbage collector on and off. Memory: the bytes per node of one
step's graph (tracemalloc), and the peak resident memory of a whole run (training, then 20
samples) with each engine in a fresh process of its own, which also says whether NumPy was
imported.
"""

from __future__ import annotations

import argparse
import ast
import gc
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import plain_gpt  # noqa: E402 (after the path is set)
from plain_gpt import BETAS, LR, SEED, SIZES, PlainAdam, PlainValue, ScalarGPT  # noqa: E402

import tinygrad_edu  # noqa: E402
from tinygrad_edu import Value, walk  # noqa: E402
from tinygrad_edu.nn.gpt import GPT  # noqa: E402
from tinygrad_edu.training.optim import Adam  # noqa: E402

ENGINES = {"a": "(a) plain microgpt-style Value, GPT per scalar",
           "b": "(b) tinygrad_edu's GPT (a dot node per weighted sum)",
           "c": "(c) the per-scalar GPT of (a) on tinygrad_edu's Value"}


class Trainer:
    """One engine's model and optimizer, trained one name (one step) at a time."""

    def __init__(self, engine: str, weights: dict[str, Any], vocab_size: int) -> None:
        self.engine, self.steps = engine, 0
        if engine == "b":
            self.model: Any = GPT(vocab_size, **SIZES, seed=SEED)
            self.model.load_state_dict(weights)
            self.optimizer: Any = Adam(self.model.parameters(), lr=LR, betas=BETAS)
        else:
            value = PlainValue if engine == "a" else Value
            self.model = ScalarGPT(value, weights, n_head=SIZES["n_head"],
                                   n_layer=SIZES["n_layer"])
            self.optimizer = PlainAdam(self.model.params, lr=LR, betas=BETAS)

    def step(self, tokens: list[int], total_steps: int = 1000) -> float:
        loss = self.model.loss(tokens)
        if self.engine == "b":
            self.optimizer.zero_grad()
        loss.backward()  # (a) and (c): PlainAdam zeroes each gradient after its update
        self.optimizer.lr = LR * (1 - self.steps / total_steps)
        self.optimizer.step()
        self.steps += 1
        return float(loss.data)

    def forward(self, tokens: list[int]) -> Any:
        return self.model.loss(tokens)


def timed(fn: Callable[[], Any], gc_enabled: bool) -> float:
    gc.collect()
    if not gc_enabled:
        gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def interleaved(runs: dict[str, Callable[[], Any]], repeats: int, gc_enabled: bool
                ) -> dict[str, float]:
    """Median seconds per engine, the engines taking turns ``repeats`` times."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            times[name].append(timed(fn, gc_enabled))
    return {name: statistics.median(ts) for name, ts in times.items()}


def plain_nodes(root: PlainValue) -> list[PlainValue]:
    seen: set[int] = set()
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            found.append(node)
            stack.extend(node._children)
    return found


def graph_memory(trainer: Trainer, tokens: list[int]) -> tuple[int, float]:
    """(new nodes, bytes per new node) of one step's forward graph, by tracemalloc: what
    the forward pass allocates (nodes, their tuples and numbers, the lists around them)
    divided by the nodes it makes."""
    gc.collect()
    tracemalloc.start()
    loss = trainer.forward(tokens)
    allocated, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    params = {id(p) for p in (trainer.model.parameters() if trainer.engine == "b"
                              else trainer.model.params)}
    nodes = plain_nodes(loss) if trainer.engine == "a" else walk(loss)
    made = sum(1 for n in nodes if id(n) not in params)
    return made, allocated / made


def whole_run(engine: str, steps: int, samples: int) -> dict[str, Any]:
    """plain_gpt.py's whole run of ``engine`` in a fresh process."""
    result = subprocess.run([sys.executable, str(HERE / "plain_gpt.py"), engine, str(steps),
                             str(samples)],
                            capture_output=True, text=True, check=False,
                            cwd=str(HERE.parent))
    if result.returncode != 0:
        return {"failed": result.stderr.strip().splitlines()[-1:]}
    return dict(ast.literal_eval(result.stdout.strip().splitlines()[-1]))


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed runs per engine")
    parser.add_argument("--steps", type=int, default=10, help="training steps per timed run")
    parser.add_argument("--run-steps", type=int, default=200,
                        help="training steps of each whole run (peak memory)")
    parser.add_argument("--samples", type=int, default=20,
                        help="names sampled at the end of each whole run")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    for option in ("--only", "--baseline"):  # ./run.sh bench passes them to both scripts
        parser.add_argument(option, help="an option of bench_scalar.py, not used here")
    args = parser.parse_args(argv)
    for option in ("only", "baseline"):
        if getattr(args, option) is not None:
            print(f"bench_gpt.py: --{option} is an option of bench_scalar.py, not used here")
    if args.quick:
        args.repeats, args.steps, args.run_steps, args.samples = 2, 1, 2, 2
    print(f"tinygrad_edu {tinygrad_edu.__version__}; Python {platform.python_version()} "
          f"({platform.python_implementation()}); {platform.machine()}, "
          f"{platform.processor() or 'unknown CPU'}")
    names = plain_gpt.load_names()
    chars = sorted(set("".join(names)))
    vocab_size = len(chars) + 1
    weights = GPT(vocab_size, **SIZES, seed=SEED).state_dict()
    assert plain_gpt.initial_weights(vocab_size) == weights, \
        "plain_gpt.initial_weights no longer draws what GPT draws"
    n_params = sum(len(row) for row in weights.values())
    print(f"GPT: vocab {vocab_size}, n_embd {SIZES['n_embd']}, {SIZES['n_head']} heads, "
          f"{SIZES['n_layer']} block, block size {SIZES['block_size']}: {n_params:,} "
          f"parameters; {len(names):,} names; {args.steps} steps (names) per timed run, "
          f"{args.repeats} runs per engine")
    tokens = [plain_gpt.encode(name, chars) for name in names]

    trainers = {e: Trainer(e, weights, vocab_size) for e in ENGINES}
    first = {e: t.step(tokens[0]) for e, t in trainers.items()}
    spread = max(first.values()) - min(first.values())
    print(f"first step's loss: {first['a']:.15f} (a), {first['b']:.15f} (b), "
          f"{first['c']:.15f} (c); largest difference {spread:.1e}")
    if spread > 1e-12:
        print("the engines do not compute the same GPT", file=sys.stderr)
        return 1

    batch = tokens[1:1 + args.steps]
    rows = []
    for gc_enabled in (True, False):
        runs = {e: (lambda t=t: [t.step(x) for x in batch]) for e, t in trainers.items()}
        per_step = {e: s / len(batch) for e, s in interleaved(runs, args.repeats,
                                                              gc_enabled).items()}
        label = "default GC" if gc_enabled else "GC disabled"
        rows.append(f"| training step, {label} | {ms(per_step['a'])} | {ms(per_step['b'])} | "
                    f"{per_step['a'] / per_step['b']:.2f}x | {ms(per_step['c'])} | "
                    f"{per_step['a'] / per_step['c']:.2f}x |")
        print(rows[-1], flush=True)
    counts = {e: graph_memory(t, tokens[1]) for e, t in trainers.items()}
    rows.append(f"| nodes of one step's graph ({names[1]!r}) | {counts['a'][0]:,} | "
                f"{counts['b'][0]:,} | - | {counts['c'][0]:,} | - |")
    rows.append(f"| bytes per node (tracemalloc) | {counts['a'][1]:.0f} B | "
                f"{counts['b'][1]:.0f} B | {counts['a'][1] / counts['b'][1]:.2f}x | "
                f"{counts['c'][1]:.0f} B | {counts['a'][1] / counts['c'][1]:.2f}x |")
    graph = {e: n * b / 2**20 for e, (n, b) in counts.items()}
    rows.append(f"| memory of one step's graph | {graph['a']:.2f} MiB | {graph['b']:.2f} MiB | "
                f"{graph['a'] / graph['b']:.2f}x | {graph['c']:.2f} MiB | "
                f"{graph['a'] / graph['c']:.2f}x |")
    print("\n".join(rows[-3:]), flush=True)
    runs_ = {e: whole_run(name, args.run_steps, args.samples)
             for e, name in (("a", "plain"), ("b", "ours"), ("c", "ours-per-scalar"))}
    for e, run in runs_.items():
        print(f"whole run, {ENGINES[e]}: {run}", flush=True)
    if any("failed" in run for run in runs_.values()):
        return 1
    peak = {e: run["peak MiB"] for e, run in runs_.items()}
    numpy = {e: "NumPy imported" if run["numpy imported"] else "no NumPy"
             for e, run in runs_.items()}
    rows.append(f"| peak memory of a whole run ({args.run_steps} steps, {args.samples} "
                f"samples), own process | {peak['a']:.1f} MiB, {numpy['a']} | {peak['b']:.1f} MiB, "
                f"{numpy['b']} | {peak['a'] / peak['b']:.2f}x | {peak['c']:.1f} MiB, "
                f"{numpy['c']} | {peak['a'] / peak['c']:.2f}x |")
    print("\nMarkdown:\n")
    print("| workload | (a) plain | (b) ours | (a) / (b) | (c) ours, per scalar | (a) / (c) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
