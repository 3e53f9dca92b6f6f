"""Random programs of the tensor engine, compared with PyTorch (tests/differential).

Each program (tensor_programs.py: one to three leaves of random shapes, ordinary numbers
and edges, then elementwise ops, reductions, indexing, matmul, losses, ...) runs in both
engines. Compared: every node's numbers, the gradients (grad() and
grad(create_graph=True), which must agree exactly, and PyTorch's), a Hessian-vector
product, and every step our engine refuses (PyTorch must give no number there).

Rounding: PyTorch runs the program again at inputs moved by a relative 2^-36, entry by
entry, both ways; how far each number moves says how well the rounding of two engines can
agree on it (a cancellation moves it a lot: then it is compared loosely, or not at all if
its kind of number changes). Recorded deviations are corrected in PyTorch's twins
(tensor_twins.py), as for the scalar engine (``twin``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.differential.tensor_programs import (
    BINARY,
    OTHERS,
    UNARY,
    TProgram,
    TStep,
    apply_step,
    generate_tensors,
)
from tests.differential.tensor_twins import CORRECTIONS, HVP_SKIPS, theirs
from tinygrad_edu import grad

__all__ = ["BINARY", "CORRECTIONS", "HVP_SKIPS", "OTHERS", "UNARY", "compare_tensors",
           "generate_tensors"]
"""The names tests/tensor/test_torch_differential.py imports from here (the programs are made
in tensor_programs.py, PyTorch's twins in tensor_twins.py)."""


def as_array(t: Any) -> np.ndarray:
    """A tensor's numbers. (PyTorch's gradients may be ZeroTensors, whose numpy() crashes
    the process with a segmentation fault for some strides: a 2×1×3 one of strides 6, 6,
    1, from the Hessian-vector product of seed 6730.)"""
    if getattr(t, "_is_zerotensor", lambda: False)():
        return np.zeros(tuple(t.shape))
    return t.detach().numpy(force=True)


def run_theirs(program: TProgram, torch: Any, leaves: list[np.ndarray], directions: list[Any]
               ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The program in PyTorch at ``leaves``: every node's numbers, the gradients of the
    output and the Hessian-vector product along ``directions``."""
    E = theirs(torch)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    nodes: list[Any] = list(ts)
    for step in program.steps:
        nodes.append(apply_step(step, nodes, E))
    out = nodes[-1]
    firsts = torch.autograd.grad(out, ts, allow_unused=True, create_graph=True) \
        if out.requires_grad else (None,) * len(ts)
    grads = [np.zeros_like(x) if g is None else as_array(g)
             for x, g in zip(leaves, firsts)]
    inner = [n for n in nodes if n.requires_grad]  # (every node's gradient: its size)
    every = torch.autograd.grad(out, inner, allow_unused=True, retain_graph=True) \
        if out.requires_grad else ()
    sizes = [np.abs(as_array(g)) for g in every if g is not None]
    largest = max([0.0, *(float(a[np.isfinite(a)].max(initial=0.0)) for a in sizes)])
    grads.append(np.array(largest if all(np.isfinite(a).all() for a in sizes) else np.inf))
    terms = [(g * torch.as_tensor(v)).sum() for g, v in zip(firsts, directions)
             if g is not None and g.requires_grad]
    products = torch.autograd.grad(sum(terms), ts, allow_unused=True) if terms else \
        (None,) * len(ts)
    hvp = [np.zeros_like(x) if h is None else as_array(h) for x, h in zip(leaves, products)]
    return [as_array(n) for n in nodes], grads, hvp


def run_ours(program: TProgram, nodes: list[Any], directions: list[Any]) -> tuple[
        list[np.ndarray], list[np.ndarray], list[np.ndarray], list[str]]:
    """Ours: every node's numbers, the gradients (grad() and, the same to the last bit,
    grad(create_graph=True)) and the Hessian-vector product; and the disagreements between
    our two passes."""
    leaves, out, found = nodes[:len(program.leaves)], nodes[-1], []
    plain = grad(out, leaves, allow_unused=True)
    firsts = grad(out, leaves, allow_unused=True, create_graph=True)
    grads = [np.zeros(t.shape) if g is None else g for t, g in zip(leaves, plain)]
    for i, (p, g) in enumerate(zip(grads, firsts)):  # (BLAS may round a product with a
        again = np.zeros(p.shape) if g is None else g.data  # transposed operand 1 ulp apart)
        scale = np.abs(p[np.isfinite(p)]).max() if np.isfinite(p).any() else 0.0
        if not same_kind_and_number(p, again, 1e-14 * max(1.0, scale)).all():
            found.append(f"d/dt{i}: grad() {p}, grad(create_graph=True) {again}")
    terms = [(g * v).sum() for g, v in zip(firsts, directions) if g is not None and g.parents]
    products = grad(sum(terms[1:], terms[0]), leaves, allow_unused=True) if terms else \
        (None,) * len(leaves)
    hvp = [np.zeros(t.shape) if h is None else h for t, h in zip(leaves, products)]
    return [t.data for t in nodes], grads, hvp, found


def same_kind_and_number(a: Any, b: Any, tolerance: Any) -> np.ndarray:
    """Entry by entry: NaN where NaN, the same infinity, else within ``tolerance``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(a) & np.isfinite(b)
        near = np.where(finite, np.abs(a - b) <= tolerance, a == b)
    return np.where(nan_a | nan_b, nan_a & nan_b, near)


SUMMING = {"sum", "mean", "matmul", "softmax", "log_softmax", "cross_entropy", "mse_loss",
           "+", "-"}


def summed(program: TProgram, nodes: list[Any], i: int) -> float:
    """How far two engines' sums may round apart at node ``i`` (in another order, with a
    cancellation: numpy's Σ of [-⅓, -⅓, -⅓, ⅓, ⅓, ⅓] is -1.1e-16, PyTorch's 0): 64·EPS
    times the sum of its operands' |entries|; 0 for another op (and a leaf)."""
    n = len(program.leaves)
    if i < n or program.steps[i - n].op not in SUMMING:
        return 0.0
    total = 0.0
    for a in program.steps[i - n].args:
        x = np.abs(np.asarray(nodes[a[1]].data if a[0] == "node" else a[1], dtype=float))
        total += float(x[np.isfinite(x)].sum())
    return 64 * 2.0**-52 * total


def extreme(nodes: list[Any]) -> bool:
    """Whether a number of the program is not finite, or beyond 2^±500: its second
    derivatives are products of infinities (which NaN or inf depends on the order of the
    factors) or of slopes that leave the floats (deviations 16, 20, 21, 22)."""
    for t in nodes:
        a = np.abs(np.asarray(t.data))
        if not np.isfinite(a).all() or ((a > 2.0**500) | ((a > 0) & (a < 2.0**-500))).any():
            return True
    return False


def subnormal(x: Any) -> bool:
    """Whether an entry of ``x`` is a subnormal number (deviation 20)."""
    a = np.abs(np.asarray(x))
    return bool(((a > 0) & (a < 2.0**-1022)).any())


def judged(base: Any, moved: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Which entries of PyTorch's ``base`` numbers can be judged (their kind stays when the
    inputs move), and the tolerance of each: 1e-9 of the number, four times how far it
    moved, and 1e-13 of the largest entry of its array."""
    base = np.asarray(base, dtype=float)
    ok = np.ones(base.shape, bool)
    spread = np.zeros(base.shape)
    for m in moved:
        m = np.asarray(m, dtype=float)
        ok &= same_kind_and_number(base, m, np.inf)
        with np.errstate(invalid="ignore"):
            spread = np.maximum(spread, np.where(np.isfinite(m - base), np.abs(m - base), 0))
    finite = np.abs(base[np.isfinite(base)])
    floor = 1e-13 * (finite.max() if finite.size else 0.0)  # (rounding among its entries)
    return ok, 1e-9 * np.nan_to_num(np.abs(base), posinf=0.0) + 4 * spread + floor


@dataclass
class TReport:
    mismatches: list[str] = field(default_factory=list)
    compared: int = 0
    skipped: int = 0


def compare_tensors(seed: int, torch: Any) -> tuple[TProgram, TReport]:
    """One random tensor program, compared with PyTorch."""
    program, nodes = generate_tensors(seed)
    report = TReport(mismatches=tensor_refusals(program, torch))
    rng = np.random.default_rng(seed)
    directions = [rng.uniform(-1.0, 1.0, x.shape) for x in program.leaves]
    with np.errstate(all="ignore"):
        base = run_theirs(program, torch, program.leaves, directions)
        try:
            ours = run_ours(program, nodes, directions)
        except (ArithmeticError, ValueError) as error:  # (a**b's d/db at a < 0: NaN there)
            if not any(s.op == "**" and s.args[1][0] == "node" and s.args[0][0] == "node" and
                       (np.asarray(nodes[s.args[0][1]].data) < 0).any() for s in program.steps):
                report.mismatches.append(f"we refuse the gradients ({error})")
            return program, report
        report.mismatches += ours[3]
        moves = [[x * (1 + s * 2.0**-36 * rng.choice([-1.0, 1.0], x.shape))
                  for x in program.leaves] for s in (1, -1)]
        moved = [run_theirs(program, torch, m, directions) for m in moves]
    skip_hvp = extreme(nodes) or any(  # (as for Values)
        (s.op == "**" and any(a[0] == "node" and (np.asarray(nodes[a[1]].data) == 0).any()
                              for a in s.args))  # (deviations 4 and 19)
        or (s.op == "sqrt" and subnormal(nodes[s.args[0][1]].data)) for s in program.steps)
    largest = float(base[1].pop())  # (the largest gradient of any node: what sums cancel)
    beyond = largest == np.inf  # (a node's gradient is no float: inf or NaN is a matter of
    largest = 0.0 if beyond else largest  # the order of the factors, in the leaves' too)
    sizes = [np.abs(g[np.isfinite(g)]).max() for g in base[1] if np.isfinite(g).any()]
    floor = 1e-12 * max([1.0, *sizes]) + 256 * 2.0**-52 * largest
    for m in moved:
        m[1].pop()
    local = local_values(program, nodes, torch)
    for kind, k in (("t", 0), ("d/dt", 1), ("hvp t", 2))[:3 - skip_hvp]:
        for i, (o, t) in enumerate(zip(ours[k], local if k == 0 else base[k])):
            if k == 0:  # each op on our operands: its own rounding only
                ok = np.ones(np.shape(t), bool)
                size = np.abs(np.nan_to_num(np.asarray(t, float), posinf=0, neginf=0))
                tolerance = 64 * 2.0**-52 * size + summed(program, nodes, i)
            else:
                ok, tolerance = judged(t, [m[k][i] for m in moved])
                tolerance = tolerance + (np.inf if beyond else floor)
            agree = same_kind_and_number(o, t, tolerance)
            if k and beyond:
                agree |= ~np.isfinite(np.asarray(o, float)) & ~np.isfinite(np.asarray(t, float))
            report.compared += int(ok.sum())
            report.skipped += int((~ok).sum())
            bad = ok & ~agree
            if bad.any():
                where = tuple(np.argwhere(bad)[0])
                report.mismatches.append(
                    f"{kind}{i}{list(where)}: ours {np.asarray(o)[where]!r}, PyTorch "
                    f"{np.asarray(t)[where]!r} (tolerance {np.asarray(tolerance)[where]:.3g})")
    return program, report


def local_values(program: TProgram, nodes: list[Any], torch: Any) -> list[np.ndarray]:
    """PyTorch's value of each node, its op applied to our operands' numbers (so that a
    difference is this op's, not one carried from earlier rounding)."""
    E = theirs(torch)
    ours = [torch.as_tensor(np.asarray(t.data, dtype=np.float64)) for t in nodes]
    found = list(ours[:len(program.leaves)])
    for k, step in enumerate(program.steps):
        made = apply_step(step, ours[:len(program.leaves) + k], E)
        found.append(made.detach())
    return [as_array(t) for t in found]


def tensor_refusals(program: TProgram, torch: Any) -> list[str]:
    """Each step our engine refused: PyTorch's op at those numbers gives no number somewhere
    (NaN or an infinity in its value or in the gradient of its sum)."""
    found = []
    E = theirs(torch)
    for step, error in program.refused:
        nodes = program_nodes(program, step, torch)
        ts = [n for n in nodes if n is not None and n.requires_grad]
        try:
            y = apply_step(step, nodes, E)
        except (RuntimeError, IndexError, ValueError):  # (PyTorch refuses too: empty input)
            continue
        slopes = torch.autograd.grad(y.sum(), ts, allow_unused=True) if y.requires_grad else ()
        numbers = [y.detach().numpy()] + [s.numpy() for s in slopes if s is not None]
        if all(np.isfinite(n).all() for n in numbers):
            found.append(f"we refuse {step} ({error}), where PyTorch gives numbers")
    return found


def program_nodes(program: TProgram, step: TStep, torch: Any) -> list[Any]:
    """PyTorch's nodes of the program as far as it got when ``step`` was tried (leaves of
    their own: the refused op's local derivatives alone)."""
    E = theirs(torch)
    nodes: list[Any] = [torch.tensor(x, dtype=torch.float64) for x in program.leaves]
    wanted = {a[1] for a in step.args if a[0] == "node"}
    for s in program.steps:
        if len(nodes) > max(wanted):
            break
        nodes.append(apply_step(s, nodes, E).detach())
    return [n.clone().requires_grad_(i in wanted) for i, n in enumerate(nodes)]
