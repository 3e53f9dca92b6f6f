"""The scalar autograd engine: a Value, its operations and the backward pass.

Read it in this order (this file and ``graph.py`` are the whole engine, under 550 lines):

1. ``Value``: a number (``data``), the derivative of the final output with respect to it
   (``grad``), and how it was computed: the op (``_fn``), its one or two operands (``_left``,
   ``_right``) and, worked out as soon as the forward pass computes the number, the local
   derivative of the value with respect to each (``_d_left``, ``_d_right``). ``_backward()``
   is the chain rule at one node: each operand's ``grad += local derivative * self.grad``.
2. ``make_node``: how every operation records a node (under ``no_grad()``, a value with no
   graph); then ``unary_op`` and ``binary_op``, which make an operation from a row of the op
   table: the forward function and the local derivative of each operand, called on the
   numbers when the op is applied.
3. The op table, one op per line: its forward function beside its local derivatives, and
   the same in words. A Value's operators apply these rows, and nothing else.
4. ``graph.py``: ``walk`` (a topological order, without recursion) and ``backpropagate``
   (the one loop that calls ``_backward()`` at every node, the last first). ``backward()``,
   stepping, drawing and zeroing all use them, for both engines.

Why numbers and not closures? micrograd gives every node a ``_backward`` closure, but all a
closure ever does is multiply the upstream gradient by numbers that are known as soon as the
forward pass has run. Keeping the numbers makes a node one small object that never refers
back to itself, so a graph you drop is freed at once; and derivatives become data a program
can read: stepping prints them, drawings show them, the property tests check every rule.

The machinery beside the engine, to trust now and read later: ``ops.py`` (an op as a row
of data, and the checks of an op of your own), ``listops.py`` (``dot`` and ``vsum``: one
node for a whole sum), ``habits.py`` (printing, comparing, in-place updates, micrograd's and
microgpt's names, copying), ``copying.py``, ``higher.py`` and ``autograd.py`` (second
derivatives), ``checked.py`` and ``errors.py`` (math that says what went wrong).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, Union, overload

from tinygrad_edu import autograd, checked, grad_mode, graph, ops, scopes
from tinygrad_edu.errors import as_float, explained, real_or_none
from tinygrad_edu.habits import Habits, given
from tinygrad_edu.ops import Op, Rule

__all__ = ["Number", "Value", "abs_", "add", "binary_op", "cos", "div", "exp", "leaky_relu",
           "log", "make_node", "mul", "neg", "pow_", "relu", "sigmoid", "sin", "sqrt", "sub",
           "tanh", "unary_op"]

Number = Union[int, float]  # noqa: UP007 (a runtime alias, Python 3.10)
"""A plain number: an int or a float (bools count as ints)."""


class Value(Habits):
    """A number that remembers how it was computed, so that derivatives can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b and dc/db = a
    (3.0, 2.0)

    Made by an op, a node keeps the op (``_fn``), its operands (``_left`` and, for an op of
    two, ``_right``: Values, or plain numbers such as the 2.0 in ``x * 2.0``, which are
    constants) and the local derivative towards each Value operand (``_d_left``,
    ``_d_right``; None for a constant). An op on a whole list (``dot``, ``vsum``) keeps its
    operands and their local derivatives as two tuples in ``_list``. microgpt's
    ``_children`` and ``_local_grads`` (also ``parents`` and ``local_grads``) list them.
    Its habits as a number and as a PyTorch tensor (printing, comparing, ``item()``,
    in-place updates, copying) come from ``habits.Habits``.
    """

    __slots__ = ("_d_left", "_d_right", "_data", "_fn", "_left", "_list", "_no_graph",
                 "_right", "_scope", "grad", "label")
    EMPTY_GRAD: ClassVar[float] = 0.0  # what grad holds before any gradient arrives
    _scope: str  # the named_scope it was made in, set only on a node made inside one

    def __init__(self, data: Number, children: Sequence[Value] | str = (),
                 local_grads: Sequence[float] = (), label: str = "", **micrograd: Any) -> None:
        """A leaf, ``Value(2.0, label="x")``: an input or a parameter. Or a node made as
        microgpt makes one, from ``children`` and the local derivative towards each:
        ``Value(a.data * b.data, (a, b), (b.data, a.data))`` (checked in habits.py)."""
        self._data: float = data if type(data) is float else as_float(data, "Value")
        self.grad: Any = 0.0  # a float; a Value on a leaf after backward(create_graph=True)
        self.label = label
        self._fn: Op | None = None  # the op that made this value; None for a leaf
        self._left: Any = None  # its operands, and the local derivative towards each
        self._right: Any = None
        self._d_left: Any = None
        self._d_right: Any = None
        self._list: Any = None  # an op on a whole list: (operands, local derivatives)
        self._no_graph = False  # True for a value computed under no_grad()
        if children or local_grads or micrograd or type(label) is not str:
            self._made_by_hand(children, local_grads, micrograd)

    @property
    def data(self) -> float:
        """The number this Value holds. Whatever you assign must be a real number; a Value
        gives its number (so micrograd's ``x.data -= lr * x.grad`` works after
        backward(create_graph=True))."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = (value if type(value) is float else value._data if isinstance(value, Value)
                      else as_float(value, "Value.data"))

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in operand order (``x * x`` lists x
        twice); empty for a leaf. (microgpt calls them ``_children``.)"""
        if self._list is not None:
            return tuple([x for x, d in zip(*self._list) if d is not None])
        if self._d_right is None:
            return () if self._d_left is None else (self._left,)
        return (self._right,) if self._d_left is None else (self._left, self._right)

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, in the same order."""
        if self._list is not None:
            return tuple([d for d in self._list[1] if d is not None])
        return tuple([d for d in (self._d_left, self._d_right) if d is not None])

    @property
    def _operands(self) -> tuple[Any, ...]:
        """What the op was given, in order: its parents, and plain numbers where they stood
        (the 2.0 in ``2.0 - x``, leaky_relu's alpha)."""
        if self._list is not None:
            return self._list[0]  # type: ignore[no-any-return]
        if self._fn is None:
            return ()
        return (self._left,) if self._right is None else (self._left, self._right)

    # The operators: each applies an operation of the op table below.
    def __add__(self, other: Value | Number) -> Value: return add(self, other)
    def __radd__(self, other: Number) -> Value: return add(other, self)
    def __sub__(self, other: Value | Number) -> Value: return sub(self, other)
    def __rsub__(self, other: Number) -> Value: return sub(other, self)
    def __mul__(self, other: Value | Number) -> Value: return mul(self, other)
    def __rmul__(self, other: Number) -> Value: return mul(other, self)
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
    def relu(self) -> Value: return relu(self)
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
        differentiated again; with ``inputs``, only those values get a gradient, as in
        PyTorch (both in ``autograd.py``).
        """
        if self._no_graph or create_graph or inputs is not None:
            return autograd.backward_into(self, grad, create_graph, inputs, "backward(grad)")
        seed = grad if type(grad) is float else as_float(grad, "backward(grad)")
        for _node in graph.backpropagate(self, seed):  # each node's _backward(), last first
            pass
        return None

    def _backward(self) -> None:
        """micrograd's one-node step of the chain rule: pass this value's gradient on to its
        operands, each ``grad += local derivative * self.grad``. ``backward()`` does it at
        every node in reverse topological order; you can call it by hand to do one step."""
        g = self.grad
        if self._d_left is not None:
            self._left.grad += self._d_left * g
        if self._d_right is not None:
            self._right.grad += self._d_right * g
        if self._list is not None:
            for x, d in zip(*self._list):
                if d is not None:
                    x.grad += d * g

    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        graph.zero_grad(self)

    def _add_grad(self, g: Any) -> None:
        """Add ``g`` to this value's gradient (a Value onto a gradient of 0 stays itself)."""
        if type(self.grad) is float and self.grad == 0.0 and isinstance(g, Value):
            self.grad = g
        else:
            self.grad += g

    def _made_by_hand(self, children: Any, local_grads: Any, micrograd: dict[str, Any]) -> None:
        """``Value(data, children, local_grads)``: microgpt's way of making a node, checked
        (``habits.given``), its op named after the function that made it."""
        if isinstance(children, str) and not local_grads and not micrograd:
            self.label = children  # Value(2.0, "x")
            return
        op, children, local_grads = given(children, local_grads, self.label, micrograd)
        if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad: no graph
            self._no_graph = True
            return
        self._fn = op
        if len(children) > 2:
            self._list = (children, local_grads)
        else:
            self._left, self._d_left = children[0], local_grads[0]
            if len(children) == 2:
                self._right, self._d_right = children[1], local_grads[1]
        if scopes.opened:
            self._scope = scopes.current()


def make_node(y: float, op: Op, left: Any, d_left: Any, right: Any = None,
              d_right: Any = None, many: Any = None) -> Value:
    """A new Value holding ``y``, made by ``op`` from ``left`` (and ``right``) with the local
    derivatives ``d_left`` (and ``d_right``), None for a plain-number operand; or, for an
    op on a whole list, from ``many``: (operands, local derivatives). Under ``no_grad()``
    it keeps none of it: a value with no graph. Every node of every graph is made here,
    one field at a time, without ``__init__`` and its checks (the fastest way in CPython)."""
    node = object.__new__(Value)
    node._data, node.grad, node.label = y, 0.0, ""
    if grad_mode.threads_off and not grad_mode.state.enabled:  # no_grad: no graph
        node._fn = node._left = node._right = node._d_left = node._d_right = node._list = None
        node._no_graph = True
        return node
    node._fn, node._left, node._d_left, node._right, node._d_right = op, left, d_left, right, d_right
    node._list, node._no_graph = many, False
    if scopes.opened:  # inside a named_scope (scopes.py)
        node._scope = scopes.current()
    return node


class UnaryFunction(Protocol):
    """What ``unary`` and ``unary_op`` return: a function of one Value (or plain number)."""

    op: Op

    @overload
    def __call__(self, x: Value) -> Value: ...
    @overload
    def __call__(self, x: Number) -> float: ...


class BinaryFunction(Protocol):
    """What ``binary`` and ``binary_op`` return: a function of two operands, Values and/or
    plain numbers."""

    op: Op

    def __call__(self, a: Value | Number, b: Value | Number) -> Value: ...


def one_operand(op: Op) -> UnaryFunction:
    """The function that applies a row of one operand: on a Value, a node with the forward
    value and the local derivative; on a plain number, the plain number."""
    forward, derivative = op.forward, op.rules[0]

    def apply(x: Value | Number) -> Value | float:
        if not isinstance(x, Value):
            return op.on_numbers(x)
        xd = x._data
        try:
            y = forward(xd)
            return make_node(y, op, x, derivative(xd, y))
        except (ArithmeticError, ValueError) as error:  # say which op, at which number
            raise explained(error, op.name, xd) from None

    return ops.named(apply, op)  # type: ignore[return-value]


def two_operands(op: Op) -> BinaryFunction:
    """The function that applies a row of two operands, Values and/or plain numbers: a node
    with the forward value and the local derivative towards each Value (a plain number is a
    constant: remembered, given no gradient); on two plain numbers, the plain number."""
    forward = op.forward
    d_left, d_right = (rule or ops.refusal(op, i) for i, rule in enumerate(op.rules))

    def apply(a: Value | Number, b: Value | Number) -> Any:
        a_node, b_node = isinstance(a, Value), isinstance(b, Value)
        ad = a._data if a_node else real_or_none(a, op.name)  # type: ignore[union-attr]
        bd = b._data if b_node else real_or_none(b, op.name)  # type: ignore[union-attr]
        if ad is None or bd is None or not (a_node or b_node):
            return NotImplemented if a_node or b_node else op.on_numbers(a, b)
        try:
            y = forward(ad, bd)
            return make_node(y, op, a if a_node else ad, d_left(ad, bd, y) if a_node else None,
                             b if b_node else bd, d_right(ad, bd, y) if b_node else None)
        except (ArithmeticError, ValueError) as error:  # say which op, at which numbers
            raise explained(error, op.name, ad, bd) from None

    return ops.named(apply, op)  # type: ignore[return-value]


def unary(name: str, forward: Callable[[float], float], derivative: Rule,
          **words: Any) -> UnaryFunction:
    """A row of one operand, registered in ``OPS``, made into its function
    (``tinygrad_edu.unary_op`` does the same for an op of your own, checked first)."""
    return one_operand(ops.register(Op(name, forward, (derivative,), **words)))


def binary(name: str, forward: Callable[[float, float], float], d_left: Rule | None,
           d_right: Rule | None, **words: Any) -> BinaryFunction:
    """A row of two operands, registered in ``OPS``, made into its function; a rule None
    marks an operand that must be a plain number (leaky_relu's alpha)."""
    return two_operands(ops.register(Op(name, forward, (d_left, d_right), **words)))


# ----------------------------------------------------------------------------- the op table
# Every operation in one line: its forward function on floats, then its local derivative
# d(output)/d(operand) for each operand, from the operands and the output y, then the same
# in words ({0}, {1}: the operands; {out}: the output). The rules also run on Values: that
# is how second derivatives work (higher.py).
#            name  forward        d/da                  d/db
add = binary("+", operator.add, lambda a, b, y: 1.0, lambda a, b, y: 1.0,
             formula="{0} + {1}", local=("1", "1"))
sub = binary("-", operator.sub, lambda a, b, y: 1.0, lambda a, b, y: -1.0,
             formula="{0} - {1}", local=("1", "-1"))
mul = binary("*", operator.mul, lambda a, b, y: b, lambda a, b, y: a,
             formula="{0} * {1}", local=("{1}", "{0}"))
div = binary("/", checked.div, lambda a, b, y: 1 / b, lambda a, b, y: -y / b,
             formula="{0} / {1}", local=("1/{1}", "-{out}/{1}"))


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


pow_ = binary("**", checked.pow, _d_pow_base, _d_pow_exponent,
              formula="{0} ** {1}", local=("{1}·{0}^({1}-1)", "{out}·ln({0})"))

#            name       forward        d/dx
cos: UnaryFunction  # (sin's derivative is cos, and cos's is -sin)
neg = unary("neg", operator.neg, lambda x, y: -1.0, formula="-{0}", local=("-1",))
exp = unary("exp", checked.exp, lambda x, y: y, formula="exp({0})", local=("{out}",))
log = unary("log", checked.log, lambda x, y: 1 / x, formula="log({0})", local=("1/{0}",))
sqrt = unary("sqrt", checked.sqrt, lambda x, y: 0.5 / y if y != 0 else math.inf,
             formula="sqrt({0})", local=("1/(2·{out})",))
tanh = unary("tanh", math.tanh, lambda x, y: 1 - y * y, formula="tanh({0})",
             local=("1 - {out}²",))
sigmoid = unary("sigmoid", checked.sigmoid, lambda x, y: y * (1 - y),
                formula="sigmoid({0})", local=("{out}·(1 - {out})",))
sin = unary("sin", math.sin, lambda x, y: cos(x), formula="sin({0})", local=("cos({0})",))
cos = unary("cos", math.cos, lambda x, y: -sin(x), formula="cos({0})", local=("-sin({0})",))


# relu, leaky_relu and abs are straight lines on each side of 0, so their slopes are steps:
# a plain number on floats, and on Values (for second derivatives) ops of their own whose
# derivative is 0, so the second derivative is 0, as in PyTorch. At the kink x = 0 they
# follow PyTorch: relu' = 0, leaky_relu' = alpha, abs' = 0.
def _slope(x: float, below: float) -> float:
    """1 for x > 0, ``below`` for x <= 0, NaN for NaN: the slope of relu and leaky_relu."""
    return 1.0 if x > 0 else below if x <= 0 else x


def _sign(x: float) -> float:
    """1, -1 or 0 by the sign of x, NaN for NaN: the slope of abs."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


step = two_operands(ops.hide(Op("step", _slope, (lambda x, below, y: 0.0, None),
                                formula="step({0}, {1})", local=("0",))))
sign = one_operand(ops.hide(Op("sign", _sign, (lambda x, y: 0.0,), formula="sign({0})",
                               local=("0",))))
relu = unary("relu", lambda x: 0.0 if x <= 0 else x, lambda x, y: _slope(x, 0.0),
             graph_rules=(lambda x, y: step(x, 0.0),), formula="relu({0})",
             local=("1 if {0} > 0 else 0",))
_leaky_relu = binary("leaky_relu", lambda x, alpha: alpha * x if x <= 0 else x,
                     lambda x, alpha, y: _slope(x, alpha), None,  # alpha: a plain number
                     graph_rules=(lambda x, alpha, y: step(x, alpha), None), default=0.01,
                     formula="leaky_relu({0}, {1})", local=("1 if {0} > 0 else {1}",))
abs_ = unary("abs", abs, lambda x, y: _sign(x), graph_rules=(lambda x, y: sign(x),),
             formula="abs({0})", local=("sign({0})",))
ops.freeze_built_ins()


def leaky_relu(x: Value | Number, alpha: float = 0.01) -> Any:
    """x where x > 0, alpha·x elsewhere; its slope is 1 or alpha (a plain number)."""
    return _leaky_relu(x, alpha)
