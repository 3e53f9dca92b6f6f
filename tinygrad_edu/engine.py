"""The scalar engine: the op table, fill() (every node's fields), apply(), the Value; then
graph.py. docs/engine.md gives the lines to read first."""
from __future__ import annotations  # (skip: typing's Any and ClassVar are imported at the end)

import math
import operator

from tinygrad_edu import graph, safe_math, scopes
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.row import Op

NO_OTHER = object()  # apply's b for an op of one operand, x.exp() (not None: x + None fails)
bare = object.__new__  # bare(Value): a Value with no fields yet (not Value(): no __init__)

# The op table. Op (row.py) is a record: .name, .forward, .rules (one per operand), and more.
# A rule is d(out)/d(operand): a float where that is a constant (+'s 1.0), else a function of
# the floats: rule(a, b, out) for an op of two operands (a * b), rule(x, out) for one (exp).
ADD = Op("+", operator.add, (1.0, 1.0))
SUB = Op("-", operator.sub, (1.0, -1.0))
MUL = Op("*", operator.mul, (lambda a, b, out: b, lambda a, b, out: a))
POW = Op("**", safe_math.pow,  # d/da = b * a ** (b - 1), d/db = out * log(a); a <= 0: safe_math
         (safe_math.d_pow_base, safe_math.d_pow_exponent))
EXP = Op("exp", safe_math.exp, (lambda x, out: out,))
LOG = Op("log", safe_math.log, (lambda x, out: 1 / x,))
TANH = Op("tanh", math.tanh, (lambda x, out: 1 - out * out,))
RELU = Op("relu", safe_math.relu, (safe_math.d_relu,))  # slope 1 above 0, else 0


def fill(node: Value, data: float, row: Op | None, a: Any = None, da: Any = None, b: Any = None,
         db: Any = None, list_parents: Any = None, list_grads: Any = None) -> Value:
    """Every node's fields, all set here, for every node (a leaf: its number, grad 0.0, None)."""
    node._data, node.grad, node._row = data, 0.0, row  # its number, its gradient, its op's row
    node._a, node._da = a, da  # an operand as given, and d(node)/d(operand) if it is a Value
    node._b, node._db = b, db  # the other (None: there is none)
    node._list, node._list_grads = list_parents, list_grads  # (dot, vsum's lists: not now)
    if scopes.opened and row:  # (for drawings only: a node made inside a named_scope)
        node._scope = scopes.current()
    return node


def apply(row: Op, a: Any, b: Any = NO_OTHER) -> Value:
    """An op's node: out = a op b, with its local derivatives (here x * y; the rest: below)."""
    if type(b) is Value and type(a) is Value and is_grad_enabled():  # x * y, gradients on
        a_data, b_data = a._data, b._data
        out = row.forward(a_data, b_data)
        da, db = row.rules  # each a float (+'s 1.0: nothing to call) or a function to call
        da = da if type(da) is float else da(a_data, b_data, out)
        db = db if type(db) is float else db(a_data, b_data, out)
        return fill(bare(Value), out, row, a, da, b, db)
    return apply_rest(row, a, b)  # (skip to the class: x * 2.0, x.exp(), 2.0 - x, no_grad())


def apply_rest(row: Op, a: Any, b: Any) -> Value:
    """apply's other cases: x * 2.0 (2.0 kept in _b, _db None) and x.exp() (_b None), a node
    of one parent; 2.0 - x, an int, x + None, a subclass's Value, no_grad(): with_numbers."""
    if type(a) is not Value or not (type(b) is float or b is NO_OTHER) or not is_grad_enabled():
        return with_numbers(row, a, b)
    a_data, da = a._data, row.rules[0]
    if b is NO_OTHER:  # x.exp()
        out = row.forward(a_data)
        return fill(bare(Value), out, row, a, da if type(da) is float else da(a_data, out))
    out = row.forward(a_data, b)  # x * 2.0
    return fill(bare(Value), out, row, a, da if type(da) is float else da(a_data, b, out), b)


class Value:
    """A number that remembers how it was computed, so that derivatives can flow back to it.
    Value(2.0) is a leaf, an input or a parameter: its __init__ (below the line) calls
    fill(self, 2.0, None). A node an op makes is made by apply, above."""
    def __add__(self, other: Value | float) -> Value: return apply(ADD, self, other)
    def __sub__(self, other: Value | float) -> Value: return apply(SUB, self, other)
    def __mul__(self, other: Value | float) -> Value: return apply(MUL, self, other)
    def __pow__(self, other: Value | float) -> Value: return apply(POW, self, other)
    def exp(self) -> Value: return apply(EXP, self)
    def log(self) -> Value: return apply(LOG, self)
    def tanh(self) -> Value: return apply(TANH, self)
    def relu(self) -> Value: return apply(RELU, self)
    def _backward(self) -> None:
        """The chain rule at this node: parent.grad += local derivative × self.grad. For
        c = a * b at a = 2, b = 3, with c.grad = 10: a.grad += 3 × 10, b.grad += 2 × 10."""
        g = self.grad
        if self._da is not None:  # (None: _a is a plain number, as 2.0 in 2.0 - x)
            self._a.grad += self._da * g
        if self._db is not None:  # (None: _b is a number, as in x * 2.0, or there is none)
            self._b.grad += self._db * g
        if self._list is not None:  # a node of dot or vsum: its parents in a list
            backward_lists(self, g)
    # (a first reading stops here: skip the rest; f.backward() calls graph.backpropagate(f, 1.0))
    def __init__(self, data: float, *more: Any, label: str = "", **named: Any) -> None:
        if more or named or type(data) is not float or type(label) is not str:
            return made_by_hand(self, data, more, label, named)  # Value(5), microgpt's form
        fill(self, data, None)  # a leaf: an input, a parameter; no row, no operands
        if label:
            self.label = label  # (its name in drawings, kept in its __dict__)
    def backward(self, grad: float = 1.0, create_graph: bool = False, inputs: Any = None) -> None:
        """d(self)/d(v) × grad into the .grad of each v it depends on (a leaf's adds up)."""
        if create_graph or inputs is not None or self._row is None or type(grad) is not float:
            return backward_more(self, grad, create_graph, inputs)  # a leaf's; the options
        graph.backpropagate(self, grad)  # _backward() at every inner node, walk's list reversed
    EMPTY_GRAD: ClassVar[float] = 0.0  # graph.py's: an inner node's grad as a backward pass begins
    def _add_grad(self, g: float) -> None: self.grad += g  # graph.py's: root.grad += seed
    data = property(operator.attrgetter("_data"), doc="its number (set: below the line)")
    @property
    def parents(self) -> tuple[Value, ...]:
        """Its operands whose local derivative is not None (microgpt's _children), for walk."""
        if self._da is not None:  # x * y: (x, y); x * 2.0, exp(x): (x,)
            return (self._a,) if self._db is None else (self._a, self._b)
        if self._db is not None:  # 2.0 - x: (x,)
            return (self._b,)
        return () if self._list is None else self._list  # a leaf: ()
    # ==== Below the line: 2.0 - x, an int, no_grad(), the other ops, each once ================
    # Its fields, as fill sets them (__dict__: a label, a scope), with their types.
    __slots__ = ("_data", "grad", "_row", "_a", "_da", "_b", "_db", "_list", "_list_grads",
                 "__dict__")
    _data: float
    grad: Any
    _row: Op | None
    _a: Any
    _da: Any
    _b: Any
    _db: Any
    _list: tuple[Value, ...] | None  # parents: Value(data, children, local_grads), dot, vsum
    _list_grads: Any  # (a tuple where _list is one, else None)
    _scope: str  # (in its __dict__, where it was made inside a named_scope)
    _data_before: float  # (in its __dict__, once its number is set: the one it replaced)
    _is_gradient: bool  # (in its __dict__: a gradient grown as a graph, by autograd)

    # The other operators, each applying its row (the rows follow the class).
    def __radd__(self, other: float) -> Value: return apply(ADD, other, self)
    def __rsub__(self, other: float) -> Value: return apply(SUB, other, self)
    def __rmul__(self, other: float) -> Value: return apply(MUL, other, self)
    def __truediv__(self, other: Value | float) -> Value: return apply(DIV, self, other)
    def __rtruediv__(self, other: float) -> Value: return apply(DIV, other, self)
    def __rpow__(self, other: float) -> Value: return apply(POW, other, self)
    def __neg__(self) -> Value: return apply(NEG, self)
    def __pos__(self) -> Value: return self
    def sqrt(self) -> Value: return apply(SQRT, self)
    def sigmoid(self) -> Value: return apply(SIGMOID, self)
    def sin(self) -> Value: return apply(SIN, self)
    def cos(self) -> Value: return apply(COS, self)
    def abs(self) -> Value: return apply(ABS, self)
    def __abs__(self) -> Value: return apply(ABS, self)
    def leaky_relu(self, alpha: float = 0.01) -> Value:
        if isinstance(alpha, Value):  # a setting, not an input: no gradient
            raise TypeError(ops.setting(LEAKY_RELU))
        return apply(LEAKY_RELU, self, alpha)

    @data.setter  # type: ignore[no-redef]
    def data(self, value: object) -> None:
        """``v.data = ...``: a real number (or a Value, for its number: micrograd's ``p.data -=
        lr * p.grad`` with a gradient that is a Value); anything else is a TypeError, rather
        than a number that is no number. A Value whose number is set keeps the one it replaces
        (``_data_before``, in its __dict__), so that a picture drawn after an optimizer's step
        shows the numbers of the forward pass it drew."""
        number = value if type(value) is float else (
            value._data if isinstance(value, Value) else as_float(value, "Value.data"))
        if number != self._data:
            self._data_before = self._data
        self._data = number

    # ----------------------------------------------------------------------- what it holds
    label: str = ""  # a name for drawings and messages (v.label = "x"), kept in its __dict__
    _no_graph: bool = False  # True in the __dict__ of a node made under no_grad()

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this)/d(parent) for each of its ``parents`` (microgpt's ``_local_grads``)."""
        if self._row is None:
            return ()
        if self._list is not None:
            return self._list_grads  # type: ignore[no-any-return]
        return tuple([d for d in (self._da, self._db) if d is not None])

    _children, _local_grads = parents, local_grads  # microgpt's names

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of values this one was made from."""
        return set(self.parents)

    @property
    def _operands(self) -> tuple[object, ...]:
        """Everything it was computed from, as given: its parents and the plain numbers
        beside them (the 2.0 of ``2.0 - x``); an op on lists, its lists one after the other."""
        if self._row is None:
            return ()
        if self._list is not None:  # an op on lists: the items of its lists, as given
            return (*self._a, *(self._b or ()))
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def op(self) -> str:
        """The op that made it: ``'*'``, ``'tanh'``, ... or ``''`` for a leaf (PyTorch's
        ``grad_fn`` names it; micrograd's ``_op``)."""
        return "" if self._row is None else self._row.name

    _op = op

    @property
    def requires_grad(self) -> bool:
        """False for a value computed under ``no_grad`` (it has no graph), as in PyTorch;
        True for inputs, parameters and everything computed from them."""
        return not self._no_graph

    def detach(self) -> Value:
        """A new leaf with the same number and no history."""
        return type(self)(self._data, label=self.label)

    def item(self) -> float:
        """The plain float, as in PyTorch."""
        return self._data

    # ----------------------------------------------------------------------- the backward pass
    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        graph.zero_grad(self)

    def backward_steps(self, grad: float | None = None) -> Iterator[Any]:
        """``backward()`` one node at a time, to watch the chain rule: a generator of steps;
        ``print(step)`` shows the numbers. See ``tinygrad_edu.viz.stepping``."""
        return above("backward_steps")(self, grad)  # type: ignore[no-any-return]

    # ----------------------------------------------------------------------- copying, pickling
    # A graph is copied and pickled without recursion, however deep (copying.py).
    def __copy__(self) -> Value:
        from tinygrad_edu.copying import shallow_copy
        return shallow_copy(self)  # type: ignore[no-any-return]

    def __deepcopy__(self, memo: dict[int, object]) -> Value:
        from tinygrad_edu.copying import deep_copy
        return deep_copy(self, memo)  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[object, ...]:
        from tinygrad_edu.copying import pickled
        return pickled(self)

    # ----------------------------------------------------------------------- as a number
    # A learner brings a number's habits to a Value: f"{loss:.3f}", if loss < best:, max(values),
    # sorted(scores), float(v). Comparisons with a number, and truth, look at the number, as
    # for a float (and a one-element PyTorch tensor). Two Values are equal only if they are the
    # same node, as in micrograd and microgpt, whose programs look nodes up in lists and sets,
    # and a Value hashes as the node it is; ordering (<, max, sorted) looks at the numbers.
    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self._row.name!r}" if self._row is not None else ""
        return f"{type(self).__name__}(data={self._data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        """``float(v)``: the number (refused inside a rule run on Values: ``floats_refused``)."""
        why = why_floats_refused()
        if why:
            raise TypeError(why)
        return self._data

    def __format__(self, spec: str) -> str:
        return format(self._data, spec)  # f"{loss:.3f}" formats the number

    def __bool__(self) -> bool:
        return self._data != 0.0

    def __eq__(self, other: object) -> bool: return equal(self, self._data, other)
    def __ne__(self, other: object) -> bool: return unequal(self, self._data, other)

    __hash__ = object.__hash__  # (a class that defines __eq__ must say so)

    def __lt__(self, other: object) -> bool: return compared(operator.lt, self._data, other)
    def __le__(self, other: object) -> bool: return compared(operator.le, self._data, other)
    def __gt__(self, other: object) -> bool: return compared(operator.gt, self._data, other)
    def __ge__(self, other: object) -> bool: return compared(operator.ge, self._data, other)

    # ----------------------------------------------------------------------- updates in place
    # Inside no_grad(), p -= lr * p.grad changes p itself, as in PyTorch (an update step);
    # outside, c += c + 1 makes a new node, as in micrograd; on a leaf outside no_grad() with a
    # plain number, where `for p in params: p -= lr * p.grad` would update nothing, an error.
    def __iadd__(self, other: Value | float) -> Value: return _in_place("+=", self, other)
    def __isub__(self, other: Value | float) -> Value: return _in_place("-=", self, other)
    def __imul__(self, other: Value | float) -> Value: return _in_place("*=", self, other)
    def __itruediv__(self, other: Value | float) -> Value: return _in_place("/=", self, other)


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, ClassVar

# What the guard rails below use (the first screen needs none of it).
from tinygrad_edu import ops
from tinygrad_edu.above import above
from tinygrad_edu.errors import as_float, by_hand, explained, real_or_none
from tinygrad_edu.grad_mode import why_floats_refused
from tinygrad_edu.row import made_by

# ============================================================================================
# The rest of the op table. Each row's words (formula, local) are what stepping, drawing and
# help() print: {0}, {1} the operands, {out} the output. Where a rule on floats cannot run on
# Values (it calls math, or steps), graph_rules gives its twin written with the engine's ops,
# for second derivatives (autograd/higher.py). MASKED: nothing passes back, whatever arrives.
DIV = Op("/", safe_math.div, (lambda a, b, out: 1 / b, lambda a, b, out: -out / b))
NEG = Op("neg", operator.neg, (-1.0,))
SQRT = Op("sqrt", safe_math.sqrt, (lambda x, out: 0.5 / out if out != 0 else math.inf,))
SIGMOID = Op("sigmoid", safe_math.sigmoid, (lambda x, out: out * (1 - out),))
SIN = Op("sin", safe_math.sin, (lambda x, out: math.cos(x),))
COS = Op("cos", safe_math.cos, (lambda x, out: -math.sin(x),))
ABS = Op("abs", abs, (lambda x, out: safe_math.sign(x),))
LEAKY_RELU = Op("leaky_relu", safe_math.leaky_relu, (safe_math.d_leaky_relu, None),
                default=0.01)  # alpha: a setting, a plain number with no gradient
# The slopes of relu, leaky_relu and abs as ops of their own, for their graph_rules: steps, so
# their own derivative is 0 (MASKED, as PyTorch's zeros), but a graph that still leads to x.
STEP = Op("step", safe_math.step, (lambda x, below, out: safe_math.MASKED, None))
SIGN = Op("sign", safe_math.sign, (lambda x, out: safe_math.MASKED,))
SIN.graph_rules = (lambda x, out: apply(COS, x),)
COS.graph_rules = (lambda x, out: -apply(SIN, x),)
RELU.graph_rules = (lambda x, out: apply(STEP, x, 0.0),)
ABS.graph_rules = (lambda x, out: apply(SIGN, x),)
LEAKY_RELU.graph_rules = (lambda x, alpha, out: apply(STEP, x, alpha), None)
POW.graph_rules = (safe_math.d_pow_base, lambda a, b, out: out * apply(LOG, a) if a > 0 else
                   safe_math.d_pow_edge(a))

WORDS = {  # row: (formula, the local derivative towards each operand)
    ADD: ("{0} + {1}", ("1", "1")), MUL: ("{0} * {1}", ("{1}", "{0}")),
    POW: ("{0} ** {1}", ("{1}·{0}^({1}-1)", "{out}·ln({0})")),
    EXP: ("exp({0})", ("{out}",)), LOG: ("log({0})", ("1/{0}",)),
    TANH: ("tanh({0})", ("1 - {out}²",)), RELU: ("relu({0})", ("1 if {0} > 0 else 0",)),
    SUB: ("{0} - {1}", ("1", "-1")), DIV: ("{0} / {1}", ("1/{1}", "-{out}/{1}")),
    NEG: ("-{0}", ("-1",)), SQRT: ("sqrt({0})", ("1/(2·{out})",)),
    SIGMOID: ("sigmoid({0})", ("{out}·(1 - {out})",)), SIN: ("sin({0})", ("cos({0})",)),
    COS: ("cos({0})", ("-sin({0})",)), ABS: ("abs({0})", ("sign({0})",)),
    LEAKY_RELU: ("leaky_relu({0}, {1})", ("1 if {0} > 0 else α",)),
    STEP: ("step({0}, {1})", ("0",)), SIGN: ("sign({0})", ("0",)),
}
for row_, (formula_, words_) in WORDS.items():
    row_.formula, row_.local = formula_, words_


# ------------------------------------------------- by hand, under no_grad(), backward's options


def backward_more(root: Value, grad: object, create_graph: bool, inputs: object) -> None:
    """``backward()`` with ``create_graph`` or ``inputs`` (as PyTorch's), or with a seed that is
    no float, or from a leaf (one computed under ``no_grad()`` is refused, saying why):
    ``autograd/gradients.py``, reached by name (``above.py``)."""
    above("backward_into")(root, grad, create_graph, inputs, "backward(grad)")


def backward_lists(node: Value, g: float) -> None:
    """``_backward`` of a node made from lists (microgpt's ``Value(data, children,
    local_grads)``, ``dot``, ``vsum``): each parent.grad += local derivative × g."""
    for parent, local in zip(node._list, node._list_grads):  # type: ignore[arg-type]
        parent.grad += local * g


def made_by_hand(node: Value, data: object, more: tuple[object, ...], label: object,
                 named: dict[str, object]) -> None:
    """``Value(data, children=(), local_grads=(), label="")``: microgpt's way of making a node,
    ``Value(data, children, local_grads)``, checked (``errors.by_hand``), its op named after
    the function that called ``Value(...)``; under ``no_grad()`` the number alone. Also a leaf
    with a label, ``Value(2.0, "x")`` (``Value(2.0, label="x")`` is ``__init__``'s own), or of
    a number that is no float (``Value(2)``: made one)."""
    if len(more) > 3:
        raise TypeError(f"Value() takes from 1 to 4 positional arguments (data, children, "
                        f"local_grads, label) but {1 + len(more)} were given")
    given = {"label": label} if type(label) is not str or label else {}  # (given by name)
    if len(more) == 3 and given:
        raise TypeError("Value() got multiple values for argument 'label'")
    children, local_grads, label, other = as_given(*more, **given, **named)  # type: ignore[misc]
    number = data if type(data) is float else as_float(data, "Value")
    parents: tuple[Value, ...] = ()
    if children or local_grads or other or type(label) is not str:  # (else: a label alone)
        parents, grads, label = by_hand(Value, children, local_grads, label, other)
    if not parents:
        fill(node, number, None)
    elif not is_grad_enabled():
        no_graph(node, number)
    else:
        fill(node, number, made_by(len(parents), 3), parents, None, None, None, parents, grads)
    if label:
        node.label = label


def as_given(children: object = (), local_grads: object = (), label: object = "",
             **other: object) -> tuple[object, object, object, dict[str, object]]:
    """``Value(...)``'s arguments after ``data``, each by its name."""
    return children, local_grads, label, other


def no_graph(node: Value, data: float) -> Value:
    """A node made under ``no_grad()``: its number alone, a leaf with no graph to pass
    gradients back to (``requires_grad`` False; ``backward()`` from it is refused, saying
    why). fill() sets its fields; the mark is in its __dict__, so that the commonest node,
    made with grad mode on, is one store quicker."""
    fill(node, data, None)
    node._no_graph = True
    return node


# ----------------------------------------------------------------------------- plain numbers


def with_numbers(row: Op, self: object, other: object) -> Value:
    """``apply`` where an operand is a plain number on the left or an int (or a Value of a
    subclass), and every op under ``no_grad()``: the number is kept (for second derivatives
    and stepping's words) with no local derivative, where it stands: ``2.0 - x`` keeps 2.0 in
    ``_a`` (``_da`` None) and x in ``_b``, with its local derivative. Two plain numbers give a
    plain number (``tinygrad_edu.exp(1.0)``); what is no number gives NotImplemented, so that
    Python says "unsupported operand type"."""
    kind = type(other)
    if type(self) is Value and (kind is Value or kind is float or other is NO_OTHER) and \
            not is_grad_enabled():  # apply's own cases in no_grad(), first: the number alone
        b = other._data if kind is Value else other  # type: ignore[attr-defined]
        y = row.forward(self._data) if other is NO_OTHER else row.forward(self._data, b)
        # no_graph(node, y) written out: a loop of ops under no_grad() 5% quicker
        node = fill(bare(Value), y, None)
        node._no_graph = True
        return node
    self_is, other_is = isinstance(self, Value), isinstance(other, Value)
    if not (self_is or other_is):
        return on_numbers(row, self, other)  # type: ignore[return-value]
    a = self._data if self_is else real_or_none(self, row.name)  # type: ignore[attr-defined]
    b = None if other is NO_OTHER else other._data if other_is else real_or_none(other, row.name)  # type: ignore[attr-defined]
    if a is None or (other is not NO_OTHER and b is None):
        return NotImplemented  # type: ignore[no-any-return]
    y = row.forward(a) if other is NO_OTHER else row.forward(a, b)
    if not is_grad_enabled():
        return no_graph(bare(Value), y)
    da = db = None
    if self_is:
        rule = row.rules[0]
        da = rule if type(rule) is float else rule(a, y) if other is NO_OTHER else rule(a, b, y)
    if other_is:
        rule = row.rules[1]
        if rule is None:  # a setting (leaky_relu's alpha) given as a Value
            raise TypeError(ops.setting(row))
        db = rule if type(rule) is float else rule(a, b, y)
    if not self_is:  # 2.0 - x: 2.0 in _a, with no local derivative; x in _b, with one
        return fill(bare(Value), y, row, a, None, other, db)
    return fill(bare(Value), y, row, self, da,
                None if other is NO_OTHER else other if other_is else b, db)


def on_numbers(row: Op, *operands: object) -> float:
    """The row on plain numbers only (``tinygrad_edu.exp(1.0)``): a plain number."""
    numbers = [as_float(x, row.name) for x in operands if x is not NO_OTHER]
    try:
        return row.forward(*numbers)  # type: ignore[no-any-return]
    except (ArithmeticError, ValueError) as error:
        raise explained(error, row.name, *numbers) from None


# ----------------------------------------------------------------------------- as a number


def equal(mine: object, number: float, other: object, alike: type | tuple[type, ...] = ()) -> bool:
    """``mine == other``, where ``number`` is mine's number: for a Value, and for a compiled
    function's Result (program/answers.py: ``alike``, its class). The same one where other
    is a Value (or ``alike``), else the numbers; NotImplemented where other is no real
    number, so that Python asks other."""
    if isinstance(other, Value) or isinstance(other, alike):
        return mine is other  # the same node
    theirs = real_or_none(other)
    return NotImplemented if theirs is None else number == theirs


def unequal(mine: object, number: float, other: object,
            alike: type | tuple[type, ...] = ()) -> bool:
    """``mine != other``: not ``equal`` (NotImplemented as it is)."""
    same = equal(mine, number, other, alike)
    return same if same is NotImplemented else not same


def compared(compare: Callable[[float, float], object], number: float, other: object,
             alike: type | tuple[type, ...] = ()) -> bool:
    """``mine < other`` and the like (``compare``: ``operator.lt``...) of the numbers, where
    ``number`` is mine's: other's a Value's ``_data``, an ``alike``'s ``.data`` (a Result's,
    program/answers.py), or a real number; NotImplemented for anything else."""
    theirs = other._data if isinstance(other, Value) else \
        other.data if isinstance(other, alike) else real_or_none(other)  # type: ignore[attr-defined]
    return NotImplemented if theirs is None else bool(compare(number, theirs))


_IN_PLACE = {"+=": (operator.add, operator.add), "-=": (operator.sub, operator.sub),
             "*=": (operator.mul, operator.mul), "/=": (safe_math.div, operator.truediv)}


def _in_place(symbol: str, v: Value, other: object) -> Value:
    """``v += other`` and the like (see the class). A leaf's ``.grad`` that
    ``backward(create_graph=True)`` left as a Value gets a new Value, ``grad + share``, from
    a later backward pass, as in PyTorch (never an error)."""
    combine, op = _IN_PLACE[symbol]
    if getattr(v, "_is_gradient", False):  # (set by autograd/gradients.py)
        grown: Value = op(v, other)
        grown._is_gradient = True
        return grown
    if not is_grad_enabled():
        if v._row is not None:
            raise RuntimeError(
                f"{symbol} inside no_grad() on a value computed from others would change a "
                f"number its graph was built from; compute a new value instead (v = v "
                f"{symbol[0]} ...)")
        v.data = combine(v._data, other._data if isinstance(other, Value) else as_float(
            other, f"Value {symbol}"))
        return v
    if v._row is None and not isinstance(other, Value):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Value (an input or a parameter) outside no_grad() would "
            "make a new Value and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing. Write `with "
            "no_grad(): p -= lr * p.grad` (PyTorch's way) or `p.data -= lr * p.grad` "
            "(micrograd's)")
    made: Value = op(v, other)
    return made


# ----------------------------------------------------------------------------- its functions
Number = int | float
"""A plain number: an int or a float (bools count as ints)."""

# The table's functions, on Values and on plain numbers: tinygrad_edu.tanh(x), exp(1.0).
add, sub, mul, div = Value.__add__, Value.__sub__, Value.__mul__, Value.__truediv__
pow_, neg, exp, log, sqrt = Value.__pow__, Value.__neg__, Value.exp, Value.log, Value.sqrt
tanh, sigmoid, sin, cos = Value.tanh, Value.sigmoid, Value.sin, Value.cos
relu, abs_, leaky_relu = Value.relu, Value.abs, Value.leaky_relu


# The rows join the registry the tools and the tests read, each with its function (its
# docstring states the row); the slopes' ops are hidden there (findable, not in OPS).
for _row, _function in [(ADD, add), (SUB, sub), (MUL, mul), (DIV, div), (POW, pow_), (NEG, neg),
                        (EXP, exp), (LOG, log), (SQRT, sqrt), (TANH, tanh), (SIGMOID, sigmoid),
                        (SIN, sin), (COS, cos), (RELU, relu), (ABS, abs_),
                        (LEAKY_RELU, leaky_relu)]:
    ops.register(_row, _function, built_in=True)
ops.hide(STEP)
ops.hide(SIGN)

__all__ = ["Number", "Value", "abs_", "add", "apply", "cos", "div", "exp", "fill", "leaky_relu",
           "log", "mul", "neg", "pow_", "relu", "sigmoid", "sin", "sqrt", "sub", "tanh"]
