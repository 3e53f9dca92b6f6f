"""``TensorBase``: what a Tensor is besides a node of the chain rule.

``engine.py``'s ``Tensor`` inherits from it, for two reasons. First, a learner reading the
story should not have to wade through a tensor's manners: its shape and dtype, how it
prints, its numbers for NumPy and Python (``item()``, ``float()``, ``format``), comparisons
and truth, PyTorch's in-place updates, the checks of a backward pass's seed, stepping
through a backward pass (``backward_steps``), copying and pickling. Second, the machinery
beside the engine (making ops, checking their arguments) must recognise a Tensor without
importing ``engine.py``, which imports it: it asks ``isinstance(x, TensorBase)``. Nothing
here computes a gradient.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.graph import NO_GRAPH
from tinygrad_edu.stepping import Step, backward_steps
from tinygrad_edu.tensor import copying
from tinygrad_edu.tensor.checked import constant, real_array, shape_error, shape_str
from tinygrad_edu.tensor.registry import OPS

__all__ = ["TensorBase"]

_COMPARISONS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                ">": np.greater, ">=": np.greater_equal}


class TensorBase:
    """The manners of a ``Tensor`` (see ``tinygrad_edu.tensor.engine``): its shape, dtype and
    numbers, printing, comparisons, in-place updates, copying and pickling."""

    __slots__ = ()
    data: np.ndarray
    grad: Any
    label: str
    parents: tuple[Any, ...]
    _fn: Any
    _operands: tuple[Any, ...]
    _params: Any

    # NumPy must not treat a Tensor as an array: ``ndarray @ tensor`` then falls back to
    # ``Tensor.__rmatmul__``, which treats the array as a constant.
    __array_ufunc__ = None

    @property
    def shape(self) -> tuple[int, ...]:
        """``data.shape``: the size along each axis."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """``data.ndim``: the number of axes."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """``data.dtype``: float64, or float32 when asked."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """``data.size``: the number of entries."""
        return self.data.size

    @property
    def requires_grad(self) -> bool:
        """False for a tensor computed under ``no_grad`` (it has no graph), as in PyTorch;
        True for inputs, parameters and everything computed from them."""
        return self._params is not NO_GRAPH

    @property
    def _prev(self) -> set[Any]:
        """micrograd's name: the set of tensors this one was made from."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name: the op's name, ``''`` for a leaf."""
        return "" if self._fn is None else self._fn.name

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=64)
        extras = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        extras += (f", label={self.label!r}" if self.label else "") + (
            f", op={self._op!r}" if self._op else "")
        return f"Tensor({body}{extras})"

    def item(self) -> float:
        """The single number in a one-element tensor, as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element has a single number; this "
                             f"one has shape {shape_str(self.shape)}")
        return float(self.data.item())

    def __float__(self) -> float:
        return self.item()

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"`` formats the number of a one-element tensor, as for a Value."""
        if not spec:
            return str(self)
        if self.data.size != 1:
            raise ValueError(f"format: {spec!r} formats one number, but this tensor has shape "
                             f"{shape_str(self.shape)}; format t.item() of a one-element "
                             "tensor, or np.array2string(t.data) for an array")
        return format(self.item(), spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The numbers, for NumPy and matplotlib: ``np.asarray(t)``, ``plt.plot(x, y)``."""
        if dtype is None and not copy:
            return self.data
        return np.array(self.data, dtype=dtype, copy=True)

    def numpy(self) -> np.ndarray:
        """The array itself (not a copy), as ``torch.Tensor.numpy()``."""
        return self.data

    def detach(self) -> Any:
        """A new leaf sharing this tensor's array, without history."""
        return copying.leaf(type(self), self.data, self.label)

    # Comparisons work entry by entry, as in NumPy and PyTorch: a boolean NumPy array, no
    # graph, no gradient. Hashing is by identity, so tensors work in sets and as dict keys.
    def __eq__(self, other: object) -> np.ndarray: return _compare("==", self, other)  # type: ignore[override]
    def __ne__(self, other: object) -> np.ndarray: return _compare("!=", self, other)  # type: ignore[override]
    def __lt__(self, other: Any) -> np.ndarray: return _compare("<", self, other)
    def __le__(self, other: Any) -> np.ndarray: return _compare("<=", self, other)
    def __gt__(self, other: Any) -> np.ndarray: return _compare(">", self, other)
    def __ge__(self, other: Any) -> np.ndarray: return _compare(">=", self, other)
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        """The truth of the one number in a one-element tensor (as NumPy); any other tensor
        is ambiguous: say whether you mean every entry or some entry."""
        if self.data.size != 1:
            raise ValueError(
                f"bool: a tensor of shape {shape_str(self.shape)} has {self.data.size} "
                "entries, so its truth is ambiguous; use (t > 0).all() or .any(), or t.item() "
                "for a one-element tensor")
        return bool(self.data.item())

    # In place: inside no_grad(), ``W -= lr * W.grad`` changes W's numbers, as in PyTorch
    # (an update step); outside, ``h += b`` makes a new node.
    def __iadd__(self, other: Any) -> Any: return _in_place(self, other, "+=")
    def __isub__(self, other: Any) -> Any: return _in_place(self, other, "-=")
    def __imul__(self, other: Any) -> Any: return _in_place(self, other, "*=")
    def __itruediv__(self, other: Any) -> Any: return _in_place(self, other, "/=")

    def _seed(self, grad: Any, who: str = "backward_steps") -> np.ndarray:
        """The gradient a backward pass starts from: ones for a one-element output, else the
        array given, which must have the output's shape."""
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"{who}: the output has shape {shape_str(self.shape)}; pass grad= of "
                    "that shape, or reduce it to one number first (e.g. .sum() or .mean())")
            return np.ones_like(self.data)
        given = grad.data if isinstance(grad, TensorBase) else grad
        seed = real_array(given, self.dtype, f"{who}'s grad", copy=True)
        if seed.shape != self.shape:
            raise ValueError(f"{who}: grad has shape {shape_str(seed.shape)} but the output has "
                             f"shape {shape_str(self.shape)}; they must match")
        return seed

    def backward_steps(self, grad: Any = None, *,
                       params: Iterable[Any] | None = None) -> Iterator[Step]:
        """``backward()`` one node at a time, to watch the matrix chain rule: a generator of
        steps; ``print(step)`` shows each with names and shapes (``W2.grad += A1ᵀ @ dZ2``).
        ``params`` are the leaves on the parameter path (default: every leaf). See
        ``tinygrad_edu.stepping``."""
        return backward_steps(self, grad, params=params)

    def _constant(self, g: Any) -> Any:
        """A gradient that is a plain array, as a leaf of this tensor's dtype."""
        return type(self)(g, dtype=self.data.dtype)  # type: ignore[call-arg]

    # Copying and pickling (see copying.py).
    def __copy__(self) -> Any: return copying.shallow_copy(self)
    def __deepcopy__(self, memo: dict[int, Any]) -> Any: return copying.deep_copy(self, memo)
    def __reduce__(self) -> tuple[Any, ...]: return copying.pickled(self)


def _compare(op: str, t: TensorBase, other: Any) -> np.ndarray:
    """``t <op> other`` entry by entry: a boolean array, outside the graph."""
    y = other.data if isinstance(other, TensorBase) else constant(other, t.data.dtype, op)
    try:
        return np.asarray(_COMPARISONS[op](t.data, y))
    except ValueError:  # NumPy could not broadcast the shapes
        raise shape_error(op, t.data, y) from None


def _in_place(t: TensorBase, other: Any, symbol: str) -> Any:
    """``t += other`` and the like: in place under ``no_grad`` (a leaf's numbers change,
    its shape and dtype stay), else a new node; on a leaf outside ``no_grad`` with an array
    or a number, which would leave the leaf unchanged (``for p in params: p -= lr *
    p.grad``), an error, as in PyTorch."""
    op = OPS[symbol[0]]  # "+=" applies the op "+"
    if not is_grad_enabled():
        if t._fn is not None:
            raise RuntimeError(
                f"{symbol} inside no_grad() on a tensor computed from others would change "
                "numbers its graph was built from; compute a new tensor instead "
                f"(t = t {symbol[0]} ...)")
        result = np.asarray(op(t.data, other.data if isinstance(other, TensorBase) else other))
        if result.shape != t.data.shape:
            raise ValueError(
                f"{symbol}: the result has shape {shape_str(result.shape)}, but an in-place "
                f"change keeps the tensor's shape {shape_str(t.data.shape)}; the other operand "
                "must broadcast to it")
        np.copyto(t.data, result, casting="same_kind")
        return t
    if t._fn is None and not isinstance(other, TensorBase):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Tensor (an input or a parameter) outside no_grad() "
            "would make a new Tensor and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing (PyTorch refuses it "
            "too). Write `with no_grad(): p -= lr * p.grad`, or use an optimizer")
    return op(t, other)
