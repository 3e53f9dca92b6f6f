"""Ops of your own: ``unary_op``, ``binary_op``.

An op of your own is a row (``row.py``) made into a function the way the engine's operators
apply its rows (``engine.apply``), after ``ops.py`` has checked it: a name of its own,
functions that take the right arguments, and results that are checked as they run, so that
a mistake is reported with the op's name at once rather than as a wrong number later. The
op joins ``OPS``, so ``tinygrad_edu.testing.check_op`` and the project's own property tests
cover it (see docs/property-testing.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from tinygrad_edu import engine, ops
from tinygrad_edu.engine import Number, Value
from tinygrad_edu.ops import check_name, check_rule, number, user_function
from tinygrad_edu.row import Op

if TYPE_CHECKING:
    from tinygrad_edu.ops import Rule

V = TypeVar("V")


class UnaryFunction(Protocol, Generic[V]):
    """An op of one operand, on nodes of class V (a Value) or plain numbers, also as a
    method of V: ``tanh(x)``, ``x.tanh()``, ``tanh(2.0)``."""

    op: Op

    @overload
    def __call__(self, x: V) -> V: ...
    @overload
    def __call__(self, x: Number) -> float: ...
    @overload
    def __get__(self, node: None, owner: Any) -> UnaryFunction[V]: ...
    @overload
    def __get__(self, node: V, owner: Any) -> Callable[[], V]: ...


class BinaryFunction(Protocol, Generic[V]):
    """An op of two operands, Values and/or plain numbers, also as a method (an operator):
    ``mul(a, b)``, ``a * b``, ``a * 2.0``."""

    op: Op

    def __call__(self, a: V | Number, b: V | Number) -> V: ...
    @overload
    def __get__(self, node: None, owner: Any) -> BinaryFunction[V]: ...
    @overload
    def __get__(self, node: V, owner: Any) -> Callable[[V | Number], V]: ...

__all__ = ["binary_op", "unary_op"]

def unary_op(name: str, forward: Callable[..., float], derivative: Rule, *,
             formula: str | None = None, local: str | None = None,
             domain: tuple[float, float] | None = None, kinks: tuple[float, ...] = (),
             param: float | None = None, graph_derivative: Rule | None = None,
             doc: str = "", register_op: bool = True) -> UnaryFunction[Value]:
    """Make a one-operand operation from its forward function and its local derivative.

    ``forward(x)`` computes the output from a float; ``derivative(x, y)`` returns dy/dx
    from the input ``x`` and the output ``y``. Write the derivative with arithmetic and
    this package's functions (``exp``, ``log``, ``sigmoid``, ...), not ``math``, so that it
    also works on Values and second derivatives come for free. With ``param`` the op takes
    one extra number ``alpha`` (default ``param``), passed to both as a last argument, as
    in ``leaky_relu(x, alpha=0.01)``. If the derivative is a plain function of floats (as
    relu's slope is, for speed), ``graph_derivative`` is the same rule written with
    operations, used on Values for second derivatives.

    The result accepts a Value (and returns a Value that remembers how it was made) or
    a plain number (and returns a plain number)::

        softplus = unary_op("softplus", lambda x: math.log1p(math.exp(x)),
                            lambda x, y: sigmoid(x))

    ``formula`` and ``local`` are what stepping and drawing print (default ``name({0})``
    and ``name'({0})``; ``{out}`` is the output). ``domain`` and ``kinks`` tell the
    property checks where to test the derivative (default -3 to 3). The op joins ``OPS``
    (unless ``register_op=False``), so the project's tests cover it;
    ``tinygrad_edu.testing.check_op(softplus)`` checks it against central differences
    (see docs/property-testing.md).
    """
    op = unary_row(name, forward, derivative, formula=formula, local=local, domain=domain,
                       kinks=kinks, param=param, graph_derivative=graph_derivative, doc=doc)
    if register_op:
        ops.register(op)
    if param is None:
        def function(x: object) -> object:
            return engine.apply(op, x)  # (engine's global: a capture watches it)
    else:
        def function(x: object, alpha: float = param) -> object:  # type: ignore[misc]
            if isinstance(alpha, Value):  # a setting, not an input: no gradient
                raise TypeError(ops.setting(op))
            return engine.apply(op, x, alpha)
    return ops.named(function, op)  # type: ignore[return-value]


def binary_op(name: str, forward: Callable[[float, float], float], d_left: Rule,
              d_right: Rule, *, formula: str | None = None,
              local: tuple[str, str] | None = None,
              domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
              kinks: Sequence[Callable[[float, float], float]] = (), doc: str = "",
              register_op: bool = True) -> BinaryFunction[Value]:
    """Make a two-input operation: ``forward(a, b)``, ``d_left(a, b, y)`` = dy/da and
    ``d_right(a, b, y)`` = dy/db. The result takes Values and/or plain numbers on either
    side; a plain-number operand is remembered but gets no gradient. ``formula`` and
    ``local`` are what stepping and drawing print (default ``name({0}, {1})``,
    ``∂name/∂{0}`` and ``∂name/∂{1}``); ``domain`` is one interval per operand for the
    property checks, and each of ``kinks`` a function ``f(a, b)`` that is 0 where the
    derivatives jump or are not defined: the checks keep ``|f(a, b)|`` at least their
    margin, e.g. ``lambda a, b: a - b`` for a maximum, ``math.hypot`` for hypot's (0, 0)."""
    op = binary_row(name, forward, d_left, d_right, formula=formula, local=local,
                        domain=domain, kinks=kinks, doc=doc)
    if register_op:
        ops.register(op)

    def function(a: object, b: object) -> object:
        return engine.apply(op, a, b)

    return ops.named(function, op)  # type: ignore[return-value]


def unary_row(name: str, forward: Callable[..., float], derivative: Rule, *,
              formula: str | None = None, local: str | None = None,
              domain: tuple[float, float] | None = None, kinks: Sequence[float] = (),
              param: float | None = None, graph_derivative: Rule | None = None,
              doc: str = "") -> Op:
    """The checked row of a one-operand op of your own (see ``unary_op``). With ``param`` it
    has a second operand, a plain number with that default (``alpha``), which its functions
    get last: ``forward(x, alpha)``, ``derivative(x, y, alpha)``."""
    check_name(name, "unary_op")
    extra = ", alpha" if param is not None else ""
    check_rule(forward, 1 + bool(extra), name, "forward function", "x" + extra)
    check_rule(derivative, 2 + bool(extra), name, "derivative", "x, y" + extra)
    fwd = user_function(forward, name, "forward function", number, 1)
    rule = user_function(derivative, name, "derivative", number, 1)
    graph_rule = graph_derivative
    words = [local or f"{name}'({{0}})"]
    if param is None:
        rules: tuple[Rule | None, ...] = (rule,)
        graph: tuple[Rule | None, ...] = (graph_rule or rule,)
        formula = formula or f"{name}({{0}})"
    else:  # (x, alpha): alpha a plain number, given to the rules last, as they expect
        rules = (lambda x, alpha, y: rule(x, y, alpha), None)
        graph = ((lambda x, alpha, y: graph_rule(x, y, alpha)) if graph_rule else rules[0], None)
        formula = formula or f"{name}({{0}}, {{1}})"
    return Op(name, fwd, rules, graph_rules=graph, default=param, formula=formula, local=words,
              domain=None if domain is None else (domain,), kinks=kinks, doc=doc)


def binary_row(name: str, forward: Callable[[float, float], float], d_left: Rule,
               d_right: Rule, *, formula: str | None = None,
               local: tuple[str, str] | None = None,
               domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
               kinks: Sequence[Callable[[float, float], float]] = (), doc: str = "") -> Op:
    """The checked row of a two-operand op of your own (see ``binary_op``)."""
    check_name(name, "binary_op")
    check_rule(forward, 2, name, "forward function", "a, b")
    check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    for kink in kinks:
        check_rule(kink, 2, name, "kink", "a, b")
    rules = (user_function(d_left, name, "derivative d_left", number, 2),
             user_function(d_right, name, "derivative d_right", number, 2))
    return Op(name, user_function(forward, name, "forward function", number, 2), rules,
              formula=formula or f"{name}({{0}}, {{1}})",
              local=local or (f"∂{name}/∂{{0}}", f"∂{name}/∂{{1}}"), domain=domain,
              kinks=kinks, doc=doc)
