"""How an operation becomes a node: ``Op``, the registry ``OPS`` and the factories.

``engine.py`` writes each operation as one line, ``unary_op(name, forward, derivative)`` or
``binary_op(name, forward, d_left, d_right)``; this module turns such a line into a function
that works on plain numbers and on Values. On Values it computes the output with
``forward``, the local derivatives with the rules, and returns a new ``Value`` that records
its parents, those numbers and its ``Op`` (unless graph building is off).

An ``Op`` holds only the math. How an op is printed lives with stepping and drawing
(``stepping.TEXT``), where its derivatives are tested lives with the tests
(``testing.DOMAINS``), each keyed by the op's name.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from tinygrad_edu import grad_mode
from tinygrad_edu.engine import Value, make_node
from tinygrad_edu.errors import as_float, explained, real_or_none

if TYPE_CHECKING:
    from tinygrad_edu.engine import Number

Rule = Callable[..., Any]


class Op:
    """One operation: ``forward(*operands)`` and one derivative rule per operand.

    A rule gets the operands and the output ``y`` (and an op parameter such as leaky_relu's
    alpha, last) and returns d(output)/d(operand). Written with arithmetic and this
    package's functions, the very same rule runs on floats in an ordinary backward pass and
    on Values under ``create_graph=True``, where it builds the graph of the derivative.
    """

    def __init__(self, name: str, forward: Callable[..., Any], derivatives: tuple[Rule, ...],
                 *, param: float | None = None, number_first: bool = False,
                 graph_derivatives: tuple[Rule, ...] | None = None, doc: str = "") -> None:
        self.name = name
        self.forward = forward
        self.derivatives = derivatives
        # The rules for create_graph=True, on Values: the same ones, unless a rule is a plain
        # function of floats (relu's slope), whose Value twin is given here.
        self.graph_derivatives = graph_derivatives or derivatives
        self.param = param  # the default of a one-operand op's extra number (alpha)
        self.number_first = number_first  # a binary op whose plain-number operand came first
        self.doc = doc
        self.apply: Callable[..., Any] = forward  # the Value-aware function, set by a factory
        self.twin: Op | None = None  # a binary op's twin for ``number <op> value``

    @property
    def arity(self) -> int | None:
        """Number of operands; None for ops on whole lists (``dot``, ``vsum``)."""
        return len(self.derivatives)

    def operands(self, node: Value) -> list[Any]:
        """The operands ``node`` was computed from, in order: its parents, and a plain number
        where one stood (the 2.0 in ``a * 2.0`` or ``2.0 - a``)."""
        if node._const is None or self.arity == 1:
            return list(node.parents)
        return [node._const, *node.parents] if self.number_first else [*node.parents, node._const]

    def graph_local_grads(self, node: Value) -> tuple[Any, ...]:
        """``node``'s local derivatives recomputed from its operands as Values, so that they
        have a graph of their own (for ``create_graph=True``)."""
        operands = self.operands(node)
        extra = (node._const,) if self.param is not None else ()
        try:
            grads = tuple(rule(*operands, node, *extra) for rule, x in
                          zip(self.graph_derivatives, operands) if isinstance(x, Value))
        except TypeError as error:  # e.g. math.cos(x): math's functions take no Values
            raise TypeError(
                f"{self.name}: its derivative rule does not run on Values, which "
                f"create_graph=True needs ({error}); write it with tinygrad_edu's functions "
                "(exp, log, cos, sigmoid, ...) instead of math's") from error
        for g in grads:
            if not isinstance(g, Value) and real_or_none(g) is None:
                raise TypeError(f"{self.name}: its derivative rule returned "
                                f"{type(g).__name__} {g!r} on Values, not a Value or a number")
        return grads

    def __call__(self, *operands: Any) -> Any:
        """Apply the op to Values and/or plain numbers: ``OPS["*"](a, 2.0)``."""
        return self.apply(*operands)

    def __repr__(self) -> str:
        return f"<Op {self.name!r}>"

    # One object per op: copies of a graph share it, and a pickle names it.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        hidden = self.name in _HIDDEN and _HIDDEN[self.name] is self
        found = find_op(self.name, self.number_first, hidden, missing_ok=True)
        if found is None:
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: it is not registered "
                "(made with register_op=False), so it could not be found when loading")
        if found is not self:
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: the op was defined again "
                "after this graph was built (a notebook cell run twice, say), and loading would "
                "find the new definition; build the graph again, then pickle it")
        return (find_op, (self.name, self.number_first, hidden))


class ListOp(Op):
    """An op on whole lists, one node with many parents (``vsum``: one list, ``dot``: two).
    A plain number among the operands is a constant, not a parent; such a node keeps its
    operands in ``_const``, with None where a parent stands. ``graph_rule(operands, node)``
    gives the local derivatives as Values, for ``create_graph=True``."""

    def __init__(self, name: str, forward: Callable[..., Any], lists: int,
                 graph_rule: Callable[[list[Any], Value], tuple[Any, ...]], doc: str = "") -> None:
        super().__init__(name, forward, (), doc=doc)
        self.lists = lists
        self.graph_rule = graph_rule

    @property
    def arity(self) -> int | None:
        return None

    def operands(self, node: Value) -> list[Any]:
        if node._const is None:
            return list(node.parents)
        parents = iter(node.parents)
        return [next(parents) if c is None else c for c in node._const]

    def graph_local_grads(self, node: Value) -> tuple[Any, ...]:
        return self.graph_rule(self.operands(node), node)

    def __call__(self, *operands: Any) -> Any:
        return self.apply(*operands)


OPS: dict[str, Op] = {}
"""Every registered operation by name: the one registry tests, helpers and docs read."""

_HIDDEN: dict[str, Op] = {}  # the engine's own helper ops, not in OPS (relu's step, abs's sign)
_BUILT_IN: set[str] = set()  # filled by engine.py once its op table is complete


AnyOp = TypeVar("AnyOp", bound=Op)


def register(op: AnyOp) -> AnyOp:
    """Add ``op`` to ``OPS`` so that the property tests and helpers cover it too. Registering
    a name again replaces the earlier op (re-running a notebook cell works), except for the
    built-in ops, which ``Value``'s methods use."""
    _check_name(op.name, "register")
    if op.name in _BUILT_IN and OPS.get(op.name) is not op:
        raise ValueError(f"{op.name!r} is a built-in op that Value's methods use; give your "
                         "op another name")
    OPS[op.name] = op
    return op


def _check_name(name: object, who: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"{who}: an op's name must be a non-empty string such as 'softplus', "
                        f"got {type(name).__name__} {name!r}")


def hide(function: UnaryFunction) -> UnaryFunction:
    """Keep one of the engine's helper ops out of ``OPS``, but findable by name."""
    _HIDDEN[function.op.name] = function.op
    return function


def freeze_built_ins() -> None:
    """Called once the engine's op table is complete: those names (the hidden helpers'
    included) are now protected."""
    _BUILT_IN.update(OPS, _HIDDEN)


def find_op(name: str, number_first: bool = False, hidden: bool = False,
            missing_ok: bool = False) -> Any:
    """The op called ``name`` (how a pickle finds it again); ``number_first`` picks a binary
    op's twin for ``number <op> value``."""
    op = (_HIDDEN if hidden else OPS).get(name)
    if op is None:
        if missing_ok:
            return None
        raise pickle.UnpicklingError(
            f"the pickled graph uses the op {name!r}, which is not registered here; define it "
            "(unary_op or binary_op) before loading")
    return op.twin if number_first and op.twin is not None else op


def _describe(op: Op, formula: str | None, local: Sequence[str] | None,
              domain: Sequence[tuple[float, float]] | None, kinks: tuple[float, ...]) -> None:
    """Hand a user op's display text to stepping and its test domain to testing."""
    if formula is not None or local is not None:
        from tinygrad_edu.stepping import describe

        describe(op.name, formula, local)
    if domain is not None or kinks:
        from tinygrad_edu.testing import set_domain

        set_domain(op.name, domain, kinks)


# ----------------------------------------------------------------------------- the factories


def _check_rule(rule: Callable[..., Any], n: int, name: str, what: str, args: str) -> None:
    """Say at once, not at the first backward pass, if ``rule`` cannot take ``n`` numbers."""
    if not callable(rule):
        raise TypeError(f"{name}: its {what} must be a function of ({args}), got "
                        f"{type(rule).__name__} {rule!r}")
    try:
        signature = inspect.signature(rule)
    except (TypeError, ValueError):  # no signature to read, as for some built-ins: fine
        return
    try:
        signature.bind(*([0.0] * n))
    except TypeError:
        called = getattr(rule, "__name__", type(rule).__name__)
        raise TypeError(f"{name}: its {what} must take {n} argument{'s' * (n > 1)} ({args}); "
                        f"{called}{signature} does not") from None


def _number(x: Any, name: str, what: str) -> float:
    """What a rule returned, as a float, or a TypeError naming the op and the rule."""
    number = real_or_none(x)
    if number is None:
        hint = (" (write it with tinygrad_edu's functions, which return plain numbers for "
                "plain numbers)" if isinstance(x, Value) else "")
        raise TypeError(f"{name}: its {what} returned {type(x).__name__} {x!r}, not a "
                        f"number{hint}")
    return number


def _note(error: BaseException, name: str, *operands: float) -> None:
    """Add to an unexpected error from a rule which op raised it, and where (Python 3.11+)."""
    if hasattr(error, "add_note") and not str(error).startswith(f"{name}:"):
        error.add_note(f"(raised by the op {name!r} at {', '.join(map(repr, operands))})")



class UnaryFunction(Protocol):
    """What ``unary_op`` returns: a function of one Value (or plain number)."""

    op: Op

    @overload
    def __call__(self, x: Value, alpha: float = ...) -> Value: ...
    @overload
    def __call__(self, x: Number, alpha: float = ...) -> float: ...


class BinaryFunction(Protocol):
    """What ``binary_op`` returns: a function of two operands, Values and/or numbers."""

    op: Op

    def __call__(self, a: Value | Number, b: Value | Number) -> Value: ...


def unary_op(
    name: str,
    forward: Callable[..., float],
    derivative: Rule,
    *,
    formula: str | None = None,
    local: str | None = None,
    domain: tuple[float, float] | None = None,
    kinks: tuple[float, ...] = (),
    param: float | None = None,
    graph_derivative: Rule | None = None,
    doc: str = "",
    register_op: bool = True,
) -> UnaryFunction:
    """Make a one-input operation from its forward function and its local derivative.

    ``forward(x)`` computes the output from a float; ``derivative(x, y)`` returns dy/dx from
    the input ``x`` and the output ``y``. Write the derivative with arithmetic and with this
    package's functions (``exp``, ``log``, ``sigmoid``, ...), not ``math``, so that it also
    works on Values and second derivatives come for free. With ``param`` the op takes one
    extra number ``alpha`` (default ``param``), passed to both as a last argument, as in
    ``leaky_relu(x, alpha=0.01)``. If the derivative is a plain function of floats (as relu's
    slope is, for speed), ``graph_derivative`` is the same rule written with operations, used
    on Values for second derivatives.

    The result accepts a Value (and returns a Value that remembers how it was made) or a
    plain number (and returns a plain number)::

        softplus = unary_op("softplus", lambda x: math.log1p(math.exp(x)),
                            lambda x, y: sigmoid(x))

    ``formula`` and ``local`` are what stepping and drawing print (default ``name({0})`` and
    ``name'({0})``; ``{out}`` is the output). ``domain`` and ``kinks`` tell the property
    checks where to test the derivative (default -3 to 3). The op joins ``OPS`` (unless
    ``register_op=False``), so the project's tests cover it;
    ``tinygrad_edu.testing.check_op(softplus)`` checks it against central differences (see
    docs/property-testing.md).
    """
    _check_name(name, "unary_op")
    extra = 0 if param is None else 1
    _check_rule(forward, 1 + extra, name, "forward function", "x" + ", alpha" * extra)
    _check_rule(derivative, 2 + extra, name, "derivative", "x, y" + ", alpha" * extra)
    op = Op(name, forward, (derivative,), param=param, doc=doc,
            graph_derivatives=None if graph_derivative is None else (graph_derivative,))
    _describe(op, formula, None if local is None else (local,),
              None if domain is None else (domain,), kinks)
    if register_op:
        register(op)

    def on_number(x: Number, *extra: float) -> float:
        xd = x if type(x) is float else as_float(x, name)
        try:
            y = forward(xd, *extra)
        except (ArithmeticError, ValueError) as error:
            raise explained(error, name, xd) from None
        except Exception as error:
            _note(error, name, xd)
            raise
        return y if type(y) is float else _number(y, name, "forward function")

    if param is None:

        def apply(x: Value | Number) -> Value | float:
            if not isinstance(x, Value):
                return on_number(x)
            xd = x.data
            try:
                y = forward(xd)
                if type(y) is not float:
                    y = _number(y, name, "forward function")
                if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad
                    return make_node(y)
                d = derivative(xd, y)
            except (ArithmeticError, ValueError) as error:
                raise explained(error, name, xd) from None
            except Exception as error:  # a rule of your own that fails: say which op
                _note(error, name, xd)
                raise
            return make_node(y, op, x, d if type(d) is float else _number(d, name, "derivative"))

    else:

        def apply(x: Value | Number, alpha: float = param) -> Value | float:  # type: ignore[misc]
            if type(alpha) is not float:
                alpha = as_float(alpha, f"{name}(alpha)")
            if not isinstance(x, Value):
                return on_number(x, alpha)
            xd = x.data
            try:
                y = forward(xd, alpha)
                if type(y) is not float:
                    y = _number(y, name, "forward function")
                if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad
                    return make_node(y)
                d = derivative(xd, y, alpha)
            except (ArithmeticError, ValueError) as error:
                raise explained(error, name, xd) from None
            except Exception as error:
                _note(error, name, xd)
                raise
            d = d if type(d) is float else _number(d, name, "derivative")
            return make_node(y, op, x, d, const=alpha)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc or f"{name} as an operation on Values (or plain numbers)."
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply  # type: ignore[return-value]


def binary_op(
    name: str,
    forward: Callable[[float, float], float],
    d_left: Rule,
    d_right: Rule,
    *,
    formula: str | None = None,
    local: tuple[str, str] | None = None,
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
    doc: str = "",
    register_op: bool = True,
) -> BinaryFunction:
    """Make a two-input operation: ``forward(a, b)``, ``d_left(a, b, y)`` = dy/da and
    ``d_right(a, b, y)`` = dy/db. The result takes Values and/or plain numbers on either side;
    a plain-number operand is remembered but gets no gradient. ``formula`` and ``local`` are
    what stepping and drawing print (default ``name({0}, {1})``, ``∂name/∂{0}`` and
    ``∂name/∂{1}``); ``domain`` is one interval per operand for the property checks."""
    _check_name(name, "binary_op")
    _check_rule(forward, 2, name, "forward function", "a, b")
    _check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    _check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    op = Op(name, forward, (d_left, d_right), doc=doc)
    op.twin = Op(name, forward, (d_left, d_right), number_first=True, doc=doc)
    _describe(op, formula, local, domain, ())
    if register_op:
        register(op)
    twin = op.twin

    def apply(a: Value | Number, b: Value | Number) -> Any:
        a_is, b_is = isinstance(a, Value), isinstance(b, Value)
        ad = a.data if a_is else real_or_none(a, name)  # type: ignore[union-attr]
        bd = b.data if b_is else real_or_none(b, name)  # type: ignore[union-attr]
        if ad is None or bd is None:
            if a_is or b_is:
                return NotImplemented  # lets Python say "unsupported operand type(s)"
            ad, bd = as_float(a, name), as_float(b, name)  # called with two non-numbers
        try:
            y = forward(ad, bd)
            if type(y) is not float:
                y = _number(y, name, "forward function")
            if not (a_is or b_is):  # two plain numbers: a plain number
                return y
            if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad
                return make_node(y)
            da = d_left(ad, bd, y) if a_is else None
            db = d_right(ad, bd, y) if b_is else None
        except (ArithmeticError, ValueError) as error:
            raise explained(error, name, ad, bd) from None
        except Exception as error:  # a rule of your own that fails: say which op
            _note(error, name, ad, bd)
            raise
        if a_is and type(da) is not float:
            da = _number(da, name, "derivative d_left")
        if b_is and type(db) is not float:
            db = _number(db, name, "derivative d_right")
        if a_is and b_is:
            return make_node(y, op, a, da, b, db)  # type: ignore[arg-type]
        if a_is:
            return make_node(y, op, a, da, const=bd)  # type: ignore[arg-type]
        return make_node(y, twin, b, db, const=ad)  # type: ignore[arg-type]

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc or f"{name} as an operation on Values (or plain numbers)."
    apply.op = op  # type: ignore[attr-defined]
    op.apply = twin.apply = apply
    return apply  # type: ignore[return-value]
