"""The scalar autograd engine, the whole story in one file. Read it top to bottom.

1. A ``Value`` holds a number (``data``), the derivative of the final output with respect to
   it (``grad``), the values it was made from (``parents``) and the local derivatives
   d(self)/d(parent) (``local_grads``), worked out during the forward pass. Each operator and
   method applies an operation from the op table further down (``+``, ``*`` and ``relu``,
   which make almost every node, do it written out for speed).
2. The backward pass is ``graph.py``'s, shared with the tensor engine: ``walk`` lists the
   graph in topological order and ``backpropagate`` visits that list backwards, applying the
   chain rule ``parent.grad += local_grad * node.grad`` at every edge: that is
   ``node._backward()``.
3. ``unary_op`` and ``binary_op`` turn one line of the op table into an operation.
4. The op table: every operation in one line, its forward function beside its local
   derivative, and the same in words (what stepping and drawing print).

Why numbers and not closures? micrograd gives every node a ``_backward`` closure, but all a
closure ever does is multiply the upstream gradient by numbers that are known as soon as the
forward pass has run. Keeping the numbers has two rewards. Memory and time: a node is one
small object (its one or two operands and their local derivatives sit in the node itself),
and no node refers back to itself through a closure, so a graph you drop is freed at once by
reference counting, and Python's garbage collector has little to look at. And derivatives
become data a program can read: stepping prints them, drawings show them, and the property
tests check every rule. ``node._backward()`` is still micrograd's one-node step, a method you
can call by hand.

``Value.backward`` runs a twin of ``backpropagate`` written out for speed, at the end of the
file, as a layer's weighted sums (``dots``) have one beside ``dot``: the same steps without
the general machinery, tested to give the very same nodes and numbers.

Around this file: ``graph.py`` (the walk and the chain rule), ``ops.py`` (the registry of
ops), ``checked.py`` (forward functions with helpful errors), ``autograd.py`` (``grad()``
and second derivatives), ``grad_mode.py`` (``no_grad``), ``errors.py``.
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress
from typing import Any, ClassVar, Protocol, Union, cast, overload

from tinygrad_edu import checked, grad_mode
from tinygrad_edu.errors import as_float, explained, real_or_none
from tinygrad_edu.graph import (
    _EMIT,
    NO_GRAPH,
    backpropagate,
    backward_into,
    listed_inputs,
    no_graph_error,
    walk,
    zero_grad,
)
from tinygrad_edu.ops import (
    ListOp,
    Op,
    Rule,
    check_name,
    check_rule,
    freeze_built_ins,
    hide,
    note_op,
    register,
)
from tinygrad_edu.stepping import Step, backward_steps

Number = Union[int, float]  # noqa: UP007 (a runtime alias, Python 3.10)
"""A plain number: an int or a float (bools count as ints)."""

__all__ = [
    "BinaryFunction", "Number", "UnaryFunction", "Value", "abs_", "add", "backpropagate",
    "binary_op", "cos", "div", "dot", "dots", "exp", "leaky_relu", "log", "mul", "neg", "pow_",
    "relu", "sigmoid", "sin", "sqrt", "sub", "tanh", "unary_op", "vsum", "walk", "zero_grad",
]


class Value:
    """A number that remembers how it was computed, so that derivatives can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b and dc/db = a
    (3.0, 2.0)
    """

    __slots__ = ("_data", "grad", "label", "_fn", "_const", "_a", "_b", "_da", "_db")  # noqa: RUF023
    EMPTY_GRAD: ClassVar[float] = 0.0  # what grad holds before any gradient arrives

    def __init__(self, data: Number, label: str = "", *micrograd_args: Any,
                 **micrograd_kwargs: Any) -> None:
        """A leaf: an input or a parameter. Operations make the other Values."""
        if micrograd_args or micrograd_kwargs or type(label) is not str:
            _refuse_arguments(data, label, micrograd_args, micrograd_kwargs)
        self._data: float = data if type(data) is float else as_float(data, "Value")
        self.grad: Any = 0.0  # a float; a Value on a leaf after backward(create_graph=True)
        self.label = label
        self._fn: Op | None = None  # the Op that made this value; None for a leaf
        self._const: Any = None  # a plain-number operand or parameter of that op, if any
        # The operands it was made from (b is None for a one-operand op) and the local
        # derivatives d(self)/d(a) and d(self)/d(b), set by ``make_node()`` below.
        self._a: Value | None = None
        self._b: Value | None = None
        self._da: Any = None
        self._db: Any = None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in operand order (``x * x`` lists x
        twice); empty for a leaf."""
        if self._fn is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)  # type: ignore[return-value]

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, in the same order."""
        if self._fn is None:
            return ()
        return (self._da,) if self._b is None else (self._da, self._db)

    # ``data``: the number, kept in ``_data``, which the engine reads directly. Whatever you
    # assign to ``data`` must be a real number; a Value gives its number (so micrograd's
    # ``x.data -= lr * x.grad`` works after backward(create_graph=True)).
    def _set_data(self, value: Any) -> None:
        self._data = (value if type(value) is float else value._data if isinstance(value, Value)
                      else as_float(value, "Value.data"))

    data = property(operator.attrgetter("_data"), _set_data, doc="The number this Value holds.")

    # micrograd's names for the same, so that its code runs unchanged: ``_prev`` is the set
    # of values this one was made from, ``_op`` the name of the op ('' for a leaf), and
    # ``_backward()`` (below) the one-node step of the chain rule.
    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    # The operators and methods: each applies an operation from the op table below. ``+``,
    # ``*`` and ``relu`` make almost every node of a graph, so they first do the usual case
    # themselves (two Values, or a Value and a float), exactly as the op would.
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            y = self._data + other._data
            if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad
                return no_graph(y)
            return make_node(y, _ADD, self, 1.0, other, 1.0)
        if type(other) is float:
            y = self._data + other
            if grad_mode.threads_off and not grad_mode.state.enabled:
                return no_graph(y)
            return make_node(y, _ADD, self, 1.0, const=other)
        return add(self, other)

    def __radd__(self, other: Number) -> Value:
        if type(other) is float:
            y = other + self._data
            if grad_mode.threads_off and not grad_mode.state.enabled:
                return no_graph(y)
            return make_node(y, _ADD_NUMBER_FIRST, self, 1.0, const=other)
        return add(other, self)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            a, b = self._data, other._data
            if grad_mode.threads_off and not grad_mode.state.enabled:
                return no_graph(a * b)
            return make_node(a * b, _MUL, self, b, other, a)
        if type(other) is float:
            y = self._data * other
            if grad_mode.threads_off and not grad_mode.state.enabled:
                return no_graph(y)
            return make_node(y, _MUL, self, other, const=other)
        return mul(self, other)

    def __rmul__(self, other: Number) -> Value:
        if type(other) is float:
            y = other * self._data
            if grad_mode.threads_off and not grad_mode.state.enabled:
                return no_graph(y)
            return make_node(y, _MUL_NUMBER_FIRST, self, other, const=other)
        return mul(other, self)

    def relu(self) -> Value:
        x = self._data  # x and slope 1 above 0, 0 and slope 0 at or below 0, NaN for NaN
        y, slope = (x, 1.0) if x > 0 else (0.0, 0.0) if x <= 0 else (x, x)
        if grad_mode.threads_off and not grad_mode.state.enabled:
            return no_graph(y)
        return make_node(y, _RELU, self, slope)

    # In place: inside no_grad(), ``p -= lr * p.grad`` changes p itself, as in PyTorch (an
    # update step); outside, ``c += c + 1`` makes a new node, as in micrograd.
    def __iadd__(self, other: Value | Number) -> Value: return _in_place(self, other, "+=")
    def __isub__(self, other: Value | Number) -> Value: return _in_place(self, other, "-=")
    def __imul__(self, other: Value | Number) -> Value: return _in_place(self, other, "*=")
    def __itruediv__(self, other: Value | Number) -> Value: return _in_place(self, other, "/=")

    def __sub__(self, other: Value | Number) -> Value: return sub(self, other)
    def __rsub__(self, other: Number) -> Value: return sub(other, self)
    def __truediv__(self, other: Value | Number) -> Value: return div(self, other)
    def __rtruediv__(self, other: Number) -> Value: return div(other, self)
    def __pow__(self, other: Value | Number) -> Value: return pow_(self, other)
    def __rpow__(self, other: Number) -> Value: return pow_(other, self)
    def __neg__(self) -> Value: return neg(self)
    def __pos__(self) -> Value: return self
    def __abs__(self) -> Value: return abs_(self)
    def exp(self) -> Value: return exp(self)
    def log(self) -> Value: return log(self)
    def sqrt(self) -> Value: return sqrt(self)
    def tanh(self) -> Value: return tanh(self)
    def sigmoid(self) -> Value: return sigmoid(self)
    def leaky_relu(self, alpha: float = 0.01) -> Value: return leaky_relu(self, alpha)
    def abs(self) -> Value: return abs_(self)
    def sin(self) -> Value: return sin(self)
    def cos(self) -> Value: return cos(self)

    # The backward pass.
    def backward(self, grad: float | Value = 1.0, create_graph: bool = False,
                 inputs: Sequence[Value] | None = None) -> None:
        """Fill ``.grad`` of every value this one depends on with d(self)/d(value) × ``grad``.

        Gradients accumulate as in PyTorch: every leaf (an input or a parameter) *adds* this
        pass's gradient to the one it holds, so call ``zero_grad()`` between training steps.
        Inner nodes hold the gradient of the latest pass, a float. With ``create_graph=True``
        every leaf's gradient is a ``Value`` with a graph of its own, so it can be
        differentiated again (see ``tinygrad_edu.autograd``). With ``inputs``, only those
        values get a gradient, as in PyTorch.
        """
        if self._fn is None and self._const is NO_GRAPH:
            raise no_graph_error(self, "backward")
        if create_graph or inputs is not None:
            seed = grad if create_graph and isinstance(grad, Value) else \
                as_float(grad, "backward(grad)")
            return backward_into(self, seed, create_graph,
                                 listed_inputs(inputs, Value, "backward"))
        seed = grad if type(grad) is float else as_float(grad, "backward(grad)")
        backpropagate_values(self, seed)  # backpropagate(self, seed) run to the end, faster
        return None

    def _vjp(self, upstream: Any, create_graph: bool = False) -> tuple[Any, ...]:
        """Each parent's share of ``upstream``, the gradient arriving here: the chain rule,
        local derivative × upstream. With ``create_graph`` the local derivatives are
        recomputed as Values by the op's rules, so the shares have a graph of their own."""
        local_grads = graph_local_grads(self) if create_graph else self.local_grads
        return tuple(local * upstream for local in local_grads)

    def _backward(self) -> None:
        """micrograd's one-node step of the chain rule: pass this value's gradient on to its
        parents. ``backward()`` calls it on every node in reverse topological order; you can
        call it by hand to do one step yourself."""
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * self.grad  # the chain rule

    def _add_grad(self, g: Any) -> None:
        """Add ``g`` to this value's gradient (a Value ``g`` onto a gradient of 0 stays
        that Value, with no ``0 + g`` node)."""
        if isinstance(g, Value) and type(self.grad) is float and self.grad == 0.0:
            self.grad = g
        else:
            self.grad += g

    @staticmethod
    def _seed(grad: Any, who: str = "backward_steps(grad)") -> float:
        """The gradient a backward pass starts from: 1 by default, else the number given."""
        if grad is None:
            return 1.0
        return grad._data if isinstance(grad, Value) else as_float(grad, who)

    @staticmethod
    def _constant(g: Any) -> Value:
        """A gradient that is a plain number, as a leaf (``create_graph`` gives Values)."""
        return Value(g)

    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        zero_grad(self)

    def backward_steps(self, grad: float | None = None) -> Iterator[Step]:
        """``backward()`` one node at a time, to watch the chain rule: a generator of steps;
        ``print(step)`` shows the numbers. See ``tinygrad_edu.stepping``."""
        return backward_steps(self, grad)

    # Looking at a value.
    @property
    def op(self) -> str:
        """The operation that made this value: ``'*'``, ``'tanh'``, ... or ``''`` for a leaf."""
        return "" if self._fn is None else self._fn.name

    def item(self) -> float:
        """The plain float, as in PyTorch."""
        return self._data

    def __float__(self) -> float:
        """``float(v)``, as for a one-element PyTorch tensor: the number. Inside a derivative
        rule under ``create_graph`` (or a function gradcheck follows) it raises instead:
        there, ``math.cos(x)`` would quietly cut the graph."""
        if _float_guard.why:
            raise TypeError(_float_guard.why)
        return self._data

    @property
    def requires_grad(self) -> bool:
        """False for a value computed under ``no_grad`` (it has no graph), as in PyTorch;
        True for inputs, parameters and everything computed from them."""
        return not (self._fn is None and self._const is NO_GRAPH)

    def detach(self) -> Value:
        """A new leaf with the same number and no history."""
        return Value(self._data, self.label)

    def __repr__(self) -> str:
        extras = (f", label={self.label!r}" if self.label else "") + (
            f", op={self.op!r}" if self._fn is not None else "")
        return f"Value(data={self._data!r}, grad={self.grad!r}{extras})"

    def __format__(self, spec: str) -> str:
        return format(self._data, spec)  # f"{loss:.3f}" formats the number

    # Comparisons and truth look at the number, as for a float (and a one-element PyTorch
    # tensor), so a derivative rule such as ``0.0 if x == 0 else ...`` gives the same answer
    # on floats (backward) and on Values (create_graph). Hashing stays "which node": a set
    # holds two nodes with equal numbers as two.
    def __eq__(self, other: object) -> bool: return _compare(operator.eq, self, other)
    def __ne__(self, other: object) -> bool: return _compare(operator.ne, self, other)
    def __lt__(self, other: Value | Number) -> bool: return _compare(operator.lt, self, other)
    def __le__(self, other: Value | Number) -> bool: return _compare(operator.le, self, other)
    def __gt__(self, other: Value | Number) -> bool: return _compare(operator.gt, self, other)
    def __ge__(self, other: Value | Number) -> bool: return _compare(operator.ge, self, other)
    def __bool__(self) -> bool: return self._data != 0.0
    __hash__ = object.__hash__

    # Copying and pickling whole graphs, without recursion (see the end of the file).
    def __copy__(self) -> Value: return _shallow_copy(self)
    def __deepcopy__(self, memo: dict[int, Any]) -> Value: return _deep_copy(self, memo)
    def __reduce__(self) -> tuple[Any, ...]: return _pickled(self)


class _FloatGuard(threading.local):
    why = ""  # while set, float(value) raises a TypeError that says this


_float_guard = _FloatGuard()


@contextmanager
def floats_refused(why: str) -> Iterator[None]:
    """Inside the block ``float(value)`` (which ``math.cos(value)`` calls) raises a
    TypeError saying ``why``: code that must build a graph cannot take a Value's number."""
    before, _float_guard.why = _float_guard.why, why
    try:
        yield
    finally:
        _float_guard.why = before


def _refuse_arguments(data: Any, label: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
                      ) -> None:
    """``Value(data, label)`` given anything else: micrograd's ``Value(data, (a, b), '+')``,
    which its own operators use to make a node, gets a message that says what to write."""
    children = kwargs.get("_children", label if isinstance(label, (tuple, list, set)) else None)
    if children is not None or "_op" in kwargs or args:
        raise TypeError(
            "Value(data, (a, b), '+') is how micrograd's operators make a node; here the "
            "operations make their nodes themselves, recording the parents and the local "
            "derivatives: write a + b (or a * b, a.tanh(), ...), and Value(2.0, label='a') for "
            "an input. To add an operation of your own, use tinygrad_edu.unary_op or "
            "binary_op")
    if kwargs:
        raise TypeError(f"Value() takes a number and a label, as Value(2.0, label='a'); got the "
                        f"keyword {next(iter(kwargs))}=")
    raise TypeError(f"Value: the label must be a string such as 'x1', got {type(label).__name__} "
                    f"{label!r}")


def make_node(data: float, op: Op | None = None, a: Value | None = None, da: Any = None,
              b: Value | None = None, db: Any = None, const: Any = None) -> Value:
    """The Value an operation returns: ``data``, made by ``op`` from ``a`` (and ``b``), with
    the local derivatives ``da`` (and ``db``); ``const`` is a plain-number operand (the 2 in
    ``x * 2``) or the op's parameter. ``no_graph(data)`` is what every
    operation returns under ``no_grad``: a leaf that remembers it was computed without a
    graph, so that ``backward()`` from it can say why it has nothing to do."""
    node = _new(Value)  # no __init__: its checks are for leaves
    node._data = data
    node.grad = 0.0
    node.label = ""
    node._fn = op
    node._const = const
    node._a = a
    node._b = b
    node._da = da
    node._db = db
    return node


def no_graph(data: float) -> Value:
    """What every operation returns under ``no_grad``: a leaf that remembers it was computed
    without a graph, so that ``backward()`` from it can say why it has nothing to do."""
    node = _new(Value)
    node._data = data
    node.grad = 0.0
    node.label = ""
    node._fn = None
    node._const = NO_GRAPH
    node._a = node._b = node._da = node._db = None
    return node


_new = object.__new__


def number_of(x: Value | Number) -> float:
    """The number in a Value, or a plain number as it is."""
    return x._data if isinstance(x, Value) else x


def _compare(compare: Any, value: Value, other: object) -> bool:
    number = other._data if isinstance(other, Value) else real_or_none(other)
    return NotImplemented if number is None else bool(compare(value._data, number))


def _in_place(value: Value, other: Any, symbol: str) -> Value:
    """``value += other`` and the like: in place under ``no_grad`` (a leaf's number
    changes), else a new node; on a leaf outside ``no_grad`` with a plain number, which
    would leave the leaf unchanged (``for p in params: p -= lr * p.grad``), an error."""
    combine, op = _IN_PLACE[symbol]
    if not (not grad_mode.threads_off or grad_mode.state.enabled):  # no_grad
        if value._fn is not None:
            raise RuntimeError(
                f"{symbol} inside no_grad() on a value computed from others would change a "
                "number its graph was built from; compute a new value instead "
                f"(v = v {symbol[0]} ...)")
        value.data = combine(value._data, number_of(other))
        return value
    if value._fn is None and not isinstance(other, Value):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Value (an input or a parameter) outside no_grad() would "
            "make a new Value and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing. Write `with "
            "no_grad(): p -= lr * p.grad` (PyTorch's way) or `p.data -= lr * p.grad` "
            "(micrograd's)")
    return op(value, other)


def graph_local_grads(node: Value) -> tuple[Any, ...]:
    """``node``'s local derivatives recomputed from its operands as Values by the op's own
    rules, so that they have a graph of their own (for ``create_graph=True``)."""
    op = node._fn
    assert op is not None
    operands = op.operands(node)
    if isinstance(op, ListOp):
        return op.graph_rule(operands, node)
    extra = (node._const,) if op.param is not None else ()
    try:
        with floats_refused(f"{op.name}: its derivative rule turned a Value into a plain "
                            "number (as math's functions do)"):
            grads = tuple(rule(*operands, node, *extra) for rule, x in
                          zip(op.graph_derivatives, operands) if isinstance(x, Value))
    except TypeError as error:  # e.g. math.cos(x): math's functions take no Values
        raise TypeError(
            f"{op.name}: its derivative rule does not run on Values, which "
            f"create_graph=True needs ({error}); write it with tinygrad_edu's functions "
            "(exp, log, cos, sigmoid, ...) instead of math's") from error
    for g in grads:
        if not isinstance(g, Value) and real_or_none(g) is None:
            raise TypeError(f"{op.name}: its derivative rule returned "
                            f"{type(g).__name__} {g!r} on Values, not a Value or a number")
    return grads


# ----------------------------------------------------------------------------- making an op


def _number(x: Any, name: str, what: str) -> float:
    """What a rule returned, as a float, or a TypeError naming the op and the rule."""
    number = real_or_none(x)
    if number is None:
        hint = (" (write it with tinygrad_edu's functions, which return plain numbers for "
                "plain numbers)" if isinstance(x, Value) else "")
        raise TypeError(f"{name}: its {what} returned {type(x).__name__} {x!r}, not a "
                        f"number{hint}")
    return number


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
    check_name(name, "unary_op")
    extra = 0 if param is None else 1
    check_rule(forward, 1 + extra, name, "forward function", "x" + ", alpha" * extra)
    check_rule(derivative, 2 + extra, name, "derivative", "x, y" + ", alpha" * extra)
    op = Op(name, forward, (derivative,), param=param, doc=doc,
            graph_derivatives=None if graph_derivative is None else (graph_derivative,),
            formula=formula, local=None if local is None else (local,),
            domain=None if domain is None else (domain,), kinks=kinks)
    if register_op:
        register(op)

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
            if not isinstance(x, Value):
                return on_number(x)
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
            if not isinstance(x, Value):
                return on_number(x, alpha)
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

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc or _op_doc(op, "x")
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
    kinks: Sequence[Callable[[float, float], float]] = (),
    doc: str = "",
    register_op: bool = True,
) -> BinaryFunction:
    """Make a two-input operation: ``forward(a, b)``, ``d_left(a, b, y)`` = dy/da and
    ``d_right(a, b, y)`` = dy/db. The result takes Values and/or plain numbers on either side;
    a plain-number operand is remembered but gets no gradient. ``formula`` and ``local`` are
    what stepping and drawing print (default ``name({0}, {1})``, ``∂name/∂{0}`` and
    ``∂name/∂{1}``); ``domain`` is one interval per operand for the property checks, and
    each of ``kinks`` a function ``f(a, b)`` that is 0 where the derivatives jump or are not
    defined: the checks keep ``|f(a, b)|`` at least their margin, e.g. ``lambda a, b: a - b``
    for a maximum, ``math.hypot`` for hypot's (0, 0)."""
    check_name(name, "binary_op")
    check_rule(forward, 2, name, "forward function", "a, b")
    check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    for kink in kinks:
        check_rule(kink, 2, name, "kink", "a, b")
    op = Op(name, forward, (d_left, d_right), doc=doc, formula=formula, local=local,
            domain=domain, kinks=kinks)
    op.twin = Op(name, forward, (d_left, d_right), number_first=True, doc=doc,
                 formula=formula, local=local, domain=domain, kinks=kinks)
    if register_op:
        register(op)
    twin = op.twin

    def apply(a: Value | Number, b: Value | Number) -> Any:
        a_is, b_is = isinstance(a, Value), isinstance(b, Value)
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
            return make_node(y, op, a, da, b, db)  # type: ignore[arg-type]
        if a_is:
            return make_node(y, op, a, da, const=bd)  # type: ignore[arg-type]
        return make_node(y, twin, b, db, const=ad)  # type: ignore[arg-type]

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc or _op_doc(op, "a", "b")
    apply.op = op  # type: ignore[attr-defined]
    op.apply = twin.apply = apply
    return apply  # type: ignore[return-value]


def _op_doc(op: Op, *operands: str) -> str:
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


# ----------------------------------------------------------------------------- the op table
# Every operation in one line: its forward function on floats, then its local derivative
# d(output)/d(operand) for each operand, from the operands and the output y. The rules use
# arithmetic and the engine's own functions, so the same rule also runs on Values: that is
# how second derivatives work (autograd.py). A plain-number operand (the 2 in x * 2) is
# remembered but gets no gradient.

def _d_pow_base(a: Any, b: Any, y: Any) -> Any:
    """d(a**b)/da = b·a**(b-1); at a = 0 it is 0 for b = 0 and inf for b < 1 (as PyTorch).
    A NaN base gives NaN, even for b = 0 where a**0 is 1 (PyTorch gives 0 there: see
    tests/torch_deviations.py)."""
    if a == 0 and b < 1:
        return 0.0 if b == 0 else math.inf
    return b * a ** (b - 1)


def _d_pow_exponent(a: Any, b: Any, y: Any) -> Any:
    """d(a**b)/db = a**b·ln(a): needs a >= 0 (0 at a = 0, as in PyTorch)."""
    if a < 0:
        raise checked.negative_base(a._data if isinstance(a, Value) else a)
    return 0.0 if a == 0 else y * log(a)  # a NaN base gives NaN


def _slope(x: float, below: float) -> float:
    """1 for x > 0, ``below`` for x <= 0, NaN for NaN: the slope of relu and leaky_relu."""
    return 1.0 if x > 0 else below if x <= 0 else x


def _sign(x: float) -> float:
    """1, -1 or 0 by the sign of x, NaN for NaN: the slope of abs."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


# Each row: the name, the forward function, the local derivative for each operand, and the
# same in words for stepping and drawing ({0}, {1}: the operands; {out}: the output).
#                 name  forward        d/da                    d/db
add = binary_op("+", operator.add, lambda a, b, y: 1.0, lambda a, b, y: 1.0,
                formula="{0} + {1}", local=("1", "1"))
sub = binary_op("-", operator.sub, lambda a, b, y: 1.0, lambda a, b, y: -1.0,
                formula="{0} - {1}", local=("1", "-1"))
mul = binary_op("*", operator.mul, lambda a, b, y: b, lambda a, b, y: a,
                formula="{0} * {1}", local=("{1}", "{0}"))
div = binary_op("/", checked.div, lambda a, b, y: 1 / b, lambda a, b, y: -y / b,
                formula="{0} / {1}", local=("1/{1}", "-{out}/{1}"))
pow_ = binary_op("**", checked.pow, _d_pow_base, _d_pow_exponent,
                 formula="{0} ** {1}", local=("{1}·{0}^({1}-1)", "{out}·ln({0})"))

#                name        forward        d/dx
cos: UnaryFunction  # (sin's derivative is cos, and cos's is -sin)
neg = unary_op("neg", operator.neg, lambda x, y: -1.0, formula="-{0}", local="-1")
exp = unary_op("exp", checked.exp, lambda x, y: y, formula="exp({0})", local="{out}")
log = unary_op("log", checked.log, lambda x, y: 1 / x, formula="log({0})", local="1/{0}")
sqrt = unary_op("sqrt", checked.sqrt, lambda x, y: 0.5 / y if y != 0 else math.inf,
                formula="sqrt({0})", local="1/(2·{out})")
tanh = unary_op("tanh", math.tanh, lambda x, y: 1 - y * y, formula="tanh({0})",
                local="1 - {out}²")
sigmoid = unary_op("sigmoid", checked.sigmoid, lambda x, y: y * (1 - y),
                   formula="sigmoid({0})", local="{out}·(1 - {out})")
sin = unary_op("sin", math.sin, lambda x, y: cos(x), formula="sin({0})", local="cos({0})")
cos = unary_op("cos", math.cos, lambda x, y: -sin(x), formula="cos({0})", local="-sin({0})")

# relu, leaky_relu and abs are straight lines on each side of 0, so their slopes are steps:
# a plain number on floats, and on Values (for second derivatives) ops of their own whose
# derivative is 0, so the second derivative is 0, as in PyTorch. At the kink x = 0 they
# follow PyTorch: relu' = 0, leaky_relu' = alpha, abs' = 0.
step = unary_op("step", _slope, lambda x, y, below: 0.0, param=0.0, register_op=False,
                formula="step({0})", local="0")
sign = unary_op("sign", _sign, lambda x, y: 0.0, register_op=False, formula="sign({0})",
                local="0")
hide(step.op), hide(sign.op)  # the engine's helpers: findable by name, but not in OPS
relu = unary_op("relu", lambda x: 0.0 if x <= 0 else x, lambda x, y: _slope(x, 0.0),
                graph_derivative=lambda x, y: step(x, 0.0), formula="relu({0})",
                local="1 if {0} > 0 else 0")
leaky_relu = unary_op("leaky_relu", lambda x, a: a * x if x <= 0 else x,
                      lambda x, y, a: _slope(x, a), param=0.01,
                      graph_derivative=lambda x, y, a: step(x, a), formula="leaky_relu({0})",
                      local="1 if {0} > 0 else α")
abs_ = unary_op("abs", abs, lambda x, y: _sign(x), graph_derivative=lambda x, y: sign(x),
                formula="abs({0})", local="sign({0})")


# ----------------------------------------------------------------------------- list ops
# One node for a whole sum or dot product keeps graphs small and fast: a neuron's w·x + b is
# one dot and one + instead of 2n nodes. Plain numbers are constants, as in x * 2.


class ListValue(Value):
    """A Value made by an op on whole lists (``vsum``, ``dot``). It can have any number of
    parents, so they and their local derivatives are kept in tuples."""

    __slots__ = ("_local_grads", "_parents")
    _parents: tuple[Value, ...]
    _local_grads: tuple[Any, ...]

    @property
    def parents(self) -> tuple[Value, ...]:
        return self._parents

    @property
    def local_grads(self) -> tuple[Any, ...]:
        return self._local_grads


def make_list_node(data: float, op: Op, parents: tuple[Value, ...],
                   local_grads: tuple[Any, ...], const: Any = None) -> ListValue:
    """``make_node`` for a list op: a ``ListValue`` with these parents and local
    derivatives; ``const`` lists the operands, with None where a parent stands, when some
    of them were plain numbers."""
    node = _new(ListValue)
    node._data, node.grad, node.label, node._fn, node._const = data, 0.0, "", op, const
    node._parents, node._local_grads = parents, local_grads
    return node


def vsum(values: Iterable[Value | Number]) -> Value:
    """Σ vᵢ as a single node; the local derivative for every vᵢ is 1."""
    return _list_op(_VSUM, _listed(values, "vsum", "vsum([a, b, 2.0])"), checked.fsum,
                    lambda numbers: [1.0] * len(numbers))


def _listed(items: Any, who: str, example: str) -> tuple[Any, ...]:
    """``items`` as a tuple, or a TypeError that shows how the call looks."""
    if type(items) is list or type(items) is tuple:  # the usual case, quickly
        return tuple(items)
    try:
        if not isinstance(items, (str, bytes)):
            return tuple(items)
    except TypeError:
        pass
    raise TypeError(f"{who} needs a list of Values and numbers, e.g. {example}; got "
                    f"{type(items).__name__} {items!r}")


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number]) -> Value:
    """w·x = Σ wᵢ·xᵢ as a single node. Local derivatives: ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, which is
    the matrix form's dW = Xᵀ·dZ, one neuron at a time."""
    return dots([ws], xs)[0]


def dots(rows: Iterable[Sequence[Value | Number]], xs: Sequence[Value | Number]) -> list[Value]:
    """``[dot(w, xs) for w in rows]``: a layer's weighted sums W·x, one node per row. When the
    weights are Values and the inputs all Values or all floats (a layer of neurons), the
    inputs' numbers are read once for all the rows; anything else takes ``_any_dot``."""
    inputs = _listed(xs, "dot", "dot([w1, w2], [x1, x2])")
    xd = _numbers_of_values(inputs)  # None unless every input is a Value
    if xd is None and not all(type(x) is float for x in inputs):
        return [_any_dot(_listed(ws, "dot", "dot([w1, w2], [x1, x2])"), inputs) for ws in rows]
    numbers = cast("tuple[float, ...]", inputs) if xd is None else xd
    off = grad_mode.threads_off and not grad_mode.state.enabled  # no_grad
    nodes: list[Value] = []
    for row in rows:
        ws = _listed(row, "dot", "dot([w1, w2], [x1, x2])")
        wd = tuple([w._data for w in ws if type(w) is Value])  # _numbers_of_values, in place:
        if len(wd) != len(ws) or not ws or len(ws) != len(inputs):  # this runs per neuron
            nodes.append(_any_dot(ws, inputs))  # plain-number weights, or a size to complain of
            continue
        try:
            total = math.fsum(map(operator.mul, wd, numbers))  # checked.dot's usual case
        except (OverflowError, ValueError):
            total = checked.dot(wd, numbers)
        if off:
            nodes.append(no_graph(total))
        elif xd is not None:  # Values: what _any_dot makes, written out
            nodes.append(make_list_node(total, _DOT, ws + inputs, xd + wd))
        else:  # floats: constants, so only the weights are parents
            nodes.append(make_list_node(total, _DOT, ws, numbers, (None,) * len(ws) + numbers))
    return nodes


def _any_dot(ws: tuple[Any, ...], xs: tuple[Any, ...]) -> Value:
    """``dot`` of any operands, through ``_list_op``: plain numbers among them are constants."""
    n = len(ws)
    if n != len(xs):
        raise ValueError(f"dot: {n} weights but {len(xs)} inputs; they must match")
    return _list_op(_DOT, [*ws, *xs], lambda numbers: checked.dot(numbers[:n], numbers[n:]),
                    lambda numbers: numbers[n:] + numbers[:n])  # xᵢ for wᵢ, wᵢ for xᵢ


def _numbers_of_values(items: tuple[Any, ...]) -> tuple[float, ...] | None:
    """The numbers of ``items`` if each is a Value (not a subclass, quickly), else None."""
    numbers = tuple([v._data for v in items if type(v) is Value])
    return numbers if len(numbers) == len(items) else None


def _list_op(op: ListOp, operands: Sequence[Any], total: Any, local_grads: Any) -> Value:
    """A vsum or dot node: ``total(numbers)``, and ``local_grads(numbers)`` for every operand,
    of which the Values become parents and the plain numbers constants."""
    keep = [isinstance(v, Value) for v in operands]  # the Values become parents
    numbers = [v._data if k else as_float(v, op.name) for v, k in zip(operands, keep)]
    if grad_mode.threads_off and not grad_mode.state.enabled:
        return no_graph(total(numbers))
    if not any(keep):
        return make_node(total(numbers))  # nothing but constants: a constant
    if all(keep):
        return make_list_node(total(numbers), op, tuple(operands), tuple(local_grads(numbers)))
    layout = tuple(None if k else x for x, k in zip(numbers, keep))  # where the numbers stood
    return make_list_node(total(numbers), op, tuple(compress(operands, keep)),
                          tuple(compress(local_grads(numbers), keep)), layout)


def _partners(operands: list[Any], node: Value) -> tuple[Any, ...]:
    """dot's local derivatives as Values: for each operand that is a parent, its partner."""
    half = len(operands) // 2
    return tuple(operands[i - half] for i, v in enumerate(operands) if isinstance(v, Value))


_VSUM = register(ListOp("vsum", checked.fsum, 1, lambda operands, node: (1.0,) * len(node.parents),
                        formula="sum({all})", local=("1",)))
_DOT = register(ListOp("dot", lambda ws, xs: checked.dot(list(ws), list(xs)), 2, _partners,
                       formula="dot([{first}], [{second}])", local=("{partner}",)))
_VSUM.apply, _DOT.apply = vsum, dot
freeze_built_ins()


# ----------------------------------------------------------------------------- copy and pickle
# Whole graphs of any depth, without recursion: a deep copy walks the graph; a pickle is a
# flat table in which leaves stand as themselves (so a leaf pickled beside its graph stays
# one object) and every inner node is a row pointing at earlier rows.


def _remade(data: float, label: str, parents: tuple[Value, ...], local_grads: tuple[Any, ...],
            op: Op | None, const: Any) -> Value:
    """A node with these fields: a leaf, a ``make_node`` or a ``make_list_node``."""
    if op is None:
        node = Value(data, label)
    elif op.arity is None:
        node = make_list_node(data, op, parents, local_grads, const)
    elif len(parents) == 1:
        node = make_node(data, op, parents[0], local_grads[0], const=const)
    else:
        node = make_node(data, op, parents[0], local_grads[0], parents[1], local_grads[1],
                         const)
    node.label = label
    return node


def _fields(node: Value) -> tuple[Any, ...]:
    return node._data, node.label, node.parents, node.local_grads, node._fn, node._const


def _shallow_copy(value: Value) -> Value:
    twin = _remade(*_fields(value))
    twin.grad = value.grad
    return twin


def _deep_copy(value: Value, memo: dict[int, Any]) -> Value:
    from copy import deepcopy

    copied = []
    for node in walk(value):
        if id(node) not in memo:
            data, label, parents, local_grads, op, const = _fields(node)
            memo[id(node)] = _remade(data, label, tuple(memo[id(p)] for p in parents),
                                     local_grads, op, const)
            copied.append(node)
    for node in copied:  # a gradient with a graph may lead back to these nodes
        memo[id(node)].grad = deepcopy(node.grad, memo)
    return cast(Value, memo[id(value)])


def _pickled(value: Value) -> tuple[Any, ...]:
    if not value.parents:  # the gradient comes after the leaf: it may lead back to it
        return (_leaf, (value._data, value.label), (None, {"grad": value.grad}))
    order = walk(value)
    row = {node: i for i, node in enumerate(order)}
    table = [node if not node.parents else
             (node._data, node.grad, node.label, tuple(row[p] for p in node.parents),
              node.local_grads, node._fn, node._const) for node in order]
    return (_rebuild, (table,))


def _leaf(data: float, label: str) -> Value:
    return Value(data, label)


def _rebuild(table: list[Any]) -> Value:
    nodes: list[Value] = []
    for row in table:
        if not isinstance(row, Value):
            data, grad, label, parents, local_grads, op, const = row
            row = _remade(data, label, tuple(nodes[i] for i in parents), local_grads, op, const)
            row.grad = grad
        nodes.append(row)
    return nodes[-1]


# ----------------------------------------------------------------------------- fast twins
# Written out for speed, each the twin of plain code above: the same steps in the same order
# without the general machinery. tests/test_engine.py checks that each twin gives the very
# same nodes and numbers as the code it stands in for.


def backpropagate_values(root: Value, seed: float) -> None:
    """``backpropagate(root, seed)`` run to the end, for Values (what ``Value.backward``
    does): the same steps in the same order, with no generator, and ``_backward`` written
    out."""
    inner = _inner_nodes(root)
    for node in inner:
        node.grad = 0.0
    root.grad += seed
    for node in reversed(inner):
        upstream = node.grad
        if type(node) is Value:  # node._backward(), written out
            node._a.grad += node._da * upstream  # type: ignore[union-attr]
            if node._b is not None:
                node._b.grad += node._db * upstream
        else:  # a ListValue
            for parent, local in zip(node._parents, node._local_grads):  # type: ignore[attr-defined]
                parent.grad += local * upstream


def _inner_nodes(root: Value) -> list[Value]:
    """The inner nodes of ``walk(root)`` (the ones with parents), in the same order:
    ``walk`` written out for Values. Instead of a set of the nodes it has seen it marks them
    in ``grad``, so the caller must reset their gradients; leaves it never touches."""
    seen: Any = object()  # a mark no gradient can be
    inner: list[Value] = []
    stack: list[Any] = [] if root._fn is None else [root]
    while stack:
        node = stack.pop()
        if node is _EMIT:
            inner.append(stack.pop())
        elif node.grad is not seen:
            node.grad = seen
            stack.append(node)
            stack.append(_EMIT)
            if type(node) is Value:  # one or two operands, in the node itself
                b = node._b
                if b is not None and b._fn is not None and b.grad is not seen:
                    stack.append(b)
                a = node._a
                if a._fn is not None and a.grad is not seen:  # type: ignore[union-attr]
                    stack.append(a)
            else:  # a ListValue
                for parent in reversed(node._parents):
                    if parent._fn is not None and parent.grad is not seen:
                        stack.append(parent)
    return inner


_ADD, _MUL, _RELU = add.op, mul.op, relu.op
_IN_PLACE: dict[str, tuple[Callable[[float, float], float], BinaryFunction]] = {
    "+=": (operator.add, add), "-=": (operator.sub, sub), "*=": (operator.mul, mul),
    "/=": (checked.div, div)}
_ADD_NUMBER_FIRST, _MUL_NUMBER_FIRST = cast("Op", _ADD.twin), cast("Op", _MUL.twin)
