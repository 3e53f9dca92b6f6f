"""The graph shapes that break engines, as programs: a node used twice, a diamond, a shared
subgraph, a chain of 10,000 nodes (a recursive sort's limit), many paths through few nodes
(a sort without a visited set), backward twice, zero_grad between two steps, a small MLP's
training step; and random graphs over the ops the engine has right, drawn by hypothesis.
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.testing.conformance.catalogue import OP_NAMED
from tinygrad_edu.testing.conformance.programs import FORWARD_BACKWARD, Program, Step

__all__: list[str] = []

CHAIN = 10_000
PATHS = 30  # 2**30 paths through 61 nodes: without a visited set, no end in sight


def n(i: int) -> tuple[str, int]:
    return ("n", i)


def c(x: float) -> tuple[str, float]:
    return ("c", x)


def used_twice(_: Any) -> Program:
    return Program((1.5,), (("+", (n(0), c(1.0))), ("*", (n(1), n(1)))))


def diamond(_: Any) -> Program:
    return Program((1.5,), (("*", (n(0), c(2.0))), ("+", (n(0), c(3.0))),
                            ("*", (n(1), n(2)))))


def shared(_: Any) -> Program:
    """s = x·y feeds two nodes, which meet again; x and y are used directly too."""
    return Program((1.5, -0.5), (("*", (n(0), n(1))), ("+", (n(2), n(0))), ("*", (n(2), n(1))),
                                 ("*", (n(3), n(4)))))


def chain(_: Any) -> Program:
    steps = tuple(("+", (n(k), c(1.0))) for k in range(CHAIN))
    return Program((0.5,), steps, (("forward",), ("backward",), ("read", [0, -1])))


def many_paths(_: Any) -> Program:
    steps: list[Step] = []
    for _ in range(PATHS):  # y = (y·0.5) + (y·0.5): each y reached along two paths
        steps.append(("*", (n(len(steps)), c(0.5))))
        steps.append(("+", (n(len(steps)), n(len(steps)))))
    return Program((1.5,), tuple(steps), (("forward",), ("backward",), ("read", [0, -1])))


def twice(_: Any) -> Program:
    return Program((1.5, 0.5), (("*", (n(0), n(1))), ("+", (n(2), n(0))), ("*", (n(3), n(1)))),
                   (("forward",), ("backward",), ("read", [0, 1]), ("backward",),
                    ("read", [0, 1])))


def zero_grad(_: Any) -> Program:
    return Program((1.5, -0.5), (("*", (n(0), n(1))), ("+", (n(2), n(0)))),
                   (("forward",), ("backward",), ("zero",), ("forward",), ("backward",),
                    ("read", [0, 1])))


def activation(checker: Any) -> str:
    return next((a for a in ("tanh", "relu", "sigmoid") if checker.has(a, "f")), "tanh")


def mlp_step(checker: Any) -> Program:
    """A 2-3-1 MLP on one example: 13 weights and biases as leaves, a squared error, backward,
    an SGD step, zero_grad, and again."""
    act = activation(checker)
    weights = [0.3, -0.5, 0.8, 0.1, -0.7, 0.4, 0.2, -0.1, 0.05, 0.6, -0.9, 0.35, 0.15]
    inputs, target = (0.5, -1.5), 0.7
    steps: list[Step] = []

    def add(op: str, *refs: tuple[str, Any]) -> tuple[str, int]:
        steps.append((op, refs))
        return n(len(weights) + len(steps) - 1)

    hidden = []
    for j in range(3):
        w1, w2, b = n(3 * j), n(3 * j + 1), n(3 * j + 2)
        total = add("+", add("+", add("*", w1, c(inputs[0])), add("*", w2, c(inputs[1]))), b)
        hidden.append(add(act, total))
    out = n(12)
    for j, h in enumerate(hidden):
        out = add("+", out, add("*", n(9 + j), h))
    d = add("-", out, c(target))
    add("*", d, d)
    pass_ = (("forward",), ("backward",), ("read", [*range(13), -1]))
    return Program(tuple(weights), tuple(steps),
                   (*pass_, ("sgd", 0.1), ("zero",), *pass_))


GRAPHS: list[tuple[str, list[tuple[str, str]], Any, str, float | None]] = [
    ("used twice", [("+", "vn"), ("*", "vv")], used_twice, "ordinary", None),
    ("diamond", [("+", "vn"), ("*", "vn"), ("*", "vv")], diamond, "ordinary", None),
    ("shared subgraph", [("+", "vv"), ("*", "vv")], shared, "ordinary", None),
    ("chain of 10,000", [("+", "vn")], chain, "edge", 60.0),
    ("many paths", [("+", "vv"), ("*", "vn")], many_paths, "ordinary", 5.0),
    ("backward twice", [("+", "vv"), ("*", "vv")], twice, "ordinary", None),
    ("zero_grad", [("+", "vv"), ("*", "vv")], zero_grad, "ordinary", None),
    ("training step", [("+", "vv"), ("*", "vv"), ("*", "vn"), ("-", "vn")], mlp_step,
     "ordinary", None),
]
"""Each graph check: its row, the ops it needs (op, form), its program, its region (an
error in an ordinary one differs; the chain's recursion is a limit), its time limit."""


# ----------------------------------------------------------------------------- random graphs


def _fits(op: str, values: list[float], margin: float = 1e-3) -> bool:
    spec = OP_NAMED[op]
    for i, x in enumerate(values):
        lo, hi = spec.interval(i, "ordinary")
        if not lo <= x <= hi or any(abs(x - k[0]) < margin for k in spec.kinks):
            return False
    return True


def random_graphs(forms: dict[str, set[str]], max_steps: int = 8) -> Any:
    """Random programs over the ops of ``forms`` (each in the forms it has there): 1 to 3
    leaves, then steps each applying an op to earlier nodes (so nodes are shared) or a plain
    number, only where every operand is inside the op's ordinary domain; every node's number
    stays below 1e6."""
    from hypothesis import strategies as st

    ops = sorted(forms)

    @st.composite
    def draw(draw: Any) -> Program:
        leaves = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=3))
        values = list(leaves)
        steps: list[Step] = []
        for _ in range(draw(st.integers(1, max_steps))):
            op = draw(st.sampled_from(ops))
            spec = OP_NAMED[op]
            refs: list[tuple[str, Any]] = []
            for i in range(spec.arity):
                if spec.arity == 2 and draw(st.integers(0, 4)) == 0:
                    lo, hi = spec.interval(i, "ordinary")
                    refs.append(c(draw(st.floats(lo, hi, allow_nan=False))))
                else:
                    refs.append(n(draw(st.integers(0, len(values) - 1))))
            operands = [values[r[1]] if r[0] == "n" else r[1] for r in refs]
            kinds = tuple(r[0] for r in refs)
            form = "f" if spec.arity == 1 else "same" if refs[0] == refs[1] and kinds[0] == "n" \
                else {"nn": "vv", "nc": "vn", "cn": "nv"}.get("".join(kinds), "")
            if form not in forms[op] or not _fits(op, operands):
                continue
            y = spec.math(*operands)
            if not math.isfinite(y) or abs(y) > 1e6:
                continue
            values.append(y)
            steps.append((op, tuple(refs)))
        if not steps:  # (nothing fitted: the first op on leaves of 1.0, inside every domain)
            arity = OP_NAMED[ops[0]].arity
            leaves, steps = [1.0] * arity, [(ops[0], tuple(n(i) for i in range(arity)))]
        return Program(tuple(leaves), tuple(steps), FORWARD_BACKWARD)

    return draw()
