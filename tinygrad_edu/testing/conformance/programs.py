"""A program the suite runs on an engine, and what it should give: PyTorch's numbers where
PyTorch is installed, else plain floats and central differences.

A ``Program`` is leaves (numbers the engine makes nodes of), steps (an op applied to earlier
nodes or plain numbers) and actions (``forward``, ``backward``, ``zero``, ``sgd``, ``read``),
run alike by the engine's process (``child.py``) and by ``expect`` here. It prints as the
Python that shows a finding: ``x0 = Value(1.5); v1 = x0 * x0; v1.backward(); x0.grad``.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.testing.conformance.catalogue import OP_NAMED

Ref = tuple[str, Any]  # ("n", index of a node) or ("c", a plain number)
Step = tuple[str, tuple[Ref, ...]]
FORWARD_BACKWARD: tuple[tuple[Any, ...], ...] = (
    ("read", "all"), ("forward",), ("read", "all"), ("backward",), ("read", "all"))
"""The leaves as made, then every node after the forward pass and after backward."""

__all__: list[str] = []


@dataclass(frozen=True)
class Program:
    leaves: tuple[float, ...]
    steps: tuple[Step, ...]
    actions: tuple[tuple[Any, ...], ...] = FORWARD_BACKWARD

    def to_json(self) -> dict[str, Any]:
        return {"leaves": list(self.leaves),
                "steps": [[op, *[list(r) for r in refs]] for op, refs in self.steps],
                "actions": [list(a) for a in self.actions]}

    def text(self, cls: str = "Value", limit: int = 12, stop: str = "") -> str:
        """The program as Python, for a person to paste (the middle of a long one left out;
        with ``stop="forward"``, the steps alone)."""
        n = len(self.leaves)
        names = [f"x{i}" for i in range(n)] + [f"v{k + 1}" for k in range(len(self.steps))]
        lines = [f"x{i} = {cls}({x!r})" for i, x in enumerate(self.leaves)]
        for k, (op, refs) in enumerate(self.steps):
            args = [names[r[1]] if r[0] == "n" else repr(r[1]) for r in refs]
            lines.append(f"{names[n + k]} = {formula(op, args)}")
        root = names[-1]
        for action in () if stop == "forward" else self.actions:
            if action[0] == "backward":
                lines.append(f"{names[action[1]] if len(action) > 1 else root}.backward()")
            elif action[0] == "zero":
                lines.append("# each leaf's grad set to 0 (zero_grad)")
            elif action[0] == "sgd":
                lines.append(f"# each leaf: x.data -= {action[1]} * x.grad")
            elif action[0] == "forward" and any(a[0] in ("zero", "sgd", "backward")
                                                for a in self.actions[:self.actions.index(action)]):
                lines.append("# the same steps again, from the same leaves")
        if len(lines) > limit:
            lines = [*lines[:limit // 2], f"# ... {len(lines) - limit + 1} more lines ...",
                     *lines[-(limit // 2 - 1):]]
        return "\n".join(lines)


def formula(op: str, args: list[str]) -> str:
    if op in ("+", "-", "*", "/", "**"):
        return f"{args[0]} {op} {args[1]}"
    if op == "neg":
        return f"-{args[0]}"
    if op == "abs":
        return f"abs({args[0]})"
    return f"{args[0]}.{op}()"


# ----------------------------------------------------------------------------- expectations


def expect(program: Program, torch: Any | None, dtype: str = "float64") -> list[dict[str, Any]]:
    """The reads a conforming engine gives: data of each node read, grad of each leaf read
    (None for an inner node: engines differ there, and PyTorch keeps none). An entry that
    cannot be trusted (a central difference across a jump) is None."""
    if torch is not None:
        return _expect_torch(program, torch, dtype)
    return _expect_differences(program, dtype)


def _expect_torch(program: Program, torch: Any, dtype: str) -> list[dict[str, Any]]:
    kind = getattr(torch, dtype)
    leaves = [torch.tensor(x, dtype=kind, requires_grad=True) for x in program.leaves]
    nodes: list[Any] = list(leaves)
    reads: list[dict[str, Any]] = []
    n = len(leaves)
    for action in program.actions:
        if action[0] == "forward":
            nodes = list(leaves)
            for op, refs in program.steps:
                operands = [nodes[r[1]] if r[0] == "n" else r[1] for r in refs]
                nodes.append(OP_NAMED[op].torch(torch, *operands))
        elif action[0] == "backward":
            root = nodes[action[1] if len(action) > 1 else -1]
            if root.requires_grad:
                root.backward(retain_graph=True)
        elif action[0] == "zero":
            for leaf in leaves:
                leaf.grad = None
        elif action[0] == "sgd":
            with torch.no_grad():
                for leaf in leaves:
                    if leaf.grad is not None:
                        leaf -= action[1] * leaf.grad
        elif action[0] == "read":
            which = range(len(nodes)) if action[1] == "all" else action[1]
            which = [i % len(nodes) for i in which]
            reads.append({"nodes": which, "data": [nodes[i].item() for i in which],
                          "grad": [(0.0 if nodes[i].grad is None else nodes[i].grad.item())
                                   if i < n else None for i in which]})
    return reads


def values_of(program: Program, leaves: list[float] | None = None,
              dtype: str = "float64") -> list[float]:
    """Every node's number in plain floats (IEEE's inf and nan where Python would raise),
    each rounded to float32 for a float32 engine."""
    round_ = _float32 if dtype == "float32" else float
    nodes = [round_(x) for x in (program.leaves if leaves is None else leaves)]
    for op, refs in program.steps:
        operands = [nodes[r[1]] if r[0] == "n" else round_(r[1]) for r in refs]
        nodes.append(round_(OP_NAMED[op].math(*operands)))
    return nodes


def _float32(x: float) -> float:
    try:
        rounded: float = struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)
    return rounded


def _difference(program: Program, leaves: list[float], root: int, i: int,
                dtype: str) -> float | None:
    """d root / d leaf i by central differences; None where they cannot be trusted: a jump,
    a kink or a wiggle within the step (the function's rise and fall on either side of x
    disagree), rounding larger than the step (two steps disagree), or no number."""
    if not math.isfinite(values_of(program, leaves, dtype)[root]):
        return None  # (no number at the engine's precision: nothing to differentiate)
    f0 = values_of(program, leaves)[root]  # (the differences themselves in float64)
    x = leaves[i]
    scale = abs(x) or 1.0  # (a step relative to x: 1/x and log x near 0 change fast)
    tiny = 1e-6
    estimates = []
    # three steps that must all see a straight line, then one as large against the output
    # (or 1) as the first is against x, if it sees one too: a step lost in the output's
    # rounding (x + 2.7e11 at x = 0, log(exp(x)) at x = 1e-275) gives 0 at the first three
    # and 1 there
    for k, h in enumerate((tiny * scale, tiny / 4 * scale, 16 * tiny * scale,
                           tiny * max(scale, abs(f0), 1.0))):
        up, down = list(leaves), list(leaves)
        up[i], down[i] = x + h, x - h
        f_up, f_down = values_of(program, up)[root], values_of(program, down)[root]
        rise, fall = f_up - f0, f0 - f_down
        straight = up[i] > down[i] and all(map(math.isfinite, (f0, f_up, f_down))) and abs(
            rise - fall) <= (
            1e-2 * (abs(rise) + abs(fall)) + 1e-12 * abs(f0))
        if not straight:
            if k < 3:
                return None
            continue
        estimates.append((f_up - f_down) / (up[i] - down[i]))
    if max(estimates) - min(estimates) > 10 * tiny * max(1.0, abs(estimates[1])):
        return None
    return estimates[1]


def _expect_differences(program: Program, dtype: str) -> list[dict[str, Any]]:
    leaves = list(program.leaves)
    grads = [0.0] * len(leaves)
    trusted = [True] * len(leaves)
    nodes = [_float32(x) for x in leaves] if dtype == "float32" else list(leaves)
    reads: list[dict[str, Any]] = []
    n = len(leaves)
    for action in program.actions:
        if action[0] == "forward":
            nodes = values_of(program, leaves, dtype)
        elif action[0] == "backward":
            root = (action[1] if len(action) > 1 else -1) % len(nodes)
            for i in range(n):
                d = _difference(program, leaves, root, i, dtype)
                if d is None:
                    trusted[i] = False
                else:
                    grads[i] += d
        elif action[0] == "zero":
            grads, trusted = [0.0] * n, [True] * n
        elif action[0] == "sgd":
            leaves = [x - action[1] * g for x, g in zip(leaves, grads)]
        elif action[0] == "read":
            which = range(len(nodes)) if action[1] == "all" else action[1]
            which = [i % len(nodes) for i in which]
            reads.append({"nodes": which, "data": [nodes[i] for i in which],
                          "grad": [(grads[i] if trusted[i] else None) if i < n else None
                                   for i in which]})
    return reads
