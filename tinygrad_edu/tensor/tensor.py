"""The tensor engine: the scalar engine's chain rule, one NumPy array per node.

Nothing here is new except shapes. Read it next to ``engine.py``:

1. A ``Tensor`` holds an array (``data``), the gradient of the final output with respect to
   it (``grad``, an array of the same shape, None until a backward pass reaches it), and the
   tensors it was made from (``parents``).
2. Each operation computes its output and, beside it, a small closure ``_vjp``: given the
   gradient of the output it returns the gradient of each parent (a vector-Jacobian
   product). For ``Z = X @ W`` that is ``dZ @ Wᵀ`` and ``Xᵀ @ dZ``: the scalar engine's
   ``parent.grad += local * node.grad``, done for a whole array at once.
3. ``Tensor.backward`` uses the scalar engine's ``walk`` (the very same function) and calls
   ``_backward()`` on every node, parents after children.

Broadcasting: ``X @ W + b`` with b of shape (1×out) adds b to every row. In the backward
pass each row sends its gradient to the same b, so b's gradient is the sum over rows:
``unbroadcast`` sums a gradient back to its operand's shape, for every elementwise op.

A plain number or NumPy array in an operation is a constant, like a plain number in the
scalar engine: it is not a parent and gets no gradient (so ``images @ W`` never computes a
gradient for the images). Constants take the tensor's dtype, so a float32 model stays
float32 end to end. Only real numbers are accepted (bools, ints and floats, as numbers,
nested lists or arrays): None, text, complex numbers and other objects raise a TypeError
that says what to do, because NumPy would quietly turn them into numbers.

NaN propagates, as in the scalar engine: a NaN entry makes NaN of every value computed from
it, and of every local derivative that depends on it (tanh's 1 - y², relu's step: 1 for
x > 0, 0 for x <= 0, NaN for NaN). A derivative that does not depend on the entry stays what
it is (d(x + 1)/dx = 1), as the mathematics and PyTorch say.

The closures keep the arrays they need (inputs, sometimes the output's array), never the
output ``Tensor`` itself, so a graph holds no reference cycles: a graph you drop is freed at
once by reference counting.

Higher-order gradients: none of the tensor ops support ``create_graph``; gradients here are
plain NumPy arrays. ``backward(create_graph=True)`` raises ``NotImplementedError``. Use the
scalar engine's ``grad(..., create_graph=True)`` for second derivatives.
"""

from __future__ import annotations

import datetime
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from tinygrad_edu.engine import Value, walk
from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import is_grad_enabled

ArrayLike = Any  # an ndarray, a (nested) list of numbers, or a number
Index = Any  # what NumPy accepts between [ ]: ints, slices, integer arrays, ...
Axis = Union[int, tuple[int, ...], None]  # noqa: UP007 (a runtime alias, Python 3.10)
Vjp = Callable[[np.ndarray], tuple[Any, ...]]

DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
_LARGEST = {dt: float(np.finfo(dt).max) for dt in DTYPES}  # the largest finite number
_REAL_KINDS = "biuf"  # NumPy's dtype kinds for real numbers: bool, int, unsigned int, float


def shape_str(shape: Sequence[int]) -> str:
    """A shape in the seeds' notation: ``(10×3)``; ``(3)`` for a vector, ``()`` for a scalar."""
    return "(" + "×".join(str(n) for n in shape) + ")"


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape`` back.

    If b (1×4) was added to every row of Z (10×4), each of the 10 rows used the same b, so
    b's gradient is the sum of the 10 rows' gradients: (10×4) → (1×4)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)  # leading axes that broadcasting put in front
    stretched = tuple(  # axes where the operand had size 1 and was stretched
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] > 1
    )
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in DTYPES:
        raise TypeError(f"Tensor: dtype must be float32 or float64, got {dt}")
    return dt


# ----------------------------------------------------------------------------- real numbers only
# NumPy turns almost anything into numbers: None into nan, '3.5' into 3.5, 1+2j into 1 (with
# only a warning). The engine refuses, as ``Value(...)`` does. For an array the dtype says what
# it holds, so the check costs nothing; only lists and object arrays are looked at one by one.


def _numbers(data: Any, dtype: np.dtype | None, where: str, copy: bool = False) -> np.ndarray:
    """``data`` as an array of ``dtype`` (``None``: its own dtype), if it holds real numbers only:
    bools, ints and floats, as Python or NumPy scalars, nested lists or tuples, or NumPy arrays.
    Anything else raises a TypeError that names it and says what to do; a number too large
    for ``dtype`` raises OverflowError. ``copy`` makes sure the result is not ``data`` itself."""
    if type(data) is np.ndarray:
        array = data
    elif np.ma.is_masked(data):  # np.asarray would use the hidden numbers behind the mask
        raise TypeError(
            f"{where} needs real numbers, got a masked array with {np.ma.count_masked(data)} "
            "masked entries; fill them first, e.g. a.filled(np.nan)"
        )
    else:
        try:
            array = np.asarray(data)
        except ValueError as error:  # ragged nested lists
            raise ValueError(
                f"{where} needs a rectangular array of numbers (every row as long as the "
                f"others); NumPy says: {error}"
            ) from None
    if array.dtype.kind not in _REAL_KINDS:
        array = _object_numbers(array, data, where)
    if dtype is None or array.dtype == dtype:
        shared = array is data or not array.flags.owndata  # e.g. a view of a NumPy subclass
        return array.copy() if copy and shared else array
    try:
        with np.errstate(over="raise"):
            return array.astype(dtype)
    except FloatingPointError:
        big = array[np.isfinite(array) & (np.abs(array) > _LARGEST[dtype])]
        raise OverflowError(
            f"{where}: {big.size} entries are too large for {dtype} (the first is "
            f"{float(big[0])!r}; the largest {dtype} is about {_LARGEST[dtype]:.3g}); use "
            "float64 or scale the numbers down"
        ) from None


def _object_numbers(array: np.ndarray, data: Any, where: str) -> np.ndarray:
    """An array of NumPy objects (e.g. ints beyond int64, or Fractions) as floats, if every
    entry is a real number; otherwise the TypeError for the first entry that is not."""
    if array.dtype.kind == "O" and _first_non_real(array) is None:
        flat = list(array.flat)
        try:
            return np.array([float(v) for v in flat]).reshape(array.shape)
        except OverflowError:
            digits = max(len(str(v)) for v in flat if abs(v) > _LARGEST[DTYPES[0]])
            raise OverflowError(
                f"{where}: a number with {digits} digits is too large for a float (the largest "
                f"is about {_LARGEST[DTYPES[0]]:.3g}); scale the numbers down"
            ) from None
    found = _first_non_real(data if isinstance(data, (list, tuple)) else array)
    if found is None:  # an empty array of text, dates, ...
        raise TypeError(
            f"{where} needs real numbers, got an array of dtype {array.dtype}; pass bools, "
            "ints or floats"
        )
    index, bad = found
    raise _not_real(bad, where, index)


def _first_non_real(data: Any, index: tuple[int, ...] = ()) -> tuple[tuple, Any] | None:
    """The index and value of the first entry of ``data`` (nested lists, tuples, an array or
    a scalar) that is not a real number, or None if they all are."""
    if isinstance(data, (list, tuple)):
        for i, item in enumerate(data):
            found = _first_non_real(item, (*index, i))
            if found is not None:
                return found
        return None
    if isinstance(data, np.ndarray):
        if data.dtype.kind in _REAL_KINDS:
            return None
        for i in np.ndindex(data.shape):
            if not _is_real(data[i]):
                return (*index, *i), data[i]
        return None
    return None if _is_real(data) else (index, data)


def _is_real(x: Any) -> bool:
    return isinstance(x, (numbers.Real, np.bool_))


def _not_real(x: Any, where: str, index: tuple[int, ...] = ()) -> TypeError:
    """The TypeError for something that is not a real number, with what to do instead."""
    if isinstance(x, (np.str_, np.bytes_, np.complexfloating)):
        x = x.item()  # shown as the Python value it holds
    if isinstance(x, Tensor):
        hint = "use its .data, or np.stack([t.data for t in tensors]) for several"
    elif isinstance(x, Value):
        hint = "use v.data for its number, e.g. [v.data for v in values]"
    elif isinstance(x, complex):
        hint = "the engine works with real numbers only; take .real or abs() first if that is "
        hint += "what you mean"
    elif isinstance(x, (str, bytes)):
        hint = f"convert it first, e.g. float({x!r})"
    elif x is None:
        hint = "pass a number (to test whether something is None, use `is None`)"
    elif isinstance(x, (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64)):
        hint = "turn it into a number first, e.g. a count of seconds"
    else:
        hint = "pass bools, ints or floats (as numbers, nested lists or NumPy arrays)"
    at = f" at [{', '.join(map(str, index))}]" if index else ""
    return TypeError(f"{where} needs real numbers, got {type(x).__name__} {x!r}{at}; {hint}")


class Tensor:
    """An array that remembers how it was computed, so that gradients can flow back to it.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], label="x")
    >>> w = Tensor([[0.5], [-1.0]], label="w")
    >>> y = (x @ w).sum()
    >>> y.backward()
    >>> w.grad                  # d y / d w = xᵀ · 1 = column sums of x
    array([[4.],
           [6.]])

    ``data`` is float64 unless you ask for float32 (``dtype=np.float32``) or pass a float32
    array; ints and bools are converted. ``Tensor(array)`` copies the array, as
    ``torch.tensor`` does. Only real numbers are accepted: ``Tensor(None)``,
    ``Tensor("3.5")`` and ``Tensor(1 + 2j)`` raise a TypeError.

    ``==``, ``<`` and the other comparisons work entry by entry and give a boolean NumPy
    array (no graph, no gradient), as in NumPy and PyTorch; ``if t:`` needs a one-element
    tensor. Hashing is by identity, so tensors still work in sets and as dict keys.
    """

    __slots__ = ("__weakref__", "_op", "_vjp", "data", "grad", "label", "parents")

    # NumPy must not treat a Tensor as an array: ``ndarray @ tensor`` then falls back to
    # ``Tensor.__rmatmul__``, which treats the array as a constant.
    __array_ufunc__ = None

    data: np.ndarray
    grad: np.ndarray | None
    label: str
    parents: tuple[Tensor, ...]

    def __init__(self, data: ArrayLike, dtype: Any = None, label: str = "") -> None:
        if isinstance(data, Tensor):
            raise TypeError(
                "Tensor(t) got a Tensor; use t.detach() for a copy without history"
            )
        if dtype is None:
            kind = getattr(data, "dtype", None)
            dtype = kind if kind in DTYPES else np.float64
        self.data = _numbers(data, _dtype(dtype), "Tensor", copy=True)
        self.grad = None
        self.label = label
        self.parents = ()
        self._vjp: Vjp | None = None
        self._op = ""

    # ------------------------------------------------------------------ basics

    @property
    def op(self) -> str:
        """The operation that made this tensor (``'@'``, ``'relu'``, ...), ``''`` for a leaf."""
        return self._op

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=64)
        extras = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        if self.label:
            extras += f", label={self.label!r}"
        if self._op:
            extras += f", op={self._op!r}"
        return f"Tensor({body}{extras})"

    def item(self) -> float:
        """The single number in a one-element tensor, as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only a tensor with one element has a single number; this one has "
                f"shape {shape_str(self.shape)}"
            )
        return float(self.data.item())

    def numpy(self) -> np.ndarray:
        """The array itself (not a copy), as ``torch.Tensor.numpy()``."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's array, without history."""
        return _leaf(self.data, self.label)

    # ------------------------------------------------------------------ backward

    def backward(self, grad: ArrayLike | None = None, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every tensor this one depends on with d(self)/d(tensor) · ``grad``.

        A one-element output needs no ``grad`` (it is 1). For any other output pass ``grad``
        of the output's shape, or reduce first (``loss.sum().backward()``). Gradients
        accumulate into leaves as in PyTorch, so call ``zero_grad()`` between training
        steps; inner tensors hold the gradient of the latest pass.
        """
        if create_graph:
            raise NotImplementedError(
                "backward: the tensor engine has no create_graph (its gradients are NumPy "
                "arrays, not tensors with a graph); for second derivatives use the scalar "
                "engine: tinygrad_edu.grad(..., create_graph=True)"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: the output has shape {shape_str(self.shape)}; pass grad= of "
                    "that shape, or reduce it to one number first (e.g. .sum() or .mean())"
                )
            seed = np.ones_like(self.data)
        else:
            given = grad.data if isinstance(grad, Tensor) else grad
            seed = _numbers(given, self.dtype, "backward's grad", copy=True)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {shape_str(seed.shape)} but the output has "
                    f"shape {shape_str(self.shape)}; they must match"
                )
        order = walk(self)
        for node in order:
            if node.parents:
                node.grad = None  # inner nodes hold this pass's gradient only
        _accumulate(self, seed)
        for node in reversed(order):  # every node after all the nodes made from it
            node._backward()

    def _backward(self) -> None:
        """One step of the chain rule, as ``Value._backward``: pass this tensor's gradient on
        to its parents (each parent's share comes from the op's ``_vjp`` closure)."""
        if self._vjp is None or self.grad is None:
            return  # a leaf, or no gradient reached this node
        for parent, g in zip(self.parents, self._vjp(self.grad)):
            _accumulate(parent, g)

    def zero_grad(self) -> None:
        """Forget the gradient of this tensor and of everything it depends on (``None``)."""
        for node in walk(self):
            node.grad = None

    # ------------------------------------------------------------------ operators

    def __add__(self, other: Any) -> Tensor:
        return _elementwise("+", self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _elementwise("+", other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _elementwise("-", self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _elementwise("-", other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _elementwise("*", self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _elementwise("*", other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _elementwise("/", self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _elementwise("/", other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _elementwise("**", self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _elementwise("**", other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    def __neg__(self) -> Tensor:
        return _result(-self.data, (self,), lambda g: (-g,), "neg")

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, index: Index) -> Tensor:
        return getitem(self, index)

    # ------------------------------------------------------------------ comparisons
    # Entry by entry, as in NumPy and PyTorch: a boolean NumPy array, no graph, no gradient.

    __hash__ = object.__hash__  # by identity: tensors stay usable in sets and as dict keys

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return _compare("==", np.equal, self, other)

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return _compare("!=", np.not_equal, self, other)

    def __lt__(self, other: Any) -> np.ndarray:
        return _compare("<", np.less, self, other)

    def __le__(self, other: Any) -> np.ndarray:
        return _compare("<=", np.less_equal, self, other)

    def __gt__(self, other: Any) -> np.ndarray:
        return _compare(">", np.greater, self, other)

    def __ge__(self, other: Any) -> np.ndarray:
        return _compare(">=", np.greater_equal, self, other)

    def __bool__(self) -> bool:
        """The truth of the one number in a one-element tensor (as NumPy); any other tensor
        is ambiguous: say whether you mean every entry or some entry."""
        if self.data.size != 1:
            raise ValueError(
                f"bool: a tensor of shape {shape_str(self.shape)} has {self.data.size} "
                "entries, so its truth is ambiguous; use (t > 0).all() or .any(), or t.item() "
                "for a one-element tensor"
            )
        return bool(self.data.item())

    # ------------------------------------------------------------------ unary ops
    # Forward on the left, the vector-Jacobian product on the right: each parent's gradient
    # is the output's gradient g times the local derivative, elementwise.

    def exp(self) -> Tensor:
        y = _exp(self.data)
        return _result(y, (self,), lambda g: (g * y,), "exp")  # d eˣ/dx = eˣ

    def log(self) -> Tensor:
        x = self.data
        return _result(_log(x), (self,), lambda g: (g / x,), "log")  # d ln x/dx = 1/x

    def tanh(self) -> Tensor:
        y = np.tanh(self.data)
        return _result(y, (self,), lambda g: (g * (1 - y * y),), "tanh")  # 1 - tanh²

    def sigmoid(self) -> Tensor:
        x = self.data
        e = np.exp(-np.abs(x))  # never exponentiate a large positive number
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return _result(y, (self,), lambda g: (g * y * (1 - y),), "sigmoid")  # σ(1 - σ)

    def relu(self) -> Tensor:
        x = self.data
        y = np.maximum(x, 0)  # NaN stays NaN
        slope = _step(x, 0.0)  # 1 if x > 0 else 0, NaN for NaN
        return _result(y, (self,), lambda g: (g * slope,), "relu")

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        if not _is_real(alpha):
            raise _not_real(alpha, "leaky_relu: alpha")
        x = self.data
        slope = _step(x, float(alpha))  # 1 if x > 0 else alpha, NaN for NaN
        return _result(x * slope, (self,), lambda g: (g * slope,), "leaky_relu")

    # ------------------------------------------------------------------ reductions and shapes

    # ``axis`` is an int (negative counts from the end), a tuple of ints, or None for all
    # axes; a 0-d tensor takes axis 0 or -1, as in PyTorch (there is nothing to reduce).

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Σ over ``axis`` (all axes by default). Every summed entry gets the sum's gradient."""
        x = self.data
        axes = _axes(axis, x.shape, "sum")
        y = x.sum(axis=axes, keepdims=keepdims)
        return _result(y, (self,), lambda g: (_expand(g, x.shape, axes, keepdims),), "sum")

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The mean over ``axis``: the sum's gradient divided by how many entries were averaged.
        The mean of no entries (0/0) raises ValueError."""
        x = self.data
        axes = _axes(axis, x.shape, "mean")
        n = _group_size(x.shape, axes, axis, "mean", "the mean of no numbers is undefined")
        y = x.sum(axis=axes, keepdims=keepdims) / n
        return _result(
            y, (self,), lambda g: (_expand(g / n, x.shape, axes, keepdims),), "mean"
        )

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The largest entry over ``axis``. The gradient goes to the entry that was largest
        (shared equally between ties, as ``torch.amax``). NaN counts as the largest (as in
        ``np.max``): where it wins, the result is NaN, its NaN entries get NaN and the others
        0."""
        x = self.data
        axes = _axes(axis, x.shape, "max")
        _group_size(x.shape, axes, axis, "max", "no numbers have a largest one")
        top = x.max(axis=axes, keepdims=True)

        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            winners = x == top  # none where the max is NaN (NaN == NaN is False)
            share = winners / np.maximum(winners.sum(axis=axes, keepdims=True), 1)
            share = np.where(np.isnan(x), np.nan, share)  # which entry won is undefined
            return (share * _expand(g, x.shape, axes, keepdims),)

        return _result(top if keepdims else np.squeeze(top, axes), (self,), vjp, "max")

    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        x = self.data
        try:
            y = x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape {shape_str(x.shape)} ({x.size} entries) into "
                f"{shape}; the number of entries must stay the same"
            ) from None
        return _result(y, (self,), lambda g: (g.reshape(x.shape),), "reshape")

    def transpose(self, *axes: int) -> Tensor:
        """Reverse the axes (``t.T``), or put them in the order given."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        order = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        back = tuple(np.argsort(order))  # the permutation that undoes ``order``
        return _result(
            self.data.transpose(order), (self,), lambda g: (g.transpose(back),), "transpose"
        )

    @property
    def T(self) -> Tensor:
        return self.transpose()

    # ------------------------------------------------------------------ nn helpers

    def softmax(self, axis: int = -1) -> Tensor:
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return log_softmax(self, axis)


# ----------------------------------------------------------------------------- graph building


def _leaf(data: np.ndarray, label: str = "", op: str = "") -> Tensor:
    """A Tensor around ``data`` (no copy, no checks): how operations make their outputs."""
    t = Tensor.__new__(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)
    t.grad = None
    t.label = label
    t.parents = ()
    t._vjp = None
    t._op = op
    return t


def _result(data: Any, parents: tuple[Tensor, ...], vjp: Vjp, op: str) -> Tensor:
    """The output of an op: it records its parents and its ``_vjp`` unless grad is off
    (inside ``no_grad``, or when no operand is a Tensor that needs one)."""
    t = _leaf(data, op=op)
    if parents and is_grad_enabled():
        t.parents = parents
        t._vjp = vjp
    return t


def _step(x: np.ndarray, below: float) -> np.ndarray:
    """1 where x > 0, ``below`` where x <= 0, NaN where x is NaN: relu's and leaky_relu's
    slope, as the scalar engine's ``step``."""
    return np.where(x > 0, 1, np.where(x <= 0, below, np.nan)).astype(x.dtype)


def _accumulate(node: Tensor, g: np.ndarray) -> None:
    """``node.grad += g``, never writing into an existing array. A leaf gets its own copy in
    its own dtype, so an optimizer can change it without touching anything else."""
    if node.grad is None:
        node.grad = g if node.parents else np.array(g, dtype=node.data.dtype)
    elif node.parents:
        node.grad = node.grad + g
    else:
        node.grad = node.grad + g.astype(node.data.dtype, copy=False)


# ----------------------------------------------------------------------------- reductions


def _axes(axis: Any, shape: tuple[int, ...], op: str) -> tuple[int, ...]:
    """``axis`` (an int, a tuple of ints or None for all) as a tuple of axes in 0..ndim-1.
    A 0-d tensor takes 0 and -1, as in PyTorch; it has no axis to reduce, so they give ()."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    valid = max(ndim, 1)  # how many axis numbers there are: a 0-d tensor counts as one
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
        if not -valid <= a < valid:
            raise ValueError(
                f"{op}: axis {a} does not exist in a tensor of shape {shape_str(shape)}; "
                f"its axes are {-valid}..{valid - 1}"
            )
    normal = tuple(int(a) % valid for a in axes)
    if len(set(normal)) < len(normal):
        raise ValueError(f"{op}: axis {axis!r} names the same axis more than once")
    return normal if ndim else ()


def _group_size(shape: tuple[int, ...], axes: tuple[int, ...], axis: Axis, op: str,
                why: str) -> int:
    """How many entries each result of a reduction over ``axes`` combines. A reduction that
    needs at least one entry (``mean``, ``max``) raises when its groups are empty."""
    n = math.prod(shape[a] for a in axes)
    results = math.prod(s for i, s in enumerate(shape) if i not in axes)
    if n == 0 and results:
        raise ValueError(
            f"{op}: over axis {axis!r} of a tensor of shape {shape_str(shape)} there are no "
            f"entries to combine, and {why}"
        )
    return max(n, 1)  # an empty result has nothing to divide: any n will do


def _expand(g: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool
            ) -> np.ndarray:
    """Spread the gradient of a reduction back over the entries it reduced."""
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


# ----------------------------------------------------------------------------- operands


def _constant(x: Any, dtype: np.dtype, op: str) -> np.ndarray | float:
    """A plain operand (number, list, array) as a constant of the tensor's dtype."""
    if type(x) is float or type(x) is int:
        if -_LARGEST[dtype] <= x <= _LARGEST[dtype] or x != x or x in (math.inf, -math.inf):
            return x  # NumPy keeps the tensor's dtype for a plain Python number
        raise OverflowError(
            f"{op}: the number {x!r} is too large for {dtype} (the largest is about "
            f"{_LARGEST[dtype]:.3g}); use float64 or scale the numbers down"
        )
    if isinstance(x, Tensor):
        return x.data
    return _numbers(x, dtype, f"the other operand of {op}")


def _operands(op: str, a: Any, b: Any) -> tuple[Any, Any, tuple[Tensor, ...], bool, bool]:
    """The arrays of a binary op, its parents, and which of a and b are Tensors."""
    a_is, b_is = isinstance(a, Tensor), isinstance(b, Tensor)
    if not (a_is or b_is):
        raise TypeError(f"{op}: at least one operand must be a Tensor")
    dtype = a.data.dtype if a_is else b.data.dtype
    x = a.data if a_is else _constant(a, dtype, op)
    y = b.data if b_is else _constant(b, dtype, op)
    parents = (a, b) if a_is and b_is else ((a,) if a_is else (b,))
    return x, y, parents, a_is, b_is


def _shape_error(op: str, x: Any, y: Any) -> ValueError:
    shapes = f"{shape_str(np.shape(x))} {op} {shape_str(np.shape(y))}"
    return ValueError(
        f"{op}: {shapes}: shapes do not broadcast; counted from the right, each pair of "
        "dimensions must be equal or one of them 1 (reshape one operand, e.g. b to (1×n))"
    )


def _compare(op: str, compare: Callable[..., Any], t: Tensor, other: Any) -> np.ndarray:
    """``t <op> other`` entry by entry: a boolean array, outside the graph."""
    y = _constant(other, t.data.dtype, op)
    try:
        return np.asarray(compare(t.data, y))
    except ValueError:  # NumPy could not broadcast the shapes
        raise _shape_error(op, t.data, y) from None


# ----------------------------------------------------------------------------- elementwise


def _exp(x: np.ndarray) -> np.ndarray:
    """eˣ, refusing to overflow into inf, as the scalar engine does."""
    try:
        with np.errstate(over="raise"):
            return np.exp(x)
    except FloatingPointError:
        with np.errstate(over="ignore"):
            bad = x[np.isinf(np.exp(x)) & np.isfinite(x)]
        raise OverflowError(
            f"exp: {bad.size} of {x.size} entries are too large for {x.dtype} (the first is "
            f"{float(bad[0])!r}; inputs above about {math.log(_LARGEST[x.dtype]):.2f} "
            "overflow); scale the input down, or use a stable form such as log_softmax or "
            "cross_entropy"
        ) from None


def _log(x: np.ndarray) -> np.ndarray:
    """ln x for positive entries; NaN stays NaN, 0 and negative entries raise DomainError."""
    try:
        with np.errstate(divide="raise", invalid="raise"):
            return np.log(x)
    except FloatingPointError:
        bad = x[x <= 0]  # NaN is not among them: it goes through as NaN
        raise DomainError(
            f"log: {bad.size} of {x.size} entries are not positive (the first is "
            f"{float(bad[0])!r}), but log is only defined for positive numbers; clamp the "
            "input (e.g. x + 1e-12) or use a stable loss such as cross_entropy"
        ) from None


def _div(x: Any, y: Any) -> np.ndarray:
    if not np.all(y):
        raise ZeroDivisionError(
            f"/: {np.size(y) - np.count_nonzero(y)} of {np.size(y)} denominators are 0; "
            "add a small number or mask them out"
        )
    return x / y


def _pow(x: Any, y: Any) -> np.ndarray:
    """x ** y on real numbers, as in the scalar engine: a negative base needs an integer
    exponent (DomainError), 0 has no negative power (ZeroDivisionError), and a result too
    large for the dtype raises OverflowError. NumPy's floating-point flags say whether any of
    that happened, so the usual case costs no extra pass over the arrays."""
    try:
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            return np.power(x, y)
    except FloatingPointError:
        pass
    base, power = np.broadcast_arrays(x, y)  # each base next to its own exponent
    for bad, error, problem, advice in (
        ((base < 0) & (np.round(power) != power) & ~np.isnan(power), DomainError,
         "a negative base with a non-integer exponent is not a real number",
         "use integer exponents for negative bases"),
        ((base == 0) & (power < 0), ZeroDivisionError,
         "0 cannot be raised to a negative power",
         "add a small number to the base or mask those entries out"),
        (np.isfinite(base) & np.isinf(_unchecked_pow(x, y)), OverflowError,  # in x's dtype
         f"the result is too large for {np.result_type(x, y)}",
         "scale the base down or use smaller exponents"),
    ):
        if bad.any():
            first = f"({float(base[bad][0])!r}) ** {float(power[bad][0])!r}"
            raise error(
                f"**: {problem}, in {np.count_nonzero(bad)} of {bad.size} entries (the first "
                f"is {first}); {advice}"
            )
    return _unchecked_pow(x, y)  # a flag with no error of ours behind it: IEEE's result


def _unchecked_pow(x: Any, y: Any) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.power(x, y)


def _pow_base_grad(g: np.ndarray, x: Any, y: Any) -> np.ndarray:
    """d(x**y)/dx = y·x**(y-1), as the scalar engine: at x = 0 it is inf for 0 < y < 1 (as in
    PyTorch), 1 for y = 1, 0 for y > 1, and 0 for y = 0 (where y·x**(y-1) would be 0·inf)."""
    with np.errstate(invalid="ignore"):  # 0·inf where x = y = 0, replaced by 0
        return g * np.where((x == 0) & (y == 0), 0, y * _unchecked_pow(x, y - 1))


def _pow_exponent_grad(g: np.ndarray, x: Any, z: np.ndarray) -> np.ndarray:
    """d(x**y)/dy = x**y · ln x, which needs x > 0 (taken as 0 where x = 0, as PyTorch)."""
    negative = np.asarray(x < 0)  # not np.min(x) < 0: a NaN entry would hide the others
    if negative.any():
        raise DomainError(
            f"**: d(a**b)/db = a**b·ln(a) needs a > 0, but {np.count_nonzero(negative)} bases "
            f"are negative (the first is {float(np.asarray(x)[negative][0])!r}); if the "
            "exponent is a constant, pass a number or an array, not a Tensor"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * np.where(x == 0, 0, z * np.log(x))


# op: (forward, d/da as a VJP, d/db as a VJP); x, y are the operands, z the output.
#                 forward         gradient for a                   gradient for b
_ELEMENTWISE: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]] = {
    "+": (np.add,       lambda g, x, y, z: g,                     lambda g, x, y, z: g),
    "-": (np.subtract,  lambda g, x, y, z: g,                     lambda g, x, y, z: -g),
    "*": (np.multiply,  lambda g, x, y, z: g * y,                 lambda g, x, y, z: g * x),
    "/": (_div,         lambda g, x, y, z: g / y,                 lambda g, x, y, z: -g * z / y),
    "**": (_pow,        lambda g, x, y, z: _pow_base_grad(g, x, y),
                        lambda g, x, y, z: _pow_exponent_grad(g, x, z)),
}  # fmt: skip


def _elementwise(op: str, a: Any, b: Any) -> Tensor:
    """a <op> b with NumPy broadcasting; each operand's gradient is summed back to its shape."""
    forward, d_a, d_b = _ELEMENTWISE[op]
    x, y, parents, a_is, b_is = _operands(op, a, b)
    try:
        z = forward(x, y)
    except DomainError:
        raise
    except ValueError:  # NumPy could not broadcast the shapes
        raise _shape_error(op, x, y) from None
    x_shape, y_shape = np.shape(x), np.shape(y)

    def vjp(g: np.ndarray) -> tuple[np.ndarray, ...]:
        grads = []
        if a_is:
            grads.append(unbroadcast(d_a(g, x, y, z), x_shape))
        if b_is:
            grads.append(unbroadcast(d_b(g, x, y, z), y_shape))
        return tuple(grads)

    return _result(z, parents, vjp, op)


# ----------------------------------------------------------------------------- matmul


def matmul(a: Any, b: Any) -> Tensor:
    """``a @ b`` for 2-D and 1-D operands. For Z = X @ W the gradients are the seeds'
    dX = dZ · Wᵀ and dW = Xᵀ · dZ. A vector is treated as one row (on the left) or one
    column (on the right), and that axis is dropped from the result, as in NumPy."""
    x, y, parents, a_is, b_is = _operands("matmul", a, b)
    x, y = np.asarray(x), np.asarray(y)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        raise ValueError(
            f"matmul: {shape_str(x.shape)} @ {shape_str(y.shape)}: only 1-D and 2-D operands "
            "are supported; reshape to a matrix first"
        )
    if x.shape[-1] != y.shape[0]:
        raise ValueError(
            f"matmul: {shape_str(x.shape)} @ {shape_str(y.shape)}: inner dimensions "
            f"{x.shape[-1]} and {y.shape[0]} differ; the left operand needs as many columns "
            "as the right one has rows"
        )
    z = x @ y
    x2 = x if x.ndim == 2 else x.reshape(1, -1)  # a row
    y2 = y if y.ndim == 2 else y.reshape(-1, 1)  # a column

    def vjp(g: np.ndarray) -> tuple[np.ndarray, ...]:
        g2 = g.reshape(x2.shape[0], y2.shape[1])
        grads = []
        if a_is:
            grads.append((g2 @ y2.T).reshape(x.shape))  # dX = dZ · Wᵀ
        if b_is:
            grads.append((x2.T @ g2).reshape(y.shape))  # dW = Xᵀ · dZ
        return tuple(grads)

    return _result(z, parents, vjp, "@")


# ----------------------------------------------------------------------------- indexing


def getitem(t: Tensor, index: Index) -> Tensor:
    """``t[index]`` with ints, slices or integer arrays. The gradient goes back to the entries
    that were picked; an entry picked twice gets both gradients (``np.add.at``); the entries
    not picked get 0."""
    if isinstance(index, tuple):
        index = tuple(_tensor_index(i) for i in index)
    else:
        index = _tensor_index(index)
    x = t.data
    y = x[index]

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        dx = np.zeros_like(x)
        np.add.at(dx, index, g)
        return (dx,)

    return _result(y, (t,), vjp, "index")


def _tensor_index(index: Any) -> Any:
    """A Tensor used as an index holds floats: they must be whole numbers (1.5 is no index)."""
    if not isinstance(index, Tensor):
        return index
    i = index.data
    whole = np.isfinite(i) & (i == np.round(i))
    if not whole.all():
        raise IndexError(
            f"index: a Tensor used as an index must hold whole numbers, got "
            f"{float(i[~whole][0])!r}; index with an integer array or a list of ints"
        )
    return i.astype(np.intp)


# ----------------------------------------------------------------------------- softmax & loss


def _log_softmax(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log softmax along ``axes``. A group holding +inf, or only -inf, has no softmax (inf -
    inf): NaN, as in PyTorch. A -inf entry next to finite ones gets -inf (probability 0)."""
    with np.errstate(invalid="ignore"):  # inf - inf: that NaN is the answer
        shifted = x - x.max(axis=axes, keepdims=True)  # log softmax(x) = log softmax(x - max)
        return shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))


def softmax(t: Tensor, axis: int = -1) -> Tensor:
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, shifted by the max so nothing overflows.
    Gradient: s ⊙ (g - Σ g ⊙ s), the softmax Jacobian applied to g."""
    axes = _axes(axis, t.shape, "softmax")
    s = np.exp(_log_softmax(t.data, axes))
    return _result(
        s, (t,), lambda g: (s * (g - (g * s).sum(axis=axes, keepdims=True)),), "softmax"
    )


def log_softmax(t: Tensor, axis: int = -1) -> Tensor:
    """xᵢ - log Σⱼ exp(xⱼ) along ``axis``, never forming a tiny probability.
    Gradient: g - softmax(x) · Σ g."""
    axes = _axes(axis, t.shape, "log_softmax")
    y = _log_softmax(t.data, axes)
    return _result(
        y, (t,), lambda g: (g - np.exp(y) * g.sum(axis=axes, keepdims=True),), "log_softmax"
    )


def cross_entropy(logits: Tensor, targets: ArrayLike) -> Tensor:
    """The mean over the batch of -log softmax(logits)[target], as one fused node.

    ``logits`` has shape (N×C); ``targets`` holds N class indices in [0, C), or is an (N×C)
    array of target probabilities (e.g. one-hot rows Y). Its gradient with respect to the
    logits is the seeds' ``dZ = A - Y`` (softmax minus one-hot), divided by N for the mean.
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy: logits must be a Tensor, got {type(logits).__name__}")
    z = logits.data
    if z.ndim != 2:
        raise ValueError(
            f"cross_entropy: logits must have shape (N×C), got {shape_str(z.shape)}; "
            "reshape a single sample with .reshape(1, -1)"
        )
    n, c = z.shape
    target = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    logp = _log_softmax(z, (1,))
    if target.ndim == 2:  # probabilities, e.g. one-hot rows
        if target.shape != z.shape:
            raise ValueError(
                f"cross_entropy: logits {shape_str(z.shape)} and target probabilities "
                f"{shape_str(target.shape)} must have the same shape"
            )
        y = _numbers(target, z.dtype, "cross_entropy's target probabilities")
        with np.errstate(invalid="ignore"):  # a class of probability 0 adds 0, also where
            loss = -np.where(y != 0, y * logp, 0).sum() / n  # its logit is -inf (0·log 0)
    else:
        y = _class_indices(target, n, c)
        loss = -logp[np.arange(n), y].sum() / n

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        a = np.exp(logp)  # A = softmax(Z)
        if y.ndim == 2:
            a = a * y.sum(axis=1, keepdims=True) - y  # A - Y (rows of Y sum to 1)
        else:
            a[np.arange(n), y] -= 1  # A - one-hot(y)
        return (a * (g / n),)

    return _result(np.asarray(loss, dtype=z.dtype), (logits,), vjp, "cross_entropy")


def _class_indices(target: np.ndarray, n: int, c: int) -> np.ndarray:
    if target.shape != (n,):
        raise ValueError(
            f"cross_entropy: logits {shape_str((n, c))} need {n} class indices, got targets of "
            f"shape {shape_str(target.shape)}"
        )
    if target.dtype.kind not in "iu":
        whole = np.isfinite(target) & (target == np.round(target)) if target.dtype.kind == "f" \
            else None
        if whole is None or not whole.all():
            example = "" if whole is None else f", e.g. {target[~whole][0]}"
            raise TypeError(
                f"cross_entropy: targets must be integer class indices (whole numbers), got "
                f"dtype {target.dtype}{example}"
            )
    if n and (target.min() < 0 or target.max() >= c):  # before converting: 1e30 stays 1e30
        bad = target[(target < 0) | (target >= c)]
        raise ValueError(
            f"cross_entropy: {bad.size} targets are outside the {c} classes 0..{c - 1} "
            f"(the first is {bad[0]})"
        )
    return target.astype(np.intp, copy=False)


# Function forms, so that ``relu(x)`` reads like ``x.relu()``.


def exp(t: Tensor) -> Tensor:
    return t.exp()


def log(t: Tensor) -> Tensor:
    return t.log()


def tanh(t: Tensor) -> Tensor:
    return t.tanh()


def sigmoid(t: Tensor) -> Tensor:
    return t.sigmoid()


def relu(t: Tensor) -> Tensor:
    return t.relu()


def leaky_relu(t: Tensor, alpha: float = 0.01) -> Tensor:
    return t.leaky_relu(alpha)
