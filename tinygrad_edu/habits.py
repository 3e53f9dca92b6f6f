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
- and what ``graph.py`` and ``autograd.py`` ask of a node besides its ``parents`` and
  ``_backward()``: its share of a gradient (``_vjp``), adding to ``grad``, seeds and
  constants.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from tinygrad_edu import checked, copying, grad_mode
from tinygrad_edu.errors import as_float, real_or_none
from tinygrad_edu.graph import NO_GRAPH
from tinygrad_edu.higher import float_guard, local_grads_as_values
from tinygrad_edu.stepping import Step, backward_steps

if TYPE_CHECKING:
    from tinygrad_edu.engine import Value

__all__ = ["number_of"]


class Habits:
    """The habits of a number, of PyTorch and of micrograd, for ``engine.Value``."""

    __slots__ = ()
    if TYPE_CHECKING:  # what the habits read of a Value
        _data: float
        _fn: Any
        _const: Any
        grad: Any
        label: str

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

    # Comparisons and truth look at the number, as for a float (and a one-element PyTorch
    # tensor), so a derivative rule such as ``0.0 if x == 0 else ...`` gives the same answer
    # on floats (backward) and on Values (create_graph). Hashing stays "which node": a set
    # holds two nodes with equal numbers as two.
    def __eq__(self, other: object) -> bool: return _compare(operator.eq, self, other)
    def __ne__(self, other: object) -> bool: return _compare(operator.ne, self, other)
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
        return not (self._fn is None and self._const is NO_GRAPH)

    def detach(self) -> Value:
        """A new leaf with the same number and no history."""
        return copying.leaf(type(self), self._data, self.label)  # type: ignore[no-any-return]

    # In place: inside no_grad(), ``p -= lr * p.grad`` changes p itself, as in PyTorch (an
    # update step); outside, ``c += c + 1`` makes a new node, as in micrograd.
    def __iadd__(self, other: Any) -> Value: return _in_place(self, other, "+=")
    def __isub__(self, other: Any) -> Value: return _in_place(self, other, "-=")
    def __imul__(self, other: Any) -> Value: return _in_place(self, other, "*=")
    def __itruediv__(self, other: Any) -> Value: return _in_place(self, other, "/=")

    # micrograd's names, so that its code runs unchanged: ``_prev`` is the set of values
    # this one was made from, ``_op`` the name of the op ('' for a leaf); and microgpt's:
    # ``_children`` and ``_local_grads``, the parents and their local derivatives in order.
    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    @property
    def _children(self) -> tuple[Value, ...]:
        return self.parents

    @property
    def _local_grads(self) -> tuple[float, ...]:
        return self.local_grads

    # What graph.py and autograd.py ask of a node besides its parents and _backward().
    def _vjp(self, upstream: Any, create_graph: bool = False) -> tuple[Any, ...]:
        """Each parent's share of ``upstream``, the gradient arriving here: local derivative
        × upstream. With ``create_graph`` the local derivatives are recomputed as Values by
        the op's rules, so the shares have a graph of their own (higher.py)."""
        local_grads = local_grads_as_values(self) if create_graph else self.local_grads
        return tuple(local * upstream for local in local_grads)

    def _add_grad(self, g: Any) -> None:
        """Add ``g`` to this value's gradient (a Value onto a gradient of 0 stays itself)."""
        if isinstance(g, Habits) and type(self.grad) is float and self.grad == 0.0:
            self.grad = g
        else:
            self.grad += g

    @staticmethod
    def _seed(grad: Any, who: str = "backward_steps(grad)") -> float:
        """The gradient a backward pass starts from: 1 by default, else the number given."""
        if grad is None:
            return 1.0
        return grad._data if isinstance(grad, Habits) else as_float(grad, who)

    def _constant(self, g: Any) -> Value:
        """A gradient that is a plain number, as a leaf (``create_graph`` gives Values)."""
        return copying.leaf(type(self), g)  # type: ignore[no-any-return]

    # Copying and pickling whole graphs, without recursion (copying.py).
    def __copy__(self) -> Value: return copying.shallow_copy(self)  # type: ignore[no-any-return]
    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
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


def _in_place(value: Any, other: Any, symbol: str) -> Value:
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
        return value  # type: ignore[no-any-return]
    if value._fn is None and not isinstance(other, Habits):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Value (an input or a parameter) outside no_grad() would "
            "make a new Value and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing. Write `with "
            "no_grad(): p -= lr * p.grad` (PyTorch's way) or `p.data -= lr * p.grad` "
            "(micrograd's)")
    return op(value, other)  # type: ignore[no-any-return]
