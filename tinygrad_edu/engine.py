"""The scalar autograd engine: a Value, its operations and the backward pass.

Read it in this order (this file and ``graph.py`` are the whole engine, under 550 lines):

1. ``make_node``: what a node records (its fields are listed there), among them the local
   derivative of the node with respect to each operand, worked out as soon as the forward
   pass computes its number. Then ``one_operand`` and ``two_operands``: how a row of the op
   table becomes an operation: the forward function on the numbers, each operand's rule.
2. ``Value``: a leaf made by you, or a node made by an op. Its operators and methods are the
   op table, one row each: the forward function beside the local derivatives, and the same
   in words. ``_backward()`` is the chain rule at one node: each operand's
   ``grad += local derivative * self.grad``.
3. ``graph.py``: ``walk`` (a topological order, without recursion) and ``backpropagate``
   (the one loop that calls ``_backward()`` at every node, the last first). ``backward()``,
   stepping, drawing and zeroing all use them, for both engines.

Why numbers and not closures? A micrograd node's ``_backward`` closure only multiplies the
upstream gradient by numbers known once the forward pass has run. Kept as numbers, a node is
one small object that never refers back to itself (a dropped graph is freed at once), and
derivatives are data: stepping prints them, drawings show them, the tests check each rule.

The machinery beside it, to trust now and read later: ``ops.py`` (an op as a row of data;
ops of your own are checked there and made in ``making.py``), ``listops.py`` (``dot``,
``vsum``), ``habits.py`` (printing, comparing, in-place updates, micrograd's and microgpt's
names), ``copying.py``, ``higher.py`` and ``autograd.py`` (second derivatives),
``checked.py`` and ``errors.py`` (math and errors that say what went wrong).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Union

from tinygrad_edu import autograd, checked, grad_mode, ops, scopes
from tinygrad_edu.errors import as_float, explained, real_or_none
from tinygrad_edu.graph import backpropagate, walk, zero_grad  # (importable from here too)
from tinygrad_edu.habits import Habits, made_by_hand
from tinygrad_edu.ops import Op, Rule

__all__ = ["Number", "Value", "abs_", "add", "backpropagate", "binary", "computed", "cos", "div",
           "exp", "leaky_relu", "log", "make_node", "mul", "neg", "one_operand", "pow_", "relu",
           "sigmoid", "sin", "sqrt", "sub", "tanh", "two_operands", "unary", "walk", "zero_grad"]

Number = Union[int, float]  # noqa: UP007 (a runtime alias, Python 3.10)
"""A plain number: an int or a float (bools count as ints)."""
sin: ops.UnaryFunction[Value]  # (defined below the table, whose rules of sin and cos use them)
cos: ops.UnaryFunction[Value]


_no_grad_threads = grad_mode.off_threads  # not empty while any thread is inside no_grad()
_open_scopes = scopes.opened  # not empty while any named_scope is open


def make_node(y: float, op: Op, left: Any, d_left: Any, right: Any = None,
              d_right: Any = None, many: Any = None) -> Value:
    """A new Value holding ``y``, made by ``op`` from ``left`` (and ``right``), one field at a
    time (the fastest way in CPython). ``_data``: the number; ``grad``: 0.0 until a backward
    pass reaches it; ``label``: a name for drawings; ``_fn``: the op (None for a leaf);
    ``_left``, ``_right``: the operands, a plain number (the 2.0 in ``2.0 - x``) kept as a
    float; ``_d_left``, ``_d_right``: d(node)/d(operand), None for a plain number, which
    gets no gradient; ``_list``: for an op on a whole list (``dot``, ``vsum``), ``many``:
    its parents, their local derivatives, and its operands if plain numbers stood among
    them; ``_no_graph``: True if computed under ``no_grad()`` (``computed``); ``_scope``:
    only on a node made inside a ``named_scope``. Your own attributes (an optimizer's
    ``p.m``) go to the ``__dict__`` a Value also has."""
    node = object.__new__(Value)
    node._data = y
    node.grad = 0.0
    node.label = ""
    node._fn = op
    node._left = left
    node._d_left = d_left
    node._right = right
    node._d_right = d_right
    node._list = many
    node._no_graph = False
    if _open_scopes:  # inside a named_scope (scopes.py)
        node._scope = scopes.current()
    return node


def computed(y: float) -> Value:
    """A Value computed under ``no_grad()``: its number and no graph (the rules do not run)."""
    node = object.__new__(Value)
    node._data = y
    node.grad = 0.0
    node.label = ""
    node._fn = node._left = node._right = node._d_left = node._d_right = node._list = None
    node._no_graph = True
    return node


def one_operand(op: Op) -> ops.UnaryFunction[Value]:
    """The function that applies a row of one operand: on a Value, a node with the forward
    value and the local derivative; on a plain number, the plain number."""
    forward, derivative = op.forward, op.rules[0] or ops.refusal(op, 0)

    def apply(x: Value | Number) -> Value | float:
        if not isinstance(x, Value):
            return on_numbers(op, x)
        xd = x._data
        try:
            y = forward(xd)
            if _no_grad_threads and not grad_mode.state.enabled:  # inside no_grad(), fast
                return computed(y)
            return make_node(y, op, x, derivative(xd, y))
        except (ArithmeticError, ValueError) as error:  # say which op, at which number
            raise explained(error, op.name, xd) from None

    return ops.named(apply, op)  # type: ignore[return-value]  # (a traceback still says
    # one_operand.<locals>.apply: that is this function, the op's row applied)


def two_operands(op: Op) -> ops.BinaryFunction[Value]:
    """The function that applies a row of two operands: a node with the forward value and
    the local derivative towards each Value (a plain number is a constant, given no
    gradient); on two plain numbers, the plain number."""
    forward = op.forward
    d_left, d_right = [rule or ops.refusal(op, i) for i, rule in enumerate(op.rules)]

    # b's default: leaky_relu's alpha (0.01); else MISSING, so that a call with one operand
    # says that it needs two
    def apply(a: Value | Number, b: Any = op.default if op.default is not None else ops.MISSING
              ) -> Any:
        a_node = isinstance(a, Value)
        b_node = isinstance(b, Value)
        ad = a._data if a_node else real_or_none(a, op.name)  # type: ignore[union-attr]
        bd = b._data if b_node else real_or_none(b, op.name)
        if ad is None or bd is None or not (a_node or b_node):
            if b is ops.MISSING:
                raise TypeError(f"{op.name} takes two operands, got one ({a!r})")
            return NotImplemented if a_node or b_node else on_numbers(op, a, b)
        try:
            y = forward(ad, bd)
            if _no_grad_threads and not grad_mode.state.enabled:  # inside no_grad(), fast
                return computed(y)
            return make_node(y, op, a if a_node else ad, d_left(ad, bd, y) if a_node else None,
                             b if b_node else bd, d_right(ad, bd, y) if b_node else None)
        except (ArithmeticError, ValueError) as error:  # say which op, at which numbers
            raise explained(error, op.name, ad, bd) from None

    return ops.named(apply, op)  # type: ignore[return-value]


def on_numbers(op: Op, *operands: Any) -> float:
    """An op on plain numbers only (``tinygrad_edu.exp(1.0)``, and the rules of the table on
    floats): the plain number, or an error that names the op."""
    numbers = [as_float(x, op.name) for x in operands]
    try:
        return op.forward(*numbers)  # type: ignore[no-any-return]
    except (ArithmeticError, ValueError) as error:
        raise explained(error, op.name, *numbers) from None


def unary(name: str, forward: Callable[[float], float], derivative: Rule,
          **words: Any) -> ops.UnaryFunction[Value]:
    """A row of one operand, registered in ``OPS``, made into its function (``unary_op``
    does the same for an op of your own, checked first)."""
    return one_operand(ops.register(Op(name, forward, (derivative,), **words)))


def binary(name: str, forward: Callable[[float, float], float], d_left: Rule | None,
           d_right: Rule | None, **words: Any) -> ops.BinaryFunction[Value]:
    """A row of two operands, registered, made into its function; a rule None marks an
    operand that must be a plain number (leaky_relu's alpha)."""
    return two_operands(ops.register(Op(name, forward, (d_left, d_right), **words)))


# The rules of the table that take more than one line. d(a**b)/da at a = 0 is 0 for b = 0
# and inf for b < 1, and d(a**b)/db needs a >= 0 (0 at a = 0), as in PyTorch; a NaN base
# gives NaN, even for b = 0 where a**0 is 1 (PyTorch: 0; see tests/torch_deviations.py).
def _d_pow_base(a: Any, b: Any, y: Any) -> Any:
    if a == 0 and b < 1:
        return 0.0 if b == 0 else math.inf
    if b == 1 and type(b) is float:  # a**1 is a: slope 1, a constant (1·a**0 would bring
        return 1.0  # a**0's slope 0 into second derivatives: 0·inf = NaN beside a sqrt at 0)
    return b * a ** (b - 1)


def _d_pow_exponent(a: Any, b: Any, y: Any) -> Any:
    if a < 0:
        raise checked.negative_base(a._data if isinstance(a, Value) else a)
    return 0.0 if a == 0 else y * log(a)


# relu, leaky_relu and abs are straight on each side of 0: their slopes are steps, plain
# numbers on floats and, on Values (for second derivatives only: higher.py), the hidden ops
# step and sign, whose derivative is 0 (second derivatives 0, as in PyTorch). At x = 0:
# relu' = 0, leaky_relu' = alpha, abs' = 0 (PyTorch's); NaN gives NaN.
def _slope(x: float, below: float) -> float:
    return 1.0 if x > 0 else below if x <= 0 else x


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


step = two_operands(ops.hide(Op("step", _slope, (lambda x, below, y: 0.0, None),
                                formula="step({0}, {1})", local=("0",))))
sign = one_operand(ops.hide(Op("sign", _sign, (lambda x, y: 0.0,), formula="sign({0})",
                               local=("0",))))


class Value(Habits):
    """A number that remembers how it was computed, so that derivatives can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b and dc/db = a
    (3.0, 2.0)

    A node keeps what ``make_node`` records (an op on a whole list, ``dot`` or ``vsum``: its
    parents, their local derivatives and its operands, as tuples in ``_list``), and takes
    attributes of your own (an optimizer's ``p.m``). Its habits as a number and a PyTorch
    tensor (printing, comparing, in-place updates, copying) come from ``habits.Habits``.
    """

    __slots__ = ("__dict__", "_d_left", "_d_right", "_data", "_fn", "_left", "_list",
                 "_no_graph", "_right", "_scope", "grad", "label")
    EMPTY_GRAD: ClassVar[float] = 0.0  # what grad holds before any gradient arrives
    _scope: str  # the named_scope it was made in, set only on a node made inside one
    _left: Any  # the other fields make_node lists, for the type checker
    _right: Any
    _d_left: Any
    _d_right: Any
    _list: Any

    def __init__(self, data: Number, children: Sequence[Value] | str = (),
                 local_grads: Sequence[float] = (), label: str = "", **micrograd: Any) -> None:
        """A leaf, ``Value(2.0, label="x")``: an input or a parameter. Or a node made as
        microgpt makes one, from ``children`` and the local derivative towards each:
        ``Value(a.data * b.data, (a, b), (b.data, a.data))`` (checked in habits.py)."""
        self._data: float = data if type(data) is float else as_float(data, "Value")
        self.grad: Any = 0.0  # a float; a Value on a leaf after backward(create_graph=True)
        self.label = label
        self._fn: Op | None = None  # a leaf: made by no op, from no operands (make_node)
        self._left = self._right = self._d_left = self._d_right = self._list = None
        self._no_graph = False  # True for a value computed under no_grad()
        if children or local_grads or micrograd or type(label) is not str:
            made_by_hand(self, children, local_grads, micrograd)

    @property
    def data(self) -> float:
        """The number this Value holds. Whatever you assign must be a real number; a Value
        gives its number (so micrograd's ``x.data -= lr * x.grad`` works after
        backward(create_graph=True))."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        number = (value if type(value) is float else value._data if isinstance(value, Value)
                  else as_float(value, "Value.data"))
        if number != self._data:  # drawings show a graph's numbers also after a step
            self._data_before = self._data
        self._data = number

    # ------------------------------------------------------------------------- the op table
    # Each operator and method is a row of the table: its forward function on floats, then
    # the local derivative d(output)/d(operand) of each operand from the operands and the
    # output y, then the same in words ({0}, {1}: the operands; {out}: the output). The
    # rules also run on Values: that is how second derivatives work (higher.py).
    #                name  forward        d/da                  d/db
    __add__ = binary("+", operator.add, lambda a, b, y: 1.0, lambda a, b, y: 1.0,
                     formula="{0} + {1}", local=("1", "1"))
    __sub__ = binary("-", operator.sub, lambda a, b, y: 1.0, lambda a, b, y: -1.0,
                     formula="{0} - {1}", local=("1", "-1"))
    __mul__ = binary("*", operator.mul, lambda a, b, y: b, lambda a, b, y: a,
                     formula="{0} * {1}", local=("{1}", "{0}"))
    __truediv__ = binary("/", checked.div, lambda a, b, y: 1 / b, lambda a, b, y: -y / b,
                         formula="{0} / {1}", local=("1/{1}", "-{out}/{1}"))
    __pow__ = binary("**", checked.pow, _d_pow_base, _d_pow_exponent,
                     formula="{0} ** {1}", local=("{1}·{0}^({1}-1)", "{out}·ln({0})"))
    #            name      forward        d/dx
    __neg__ = unary("neg", operator.neg, lambda x, y: -1.0, formula="-{0}", local=("-1",))
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
    relu = unary("relu", lambda x: 0.0 if x <= 0 else x, lambda x, y: _slope(x, 0.0),
                 graph_rules=(lambda x, y: step(x, 0.0),), formula="relu({0})",
                 local=("1 if {0} > 0 else 0",))
    abs = unary("abs", abs, lambda x, y: _sign(x), graph_rules=(lambda x, y: sign(x),),
                formula="abs({0})", local=("sign({0})",))
    _leaky_relu = binary("leaky_relu", lambda x, alpha: alpha * x if x <= 0 else x,
                         lambda x, alpha, y: _slope(x, alpha), None,  # alpha: a plain number
                         graph_rules=(lambda x, alpha, y: step(x, alpha), None), default=0.01,
                         formula="leaky_relu({0}, {1})", local=("1 if {0} > 0 else α",))
    __abs__ = abs

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x where x > 0, alpha·x elsewhere; its slope is 1 or alpha (a plain number)."""
        return Value._leaky_relu(self, alpha)

    # A plain number on the left (2.0 - x) is the op's left operand, as written.
    def __radd__(self, other: Number) -> Value: return add(other, self)
    def __rsub__(self, other: Number) -> Value: return sub(other, self)
    def __rmul__(self, other: Number) -> Value: return mul(other, self)
    def __rtruediv__(self, other: Number) -> Value: return div(other, self)
    def __rpow__(self, other: Number) -> Value: return pow_(other, self)
    def __pos__(self) -> Value: return self

    # ------------------------------------------------------------------------- its operands
    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in operand order (``x * x`` lists x
        twice); empty for a leaf."""
        if self._list is not None:
            return self._list[0]  # type: ignore[no-any-return]
        if self._d_right is None:
            return () if self._d_left is None else (self._left,)
        return (self._right,) if self._d_left is None else (self._left, self._right)

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, in the same order."""
        if self._list is not None:
            return self._list[1]  # type: ignore[no-any-return]
        return tuple([d for d in (self._d_left, self._d_right) if d is not None])

    @property
    def _operands(self) -> tuple[Any, ...]:
        """What the op was given, in order: its parents, and plain numbers where they stood
        (the 2.0 in ``2.0 - x``, leaky_relu's alpha)."""
        if self._list is not None:
            return self._list[2] or self._list[0]  # type: ignore[no-any-return]
        if self._fn is None:
            return ()
        return (self._left,) if self._right is None else (self._left, self._right)

    # ------------------------------------------------------------------------- backward
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
        for _node in backpropagate(self, seed):  # each node's _backward(), last first
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
            for parent, d in zip(self._list[0], self._list[1]):
                parent.grad += d * g

    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        zero_grad(self)

    def _add_grad(self, g: Any) -> None:
        """Add ``g`` to this value's gradient (a Value onto a gradient of 0 stays itself)."""
        if type(self.grad) is float and self.grad == 0.0 and isinstance(g, Value):
            self.grad = g
        else:
            self.grad += g


# The table's functions, on Values and on plain numbers: tinygrad_edu.tanh(x), add(a, b).
add = Value.__add__
sub = Value.__sub__
mul = Value.__mul__
div = Value.__truediv__
pow_ = Value.__pow__
neg = Value.__neg__
exp = Value.exp
log = Value.log
sqrt = Value.sqrt
tanh = Value.tanh
sigmoid = Value.sigmoid
sin = Value.sin
cos = Value.cos
relu = Value.relu
abs_ = Value.abs
leaky_relu = Value.leaky_relu
ops.freeze_built_ins()
