"""One program of the scalar engine compared with PyTorch (tests/differential).

Every node's number; the gradients of the output, from backward(), grad() and
grad(create_graph=True), which must agree exactly with each other and with PyTorch's to the
rounding ``bounds.py`` allows; each step our engine refused, which PyTorch must give no
number for; and the second derivatives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tests.differential.bounds import (
    close,
    error_bounds,
    gradient_bounds,
    shaky_paths,
    uncertain_nodes,
)
from tests.differential.programs import OURS, Program, Step, apply, flat_args, generate
from tests.differential.twins import (
    corrected,
    hessian_deviation_of,
    overflowing_slope,
    torch_ops,
    twin,
)
from tinygrad_edu import Value, grad, walk

ORDINARY_SEEDS = (1.0, -2.0)  # gradients arriving: compared number by number


def grads_of(out: Value, leaves: list[Value], seed: float, create_graph: bool) -> list[Any]:
    found = grad(out, leaves, grad_outputs=seed, allow_unused=True, create_graph=create_graph)
    return [0.0 if g is None else g for g in found]


@dataclass
class Report:
    """What one program's comparison found: mismatches (each a line of text), and counts."""

    mismatches: list[str] = field(default_factory=list)
    compared: int = 0
    skipped: int = 0
    twins: dict[str, int] = field(default_factory=dict)

    def add(self, other: Report) -> None:
        self.mismatches += other.mismatches
        self.compared += other.compared
        self.skipped += other.skipped
        for k, v in other.twins.items():
            self.twins[k] = self.twins.get(k, 0) + v


def run_torch(program: Program, nodes: list[Value], torch: Any) -> \
        tuple[list[Any], dict[str, int]]:
    """The program in PyTorch, each op its twin (corrected where a recorded deviation
    applies): the tensors of its nodes, and how often each correction was used."""
    plain, fixes = torch_ops(torch), corrected(torch)
    tensors: list[Any] = [torch.tensor(x, dtype=torch.float64, requires_grad=True)
                          for x in program.leaves]
    used: dict[str, int] = {}
    for step in program.steps:
        numbers = [nodes[r[1]].data if r[0] == "node" else r[1] for r in flat_args(step)]
        name = twin(step, numbers, lambda s=step: apply(s, tensors, plain).item())
        ops = plain if name is None else {**plain, step.op: fixes[name]}
        if name is not None:
            used[name] = used.get(name, 0) + 1
        tensors.append(apply(step, tensors, ops))
    return tensors, used


def check_refusals(program: Program, torch: Any) -> list[str]:
    """Each step our engine refused: PyTorch's op at those numbers gives no number (NaN or
    an infinity in its value or a local derivative)."""
    found = []
    plain = torch_ops(torch)
    for step, numbers, error in program.refused:
        refs = flat_args(step)
        leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=r[0] == "node")
                  for r, x in zip(refs, numbers)]
        rebuilt, it = Step(step.op, [], step.alpha), iter(range(len(leaves)))
        for a in step.args:
            rebuilt.args.append([("node", next(it)) for _ in a] if isinstance(a, list)
                                else ("node", next(it)))
        y = apply(rebuilt, leaves, plain)
        slopes = torch.autograd.grad(y, [t for t in leaves if t.requires_grad],
                                     allow_unused=True) if y.requires_grad else ()
        found_numbers = [y.item()] + [0.0 if d is None else d.item() for d in slopes]
        if all(map(math.isfinite, found_numbers)):
            found.append(f"we refuse {step} at {numbers} ({error}), where PyTorch gives the "
                         f"value and slopes {found_numbers}")
    return found


def compare(program: Program, nodes: list[Value], torch: Any, second: bool = True) -> Report:
    """Ours against PyTorch on one program: every node's number, the gradients of the
    output (backward(), grad() and grad(create_graph=True), which must agree exactly), and
    second derivatives."""
    report = Report(mismatches=check_refusals(program, torch))
    tensors, report.twins = run_torch(program, nodes, torch)
    n = len(program.leaves)
    leaves, out, t_leaves, t_out = nodes[:n], nodes[-1], tensors[:n], tensors[-1]
    bounds = error_bounds(nodes)
    uncertain = uncertain_nodes(nodes, bounds)
    for i, (v, t) in enumerate(zip(nodes, tensors)):
        if uncertain[i]:
            report.skipped += 1
            continue
        report.compared += 1
        if not close(v.data, t.item(), 64 * bounds[i]):
            report.mismatches.append(f"v{i}: ours {v.data!r}, PyTorch {t.item()!r}")
    seed = program.seed_gradient
    plain = grads_of(out, leaves, seed, False)
    try:
        graph = [g.data if isinstance(g, Value) else g for g in
                 grads_of(out, leaves, seed, True)]
    except Exception as error:  # (any error is a finding)
        report.mismatches.append(f"create_graph=True raised {error!r}; backward gave {plain}")
        graph = plain
    for leaf in leaves:
        leaf.grad = 0.0
    out.backward(seed)
    for i, (p, g, leaf) in enumerate(zip(plain, graph, leaves)):
        if not close(p, g, 0.0) or not close(p, leaf.grad, 0.0):
            report.mismatches.append(f"d/dv{i}: grad() {p!r}, grad(create_graph=True) {g!r}, "
                                     f"backward() {leaf.grad!r}: not the same")
    t_seed = torch.tensor(seed, dtype=torch.float64)
    t_grads = torch.autograd.grad(
        t_out, t_leaves, grad_outputs=t_seed, allow_unused=True, create_graph=second,
        retain_graph=True) if t_out.requires_grad else (None,) * n
    scale, absolute = gradient_bounds(out, seed)
    shaky = shaky_paths(nodes, out, uncertain)
    numeric = seed in ORDINARY_SEEDS
    for i, (p, t, leaf) in enumerate(zip(plain, t_grads, leaves)):
        theirs = 0.0 if t is None else t.item()
        if leaf in shaky or uncertain[-1]:
            report.skipped += 1
            continue
        report.compared += 1
        size = scale.get(leaf, 0.0)
        tolerance = 1e-7 * size + 8 * absolute.get(leaf, 0.0)
        if not math.isfinite(tolerance):  # (a bound beyond the floats: the kind of number)
            tolerance = math.inf
        if not close(p, theirs, tolerance if numeric else None):
            report.mismatches.append(f"d/dv{i}: ours {p!r}, PyTorch {theirs!r}")
    if second and numeric and not any(uncertain) and \
            all(math.isfinite(v.data) for v in nodes) and \
            hessian_deviation_of(program, nodes, report.twins) is None:
        compare_second(report, program, nodes, plain, t_grads, t_leaves, torch)
    return report


def compare_second(report: Report, program: Program, nodes: list[Value],
                   firsts_plain: list[float], t_grads: Any, t_leaves: list[Any],
                   torch: Any) -> None:
    """Each row of the Hessian (times the seed), ours and PyTorch's, for a program whose
    numbers are all finite. Rows and columns of an input whose first derivative is NaN or
    infinite are not compared (products of infinities, whose NaN or inf depends on the order
    of the factors, which each engine's graph of a gradient sets its own way), nor the rows
    of a first derivative whose graph has a local derivative too large for a float
    (deviation 22) or a number whose rounding cannot be judged (the second derivative of
    a program adding ±2.7e300 terms that cancel is lost in both engines' rounding). Where
    the two differ by more than our graph's rounding allows, central differences of our
    first derivatives decide: PyTorch's graph of a gradient is another
    graph, which may magnify its rounding more than ours (a difference of 4 where a
    cancellation of 1e300-sized terms met, in one program of 30,000), and then ours must
    be the one they confirm."""
    n, seed = len(program.leaves), program.seed_gradient
    leaves, out = nodes[:n], nodes[-1]
    firsts = grads_of(out, leaves, seed, True)
    undefined = {j for j, p in enumerate(firsts_plain) if not math.isfinite(p)}
    for i, (g, t) in enumerate(zip(firsts, t_grads)):
        if i in undefined or (isinstance(g, Value) and overflowing_slope(g)):
            report.skipped += 1
            continue
        ours = [0.0] * n
        scale: dict[Value, float] = {}
        absolute: dict[Value, float] = {}
        if isinstance(g, Value) and g.parents:
            order = walk(g)  # (a cancellation in the first derivative's own graph: not judged)
            if any(uncertain_nodes(order, error_bounds(order))):
                report.skipped += 1
                continue
            try:
                found = grad(g, leaves, allow_unused=True)
            except Exception as error:  # (any error is a finding)
                report.mismatches.append(f"d²/dv{i}d·: ours raised {error!r}")
                continue
            ours = [0.0 if h is None else h for h in found]
            g.backward()  # (the gradients of its graph's nodes, for the bounds)
            scale, absolute = gradient_bounds(g, 1.0)
        theirs = [0.0] * n
        if t is not None and t.requires_grad:
            found_t = torch.autograd.grad(t, t_leaves, retain_graph=True, allow_unused=True)
            theirs = [0.0 if h is None else h.item() for h in found_t]
        for j, (a, b) in enumerate(zip(ours, theirs)):
            if j in undefined:
                continue
            report.compared += 1
            size = scale.get(leaves[j], 0.0)
            tolerance = 1e-7 * size + 8 * absolute.get(leaves[j], 0.0)
            if not math.isfinite(tolerance):
                tolerance = math.inf
            if not close(a, b, tolerance) and not confirmed(program, i, j, a):
                report.mismatches.append(f"d²/dv{i}dv{j}: ours {a!r}, PyTorch {b!r}")


def confirmed(program: Program, i: int, j: int, ours: float) -> bool:
    """Whether central differences of our plain first derivative d/dv_i, along v_j, at two
    step sizes, both agree with ``ours`` (to 1e-4)."""
    def first(at: list[float]) -> float:
        leaves = [Value(x) for x in at]
        nodes: list[Any] = list(leaves)
        for step in program.steps:
            nodes.append(apply(step, nodes, OURS))
        g = grad(nodes[-1], leaves, grad_outputs=program.seed_gradient, allow_unused=True)[i]
        return 0.0 if g is None else g

    x = program.leaves[j]
    for h in (1e-5, 1e-7):
        step = h * max(1.0, abs(x))
        up, down = list(program.leaves), list(program.leaves)
        up[j], down[j] = x + step, x - step
        try:
            estimate = (first(up) - first(down)) / (up[j] - down[j])
        except (ArithmeticError, ValueError):
            return False
        if not abs(estimate - ours) <= 1e-4 * max(1.0, abs(ours), abs(estimate)):
            return False
    return True


def run(seed: int, torch: Any, second: bool = True) -> tuple[Program, Report]:
    """One random program, generated from ``seed``, compared."""
    program, nodes = generate(seed)
    return program, compare(program, nodes, torch, second)
