"""The scalar half of ``tinygrad_edu.testing``: checks of the scalar engine's ops (Values and
plain numbers), and random expression graphs over them. Import these from
``tinygrad_edu.testing``.

- ``op_inputs(op)``: a tuple of operands in an op's domain (lists for ``vsum`` and ``dot``).
- ``expressions()``: random graphs (DAGs, with shared sub-expressions such as ``x * x``) over
  the registered ops, built so that every op only ever sees operands inside its domain.
- ``assert_grads_close(f, inputs)``: ``backward()`` against central differences.
- The scalar side of ``assert_op_derivatives`` and ``check_op``
  (``tinygrad_edu.testing.op_checks``): first derivatives with Values or plain numbers as
  operands, then the second derivatives ``create_graph=True`` builds.

Needs nothing but Python (and hypothesis for the strategies).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.autograd.gradients import grad
from tinygrad_edu.engine import Number, Value
from tinygrad_edu.grad_mode import enable_grad, no_grad
from tinygrad_edu.ops import OPS, text_of
from tinygrad_edu.row import ListOp, Op
from tinygrad_edu.testing.domains import (
    ATOL,
    KINK_MARGIN,
    RTOL,
    OpLike,
    _check_first_derivatives,
    _hypothesis,
    _kink_lines,
    _operand_names,
    _points,
    _run_check,
    as_op,
    domain_of,
    floats_in_domain,
)
from tinygrad_edu.testing.gradcheck import GradcheckError, GradcheckReport, gradcheck

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

__all__ = ["Expression", "assert_grads_close", "call_op", "expressions", "op_inputs"]


def call_op(op: OpLike, operands: Sequence[Any]) -> Any:
    """Apply ``op`` to a flat list of operands: ``op(*operands)``; ``vsum`` gets the list and
    ``dot`` its two halves (weights, then inputs)."""
    op = as_op(op)
    if not isinstance(op, ListOp):
        return op(*operands)
    size = len(operands) // op.lists
    return op(*(list(operands[k * size:(k + 1) * size]) for k in range(op.lists)))


# ----------------------------------------------------------------------------- strategies


def op_inputs(
    op: OpLike, margin: float = KINK_MARGIN, max_size: int = 4
) -> SearchStrategy[tuple[float, ...]]:
    """A tuple of operands for ``op``, each in its domain: one per operand, or for the list ops
    1..max_size numbers per list (``vsum``: one list; ``dot``: weights, then inputs)."""
    st = _hypothesis()
    op = as_op(op)
    if not isinstance(op, ListOp):
        points = st.tuples(*(floats_in_domain(op, i, margin) for i in range(op.arity or 1)))
        lines = _kink_lines(op)
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
        lines = _kink_lines(op)
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


def _assert_scalar_op_derivatives(op: Op, xs: tuple[Any, ...], rtol: float, atol: float,
                                  second_order: bool) -> None:
    """``assert_op_derivatives`` for an op of the scalar engine: with Values as operands and,
    for two-input ops, with a plain number on either side; first derivatives, then (with
    ``second_order``) the second ones."""
    __tracebackhide__ = True
    if op.arity and len(xs) != op.arity:
        raise TypeError(f"assert_op_derivatives: {op.name} takes {op.arity} operand(s), "
                        f"got {len(xs)}: {xs!r}")
    names = _operand_names(op.arity, len(xs))
    inputs = [Value(x, label=name) for x, name in zip(xs, names)]
    cases: list[tuple[str, Callable[..., Any], list[Value]]] = [
        ("", lambda *vs: call_op(op, vs), inputs)]
    if op.arity == 2:
        a, b = xs
        cases += [(f" with a = {a!r} a plain number", lambda vb: op(a, vb), inputs[1:]),
                  (f" with b = {b!r} a plain number", lambda va: op(va, b), inputs[:1])]
    for how, f, leaves in cases:
        where = f"{op.name} at {', '.join(f'{v.label} = {v.data!r}' for v in inputs)}{how}"
        _check_first_derivatives(f, leaves, rtol, atol, where)
        if second_order:
            _check_second_order(f, leaves, rtol, atol, where)


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


def _check_scalar_op(op: Op, second_order: bool, margin: float, rtol: float, atol: float,
                     hypothesis_settings: dict[str, Any]) -> None:
    """``check_op`` for an op of the scalar engine: ``assert_op_derivatives`` on the operands
    ``op_inputs`` draws."""
    __tracebackhide__ = True

    def check(xs: tuple[float, ...]) -> None:
        _assert_scalar_op_derivatives(op, xs, rtol, atol, second_order)

    _run_check(check, op.name, [op_inputs(op, margin=margin)], hypothesis_settings)
