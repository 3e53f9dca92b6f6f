"""Property-test derivative rules with hypothesis: the tools the project's own tests use.

Needs hypothesis (``pip install hypothesis``, or ``pip install 'tinygrad-edu[testing]'``).

- ``floats_in_domain(op)``, ``op_inputs(op)``: numbers where an op is smooth with derivatives
  of order one (its ``domain`` in the registry ``OPS``), at least ``margin`` from its ``kinks``.
- ``expressions()``: random graphs (DAGs, with shared sub-expressions such as ``x * x``) over
  the registered ops, built so that every op only ever sees operands inside its domain.
- ``assert_grads_close(f, inputs)``: ``backward()`` against central differences, at tight
  tolerances, with both numbers and the input in the failure message.
- ``assert_op_derivatives(op, *xs)`` and ``check_op(op)``: one op's derivative rules at a
  point, or at many points chosen by hypothesis; first and second derivatives, with Values
  or plain numbers as operands. They work for your own ops made with ``unary_op`` or
  ``binary_op`` as well as for the built-in ones.

A test of a new op takes a few lines::

    softplus = unary_op("softplus", lambda x: math.log1p(math.exp(x)),
                        lambda x, y: sigmoid(x))

    @given(floats_in_domain(softplus))
    def test_softplus(x):
        assert_op_derivatives(softplus, x)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.autograd import grad
from tinygrad_edu.engine import Number, Value
from tinygrad_edu.grad_mode import enable_grad, no_grad
from tinygrad_edu.gradcheck import GradcheckError, GradcheckReport, gradcheck
from tinygrad_edu.ops import OPS, ListOp, Op
from tinygrad_edu.stepping import text_of

st: Any
try:
    from hypothesis import strategies as st
except ImportError:  # the domains below work without it; the strategies say what to install
    st = None

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

RTOL = 1e-5  # tight: a rule that is 0.1% off fails
ATOL = 1e-8
KINK_MARGIN = 1e-3  # far more than the finite-difference step, so no difference spans a kink

OpLike = Op | str | Callable[..., Any]

__all__ = [
    "ATOL",
    "DOMAINS",
    "KINK_MARGIN",
    "RTOL",
    "Domain",
    "Expression",
    "as_op",
    "assert_grads_close",
    "assert_op_derivatives",
    "call_op",
    "check_op",
    "domain_of",
    "expressions",
    "floats_in",
    "floats_in_domain",
    "op_inputs",
    "set_domain",
]


def _hypothesis() -> Any:
    if st is None:
        raise ImportError("tinygrad_edu.testing's strategies need hypothesis: pip install "
                          "hypothesis (or pip install 'tinygrad-edu[testing]')")
    return st


# ----------------------------------------------------------------------------- domains


@dataclass(frozen=True)
class Domain:
    """Where an op's derivatives are checked: one interval per operand (the last one serves
    every further operand), where the function is smooth with derivatives of order one, and
    the ``kinks`` where its derivative jumps, which the checks keep away from."""

    intervals: tuple[tuple[float, float], ...] = ((-3.0, 3.0),)
    kinks: tuple[Any, ...] = ()  # points x (one operand), or functions of the operands, 0 on a kink

    def interval(self, operand: int) -> tuple[float, float]:
        return self.intervals[min(operand, len(self.intervals) - 1)]


DOMAINS: dict[str, Domain] = {
    "/": Domain(((-3.0, 3.0), (0.5, 3.0))),
    "**": Domain(((0.5, 2.5), (-2.5, 2.5))),
    "log": Domain(((0.2, 5.0),)),
    "sqrt": Domain(((0.2, 5.0),)),
    "tanh": Domain(((-2.0, 2.0),)),
    "relu": Domain(kinks=(0.0,)),
    "leaky_relu": Domain(kinks=(0.0,)),
    "abs": Domain(kinks=(0.0,)),
}
"""The built-in ops whose domain is not the default -3 to 3 without kinks."""


def set_domain(op: OpLike | str, intervals: Sequence[tuple[float, float]] | None = None,
               kinks: Iterable[float] = ()) -> None:
    """Tell the checks where to test ``op`` (``unary_op(domain=..., kinks=...)`` calls this)."""
    name = op if isinstance(op, str) else as_op(op).name
    DOMAINS[name] = Domain(tuple(intervals) if intervals else Domain().intervals, tuple(kinks))


def domain_of(op: OpLike) -> Domain:
    """The op's ``Domain``: one set with ``set_domain``, else the one its maker was given
    (``unary_op(..., domain=..., kinks=...)``), else the default."""
    op = as_op(op)
    if op.name in DOMAINS:
        return DOMAINS[op.name]
    if op.domain is not None or op.kinks:
        return Domain(op.domain or Domain().intervals, op.kinks)
    return Domain()


def as_op(op: OpLike) -> Op:
    """The ``Op`` for a name in ``OPS``, an ``Op``, or a function made by ``unary_op`` or
    ``binary_op`` (they carry their op as ``.op``)."""
    if isinstance(op, Op):
        return op
    if isinstance(op, str):
        if op not in OPS:
            raise KeyError(f"no op named {op!r} in OPS; registered: {', '.join(sorted(OPS))}")
        return OPS[op]
    if isinstance(op, tuple):  # binary_op returns (method, reflected method)
        op = op[0]
    found = getattr(op, "op", None)
    if not isinstance(found, Op):
        raise TypeError(f"expected an Op, a name in OPS or a function made by unary_op/binary_op, "
                        f"got {op!r}")
    return found


def call_op(op: OpLike, operands: Sequence[Any]) -> Any:
    """Apply ``op`` to a flat list of operands: ``op(*operands)``; ``vsum`` gets the list and
    ``dot`` its two halves (weights, then inputs)."""
    op = as_op(op)
    if not isinstance(op, ListOp):
        return op(*operands)
    size = len(operands) // op.lists
    return op(*(list(operands[k * size:(k + 1) * size]) for k in range(op.lists)))


# ----------------------------------------------------------------------------- strategies


def floats_in(
    interval: tuple[float, float], kinks: Iterable[float] = (), margin: float = KINK_MARGIN
) -> SearchStrategy[float]:
    """Floats in ``[lo, hi]`` at least ``margin`` away from every kink (no NaN, no inf)."""
    st = _hypothesis()
    lo, hi = interval
    pieces, start = [], lo
    for k in sorted(kinks):
        below, above = _away(k, -margin), _away(k, margin)
        if below > start:
            pieces.append((start, min(below, hi)))
        start = max(start, above)
    if hi > start:
        pieces.append((start, hi))
    if not pieces:
        raise ValueError(f"no room in {interval} once {margin} around the kinks {kinks} is cut out")
    return st.one_of([st.floats(a, b, allow_nan=False, allow_infinity=False) for a, b in pieces])


def _away(k: float, step: float) -> float:
    """k + step, nudged outwards until it really is at least |step| from k in floats."""
    x = k + step
    while abs(x - k) < abs(step):
        x = math.nextafter(x, math.copysign(math.inf, step))
    return x


def floats_in_domain(
    op: OpLike, operand: int = 0, margin: float = KINK_MARGIN
) -> SearchStrategy[float]:
    """Floats for ``op``'s operand number ``operand``: inside its domain, away from its kinks."""
    domain = domain_of(op)
    return floats_in(domain.interval(operand), domain.kinks, margin)


def op_inputs(
    op: OpLike, margin: float = KINK_MARGIN, max_size: int = 4
) -> SearchStrategy[tuple[float, ...]]:
    """A tuple of operands for ``op``, each in its domain: one per operand, or for the list ops
    1..max_size numbers per list (``vsum``: one list; ``dot``: weights, then inputs)."""
    st = _hypothesis()
    op = as_op(op)
    if not isinstance(op, ListOp):
        return st.tuples(*(floats_in_domain(op, i, margin) for i in range(op.arity or 1)))
    point = floats_in_domain(op, 0, margin)
    return st.integers(1, max_size).flatmap(lambda n: st.tuples(*[point] * (n * op.lists)))


@dataclass(frozen=True)
class Expression:
    """A computation drawn by ``expressions()``: leaves with numbers, then steps that each apply
    an op to earlier nodes (leaves are nodes 0..n-1). Call it on new leaves to rebuild it.

    >>> leaves, root = expr.build()       # fresh Values x0, x1, ... and the output
    >>> assert_grads_close(expr, expr.inputs)
    """

    inputs: tuple[float, ...]
    steps: tuple[tuple[Op, tuple[int, ...]], ...]

    def evaluate(self, leaves: Sequence[Any], ops: dict[str, Callable[..., Any]] | None = None
                 ) -> list[Any]:
        """Every node, leaves first. The ops are applied to Values as registered, or, with
        ``ops``, by name to anything (``{"tanh": torch.tanh, ...}`` to compare with PyTorch)."""
        nodes = list(leaves)
        for op, args in self.steps:
            operands = [nodes[i] for i in args]
            nodes.append(op(*operands) if ops is None else ops[op.name](*operands))
        return nodes

    def __call__(self, *leaves: Any, ops: dict[str, Callable[..., Any]] | None = None) -> Any:
        """The output for these leaves."""
        return self.evaluate(leaves, ops)[-1]

    def build(self) -> tuple[list[Value], Value]:
        """Fresh leaves (labelled x0, x1, ...) and the output computed from them."""
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(self.inputs)]
        return leaves, self(*leaves)

    def __repr__(self) -> str:
        n = len(self.inputs)
        names = [f"x{i}" for i in range(n)] + [f"v{k}" for k in range(len(self.steps))]
        lines = [f"x{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, (op, args) in enumerate(self.steps):
            operands = [names[i] for i in args]
            lines.append(f"v{k} = {text_of(op).formula.format(*operands, out=names[n + k])}")
        return "Expression(" + "; ".join(lines) + ")"


def _in_domain(op: Op, i: int, x: float, margin: float) -> bool:
    domain = domain_of(op)
    lo, hi = domain.interval(i)
    return lo <= x <= hi and all(abs(x - k) >= margin for k in domain.kinks)


def expressions(
    ops: Iterable[OpLike] | None = None,
    n_leaves: int | tuple[int, int] = (1, 4),
    max_nodes: int = 12,
    margin: float = KINK_MARGIN,
) -> SearchStrategy[Expression]:
    """Random expression graphs over ``ops`` (default: every registered op with a fixed number
    of operands). Each step applies an op to earlier nodes, so nodes are shared (``x * x``,
    a sub-expression used twice), and an operand is only chosen if its number lies inside that
    op's domain and away from its kinks: every op runs where its derivative is of order one.
    """
    chosen = [as_op(o) for o in ops] if ops is not None else [
        op for _, op in sorted(OPS.items()) if not isinstance(op, ListOp)
    ]
    if not chosen or any(isinstance(op, ListOp) for op in chosen):
        raise ValueError("expressions() needs ops with a fixed number of operands (not dot/vsum)")
    return _hypothesis().composite(_draw_expression)(chosen, n_leaves, max_nodes, margin)


def _draw_expression(draw: DrawFn, chosen: list[Op], n_leaves: int | tuple[int, int],
                     max_nodes: int, margin: float) -> Expression:
    st = _hypothesis()
    low, high = (n_leaves, n_leaves) if isinstance(n_leaves, int) else n_leaves
    first = draw(st.sampled_from(chosen))
    n = max(draw(st.integers(low, high)), first.arity or 1)
    slots = [(op, i) for op in chosen for i in range(op.arity or 1)]
    values = [draw(floats_in_domain(first, i, margin)) for i in range(first.arity or 1)]
    for _ in range(n - len(values)):
        op, i = draw(st.sampled_from(slots))
        values.append(draw(floats_in_domain(op, i, margin)))
    inputs = tuple(values)
    steps: list[tuple[Op, tuple[int, ...]]] = []
    for k in range(draw(st.integers(1, max_nodes))):
        usable = {}
        for op in chosen if k else [first]:
            fits = [[j for j, x in enumerate(values) if _in_domain(op, i, x, margin)]
                    for i in range(op.arity or 1)]
            if all(fits):
                usable[op] = fits
        if not usable:
            break
        op = draw(st.sampled_from(list(usable)))
        args = tuple(draw(st.sampled_from(fit)) for fit in usable[op])
        with no_grad():
            values.append(op(*(Value(values[j]) for j in args)).data)
        steps.append((op, args))
    return Expression(inputs, tuple(steps))


# ----------------------------------------------------------------------------- assertions


def assert_grads_close(
    f: Callable[..., Value | float],
    inputs: Sequence[Number | Value],
    rtol: float = RTOL,
    atol: float = ATOL,
    eps: float = 1e-6,
) -> GradcheckReport:
    """Assert that ``backward()`` gives ``f``'s gradients at ``inputs``: ``gradcheck`` at the
    project's tolerances (relative 1e-5). ``f`` takes one Value per input and returns a Value.
    On failure raises ``GradcheckError`` (an AssertionError) with the input, both numbers and
    the whole table."""
    __tracebackhide__ = True  # pytest shows the failure at your test, not in here
    return gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)


def assert_op_derivatives(
    op: OpLike,
    *xs: float,
    rtol: float = RTOL,
    atol: float = ATOL,
    second_order: bool = True,
) -> None:
    """Check ``op``'s derivative rules at the point ``xs`` (one number per operand) against
    central differences: with Values as operands and, for two-input ops, with a plain number
    on either side; then (``second_order``) the second derivatives that
    ``grad(..., create_graph=True)`` builds from the same rules on Values. A rule written with
    ``math`` works on floats only: pass ``second_order=False`` for it."""
    __tracebackhide__ = True
    op = as_op(op)
    if op.arity and len(xs) != op.arity:
        raise TypeError(f"assert_op_derivatives: {op.name} takes {op.arity} operand(s), "
                        f"got {len(xs)}: {xs!r}")
    names = ["x"] if op.arity == 1 else ["a", "b"] if op.arity == 2 else [
        f"x{i}" for i in range(len(xs))]
    inputs = [Value(x, label=name) for x, name in zip(xs, names)]
    cases: list[tuple[str, Callable[..., Any], list[Value]]] = [
        ("", lambda *vs: call_op(op, vs), inputs)]
    if op.arity == 2:
        a, b = xs
        cases += [(f" with a = {a!r} a plain number", lambda vb: op(a, vb), inputs[1:]),
                  (f" with b = {b!r} a plain number", lambda va: op(va, b), inputs[:1])]
    for how, f, leaves in cases:
        where = f"{op.name} at {', '.join(f'{v.label} = {v.data!r}' for v in inputs)}{how}"
        _check(f, leaves, rtol, atol, f"{where}: first derivatives")
        if second_order:
            _check_second_order(f, leaves, rtol, atol, where)


def _check(f: Callable[..., Any], leaves: list[Value], rtol: float, atol: float,
           what: str) -> None:
    __tracebackhide__ = True
    try:
        gradcheck(f, leaves, atol=atol, rtol=rtol)
    except GradcheckError as failure:
        raise GradcheckError(f"{what}\n{failure}") from None


def _check_second_order(f: Callable[..., Any], leaves: list[Value], rtol: float, atol: float,
                        where: str) -> None:
    __tracebackhide__ = True
    fresh = [Value(v.data, label=v.label) for v in leaves]
    try:
        firsts = grad(f(*fresh), fresh, create_graph=True, allow_unused=True)
    except TypeError as error:
        raise TypeError(f"{where}: the derivative rule does not work on Values ({error}); write "
                        "it with tinygrad_edu's functions (exp, sigmoid, ...) instead of math, "
                        "or pass second_order=False") from None
    plain = grad(f(*fresh), fresh, allow_unused=True)
    for v, g, p in zip(fresh, firsts, plain):
        g_data = 0.0 if g is None else g.data
        p = 0.0 if p is None else p
        if abs(g_data - p) > atol + rtol * abs(p):
            raise GradcheckError(
                f"{where}: d/d{v.label} is {p!r} from backward() but {g_data!r} with "
                "create_graph=True: the rule gives different numbers on Values than on floats")

    for i, v in enumerate(leaves):
        def first_derivative(*vs: Value, i: int = i) -> Any:
            with enable_grad():
                g = grad(f(*vs), list(vs), create_graph=True, allow_unused=True)[i]
            return 0.0 if g is None else g

        _check(first_derivative, leaves, rtol, atol,
               f"{where}: second derivatives d²/d{v.label}d· (grad with create_graph=True)")


def check_op(
    op: OpLike,
    *,
    second_order: bool = True,
    margin: float = KINK_MARGIN,
    rtol: float = RTOL,
    atol: float = ATOL,
    **hypothesis_settings: Any,
) -> None:
    """Run ``assert_op_derivatives`` on points hypothesis picks from ``op``'s domain (away from
    its kinks). Call it inside a test; extra keywords are hypothesis settings, e.g.
    ``check_op("tanh", max_examples=50)``. Raises the first failure, after hypothesis has
    shrunk it to a simple point."""
    __tracebackhide__ = True
    op = as_op(op)
    _hypothesis()
    from hypothesis import given, settings

    @settings(deadline=None, **hypothesis_settings)
    @given(op_inputs(op, margin=margin))
    def check(xs: tuple[float, ...]) -> None:
        assert_op_derivatives(op, *xs, rtol=rtol, atol=atol, second_order=second_order)

    check()
