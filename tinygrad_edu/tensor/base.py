"""``TensorBase``: what a Tensor is besides a node of the chain rule.

``engine.py``'s ``Tensor`` inherits from it, for two reasons. First, a learner reading the
story should not have to wade through a tensor's manners: its numbers (``data``, which
hands out a copy of an array a graph holds, so that a change never reaches the numbers a
backward pass reads, and the check ``create_graph=True`` makes of them), its shape and
dtype, how it prints, its numbers for NumPy and Python (``item()``, ``float()``,
``format``), comparisons and truth, PyTorch's in-place updates, the checks of a backward
pass's seed, stepping through a backward pass (``backward_steps``), copying and pickling.
Second, the machinery
beside the engine (making ops, checking their arguments) must recognise a Tensor without
importing ``engine.py``, which imports it: it asks ``isinstance(x, TensorBase)``. Nothing
here computes a gradient.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_edu.above import above
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.tensor import copying
from tinygrad_edu.tensor.registry import OPS
from tinygrad_edu.tensor.safe_math import DTYPES, constant, real_array, shape_error, shape_str

__all__ = ["TensorBase"]

_COMPARISONS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                ">": np.greater, ">=": np.greater_equal}


class TensorBase:
    """The manners of a ``Tensor`` (see ``tinygrad_edu.tensor.engine``): its shape, dtype and
    numbers, printing, comparisons, in-place updates, copying and pickling."""

    __slots__ = ()
    _data: np.ndarray  # the numbers (``data`` hands them out, below)
    _saved: tuple[Any, ...]  # a node's operands' numbers and its own, as its forward pass had them
    grad: Any
    label: str
    parents: tuple[Any, ...]
    _row: Any
    _operands: tuple[Any, ...]
    _params: Any
    _no_graph: bool  # made under no_grad(): no graph to go back through

    # NumPy must not treat a Tensor as an array: ``ndarray @ tensor`` then falls back to
    # ``Tensor.__rmatmul__``, which treats the array as a constant.
    __array_ufunc__ = None

    @property
    def data(self) -> np.ndarray:
        """The numbers, an array you may change: ``W.data -= lr * W.grad``, ``t.data[0] = 1``.
        It is the tensor's own array, shared with you as PyTorch's ``numpy()`` shares a
        tensor's memory: a change to it is a change to the tensor.

        A graph keeps the arrays it was computed from for its backward pass, read-only, and
        never one you hold (``keeping.py``). So when this tensor's array is one of them,
        ``data`` first gives the tensor a copy of its own, which you change: the graph keeps
        the forward pass's numbers, and ``backward()`` gives the forward pass's gradient even
        after a step."""
        array = self._data
        if not array.flags.writeable:  # a graph's (or a read-only view): copy on write
            array = self._data = array.copy()  # type: ignore[misc]  # (Tensor's slot)
        return array

    @data.setter
    def data(self, value: Any) -> None:
        """Real numbers only: a float32 or float64 array is kept as it is (no copy: the
        tensor shares it with you); ints, bools, lists and other floats become this tensor's
        dtype, as in ``Tensor(...)``. A read-only array is copied, so that the tensor's
        numbers can be changed."""
        if type(value) is not np.ndarray or value.dtype not in DTYPES:
            kind = getattr(value, "dtype", None)  # (None == float64 for NumPy: ask first)
            dtype = kind if kind is not None and kind in DTYPES else self._data.dtype
            value = real_array(value, dtype, "Tensor.data")
        if not value.flags.writeable:
            value = value.copy()
        self._data = value  # type: ignore[misc]  # (the slot is the Tensor's, engine.py)

    @property
    def shape(self) -> tuple[int, ...]:
        """``data.shape``: the size along each axis."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """``data.ndim``: the number of axes."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        """``data.dtype``: float64, or float32 when asked."""
        return self._data.dtype

    @property
    def size(self) -> int:
        """``data.size``: the number of entries."""
        return self._data.size

    @property
    def requires_grad(self) -> bool:
        """False for a tensor computed under ``no_grad`` (it has no graph), as in PyTorch;
        True for inputs, parameters and everything computed from them."""
        return not self._no_graph

    @property
    def _prev(self) -> set[Any]:
        """micrograd's name: the set of tensors this one was made from."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name: the op's name, ``''`` for a leaf."""
        return "" if self._row is None else self._row.name

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(", threshold=64)
        extras = "" if self._data.dtype == np.float64 else f", dtype={self._data.dtype}"
        extras += (f", label={self.label!r}" if self.label else "") + (
            f", op={self._op!r}" if self._op else "")
        return f"Tensor({body}{extras})"

    def item(self) -> float:
        """The single number in a one-element tensor, as a Python float."""
        if self._data.size != 1:
            raise ValueError(f"item: only a tensor with one element has a single number; this "
                             f"one has shape {shape_str(self.shape)}")
        return float(self._data.item())

    def __float__(self) -> float:
        return self.item()

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"`` formats the number of a one-element tensor, as for a Value."""
        if not spec:
            return str(self)
        if self._data.size != 1:
            raise ValueError(f"format: {spec!r} formats one number, but this tensor has shape "
                             f"{shape_str(self.shape)}; format t.item() of a one-element "
                             "tensor, or np.array2string(t.data) for an array")
        return format(self.item(), spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The numbers, for NumPy and matplotlib: ``np.asarray(t)``, ``plt.plot(x, y)``. The
        same array as ``data`` and ``numpy()``: the tensor's own, which you may change."""
        if dtype is None and not copy:
            return self.data
        return np.array(self._data, dtype=dtype, copy=True)

    def numpy(self) -> np.ndarray:
        """The array itself, to change as ``data``, as ``torch.Tensor.numpy()``: it shares the
        tensor's memory (``arr = W.numpy()``, then ``arr -= lr * W.grad`` updates W), and a
        graph never keeps it (it keeps a copy of its own if you hold it: ``keeping.py``)."""
        return self.data

    def detach(self) -> Any:
        """A new leaf sharing this tensor's array, without history."""
        return copying.leaf(type(self), self._data, self.label)

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
        if self._data.size != 1:
            raise ValueError(
                f"bool: a tensor of shape {shape_str(self.shape)} has {self._data.size} "
                "entries, so its truth is ambiguous; use (t > 0).all() or .any(), or t.item() "
                "for a one-element tensor")
        return bool(self._data.item())

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
            if self._data.size != 1:
                raise ValueError(
                    f"{who}: the output has shape {shape_str(self.shape)}; pass grad= of "
                    "that shape, or reduce it to one number first (e.g. .sum() or .mean())")
            return np.ones_like(self._data)
        given = grad._data if isinstance(grad, TensorBase) else grad
        seed = real_array(given, self.dtype, f"{who}'s grad", copy=True)
        if seed.shape != self.shape:
            raise ValueError(f"{who}: grad has shape {shape_str(seed.shape)} but the output has "
                             f"shape {shape_str(self.shape)}; they must match")
        return seed

    def _from_state(self, entry: Any, name: str) -> np.ndarray:
        """The numbers a state dict's ``entry`` holds for this parameter, as an array of its
        dtype: real, finite and of its shape, else a TypeError, ValueError or OverflowError
        saying what is wrong with ``entry``. ``Module.load_state_dict``, shared by both
        engines, asks the tensor for them rather than importing the tensor engine."""
        value = real_array(entry, self.dtype, name)  # None, text, complex numbers: refused
        if value.shape != self.shape:
            raise ValueError(f"{name}: size mismatch, the state has {shape_str(value.shape)} "
                             f"but the model has {shape_str(self.shape)}")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}: the state holds NaN or infinite numbers")
        return value

    @staticmethod
    def l2_penalty(parameters: Iterable[Any], alpha: float = 1e-4) -> Any:
        """alpha · Σ p² over every entry of every parameter (its gradient is 2·alpha·p):
        ``tinygrad_edu.tensor.l2_penalty``. The tensor engine's penalty is also a method of
        its tensors, so that ``fit``, shared by both engines, asks a parameter for it rather
        than importing the tensor engine."""
        total: Any = None
        for p in parameters:
            square = (p * p).sum()
            total = square if total is None else total + square
        if total is None:
            raise ValueError("l2_penalty: got no parameters")
        return total * alpha

    def _graph_operands(self) -> tuple[Any, ...]:
        """The operands and the output, as Tensors, for rules that build a graph
        (``create_graph=True``), if they still hold the numbers the forward pass used: run on
        numbers changed since (an update inside ``no_grad()``, ``t.data = ...``, an
        optimizer's ``step()``), the rules would mix new numbers with the old ones the first
        derivatives were taken at. Else a RuntimeError naming the tensor that changed."""
        operands = (*self._operands, self)
        for t, saved in zip(operands, self._saved):
            if isinstance(t, TensorBase) and not _same(t._data, saved):
                node = f"{self.label or 'the ' + repr(self._op) + ' node'} {shape_str(self.shape)}"
                what = f"{node} has changed since the forward pass computed it" if t is self \
                    else (f"{t.label or 'a tensor'} {shape_str(t.shape)}, which the forward "
                          f"pass computed {node} from, has changed since")
                raise RuntimeError(
                    f"create_graph=True: {what} (an update inside no_grad(), t.data = ..., "
                    "t.data[...] = ..., a write into t.numpy() or into an array t.data was set "
                    "to, or an optimizer's step()), so its derivatives would mix "
                    "the old numbers and the new. Take the gradients before changing the "
                    "values (in a training loop: backward(), then step()), or run the forward "
                    "pass again")
        return operands

    def _constant(self, g: Any) -> Any:
        """A gradient that is a plain array, as a leaf of this tensor's dtype."""
        return type(self)(g, dtype=self._data.dtype)  # type: ignore[call-arg]

    # Copying and pickling (see copying.py).
    def __copy__(self) -> Any: return copying.shallow_copy(self)
    def __deepcopy__(self, memo: dict[int, Any]) -> Any: return copying.deep_copy(self, memo)
    def __reduce__(self) -> tuple[Any, ...]: return copying.pickled(self)

    def backward_steps(self, grad: Any = None, *, params: Iterable[Any] | None = None) -> Any:
        """``backward()`` one node at a time, to watch the matrix chain rule: a generator of
        steps; ``print(step)`` shows each with names and shapes (``W2.grad += A1ᵀ @ dZ2``).
        ``params`` are the leaves on the parameter path (default: every leaf). See
        ``tinygrad_edu.viz.stepping``, reached by name (``above.py``)."""
        return above("backward_steps")(self, grad, params=params)

def _compare(op: str, t: TensorBase, other: Any) -> np.ndarray:
    """``t <op> other`` entry by entry: a boolean array, outside the graph."""
    y = other._data if isinstance(other, TensorBase) else constant(other, t._data.dtype, op)
    try:
        return np.asarray(_COMPARISONS[op](t._data, y))
    except ValueError:  # NumPy could not broadcast the shapes
        raise shape_error(op, t._data, y) from None


def _same(now: np.ndarray, then: Any) -> bool:
    """The same numbers (NaN equal to NaN), in the same shape and dtype."""
    return now is then or (now.shape == np.shape(then) and now.dtype == then.dtype and
                           bool(np.array_equal(now, then, equal_nan=True)))


def _in_place(t: TensorBase, other: Any, symbol: str) -> Any:
    """``t += other`` and the like: in place under ``no_grad`` (a leaf's numbers change,
    its shape and dtype stay; an array a graph holds is left to it, and the leaf gets a new
    one), else a new node; on a leaf outside ``no_grad`` with an array
    or a number, which would leave the leaf unchanged (``for p in params: p -= lr *
    p.grad``), an error, as in PyTorch."""
    op = OPS[symbol[0]]  # "+=" applies the op "+"
    if not is_grad_enabled():
        if t._row is not None:
            raise RuntimeError(
                f"{symbol} inside no_grad() on a tensor computed from others would change "
                "numbers its graph was built from; compute a new tensor instead "
                f"(t = t {symbol[0]} ...)")
        result = np.asarray(op(t._data, other._data if isinstance(other, TensorBase) else other))
        if result.shape != t._data.shape:
            raise ValueError(
                f"{symbol}: the result has shape {shape_str(result.shape)}, but an in-place "
                f"change keeps the tensor's shape {shape_str(t._data.shape)}; the other operand "
                "must broadcast to it")
        if t._data.flags.writeable:  # its own array: changed where it is
            np.copyto(t._data, result, casting="same_kind")
        else:  # a graph's: the graph keeps it, the leaf gets the new numbers
            t._data = result.astype(t._data.dtype, casting="same_kind", copy=False)  # type: ignore[misc]
        return t
    if t._row is None and not isinstance(other, TensorBase):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Tensor (an input or a parameter) outside no_grad() "
            "would make a new Tensor and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing (PyTorch refuses it "
            "too). Write `with no_grad(): p -= lr * p.grad`, or use an optimizer")
    return op(t, other)
