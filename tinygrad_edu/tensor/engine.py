"""The tensor engine: the scalar engine's story with a NumPy array in every node.

Read it in this order:

1. This file, top to bottom. A ``Tensor`` holds an array (``data``), the gradient of the
   final output with respect to it (``grad``: an array of the same shape, None until a
   backward pass reaches it, as in PyTorch), the tensors it was made from (``parents``) and
   the op that made it (``op``). Each of its operators applies an op of the table.
   ``backward()`` runs the chain rule over the whole graph; ``_backward()`` is one step of
   it, at one node. Then the op table: each op's forward function on arrays, and for each
   operand its vector-Jacobian product (VJP), the operand's gradient from the output's
   gradient ``g``, beside the same in words. For ``Z = X @ W`` they are ``dX = dZ @ Wᵀ``
   and ``dW = Xᵀ @ dZ``: the scalar engine's ``parent.grad += local_grad * node.grad``,
   for a whole array at once.
2. ``tinygrad_edu/graph.py``: ``walk``, the one graph walker, and ``backpropagate``, the
   loop of the backward pass. The scalar engine, stepping, drawing and the replay page use
   the very same functions.
3. The machinery beside this file, in ``tinygrad_edu/tensor/``, to trust rather than read,
   in this order: ``registry.py`` (the row ``TensorOp``, the registry ``OPS`` the tools read);
   ``making.py`` (the function you call, made from a row: constants, dtypes, the node it
   records; ``unary_op``, ``binary_op``, ``tensor_op`` for ops of your own); ``keeping.py``
   (what a graph keeps: arrays no one else can write); ``arguments.py`` (axes, shapes,
   indices, bounds checked); ``base.py`` (a tensor's manners: ``data``, shape, printing,
   comparisons, in-place updates, ``backward_steps``); ``copying.py`` (copy, pickle);
   ``safe_math.py`` (real numbers only, no silent inf or NaN).

The VJPs are written with operators and this module's functions, which work on arrays and
on Tensors alike: a backward pass runs them on arrays; with ``create_graph=True`` they run on
Tensors and build a graph of the gradient, to be differentiated again. A plain number or
array in an op is a constant of the tensor's dtype (not a parent: ``images @ W`` computes no
gradient for the images). A node keeps its operands, never a function: no reference cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Union

import numpy as np

from tinygrad_edu import graph
from tinygrad_edu.autograd.gradients import backward_into
from tinygrad_edu.ops import note_op
from tinygrad_edu.tensor import arguments, safe_math
from tinygrad_edu.tensor.base import TensorBase
from tinygrad_edu.tensor.making import binary_op, check_share, data, define, tensor_op, unary_op
from tinygrad_edu.tensor.registry import OPS, TensorOp, freeze_built_ins, register

__all__ = [
    "OPS", "Tensor", "TensorOp", "abs_", "add", "binary_op", "broadcast_to", "clip", "concatenate",
    "div", "exp", "getitem", "leaky_relu", "log", "log_softmax", "matmul", "max_", "maximum",
    "mean", "minimum", "mul", "neg", "pow_", "register", "relu", "reshape", "sigmoid", "softmax",
    "sqrt", "stack", "sub", "sum_", "tanh", "tensor_op", "transpose", "unary_op", "unbroadcast",
    "where",
]

ArrayLike = Any  # an ndarray, a (nested) list of numbers, or a number
Operand = Union["Tensor", ArrayLike]
Axis = Union[int, tuple[int, ...], None]  # noqa: UP007


class Tensor(TensorBase):
    """An array that remembers how it was computed, so that gradients can flow back to it.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], label="x")
    >>> w = Tensor([[0.5], [-1.0]], label="w")
    >>> y = (x @ w).sum()
    >>> y.backward()
    >>> w.grad                  # d y / d w = xᵀ · 1 = column sums of x
    array([[4.],
           [6.]])

    ``data`` is float64 unless you ask for float32 (``dtype=np.float32``) or pass a float32 array;
    ints and bools are converted; ``Tensor(array)`` copies it (as ``torch.tensor``). Shape,
    printing, comparisons, in-place updates, copying, pickling: ``base.py``.

    A node keeps the arrays its op was given and its output (``_saved``), read-only, never an array
    you hold (keeping.py): a change after the forward pass (``X *= 10``) never reaches the VJPs;
    ``backward()`` gives the forward pass's gradient.
    """

    __slots__ = ("__weakref__", "_data", "_no_graph", "_operands", "_params", "_row", "_saved",
                 "_scope", "grad", "label", "parents")
    EMPTY_GRAD: ClassVar[None] = None  # what grad holds before any gradient arrives
    _scope: str  # set only on a tensor made inside a named_scope (scopes.py)

    def __init__(self, data: ArrayLike, dtype: Any = None, label: str = "") -> None:
        if isinstance(data, Tensor):
            raise TypeError("Tensor(t) got a Tensor; use t.detach() for a copy without history")
        if dtype is None:
            kind = getattr(data, "dtype", None)
            dtype = kind if kind in safe_math.DTYPES else np.float64
        self._data = safe_math.real_array(data, safe_math.float_dtype(dtype), "Tensor", copy=True)
        self.grad = None  # an array; a Tensor on a leaf after backward(create_graph=True)
        self.label = label
        self.parents = ()  # the tensors it was made from; none for a leaf
        self._row = None  # the op that made it: its row of the table; None for a leaf
        self._operands = ()  # what the op was given: the parents, and constants
        self._params = ()  # the op's parameters (an axis, an index, ...)
        self._saved = ()  # the numbers of its operands and its own, as the op computed them
        self._no_graph = False  # True for a tensor computed under no_grad(): no graph

    @property
    def op(self) -> str:
        """The op that made this tensor: ``'@'``, ``'relu'``, ... or ``''`` for a leaf."""
        return "" if self._row is None else self._row.name

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
    def __getitem__(self, index: Any) -> Tensor: return getitem(self, index)
    def exp(self) -> Tensor: return exp(self)
    def log(self) -> Tensor: return log(self)
    def tanh(self) -> Tensor: return tanh(self)
    def sigmoid(self) -> Tensor: return sigmoid(self)
    def relu(self) -> Tensor: return relu(self)
    def sqrt(self) -> Tensor: return sqrt(self)
    def abs(self) -> Tensor: return abs_(self)
    def __abs__(self) -> Tensor: return abs_(self)
    def clip(self, low: float, high: float) -> Tensor: return clip(self, low, high)
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
    def backward(self, grad: ArrayLike | None = None, create_graph: bool = False,
                 inputs: Iterable[Tensor] | None = None) -> None:
        """Fill ``.grad`` of every tensor this one depends on with d(self)/d(tensor) · ``grad``.

        A one-element output needs no ``grad`` (it is 1); for another, pass ``grad`` of its
        shape or reduce first (``loss.sum().backward()``). Gradients accumulate into leaves
        as in PyTorch (``zero_grad()`` between steps); inner tensors hold the latest pass's.
        ``create_graph=True`` makes each leaf's gradient a ``Tensor`` with a graph of its own;
        with ``inputs``, only those get a gradient. ``backward_steps()``: one node at a time.
        """
        if self._no_graph or create_graph or inputs is not None:
            return backward_into(self, grad, create_graph, inputs, "backward")
        seed = self._seed(grad, "backward")  # ones, or grad checked to have our shape
        graph.backpropagate(self, seed)  # the walk, then each node's _backward()

    def _backward(self) -> None:
        """One step of the chain rule, as ``Value._backward``: pass this tensor's gradient on
        to its parents (each parent's share comes from the op's VJP)."""
        if self._row is None or self.grad is None:
            return  # a leaf, or no gradient reached this node
        for parent, g in zip(self.parents, self._vjp(self.grad)):
            parent._add_grad(g)

    def _vjp(self, upstream: Any, create_graph: bool = False) -> tuple[Any, ...]:
        """Each parent's share of ``upstream``: the op's VJP for that operand, summed back to its
        shape where it was broadcast; run on the forward pass's arrays, or with
        ``create_graph`` on the Tensors themselves, so the shares have a graph of their own."""
        op = self._row
        assert op is not None
        numbers: tuple[Any, ...] = self._saved  # the operands' and the output's, as they were
        if create_graph:  # the Tensors themselves (if their numbers have not changed since)
            numbers = self._graph_operands()
        shares = []
        for i, (vjp, operand) in enumerate(zip(op.rules, self._operands)):
            if isinstance(operand, Tensor):
                try:
                    share = vjp(upstream, *numbers, *self._params)
                except Exception as error:
                    note_op(error, op.name, f"in its gradient rule for operand {i}")
                    raise
                shape = self._saved[i].shape  # the operand's array, as it was
                if np.shape(share) != shape:  # an operand that was broadcast
                    share = unbroadcast(check_share(share, shape, op, i), shape)
                shares.append(share)
        return tuple(shares)

    def _add_grad(self, g: Any) -> None:
        """``self.grad += g``, never writing into an existing array (a leaf's: its own copy, in
        its dtype, for an optimizer to change)."""
        if isinstance(g, Tensor) or isinstance(self.grad, Tensor):  # create_graph
            self.grad = g if self.grad is None else self.grad + g
        elif self.grad is None:
            self.grad = g if self.parents else np.array(g, dtype=self._data.dtype)
        elif self.parents:
            self.grad = self.grad + g
        else:
            self.grad = self.grad + np.asarray(g).astype(self._data.dtype, copy=False)

    def zero_grad(self) -> None:
        """Forget the gradient of this tensor and of everything it depends on (``None``)."""
        graph.zero_grad(self)


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape`` back.

    ``X @ W + b`` with b of shape (1×4) adds b to every one of Z's 10 rows: each row used the
    same b, so b's gradient is the sum of the 10 rows' gradients, (10×4) → (1×4). ``_vjp``
    does it for every elementwise op, so the rules never have to. Works on arrays and on
    Tensors (then it is made of ``sum`` and ``reshape`` nodes)."""
    g_shape = np.shape(grad)
    if g_shape == shape:
        return grad
    extra = len(g_shape) - len(shape)  # leading axes that broadcasting put in front
    stretched = tuple(  # axes where the operand had size 1 and was stretched
        extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


# ----------------------------------------------------------------------------- the op table
# Each op: its name, its forward function on arrays and its formula, then for each operand
# its VJP, that operand's gradient from the output's gradient g, beside the same in words.
# For the elementwise ops the VJP is g times the local derivative, entry by entry.

#            name forward      formula      the VJP of each operand, beside it in words
add = define("+", np.add, "{0} + {1}", (lambda g, a, b, y: g, "{g}"),
             (lambda g, a, b, y: g, "{g}"), elementwise=True)
sub = define("-", np.subtract, "{0} - {1}", (lambda g, a, b, y: g, "{g}"),
             (lambda g, a, b, y: -g, "−{g}"), elementwise=True)
mul = define("*", np.multiply, "{0} * {1}", (lambda g, a, b, y: g * b, "{g} ⊙ {1}"),
             (lambda g, a, b, y: g * a, "{g} ⊙ {0}"), elementwise=True)
div = define("/", safe_math.div, "{0} / {1}", (lambda g, a, b, y: g / b, "{g} / {1}"),
             (lambda g, a, b, y: -g * y / b, "−{g} ⊙ {out} / {1}"), elementwise=True)
pow_ = define("**", safe_math.pow, "{0} ** {1}",
              (lambda g, a, b, y: _d_pow_base(g, a, b, y), "{g} ⊙ {1}·{0}^({1}−1)"),
              (lambda g, a, b, y: _d_pow_exponent(g, a, y), "{g} ⊙ {out}·ln {0}"),
              elementwise=True)
neg = define("neg", np.negative, "−{0}", (lambda g, x, y: -g, "−{g}"), elementwise=True)
exp = define("exp", safe_math.exp, "exp({0})", (lambda g, x, y: g * y, "{g} ⊙ {out}"),
             elementwise=True)
log = define("log", safe_math.log, "log({0})", (lambda g, x, y: g / x, "{g} / {0}"),
             elementwise=True)
tanh = define("tanh", np.tanh, "tanh({0})",
              (lambda g, x, y: g * (1 - y * y), "{g} ⊙ (1 − {out}²)"), elementwise=True)
sigmoid = define("sigmoid", safe_math.sigmoid, "sigmoid({0})",
                 (lambda g, x, y: g * y * (1 - y), "{g} ⊙ {out} ⊙ (1 − {out})"),
                 elementwise=True)
sqrt = define("sqrt", safe_math.sqrt, "sqrt({0})",
              (lambda g, x, y: _d_sqrt(g, x, y), "{g} / (2·{out})"), elementwise=True)
# At a kink (relu at 0, maximum's tie) the slope is a constant (derivative 0). Where the output
# does not depend on an input, nothing passes back, whatever arrives (``_masked``, as PyTorch).
relu = define("relu", lambda x: np.maximum(x, 0), "relu({0})",
              (lambda g, x, y: _masked(g, lambda: data(x) <= 0) * safe_math.step(data(x), 0.0),
               "{g} ⊙ ({0} > 0)"), elementwise=True)
leaky_relu = define("leaky_relu", lambda x, a: x * safe_math.step(np.asarray(x), a),
                    "leaky_relu({0})", (lambda g, x, y, a: g * safe_math.step(data(x), a),
                                        "{g} ⊙ (1 if {0} > 0 else α)"),
                    elementwise=True, params=arguments.slope,
                    doc="x where x > 0, alpha·x elsewhere; its slope is 1 or alpha.")
abs_ = define("abs", np.abs, "abs({0})",
              (lambda g, x, y: g * np.sign(np.asarray(data(x))), "{g} ⊙ sign({0})"),
              elementwise=True)
maximum = define("maximum", np.maximum, "maximum({0}, {1})",
                 (lambda g, a, b, y: _won(g, a, b), "{g} where {0} > {1}"),
                 (lambda g, a, b, y: _won(g, b, a), "{g} where {1} > {0}"),
                 elementwise=True, kinks=[lambda a, b: a - b])
minimum = define("minimum", np.minimum, "minimum({0}, {1})",
                 (lambda g, a, b, y: _won(g, b, a), "{g} where {0} < {1}"),
                 (lambda g, a, b, y: _won(g, a, b), "{g} where {1} < {0}"),
                 elementwise=True, kinks=[lambda a, b: a - b])
clip = define("clip", np.clip, "clip({0})",
              (lambda g, x, y, low, high: _masked(g, lambda: (data(x) < low) | (data(x) > high))
               * safe_math.inside(data(x), low, high),
               "{g} where {0} is inside the bounds"), elementwise=True, params=arguments.bounds,
              doc="Each entry limited to [low, high] (``np.clip``, ``torch.clamp``); the "
                  "gradient passes inside the bounds, ends included (as PyTorch), else 0.")
_where = define("where", np.where, "where({0}, {1}, {2})", (None, ""),
                (lambda g, c, a, b, y: where(c, g, 0.0), "{g} where {0}"),
                (lambda g, c, a, b, y: where(c, 0.0, g), "{g} where not {0}"), elementwise=True)


def _won(g: Any, a: Any, b: Any) -> Any:  # maximum's gradient towards a (half on a tie)
    return _masked(g, lambda: data(a) < data(b)) * safe_math.larger(data(a), data(b))


def _masked(g: Any, dead: Callable[[], Any]) -> Any:
    """``g``, 0 where ``dead()`` and ``g`` is not finite (0 · a finite number is 0 anyway)."""
    finite = np.isfinite(data(g))
    if finite.all() or not np.any(mask := np.asarray(dead()) & ~finite):
        return g
    return where(mask, 0.0, g) if isinstance(g, Tensor) else np.where(mask, 0, g)


def where(condition: Any, a: Operand, b: Operand) -> Any:
    """``a`` where the constant ``condition`` holds, else ``b`` (``np.where``), entry by entry."""
    return _where(np.asarray(data(condition)).astype(bool), a, b)


def _d_pow_base(g: Any, a: Any, b: Any, y: Any) -> Any:
    """g ⊙ b·a**(b-1): 0 where b = 0 whatever arrives, as PyTorch (NaN at a NaN base; an exponent
    with a graph keeps d/db = a**(b-1)); at a = 0 it is 0 for b > 1, 1 for b = 1, inf for b < 1."""
    ad, bd, kept = data(a), data(b), isinstance(b, Tensor)  # kept: b has a graph
    dead, zero = np.asarray((bd == 0) & ~np.isnan(ad)), np.asarray(ad == 0)
    if dead.all() and not kept:  # a constant 0: not even a graph of zeros passes back
        return np.zeros_like(data(g))
    with np.errstate(over="ignore", divide="ignore"):
        if not (zero.any() or dead.any()):
            return g * (b * safe_math.slope_power(a, b - 1, y))
        vertical, cut = zero & (bd < 1) & ~dead, dead & (~np.isfinite(1 / ad) | (not kept))
        slope = where(cut, 0.0, b * safe_math.slope_power(where(cut | vertical, 1.0, a), b - 1, y))
    passed = _masked(g, lambda: dead)
    return _vertical(passed, a, vertical, slope) if vertical.any() else passed * slope


def _d_sqrt(g: Any, x: Any, y: Any) -> Any:
    """g ⊙ d√x/dx = g / (2√x), where the slope is inf at x = 0 (``_vertical``)."""
    zero = np.asarray(data(y) == 0)
    if not zero.any():
        return g * 0.5 / y
    return _vertical(g, x, zero, 0.5 / sqrt(where(zero, 1.0, x)))


def _vertical(g: Any, x: Any, edge: Any, slope: Any) -> Any:
    """g ⊙ slope, where the slope is inf at ``edge`` (x = 0, where the graph stands vertical;
    g·inf is NaN where g = 0, as in PyTorch). There it is inf − √x on Tensors: its derivatives
    are √x's infinities (-inf, inf, ...), as PyTorch gives for √x and x**b at 0."""
    with np.errstate(invalid="ignore"):
        return g * where(edge, np.inf - sqrt(where(edge, x, 1.0)), slope)


def _d_pow_exponent(g: Any, a: Any, y: Any) -> Any:
    """g ⊙ a**b·ln a, which needs a > 0; at a = 0 nothing passes back, whatever arrives."""
    negative = np.asarray(data(a) < 0)  # not np.min(a) < 0: a NaN entry would hide the others
    if negative.any():
        raise safe_math.negative_bases(np.asarray(data(a)), negative)
    zero = np.asarray(data(a) == 0)
    if not zero.any():
        return g * (y * log(a))
    return _masked(g, lambda: zero) * where(zero, 0.0, y * log(where(zero, 1.0, a)))


# Matrices. Each entry of Z = X @ W is a row of X times a column of W, so the gradient of X
# is dZ @ Wᵀ and that of W is Xᵀ @ dZ (a vector is a row on the left, a column on the right).


def _d_matmul_left(g: Any, x: Any, w: Any, z: Any) -> Any:
    """dX = dZ @ Wᵀ."""
    if x.ndim == 2 and w.ndim == 2:
        return g @ w.T
    w2 = w if w.ndim == 2 else w.reshape(-1, 1)
    rows = 1 if x.ndim == 1 else x.shape[0]
    return (g.reshape(rows, w2.shape[1]) @ w2.T).reshape(x.shape)


def _d_matmul_right(g: Any, x: Any, w: Any, z: Any) -> Any:
    """dW = Xᵀ @ dZ."""
    if x.ndim == 2 and w.ndim == 2:
        return x.T @ g
    x2 = x if x.ndim == 2 else x.reshape(1, -1)
    cols = 1 if w.ndim == 1 else w.shape[1]
    return (x2.T @ g.reshape(x2.shape[0], cols)).reshape(w.shape)


matmul = define("@", np.matmul, "{0} @ {1}", (_d_matmul_left, "{g} @ {1}ᵀ"),
                (_d_matmul_right, "{0}ᵀ @ {g}"), params=arguments.matrices, called="matmul",
                doc="``a @ b`` for 2-D and 1-D operands. For Z = X @ W the gradients are "
                    "dX = dZ · Wᵀ and dW = Xᵀ · dZ. A vector is one row (on the left) or one "
                    "column (on the right), and that axis is dropped, as in NumPy.")

# Reductions over ``axis`` (an int, a tuple of ints, None for all): the gradient of a result
# goes back to every entry it was computed from.


def _spread(g: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Spread the gradient of a reduction back over the entries it reduced."""
    if not keepdims:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return broadcast_to(g, shape)


def _d_max(g: Any, x: Any, y: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """The gradient goes to the largest entry of each group (shared equally between ties);
    where a NaN won, its NaN entries get NaN and the others 0."""
    xd, top = data(x), np.asarray(data(y))
    if not keepdims:
        top = top.reshape(tuple(1 if i in axes else n for i, n in enumerate(xd.shape)))
    winners = xd == top  # none where the max is NaN (NaN == NaN is False)
    share = winners / np.maximum(winners.sum(axis=axes, keepdims=True), 1)
    share = np.where(np.isnan(xd), np.nan, share).astype(xd.dtype)
    return share * _spread(g, xd.shape, axes, keepdims)


sum_ = define("sum", lambda x, axes, keep: np.sum(x, axes, keepdims=keep), "sum({0})",
              (lambda g, x, y, axes, keep: _spread(g, x.shape, axes, keep),
               "{g} copied to every summed entry"), params=arguments.reduced,
              doc="Σ over ``axis`` (all axes by default). Every summed entry gets the sum's "
                  "gradient.")
mean = define("mean", lambda x, axes, keep, n: np.sum(x, axes, keepdims=keep) / n, "mean({0})",
              (lambda g, x, y, axes, keep, n: _spread(g / n, x.shape, axes, keep),
               "{g} / n copied to every averaged entry"), params=arguments.averaged,
              doc="The mean over ``axis``: the sum's gradient divided by how many entries were "
                  "averaged. The mean of no entries (0/0) raises ValueError.")
max_ = define("max", lambda x, axes, keep: x.max(axes, keepdims=keep), "max({0})",
              (_d_max, "{g} to the largest entry of each group"), params=arguments.nonempty,
              doc="The largest entry over ``axis``; the gradient goes to it (shared equally "
                  "between ties, as ``torch.amax``). NaN counts as the largest (``np.max``): "
                  "where it wins, its NaN entries get NaN and the others 0.")
softmax = define("softmax", lambda x, axes: np.exp(safe_math.log_softmax(x, axes)), "softmax({0})",
                 (lambda g, x, y, axes: y * (g - (g * y).sum(axis=axes, keepdims=True)),
                  "{out} ⊙ ({g} − Σ {g} ⊙ {out})"), params=arguments.along,
                 doc="exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, shifted by the max so nothing "
                     "overflows. Gradient: s ⊙ (g − Σ g ⊙ s), the softmax Jacobian applied "
                     "to g.")
log_softmax = define("log_softmax", safe_math.log_softmax, "log_softmax({0})",
                     (lambda g, x, y, axes: g - exp(y) * g.sum(axis=axes, keepdims=True),
                      "{g} − softmax({0}) ⊙ Σ {g}"), params=arguments.along,
                     doc="xᵢ − log Σⱼ exp(xⱼ) along ``axis``, never forming a tiny "
                         "probability. Gradient: g − softmax(x) · Σ g.")

# Shapes and indexing: the gradient goes back to where each entry came from.

reshape = define("reshape", np.reshape, "reshape({0})",
                 (lambda g, x, y, shape: g.reshape(x.shape), "{g} reshaped back"),
                 params=arguments.reshaped,
                 doc="The same entries in a new shape (``t.reshape(2, 3)`` or "
                     "``t.reshape((2, 3))``).")
transpose = define("transpose", lambda x, order, back: x.transpose(order), "{0}ᵀ",
                   (lambda g, x, y, order, back: g.transpose(back), "{g}ᵀ"),
                   params=arguments.in_order,
                   doc="Reverse the axes (``t.T``), or put them in the order given.")


def _scatter_array(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """0 of ``shape``, but ``g`` where ``index`` picked (added twice where picked twice)."""
    dx = np.zeros(shape, dtype=np.result_type(g))
    np.add.at(dx, index, g)
    return dx


_scatter = define("scatter", _scatter_array, "scatter({0})",
                  (lambda g, x, y, index, shape: g[index], "{g} picked"),
                  params=arguments.scattered)
getitem = define("index", lambda x, index: x[index], "{0}[…]",
                 (lambda g, x, y, index: _scatter(g, index, x.shape),
                  "{g} put back where it was picked"), params=arguments.picked,
                 doc="``t[index]`` with ints, slices or integer arrays. The gradient goes back "
                     "to the entries picked (twice: both gradients, ``np.add.at``), 0 elsewhere.")
_broadcast = define("broadcast_to", np.broadcast_to, "broadcast({0})",
                    (lambda g, x, y, shape: unbroadcast(g, x.shape), "{g} summed back"),
                    params=arguments.target_shape)


def broadcast_to(t: Operand, shape: tuple[int, ...]) -> Any:
    """``t`` repeated along the axes where it has size 1 (or none) to fill ``shape``, as
    ``np.broadcast_to``; its gradient is summed back (``unbroadcast``)."""
    return t if np.shape(data(t)) == tuple(shape) else _broadcast(t, shape)


_join = define("concatenate", lambda a, b, axis, split: np.concatenate((a, b), axis),
               "concatenate({0}, {1})",
               (lambda g, a, b, y, axis, split: _cut(g, axis, 0, split), "{g} before the seam"),
               (lambda g, a, b, y, axis, split: _cut(g, axis, split, None), "{g} after the seam"),
               params=arguments.seam)


def _cut(g: Any, axis: int, start: int, stop: int | None) -> Any:
    """``g``'s part from ``start`` to ``stop`` along ``axis`` (for arrays and Tensors)."""
    index = (*(slice(None),) * axis, slice(start, stop))
    return g[index]


def concatenate(tensors: list[Operand], axis: int = 0) -> Any:
    """The tensors joined along ``axis`` (``np.concatenate``): one node per seam, whose
    gradient is cut back into the parts. Every other axis must match."""
    parts = arguments.listed(tensors, "concatenate", "concatenate([a, b], axis=0)")
    joined = parts[0]
    for t in parts[1:]:
        joined = _join(joined, t, axis)
    return joined


def stack(tensors: list[Operand], axis: int = 0) -> Any:
    """The tensors, all of one shape, along a new axis (``np.stack``): each is reshaped to
    have that axis, then they are concatenated along it."""
    axis, shape = arguments.stacked(arguments.listed(tensors, "stack", "stack([a, b])"), axis)
    return concatenate([reshape(t, shape) for t in tensors], axis)


freeze_built_ins()  # the names above are the engine's: an op of your own needs another
