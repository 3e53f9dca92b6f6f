"""A graph becomes a program: what each level costs, side by side in one run.

    python benchmarks/bench_program.py            # ./run.sh bench program
    python benchmarks/bench_program.py --quick    # a smoke test (one repeat, small rows)

Rows, each one training step's forward and backward pass (gradients zeroed first):

1. **micrograd's demo step, per op**: micrograd's own nn.py (a node per ``+`` and ``*``), MLP(2,
   [16, 16, 1]) on 100 moons, hinge loss + 1e-4 L2: on micrograd's ``Value``, on a
   microgpt-style ``Value`` (two tuples per node), on ours interpreted, as our Python program,
   as our native program; PyTorch's batched step beside it (1 thread).
2. **the same step with our nn** (a ``dot`` node per neuron).
3. **microgpt's step** (``tinygrad_edu.nn.gpt.GPT.loss`` of one name, the name seen again).
4. **a deep chain** of 5,000 ``x * 1.0001 + 0.0001`` (PyTorch: scalar ops one by one).

Columns: seconds per step (best of 5, the collector on; and off), ns per node, the capture and
build time of a program (once per structure), and the memory of the program's arrays against
the graph it was made from. Every program's numbers are checked against the engine first.
Below the table: what the guards on the numbers outside the arguments cost at every call of
the native demo step (the places a capture found, checked; best of 5, against the step), and
the capture's own parts.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import plain_gpt

from tinygrad_edu import Value
from tinygrad_edu.nn import MLP
from tinygrad_edu.nn.gpt import GPT
from tinygrad_edu.program import compile
from tinygrad_edu.program.native import NativeUnavailable
from tinygrad_edu.training.data import make_moons

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:  # (the bench extra installs it: micrograd==0.1.0)
    micrograd = None
try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None


CLEAN = True
"""Each run after a clean collection (``--quick`` leaves it out: with PyTorch loaded a
collection takes about 0.2 s, most of a smoke test's time, and its times are not read)."""


def best(run: Callable[[], Any], repeats: int, collector: bool) -> float:
    """The shortest of ``repeats`` runs, in seconds, after a clean collection."""
    times = []
    for _ in range(repeats):
        if CLEAN:
            gc.collect()
        if not collector:
            gc.disable()
        try:
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return min(times)


def micrograd_nn(value: type) -> Any:
    """micrograd's nn.py, run afresh with its ``Value`` replaced by ``value``."""
    spec = importlib.util.find_spec("micrograd.nn")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.Value = value
    return module


def demo_loss(value: type, model: Any, X: list[list[float]], y: list[float]) -> Any:
    """micrograd's demo loss: hinge loss of the scores plus 1e-4 L2 of the parameters."""
    scores = [model([value(a), value(b)]) for a, b in X]
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


def engine_step(value: type, model: Any, X: Any, y: Any) -> Callable[[], None]:
    def step() -> None:
        for p in model.parameters():
            p.grad = 0.0
        demo_loss(value, model, X, y).backward()
    return step


LAST: list[Any] = []  # (the last compiled step: its guards are timed below the table)


def compiled_step(loss_of: Callable[..., Any], params: list[Any], native: bool,
                  *args: Any) -> tuple[Callable[[], None], float, Any]:
    """The step as a program: its run, the seconds its capture and build took, the program."""
    step = compile(loss_of, native=native)
    started = time.perf_counter()
    step(*args)
    built = time.perf_counter() - started
    LAST[:] = [step]

    def run() -> None:
        for p in params:
            p.grad = 0.0
        step(*args).backward()
    return run, built, step.program()


def guard_cost(step: Any, run: Callable[[], None], repeats: int) -> str:
    """What the guards and inputs from outside cost per call, against the step."""
    entry = step.last
    check = entry.outside.check if entry.outside is not None else (lambda: (-1, ()))
    places = len(entry.outside.walk.places) if entry.outside is not None else 0

    def hundred() -> None:
        for _ in range(100):
            check()

    guards = best(hundred, repeats, False) / 100
    whole = best(run, repeats, False)
    return (f"guards and inputs from outside the arguments ({places} places): "
            f"{guards * 1e6:.1f} µs per call, {guards / whole:.1%} of the native step "
            f"({whole * 1e3:.2f} ms)")


def checked(params: list[Any], engine: Callable[[], None], program: Callable[[], None]) -> None:
    """The program's gradients are the engine's, bit for bit."""
    engine()
    want = [p.grad for p in params]
    program()
    got = [p.grad for p in params]
    assert got == want, "a program's gradients differ from the engine's"


def graph_memory(make: Callable[[], Any]) -> int:
    tracemalloc.start()
    kept = make()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return size


COLUMNS = ["micrograd", "microgpt Value", "interpreted", "Python program", "native program",
           "PyTorch"]


def row(name: str, runs: dict[str, Callable[[], None]], nodes: int, repeats: int,
        built: str) -> str:
    """A row of the table: per column, ms per step with the collector on / off, and ns per
    node with it off (and the ratio against our interpreted engine: above 1, faster)."""
    on = {k: best(r, repeats, True) for k, r in runs.items()}
    off = {k: best(r, repeats, False) for k, r in runs.items()}
    ours = off["interpreted"]
    cells = []
    for k in COLUMNS:
        if k not in runs:
            cells.append("—")
            continue
        ratio = "" if k == "interpreted" else f", **{ours / off[k]:.1f}×**"
        cells.append(f"{on[k] * 1e3:.2f} / {off[k] * 1e3:.2f} ms, "
                     f"{off[k] / nodes * 1e9:.0f} ns/node{ratio}")
    return f"| {name} ({nodes:,} nodes) | " + " | ".join(cells) + f" | {built} |"


def main(argv: list[str] | None = None) -> int:
    global CLEAN
    args = _parse(argv)
    CLEAN = not args.quick
    warnings.simplefilter("ignore", NativeUnavailable)
    repeats = 1 if args.quick else 5
    moons, labels = make_moons(20 if args.quick else 100, noise=0.1, seed=1)
    X, y = moons.tolist(), (labels * 2 - 1).astype(float).tolist()
    lines = ["| step | " + " | ".join(COLUMNS) + " | capture + build, per structure |",
             "|---" * (len(COLUMNS) + 2) + "|"]

    # 1. micrograd's per-op demo step
    random.seed(1)
    ours = micrograd_nn(Value).MLP(2, [16, 16, 1])
    params = ours.parameters()
    runs: dict[str, Callable[[], None]] = {}
    if micrograd is not None:
        random.seed(1)
        theirs = micrograd.nn.MLP(2, [16, 16, 1])
        runs["micrograd"] = engine_step(micrograd.engine.Value, theirs, X, y)
    random.seed(1)
    plain = micrograd_nn(plain_gpt.PlainValue).MLP(2, [16, 16, 1])
    runs["microgpt Value"] = engine_step(plain_gpt.PlainValue, plain, X, y)
    runs["interpreted"] = engine_step(Value, ours, X, y)

    def loss_of(X: Any, y: Any) -> Any:
        return demo_loss(Value, ours, X, y)

    python_run, python_built, program = compiled_step(loss_of, params, False, X, y)
    native_run, native_built, native = compiled_step(loss_of, params, True, X, y)
    guards = guard_cost(LAST[0], native_run, repeats)
    checked(params, runs["interpreted"], python_run)
    checked(params, runs["interpreted"], native_run)
    runs["Python program"], runs["native program"] = python_run, native_run
    if torch is not None:
        import bench_scalar

        engine = bench_scalar.TorchEngine()
        model = engine.mlp(1)
        runs["PyTorch"] = lambda: engine.demo_step(model, X, y)
    graph = graph_memory(lambda: demo_loss(Value, ours, X, y))
    packed = native.packed.bytes if getattr(native, "packed", None) else 0
    lines.append(row("micrograd's demo step, per op", runs, program.nodes, repeats,
                 f"Python {python_built:.2f} s, native {native_built:.2f} s; arrays "
                 f"{packed / 2**20:.1f} MiB against the graph's {graph / 2**20:.1f} MiB"))
    notes = [f"micrograd's demo step: {guards}"]

    # 2. our nn
    model = MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()

    def own_loss(X: Any, y: Any) -> Any:
        scores = [model(row) for row in X]
        return sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(y))

    def own_engine() -> None:
        model.zero_grad()
        own_loss(X, y).backward()

    python_run, python_built, program = compiled_step(own_loss, params, False, X, y)
    native_run, native_built, _ = compiled_step(own_loss, params, True, X, y)
    checked(params, own_engine, python_run)
    checked(params, own_engine, native_run)
    lines.append(row("the same step, our nn", {"interpreted": own_engine,
                                           "Python program": python_run,
                                           "native program": native_run},
                 program.nodes, repeats, f"Python {python_built:.2f} s, native "
                                         f"{native_built:.2f} s"))

    # 3. microgpt's step, one name seen again
    names = plain_gpt.load_names()
    chars = sorted(set("".join(names)))
    gpt = GPT(len(chars) + 1, **plain_gpt.SIZES, seed=plain_gpt.SEED)
    params = gpt.parameters()
    tokens = plain_gpt.encode(names[0], chars)

    def gpt_engine() -> None:
        for p in params:
            p.grad = 0.0
        gpt.loss(tokens).backward()

    python_run, python_built, program = compiled_step(gpt.loss, params, False, tokens)
    native_run, native_built, _ = compiled_step(gpt.loss, params, True, tokens)
    checked(params, gpt_engine, python_run)
    checked(params, gpt_engine, native_run)
    lines.append(row(f"microgpt's step, the name {names[0]!r} again",
                 {"interpreted": gpt_engine, "Python program": python_run,
                  "native program": native_run}, program.nodes, repeats,
                 f"Python {python_built:.2f} s, native {native_built:.2f} s, per name"))

    # 4. a deep chain
    n = 500 if args.quick else 5000
    x = Value(1.0)

    def chain() -> Any:
        v = x
        for _ in range(n):
            v = v * 1.0001 + 0.0001
        return v

    def chain_engine() -> None:
        x.grad = 0.0
        chain().backward()

    python_run, python_built, program = compiled_step(chain, [x], False)
    native_run, native_built, _ = compiled_step(chain, [x], True)
    checked([x], chain_engine, python_run)
    checked([x], chain_engine, native_run)
    runs = {"interpreted": chain_engine, "Python program": python_run,
            "native program": native_run}
    if torch is not None:
        import bench_scalar

        runs["PyTorch"] = lambda: bench_scalar.TorchEngine().chain(n)
    lines.append(row("a deep chain", runs, program.nodes, repeats,
                     f"Python {python_built:.2f} s, native {native_built:.2f} s"))
    print("\n".join(lines))
    print()
    print("\n".join(notes))
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A graph as a program: each level's cost.")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: one repeat, 20 points, a short chain")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
