"""How far two float64 engines may round apart (tests/differential).

Two engines that compute in float64 still round differently (another libm, another order of
a sum), and a cancellation can make that large. Each node carries a bound of its rounding
error (the running error bound: EPS·|y| plus the operands' bounds times the local
derivatives' sizes, and an absolute part where numbers fall to subnormals); a node whose
bound is not small beside its number is *uncertain*, and what depends on it is not compared
(the tests count those). Gradients are compared to 1e-7 of the sum over paths of |products
of local derivatives|, plus what underflowing shares may have lost.
"""

from __future__ import annotations

import math

from tinygrad_edu import Value, walk

EPS = 2.0**-52
# ----------------------------------------------------------------------------- the error bound


INEXACT = {"exp", "log", "sqrt", "tanh", "sigmoid", "sin", "cos", "**"}  # (each libm its own)
TINY_ERROR = 2.0**-1074  # the absolute rounding error of a subnormal result


def error_bounds(nodes: list[Value]) -> list[float]:
    """For each node, the running error bound: EPS·|y| + Σ |local derivative|·bound(operand),
    and an absolute 2^-1074 where the result is subnormal (or 0 from an op each engine takes
    from its own libm); 0 for a leaf (both engines hold the same number). A node's two
    engines may differ by a few times this."""
    index = index_of(nodes)
    bounds = [0.0] * len(nodes)
    for i, node in enumerate(nodes):
        if node.parents:
            y = node.data
            total = EPS * abs(y)
            if abs(y) < 2.0**-1022 and (y != 0 or node.op in INEXACT):
                total += TINY_ERROR
            for parent, local in zip(node.parents, node.local_grads):
                e = bounds[index[parent]]
                if e:
                    total += abs(local) * e
            bounds[i] = total
    return bounds


def index_of(nodes: list[Value]) -> dict[Value, int]:
    return {v: i for i, v in enumerate(nodes)}


def uncertain_nodes(nodes: list[Value], bounds: list[float]) -> list[bool]:
    """A node is uncertain where its error bound is not small beside its number (a
    cancellation, a subnormal, a slope that magnifies), or not a number; and so is every
    node made from an uncertain one (relu of a number that may be either side of 0 is 0 in
    one engine and not in the other, though its slope 0 says no error passes)."""
    index = index_of(nodes)
    flags: list[bool] = []
    for node, e in zip(nodes, bounds):
        y = node.data
        if any(flags[index[p]] for p in node.parents if p in index):
            flags.append(True)
        elif not math.isfinite(e):
            flags.append(math.isfinite(y) or e != e)
        elif not math.isfinite(y):
            flags.append(False)
        else:
            flags.append(64 * e > 1e-9 * abs(y) if e else False)
    return flags


def gradient_bounds(out: Value, seed: float) -> tuple[dict[Value, float], dict[Value, float]]:
    """For the gradients ``out.backward(seed)`` just left in every node's ``grad``: Σ over
    paths to ``out`` of |∏ local derivatives| × |seed| (the size a gradient's rounding is
    relative to), and a bound of the absolute rounding of shares that fell to subnormal
    numbers or to 0, carried on by the local derivatives (a share that underflows can undo
    a cancellation: in the graph of d/dx (√(eˣ))², at x = -600, it makes the second
    derivative 1.5·eˣ: tests/torch_deviations.py, 22)."""
    scale: dict[Value, float] = {out: abs(seed)}
    absolute: dict[Value, float] = {}
    for node in reversed(walk(out)):
        g, a, upstream = scale.get(node, 0.0), absolute.get(node, 0.0), node.grad
        for parent, local in zip(node.parents, node.local_grads):
            size = 0.0 if local == 0 or g == 0 else abs(local) * g
            scale[parent] = scale.get(parent, 0.0) + size
            share = local * upstream if isinstance(upstream, float) else 0.0
            tiny = TINY_ERROR if abs(share) < 2.0**-1022 and local and upstream else 0.0
            if abs(local) < 2.0**-1022 and isinstance(upstream, float):  # (a local derivative
                tiny += abs(upstream) * TINY_ERROR  # that fell to a subnormal number or 0)
            absolute[parent] = absolute.get(parent, 0.0) + (abs(local) * a if a else 0.0) + tiny
    return scale, absolute


def shaky_paths(nodes: list[Value], out: Value, uncertain: list[bool]) -> set[Value]:
    """The nodes whose gradient passes through a node with an uncertain operand (whose local
    derivatives, computed from it, are uncertain too)."""
    index = index_of(nodes)
    shaky: set[Value] = set()
    for node in reversed(walk(out)):
        bad = node in shaky or any(uncertain[index[p]] for p in node.parents if p in index)
        if bad:
            shaky.update(node.parents)
    return shaky




def close(ours: float, theirs: float, tolerance: float | None) -> bool:
    """The same number to ``tolerance`` (absolute); NaN equals NaN, an infinity itself. With
    ``tolerance`` None, the same kind of number only: NaN, inf, -inf or finite (for a
    gradient that arrives infinite or tiny, where whether it underflows is a matter of
    rounding)."""
    if ours != ours or theirs != theirs:
        return ours != ours and theirs != theirs
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return tolerance is None or abs(ours - theirs) <= tolerance

