"""The scalar engine against micrograd (PyPI micrograd==0.1.0) and PyTorch, side by side.

    python benchmarks/bench_scalar.py            # or: ./run.sh bench

Every workload runs on every installed engine in this one process, interleaved (engine A,
engine B, engine C, A, B, C, ...), and the table reports medians and ratios. Nothing is
installed here: install the extra with ``pip install -e '.[bench]'`` to get micrograd and
the pinned torch; a missing engine is reported as such. Each timed run starts after
``gc.collect()`` so that garbage left by one engine is not billed to the next.

Ratios are "how many times longer the other engine took": above 1 means tinygrad_edu is
faster. PyTorch runs the demo step and the inference workload batched (its natural form),
and the chain and the wide sum with one 0-d tensor per scalar, like the scalar engines.

The demo step runs twice on tinygrad_edu: with its own nn (one ``dot`` node per neuron) and
with micrograd's own ``nn.py`` executed on tinygrad_edu's ``Value`` (one node per ``+`` and
``*``, the code a learner writes). A floor row times the same number of bare slotted-object
creations with one float operation each: how close each engine is to Python's limit.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import tinygrad_edu
from tinygrad_edu import Value as TgValue
from tinygrad_edu import no_grad
from tinygrad_edu.nn import MLP as TgMLP
from tinygrad_edu.training.data import make_moons

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:
    micrograd = None
try:
    import torch
except ImportError:
    torch = None

FAILED = "failed"


# ----------------------------------------------------------------------------- engines


class ScalarEngine:
    """A micrograd-style engine: a Value class and an MLP class."""

    def __init__(self, name: str, value: type, mlp: Callable[..., Any], no_grad: Any = None,
                 ours: bool = False):
        self.name, self.Value, self.mlp, self.no_grad = name, value, mlp, no_grad
        self.ours = ours  # tinygrad_edu, this version or a --baseline one

    def demo_step(self, model: Any, X: Any, y: Any) -> float:
        """micrograd's demo.ipynb training step, written once for every scalar engine."""
        V = self.Value
        inputs = [[V(float(a)), V(float(b))] for a, b in X]
        scores = [model(x) for x in inputs]
        losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
        return total.data

    def forward(self, model: Any, X: Any) -> list[float]:
        V = self.Value
        with self.no_grad() if self.no_grad else nullcontext():
            return [model([V(float(a)), V(float(b))]).data for a, b in X]

    def chain(self, n: int) -> tuple[float, float]:
        x = self.Value(1.0)
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        y.backward()
        return y.data, x.grad

    def wide_sum(self, a: list[float], b: list[float]) -> list[float]:
        va = [self.Value(v) for v in a]
        vb = [self.Value(v) for v in b]
        s = sum(x * w for x, w in zip(va, vb))
        s.backward()
        return [v.grad for v in va]


class TorchEngine:
    name = "PyTorch"

    def mlp(self, seed: int) -> Any:
        torch.manual_seed(seed)
        layers = [torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                  torch.nn.ReLU(), torch.nn.Linear(16, 1)]
        return torch.nn.Sequential(*layers).double()

    def demo_step(self, model: Any, X: Any, y: Any) -> float:
        Xt = torch.as_tensor(X, dtype=torch.float64)
        yt = torch.as_tensor(y, dtype=torch.float64)
        scores = model(Xt).squeeze(1)
        data_loss = torch.relu(1 - yt * scores).mean()
        reg_loss = 1e-4 * sum((p * p).sum() for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
        return total.item()

    def forward(self, model: Any, X: Any, grad: bool = True) -> list[float]:
        with nullcontext() if grad else torch.no_grad():
            return model(torch.as_tensor(X, dtype=torch.float64)).squeeze(1).tolist()

    def chain(self, n: int) -> tuple[float, float]:
        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        y.backward()
        return y.item(), x.grad.item()

    def wide_sum(self, a: list[float], b: list[float]) -> list[float]:
        ta = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in a]
        tb = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in b]
        s = sum(x * w for x, w in zip(ta, tb))
        s.backward()
        return [t.grad.item() for t in ta]


def micrograd_nn_on(value: type = TgValue) -> Any:
    """micrograd's nn.py, executed afresh with its ``Value`` replaced by ``value``."""
    spec = importlib.util.find_spec("micrograd.nn")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.Value = value
    return module


def engines(baseline: str | None = None) -> list[Any]:
    """tinygrad_edu, micrograd and PyTorch, as installed; with ``baseline``, tinygrad_edu as
    of that git ref too (benchmarks/baseline.py)."""
    found: list[Any] = [ScalarEngine("tinygrad_edu", TgValue, TgMLP, no_grad, ours=True)]
    if micrograd is not None:
        found.append(ScalarEngine("micrograd", micrograd.engine.Value, micrograd.nn.MLP))
    if torch is not None:
        found.append(TorchEngine())
    if baseline is not None:
        import baseline as before

        old = before.load(baseline)
        found.append(ScalarEngine(before.describe(baseline), old.Value, old.nn.MLP,
                                  old.no_grad, ours=True))
    return found


def make_model(engine: Any, seed: int, per_op: bool = False) -> Any:
    """The demo's MLP(2, [16, 16, 1]) for ``engine``; with ``per_op``, micrograd's nn.py on
    the engine's Value (tinygrad_edu's, this version or a baseline)."""
    if isinstance(engine, TorchEngine):
        return engine.mlp(seed)
    if engine.name == "micrograd" or per_op:
        import random

        random.seed(seed)  # micrograd draws its weights from the global random module
        mlp = micrograd_nn_on(engine.Value).MLP if per_op else engine.mlp
        return mlp(2, [16, 16, 1])
    return engine.mlp(2, [16, 16, 1], seed=seed)


# ----------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any], gc_enabled: bool = True) -> tuple[float | str, Any]:
    """Seconds for one call (after a clean gc.collect()), or "failed: ..." as data."""
    gc.collect()
    if not gc_enabled:
        gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    except RecursionError:
        return f"{FAILED}: RecursionError", None
    except MemoryError:
        return f"{FAILED}: MemoryError", None
    finally:
        gc.enable()


def interleaved(
    runs: dict[str, Callable[[], Any]], repeats: int, gc_enabled: bool = True
) -> dict[str, float | str]:
    """Median seconds per engine, running the engines in turn ``repeats`` times."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    failures: dict[str, str] = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            if name in failures:
                continue
            seconds, _ = timed(fn, gc_enabled)
            if isinstance(seconds, str):
                failures[name] = seconds
            else:
                times[name].append(seconds)
    return {name: failures.get(name) or statistics.median(times[name]) for name in runs}


# ----------------------------------------------------------------------------- report


def fmt_time(t: float | str | None) -> str:
    if t is None:
        return "-"
    if isinstance(t, str):
        return t
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def fmt_ratio(ours: Any, other: Any) -> str:
    if isinstance(ours, float) and isinstance(other, float):
        return f"{other / ours:.2f}x"
    return "-"


class Table:
    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.rows: list[list[str]] = []

    def add(self, workload: str, results: dict[str, Any], unit: Callable[[Any], str] = fmt_time):
        ours = results.get("tinygrad_edu")
        row = [workload, unit(ours)]
        for name in self.names[1:]:
            row += [unit(results.get(name)), fmt_ratio(ours, results.get(name))]
        self.rows.append(row)
        print("  " + " | ".join(row), flush=True)

    def markdown(self) -> str:
        head = ["workload", self.names[0]]
        for name in self.names[1:]:
            head += [name, f"{name} / ours"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- workloads


class _Bare:
    """The least a graph node can be: one slotted object holding one float."""

    __slots__ = ("data",)

    def __init__(self, data: float) -> None:
        self.data = data


def floor(n: int) -> list[_Bare]:
    """``n`` bare slotted-object creations with one float operation each."""
    x = 1.0
    return [_Bare(x * 1.0001) for _ in range(n)]


def demo_steps(table: Table, all_engines: list[Any], repeats: int) -> dict[str, float]:
    """Rows 1a-1d; returns the GC-off times per node (seconds) for the floor table."""
    X, y = make_moons(n_samples=100, noise=0.1, seed=0)
    y = y * 2 - 1
    per_node: dict[str, float] = {}
    for per_op, what in ((False, "our nn (a dot node per neuron)"),
                         (True, "micrograd's nn.py on our Value (a node per + and *)")):
        for gc_enabled, label in ((True, "default GC"), (False, "GC disabled")):
            models = {e.name: make_model(e, seed=1, per_op=per_op and getattr(e, "ours", False))
                      for e in all_engines}
            runs = {e.name: (lambda e=e, m=models[e.name]: e.demo_step(m, X, y))
                    for e in all_engines}
            results = interleaved(runs, repeats, gc_enabled)
            row = "1c" if per_op else "1a"
            row = chr(ord(row[1]) + (0 if gc_enabled else 1))
            table.add(f"1{row}. demo step, {what}, {label}", results)
            if not gc_enabled:
                name = "ours, micrograd's nn.py" if per_op else "ours, own nn"
                per_node[name] = results["tinygrad_edu"]
                if per_op and isinstance(results.get("micrograd"), float):
                    per_node["micrograd"] = results["micrograd"]
    # every time per node of micrograd's graph (a node per + and *), also for our own nn,
    # whose graph has fewer nodes for the same work
    nodes = len(tinygrad_edu.walk(graph_of_a_step(make_model(all_engines[0], 1, True), X, y)))
    return {"nodes": nodes, **{k: v / nodes for k, v in per_node.items() if isinstance(v, float)}}


def graph_of_a_step(model: Any, X: Any, y: Any) -> Any:
    """The loss of the demo step, as a graph (to count its nodes)."""
    scores = [model([TgValue(float(a)), TgValue(float(b))]) for a, b in X]
    losses = [(1 + -float(yi) * s).relu() for yi, s in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


def floor_table(per_node: dict[str, float], repeats: int) -> str:
    """Each engine's GC-off demo step per graph node, next to the floor."""
    n = int(per_node.pop("nodes"))
    t = interleaved({"floor": lambda: floor(n)}, repeats, gc_enabled=False)["floor"]
    base = t / n if isinstance(t, float) else math.nan
    lines = [f"| per node of micrograd's graph ({n:,} nodes), GC disabled | time | × floor |",
             "|---|---|---|",
             f"| floor: {n:,} slotted objects, one float op each | {base * 1e9:.0f} ns | 1.0 |"]
    for name, seconds in per_node.items():
        lines.append(f"| demo step, {name} | {seconds * 1e9:.0f} ns | {seconds / base:.1f} |")
    text = "\n".join(lines)
    print("\n" + text, flush=True)
    return text


def chains(table: Table, all_engines: list[Any], sizes: list[int]) -> None:
    failed: dict[str, str] = {}
    for n in sizes:
        results: dict[str, Any] = {}
        repeats = 5 if n <= 5_000 else 1
        for e in all_engines:
            if e.name in failed:
                results[e.name] = failed[e.name] + " (smaller N)"
                continue
            outcome = interleaved({e.name: lambda e=e, n=n: e.chain(n)}, repeats)[e.name]
            if isinstance(outcome, str):
                failed[e.name] = outcome
            else:
                _, (_, g) = timed(lambda e=e, n=n: e.chain(n))
                expected = 1.0001**n
                if not math.isclose(g, expected, rel_tol=1e-6):
                    outcome = f"{FAILED}: wrong gradient {g!r}, expected {expected!r}"
            results[e.name] = outcome
        table.add(f"2. chain y = y*1.0001 + 0.0001, N = {n:,}", results)


def wide_sums(table: Table, all_engines: list[Any], n: int, repeats: int) -> None:
    a = [math.sin(i) for i in range(n)]
    b = [math.cos(i) for i in range(n)]
    results: dict[str, Any] = {}
    runs = {e.name: (lambda e=e: e.wide_sum(a, b)) for e in all_engines}
    results = interleaved(runs, repeats)
    for e in all_engines:
        if isinstance(results[e.name], float):
            _, grads = timed(runs[e.name])
            if grads != b:
                results[e.name] = f"{FAILED}: wrong gradients"
    table.add(f"3. sum(a*b) of {n:,} products (builtin sum), forward + backward", results)


def bytes_per_node(engine: Any, build: Callable[[Any], Any], nodes: int) -> float:
    gc.collect()
    tracemalloc.start()
    graph = build(engine)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del graph
    return current / nodes


def memory(table: Table, all_engines: list[Any], n: int) -> None:
    scalar = [e for e in all_engines if isinstance(e, ScalarEngine)]

    def products(e: Any) -> Any:  # n products + n sums = 2n nodes
        return sum(x * w for x, w in zip(leaves[e.name][0], leaves[e.name][1]))

    def chain(e: Any) -> Any:  # n multiplications + n additions = 2n nodes
        y = e.Value(1.0)
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        return y

    leaves = {e.name: ([e.Value(math.sin(i)) for i in range(n)],
                       [e.Value(math.cos(i)) for i in range(n)]) for e in scalar}
    unit = lambda v: "-" if v is None else f"{v:.0f} B"
    table.add("4a. bytes per node, sum of products (tracemalloc)",
              {e.name: bytes_per_node(e, products, 2 * n) for e in scalar}, unit)
    table.add("4b. bytes per node, chain with constants (tracemalloc)",
              {e.name: bytes_per_node(e, chain, 2 * n) for e in scalar}, unit)

    X, y = make_moons(n_samples=100, noise=0.1, seed=0)
    y = y * 2 - 1
    for per_op, row in ((False, "4c. peak memory of one demo step, our nn"),
                        (True, "4d. peak memory of one demo step, micrograd's nn.py on ours")):
        peaks: dict[str, Any] = {}
        for e in scalar:
            model = make_model(e, seed=1, per_op=per_op and e.ours)
            gc.collect()
            tracemalloc.start()
            e.demo_step(model, X, y)
            peaks[e.name] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        table.add(f"{row} (tracemalloc)", peaks, lambda v: "-" if v is None else f"{v:.1f} MiB")


def inference(table: Table, all_engines: list[Any], repeats: int) -> None:
    X, _ = make_moons(n_samples=100, noise=0.1, seed=0)
    models = {e.name: make_model(e, seed=1) for e in all_engines}
    build: dict[str, Callable[[], Any]] = {}
    inference: dict[str, Callable[[], Any]] = {}
    for e in all_engines:
        m = models[e.name]
        if isinstance(e, TorchEngine):
            build[e.name] = lambda e=e, m=m: e.forward(m, X, grad=True)
            inference[e.name] = lambda e=e, m=m: e.forward(m, X, grad=False)
        else:
            build[e.name] = lambda e=e, m=m: [m([e.Value(float(a)), e.Value(float(b))]).data
                                              for a, b in X]
            if e.no_grad is not None:
                inference[e.name] = lambda e=e, m=m: e.forward(m, X)
    table.add("5a. forward, 100 points, building the graph", interleaved(build, repeats))
    table.add("5b. forward, 100 points, no_grad (inference)", interleaved(inference, repeats))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per engine")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--baseline", metavar="REF", help="also time tinygrad_edu as of this "
                        "git ref (a commit, a branch, HEAD~1), interleaved in the same run")
    parser.add_argument("--only", metavar="ROWS", default="12345",
                        help="which workloads to run, by their digit (default 12345)")
    args = parser.parse_args(argv)
    all_engines = engines(args.baseline)
    names = [e.name for e in all_engines]
    print(f"tinygrad_edu {tinygrad_edu.__version__}; Python {platform.python_version()} "
          f"({platform.python_implementation()}); {platform.machine()}, "
          f"{platform.processor() or 'unknown CPU'}")
    print("engines: " + ", ".join(
        [f"tinygrad_edu {tinygrad_edu.__version__}"]
        + (["micrograd 0.1.0"] if micrograd else ["micrograd: not installed"])
        + ([f"torch {torch.__version__}"] if torch else ["torch: not installed"])))
    if torch is not None:
        torch.set_num_threads(1)
        print("torch threads: 1 (the scalar engines are single-threaded)")
    print()
    table = Table(names)
    repeats = 3 if args.quick else args.repeats
    per_node = demo_steps(table, all_engines, repeats) if "1" in args.only else {}
    if "2" in args.only:
        chains(table, all_engines, [500, 5_000] if args.quick else [500, 5_000, 1_000_000])
    if "3" in args.only:
        wide_sums(table, all_engines, 10_000 if args.quick else 100_000, 3 if args.quick else 5)
    if "4" in args.only:
        memory(table, [e for e in all_engines], 10_000 if args.quick else 100_000)
    if "5" in args.only:
        inference(table, all_engines, repeats)
    floors = floor_table(per_node, repeats) if "nodes" in per_node else ""
    print("\nMarkdown:\n")
    print(table.markdown())
    print()
    print(floors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
