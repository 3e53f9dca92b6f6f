"""The scalar autograd engine: a Value, its operations and the backward pass.

1. A ``Value`` holds a number (``data``), the derivative of the final output with respect
   to it (``grad``), the values it was computed from (``parents``) and, for each parent, the
   local derivative d(self)/d(parent) (``local_grads``), worked out as soon as the forward
   pass computes the number.
2. Each operator applies an operation of the op table at the end of this file, where every
   operation is one line: its forward function beside its local derivatives.
3. ``backward()`` puts the graph in topological order and visits it backwards, applying the
   chain rule ``parent.grad += local_grad * node.grad`` at every node: ``node._backward()``,
   micrograd's one-node step.

Why numbers and not closures? micrograd gives every node a ``_backward`` closure, but all a
closure ever does is multiply the upstream gradient by numbers that are known as soon as the
forward pass has run. Keeping the numbers makes a node one small object that never refers
back to itself, so a graph you drop is freed at once; and derivatives become data a program
can read: stepping prints them, drawings show them, the property tests check every rule.

Reading order: this file, then ``graph.py`` (the walk and the chain rule, shared with the
tensor engine); those two are the engine. Then the machinery beside them, to trust now and
read later: ``ops.py`` (an op as a row of data), ``making.py`` (a row made into a function,
with errors that name the op), ``listops.py`` (``dot`` and ``vsum``: one node for a whole
sum), ``fast.py`` (backward written out for speed), ``habits.py`` and ``copying.py``
(printing, comparing, in-place updates, micrograd's names, copying and pickling),
``higher.py`` and ``autograd.py`` (second derivatives), ``checked.py`` and ``errors.py``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from tinygrad_edu import checked, making
from tinygrad_edu.errors import as_float
from tinygrad_edu.fast import backward_values
from tinygrad_edu.graph import (
    NO_GRAPH,
    backpropagate,
    backward_into,
    listed_inputs,
    no_graph_error,
    walk,
    zero_grad,
)
from tinygrad_edu.habits import Habits
from tinygrad_edu.making import BinaryFunction, Number, UnaryFunction
from tinygrad_edu.ops import Op, freeze_built_ins, hide

__all__ = ["BinaryFunction", "Number", "UnaryFunction", "Value", "abs_", "add", "backpropagate",
           "binary_op", "cos", "div", "exp", "leaky_relu", "log", "mul", "neg", "pow_", "relu",
           "sigmoid", "sin", "sqrt", "sub", "tanh", "unary_op", "walk", "zero_grad"]


class Value(Habits):
    """A number that remembers how it was computed, so that derivatives can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b and dc/db = a
    (3.0, 2.0)

    A node made from one or two values keeps them in ``_a`` and ``_b`` and their local
    derivatives in ``_da`` and ``_db``, and the op that made it in ``_fn`` (with a plain
    number it was given, such as the 2 in ``x * 2``, in ``_const``): one small object per
    node. One made from a whole list (``dot``, ``vsum``) keeps tuples in ``_a`` and ``_da``.
    One made inside a ``named_scope`` keeps its path in ``_scope`` (scopes.py).
    Its habits as a number and as a PyTorch tensor (printing, comparing, ``item()``, in-place
    updates, copying) come from ``habits.Habits``.
    """

    __slots__ = ("_data", "grad", "label", "_fn", "_const", "_a", "_b", "_da", "_db",  # noqa: RUF023
                 "_scope")
    EMPTY_GRAD: ClassVar[float] = 0.0  # what grad holds before any gradient arrives
    _scope: str  # set only on a node made inside a named_scope

    def __init__(self, data: Number, children: Sequence[Value] | str = (),
                 local_grads: Sequence[float] = (), label: str = "", **micrograd: Any) -> None:
        """A leaf, ``Value(2.0, label="x")``: an input or a parameter. Or a node made as
        microgpt makes one, from ``children`` and the local derivative towards each:
        ``Value(a.data * b.data, (a, b), (b.data, a.data))`` (checked in making.py)."""
        self._data: float = data if type(data) is float else as_float(data, "Value")
        self.grad: Any = 0.0  # a float; a Value on a leaf after backward(create_graph=True)
        self.label = label
        self._fn: Op | None = None  # the op that made this value; None for a leaf
        self._const: Any = None  # a plain-number operand or parameter of that op, if any
        self._a: Any = None  # its operands and their local derivatives (see make_node)
        self._b: Value | None = None
        self._da: Any = None
        self._db: Any = None
        if children or local_grads or micrograd or type(label) is not str:
            making.from_children(self, children, local_grads, micrograd)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in operand order (``x * x`` lists x
        twice); empty for a leaf."""
        if self._fn is None:
            return ()
        if self._fn.many:
            return self._a  # type: ignore[no-any-return]
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, in the same order."""
        if self._fn is None:
            return ()
        if self._fn.many:
            return self._da  # type: ignore[no-any-return]
        return (self._da,) if self._b is None else (self._da, self._db)

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

    # The operators: each applies an operation of the op table below. ``+``, ``*`` and
    # ``relu`` make almost every node of a network, so they make the usual node themselves (a
    # Value or a float beside), exactly as the table's op would; anything else goes to the
    # op. A float is a constant: remembered (``const``), given no gradient.
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return make_node(self._data + other._data, ADD, self, 1.0, other, 1.0)
        if type(other) is float:
            return make_node(self._data + other, ADD, self, 1.0, const=other)
        return add(self, other)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:  # d(ab)/da = b, d(ab)/db = a
            return make_node(self._data * other._data, MUL, self, other._data, other, self._data)
        if type(other) is float:
            return make_node(self._data * other, MUL, self, other, const=other)
        return mul(self, other)

    def __radd__(self, other: Number) -> Value:
        if type(other) is float:
            return make_node(other + self._data, ADD_NUMBER_FIRST, self, 1.0, const=other)
        return add(other, self)

    def __rmul__(self, other: Number) -> Value:
        if type(other) is float:
            return make_node(other * self._data, MUL_NUMBER_FIRST, self, other, const=other)
        return mul(other, self)

    def relu(self) -> Value:
        x = self._data  # slope 1 above 0, 0 at or below 0 (as PyTorch); NaN: see the table
        if x > 0:
            return make_node(x, RELU, self, 1.0)
        return make_node(0.0, RELU, self, 0.0) if x <= 0 else relu(self)

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
        backward_values(self, seed)  # graph.backpropagate(self, seed), written out for speed
        return None

    def _backward(self) -> None:
        """micrograd's one-node step of the chain rule: pass this value's gradient on to its
        parents. ``backward()`` does it at every node in reverse topological order; you can
        call it by hand to do one step yourself."""
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * self.grad  # the chain rule

    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        zero_grad(self)


# How operations make Values (making.py): ``make_node(y, op, a, dy/da, b, dy/db)`` fills in
# the fields above (a plain-number operand goes in ``const=``); under ``no_grad`` it (and
# every operation) returns ``no_graph(y)``, a leaf marked as computed without a graph. ``unary_op``
# and ``binary_op`` make an operation on Values and plain numbers from a row of the table.
make_node, no_graph = making.node_makers(Value)
unary_op = making.unary_maker(Value, make_node, no_graph)
binary_op = making.binary_maker(Value, make_node, no_graph)


# ----------------------------------------------------------------------------- the op table
# Every operation in one line: its forward function on floats, then its local derivative
# d(output)/d(operand) for each operand, from the operands and the output y, then the same
# in words ({0}, {1}: the operands; {out}: the output). The rules also run on Values: that
# is how second derivatives work (higher.py).
#                 name  forward        d/da                    d/db
add = binary_op("+", operator.add, lambda a, b, y: 1.0, lambda a, b, y: 1.0,
                formula="{0} + {1}", local=("1", "1"))
sub = binary_op("-", operator.sub, lambda a, b, y: 1.0, lambda a, b, y: -1.0,
                formula="{0} - {1}", local=("1", "-1"))
mul = binary_op("*", operator.mul, lambda a, b, y: b, lambda a, b, y: a,
                formula="{0} * {1}", local=("{1}", "{0}"))
div = binary_op("/", checked.div, lambda a, b, y: 1 / b, lambda a, b, y: -y / b,
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
def _slope(x: float, below: float) -> float:
    """1 for x > 0, ``below`` for x <= 0, NaN for NaN: the slope of relu and leaky_relu."""
    return 1.0 if x > 0 else below if x <= 0 else x


def _sign(x: float) -> float:
    """1, -1 or 0 by the sign of x, NaN for NaN: the slope of abs."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


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
# For the operators' usual case, above: the ops, and their twins for ``number + value``.
ADD, MUL, RELU, USUAL = add.op, mul.op, relu.op, (Value, float)
ADD_NUMBER_FIRST, MUL_NUMBER_FIRST = cast(Op, ADD.twin), cast(Op, MUL.twin)
freeze_built_ins()
