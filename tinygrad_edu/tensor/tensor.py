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
float32 end to end.

The closures keep the arrays they need (inputs, sometimes the output's array), never the
output ``Tensor`` itself, so a graph holds no reference cycles: a graph you drop is freed at
once by reference counting.

Higher-order gradients: none of the tensor ops support ``create_graph``; gradients here are
plain NumPy arrays. ``backward(create_graph=True)`` raises ``NotImplementedError``. Use the
scalar engine's ``grad(..., create_graph=True)`` for second derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from tinygrad_edu.engine import DomainError, is_grad_enabled, walk

ArrayLike = Any  # an ndarray, a (nested) list of numbers, or a number
Index = Any  # what NumPy accepts between [ ]: ints, slices, integer arrays, ...
Axis = Union[int, tuple[int, ...], None]  # noqa: UP007 (a runtime alias, Python 3.10)
Vjp = Callable[[np.ndarray], tuple[Any, ...]]

DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


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
    ``torch.tensor`` does.
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
        try:
            self.data = np.array(data, dtype=_dtype(dtype))
        except (TypeError, ValueError) as error:
            raise TypeError(f"Tensor needs numbers, got {type(data).__name__}: {error}") from None
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
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
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

    # ------------------------------------------------------------------ unary ops
    # Forward on the left, the vector-Jacobian product on the right: each parent's gradient
    # is the output's gradient g times the local derivative, elementwise.

    def exp(self) -> Tensor:
        y = np.exp(self.data)
        return _result(y, (self,), lambda g: (g * y,), "exp")  # d eˣ/dx = eˣ

    def log(self) -> Tensor:
        x = self.data
        if x.size and not x.min() > 0:  # one reduction: cheap next to log itself
            bad = x[~(x > 0)]
            raise DomainError(
                f"log: {bad.size} of {x.size} entries are not positive (the first is "
                f"{float(bad[0])!r}), but log is only defined for positive numbers; clamp the "
                "input (e.g. x + 1e-12) or use a stable loss such as cross_entropy"
            )
        return _result(np.log(x), (self,), lambda g: (g / x,), "log")  # d ln x/dx = 1/x

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
        y = np.maximum(x, 0)
        return _result(y, (self,), lambda g: (g * (x > 0),), "relu")  # 1 if x > 0 else 0

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        x = self.data
        slope = np.where(x > 0, 1, alpha).astype(x.dtype)  # 1 if x > 0 else alpha
        return _result(x * slope, (self,), lambda g: (g * slope,), "leaky_relu")

    # ------------------------------------------------------------------ reductions and shapes

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Σ over ``axis`` (all axes by default). Every summed entry gets the sum's gradient."""
        x = self.data
        y = x.sum(axis=axis, keepdims=keepdims)
        return _result(y, (self,), lambda g: (_expand(g, x.shape, axis, keepdims),), "sum")

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The mean over ``axis``: the sum's gradient divided by how many entries were averaged."""
        x = self.data
        y = x.mean(axis=axis, keepdims=keepdims)
        n = x.size // max(y.size, 1) if x.size else 1
        return _result(
            y, (self,), lambda g: (_expand(g / n, x.shape, axis, keepdims),), "mean"
        )

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The largest entry over ``axis``. The gradient goes to the entry that was largest
        (shared equally between ties, as ``torch.amax``)."""
        x = self.data
        if x.size == 0:
            raise ValueError("max: the tensor is empty, so it has no largest entry")
        y = x.max(axis=axis, keepdims=True)

        def vjp(g: np.ndarray) -> tuple[np.ndarray]:
            winners = x == y
            share = winners / winners.sum(axis=axis, keepdims=True)
            return (share * _expand(g, x.shape, axis, keepdims),)

        return _result(y if keepdims else _squeeze(y, axis), (self,), vjp, "max")

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


def _accumulate(node: Tensor, g: np.ndarray) -> None:
    """``node.grad += g``, never writing into an existing array. A leaf gets its own copy in
    its own dtype, so an optimizer can change it without touching anything else."""
    if node.grad is None:
        node.grad = g if node.parents else np.array(g, dtype=node.data.dtype)
    elif node.parents:
        node.grad = node.grad + g
    else:
        node.grad = node.grad + g.astype(node.data.dtype, copy=False)


def _expand(g: np.ndarray, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> np.ndarray:
    """Spread the gradient of a reduction back over the entries it reduced."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _squeeze(y: np.ndarray, axis: Axis) -> np.ndarray:
    return y.reshape(()) if axis is None else np.squeeze(y, axis)


def _constant(x: Any, dtype: np.dtype, op: str) -> np.ndarray | float:
    """A plain operand (number, list, array) as a constant of the tensor's dtype."""
    if type(x) is float or type(x) is int:
        return x  # NumPy keeps the tensor's dtype for a plain Python number
    if isinstance(x, Tensor):
        return x.data
    try:
        return np.asarray(x, dtype=dtype)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}: cannot combine a Tensor with {type(x).__name__} {x!r}; use a number, an "
            "array or a Tensor"
        ) from None


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


# ----------------------------------------------------------------------------- elementwise


def _div(x: Any, y: Any) -> np.ndarray:
    if not np.all(y):
        raise ZeroDivisionError(
            f"/: {np.size(y) - np.count_nonzero(y)} of {np.size(y)} denominators are 0; "
            "add a small number or mask them out"
        )
    return x / y


def _pow(x: Any, y: Any) -> np.ndarray:
    if np.min(x) < 0 and not np.all(np.mod(y, 1) == 0):
        bad = np.broadcast_to(x, np.broadcast_shapes(np.shape(x), np.shape(y)))
        bad = bad[(bad < 0) & (np.mod(y, 1) != 0)]
        raise DomainError(
            f"**: {bad.size} negative bases have a non-integer exponent (the first base is "
            f"{float(bad[0])!r}), which is not a real number; use integer exponents for "
            "negative bases"
        )
    return x**y


def _pow_exponent_grad(g: np.ndarray, x: Any, z: np.ndarray) -> np.ndarray:
    """d(x**y)/dy = x**y · ln x, which needs x > 0 (taken as 0 where x = 0, as PyTorch)."""
    if np.min(x) < 0:
        raise DomainError(
            "**: d(a**b)/db = a**b·ln(a) needs a > 0, but the base has negative entries; if "
            "the exponent is a constant, pass a number or an array, not a Tensor"
        )
    with np.errstate(divide="ignore"):
        return g * np.where(x > 0, z * np.log(np.where(x > 0, x, 1)), 0)


# op: (forward, d/da as a VJP, d/db as a VJP); x, y are the operands, z the output.
#                 forward         gradient for a                   gradient for b
_ELEMENTWISE: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]] = {
    "+": (np.add,       lambda g, x, y, z: g,                     lambda g, x, y, z: g),
    "-": (np.subtract,  lambda g, x, y, z: g,                     lambda g, x, y, z: -g),
    "*": (np.multiply,  lambda g, x, y, z: g * y,                 lambda g, x, y, z: g * x),
    "/": (_div,         lambda g, x, y, z: g / y,                 lambda g, x, y, z: -g * z / y),
    "**": (_pow,        lambda g, x, y, z: g * y * x ** (y - 1),
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
        shapes = f"{shape_str(np.shape(x))} {op} {shape_str(np.shape(y))}"
        raise ValueError(
            f"{op}: {shapes}: shapes do not broadcast; counted from the right, each pair of "
            "dimensions must be equal or one of them 1 (reshape one operand, e.g. b to (1×n))"
        ) from None
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
    that were picked; an entry picked twice gets both gradients (``np.add.at``)."""
    if isinstance(index, Tensor):
        index = index.data.astype(np.intp)
    x = t.data
    y = x[index]

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        dx = np.zeros_like(x)
        np.add.at(dx, index, g)
        return (dx,)

    return _result(y, (t,), vjp, "index")


# ----------------------------------------------------------------------------- softmax & loss


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)  # log softmax(x) = log softmax(x - max)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(t: Tensor, axis: int = -1) -> Tensor:
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, shifted by the max so nothing overflows.
    Gradient: s ⊙ (g - Σ g ⊙ s), the softmax Jacobian applied to g."""
    s = np.exp(_log_softmax(t.data, axis))
    return _result(
        s, (t,), lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),), "softmax"
    )


def log_softmax(t: Tensor, axis: int = -1) -> Tensor:
    """xᵢ - log Σⱼ exp(xⱼ) along ``axis``, never forming a tiny probability.
    Gradient: g - softmax(x) · Σ g."""
    y = _log_softmax(t.data, axis)
    return _result(
        y, (t,), lambda g: (g - np.exp(y) * g.sum(axis=axis, keepdims=True),), "log_softmax"
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
    logp = _log_softmax(z, 1)
    if target.ndim == 2:  # probabilities, e.g. one-hot rows
        if target.shape != z.shape:
            raise ValueError(
                f"cross_entropy: logits {shape_str(z.shape)} and target probabilities "
                f"{shape_str(target.shape)} must have the same shape"
            )
        y = target.astype(z.dtype, copy=False)
        loss = -(y * logp).sum() / n
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
        if target.dtype.kind != "f" or not np.all(target == np.round(target)):
            raise TypeError(
                f"cross_entropy: targets must be integer class indices, got dtype {target.dtype}"
            )
        target = target.astype(np.intp)
    if n and (target.min() < 0 or target.max() >= c):
        bad = target[(target < 0) | (target >= c)]
        raise ValueError(
            f"cross_entropy: {bad.size} targets are outside the {c} classes 0..{c - 1} "
            f"(the first is {bad[0]})"
        )
    return target


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
