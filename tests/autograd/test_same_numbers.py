"""``create_graph=True`` gives the numbers of the plain pass, for every op at every edge, in
both engines (issue 55).

The plain pass multiplies the local derivatives it kept as numbers; ``create_graph=True``
recomputes them as Values or Tensors with the ops' own rules, and multiplies those. Both must
come to the same first derivatives wherever the plain pass gives one: at 0 and -0, at
infinities and NaN, at subnormal numbers, at overflowing slopes and under a gradient that
arrives infinite, NaN, 0 or tiny. Before issue 55 they did not: ``relu(x).sqrt()`` at -1
gave NaN with ``create_graph`` and 0 without, ``Value(nan) ** 0`` gave 0 and NaN, and the
tensor ``t ** t`` at 0 gave inf and 0. The cases are those of tests/test_edges.py and
tests/tensor/test_edges.py, and every registered op at every edge number below, either
operand a constant or both Values.
"""

import itertools
import math
import warnings

import numpy as np
import pytest

from tests.tensor.test_edges import POW_EDGES
from tests.test_edges import SCALAR_EDGES
from tinygrad_edu import OPS, Value, dot, grad, vsum
from tinygrad_edu.tensor import (
    Tensor,
    clip,
    concatenate,
    cross_entropy,
    log_softmax,
    maximum,
    minimum,
    mse_loss,
    softmax,
    stack,
    where,
)

INF, NAN = math.inf, math.nan
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, INF, -INF, NAN, 5e-324, -5e-324, 1e-310,
         1e-300, -1e-300, 1e300, -1e300, 709.0, -727.0]
FEW = [0.0, -0.0, 1.0, -2.0, 0.5, INF, -INF, NAN, 5e-324, 1e-300, 1e300]  # for pairs
SEEDS = [1.0, -2.5, 0.0, INF, -INF, NAN, 5e-324]  # the gradient that arrives at the output


def assert_same(plain, graph, case):
    """Equal numbers, NaN equal to NaN (0.0 equal to -0.0)."""
    np.testing.assert_array_equal(np.asarray(plain, dtype=float), np.asarray(graph, dtype=float),
                                  err_msg=f"create_graph=True differs from the plain pass: {case}")


# ----------------------------------------------------------------------------- Values


def both_passes(f, xs, seed):
    """The gradients of f at xs (Values) under ``seed``, plain and with create_graph, as
    numbers; None where the forward pass refuses the numbers (an error that says why)."""
    values = [Value(x) for x in xs]
    try:
        out = f(*values)
    except (ArithmeticError, ValueError):
        return None
    plain = grad(out, values, grad_outputs=seed, allow_unused=True)
    graph = grad(out, values, grad_outputs=seed, create_graph=True, allow_unused=True)
    return ([0.0 if g is None else g for g in plain],
            [0.0 if g is None else g.data for g in graph])


def check_values(f, points, name):
    for xs in points:
        for seed in SEEDS:
            found = both_passes(f, xs, seed)
            if found is not None:
                assert_same(*found, f"{name} at {xs}, gradient {seed} arriving")


UNARY = sorted(name for name, op in OPS.items() if op.arity == 1)
BINARY = sorted(name for name, op in OPS.items() if op.arity == 2)


def test_the_tables_cover_every_op_of_fixed_arity():
    assert {name for name, op in OPS.items() if op.arity} == set(UNARY) | set(BINARY)
    assert {"relu", "sqrt", "log", "abs", "leaky_relu"} <= set(UNARY) and "**" in BINARY


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_op_at_every_edge(name):
    check_values(OPS[name], [(x,) for x in EDGES], name)
    if name == "leaky_relu":
        for alpha in (0.0, 1.0, -0.5):
            check_values(lambda v, a=alpha: v.leaky_relu(a), [(x,) for x in EDGES],
                         f"leaky_relu(x, {alpha})")


@pytest.mark.parametrize("name", BINARY)
def test_every_binary_op_at_every_pair_of_edges(name):
    op = OPS[name]
    check_values(op, list(itertools.product(EDGES, FEW)), name)
    for c in FEW:  # a constant on either side
        check_values(lambda v, c=c: op(v, c), [(x,) for x in EDGES], f"{name} (x, {c})")
        check_values(lambda v, c=c: op(c, v), [(x,) for x in EDGES], f"{name} ({c}, x)")


def test_sums_and_dots_at_the_edges():
    for xs in itertools.combinations(FEW, 3):
        check_values(lambda *v: vsum([*v, 2.0]), [xs], "vsum")
        check_values(lambda a, b, c: dot([a, b, 1.5], [c, a, b]), [xs], "dot")


@pytest.mark.parametrize("case", sorted(SCALAR_EDGES))
def test_the_edge_cases_of_test_edges(case):
    ours, _, x0, _ = SCALAR_EDGES[case]
    check_values(ours, [(x0,)], case)


COMPOSED = {  # the issue's cases, and functions of them
    "relu(x).sqrt()": (lambda v: v.relu().sqrt(), [-1.0, 0.0, 4.0, NAN]),
    "relu(x) * inf": (lambda v: v.relu() * INF, [-1.0, 0.0, 2.0]),
    "relu(x * inf)": (lambda v: (v * INF).relu(), [-1.0, 0.0, 2.0]),
    "nan ** 0": (lambda v: v**0, [NAN, 0.0, 2.0]),
    "sqrt(x ** 0.5)": (lambda v: (v**0.5).sqrt(), [0.0, -0.0, 1e-300]),
    "x ** -0.5": (lambda v: v**-0.5, [1e-300, 5e-324, 1e-310]),
    "abs(x).sqrt()": (lambda v: v.abs().sqrt(), [0.0, -0.0, 1.0]),
    "log(x) * 0": (lambda v: v.log() * 0.0, [5e-324, 1.0]),
    "sqrt(sigmoid(x))": (lambda v: v.sigmoid().sqrt(), [-727.0, -745.0, 0.0]),
}


@pytest.mark.parametrize("case", sorted(COMPOSED))
def test_composed_cases(case):
    f, xs = COMPOSED[case]
    check_values(f, [(x,) for x in xs], case)


def test_a_power_with_both_operands_values_at_the_edges_of_the_issue():
    check_values(lambda a, b: a**b, [(1e-310, 0.0), (0.0, 0.0), (NAN, 0.0), (1e-300, -0.5)],
                 "a ** b")
    a, b = Value(1e-310), Value(0.0)  # the issue's numbers (PyTorch: [0, -713.8])
    assert [g.data for g in grad(a**b, [a, b], create_graph=True)] == \
        list(grad(a**b, [a, b])) == [0.0, pytest.approx(math.log(1e-310))]


# ----------------------------------------------------------------------------- Tensors


def both_passes_of_tensors(f, arrays, seed):
    """As ``both_passes``, for Tensors; the seed is a number put in every entry."""
    ts = [Tensor(a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (inf · 0: NumPy says so)
        try:
            out = f(*ts)
        except (ArithmeticError, ValueError):
            return None
        weights = np.full(out.shape, seed)
        try:  # (d(a**b)/db at a < 0 refuses in the backward pass: then both must)
            plain = grad(out, ts, grad_outputs=weights, allow_unused=True)
        except (ArithmeticError, ValueError) as error:
            with pytest.raises(type(error)):
                grad(out, ts, grad_outputs=weights, create_graph=True, allow_unused=True)
            return None
        graph = grad(out, ts, grad_outputs=weights, create_graph=True, allow_unused=True)
    return ([np.zeros_like(a) if g is None else g for a, g in zip(arrays, plain)],
            [np.zeros_like(a) if g is None else g.data for a, g in zip(arrays, graph)])


def check_tensors(f, arrays, name):
    for seed in SEEDS:
        found = both_passes_of_tensors(f, arrays, seed)
        if found is not None:
            for plain, graph in zip(*found):
                assert_same(plain, graph, f"{name}, gradient {seed} arriving")


TENSOR_UNARY = {
    "neg": lambda t: -t, "exp": lambda t: t.exp(), "log": lambda t: t.log(),
    "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(), "sqrt": lambda t: t.sqrt(),
    "relu": lambda t: t.relu(), "leaky_relu": lambda t: t.leaky_relu(0.1),
    "leaky_relu(x, 0)": lambda t: t.leaky_relu(0.0), "abs": lambda t: t.abs(),
    "clip": lambda t: clip(t, -1.0, 1.0), "x ** 0": lambda t: t**0, "x ** 2": lambda t: t**2,
    "x ** 0.5": lambda t: t**0.5, "x ** -0.5": lambda t: t**-0.5, "x * inf": lambda t: t * INF,
    "relu(x).sqrt()": lambda t: t.relu().sqrt(), "t ** t": lambda t: t**t,
    "maximum(t, t)": lambda t: maximum(t, t), "minimum(t, 0)": lambda t: minimum(t, 0.0),
}


@pytest.mark.parametrize("name", sorted(TENSOR_UNARY))
def test_every_elementwise_tensor_op_at_every_edge(name):
    """Each edge number alone in a tensor of one entry (a bad entry refuses the whole
    tensor), then all of them that the op takes, together."""
    f = TENSOR_UNARY[name]
    for x in EDGES:
        check_tensors(f, [np.array([x])], f"{name} at {x}")
    taken = [x for x in EDGES if both_passes_of_tensors(f, [np.array([x])], 1.0) is not None]
    check_tensors(f, [np.array(taken)], f"{name} at {taken}")


TENSOR_BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a**b, "maximum": maximum, "minimum": minimum,
    "where": lambda a, b: where(np.arange(a.shape[0]) % 2 == 0, a, b),
}


@pytest.mark.parametrize("name", sorted(TENSOR_BINARY))
def test_every_binary_tensor_op_at_every_pair_of_edges(name):
    f = TENSOR_BINARY[name]
    for x, y in itertools.product(EDGES, FEW):
        check_tensors(f, [np.array([x]), np.array([y])], f"{name} at {x}, {y}")
        check_tensors(lambda t, y=y: f(t, np.array([y])), [np.array([x])],
                      f"{name} (t, {y}) at {x}")


@pytest.mark.parametrize("seed", range(6))
def test_reductions_losses_and_shapes_with_edges_among_their_entries(seed):
    """A matrix holding edge numbers beside ordinary ones, through every op that is not
    entry by entry."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(3, 4))
    x[rng.integers(3), rng.integers(4)] = rng.choice(FEW)
    x[rng.integers(3), rng.integers(4)] = rng.choice(FEW)
    w = rng.uniform(-1.0, 1.0, size=(4, 2))
    cases = {
        "sum": lambda t: t.sum(axis=1), "mean": lambda t: t.mean(axis=0),
        "max": lambda t: t.max(axis=1), "max of all": lambda t: t.max(),
        "softmax": lambda t: softmax(t, 1), "log_softmax": lambda t: log_softmax(t, 0),
        "cross_entropy": lambda t: cross_entropy(t, [0, 3, 1]),
        "mse_loss": lambda t: mse_loss(t, np.ones((3, 4))),
        "matmul": lambda t: t @ w, "reshape": lambda t: t.reshape(2, 6),
        "transpose": lambda t: t.T, "index": lambda t: t[[0, 2, 0], 1:],
        "concatenate": lambda t: concatenate([t, t * 2.0], 1),
        "stack": lambda t: stack([t, maximum(t, 0.5)], 0),
        "maximum then softmax": lambda t: softmax(maximum(t, t.T.reshape(3, 4)), 1),
    }
    for name, f in cases.items():
        check_tensors(f, [x], f"{name} of {x.tolist()}")


@pytest.mark.parametrize("base, exponent", POW_EDGES)
def test_the_power_edges_of_test_edges(base, exponent):
    check_tensors(lambda t: t**exponent, [np.array([base, 1.0])], f"{base} ** {exponent}")
    if base >= 0:  # (d/db needs a >= 0)
        check_tensors(lambda a, b: a**b, [np.array([base]), np.array([exponent])],
                      f"{base} ** {exponent}, both Tensors")
