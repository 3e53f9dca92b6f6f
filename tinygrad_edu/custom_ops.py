"""The engine's rows as the registry's ops, and ops of your own: ``unary_op``, ``binary_op``.

The rows of engine.py's op table join ``OPS``, the registry the tools and the tests read,
each with the function that applies it (``tinygrad_edu.exp``, ``Value.__mul__``). An op of
your own is made the way the engine's operators apply its rows (``engine.one``,
``engine.two``), after ``ops.py`` has checked it: a name
of its own, functions that take the right arguments, and results that are checked as they
run, so that a mistake is reported with the op's name at once rather than as a wrong number
later. The op joins ``OPS``, so ``tinygrad_edu.testing.check_op`` and the project's own
property tests cover it (see docs/property-testing.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tinygrad_edu import engine, ops
from tinygrad_edu.engine import Value, one, two
from tinygrad_edu.ops import BinaryFunction, Rule, UnaryFunction

__all__ = ["binary_op", "unary_op"]

for _row, _function in [
        (engine.ADD, engine.add), (engine.SUB, engine.sub), (engine.MUL, engine.mul),
        (engine.DIV, engine.div), (engine.POW, engine.pow_), (engine.NEG, engine.neg),
        (engine.EXP, engine.exp), (engine.LOG, engine.log), (engine.SQRT, engine.sqrt),
        (engine.TANH, engine.tanh), (engine.SIGMOID, engine.sigmoid), (engine.SIN, engine.sin),
        (engine.COS, engine.cos), (engine.RELU, engine.relu), (engine.ABS, engine.abs_),
        (engine.LEAKY_RELU, engine.leaky_relu)]:
    ops.register(_row, _function, built_in=True)


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
    op = ops.unary_row(name, forward, derivative, formula=formula, local=local, domain=domain,
                       kinks=kinks, param=param, graph_derivative=graph_derivative, doc=doc)
    if register_op:
        ops.register(op)
    if param is None:
        def apply(x: object) -> object:
            return one(op, x)
    else:
        def apply(x: object, alpha: float = param) -> object:  # type: ignore[misc]
            return two(op, x, alpha)
    return ops.named(apply, op)  # type: ignore[return-value]


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
    op = ops.binary_row(name, forward, d_left, d_right, formula=formula, local=local,
                        domain=domain, kinks=kinks, doc=doc)
    if register_op:
        ops.register(op)

    def apply(a: object, b: object) -> object:
        return two(op, a, b)

    return ops.named(apply, op)  # type: ignore[return-value]
