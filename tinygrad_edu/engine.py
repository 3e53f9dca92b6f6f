"""The scalar engine: a Value, its op table, and backward.

Read it top to bottom, then graph.py. ``Value`` first: what a node holds; the op table, one
row per op (its forward function, and the local derivative of its output with respect to
each operand, beside the same in words); the operators, each applying its row; a node's
children; and backward: ``_backward`` is the chain rule at one node, ``backward`` runs it at
every node. Then ``one`` and ``two``: how an operator turns its row into a node. Then
graph.py: ``walk`` (a topological order) and ``backpropagate`` (the backward pass's loop).

Choices a reader may wonder about:

- A node keeps its local derivatives as numbers, worked out as soon as the forward pass has
  its output, as microgpt does (micrograd keeps a closure): a node never refers back to
  itself, and derivatives are data that stepping prints and drawings show.
- A node is one object: its one or two operands and their local derivatives are fields of
  its own (``_a``, ``_da``, ``_b``, ``_db``); two tuples would make three objects for
  Python's garbage collector (40% slower on microgpt's script, with it on). A node made
  from a whole list (``dot``, ``vsum``) or by hand keeps two tuples, as microgpt's do.
- A plain number in an op (the 2.0 in ``x * 2.0``) is no child and gets no gradient, so no
  local derivative (None); the node keeps it where it stood, for second derivatives and
  stepping's words, at no cost where there is none.
- ``data`` is a property: assigning checks the number and keeps the one it replaces, so a
  picture drawn after an optimizer's step shows the forward pass's numbers.
- ``Value(data, children, local_grads)`` is microgpt's constructor: it stores what it is
  given, naming the op after the function that called it (``gelu_by_hand``).

The rooms beside the engine put a Value's other habits on it, importing this file (it imports
none of them): as_number.py (printing, comparing), familiar_names.py (micrograd's and
PyTorch's names, updates in place), copying.py, autograd/gradients.py (``create_graph``) and
viz/stepping.py.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Union

from tinygrad_edu import safe_math, scopes
from tinygrad_edu.errors import as_float, by_hand, explained, real_or_none
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.graph import backpropagate, walk, zero_grad  # (importable from here too)
from tinygrad_edu.ops import Op, made_by, setting

__all__ = ["Number", "Value", "abs_", "add", "backpropagate", "cos", "div", "exp", "leaky_relu",
           "log", "mul", "neg", "pow_", "relu", "sigmoid", "sin", "sqrt", "sub", "tanh", "walk",
           "zero_grad"]

Number = Union[int, float]  # noqa: UP007 (a runtime alias, for Python 3.10)
"""A plain number: an int or a float (bools count as ints)."""
Operand = Union["Value", Number]


class Value:
    """A number that remembers how it was computed, so that derivatives can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b and dc/db = a
    (3.0, 2.0)

    A node is one object, its operands and their local derivatives fields of its own:
    every object more per node slows training down with Python's garbage collector on.
    """

    _data: float  # the number (read and assign it as .data)
    grad: Any  # d(output)/d(this value): 0.0 until backward() fills it in
    _row: Op | None  # the row of the op table that made it; None for a leaf
    _a: Any  # its first operand: a Value, or a plain number (the 2.0 in 2.0 - x)
    _da: float | None  # d(this)/d(a), the local derivative; None where a is a plain number
    _b: Any  # its second operand; None for an op of one operand
    _db: float | None  # d(this)/d(b); None where b is a plain number, or there is no b
    _list: tuple[Value, ...] | None  # made from a whole list, or by hand: its children
    _list_grads: tuple[float, ...]  # ... and d(this)/d(child) for each
    _scope: str  # the named_scope it was made in, set only on a node made inside one
    _no_graph: bool  # True on a value computed under no_grad(), set only there
    __slots__ = ("_data", "grad", "_row", "_a", "_da", "_b", "_db", "_list",  # noqa: RUF023
                 "_list_grads", "_scope", "_no_graph", "__dict__")
    # __dict__: attributes of your own, such as a label for drawings (v.label = "x")
    label: str = ""
    EMPTY_GRAD: ClassVar[float] = 0.0  # what grad holds before any gradient arrives

    def __init__(self, data: Number, children: Sequence[Value] = (),
                 local_grads: Sequence[float] = (), label: str = "", **micrograd: Any) -> None:
        """A leaf, ``Value(2.0, label="x")``, or a node made as microgpt makes one, from its
        children and the local derivative towards each: ``Value(x, (a, b), (b.data, 1.0))``."""
        self._data = data if type(data) is float else as_float(data, "Value")
        self.grad = 0.0
        self._row = None
        self._da = self._db = self._list = None  # (_backward() has nothing to pass on)
        if children or local_grads or micrograd or type(label) is not str:
            children, local_grads, label = by_hand(Value, children, local_grads, label, micrograd)
            if children and not is_grad_enabled():
                self._no_graph = True
            elif children:
                self._row = made_by(len(children))  # named after the function that called
                self._a = self._b = None
                self._list, self._list_grads = children, local_grads
                if scopes.opened:
                    self._scope = scopes.current()
        if label:  # (Value(2.0, "x") too)
            self.label = label

    @property
    def data(self) -> float:
        """The number this Value holds (assign a real number, or a Value for its number)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        number = value if type(value) is float else (
            value._data if isinstance(value, Value) else as_float(value, "Value.data"))
        if number != self._data:  # for pictures drawn after a step (viz/stepping.py)
            self._data_before = self._data
        self._data = number

    # ------------------------------------------------------------------------- the op table
    # One row per op: its name, its forward function on numbers, then for each operand the
    # local derivative d(output)/d(operand), a function of the operands and the output y (a
    # number where it is constant: nothing to call), then the same in words ({0}, {1}: the
    # operands; {out}: the output). MASKED: nothing passes back, whatever arrives (relu's
    # below 0, as PyTorch's). The rules run on Values too: second derivatives (autograd/higher.py).
    ADD = Op("+", operator.add, (1.0, 1.0), formula="{0} + {1}", local=("1", "1"))
    SUB = Op("-", operator.sub, (1.0, -1.0), formula="{0} - {1}", local=("1", "-1"))
    MUL = Op("*", operator.mul, (lambda a, b, y: b, lambda a, b, y: a),
             formula="{0} * {1}", local=("{1}", "{0}"))
    DIV = Op("/", safe_math.div, (lambda a, b, y: 1 / b, lambda a, b, y: -y / b),
             formula="{0} / {1}", local=("1/{1}", "-{out}/{1}"))
    POW = Op("**", safe_math.pow,
             (safe_math.d_pow_base,  # (a few lines, in safe_math.py)
              lambda a, b, y: y * Value.log(a) if a > 0 else safe_math.d_pow_edge(a)),
             formula="{0} ** {1}", local=("{1}·{0}^({1}-1)", "{out}·ln({0})"))
    NEG = Op("neg", operator.neg, (-1.0,), formula="-{0}", local=("-1",))
    EXP = Op("exp", safe_math.exp, (lambda x, y: y,), formula="exp({0})", local=("{out}",))
    LOG = Op("log", safe_math.log, (lambda x, y: 1 / x,), formula="log({0})", local=("1/{0}",))
    SQRT = Op("sqrt", safe_math.sqrt, (lambda x, y: 0.5 / y if y != 0 else math.inf,),
              formula="sqrt({0})", local=("1/(2·{out})",))
    TANH = Op("tanh", math.tanh, (lambda x, y: 1 - y * y,), formula="tanh({0})",
              local=("1 - {out}²",))
    SIGMOID = Op("sigmoid", safe_math.sigmoid, (lambda x, y: y * (1 - y),),
                 formula="sigmoid({0})", local=("{out}·(1 - {out})",))
    SIN = Op("sin", math.sin, (lambda x, y: Value.cos(x),), formula="sin({0})", local=("cos({0})",))
    COS = Op("cos", math.cos, (lambda x, y: -Value.sin(x),), formula="cos({0})",
             local=("-sin({0})",))
    RELU = Op("relu", lambda x: 0.0 if x <= 0 else x,
              (lambda x, y: safe_math.step(x, safe_math.MASKED),), formula="relu({0})",
              local=("1 if {0} > 0 else 0",))
    ABS = Op("abs", abs, (lambda x, y: safe_math.sign(x),), formula="abs({0})",
             local=("sign({0})",))
    LEAKY_RELU = Op("leaky_relu", lambda x, alpha: alpha * x if x <= 0 else x,
                    (lambda x, alpha, y: safe_math.step(x, alpha), None),  # alpha: a setting
                    default=0.01, formula="leaky_relu({0}, {1})", local=("1 if {0} > 0 else α",))

    # Each operator applies its row of the table above (a plain number on the left, 2.0 - x,
    # is the left operand).
    def __add__(self, other: Value | Number) -> Value: return two(ADD, self, other)
    def __radd__(self, other: Number) -> Value: return two(ADD, other, self)
    def __sub__(self, other: Value | Number) -> Value: return two(SUB, self, other)
    def __rsub__(self, other: Number) -> Value: return two(SUB, other, self)
    def __mul__(self, other: Value | Number) -> Value: return two(MUL, self, other)
    def __rmul__(self, other: Number) -> Value: return two(MUL, other, self)
    def __truediv__(self, other: Value | Number) -> Value: return two(DIV, self, other)
    def __rtruediv__(self, other: Number) -> Value: return two(DIV, other, self)
    def __pow__(self, other: Value | Number) -> Value: return two(POW, self, other)
    def __rpow__(self, other: Number) -> Value: return two(POW, other, self)
    def __neg__(self) -> Value: return one(NEG, self)
    def __pos__(self) -> Value: return self
    def exp(self) -> Value: return one(EXP, self)
    def log(self) -> Value: return one(LOG, self)
    def sqrt(self) -> Value: return one(SQRT, self)
    def tanh(self) -> Value: return one(TANH, self)
    def sigmoid(self) -> Value: return one(SIGMOID, self)
    def sin(self) -> Value: return one(SIN, self)
    def cos(self) -> Value: return one(COS, self)
    def relu(self) -> Value: return one(RELU, self)
    def abs(self) -> Value: return one(ABS, self)
    def __abs__(self) -> Value: return one(ABS, self)

    def leaky_relu(self, alpha: float = 0.01) -> Value: return two(LEAKY_RELU, self, alpha)

    # ------------------------------------------------------------------------- its children
    # microgpt's words: the values it was made from, in operand order (x * x lists x twice),
    # and d(this)/d(child) for each (also parents, local_grads). _operands: all it was given.
    @property
    def _children(self) -> tuple[Value, ...]:
        if self._row is None:
            return ()
        if self._list is not None:
            return self._list
        if self._db is None:
            return () if self._da is None else (self._a,)
        return (self._b,) if self._da is None else (self._a, self._b)

    @property
    def _local_grads(self) -> tuple[float, ...]:
        if self._row is None:
            return ()
        if self._list is not None:
            return self._list_grads
        return tuple([d for d in (self._da, self._db) if d is not None])

    parents, local_grads = _children, _local_grads

    @property
    def _operands(self) -> tuple[Any, ...]:
        if self._row is None:
            return ()
        if self._list is None:
            return (self._a,) if self._b is None else (self._a, self._b)
        if self._a is None:  # (no plain number among them, or made by hand)
            return self._list
        return self._a if self._b is None else (*self._a, *self._b)  # dot's lists, as given

    # ------------------------------------------------------------------------- backward
    def backward(self, grad: float = 1.0, create_graph: bool = False,
                 inputs: Sequence[Value] | None = None) -> None:
        """Fill ``.grad`` of every value this one depends on with d(self)/d(value) × ``grad``:
        a leaf *adds* this pass's gradient to its own, as in PyTorch (``zero_grad()`` between
        steps), an inner node holds the latest pass's. ``create_graph``, ``inputs``: autograd/."""
        if create_graph or inputs is not None or getattr(self, "_no_graph", False):
            return self._backward_more(grad, create_graph, inputs)  # (autograd/gradients.py)
        seed = grad if type(grad) is float else as_float(grad, "backward(grad)")
        for _node in backpropagate(self, seed):  # _backward() at every node, the last first
            pass
        return None

    def _backward(self) -> None:
        """The chain rule at this node: pass its gradient on to each child, ``child.grad +=
        local derivative × self.grad`` (micrograd's name: call it by hand for one step)."""
        g = self.grad
        if self._da is not None:
            self._a.grad += self._da * g
        if self._db is not None:
            self._b.grad += self._db * g
        if self._list is not None:
            for child, local in zip(self._list, self._list_grads):
                child.grad += local * g

    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        zero_grad(self)

    def _add_grad(self, g: Any) -> None:
        self.grad += g  # (backpropagate seeds the root with it)

    if TYPE_CHECKING:  # put on Value by the rooms beside the engine (the docstring's list)
        op: str
        requires_grad: bool
        def _backward_more(self, grad: Any, create_graph: bool, inputs: Any) -> None: ...
        def backward_steps(self, grad: float | None = None) -> Iterator[Any]: ...
        def item(self) -> float: ...
        def detach(self) -> Value: ...
        def __float__(self) -> float: ...
        def __lt__(self, other: Any) -> bool: ...
        def __le__(self, other: Any) -> bool: ...
        def __gt__(self, other: Any) -> bool: ...
        def __ge__(self, other: Any) -> bool: ...


# ----------------------------------------------------------------------------- a row to a node
_new = object.__new__  # a Value without __init__: its fields are set one by one below


def one(row: Op, x: Any) -> Value:
    """The row of an op of one operand applied to ``x``: a node with the forward value and
    the local derivative (under ``no_grad()`` the value alone: no rule runs)."""
    if not isinstance(x, Value):
        return on_numbers(row, x)  # type: ignore[return-value]  # (exp(1.0): a float)
    xd = x._data
    try:
        y = row.forward(xd)
        node = _new(Value)
        node._data = y
        node.grad = 0.0
        if not is_grad_enabled():
            return no_graph(node)
        d = row.rules[0]
        node._row = row
        node._a = x
        node._da = d if type(d) is float else d(xd, y)
    except (ArithmeticError, ValueError) as error:  # say which op, at which number
        raise explained(error, row.name, xd) from None
    node._b = node._db = node._list = None
    if scopes.opened:  # inside a named_scope
        node._scope = scopes.current()
    return node


def two(row: Op, a: Any, b: Any) -> Value:
    """The row of an op of two operands applied to ``a`` and ``b``, as ``one``: a local
    derivative towards each operand that is a Value."""
    a_is_value, b_is_value = isinstance(a, Value), isinstance(b, Value)
    if not (a_is_value or b_is_value):
        return on_numbers(row, a, b)  # type: ignore[return-value]  # (two plain numbers)
    ad = a._data if a_is_value else real_or_none(a, row.name)
    bd = b._data if b_is_value else real_or_none(b, row.name)
    if ad is None or bd is None:  # no number: Python then says "unsupported operand type"
        return NotImplemented  # type: ignore[no-any-return]
    try:
        y = row.forward(ad, bd)
        node = _new(Value)
        node._data = y
        node.grad = 0.0
        if not is_grad_enabled():
            return no_graph(node)
        d_a, d_b = row.rules
        node._row = row
        if a_is_value:
            node._a = a
            node._da = d_a if type(d_a) is float else d_a(ad, bd, y)
        else:
            node._a, node._da = ad, None
        if b_is_value:
            node._b = b
            node._db = d_b if type(d_b) is float else d_b(ad, bd, y)
        else:
            node._b, node._db = bd, None
    except (ArithmeticError, ValueError) as error:  # say which op, at which numbers
        raise explained(error, row.name, ad, bd) from None
    except TypeError:
        if b_is_value and row.rules[1] is None:  # leaky_relu's alpha given as a Value
            raise TypeError(setting(row)) from None
        raise
    node._list = None
    if scopes.opened:  # inside a named_scope
        node._scope = scopes.current()
    return node


def no_graph(node: Value) -> Value:
    """``node``, computed under ``no_grad()``: its number and no graph."""
    node._row = node._da = node._db = node._list = None
    node._no_graph = True
    return node


def on_numbers(row: Op, *operands: Any) -> float:
    """The row on plain numbers only (``tinygrad_edu.exp(1.0)``): a plain number."""
    numbers = [as_float(x, row.name) for x in operands]
    try:
        return row.forward(*numbers)  # type: ignore[no-any-return]
    except (ArithmeticError, ValueError) as error:
        raise explained(error, row.name, *numbers) from None


# The rows by their names, as the operators above read them (a global is the quickest lookup).
ADD, SUB, MUL, DIV, POW, NEG = Value.ADD, Value.SUB, Value.MUL, Value.DIV, Value.POW, Value.NEG
EXP, LOG, SQRT, TANH, SIGMOID = Value.EXP, Value.LOG, Value.SQRT, Value.TANH, Value.SIGMOID
SIN, COS, RELU, ABS, LEAKY_RELU = Value.SIN, Value.COS, Value.RELU, Value.ABS, Value.LEAKY_RELU

# The table's functions, on Values and on plain numbers: tinygrad_edu.tanh(x), add(a, b).
add, sub, mul, div = Value.__add__, Value.__sub__, Value.__mul__, Value.__truediv__
pow_, neg, exp, log, sqrt = Value.__pow__, Value.__neg__, Value.exp, Value.log, Value.sqrt
tanh, sigmoid, sin, cos = Value.tanh, Value.sigmoid, Value.sin, Value.cos
relu, abs_, leaky_relu = Value.relu, Value.abs, Value.leaky_relu
