"""The scalar autograd engine. Read it top to bottom in one sitting.

1. A ``Value`` holds a number (``data``), the derivative of the final output with respect
   to it (``grad``), the values it was made from (``parents``) and the local derivatives
   d(self)/d(parent) (``local_grads``), worked out during the forward pass.
2. ``walk`` lists a graph in topological order (parents before the nodes made from them),
   without recursion, so a chain of a million nodes is fine.
3. ``Value.backward`` visits that list backwards and applies the chain rule at every edge:
   ``parent.grad += local_grad * node.grad``.
4. The operations. Each is a forward function with its local derivative written beside it.

micrograd gives every node a ``_backward`` closure. All a closure ever does is multiply the
upstream gradient by numbers that are known as soon as the forward pass has run, so we keep
those numbers instead, and ``node._backward()`` is a method that does that one step. It is
the same chain rule, but no node refers back to itself through a closure: a graph you drop
is freed at once by reference counting instead of waiting for the cyclic garbage collector,
and a node needs a third or less of micrograd's memory (see benchmarks/).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import operator
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ContextDecorator
from fractions import Fraction
from itertools import filterfalse
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from tinygrad_edu.stepping import Step

Number = Union[int, float]  # noqa: UP007 (a runtime alias, Python 3.10)

# ----------------------------------------------------------------------------- grad mode


class _GradState(threading.local):
    """Whether operations build a graph: one switch per thread, as in PyTorch, so that
    ``no_grad`` in an evaluation thread never turns it off for a training thread."""

    enabled = True  # every thread starts with graph building on

    def __init__(self) -> None:
        self.saved: list[bool] = []  # the modes to restore, innermost last


_grad = _GradState()


class _GradMode(ContextDecorator):
    enabled = True

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if func is None else mode(func)  # allow both @no_grad and @no_grad()

    def __enter__(self) -> _GradMode:
        _grad.saved.append(_grad.enabled)
        _grad.enabled = self.enabled
        return self

    def __exit__(self, *exc_info: object) -> None:
        _grad.enabled = _grad.saved.pop()

    def _recreate_cm(self) -> _GradMode:  # a fresh object per call keeps recursion safe
        return type(self)()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if not inspect.isgeneratorfunction(func):
            return super().__call__(func)
        mode = type(self)

        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            # A generator's body runs a piece at a time, in next(): the mode must hold for
            # every piece, and not leak out to the caller between them.
            gen = func(*args, **kwargs)
            try:
                with mode():
                    item = next(gen)
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        with mode():
                            gen.close()
                        raise
                    except BaseException as error:
                        with mode():
                            item = gen.throw(error)
                    else:
                        with mode():
                            item = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return generator


class no_grad(_GradMode):
    """Inside ``with no_grad():`` (or a function decorated with it, generators included)
    operations build no graph: results are plain leaves, which is faster and uses less
    memory. Use it for inference and for updating parameters. It holds for the current
    thread only; other threads keep their own setting."""

    enabled = False


class enable_grad(_GradMode):
    """Switch graph building back on inside a ``no_grad`` block."""

    enabled = True


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad``."""
    return _grad.enabled


# ----------------------------------------------------------------------------- errors


class DomainError(ValueError):
    """An operation was given a number outside the set where it is defined, e.g. log(-1)."""


def _to_float(x: object, where: str) -> float:
    """Turn a real number (int, float, bool, NumPy scalar) into a float, or explain the problem."""
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, Value):
        hint = "use v.data for its number, or v.detach() for a copy without history"
    elif isinstance(x, complex):
        hint = "the engine works with real numbers only"
    elif isinstance(x, str):
        hint = f"convert it first, e.g. float({x!r})"
    elif isinstance(x, (list, tuple)):
        hint = "make one Value per number: [Value(v) for v in ...]"
    else:
        hint = "pass an int or a float"
    raise TypeError(f"{where} needs a real number, got {type(x).__name__} {x!r}; {hint}")


def _operand(x: object) -> float | None:
    """The float for a plain-number operand, or None if ``x`` is not a real number."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    return None


def _num(x: Value | float) -> float:
    """The number inside ``x`` (used where a derivative rule must branch on a value)."""
    return x.data if isinstance(x, Value) else x


def _number_of(x: object) -> float | None:
    """The number in a Value or a real number, None for anything else."""
    return x.data if isinstance(x, Value) else _operand(x)


# ----------------------------------------------------------------------------- Value


class Value:
    """A number that remembers how it was computed, so that derivatives can flow back to it.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad          # dc/da = b and dc/db = a
    (3.0, 2.0)
    """

    __slots__ = ("data", "grad", "label", "parents", "local_grads", "_op", "_const")  # noqa: RUF023

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)
    label: str
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]

    def __init__(
        self,
        data: Number,
        label: str = "",
        _parents: tuple[Value, ...] = (),
        _local_grads: tuple[float, ...] = (),
        _op: Op | None = None,
        _const: float | None = None,
    ) -> None:
        if type(data) is not float:
            data = _to_float(data, "Value")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.parents = _parents  # the Values this one was computed from, in operand order
        self.local_grads = _local_grads  # d(self)/d(parent) for each parent
        self._op = _op  # the Op that made it (None for a leaf)
        self._const = _const  # a plain-number operand or parameter of that op, if any

    @property
    def op(self) -> str:
        """The operation that made this value: ``'*'``, ``'tanh'``, ... or ``''`` for a leaf."""
        return "" if self._op is None else self._op.name

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self._op is not None:
            text += f", op={self._op.name!r}"
        return text + ")"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)  # f"{loss:.3f}" formats the number

    def item(self) -> float:
        """The plain float, as in PyTorch."""
        return self.data

    # Comparisons and truth look at the number, as for a float (and a one-element PyTorch
    # tensor): a derivative rule such as ``0.0 if x == 0 else ...`` or ``if y:`` then gives
    # the same answer whether it runs on floats (backward) or on Values (create_graph).
    # Hashing stays "which node", so a set holds two nodes with equal numbers as two.
    def __eq__(self, other: object) -> bool:
        number = _number_of(other)
        return NotImplemented if number is None else self.data == number

    def __ne__(self, other: object) -> bool:
        number = _number_of(other)
        return NotImplemented if number is None else self.data != number

    __hash__ = object.__hash__

    def __lt__(self, other: Value | float) -> bool:
        return self.data < _num(other)

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _num(other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _num(other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _num(other)

    def __bool__(self) -> bool:
        return self.data != 0.0

    def detach(self) -> Value:
        """A new leaf with the same number and no history."""
        return Value(self.data, self.label)

    def backward(self, grad: float | Value = 1.0, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every value this one depends on with d(self)/d(value) × ``grad``.

        Gradients accumulate as in PyTorch: every leaf (an input or a parameter) *adds* this
        pass's gradient to the one it holds, so call ``zero_grad()`` between training steps.
        Inner nodes hold the gradient of the latest pass, a float.

        With ``create_graph=True`` every leaf's gradient is a ``Value`` with a graph of its
        own (a constant one too), so it can be differentiated again; inner nodes still get
        plain numbers. As in PyTorch, such a gradient refers back to its leaf (d(x²)/dx = 2x
        needs x) until you reset it with ``zero_grad()``; ``grad(...)`` gives the same Values
        without storing them anywhere.
        """
        if create_graph:
            _store_graph_grads(self, grad)
            return
        order = walk(self)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += _to_float(grad, "backward(grad)") if type(grad) is not float else grad
        for node in reversed(order):  # every node after all the nodes made from it
            node._backward()

    def backward_steps(self, grad: float = 1.0) -> Iterator[Step]:
        """``backward()`` one node at a time, to watch the chain rule: a generator of steps;
        ``print(step)`` shows the numbers. See ``tinygrad_edu.stepping``."""
        from tinygrad_edu.stepping import backward_steps  # stepping builds on this module

        return backward_steps(self, grad)

    def _backward(self) -> None:
        """micrograd's one-node step of the chain rule: pass this value's gradient on to its
        parents, ``parent.grad += local_grad * self.grad``. ``backward()`` calls it on every
        node in reverse topological order; you can call it by hand to do one step yourself."""
        upstream = self.grad
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * upstream  # the chain rule

    def zero_grad(self) -> None:
        """Set the gradient of this value and of everything it depends on to 0."""
        for node in walk(self):
            node.grad = 0.0

    # Copying and pickling a graph, without recursion however deep it is.

    def __copy__(self) -> Value:
        """A new node with the same number, gradient, operation and parents."""
        twin = Value(self.data, self.label, self.parents, self.local_grads, self._op, self._const)
        twin.grad = self.grad
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph behind this value (shared nodes stay shared)."""
        from copy import deepcopy

        copied = []
        for node in walk(self):
            if id(node) not in memo:
                memo[id(node)] = Value(node.data, node.label,
                                       tuple(memo[id(p)] for p in node.parents),
                                       node.local_grads, node._op, node._const)
                copied.append(node)
        for node in copied:  # a gradient with a graph may lead back to these nodes
            memo[id(node)].grad = deepcopy(node.grad, memo)
        return memo[id(self)]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the graph as a flat table: leaves as themselves (so a leaf pickled beside
        the graph stays the same object), inner nodes as rows pointing at earlier rows."""
        if not self.parents:  # the gradient comes after the leaf: it may lead back to it
            return (_leaf, (self.data, self.label), (None, {"grad": self.grad}))
        order = walk(self)
        row = {node: i for i, node in enumerate(order)}
        table = [
            node if not node.parents else
            (node.data, node.grad, node.label, tuple(row[p] for p in node.parents),
             node.local_grads, node._op, node._const)
            for node in order
        ]
        return (_rebuild, (table,))


# ----------------------------------------------------------------------------- the walker


def walk(*roots: Value) -> list[Value]:
    """Every value the roots depend on (the roots included), each once, in topological order:
    a value comes after all of its parents. Iterative, so graph depth is not limited by
    Python's recursion limit. Backward, stepping, drawing and zeroing all use this one walk."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Any] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node is _EMIT:  # every parent of the node below this marker is now listed
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack += (node, _EMIT)
            stack.extend(filterfalse(seen.__contains__, reversed(node.parents)))
    return order


_EMIT = object()


def _store_graph_grads(root: Value, seed: float | Value) -> None:
    """``root.backward(seed, create_graph=True)``: each leaf adds a Value (with a graph) to
    its ``grad``; inner nodes get the number only, so no node's gradient points back into
    the graph that made it (which would be a reference cycle)."""
    if not isinstance(seed, Value):
        seed = _to_float(seed, "backward(grad)")
    for node, g in _backprop([root], [seed], create_graph=True).items():
        if node.parents:
            node.grad = _num(g)
        else:
            g = g if isinstance(g, Value) else Value(g)  # a constant gradient is a Value too
            old = node.grad
            node.grad = g if type(old) is float and old == 0.0 else old + g


def _leaf(data: float, label: str) -> Value:
    """A leaf as it was pickled (its gradient is set afterwards)."""
    return Value(data, label)


def _rebuild(table: list[Any]) -> Value:
    """The graph pickled by ``Value.__reduce__``: each row becomes a node, in order."""
    nodes: list[Value] = []
    for row in table:
        if not isinstance(row, Value):
            data, grad_, label, parents, local_grads, op, const = row
            row = Value(data, label, tuple(nodes[i] for i in parents), local_grads, op, const)
            row.grad = grad_
        nodes.append(row)
    return nodes[-1]


def _backprop(
    roots: Sequence[Value], seeds: Sequence[float | Value], create_graph: bool
) -> dict[Value, Any]:
    """The chain rule from several roots at once, into a dict instead of ``.grad``.

    With ``create_graph`` the local derivatives are recomputed as Values (by the same rules
    the forward pass used on floats), so the gradients get a graph of their own."""
    grads: dict[Value, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    for node in reversed(walk(*roots)):
        upstream = grads.get(node)
        if upstream is None or not node.parents:
            continue
        locals_ = node._op.graph_local_grads(node) if create_graph else node.local_grads
        for parent, local in zip(node.parents, locals_):
            contribution = local * upstream
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
    return grads


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: float | Sequence[float] | None = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as a tuple, like ``torch.autograd.grad``; no ``.grad`` is touched.

    Plain floats by default. With ``create_graph=True`` each gradient is a Value with its own
    graph, so ``grad`` can be applied to it again: second derivatives, Hessians, Newton steps.
    """
    outputs = _values(outputs, "outputs", "an output needs a graph: compute it from Values, "
                      "outside no_grad")
    inputs = _values(inputs, "inputs", "pass the Values to differentiate with respect to")
    if grad_outputs is None:
        seeds: list[Any] = [1.0] * len(outputs)
    else:
        seeds = [grad_outputs] if not isinstance(grad_outputs, Sequence) else list(grad_outputs)
        seeds = [s if isinstance(s, Value) else _to_float(s, "grad(grad_outputs)") for s in seeds]
    if len(seeds) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(seeds)} grad_outputs")
    grads = _backprop(outputs, seeds, create_graph)
    result: list[Any] = []
    for i, x in enumerate(inputs):
        g = grads.get(x)
        if g is None and not allow_unused:
            name = f" ({x.label!r})" if x.label else ""
            raise ValueError(
                f"grad: input {i}{name} is not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        if create_graph and g is not None and not isinstance(g, Value):
            g = Value(g)  # a constant gradient: a leaf, so it can still be used as a Value
        result.append(_num(g) if g is not None and not create_graph else g)
    return tuple(result)


def _values(items: object, what: str, hint: str) -> list[Value]:
    """``grad``'s outputs or inputs as a list of Values, or a TypeError saying what is wrong."""
    if isinstance(items, Value):
        return [items]
    listed = list(items) if isinstance(items, Iterable) and not isinstance(items, str) else None
    if listed is None:
        raise TypeError(f"grad: {what} must be a Value or a list of Values, got "
                        f"{type(items).__name__} {items!r}; {hint}")
    for i, item in enumerate(listed):
        if not isinstance(item, Value):
            raise TypeError(f"grad: {what}[{i}] is {type(item).__name__} {item!r}, not a Value; "
                            f"{hint}")
    return listed


# ----------------------------------------------------------------------------- operations


class Op:
    """One operation the engine can differentiate: a forward function and its local derivatives.

    ``derivatives`` holds one rule per operand. A rule gets the operands and the output ``y``
    and returns d(output)/d(operand). The rules use plain arithmetic, so the very same rule
    runs on floats in an ordinary backward pass and on Values under ``create_graph=True``.

    ``domain`` and ``kinks`` describe where the op is smooth with derivatives of order one
    (an interval per operand) and where its derivative jumps. The property tests, the testing
    helpers and the docs all read them from the registry ``OPS``.
    """

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        derivatives: tuple[Callable[..., Any], ...],
        *,
        formula: str,
        local_text: tuple[str, ...],
        domain: tuple[tuple[float, float], ...],
        kinks: tuple[float, ...] = (),
        const_left: bool = False,
        param: float | None = None,
        doc: str = "",
    ) -> None:
        self.name = name
        self.forward = forward
        self.derivatives = derivatives
        self.formula = formula  # how to print it: "{0} * {1}", "tanh({0})"
        self.local_text = local_text  # each local derivative in words: "{1}", "1 - {out}²"
        self.domain = domain
        self.kinks = kinks
        self.const_left = const_left  # a binary op whose plain-number operand came first
        self.param = param  # the default of a one-input op's extra number (leaky_relu's alpha)
        self.doc = doc
        self.apply: Callable[..., Any] = forward  # replaced by the Value-aware function
        self.number_first: Op | None = None  # a binary op's twin for ``number <op> value``

    @property
    def arity(self) -> int | None:
        """Number of operands; None for ops that take a whole list (``dot``, ``vsum``)."""
        return len(self.derivatives) or None

    def graph_local_grads(self, node: Value) -> tuple[Any, ...]:
        """``node``'s local derivatives recomputed from its parents as Values (with a graph)."""
        parents, const = node.parents, node._const
        if len(self.derivatives) == 1:
            extra = () if const is None else (const,)
            return (self.derivatives[0](parents[0], node, *extra),)
        if len(self.derivatives) == 2:
            d_left, d_right = self.derivatives
            if len(parents) == 2:
                a, b = parents
                return (d_left(a, b, node), d_right(a, b, node))
            if self.const_left:
                return (d_right(const, parents[0], node),)
            return (d_left(parents[0], const, node),)
        return _NARY_GRAPH_RULES[self.name](node)

    def __call__(self, *operands: Any) -> Any:
        """Apply the op to Values and/or plain numbers: ``OPS["*"](a, 2.0)``, ``OPS["tanh"](x)``."""
        return self.apply(*operands)

    def __repr__(self) -> str:
        return f"<Op {self.name!r}>"

    # An op is one fixed object per name: copies of a graph share it, pickles refer to it.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        base = _HIDDEN.get(self.name)
        hidden = base is not None and self in (base, base.number_first)
        table = _HIDDEN if hidden else OPS
        if self not in (table.get(self.name), getattr(table.get(self.name), "number_first", 0)):
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: it is not registered "
                "(made with register_op=False), so it could not be found when loading")
        return (_find_op, (self.name, self.const_left, hidden))


OPS: dict[str, Op] = {}
"""Every registered operation by name: the one registry tests, helpers and docs read."""

_HIDDEN: dict[str, Op] = {}  # the engine's own helper ops that are not in OPS
_BUILT_IN: frozenset[str] = frozenset()  # set once the op table below is complete


def register(op: Op) -> Op:
    """Add ``op`` to ``OPS`` so that the property tests and helpers cover it too. Registering
    a name again replaces the earlier op (re-running a notebook cell works), except for the
    built-in ops, which ``Value``'s methods use."""
    if op.name in _BUILT_IN and OPS[op.name] is not op:
        raise ValueError(f"{op.name!r} is a built-in op that Value's methods use; give your "
                         "op another name")
    OPS[op.name] = op
    return op


def _find_op(name: str, const_left: bool = False, hidden: bool = False) -> Op:
    """The op called ``name`` (for unpickling): registered, or one of the engine's hidden
    helpers; ``const_left`` picks the twin made for ``number <op> value``."""
    op = (_HIDDEN if hidden else OPS).get(name)
    if op is None:
        raise pickle.UnpicklingError(
            f"the pickled graph uses the op {name!r}, which is not registered here; define it "
            "(unary_op or binary_op) before loading")
    return op.number_first if const_left and op.number_first is not None else op


def unary_op(
    name: str,
    forward: Callable[..., float],
    derivative: Callable[..., Any],
    *,
    formula: str | None = None,
    local: str | None = None,
    domain: tuple[float, float] = (-3.0, 3.0),
    kinks: tuple[float, ...] = (),
    param: float | None = None,
    doc: str = "",
    register_op: bool = True,
) -> Callable[..., Any]:
    """Make a one-input operation from its forward function and its local derivative.

    ``forward(x)`` computes the output from a float; ``derivative(x, y)`` returns dy/dx from
    the input ``x`` and the output ``y``. Write the derivative with arithmetic and with this
    package's functions (``exp``, ``log``, ``sigmoid``, ...), not ``math``, so that it also
    works on Values and second derivatives come for free. With ``param`` the op takes one
    extra number ``alpha`` (default ``param``), passed to both as a last argument, as in
    ``leaky_relu(x, alpha=0.01)``.

    The result accepts a Value (and returns a Value that remembers how it was made) or a
    plain number (and returns a plain number)::

        softplus = unary_op("softplus", lambda x: math.log1p(math.exp(x)),
                            lambda x, y: sigmoid(x))

    ``formula`` and ``local`` are what stepping and drawing print (default ``name({0})`` and
    ``name'({0})``; ``{out}`` is the output). ``domain`` and ``kinks`` tell the property
    checks where to test the derivative. The op joins ``OPS`` (unless ``register_op=False``),
    so the project's tests cover it; ``tinygrad_edu.testing.check_op(softplus)`` checks it
    against central differences (see docs/property-testing.md).
    """
    op = Op(
        name,
        forward,
        (derivative,),
        formula=formula or f"{name}({{0}})",
        local_text=(local or f"{name}'({{0}})",),
        domain=(domain,),
        kinks=kinks,
        param=param,
        doc=doc,
    )
    if register_op:
        register(op)

    if param is None:

        def apply(x: Value | float) -> Value | float:
            if not isinstance(x, Value):
                xd = x if type(x) is float else _to_float(x, name)
                try:
                    return forward(xd)
                except (ArithmeticError, ValueError) as error:
                    raise _explained(error, name, xd) from None
            xd = x.data
            try:
                y = forward(xd)
                if not _grad.enabled:
                    return Value(y)
                local = derivative(xd, y)
            except (ArithmeticError, ValueError) as error:
                raise _explained(error, name, xd) from None
            return Value(y, "", (x,), (local,), op)

    else:

        def apply(x: Value | float, alpha: float = param) -> Value | float:
            if type(alpha) is not float:
                alpha = _to_float(alpha, f"{name}(alpha)")
            if not isinstance(x, Value):
                xd = x if type(x) is float else _to_float(x, name)
                try:
                    return forward(xd, alpha)
                except (ArithmeticError, ValueError) as error:
                    raise _explained(error, name, xd) from None
            xd = x.data
            try:
                y = forward(xd, alpha)
                if not _grad.enabled:
                    return Value(y)
                local = derivative(xd, y, alpha)
            except (ArithmeticError, ValueError) as error:
                raise _explained(error, name, xd) from None
            return Value(y, "", (x,), (local,), op, alpha)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc or f"{name} as an operation on Values (or plain numbers)."
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply


def binary_op(
    name: str,
    forward: Callable[[float, float], float],
    d_left: Callable[..., Any],
    d_right: Callable[..., Any],
    *,
    formula: str | None = None,
    local: tuple[str, str] | None = None,
    domain: tuple[tuple[float, float], tuple[float, float]] = ((-3.0, 3.0), (-3.0, 3.0)),
    doc: str = "",
    register_op: bool = True,
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Make a two-input operation: ``forward(a, b)``, ``d_left(a, b, y)`` = dy/da and
    ``d_right(a, b, y)`` = dy/db. Returns the method for ``value <op> other`` and the one for
    ``number <op> value``. A plain-number operand is remembered but gets no gradient.
    ``formula`` and ``local`` are what stepping and drawing print (default ``name({0}, {1})``
    and ``∂name/∂{0}``, ``∂name/∂{1}``); ``OPS[name](a, b)`` applies it either way round."""
    formula = formula or f"{name}({{0}}, {{1}})"
    local = local or (f"∂{name}/∂{{0}}", f"∂{name}/∂{{1}}")
    spec = dict(formula=formula, local_text=local, domain=domain, doc=doc)
    op = Op(name, forward, (d_left, d_right), **spec)
    op_number_first = Op(name, forward, (d_left, d_right), const_left=True, **spec)
    op.number_first = op_number_first
    if register_op:
        register(op)

    def apply(a: Value, b: Value | float) -> Value:
        if isinstance(b, Value):
            ad, bd = a.data, b.data
            try:
                y = forward(ad, bd)
                if not _grad.enabled:
                    return Value(y)
                locals_ = (d_left(ad, bd, y), d_right(ad, bd, y))
            except (ArithmeticError, ValueError) as error:
                raise _explained(error, name, ad, bd) from None
            return Value(y, "", (a, b), locals_, op)
        bd = _operand(b)
        if bd is None:
            return NotImplemented  # lets Python raise "unsupported operand type(s)"
        ad = a.data
        try:
            y = forward(ad, bd)
            if not _grad.enabled:
                return Value(y)
            local = d_left(ad, bd, y)
        except (ArithmeticError, ValueError) as error:
            raise _explained(error, name, ad, bd) from None
        return Value(y, "", (a,), (local,), op, bd)

    def apply_number_first(b: Value, a: float) -> Value:  # Python ran ``a <op> b``
        ad = _operand(a)
        if ad is None:
            return NotImplemented
        bd = b.data
        try:
            y = forward(ad, bd)
            if not _grad.enabled:
                return Value(y)
            local = d_right(ad, bd, y)
        except (ArithmeticError, ValueError) as error:
            raise _explained(error, name, ad, bd) from None
        return Value(y, "", (b,), (local,), op_number_first, ad)

    def apply_any(a: Value | float, b: Value | float) -> Value:
        if isinstance(a, Value):
            return apply(a, b)
        if isinstance(b, Value):
            return apply_number_first(b, a)
        ad, bd = _to_float(a, name), _to_float(b, name)
        try:
            return forward(ad, bd)
        except (ArithmeticError, ValueError) as error:
            raise _explained(error, name, ad, bd) from None

    apply.op = apply_number_first.op = op  # type: ignore[attr-defined]
    op.apply = op_number_first.apply = apply_any
    return apply, apply_number_first


# Forward functions that check their input and explain what went wrong.


def _explained(error: Exception, name: str, *operands: float) -> Exception:
    """An error from an op's forward function or derivative that names the op and its
    operands, unless its message already starts with the op's name (the checks below)."""
    if str(error).startswith(f"{name}:"):
        return error
    at = ", ".join(map(repr, operands))
    hint = ("; an infinite or NaN input usually comes from an earlier step that overflowed"
            if not all(map(math.isfinite, operands)) else "")
    if isinstance(error, OverflowError):
        return OverflowError(f"{name}: the result or its derivative at {at} is too large for "
                             f"a float ({error}){hint}")
    if isinstance(error, ZeroDivisionError):
        return ZeroDivisionError(f"{name}: division by zero at {at} ({error}){hint}")
    return DomainError(f"{name}: not defined at {at} ({error}){hint}")


def _div(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"/: division by zero in {a!r} / {b!r}")
    return a / b


def _pow(a: float, b: float) -> float:
    try:
        y = a**b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"**: 0.0 cannot be raised to the negative power {b!r}") from None
    except OverflowError:
        raise OverflowError(f"**: {a!r} ** {b!r} is too large for a float") from None
    if isinstance(y, complex):
        raise DomainError(
            f"**: ({a!r}) ** {b!r} is not a real number; a negative base needs an integer exponent"
        )
    return y


def _d_pow_base(a: Any, b: Any, y: Any) -> Any:
    """d(a**b)/da = b·a**(b-1); at a = 0 it is 0 for b = 0 and infinite for b < 1, as in
    PyTorch."""
    if a == 0 and b < 1:
        return 0.0 if b == 0 else math.inf
    return b * a ** (b - 1)


def _d_pow_exponent(a: Any, b: Any, y: Any) -> Any:
    """d(a**b)/db = a**b·ln(a): needs a > 0 (taken as 0 at a = 0, as in PyTorch)."""
    if a < 0:
        raise DomainError(
            f"**: the base {_num(a)!r} is negative and the exponent is a Value, but "
            "d(a**b)/db = a**b·ln(a) needs a > 0; if the exponent is a constant, pass a plain "
            "number (x ** 2), not a Value"
        )
    return 0.0 if a == 0 else y * log(a)  # a NaN base gives NaN


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp: exp({x!r}) is too large for a float (inputs above about 709.78 overflow); "
            "scale the input down, or use a stable form such as log_softmax or logsumexp"
        ) from None


def _log(x: float) -> float:
    if x <= 0:
        raise DomainError(
            f"log: got {x!r}, but log is only defined for positive numbers; "
            "clamp the input (e.g. x + 1e-12) or use a stable loss such as cross_entropy"
        )
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise DomainError(f"sqrt: got {x!r}, but sqrt is only defined for numbers >= 0")
    return math.sqrt(x)


def _slope(x: float, below: float) -> float:
    """1 for x > 0, ``below`` for x <= 0 and NaN for NaN: the slope of relu and leaky_relu."""
    return 1.0 if x > 0 else below if x <= 0 else x


def _sgn(x: float) -> float:
    """1, -1 or 0 by the sign of x, NaN for NaN: the slope of abs."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


def _sigmoid(x: float) -> float:
    if x >= 0:  # never exponentiate a large positive number
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# The operations. Forward value and local derivative side by side; ``y`` is the output.
#                                 forward                derivative(s)

add, radd = binary_op("+", operator.add, lambda a, b, y: 1.0, lambda a, b, y: 1.0,
                      formula="{0} + {1}", local=("1", "1"))
sub, rsub = binary_op("-", operator.sub, lambda a, b, y: 1.0, lambda a, b, y: -1.0,
                      formula="{0} - {1}", local=("1", "-1"))
mul, rmul = binary_op("*", operator.mul, lambda a, b, y: b, lambda a, b, y: a,
                      formula="{0} * {1}", local=("{1}", "{0}"))
div, rdiv = binary_op("/", _div, lambda a, b, y: 1 / b, lambda a, b, y: -y / b,
                      formula="{0} / {1}", local=("1/{1}", "-{out}/{1}"),
                      domain=((-3.0, 3.0), (0.5, 3.0)))
pow_, rpow = binary_op("**", _pow, _d_pow_base, _d_pow_exponent,
                       formula="{0} ** {1}", local=("{1}·{0}^({1}-1)", "{out}·ln({0})"),
                       domain=((0.5, 2.5), (-2.5, 2.5)))

neg = unary_op("neg", operator.neg, lambda x, y: -1.0, formula="-{0}", local="-1")
exp = unary_op("exp", _exp, lambda x, y: y, local="{out}", domain=(-3.0, 3.0))
log = unary_op("log", _log, lambda x, y: 1 / x, local="1/{0}", domain=(0.2, 5.0))
sqrt = unary_op("sqrt", _sqrt, lambda x, y: 0.5 / y if y != 0 else math.inf,
                local="1/(2·{out})", domain=(0.2, 5.0))
tanh = unary_op("tanh", math.tanh, lambda x, y: 1 - y * y, local="1 - {out}²",
                domain=(-2.0, 2.0))
sigmoid = unary_op("sigmoid", _sigmoid, lambda x, y: y * (1 - y),
                   local="{out}·(1 - {out})", domain=(-3.0, 3.0))

# relu, leaky_relu and abs are straight lines either side of 0, so their slopes are steps:
# ops of their own, whose derivative is 0, so that a second derivative is 0 (as in PyTorch).
_step = unary_op("step", _slope, lambda x, y, below: 0.0, param=0.0, register_op=False,
                local="0", doc="1 for x > 0, alpha for x <= 0: the slope of relu/leaky_relu.")
_sign = unary_op("sign", _sgn, lambda x, y: 0.0, register_op=False, local="0",
                doc="1, -1 or 0 by the sign of x: the slope of abs.")
_HIDDEN.update(step=_step.op, sign=_sign.op)  # type: ignore[attr-defined]
relu = unary_op("relu", lambda x: 0.0 if x <= 0 else x, lambda x, y: _step(x, 0.0),
                local="1 if {0} > 0 else 0", kinks=(0.0,),
                doc="max(0, x). Its derivative is 1 for x > 0 and 0 for x <= 0 (0 at the "
                    "kink x = 0, as in PyTorch); NaN stays NaN.")
leaky_relu = unary_op("leaky_relu", lambda x, a: a * x if x <= 0 else x,
                      lambda x, y, a: _step(x, a), param=0.01,
                      local="1 if {0} > 0 else α", kinks=(0.0,),
                      doc="x for x > 0, else alpha·x. Derivative 1 for x > 0, alpha for "
                          "x <= 0 (alpha at the kink, as in PyTorch); NaN stays NaN.")
abs_ = unary_op("abs", abs, lambda x, y: _sign(x),
                local="sign({0})", kinks=(0.0,),
                doc="|x|. Derivative sign(x), taken as 0 at x = 0, as in PyTorch.")
sin = unary_op("sin", math.sin, lambda x, y: cos(x), local="cos({0})")
cos = unary_op("cos", math.cos, lambda x, y: -sin(x), local="-sin({0})")


# Operations on a whole list: one node with many parents, which keeps graphs small and
# fast. A neuron's w·x + b is one ``dot`` and one ``+`` instead of 2n separate nodes.


def _numbers_or_values(items: Iterable[Value | float], where: str) -> list[Any]:
    """Each item as it is if it is a Value, else as a float (checked)."""
    items = list(items)
    if all(type(v) is Value for v in items):
        return items
    return [v if isinstance(v, Value) else _to_float(v, where) for v in items]


def _fsum(terms: list[float]) -> float:
    """Σ terms, correctly rounded (``math.fsum``). Where fsum gives up, float arithmetic's
    answer: inf for a sum too large, NaN for inf - inf; the exact sum if only a partial sum
    overflowed."""
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):
        if not all(map(math.isfinite, terms)):
            return sum(terms)
        return _float(sum(map(Fraction, terms)))


def _float(exact: Fraction) -> float:
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


def vsum(values: Iterable[Value | float]) -> Value:
    """Σ vᵢ as a single node; the local derivative for every vᵢ is 1. Plain numbers are added
    to the result but are not parents."""
    nodes = list(values)
    parents = tuple(v for v in nodes if isinstance(v, Value))
    total = _fsum([v.data if isinstance(v, Value) else _to_float(v, "vsum") for v in nodes])
    if not _grad.enabled:
        return Value(total)
    return Value(total, "", parents, (1.0,) * len(parents), _VSUM)


def dot(ws: Sequence[Value | float], xs: Sequence[Value | float]) -> Value:
    """w·x = Σ wᵢ·xᵢ as a single node. Local derivatives: ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, which is
    the seeds' dW = Xᵀ·dZ one neuron at a time. Plain numbers are constants, as in ``a * 2``:
    they are not parents and get no gradient."""
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs; they must match")
    ws, xs = _numbers_or_values(ws, "dot"), _numbers_or_values(xs, "dot")
    if all(type(w) is Value for w in ws):
        return _dot(ws, xs)
    return _dot_general([*ws, *xs])


def _dot(ws: list[Value], xs: list[Any]) -> Value:
    """``dot`` of Values (a neuron's weights) with Values and/or floats (a layer checks its
    input once, then calls this for every neuron)."""
    n = len(ws)
    wd = [w.data for w in ws]
    xd = [x.data if type(x) is Value else x for x in xs]
    total = _dot_total(wd, xd)
    if not _grad.enabled:
        return Value(total)
    values = [x for x in xs if type(x) is Value]
    if len(values) == n:  # the usual case inside a network
        return Value(total, "", (*ws, *values), (*xd, *wd), _DOT)
    if not values:  # a first layer fed plain numbers: they are constants
        return Value(total, "", tuple(ws), tuple(xd), _DOT, (None,) * n + tuple(xd))
    return _dot_general([*ws, *xs])


def _dot_general(operands: list[Any]) -> Value:
    """``dot`` of any mix of Values and floats, given as weights then inputs. Its ``_const``
    is the list of operands with None where a Value (a parent) stands."""
    n = len(operands) // 2
    numbers = [v.data if isinstance(v, Value) else v for v in operands]
    total = _dot_total(numbers[:n], numbers[n:])
    if not _grad.enabled:
        return Value(total)
    is_value = [isinstance(v, Value) for v in operands]
    parents = tuple(v for v, yes in zip(operands, is_value) if yes)
    locals_ = tuple(numbers[i - n] for i, yes in enumerate(is_value) if yes)  # the partner
    layout = None if all(is_value) else tuple(
        None if yes else x for x, yes in zip(numbers, is_value))
    return Value(total, "", parents, locals_, _DOT, layout)


def _dot_total(wd: list[float], xd: list[float]) -> float:
    """Σ wᵢ·xᵢ correctly rounded; exact even where a product overflows but the sum does not."""
    try:
        return math.fsum(map(operator.mul, wd, xd))
    except (OverflowError, ValueError):  # a product or a partial sum overflowed
        if all(map(math.isfinite, wd + xd)):
            return _float(sum(map(operator.mul, map(Fraction, wd), map(Fraction, xd))))
        return sum(map(operator.mul, wd, xd))


def dot_operands(node: Value) -> list[Any]:
    """A ``dot`` node's operands, weights then inputs: its parents where they were Values,
    the numbers where they were constants."""
    if node._const is None:
        return list(node.parents)
    parents = iter(node.parents)
    return [next(parents) if c is None else c for c in node._const]


_VSUM = register(Op("vsum", _fsum, (), formula="sum({all})", local_text=("1",),
                    domain=((-3.0, 3.0),)))
_DOT = register(Op("dot", lambda w, x: _fsum(list(map(operator.mul, w, x))), (),
                   formula="dot({all})", local_text=("x_i", "w_i"), domain=((-3.0, 3.0),)))
_VSUM.apply, _DOT.apply = vsum, dot


def _swap_halves(items: tuple[Any, ...]) -> tuple[Any, ...]:
    half = len(items) // 2
    return items[half:] + items[:half]


def _dot_graph_rule(node: Value) -> tuple[Any, ...]:
    """d/dwᵢ = xᵢ and d/dxᵢ = wᵢ for each operand that is a parent: the partner operand."""
    operands = dot_operands(node)
    partners = _swap_halves(tuple(operands))
    return tuple(p for v, p in zip(operands, partners) if isinstance(v, Value))


_NARY_GRAPH_RULES: dict[str, Callable[[Value], tuple[Any, ...]]] = {
    "vsum": lambda node: (1.0,) * len(node.parents),
    "dot": _dot_graph_rule,
}

# The operators and methods of Value.
Value.__add__, Value.__radd__ = add, radd
Value.__sub__, Value.__rsub__ = sub, rsub
Value.__mul__, Value.__rmul__ = mul, rmul
Value.__truediv__, Value.__rtruediv__ = div, rdiv
Value.__pow__, Value.__rpow__ = pow_, rpow
Value.__neg__ = neg
Value.__abs__ = abs_
Value.__pos__ = lambda self: self
for _f in (exp, log, sqrt, tanh, sigmoid, relu, leaky_relu, sin, cos):
    setattr(Value, _f.__name__, _f)
Value.abs = abs_
_BUILT_IN = frozenset(OPS)
