"""The tensor engine: the scalar engine's story with a NumPy array in every node. Read it
next to ``tinygrad_edu/engine.py``.

1. A ``Tensor`` holds an array (``data``), the gradient of the final output with respect to
   it (``grad``, an array of the same shape; None until a backward pass reaches it, as in
   PyTorch), the tensors it was made from (``parents``) and the name of the operation that
   made it (``op``). Each operator and method is one line that applies an op from the table
   below.
2. ``walk`` and ``backpropagate`` are the scalar engine's, the very same functions.
3. Each op computes its output and keeps, beside it, a small function ``_vjp``: given the
   gradient of the output it returns the gradient of each parent, a vector-Jacobian product.
   For ``Z = X @ W`` that is ``dZ @ Wᵀ`` and ``Xᵀ @ dZ``: the scalar engine's
   ``parent.grad += local_grad * node.grad``, for a whole array at once.

Broadcasting: ``X @ W + b`` with b of shape (1×out) adds b to every row. In the backward
pass each row sends its gradient to the same b, so b's gradient is the sum over rows:
``unbroadcast`` sums a gradient back to its operand's shape, for every elementwise op.

A plain number or NumPy array in an operation is a constant, like a plain number in the
scalar engine: it is not a parent and gets no gradient (so ``images @ W`` never computes a
gradient for the images). Constants take the tensor's dtype, so a float32 model stays
float32 end to end. Only real numbers are accepted: None, text, complex numbers and other
objects raise a TypeError that says what to do, because NumPy would quietly turn them into
numbers (``checked.py``).

NaN propagates, as in the scalar engine: a NaN entry makes NaN of every value computed from
it, and of every local derivative that depends on it (relu's slope at NaN is NaN); a
derivative that does not depend on it stays what it is (d(x + 1)/dx = 1).

The ``_vjp`` closures keep the arrays they need, never their output ``Tensor``, so a graph
holds no reference cycles. No op supports ``create_graph``: gradients here are plain NumPy
arrays; the scalar engine's ``grad(..., create_graph=True)`` gives second derivatives.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, Union

import numpy as np

from tinygrad_edu.engine import backpropagate, walk, zero_grad
from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.tensor import checked
from tinygrad_edu.tensor.checked import LARGEST, is_real, not_real, real_array, shape_str

ArrayLike = Any  # an ndarray, a (nested) list of numbers, or a number
Operand = Union["Tensor", ArrayLike]
Index = Any  # what NumPy accepts between [ ]: ints, slices, integer arrays, ...
Axis = Union[int, tuple[int, ...], None]  # noqa: UP007
Vjp = Callable[[np.ndarray], tuple[Any, ...]]


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
    ``torch.tensor`` does. ``==``, ``<`` and the other comparisons work entry by entry and
    give a boolean NumPy array (no graph), as in NumPy and PyTorch; ``if t:`` needs a
    one-element tensor. Hashing is by identity, so tensors work in sets and as dict keys.
    """

    __slots__ = ("__weakref__", "_vjp", "data", "grad", "label", "op", "parents")
    EMPTY_GRAD: ClassVar[None] = None  # what grad holds before any gradient arrives

    # NumPy must not treat a Tensor as an array: ``ndarray @ tensor`` then falls back to
    # ``Tensor.__rmatmul__``, which treats the array as a constant.
    __array_ufunc__ = None

    def __init__(self, data: ArrayLike, dtype: Any = None, label: str = "") -> None:
        if isinstance(data, Tensor):
            raise TypeError("Tensor(t) got a Tensor; use t.detach() for a copy without history")
        if dtype is None:
            kind = getattr(data, "dtype", None)
            dtype = kind if kind in checked.DTYPES else np.float64
        self.data: np.ndarray = real_array(data, checked.float_dtype(dtype), "Tensor", copy=True)
        self.grad: np.ndarray | None = None
        self.label = label
        self.parents: tuple[Tensor, ...] = ()
        self.op = ""  # the operation that made it: '@', 'relu', ...; '' for a leaf
        self._vjp: Vjp | None = None

    # The operators and methods: each applies an op from the table below.
    def __add__(self, other: Operand) -> Tensor: return add(self, other)
    def __radd__(self, other: Operand) -> Tensor: return add(other, self)
    def __sub__(self, other: Operand) -> Tensor: return sub(self, other)
    def __rsub__(self, other: Operand) -> Tensor: return sub(other, self)
    def __mul__(self, other: Operand) -> Tensor: return mul(self, other)
    def __rmul__(self, other: Operand) -> Tensor: return mul(other, self)
    def __truediv__(self, other: Operand) -> Tensor: return div(self, other)
    def __rtruediv__(self, other: Operand) -> Tensor: return div(other, self)
    def __pow__(self, other: Operand) -> Tensor: return pow_(self, other)
    def __rpow__(self, other: Operand) -> Tensor: return pow_(other, self)
    def __matmul__(self, other: Operand) -> Tensor: return matmul(self, other)
    def __rmatmul__(self, other: Operand) -> Tensor: return matmul(other, self)
    def __neg__(self) -> Tensor: return neg(self)
    def __pos__(self) -> Tensor: return self
    def __getitem__(self, index: Index) -> Tensor: return getitem(self, index)
    def exp(self) -> Tensor: return exp(self)
    def log(self) -> Tensor: return log(self)
    def tanh(self) -> Tensor: return tanh(self)
    def sigmoid(self) -> Tensor: return sigmoid(self)
    def relu(self) -> Tensor: return relu(self)
    def leaky_relu(self, alpha: float = 0.01) -> Tensor: return leaky_relu(self, alpha)
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return sum_(self, axis, keepdims)
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return mean(self, axis, keepdims)
    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return max_(self, axis, keepdims)
    def reshape(self, *shape: Any) -> Tensor: return reshape(self, *shape)
    def transpose(self, *axes: int) -> Tensor: return transpose(self, *axes)
    def softmax(self, axis: int = -1) -> Tensor: return softmax(self, axis)
    def log_softmax(self, axis: int = -1) -> Tensor: return log_softmax(self, axis)

    @property
    def T(self) -> Tensor:
        """The transpose: the axes reversed."""
        return transpose(self)

    # The backward pass.
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
                "engine: tinygrad_edu.grad(..., create_graph=True)")
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: the output has shape {shape_str(self.shape)}; pass grad= of "
                    "that shape, or reduce it to one number first (e.g. .sum() or .mean())")
            seed = np.ones_like(self.data)
        else:
            given = grad.data if isinstance(grad, Tensor) else grad
            seed = real_array(given, self.dtype, "backward's grad", copy=True)
            if seed.shape != self.shape:
                raise ValueError(f"backward: grad has shape {shape_str(seed.shape)} but the "
                                 f"output has shape {shape_str(self.shape)}; they must match")
        deque(backpropagate(self, seed), maxlen=0)  # run every step

    def _backward(self) -> None:
        """One step of the chain rule, as ``Value._backward``: pass this tensor's gradient on
        to its parents (each parent's share comes from the op's ``_vjp``)."""
        if self._vjp is None or self.grad is None:
            return  # a leaf, or no gradient reached this node
        for parent, g in zip(self.parents, self._vjp(self.grad)):
            parent._add_grad(g)

    def _add_grad(self, g: np.ndarray) -> None:
        """``self.grad += g``, never writing into an existing array. A leaf gets its own copy
        in its own dtype, so an optimizer can change it without touching anything else."""
        if self.grad is None:
            self.grad = g if self.parents else np.array(g, dtype=self.data.dtype)
        elif self.parents:
            self.grad = self.grad + g
        else:
            self.grad = self.grad + g.astype(self.data.dtype, copy=False)

    def zero_grad(self) -> None:
        """Forget the gradient of this tensor and of everything it depends on (``None``)."""
        zero_grad(self)

    # Looking at a tensor.
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
        extras += (f", label={self.label!r}" if self.label else "") + (
            f", op={self.op!r}" if self.op else "")
        return f"Tensor({body}{extras})"

    def item(self) -> float:
        """The single number in a one-element tensor, as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element has a single number; this "
                             f"one has shape {shape_str(self.shape)}")
        return float(self.data.item())

    def numpy(self) -> np.ndarray:
        """The array itself (not a copy), as ``torch.Tensor.numpy()``."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's array, without history."""
        return _node(self.data, label=self.label)

    # Comparisons work entry by entry, as in NumPy and PyTorch: a boolean NumPy array, no
    # graph, no gradient. Hashing is by identity, so tensors work in sets and as dict keys.
    def __eq__(self, other: object) -> np.ndarray: return _compare("==", self, other)  # type: ignore[override]
    def __ne__(self, other: object) -> np.ndarray: return _compare("!=", self, other)  # type: ignore[override]
    def __lt__(self, other: Operand) -> np.ndarray: return _compare("<", self, other)
    def __le__(self, other: Operand) -> np.ndarray: return _compare("<=", self, other)
    def __gt__(self, other: Operand) -> np.ndarray: return _compare(">", self, other)
    def __ge__(self, other: Operand) -> np.ndarray: return _compare(">=", self, other)
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

    # Copying and pickling. A deep copy copies the whole graph without recursion (the copy
    # shares the backward functions, and the arrays they keep, with the original). A pickle
    # holds a leaf's numbers; a tensor with history cannot be pickled: its backward functions
    # are closures, which pickle cannot store.
    def __copy__(self) -> Tensor:
        twin = _node(self.data, label=self.label)  # the same array, parents and backward
        twin.grad, twin.op, twin.parents, twin._vjp = self.grad, self.op, self.parents, self._vjp
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        return _deep_copy(self, memo)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.parents or self._vjp is not None:
            raise TypeError(
                f"cannot pickle a Tensor made by {self.op!r} (it has a history, whose backward "
                "functions pickle cannot store); pickle t.detach() for its numbers, or a "
                "model's state_dict() (or use model.save)")
        return (_leaf, (self.data, self.grad, self.label))


def _leaf(data: np.ndarray, grad: np.ndarray | None, label: str) -> Tensor:
    t = _node(data, label=label)
    t.grad = grad
    return t


def _deep_copy(root: Tensor, memo: dict[int, Any]) -> Tensor:
    from copy import deepcopy

    for node in walk(root):  # parents first, so each copy can point at its parents' copies
        if id(node) not in memo:
            twin = Tensor.__new__(Tensor)
            twin.data = node.data.copy()
            twin.grad = deepcopy(node.grad, memo)
            twin.label, twin.op, twin._vjp = node.label, node.op, node._vjp
            twin.parents = tuple(memo[id(p)] for p in node.parents)
            memo[id(node)] = twin
    return memo[id(root)]


# ----------------------------------------------------------------------------- building nodes


def _node(data: Any, parents: tuple[Tensor, ...] = (), vjp: Vjp | None = None, op: str = "",
          label: str = "") -> Tensor:
    """A Tensor around ``data`` (no copy, no checks): how operations make their outputs. It
    records its parents and ``_vjp`` unless graph building is off (``no_grad``)."""
    t = Tensor.__new__(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)
    t.grad = None
    t.label = label
    t.parents, t._vjp, t.op = ((), None, op) if not parents or not is_grad_enabled() else (
        parents, vjp, op)
    return t


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape`` back.

    If b (1×4) was added to every row of Z (10×4), each of the 10 rows used the same b, so
    b's gradient is the sum of the 10 rows' gradients: (10×4) → (1×4)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)  # leading axes that broadcasting put in front
    stretched = tuple(  # axes where the operand had size 1 and was stretched
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] > 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _unary(name: str, forward: Callable[..., Any], vjp: Callable[..., Any],
           param: float | None = None) -> Callable[..., Tensor]:
    """An elementwise op of one tensor: ``forward(x)`` and ``vjp(g, x, y)``, the gradient of
    x from the output's gradient g (``param``: an extra number such as alpha, passed last)."""

    def op(t: Tensor, *alpha: float) -> Tensor:
        extra = alpha or (() if param is None else (param,))
        for a in extra:
            if not is_real(a):
                raise not_real(a, f"{name}: alpha")
        x = t.data
        y = forward(x, *extra)
        return _node(y, (t,), lambda g: (vjp(g, x, y, *extra),), name)

    op.__name__ = op.__qualname__ = name
    return op


def _binary(name: str, forward: Callable[..., Any], vjp_a: Callable[..., Any],
            vjp_b: Callable[..., Any]) -> Callable[[Operand, Operand], Tensor]:
    """An elementwise op of two operands, broadcast as NumPy does: ``forward(a, b)`` and the
    gradients ``vjp_a(g, a, b, y)``, ``vjp_b(g, a, b, y)``, each summed back to its operand's
    shape. A plain number or array is a constant: no gradient for it."""

    def op(a: Operand, b: Operand) -> Tensor:
        x, y, parents, a_is, b_is = _operands(name, a, b)
        try:
            z = forward(x, y)
        except DomainError:
            raise
        except ValueError:  # NumPy could not broadcast the shapes
            raise _shape_error(name, x, y) from None
        x_shape, y_shape = np.shape(x), np.shape(y)

        def vjp(g: np.ndarray) -> tuple[np.ndarray, ...]:
            grads = []
            if a_is:
                grads.append(unbroadcast(vjp_a(g, x, y, z), x_shape))
            if b_is:
                grads.append(unbroadcast(vjp_b(g, x, y, z), y_shape))
            return tuple(grads)

        return _node(z, parents, vjp, name)

    op.__name__ = op.__qualname__ = name
    return op


# ----------------------------------------------------------------------------- the op table
# Each elementwise op in one line: its forward function on arrays, then its vector-Jacobian
# product: from the output's gradient g, the gradient of the operand (g times the local
# derivative, entry by entry).

#                 name  forward        VJP for a                VJP for b
add = _binary("+", np.add, lambda g, a, b, y: g, lambda g, a, b, y: g)
sub = _binary("-", np.subtract, lambda g, a, b, y: g, lambda g, a, b, y: -g)
mul = _binary("*", np.multiply, lambda g, a, b, y: g * b, lambda g, a, b, y: g * a)
div = _binary("/", checked.div, lambda g, a, b, y: g / b, lambda g, a, b, y: -g * y / b)
pow_ = _binary("**", checked.pow, lambda g, a, b, y: g * _d_pow_base(a, b),
               lambda g, a, b, y: g * _d_pow_exponent(a, y))

#                 name    forward           VJP
neg = _unary("neg", np.negative, lambda g, x, y: -g)
exp = _unary("exp", checked.exp, lambda g, x, y: g * y)
log = _unary("log", checked.log, lambda g, x, y: g / x)
tanh = _unary("tanh", np.tanh, lambda g, x, y: g * (1 - y * y))
sigmoid = _unary("sigmoid", checked.sigmoid, lambda g, x, y: g * y * (1 - y))
relu = _unary("relu", lambda x: np.maximum(x, 0), lambda g, x, y: g * checked.step(x, 0.0))
leaky_relu = _unary("leaky_relu", lambda x, a: x * checked.step(x, a),
                    lambda g, x, y, a: g * checked.step(x, a), param=0.01)


def _d_pow_base(x: Any, y: Any) -> np.ndarray:
    """d(x**y)/dx = y·x**(y-1), as the scalar engine: at x = 0 it is inf for 0 < y < 1 (as in
    PyTorch), 1 for y = 1, 0 for y > 1, and 0 for y = 0 (where y·x**(y-1) would be 0·inf).
    A NaN base gives NaN, also for y = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):  # 0·inf where x = y = 0, replaced by 0
        return np.where((x == 0) & (y == 0), 0, y * checked.unchecked_pow(x, y - 1))


def _d_pow_exponent(x: Any, z: np.ndarray) -> np.ndarray:
    """d(x**y)/dy = x**y · ln x, which needs x > 0 (taken as 0 where x = 0, as PyTorch)."""
    negative = np.asarray(x < 0)  # not np.min(x) < 0: a NaN entry would hide the others
    if negative.any():
        raise DomainError(
            f"**: d(a**b)/db = a**b·ln(a) needs a > 0, but {np.count_nonzero(negative)} bases "
            f"are negative (the first is {float(np.asarray(x)[negative][0])!r}); if the "
            "exponent is a constant, pass a number or an array, not a Tensor")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0, z * np.log(x))


def matmul(a: Operand, b: Operand) -> Tensor:
    """``a @ b`` for 2-D and 1-D operands. For Z = X @ W the gradients are the seeds'
    dX = dZ · Wᵀ and dW = Xᵀ · dZ. A vector is treated as one row (on the left) or one
    column (on the right), and that axis is dropped from the result, as in NumPy."""
    x, y, parents, a_is, b_is = _operands("matmul", a, b)
    x, y = np.asarray(x), np.asarray(y)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        raise ValueError(f"matmul: {shape_str(x.shape)} @ {shape_str(y.shape)}: only 1-D and "
                         "2-D operands are supported; reshape to a matrix first")
    if x.shape[-1] != y.shape[0]:
        raise ValueError(
            f"matmul: {shape_str(x.shape)} @ {shape_str(y.shape)}: inner dimensions "
            f"{x.shape[-1]} and {y.shape[0]} differ; the left operand needs as many columns "
            "as the right one has rows")
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

    return _node(x @ y, parents, vjp, "@")


# Reductions. ``axis`` is an int (negative counts from the end), a tuple of ints, or None for
# all axes; a 0-d tensor takes axis 0 or -1, as in PyTorch (there is nothing to reduce).


def sum_(t: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` (all axes by default). Every summed entry gets the sum's gradient."""
    x = t.data
    axes = _axes(axis, x.shape, "sum")
    return _node(x.sum(axis=axes, keepdims=keepdims), (t,),
                 lambda g: (_expand(g, x.shape, axes, keepdims),), "sum")


def mean(t: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean over ``axis``: the sum's gradient divided by how many entries were averaged.
    The mean of no entries (0/0) raises ValueError."""
    x = t.data
    axes = _axes(axis, x.shape, "mean")
    n = _group_size(x.shape, axes, axis, "mean", "the mean of no numbers is undefined")
    return _node(x.sum(axis=axes, keepdims=keepdims) / n, (t,),
                 lambda g: (_expand(g / n, x.shape, axes, keepdims),), "mean")


def max_(t: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The largest entry over ``axis``. The gradient goes to the entry that was largest
    (shared equally between ties, as ``torch.amax``). NaN counts as the largest (as in
    ``np.max``): where it wins, the result is NaN, its NaN entries get NaN (which one won is
    undefined) and the others 0."""
    x = t.data
    axes = _axes(axis, x.shape, "max")
    _group_size(x.shape, axes, axis, "max", "no numbers have a largest one")
    top = x.max(axis=axes, keepdims=True)

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        winners = x == top  # none where the max is NaN (NaN == NaN is False)
        share = winners / np.maximum(winners.sum(axis=axes, keepdims=True), 1)
        share = np.where(np.isnan(x), np.nan, share)
        return (share * _expand(g, x.shape, axes, keepdims),)

    return _node(top if keepdims else np.squeeze(top, axes), (t,), vjp, "max")


def softmax(t: Tensor, axis: int = -1) -> Tensor:
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, shifted by the max so nothing overflows.
    Gradient: s ⊙ (g - Σ g ⊙ s), the softmax Jacobian applied to g."""
    axes = _axes(axis, t.shape, "softmax")
    s = np.exp(log_softmax_array(t.data, axes))
    return _node(s, (t,), lambda g: (s * (g - (g * s).sum(axis=axes, keepdims=True)),),
                 "softmax")


def log_softmax(t: Tensor, axis: int = -1) -> Tensor:
    """xᵢ - log Σⱼ exp(xⱼ) along ``axis``, never forming a tiny probability.
    Gradient: g - softmax(x) · Σ g."""
    axes = _axes(axis, t.shape, "log_softmax")
    y = log_softmax_array(t.data, axes)
    return _node(y, (t,), lambda g: (g - np.exp(y) * g.sum(axis=axes, keepdims=True),),
                 "log_softmax")


def log_softmax_array(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log softmax along ``axes``. A group holding +inf, or only -inf, has no softmax (inf -
    inf): NaN, as in PyTorch. A -inf entry next to finite ones gets -inf (probability 0)."""
    # inf - inf: that NaN is the answer; log(0) only for an empty group, which stays empty
    with np.errstate(invalid="ignore", divide="ignore"):
        # log softmax(x) = log softmax(x - max); ``initial`` lets an empty group be empty
        shifted = x - x.max(axis=axes, keepdims=True, initial=-np.inf)
        return shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))


# Shapes and indexing: the gradient goes back to where each entry came from.


def reshape(t: Tensor, *shape: Any) -> Tensor:
    """The same entries in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    x = t.data
    try:
        y = x.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape {shape_str(x.shape)} ({x.size} entries) "
                         f"into {shape}; the number of entries must stay the same") from None
    return _node(y, (t,), lambda g: (g.reshape(x.shape),), "reshape")


def transpose(t: Tensor, *axes: int) -> Tensor:
    """Reverse the axes (``t.T``), or put them in the order given."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    order = tuple(axes) if axes else tuple(reversed(range(t.ndim)))
    back = tuple(np.argsort(order))  # the permutation that undoes ``order``
    return _node(t.data.transpose(order), (t,), lambda g: (g.transpose(back),), "transpose")


def getitem(t: Tensor, index: Index) -> Tensor:
    """``t[index]`` with ints, slices or integer arrays. The gradient goes back to the entries
    that were picked; an entry picked twice gets both gradients (``np.add.at``); the entries
    not picked get 0."""
    index = tuple(map(_whole, index)) if isinstance(index, tuple) else _whole(index)
    x = t.data

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        dx = np.zeros_like(x)
        np.add.at(dx, index, g)
        return (dx,)

    return _node(x[index], (t,), vjp, "index")


# ----------------------------------------------------------------------------- helpers


def _whole(index: Any) -> Any:
    """A Tensor used as an index holds floats: they must be whole numbers (1.5 is no index)."""
    if not isinstance(index, Tensor):
        return index
    i = index.data
    whole = np.isfinite(i) & (i == np.round(i))
    if not whole.all():
        raise IndexError(f"index: a Tensor used as an index must hold whole numbers, got "
                         f"{float(i[~whole][0])!r}; index with an integer array or a list "
                         "of ints")
    return i.astype(np.intp)


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
            raise ValueError(f"{op}: axis {a} does not exist in a tensor of shape "
                             f"{shape_str(shape)}; its axes are {-valid}..{valid - 1}")
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
        raise ValueError(f"{op}: over axis {axis!r} of a tensor of shape {shape_str(shape)} "
                         f"there are no entries to combine, and {why}")
    return max(n, 1)  # an empty result has nothing to divide: any n will do


def _expand(g: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool
            ) -> np.ndarray:
    """Spread the gradient of a reduction back over the entries it reduced."""
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def _constant(x: Any, dtype: np.dtype, op: str) -> Any:
    """A plain operand (number, list, array) as a constant of the tensor's dtype."""
    if type(x) is float or type(x) is int:
        if -LARGEST[dtype] <= x <= LARGEST[dtype] or x != x or x in (math.inf, -math.inf):
            return x  # NumPy keeps the tensor's dtype for a plain Python number
        shown = repr(x)
        if len(shown) > 80:  # a huge int: its size, not hundreds of digits
            shown = f"(an int of {len(str(abs(x)))} digits)"
        raise OverflowError(f"{op}: the number {shown} is too large for {dtype} (the largest is "
                            f"about {LARGEST[dtype]:.3g}); use float64 or scale the numbers "
                            "down")
    if isinstance(x, Tensor):
        return x.data
    return real_array(x, dtype, f"the other operand of {op}")


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
        "dimensions must be equal or one of them 1 (reshape one operand, e.g. b to (1×n))")


_COMPARISONS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                ">": np.greater, ">=": np.greater_equal}


def _compare(op: str, t: Tensor, other: Any) -> np.ndarray:
    """``t <op> other`` entry by entry: a boolean array, outside the graph."""
    y = _constant(other, t.data.dtype, op)
    try:
        return np.asarray(_COMPARISONS[op](t.data, y))
    except ValueError:  # NumPy could not broadcast the shapes
        raise _shape_error(op, t.data, y) from None
