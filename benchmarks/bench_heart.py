"""The scalar engine's heart, before and after a change, against microgpt's and micrograd's
Values: best of five interleaved pairs, with Python's garbage collector on and off.

    python benchmarks/bench_heart.py --baseline b1b2d39     # ./run.sh bench heart --baseline REF
    python benchmarks/bench_heart.py --quick                # a smoke test

Three workloads, each run on three engines in this one process, taking turns (reference,
before, after; reference, before, after; ...) five times, each run a few seconds long (a
single run on 2 cores swings by 20%); the table gives the best of the five runs of each:

1. **microgpt's training step**: the GPT of plain_gpt.py (``ScalarGPT``: every weighted sum a
   Python ``sum`` of products, attention over a growing list of keys, Adam written out), run
   on ``PlainValue`` (microgpt's Value as it is described: four slots, two tuples per node),
   and on tinygrad_edu's ``Value``, before and after;
2. **micrograd's own nn.py**: micrograd's demo training step (MLP(2, [16, 16, 1]) on 100
   moons), run on micrograd's ``Value`` and on ours, before and after;
3. **our own nn**: the same step with tinygrad_edu's ``nn.MLP`` (one ``dot`` node per
   neuron), before and after (micrograd's own step beside it, for scale).

Then peak memory (tracemalloc) of one step of each, before and after. Ratios: "reference /
ours" (above 1: tinygrad_edu is faster) and "before / after" (above 1: the change made it
faster). All engines compute the same numbers: the first losses are checked to agree.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import baseline as before_version  # noqa: E402 (after the path is set)
import plain_gpt  # noqa: E402
from bench_scalar import ScalarEngine, make_model, micrograd  # noqa: E402

import tinygrad_edu  # noqa: E402
from tinygrad_edu.nn.gpt import GPT  # noqa: E402
from tinygrad_edu.training.data import make_moons  # noqa: E402

PAIRS = 5
CLEAN = True
"""Each run after a clean collection (``--quick`` leaves it out: with PyTorch loaded, by
bench_scalar.py, a collection takes about 0.2 s, most of a smoke test's time, and its times
are not read)."""


def best_of_pairs(runs: dict[str, Callable[[], Any]], gc_enabled: bool, pairs: int
                  ) -> dict[str, float]:
    """The shortest of ``pairs`` runs of each, the runs taking turns; each after a clean
    ``gc.collect()``, with the collector on or off while it runs."""
    best = {name: float("inf") for name in runs}
    for _ in range(pairs):
        for name, run in runs.items():
            if CLEAN:
                gc.collect()
            if not gc_enabled:
                gc.disable()
            try:
                start = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - start)
            finally:
                gc.enable()
    return best


def peak_mib(run: Callable[[], Any]) -> float:
    if CLEAN:
        gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


Runs = Callable[[int], dict[str, Callable[[], float]]]
"""Given a number of steps, one run of that many steps for each engine (by name)."""


def gpt_runs(values: dict[str, Any]) -> Runs:
    """Runs of training steps of the per-scalar GPT for each Value class, from the same
    weights, each returning its first step's loss."""
    names = plain_gpt.load_names()
    chars = sorted(set("".join(names)))
    weights = GPT(len(chars) + 1, **plain_gpt.SIZES, seed=plain_gpt.SEED).state_dict()
    tokens = [plain_gpt.encode(name, chars) for name in names]

    def train(value: Any, n: int) -> float:
        model = plain_gpt.ScalarGPT(value, weights, n_head=plain_gpt.SIZES["n_head"],
                                    n_layer=plain_gpt.SIZES["n_layer"])
        adam = plain_gpt.PlainAdam(model.params, lr=plain_gpt.LR, betas=plain_gpt.BETAS)
        loss = 0.0
        for step in range(n):
            out = model.loss(tokens[step])
            out.backward()
            adam.step()
            loss = loss or float(out.data)
        return loss

    return lambda n: {name: (lambda v=value: train(v, n)) for name, value in values.items()}


def demo_runs(engines: dict[str, ScalarEngine], per_op: bool, points: int) -> Runs:
    """Runs of demo training steps for each engine (micrograd's nn.py on its Value with
    ``per_op``, else the engine's own MLP), from the same starting weights, each returning
    its first step's loss."""
    X, y = make_moons(points, noise=0.1, seed=1)

    def train(engine: ScalarEngine, n: int) -> float:
        model = make_model(engine, seed=1, per_op=per_op or engine.name == "micrograd")
        first = 0.0
        for _ in range(n):
            loss = engine.demo_step(model, X, y)
            first = first or loss
        return first

    return lambda n: {name: (lambda e=e: train(e, n)) for name, e in engines.items()}


def row(label: str, best: dict[str, float], reference: str) -> str:
    after, before, ref = best["after"], best["before"], best[reference]
    return (f"| {label} | {ref:.3f} s | {ref / after:.2f}x | {ref / before:.2f}x | "
            f"{before:.3f} s | {after:.3f} s | {before / after:.2f}x |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REF", default="main",
                        help="the git ref of 'before' (default: main)")
    parser.add_argument("--pairs", type=int, default=PAIRS, help="interleaved runs of each")
    parser.add_argument("--gpt-steps", type=int, default=40, help="GPT steps per run")
    parser.add_argument("--demo-steps", type=int, default=20, help="demo steps per run")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    args = parser.parse_args(argv)
    global CLEAN
    CLEAN = not args.quick
    if args.quick:
        args.pairs, args.gpt_steps, args.demo_steps = 1, 1, 1
    points = 10 if args.quick else 100  # (the demo's moons: a step is a pass over them all)
    old = before_version.load(args.baseline)
    print(f"after: tinygrad_edu as checked out; before: {before_version.describe(args.baseline)};"
          f" Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{platform.machine()}; best of {args.pairs} interleaved runs of each")
    ours = ScalarEngine("after", tinygrad_edu.Value, tinygrad_edu.nn.MLP, ours=True)
    theirs = ScalarEngine("before", old.Value, old.nn.MLP, ours=True)
    table = ["| workload | reference | ref. / after | ref. / before | before | after | "
             "before / after |", "|---|---|---|---|---|---|---|"]
    workloads: list[tuple[str, Runs, int, str]] = [
        ("microgpt's training step", gpt_runs({"microgpt": plain_gpt.PlainValue,
                                                "before": old.Value,
                                                "after": tinygrad_edu.Value}),
         args.gpt_steps, "microgpt")]
    if micrograd is not None:
        mg = ScalarEngine("micrograd", micrograd.engine.Value, micrograd.nn.MLP)
        engines = {"micrograd": mg, "before": theirs, "after": ours}
        workloads.append(("micrograd's nn.py, demo step", demo_runs(engines, True, points),
                          args.demo_steps, "micrograd"))
        workloads.append(("our own nn, demo step", demo_runs(engines, False, points),
                          args.demo_steps, "micrograd"))
    else:
        print("micrograd is not installed (pip install -e '.[bench]'): its rows are left out")
    for label, runs, steps, reference in workloads:
        first = {name: run() for name, run in runs(1).items()}
        spread = max(first.values()) - min(first.values())
        if spread > 1e-9 * max(1.0, abs(first["after"])):
            print(f"{label}: the engines' first losses differ ({first})", file=sys.stderr)
            return 1
        for gc_enabled in (False, True):
            best = best_of_pairs(runs(steps), gc_enabled, args.pairs)
            table.append(row(f"{label} × {steps}, collector {'on' if gc_enabled else 'off'}",
                             best, reference))
            print(table[-1], flush=True)
    for label, runs, _, reference in workloads:
        step = {name: peak_mib(run) for name, run in runs(1).items()}
        table.append(f"| peak memory of one {label} (tracemalloc) | {step[reference]:.1f} MiB | "
                     f"- | - | {step['before']:.1f} MiB | {step['after']:.1f} MiB | "
                     f"{step['before'] / step['after']:.2f}x |")
        print(table[-1], flush=True)
    print("\nMarkdown:\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
