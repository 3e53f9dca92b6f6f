"""Making an operation from a row of the op table: the machinery behind ``unary_op`` and
``binary_op``.

A row of the table says what an op computes and what its local derivatives are. Turning it
into a function that works on Values and on plain numbers takes care that the row should not
have to show:

- the row is checked when it is made, so a rule with the wrong number of arguments is
  reported at once, not at the first backward pass;
- plain numbers in give a plain number out; a plain-number operand (the 2 in ``x * 2``) is a
  constant, remembered but given no gradient;
- under ``no_grad`` no graph is recorded;
- a forward function or rule that fails raises an error naming the op and the numbers it
  was given, and a rule that returns something other than a number is caught.

``engine.py`` hands this module its ``Value`` class and its two node makers, so this module
sits below the engine and imports nothing of it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, Union, overload

from tinygrad_edu import grad_mode, scopes
from tinygrad_edu.errors import as_float, explained, real_or_none, refuse_arguments
from tinygrad_edu.graph import NO_GRAPH
from tinygrad_edu.habits import Habits
from tinygrad_edu.ops import Op, Rule, check_name, check_rule, given_op, note_op, register

if TYPE_CHECKING:
    from tinygrad_edu.engine import Value

Number = Union[int, float]  # noqa: UP007 (a runtime alias, Python 3.10)
"""A plain number: an int or a float (bools count as ints)."""

__all__ = ["BinaryFunction", "Number", "UnaryFunction"]


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


def node_makers(cls: type[Value]) -> tuple[Callable[..., Value], Callable[[float], Value]]:
    """``make_node`` and ``no_graph`` for Values of class ``cls`` (see ``engine.py``): they
    make a node without ``__init__``, whose checks are for leaves, one field at a time (the
    fastest way CPython has: these two make every node of every graph). Under ``no_grad``
    ``make_node`` makes what ``no_graph`` makes."""
    new, opened, current = object.__new__, scopes.opened, scopes.current
    off, grad_state = grad_mode.off_threads, grad_mode.state  # read as closure variables: fast

    def make_node(data: float, op: Op, a: Any, da: Any, b: Value | None = None, db: Any = None,
                  const: Any = None) -> Value:
        if off and not grad_state.enabled:  # no_grad: no graph
            return no_graph(data)
        node = new(cls)
        node._data = data
        node.grad = 0.0
        node.label = ""
        node._fn = op
        node._const = const
        node._a = a
        node._b = b
        node._da = da
        node._db = db
        if opened:  # inside a named_scope (scopes.py)
            node._scope = current()
        return node

    def no_graph(data: float) -> Value:
        node = new(cls)
        node._data = data
        node.grad = 0.0
        node.label = ""
        node._fn = None
        node._const = NO_GRAPH
        node._a = node._b = node._da = node._db = None
        return node

    return make_node, no_graph


def from_children(node: Value, children: Any, local_grads: Any, micrograd: dict[str, Any]
                  ) -> None:
    """``Value(data, children, local_grads)``, microgpt's way of making a node: ``node``
    gets the children as parents and the local derivatives beside them, and an op named
    after the function or method that made it (``ops.given_op``). Checked: one local
    derivative per child, each a plain number, each child a Value. ``Value(2.0, "x")`` is a
    label; micrograd's ``Value(data, (a, b), '+')`` and other arguments get a message that
    says what to write."""
    if isinstance(children, str) and not local_grads and not micrograd:
        node.label = children  # Value(2.0, "x")
        return
    if micrograd or isinstance(local_grads, str) or type(node.label) is not str:
        refuse_arguments(children or node.label, (local_grads,) if local_grads else (), micrograd)
    if not isinstance(children, (tuple, list)) or not local_grads:
        refuse_arguments(children, (), {})  # a label that is no string, or micrograd's (a, b)
    if not isinstance(local_grads, (tuple, list)) or len(local_grads) != len(children):
        given = (f"{len(local_grads)} local derivatives" if isinstance(local_grads, (tuple, list))
                 else f"{type(local_grads).__name__} {local_grads!r}")
        raise ValueError(f"Value(data, children, local_grads) needs one local derivative per "
                         f"child, d(value)/d(child): got {len(children)} children and {given}")
    for i, child in enumerate(children):
        if not isinstance(child, Habits):  # any Value
            raise TypeError(f"Value(data, children, local_grads): children[{i}] is "
                            f"{type(child).__name__} {child!r}, not a Value; a plain number "
                            "is a constant and gets no gradient, so leave it out")
    grads = []
    for i, local in enumerate(local_grads):
        number = real_or_none(local)
        if number is None:
            hint = (" (its number is .data; for second derivatives make the op with unary_op or "
                    "binary_op, whose rules run on Values)" if hasattr(local, "parents") else "")
            raise TypeError(f"Value(data, children, local_grads): local_grads[{i}] is "
                            f"{type(local).__name__} {local!r}, not a number{hint}")
        grads.append(number)
    if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad: a leaf
        node._const = NO_GRAPH
        return
    node._fn = op = given_op(_maker_name(), len(children))
    if scopes.opened:
        node._scope = scopes.current()
    if op.many:
        node._a, node._da = tuple(children), tuple(grads)
    else:
        node._a, node._da = children[0], grads[0]
        if len(children) == 2:
            node._b, node._db = children[1], grads[1]


def _maker_name() -> str:
    """The name of the function or method that called ``Value(...)`` (past any
    ``__init__``), or ``'op'`` where it has no name (a module, a lambda, a comprehension)."""
    frame = sys._getframe(3)
    while frame.f_code.co_name == "__init__" and frame.f_back is not None:
        frame = frame.f_back
    name = frame.f_code.co_name
    return "op" if name.startswith("<") else name


def unary_maker(cls: type[Value], make_node: Callable[..., Value],
                no_graph: Callable[[float], Value]) -> Callable[..., UnaryFunction]:
    """``unary_op`` for Values of class ``cls``, made by ``make_node`` and ``no_graph``."""

    def unary_op(name: str, forward: Callable[..., float], derivative: Rule, *,
                 formula: str | None = None, local: str | None = None,
                 domain: tuple[float, float] | None = None, kinks: tuple[float, ...] = (),
                 param: float | None = None, graph_derivative: Rule | None = None,
                 doc: str = "", register_op: bool = True) -> UnaryFunction:
        """Make a one-operand operation from its forward function and its local derivative.

        ``forward(x)`` computes the output from a float; ``derivative(x, y)`` returns dy/dx
        from the input ``x`` and the output ``y``. Write the derivative with arithmetic and
        this package's functions (``exp``, ``log``, ``sigmoid``, ...), not ``math``, so that
        it also works on Values and second derivatives come for free. With ``param`` the op
        takes one extra number ``alpha`` (default ``param``), passed to both as a last
        argument, as in ``leaky_relu(x, alpha=0.01)``. If the derivative is a plain function
        of floats (as relu's slope is, for speed), ``graph_derivative`` is the same rule
        written with operations, used on Values for second derivatives.

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
                       kinks=kinks, param=param, graph_derivative=graph_derivative, doc=doc,
                       register_op=register_op)
        return unary_function(op, cls, make_node, no_graph)

    return unary_op


def binary_maker(cls: type[Value], make_node: Callable[..., Value],
                 no_graph: Callable[[float], Value]) -> Callable[..., BinaryFunction]:
    """``binary_op`` for Values of class ``cls``, made by ``make_node`` and ``no_graph``."""

    def binary_op(name: str, forward: Callable[[float, float], float], d_left: Rule,
                  d_right: Rule, *, formula: str | None = None,
                  local: tuple[str, str] | None = None,
                  domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
                  kinks: Sequence[Callable[[float, float], float]] = (), doc: str = "",
                  register_op: bool = True) -> BinaryFunction:
        """Make a two-input operation: ``forward(a, b)``, ``d_left(a, b, y)`` = dy/da and
        ``d_right(a, b, y)`` = dy/db. The result takes Values and/or plain numbers on either
        side; a plain-number operand is remembered but gets no gradient. ``formula`` and
        ``local`` are what stepping and drawing print (default ``name({0}, {1})``,
        ``∂name/∂{0}`` and ``∂name/∂{1}``); ``domain`` is one interval per operand for the
        property checks, and each of ``kinks`` a function ``f(a, b)`` that is 0 where the
        derivatives jump or are not defined: the checks keep ``|f(a, b)|`` at least their
        margin, e.g. ``lambda a, b: a - b`` for a maximum, ``math.hypot`` for hypot's
        (0, 0)."""
        op = binary_row(name, forward, d_left, d_right, formula=formula, local=local,
                        domain=domain, kinks=kinks, doc=doc, register_op=register_op)
        return binary_function(op, cls, make_node, no_graph)

    return binary_op


def unary_row(name: str, forward: Callable[..., float], derivative: Rule, *,
              formula: str | None = None, local: str | None = None,
              domain: tuple[float, float] | None = None, kinks: tuple[float, ...] = (),
              param: float | None = None, graph_derivative: Rule | None = None,
              doc: str = "", register_op: bool = True) -> Op:
    """The checked row of a one-operand op (see ``unary_op``), registered in ``OPS`` unless
    ``register_op=False``."""
    check_name(name, "unary_op")
    extra = 0 if param is None else 1
    check_rule(forward, 1 + extra, name, "forward function", "x" + ", alpha" * extra)
    check_rule(derivative, 2 + extra, name, "derivative", "x, y" + ", alpha" * extra)
    op = Op(name, forward, (derivative,), param=param, doc=doc,
            graph_derivatives=None if graph_derivative is None else (graph_derivative,),
            formula=formula, local=None if local is None else (local,),
            domain=None if domain is None else (domain,), kinks=kinks)
    return register(op) if register_op else op


def binary_row(name: str, forward: Callable[[float, float], float], d_left: Rule,
               d_right: Rule, *, formula: str | None = None,
               local: tuple[str, str] | None = None,
               domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
               kinks: Sequence[Callable[[float, float], float]] = (), doc: str = "",
               register_op: bool = True) -> Op:
    """The checked row of a two-operand op (see ``binary_op``), with its twin for ``number
    <op> value``; registered in ``OPS`` unless ``register_op=False``."""
    check_name(name, "binary_op")
    check_rule(forward, 2, name, "forward function", "a, b")
    check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    for kink in kinks:
        check_rule(kink, 2, name, "kink", "a, b")
    row: dict[str, Any] = dict(doc=doc, formula=formula, local=local, domain=domain,
                               kinks=kinks)
    op = Op(name, forward, (d_left, d_right), **row)
    op.twin = Op(name, forward, (d_left, d_right), number_first=True, **row)
    return register(op) if register_op else op


def unary_function(op: Op, node: type[Value], make_node: Callable[..., Value],
                   no_graph: Callable[[float], Value]) -> UnaryFunction:
    """The function of a one-operand row: on a Value, ``make_node(y, op, x, dy/dx)``; on a
    plain number, the plain number y."""
    name, forward, derivative, param = op.name, op.forward, op.derivatives[0], op.param

    def on_number(x: Number, *extra: float) -> float:
        xd = x if type(x) is float else as_float(x, name)
        try:
            y = forward(xd, *extra)
        except (ArithmeticError, ValueError) as error:
            raise explained(error, name, xd) from None
        except Exception as error:
            note_op(error, name, f"at {xd!r}")
            raise
        return y if type(y) is float else _number(y, name, "forward function")

    if param is None:

        def apply(x: Value | Number) -> Value | float:
            if not isinstance(x, node):
                return on_number(x)  # type: ignore[arg-type]
            xd = x._data
            try:
                y = forward(xd)
                if type(y) is not float:
                    y = _number(y, name, "forward function")
                if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad
                    return no_graph(y)
                d = derivative(xd, y)
            except (ArithmeticError, ValueError) as error:
                raise explained(error, name, xd) from None
            except Exception as error:  # a rule of your own that fails: say which op
                note_op(error, name, f"at {xd!r}")
                raise
            return make_node(y, op, x, d if type(d) is float else _number(d, name, "derivative"))

    else:

        def apply(x: Value | Number, alpha: float = param) -> Value | float:  # type: ignore[misc]
            if type(alpha) is not float:
                alpha = as_float(alpha, f"{name}(alpha)")
            if not isinstance(x, node):
                return on_number(x, alpha)  # type: ignore[arg-type]
            xd = x._data
            try:
                y = forward(xd, alpha)
                if type(y) is not float:
                    y = _number(y, name, "forward function")
                if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad
                    return no_graph(y)
                d = derivative(xd, y, alpha)
            except (ArithmeticError, ValueError) as error:
                raise explained(error, name, xd) from None
            except Exception as error:
                note_op(error, name, f"at {xd!r}")
                raise
            d = d if type(d) is float else _number(d, name, "derivative")
            return make_node(y, op, x, d, const=alpha)

    return _finished(apply, op, "x")  # type: ignore[return-value]


def binary_function(op: Op, node: type[Value], make_node: Callable[..., Value],
                    no_graph: Callable[[float], Value]) -> BinaryFunction:
    """The function of a two-operand row: on two Values, ``make_node(y, op, a, ∂y/∂a, b,
    ∂y/∂b)``; with one plain number, a node with that number as a constant; on two plain
    numbers, the plain number y."""
    name, forward, twin = op.name, op.forward, op.twin
    d_left, d_right = op.derivatives

    def apply(a: Value | Number, b: Value | Number) -> Any:
        a_is, b_is = isinstance(a, node), isinstance(b, node)
        ad = a._data if a_is else real_or_none(a, name)  # type: ignore[union-attr]
        bd = b._data if b_is else real_or_none(b, name)  # type: ignore[union-attr]
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
                return no_graph(y)
            da = d_left(ad, bd, y) if a_is else None
            db = d_right(ad, bd, y) if b_is else None
        except (ArithmeticError, ValueError) as error:
            raise explained(error, name, ad, bd) from None
        except Exception as error:  # a rule of your own that fails: say which op
            note_op(error, name, f"at {ad!r}, {bd!r}")
            raise
        if a_is and type(da) is not float:
            da = _number(da, name, "derivative d_left")
        if b_is and type(db) is not float:
            db = _number(db, name, "derivative d_right")
        if a_is and b_is:
            return make_node(y, op, a, da, b, db)
        if a_is:
            return make_node(y, op, a, da, const=bd)
        return make_node(y, twin, b, db, const=ad)

    function = _finished(apply, op, "a", "b")
    assert twin is not None
    twin.apply = function
    return function  # type: ignore[return-value]


def _finished(apply: Callable[..., Any], op: Op, *operands: str) -> Callable[..., Any]:
    """``apply`` named after its op, with a docstring that states the op's row."""
    apply.__name__ = apply.__qualname__ = op.name
    apply.__doc__ = op.doc or op_doc(op, *operands)
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply


def _number(x: Any, name: str, what: str) -> float:
    """What a rule returned, as a float, or a TypeError naming the op and the rule."""
    number = real_or_none(x)
    if number is None:
        hint = (" (write it with tinygrad_edu's functions, which return plain numbers for "
                "plain numbers)" if hasattr(x, "parents") else "")
        raise TypeError(f"{name}: its {what} returned {type(x).__name__} {x!r}, not a "
                        f"number{hint}")
    return number


def op_doc(op: Op, *operands: str) -> str:
    """The docstring of a made op: what it computes and its local derivatives, in words
    (``help(tinygrad_edu.tanh)`` shows the line of the op table)."""
    if op.formula is None or op.local is None:
        return f"{op.name} as an operation on Values (or plain numbers)."

    def words(template: str) -> str:
        for i, operand in enumerate(operands):
            template = template.replace(f"{{{i}}}", operand)
        return template.replace("{out}", "y")

    if len(operands) == 1:
        alpha = "" if op.param is None else f" (α is alpha, {op.param} unless given)"
        return (f"y = {words(op.formula)} on a Value (or a plain number); its local "
                f"derivative is dy/dx = {words(op.local[0])}{alpha}.")
    return (f"y = {words(op.formula)} on Values and/or plain numbers; its local derivatives "
            f"are ∂y/∂a = {words(op.local[0])} and ∂y/∂b = {words(op.local[1])}.")
