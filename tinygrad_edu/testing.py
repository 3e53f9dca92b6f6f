"""Property-test derivative rules with hypothesis: the tools the project's own tests use.

Needs hypothesis (``pip install hypothesis``; in a clone, ``pip install -e '.[testing]'``).

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
- The same two for the tensor engine's ops (``tinygrad_edu.tensor.engine.OPS``, or what its
  ``unary_op``, ``binary_op`` and ``tensor_op`` return): hypothesis picks the shapes
  (broadcasting pairs included) and the numbers, ``tensor_samples(op)`` draws them, and the
  table ``TENSOR_SAMPLES`` says how for the ops that need an axis, an index or matching
  shapes. The whole Jacobian is compared with central differences, then the second
  derivatives that ``create_graph=True`` builds.

A test of a new op takes a few lines::

    softplus = unary_op("softplus", lambda x: math.log1p(math.exp(x)),
                        lambda x, y: sigmoid(x))

    @given(floats_in_domain(softplus))
    def test_softplus(x):
        assert_op_derivatives(softplus, x)

and of a tensor op, one: ``check_op(tensor_softplus)``, or ``check_op(outer, shapes=[(3,),
(2,)])`` for one that is not elementwise.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.arrays import is_tensor
from tinygrad_edu.autograd import grad
from tinygrad_edu.engine import Number, Value
from tinygrad_edu.grad_mode import enable_grad, no_grad
from tinygrad_edu.gradcheck import (
    TENSOR_ROWS,
    GradcheckEntry,
    GradcheckError,
    GradcheckReport,
    entry_name,
    gradcheck,
)
from tinygrad_edu.ops import OPS, ListOp, Op
from tinygrad_edu.stepping import text_of

st: Any
try:
    from hypothesis import strategies as st
except ImportError:  # the domains below work without it; the strategies say what to install
    st = None

if TYPE_CHECKING:
    import numpy as np
    from hypothesis.strategies import DrawFn, SearchStrategy

    from tinygrad_edu.tensor.engine import Tensor, TensorOp

RTOL = 1e-5
"""The relative tolerance of the checks against central differences: tight, so a rule that
is 0.1% off fails."""
ATOL = 1e-8
"""The absolute tolerance beside ``RTOL``: |analytic − numeric| <= ATOL + RTOL·|numeric|."""
KINK_MARGIN = 1e-3
"""How far sampled points stay from a kink: far more than the finite-difference step, so no
difference spans one."""

OpLike = Op | str | Callable[..., Any]

__all__ = [
    "ATOL",
    "DOMAINS",
    "KINK_MARGIN",
    "RTOL",
    "TENSOR_SAMPLES",
    "Domain",
    "Expression",
    "TensorSample",
    "as_op",
    "assert_grads_close",
    "assert_op_derivatives",
    "call_op",
    "check_op",
    "domain_of",
    "expressions",
    "floats_in",
    "floats_in_domain",
    "needs_sampler",
    "op_inputs",
    "set_domain",
    "tensor_samples",
]


def _hypothesis() -> Any:
    if st is None:
        raise ImportError("tinygrad_edu.testing's strategies need hypothesis: pip install "
                          "hypothesis (in a clone of tinygrad_edu: pip install -e '.[testing]')")
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


def domain_of(op: OpLike | TensorOp) -> Domain:
    """The op's ``Domain``: one set with ``set_domain``, else the one its maker was given
    (``unary_op(..., domain=..., kinks=...)``), else the default. A tensor op has the domain
    of the scalar op of its name (``log``, ``/``, ...), entry by entry."""
    op = _tensor_op(op) or as_op(op)
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
    op: OpLike | TensorOp, operand: int = 0, margin: float = KINK_MARGIN
) -> SearchStrategy[float]:
    """Floats for ``op``'s operand number ``operand``: inside its domain, away from its kinks."""
    domain = domain_of(op)
    return floats_in(domain.interval(operand), _points(domain.kinks), margin)


def _points(kinks: Iterable[Any]) -> list[float]:
    """The kinks that are points (the others are functions of the operands)."""
    return [k for k in kinks if not callable(k)]


def op_inputs(
    op: OpLike, margin: float = KINK_MARGIN, max_size: int = 4
) -> SearchStrategy[tuple[float, ...]]:
    """A tuple of operands for ``op``, each in its domain: one per operand, or for the list ops
    1..max_size numbers per list (``vsum``: one list; ``dot``: weights, then inputs)."""
    st = _hypothesis()
    op = as_op(op)
    if not isinstance(op, ListOp):
        points = st.tuples(*(floats_in_domain(op, i, margin) for i in range(op.arity or 1)))
        lines = [k for k in domain_of(op).kinks if callable(k)]
        return points.filter(lambda xs: _away_from_lines(lines, xs, margin)) if lines else points
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
    return lo <= x <= hi and all(abs(x - k) >= margin for k in _points(domain.kinks))


def _away_from_lines(lines: Iterable[Callable[..., float]], xs: Sequence[float],
                     margin: float) -> bool:
    """Whether every kink given as a function of the operands is at least ``margin`` from 0
    at ``xs`` (a kink function that cannot be computed there counts as on the kink)."""
    try:
        return all(abs(line(*xs)) >= margin for line in lines)
    except (ArithmeticError, ValueError):
        return False


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
        lines = [k for k in domain_of(op).kinks if callable(k)]
        if lines and not _away_from_lines(lines, [values[j] for j in args], margin):
            continue  # these operands sit on a kink line of the op: no step here
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
    op: OpLike | TensorOp,
    *xs: Any,
    rtol: float = RTOL,
    atol: float = ATOL,
    second_order: bool = True,
    args: Sequence[Any] = (),
    seed: int = 0,
) -> None:
    """Check ``op``'s derivative rules at the point ``xs`` (one number per operand) against
    central differences: with Values as operands and, for two-input ops, with a plain number
    on either side; then (``second_order``) the second derivatives that
    ``grad(..., create_graph=True)`` builds from the same rules on Values. A rule written with
    ``math`` works on floats only: pass ``second_order=False`` for it.

    For a tensor op, ``xs`` are arrays, one per operand, and ``args`` what the op's function
    takes after them (an axis, a shape); ``seed`` picks the random weights of the second
    order check (see ``assert_tensor_op_derivatives``)."""
    __tracebackhide__ = True
    tensor_op = _tensor_op(op)
    if tensor_op is not None:
        return _assert_tensor_op_derivatives(tensor_op, xs, tuple(args), rtol, atol,
                                             second_order, seed)
    if args:
        raise TypeError(f"assert_op_derivatives: args= is for ops of the tensor engine; "
                        f"{as_op(op).name} takes its operands only")
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
    return None


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

    # The first derivative is a function of the inputs and of u, the gradient arriving at
    # the output (1 here): d(u·out)/dx. Differentiate it with respect to both, so that the
    # check sees the gradient's own path as well as the rule's (as gradgradcheck does).
    u = Value(1.0, label="u")
    for i, v in enumerate(leaves):
        def first_derivative(*vs: Value, i: int = i) -> Any:
            *xs, arriving = vs
            with enable_grad():
                g = grad(f(*xs), xs, grad_outputs=arriving, create_graph=True,
                         allow_unused=True)[i]
            return 0.0 if g is None else g

        report = gradcheck(first_derivative, [*leaves, u], atol=atol, rtol=rtol,
                           raise_exception=False)
        if not report.ok:
            through_u = "" if report.entries[-1].ok else (
                f"\nThe row of u is d/du of d(u·out)/d{v.label} = dout/d{v.label}, u being the "
                "gradient arriving at the output: 0 there means that a step of the chain rule "
                "multiplied by the numbers of the arriving gradient instead of the gradient "
                "itself, which cuts the gradient's own path")
            raise GradcheckError(f"{where}: second derivatives d²/d{v.label}d· (grad with "
                                 f"create_graph=True){through_u}\n{report.failure_message()}")


def check_op(
    op: OpLike | TensorOp,
    *,
    second_order: bool = True,
    margin: float = KINK_MARGIN,
    rtol: float = RTOL,
    atol: float = ATOL,
    shapes: Sequence[tuple[int, ...]] | SearchStrategy[Sequence[tuple[int, ...]]] | None = None,
    **hypothesis_settings: Any,
) -> None:
    """Run ``assert_op_derivatives`` on points hypothesis picks from ``op``'s domain (away from
    its kinks). Call it inside a test; extra keywords are hypothesis settings, e.g.
    ``check_op("tanh", max_examples=50)``. Raises the first failure, after hypothesis has
    shrunk it to a simple point.

    A tensor op (a ``TensorOp``, or the function ``tinygrad_edu.tensor.engine.unary_op``,
    ``binary_op`` or ``tensor_op`` returned) gets arrays from ``tensor_samples``: any shapes
    for an elementwise op, broadcasting ones included; ``shapes=[(3,), (2,)]`` (one per
    operand) for an op of your own that is not elementwise. A failure shows the smallest
    shapes and numbers hypothesis found."""
    __tracebackhide__ = True
    tensor_op = _tensor_op(op)
    if tensor_op is not None:
        return _check_tensor_op(tensor_op, shapes, second_order, margin, rtol, atol,
                                hypothesis_settings)
    if shapes is not None:
        raise TypeError(f"check_op: shapes= is for ops of the tensor engine; {as_op(op).name} "
                        "works on numbers")
    op = as_op(op)

    def check(xs: tuple[float, ...]) -> None:
        assert_op_derivatives(op, *xs, rtol=rtol, atol=atol, second_order=second_order)

    _run_check(check, op.name, [op_inputs(op, margin=margin)], hypothesis_settings)
    return None


def _run_check(check: Callable[..., None], name: str, strategies: list[SearchStrategy[Any]],
               hypothesis_settings: dict[str, Any]) -> None:
    """Run ``check`` on the examples hypothesis draws from ``strategies``, with ``check_op``'s
    settings: no deadline, and only the first failure reported (``report_multiple_bugs``
    off: an op wrong in two ways raises the error of the simplest example, shrunk, and not
    a group of errors whose members depend on the seed); the keywords of the call win."""
    __tracebackhide__ = True
    _hypothesis()
    from hypothesis import given, settings

    # hypothesis keeps the failing examples it found in its database under a key made from
    # the test's source, the same for every call of check_op: add the op and the test that
    # called (as hypothesis's pytest plugin does for parametrized tests), so that one op's
    # failures are never replayed against another
    check._hypothesis_internal_add_digest = (  # type: ignore[attr-defined]
        f"{name} {os.environ.get('PYTEST_CURRENT_TEST', '')}".encode())
    given(*strategies)(settings(
        **{"deadline": None, "report_multiple_bugs": False, **hypothesis_settings})(check))()


# ----------------------------------------------------------------------------- tensor ops
# The same checks for the ops of the tensor engine. A tensor op's operands are arrays, so
# hypothesis draws shapes as well as numbers; an op that needs more than shapes (an axis, an
# index, a matrix product's matching sizes) has a sampler in TENSOR_SAMPLES below. This half
# imports NumPy and the tensor engine when it is given a tensor op, and not before: the
# checks of the scalar engine run where NumPy is not installed.

SECOND_ORDER_EPS = 1e-5
"""The step of the central differences of the first derivative in the tensor second-order
check (h = eps·max(1, max |x|) along a direction of entries between 0.5 and 1.5 in size)."""


@dataclass(frozen=True)
class TensorSample:
    """Arguments for a tensor op: ``op(*operands, *args)``. ``operands`` holds one array per
    operand of the op (float64; a condition is boolean), ``args`` what its function takes
    after them: ``sum``'s axis and keepdims, ``reshape``'s shape, ``index``'s index."""

    operands: tuple[np.ndarray, ...]
    args: tuple[Any, ...] = ()


Sampler = Callable[..., TensorSample]
"""``sampler(draw, op, margin)``: a ``TensorSample`` for ``op``, drawn with hypothesis's
``draw`` (it runs inside ``st.composite``), its numbers at least ``margin`` from any kink."""


def _tensor_op(op: Any) -> TensorOp | None:
    """The ``TensorOp`` that ``op`` is, or that a function made by the tensor engine's
    ``unary_op``, ``binary_op`` or ``tensor_op`` carries; None for anything else (for
    everything, until the tensor engine is imported: no op of it exists before)."""
    kind = getattr(sys.modules.get("tinygrad_edu.tensor.registry"), "TensorOp", None)
    if kind is None:
        return None
    if isinstance(op, kind):
        return op
    found = getattr(op, "op", None)
    return found if isinstance(found, kind) else None


def needs_sampler(op: TensorOp) -> bool:
    """Whether hypothesis needs a sampler (``TENSOR_SAMPLES``, or ``shapes=``) to draw
    ``op``'s arguments: every op that is not elementwise, and an elementwise one with an
    operand that gets no gradient (``where``'s condition) or a parameter (``leaky_relu``'s
    alpha: its VJPs take more than ``g``, the operands and ``out``)."""
    if not op.elementwise:
        return True
    for vjp in op.vjps:
        if vjp is None:
            return True
        try:
            parameters = inspect.signature(vjp).parameters.values()
        except (TypeError, ValueError):  # no signature to read: assume no parameter
            continue
        needed = [p for p in parameters if p.default is p.empty and p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(needed) > op.arity + 2:
            return True
    return False


def _hnp() -> Any:
    _hypothesis()
    import hypothesis.extra.numpy as hnp

    return hnp


def _values(draw: DrawFn, shape: tuple[int, ...], op: TensorOp, operand: int, margin: float
            ) -> np.ndarray:
    """A float64 array of ``shape`` whose entries lie in the domain of ``op``'s operand
    ``operand``, at least ``margin`` from its kinks."""
    import numpy as np

    return draw(_hnp().arrays(np.float64, shape,
                              elements=floats_in_domain(op, operand, margin)))


def _shape(draw: DrawFn, min_dims: int = 0, max_dims: int = 3, max_side: int = 3
           ) -> tuple[int, ...]:
    return draw(_hnp().array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                    max_side=max_side))


def _spread(x: np.ndarray, margin: float) -> np.ndarray:
    """``x`` with its entries moved apart, keeping their order: any two end up at least
    2·margin apart, so a max has no tie (its kink) within the margin."""
    import numpy as np

    ranks = np.empty(x.size)
    ranks[np.argsort(x, axis=None, kind="stable")] = np.arange(x.size)
    return x + 2 * margin * ranks.reshape(x.shape)


def _axis(draw: DrawFn, ndim: int) -> Any:
    """An axis argument for a reduction: None, an int (maybe negative) or a tuple of them."""
    st = _hypothesis()
    if ndim == 0:
        return draw(st.sampled_from([None, 0, -1]))
    one = st.integers(-ndim, ndim - 1)
    some = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).flatmap(
        lambda axes: st.tuples(*(st.sampled_from([a, a - ndim]) for a in axes)))
    return draw(st.one_of(st.none(), one, some))


def _elementwise_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Shapes that broadcast together ((3×4) with (1×4), (4) with (3×4), 0-d with anything),
    and numbers in each operand's domain."""
    hnp = _hnp()
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=op.arity, min_dims=0,
                                                    max_dims=3, max_side=3)).input_shapes
    operands = tuple(_values(draw, shape, op, i, margin) for i, shape in enumerate(shapes))
    _away_from_kink_functions(op, operands, margin)
    return TensorSample(operands)


def _away_from_kink_functions(op: TensorOp, operands: tuple[np.ndarray, ...],
                              margin: float) -> None:
    """Reject a draw where a kink given as a function of the operands (0 on the kink) is
    within ``margin``: ``binary_op("max2", ..., kinks=[lambda a, b: a - b])``."""
    import numpy as np
    from hypothesis import assume

    for kink in domain_of(op).kinks:
        if callable(kink):
            with np.errstate(all="ignore"):
                assume(bool(np.all(np.abs(kink(*operands)) >= margin)))


def _fixed_shapes(draw: DrawFn, op: TensorOp, margin: float, shapes: Any) -> TensorSample:
    st = _hypothesis()
    chosen = draw(shapes) if isinstance(shapes, st.SearchStrategy) else shapes
    chosen = [tuple(shape) for shape in chosen]
    if len(chosen) != op.arity:
        raise ValueError(f"check_op: {op.name} takes {op.arity} operand(s), but shapes= gives "
                         f"{len(chosen)}: {chosen}; pass one shape per operand")
    operands = tuple(_values(draw, shape, op, i, margin) for i, shape in enumerate(chosen))
    _away_from_kink_functions(op, operands, margin)
    return TensorSample(operands)


# The samplers of the ops that need more than shapes, one per op name.

def _matmul_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """(n×k) @ (k×m), or a vector (k) on either side."""
    st = _hypothesis()
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    left = draw(st.sampled_from([(n, k), (k,)]))
    right = draw(st.sampled_from([(k, m), (k,)]))
    return TensorSample((_values(draw, left, op, 0, margin), _values(draw, right, op, 1, margin)))


def _reduction_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """A 0-d to 3-d array, an axis (None, an int, a tuple) and keepdims."""
    shape = _shape(draw)
    x = _values(draw, shape, op, 0, margin)
    return TensorSample((x,), (_axis(draw, len(shape)), draw(_hypothesis().booleans())))


def _max_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """As for sum, with every two entries at least 2·margin apart: no ties, max's kink."""
    sample = _reduction_sample(draw, op, margin)
    return TensorSample((_spread(sample.operands[0], margin),), sample.args)


def _softmax_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    shape = _shape(draw, min_dims=1)
    axis = draw(_hypothesis().integers(-len(shape), len(shape) - 1))
    return TensorSample((_values(draw, shape, op, 0, margin),), (axis,))


def _reshape_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """A new shape with as many entries, maybe with one size left to NumPy (-1)."""
    st = _hypothesis()
    shape = _shape(draw)
    size = math.prod(shape)
    dims, rest = [], size
    for _ in range(draw(st.integers(0 if size == 1 else 1, 3)) - 1):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        dims.append(d)
        rest //= d
    if size != 1 or dims or draw(st.booleans()):
        dims.append(rest)
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return TensorSample((_values(draw, shape, op, 0, margin),), (tuple(dims),))


def _transpose_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """No axes (reverse them all), or an order of the axes, some counted from the end."""
    st = _hypothesis()
    shape = _shape(draw)
    ndim = len(shape)
    order = tuple(draw(st.sampled_from([a, a - ndim])) for a in draw(st.permutations(range(ndim))))
    args = draw(st.sampled_from([(), (order,)]))
    return TensorSample((_values(draw, shape, op, 0, margin),), args)


def _index(draw: DrawFn, shape: tuple[int, ...]) -> Any:
    """An index into an array of ``shape``: ints, slices, None and ..., integer arrays
    (entries picked more than once among them), a boolean mask."""
    import numpy as np

    st, hnp = _hypothesis(), _hnp()

    def picks(n: int) -> SearchStrategy[np.ndarray]:  # positions along an axis of size n
        return st.lists(st.integers(-n, n - 1), min_size=1, max_size=5).map(np.array)

    kinds = [hnp.basic_indices(shape, allow_newaxis=True),
             picks(shape[0]),
             hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2,
                                                                            max_side=4)),
             hnp.arrays(np.bool_, shape)]
    if len(shape) > 1:
        kinds.append(st.tuples(st.slices(shape[0]), picks(shape[1])))
    return draw(st.one_of(kinds))


def _index_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    shape = _shape(draw, min_dims=1, max_side=4)
    return TensorSample((_values(draw, shape, op, 0, margin),), (_index(draw, shape),))


def _scatter_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """The gradient of an indexing, put back into the indexed array's shape (index's VJP)."""
    import numpy as np

    shape = _shape(draw, min_dims=1, max_side=4)
    index = _index(draw, shape)
    picked = np.empty(shape)[index].shape
    return TensorSample((_values(draw, picked, op, 0, margin),), (index, shape))


def _broadcast_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """An operand with fewer axes or axes of size 1, and a larger shape it broadcasts to."""
    st = _hypothesis()
    target = _shape(draw, min_dims=1)
    small = [1 if draw(st.booleans()) else n for n in target[draw(st.integers(0, len(target))):]]
    if tuple(small) == target:  # nothing to broadcast: add an axis in front
        target = (2, *target)
    return TensorSample((_values(draw, tuple(small), op, 0, margin),), (target,))


def _where_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """A boolean condition and two operands, all three broadcast together."""
    import numpy as np

    hnp = _hnp()
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                    max_side=3)).input_shapes
    condition = draw(hnp.arrays(np.bool_, shapes[0]))
    return TensorSample((condition, _values(draw, shapes[1], op, 1, margin),
                         _values(draw, shapes[2], op, 2, margin)))


def _leaky_relu_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Any shape, entries away from the kink at 0, and a slope alpha for x < 0."""
    sample = _elementwise_sample(draw, op, margin)
    alpha = draw(_hypothesis().floats(-1.0, 1.0))
    return TensorSample(sample.operands, (alpha,))


def _cross_entropy_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Logits (N×C), and targets: N class indices, or (N×C) target probabilities."""
    import numpy as np

    st = _hypothesis()
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    logits = _values(draw, (n, c), op, 0, margin)
    indices = _hnp().arrays(np.intp, (n,), elements=st.integers(0, c - 1))
    probabilities = _hnp().arrays(np.float64, (n, c), elements=st.floats(0.0, 1.0))
    return TensorSample((logits,), (draw(st.one_of(indices, probabilities)),))


def _clip_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Bounds low <= high, and entries at least ``margin`` from both (clip's kinks)."""
    import numpy as np

    st = _hypothesis()
    low = draw(st.floats(-2.0, 1.0))
    high = draw(st.floats(low + 4 * margin, 2.0))
    shape = _shape(draw)
    x = _values(draw, shape, op, 0, margin)
    for bound in (low, high):
        near = np.abs(x - bound) < margin
        x = np.where(near, bound + 2 * margin * np.sign(x - bound + 0.5 * margin), x)
    return TensorSample((x,), (low, high))


def _concatenate_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Two operands of the same shape but along ``axis``, where their sizes may differ."""
    st = _hypothesis()
    shape = _shape(draw, min_dims=1)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    other = list(shape)
    other[axis] = draw(st.integers(1, 3))
    return TensorSample((_values(draw, shape, op, 0, margin),
                         _values(draw, tuple(other), op, 1, margin)), (axis,))


TENSOR_SAMPLES: dict[str, Sampler] = {
    "clip": _clip_sample,
    "concatenate": _concatenate_sample,
    "@": _matmul_sample,
    "sum": _reduction_sample,
    "mean": _reduction_sample,
    "max": _max_sample,
    "softmax": _softmax_sample,
    "log_softmax": _softmax_sample,
    "reshape": _reshape_sample,
    "transpose": _transpose_sample,
    "index": _index_sample,
    "scatter": _scatter_sample,
    "broadcast_to": _broadcast_sample,
    "where": _where_sample,
    "leaky_relu": _leaky_relu_sample,
    "cross_entropy": _cross_entropy_sample,
    "cross_entropy_sum": _cross_entropy_sample,
}
"""How hypothesis draws the arguments of each tensor op that ``needs_sampler``: a function
``(draw, op, margin) -> TensorSample``. A test checks that every such op in the registry
has one; add yours here to give an op of your own parameters (or pass ``shapes=``)."""


def tensor_samples(op: TensorOp | Callable[..., Any],
                   shapes: Sequence[tuple[int, ...]] | SearchStrategy[Any] | None = None,
                   margin: float = KINK_MARGIN) -> SearchStrategy[TensorSample]:
    """A strategy of ``TensorSample``s for a tensor op: with ``shapes`` (one per operand, or a
    strategy of such lists), arrays of those shapes; else from ``TENSOR_SAMPLES``; else, for
    an elementwise op, arrays of shapes that broadcast together. Every number lies in the
    op's domain, at least ``margin`` from its kinks."""
    st = _hypothesis()
    found = _tensor_op(op)
    if found is None:
        raise TypeError(f"tensor_samples: expected an op of the tensor engine, got {op!r}")
    if shapes is not None:
        if found.name in TENSOR_SAMPLES:
            raise TypeError(f"check_op: {found.name} draws its operands and parameters with "
                            f"TENSOR_SAMPLES[{found.name!r}]; shapes= is for ops of your own")
        return st.composite(_fixed_shapes)(found, margin, shapes)
    if found.name in TENSOR_SAMPLES:
        return st.composite(TENSOR_SAMPLES[found.name])(found, margin)
    if not needs_sampler(found):
        return st.composite(_elementwise_sample)(found, margin)
    example = ", ".join(["(3,)", "(2,)", "(4,)"][i % 3] for i in range(found.arity))
    raise TypeError(
        f"check_op: {found.name} is not elementwise, so hypothesis cannot guess the shapes of "
        "its operands (a matrix product needs matching inner sizes, a reduction an axis); "
        f"pass one shape per operand, e.g. check_op({found.name}, shapes=[{example}]), or "
        f"add a sampler to tinygrad_edu.testing.TENSOR_SAMPLES[{found.name!r}]")


def _operand_names(op: TensorOp) -> list[str]:
    return ["x"] if op.arity == 1 else ["a", "b"] if op.arity == 2 else [
        f"x{i}" for i in range(op.arity)]


def _shown(name: str, x: np.ndarray) -> str:
    import numpy as np

    from tinygrad_edu.tensor.checked import shape_str

    numbers = repr(x.item()) if x.ndim == 0 else np.array2string(x, separator=", ",
                                                                 threshold=64)
    return f"{name} {shape_str(x.shape)} = {numbers}"


def _constant_cases(op: TensorOp) -> list[int | None]:
    """The cases a tensor op is checked in: every operand that gets a gradient a Tensor
    (None), and, for an op of several such operands, each of them in turn a constant array
    (``images @ W``, ``x * 2.0``), whose rule then runs on a Tensor and an array."""
    varied = [i for i, vjp in enumerate(op.vjps) if vjp is not None]
    return [None] + (varied if len(varied) > 1 else [])


def _assert_tensor_op_derivatives(op: TensorOp, xs: tuple[Any, ...], args: tuple[Any, ...],
                                  rtol: float, atol: float, second_order: bool, seed: int,
                                  cases: Sequence[int | None] | None = None) -> None:
    """``assert_op_derivatives`` for a tensor op: its Jacobian against central differences,
    then the second derivatives, in each of ``cases`` (default: all of them)."""
    __tracebackhide__ = True
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

    if len(xs) != op.arity:
        raise TypeError(f"assert_op_derivatives: {op.name} takes {op.arity} operand(s), "
                        f"got {len(xs)}")
    names = _operand_names(op)
    given = [x.data if isinstance(x, Tensor) else x for x in xs]
    arrays = [np.asarray(x) if vjp is None else np.asarray(x, dtype=np.float64)
              for x, vjp in zip(given, op.vjps)]
    point = ", ".join(_shown(names[i], arrays[i]) for i in range(op.arity))
    point += f", args = {args!r}" if args else ""
    for constant in _constant_cases(op) if cases is None else cases:
        tensors = [i for i, vjp in enumerate(op.vjps) if vjp is not None and i != constant]

        def f(*ts: Tensor, tensors: list[int] = tensors) -> Any:
            given: list[Any] = list(arrays)
            for i, t in zip(tensors, ts):
                given[i] = t
            return op(*given, *args)

        how = "" if constant is None else f" with {names[constant]} a constant array"
        where = f"{op.name} at {point}{how}"
        inputs = [Tensor(arrays[i], label=names[i]) for i in tensors]
        _check_made_by(op, f, inputs, where)
        try:
            gradcheck(f, inputs, atol=atol, rtol=rtol)
        except GradcheckError as failure:
            raise GradcheckError(f"{where}: first derivatives\n{failure}") from None
        if second_order:
            _check_tensor_second_order(f, inputs, rtol, atol, where, seed)


def _check_made_by(op: TensorOp, f: Callable[..., Any], inputs: list[Tensor], where: str
                   ) -> None:
    """The output must be a node of ``op`` itself: a check of some other op proves nothing."""
    out = f(*inputs)
    made_by = out.op if is_tensor(out) else type(out).__name__
    if not is_tensor(out) or out._fn is not op:
        raise ValueError(f"{where}: the result was made by {made_by!r}, not by {op.name}, "
                         "so its rule would not be checked; draw arguments that make a node "
                         f"of {op.name} (see TENSOR_SAMPLES)")


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random weights between 0.5 and 1.5 in size, of either sign: no entry is left out."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def _check_tensor_second_order(f: Callable[..., Any], inputs: list[Tensor], rtol: float,
                               atol: float, where: str, seed: int) -> None:
    """The second derivatives ``create_graph=True`` builds, against central differences, as
    PyTorch's ``gradgradcheck``. With random weights u (for the output) and w (for the
    inputs), the first derivative d<u, f>/dx = Jᵀu is a function of x and of u, the
    gradient arriving at the output, so u is a Tensor too and both paths are followed:
    the gradient of <w, Jᵀu> is H·w with respect to x (H the Hessian of <u, f>) and J·w
    with respect to u. Numerically, H·w is (d<u, f>/dx at x + h·w − the same at x − h·w) /
    2h and J·w is (f(x + h·w) − f(x − h·w)) / 2h. A few backward passes in all, and a
    wrong second derivative anywhere in H shows, as does a rule that computes with the
    numbers of its gradient g (``np.asarray(g)``, ``g.data``) instead of g itself."""
    __tracebackhide__ = True
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

    rng = np.random.default_rng(seed)
    xs = [Tensor(t.data, label=t.label) for t in inputs]
    out = f(*xs)
    u = _weights(rng, out.shape)
    arriving = Tensor(u, label="u")  # the gradient arriving at the output, with a graph
    try:
        firsts = grad(out, xs, grad_outputs=arriving, create_graph=True, allow_unused=True)
    except TypeError as error:
        raise TypeError(f"{where}: a gradient rule does not work on Tensors ({error}); write it "
                        "with operators and the functions of tinygrad_edu.tensor.engine (exp, "
                        "log, tanh, sigmoid, where, ...) instead of NumPy's, so that "
                        "create_graph=True can follow it, or pass second_order=False") from None

    def first(at: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """f and d<u, f>/dx at ``at``, by an ordinary backward pass on arrays."""
        leaves = [Tensor(a) for a in at]
        value = f(*leaves)
        found = grad(value, leaves, grad_outputs=u, allow_unused=True)
        return value.data, [np.zeros(a.shape) if g is None else g for a, g in zip(at, found)]

    _, plain = first([t.data for t in xs])
    for x, g, p in zip(xs, firsts, plain):
        g_data = np.zeros(x.shape) if g is None else g.data
        off = np.abs(g_data - p) > atol + rtol * np.abs(p)
        if off.any():
            k = int(np.flatnonzero(off)[0])
            raise GradcheckError(
                f"{where}: d<u, out>/d{entry_name(x.label, x.shape, k)} is "
                f"{float(p.reshape(-1)[k])!r} from backward() but "
                f"{float(g_data.reshape(-1)[k])!r} with create_graph=True: the rule gives "
                "different numbers on Tensors than on arrays")
    w = [_weights(rng, x.shape) for x in xs]
    leaves = [*xs, arriving]
    analytic = [np.zeros(x.shape) for x in leaves]
    terms = [(g * wi).sum() for g, wi in zip(firsts, w)  # those with a graph (u is one)
             if isinstance(g, Tensor) and (g.parents or g is arriving)]
    if terms:
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        for i, g in enumerate(grad(total, leaves, allow_unused=True)):
            if g is not None:
                analytic[i] = g
    h = SECOND_ORDER_EPS * max([1.0] + [float(np.abs(x.data).max(initial=0.0)) for x in xs])
    out_ahead, ahead = first([x.data + h * wi for x, wi in zip(xs, w)])
    out_behind, behind = first([x.data - h * wi for x, wi in zip(xs, w)])
    numerics = [(a - b) / (2 * h) for a, b in zip([*ahead, out_ahead], [*behind, out_behind])]
    entries = []
    for x, a_all, numeric in zip(leaves, analytic, numerics):
        for k in range(x.size):
            a, n = float(a_all.reshape(-1)[k]), float(numeric.reshape(-1)[k])
            err = abs(a - n)
            ok = math.isfinite(a) and math.isfinite(n) and err <= atol + rtol * abs(n)
            entries.append(GradcheckEntry(entry_name(x.label, x.shape, k),
                                          float(x.data.reshape(-1)[k]), a, n, err,
                                          0.0 if err == 0 else err / (abs(a) + abs(n)), ok))
    report = GradcheckReport(tuple(entries), h, atol, rtol, max_rows=TENSOR_ROWS)
    if not report.ok:
        weights = "; ".join([f"u = {np.array2string(u, separator=', ', precision=3)}"] + [
            f"w_{x.label} = {np.array2string(wi, separator=', ', precision=3)}"
            for x, wi in zip(xs, w)])
        through_g = ""
        if any(not e.ok for e in entries[-arriving.size:]):
            through_g = (
                "\nThe rows of u are d/du <w, d<u, out>/dx> = J·w, how out changes along w: "
                "a rule that computes with the numbers of the gradient g it is given "
                "(np.asarray(g), g.data) instead of g itself gives 0 there, and then "
                "second derivatives through the op are wrong wherever the gradient arriving "
                "at it has a graph of its own (as in tanh(op(x)).sum()); write the rule with "
                "g as it comes")
        raise GradcheckError(
            f"{where}: second derivatives (grad with create_graph=True, then grad again): "
            f"the gradient of <w, d<u, out>/dx> with respect to x and u against central "
            f"differences along w, for the weights {weights}{through_g}\n"
            f"{report.failure_message()}")


def _check_tensor_op(op: TensorOp, shapes: Any, second_order: bool, margin: float,
                     rtol: float, atol: float, hypothesis_settings: dict[str, Any]) -> None:
    """``check_op`` for a tensor op: ``assert_op_derivatives`` on samples hypothesis draws, in
    one of its cases each (all operands Tensors, or one a constant: hypothesis picks), with
    a random seed for the second-order check's weights. Only the first failure is reported
    (shrunk), as for the scalar ops."""
    __tracebackhide__ = True
    st = _hypothesis()
    samples = tensor_samples(op, shapes, margin)

    def check(sample: TensorSample, constant: int | None, seed: int) -> None:
        _assert_tensor_op_derivatives(op, sample.operands, sample.args, rtol, atol,
                                      second_order, seed, cases=[constant])

    _run_check(check, op.name, [samples, st.sampled_from(_constant_cases(op)),
                                st.integers(0, 2**32 - 1)], hypothesis_settings)
