"""What a Value does besides the story: the habits of a Python number, of PyTorch and of
micrograd.

``engine.Value`` inherits them from ``Habits`` so that its own file can stay with the story
(a node, its operators, the backward pass, the op table). Each is small, and each is a
habit a learner brings along and expects to work, or to fail with a clear message:

- printing and formatting (``repr``, ``f"{loss:.3f}"``), ``float(v)`` and ``v.item()``;
- comparisons and truth, by the number, as for a float;
- PyTorch's ``requires_grad`` and ``detach()``, and its update step ``p -= lr * p.grad``
  inside ``no_grad()`` (in place), where micrograd's ``c += c + 1`` builds a node;
- micrograd's names ``_prev`` (the set of parents) and ``_op`` (the op's name), and
  microgpt's ``_children`` and ``_local_grads``;
- ``copy.copy``, ``copy.deepcopy`` and ``pickle`` of whole graphs (see ``copying.py``);
- microgpt's way of making a node by hand, ``Value(data, children, local_grads)``, checked
  (``given``);
- and what ``autograd.py`` asks of a node besides its ``parents``: its share of a gradient
  (``_vjp``), seeds and constants.

It sits below the engine and knows a Value by what it has, not by its class: the type
checker reads the fields below (``Habits``), and a method that returns a new Value returns
one of the class of the value it was called on (``Self``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

from tinygrad_edu import checked, copying, grad_mode, ops, scopes
from tinygrad_edu.errors import as_float, real_or_none, refuse_arguments
from tinygrad_edu.higher import float_guard, local_grads_as_values
from tinygrad_edu.stepping import Step, backward_steps

__all__ = ["number_of"]

Self = TypeVar("Self", bound="Habits")


class Habits:
    """The habits of a number, of PyTorch and of micrograd, for ``engine.Value``."""

    __slots__ = ()
    if TYPE_CHECKING:  # what the habits read of a Value
        _data: float
        _fn: Any
        _no_graph: bool
        grad: Any
        label: str

        def __init__(self, data: Any, children: Any = ..., local_grads: Any = ...,
                     label: str = ...) -> None: ...

        @property
        def parents(self) -> tuple[Any, ...]: ...
        @property
        def local_grads(self) -> tuple[Any, ...]: ...
        @property
        def data(self) -> float: ...
        @data.setter
        def data(self, value: Any) -> None: ...

    @property
    def op(self) -> str:
        """The operation that made this value: ``'*'``, ``'tanh'``, ... or ``''`` for a leaf."""
        return "" if self._fn is None else self._fn.name

    def backward_steps(self, grad: float | None = None) -> Generator[Step, None, None]:
        """``backward()`` one node at a time, to watch the chain rule: a generator of steps;
        ``print(step)`` shows the numbers. See ``tinygrad_edu.stepping``."""
        return backward_steps(self, grad)

    def item(self) -> float:
        """The plain float, as in PyTorch."""
        return self._data

    def __float__(self) -> float:
        """``float(v)``, as for a one-element PyTorch tensor: the number. Inside a derivative
        rule under ``create_graph`` (or a function gradcheck follows) it raises instead:
        there, ``math.cos(x)`` would quietly cut the graph."""
        if float_guard.why:
            raise TypeError(float_guard.why)
        return self._data

    def __format__(self, spec: str) -> str:
        return format(self._data, spec)  # f"{loss:.3f}" formats the number

    def __repr__(self) -> str:
        extras = (f", label={self.label!r}" if self.label else "") + (
            f", op={self.op!r}" if self._fn is not None else "")
        return f"{type(self).__name__}(data={self._data!r}, grad={self.grad!r}{extras})"

    # Comparisons with a number, and truth, look at the number, as for a float (and a
    # one-element PyTorch tensor), so a derivative rule such as ``0.0 if x == 0 else ...``
    # gives the same answer on floats (backward) and on Values (create_graph). Two Values
    # are equal only if they are the same node, as in micrograd and microgpt, whose programs
    # find nodes in lists (``if v not in nodes``) and sets; hashing is "which node" too.
    # Ordering (<, >, max, sorted) looks at the numbers either way.
    def __eq__(self, other: object) -> bool:
        return self is other if isinstance(other, Habits) else _compare(operator.eq, self, other)

    def __ne__(self, other: object) -> bool:
        return self is not other if isinstance(other, Habits) else _compare(operator.ne, self,
                                                                             other)

    def __lt__(self, other: object) -> bool: return _compare(operator.lt, self, other)
    def __le__(self, other: object) -> bool: return _compare(operator.le, self, other)
    def __gt__(self, other: object) -> bool: return _compare(operator.gt, self, other)
    def __ge__(self, other: object) -> bool: return _compare(operator.ge, self, other)
    def __bool__(self) -> bool: return self._data != 0.0
    __hash__ = object.__hash__

    @property
    def requires_grad(self) -> bool:
        """False for a value computed under ``no_grad`` (it has no graph), as in PyTorch;
        True for inputs, parameters and everything computed from them."""
        return not self._no_graph

    def detach(self: Self) -> Self:
        """A new leaf with the same number and no history."""
        return type(self)(self._data, label=self.label)

    # In place: inside no_grad(), ``p -= lr * p.grad`` changes p itself, as in PyTorch (an
    # update step); outside, ``c += c + 1`` makes a new node, as in micrograd.
    def __iadd__(self: Self, other: Any) -> Self: return _in_place(self, other, "+=")
    def __isub__(self: Self, other: Any) -> Self: return _in_place(self, other, "-=")
    def __imul__(self: Self, other: Any) -> Self: return _in_place(self, other, "*=")
    def __itruediv__(self: Self, other: Any) -> Self: return _in_place(self, other, "/=")

    # micrograd's names, so that its code runs unchanged: ``_prev`` is the set of values
    # this one was made from, ``_op`` the name of the op ('' for a leaf); and microgpt's:
    # ``_children`` and ``_local_grads``, the parents and their local derivatives in order.
    @property
    def _prev(self) -> set[Any]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    @property
    def _children(self) -> tuple[Any, ...]:
        return self.parents

    @property
    def _local_grads(self) -> tuple[float, ...]:
        return self.local_grads

    # What autograd.py asks of a node besides its parents.
    def _vjp(self, upstream: Any, create_graph: bool = False) -> tuple[Any, ...]:
        """Each parent's share of ``upstream``, the gradient arriving here: local derivative
        × upstream. With ``create_graph`` the local derivatives are recomputed as Values by
        the op's rules, so the shares have a graph of their own (higher.py)."""
        local_grads = local_grads_as_values(self) if create_graph else self.local_grads
        return tuple(local * upstream for local in local_grads)

    @staticmethod
    def _seed(grad: Any, who: str = "backward_steps(grad)") -> float:
        """The gradient a backward pass starts from: 1 by default, else the number given."""
        if grad is None:
            return 1.0
        return grad._data if isinstance(grad, Habits) else as_float(grad, who)

    def _constant(self: Self, g: Any) -> Self:
        """A gradient that is a plain number, as a leaf (``create_graph`` gives Values)."""
        return type(self)(g)

    # Copying and pickling whole graphs, without recursion (copying.py).
    def __copy__(self: Self) -> Self: return copying.shallow_copy(self)  # type: ignore[no-any-return]
    def __deepcopy__(self: Self, memo: dict[int, Any]) -> Self:
        return copying.deep_copy(self, memo)  # type: ignore[no-any-return]
    def __reduce__(self) -> tuple[Any, ...]: return copying.pickled(self)


def number_of(x: Any) -> Any:
    """The number in a Value, or a plain number as it is."""
    return x._data if isinstance(x, Habits) else x


def _compare(compare: Callable[[Any, Any], Any], value: Habits, other: object) -> bool:
    number = other._data if isinstance(other, Habits) else real_or_none(other)
    return NotImplemented if number is None else bool(compare(value._data, number))


_IN_PLACE: dict[str, tuple[Callable[[float, float], float], Callable[[Any, Any], Any]]] = {
    "+=": (operator.add, operator.add), "-=": (operator.sub, operator.sub),
    "*=": (operator.mul, operator.mul), "/=": (checked.div, operator.truediv)}


def _in_place(value: Self, other: Any, symbol: str) -> Self:
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
    if value._fn is None and not isinstance(other, Habits):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Value (an input or a parameter) outside no_grad() would "
            "make a new Value and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing. Write `with "
            "no_grad(): p -= lr * p.grad` (PyTorch's way) or `p.data -= lr * p.grad` "
            "(micrograd's)")
    return op(value, other)  # type: ignore[no-any-return]


def made_by_hand(value: Any, children: Any, local_grads: Any, micrograd: dict[str, Any]
                 ) -> None:
    """``Value(data, children, local_grads)``: microgpt's way of making a node, checked
    (``given``), its op named after the function that made it; ``Value(2.0, "x")`` labels."""
    if isinstance(children, str) and not local_grads and not micrograd:
        value.label = children  # Value(2.0, "x")
        return
    op, children, local_grads = given(children, local_grads, value.label, micrograd)
    if not grad_mode.is_grad_enabled():  # no_grad(): no graph
        value._no_graph = True
        return
    value._fn = op
    if len(children) > 2:
        value._list = (children, local_grads, None)
    else:
        value._left, value._d_left = children[0], local_grads[0]
        if len(children) == 2:
            value._right, value._d_right = children[1], local_grads[1]
    if scopes.opened:  # inside a named_scope
        value._scope = scopes.current()


def given(children: Any, local_grads: Any, label: Any, micrograd: dict[str, Any]
          ) -> tuple[ops.Op, tuple[Any, ...], tuple[float, ...]]:
    """``Value(data, children, local_grads)``, microgpt's way of making a node, checked:
    one local derivative per child, each a plain number, each child a Value. Returns the op
    (named after the function or method that made the node: ``ops.given_op``), the
    children and the local derivatives. micrograd's ``Value(data, (a, b), '+')`` and other
    arguments get a message that says what to write."""
    if local_grads and not isinstance(local_grads, str) and not micrograd and \
            not isinstance(children, (tuple, list, set, str)):  # children of another kind
        whose = "a Value" if isinstance(children, Habits) else f"a {type(children).__name__}"
        how = ("one child is written (child,): Value(data, (child,), (local_grad,))"
               if isinstance(children, Habits) else
               "make it a tuple first: Value(data, tuple(children), local_grads)")
        raise TypeError("Value(data, children, local_grads): children must be a tuple or list "
                        f"of Values, got {whose}; {how}")
    if micrograd or isinstance(local_grads, str) or type(label) is not str:
        refuse_arguments(children or label, (local_grads,) if local_grads else (), micrograd)
    if not isinstance(children, (tuple, list)) or not local_grads:
        refuse_arguments(children, (), {})  # a label that is no string, or micrograd's (a, b)
    if not isinstance(local_grads, (tuple, list)) or len(local_grads) != len(children):
        found = (f"{len(local_grads)} local derivatives" if isinstance(local_grads, (tuple, list))
                 else f"{type(local_grads).__name__} {local_grads!r}")
        raise ValueError(f"Value(data, children, local_grads) needs one local derivative per "
                         f"child, d(value)/d(child): got {len(children)} children and {found}")
    for i, child in enumerate(children):
        if not isinstance(child, Habits):  # any Value
            raise TypeError(f"Value(data, children, local_grads): children[{i}] is "
                            f"{type(child).__name__} {child!r}, not a Value; a plain number "
                            "is a constant and gets no gradient, so leave it out")
    grads = []
    for i, local in enumerate(local_grads):
        found_number = real_or_none(local)
        if found_number is None:
            hint = (" (its number is .data; for second derivatives make the op with unary_op or "
                    "binary_op, whose rules run on Values)" if hasattr(local, "parents") else "")
            raise TypeError(f"Value(data, children, local_grads): local_grads[{i}] is "
                            f"{type(local).__name__} {local!r}, not a number{hint}")
        grads.append(found_number)
    return ops.given_op(ops.maker_name(3), len(children)), tuple(children), tuple(grads)

