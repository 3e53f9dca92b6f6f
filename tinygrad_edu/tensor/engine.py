"""The tensor engine: the scalar engine's story with a NumPy array in every node. Read it
next to ``tinygrad_edu/engine.py``.

1. A ``Tensor`` holds an array (``data``), the gradient of the final output with respect to
   it (``grad``, an array of the same shape; None until a backward pass reaches it, as in
   PyTorch), the tensors it was made from (``parents``) and the op that made it (``op``).
   Each operator and method is one line that applies an op from the table below.
2. ``walk`` and ``backpropagate`` are ``graph.py``'s, the very same functions the scalar
   engine uses; so are stepping, drawing and the replay page.
3. Each op is a row of the registry ``OPS``: its forward function on arrays and, for each
   operand, its vector-Jacobian product (VJP): from the output's gradient ``g`` the
   gradient of that operand. For ``Z = X @ W`` they are ``dX = dZ @ Wᵀ`` and
   ``dW = Xᵀ @ dZ``: the scalar engine's ``parent.grad += local_grad * node.grad``, for a
   whole array at once. Each VJP stands beside its words, which stepping prints.
4. The VJPs are written with operators and this module's functions, which work on arrays
   and on Tensors alike. An ordinary backward pass runs them on arrays; with
   ``create_graph=True`` they run on Tensors and build the graph of the gradient, which can
   be differentiated again (Hessian-vector products, gradient penalties).

Broadcasting: ``X @ W + b`` with b of shape (1×out) adds b to every row. In the backward
pass each row sends its gradient to the same b, so b's gradient is the sum over rows:
the engine sums every gradient back to its operand's shape with ``unbroadcast``, once, in
``Tensor._vjp``, so the rules never have to.

A plain number or NumPy array in an operation is a constant, like a plain number in the
scalar engine: it is not a parent and gets no gradient (so ``images @ W`` never computes a
gradient for the images). Constants take the tensor's dtype, so a float32 model stays
float32 end to end. Only real numbers are accepted: None, text, complex numbers and other
objects raise a TypeError that says what to do, because NumPy would quietly turn them into
numbers (``checked.py``). An op given only arrays returns an array, as a scalar op given
numbers returns a number.

NaN propagates, as in the scalar engine: a NaN entry makes NaN of every value computed from
it, and of every local derivative that depends on it (relu's slope at NaN is NaN); a
derivative that does not depend on it stays what it is (d(x + 1)/dx = 1).

A node keeps its operands and the op's parameters (an axis, an index), never a function of
its own, so a graph holds no reference cycles and the rules stay data.
"""

from __future__ import annotations

import inspect
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Union

import numpy as np

from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.graph import (
    NO_GRAPH,
    backpropagate,
    backward_into,
    listed_inputs,
    no_graph_error,
    zero_grad,
)
from tinygrad_edu.ops import check_name, check_rule, enter, note_op
from tinygrad_edu.stepping import Step, backward_steps
from tinygrad_edu.tensor import checked
from tinygrad_edu.tensor.checked import LARGEST, is_real, not_real, real_array, shape_str

__all__ = [
    "OPS", "Tensor", "TensorOp", "abs_", "add", "binary_op", "broadcast_to", "clip", "concatenate",
    "div", "exp", "getitem", "leaky_relu", "log", "log_softmax", "matmul", "max_", "maximum",
    "mean", "minimum", "mul", "neg", "pow_", "register", "relu", "reshape", "sigmoid", "softmax",
    "sqrt", "stack", "sub", "sum_", "tanh", "tensor_op", "transpose", "unary_op", "unbroadcast",
    "where",
]

ArrayLike = Any  # an ndarray, a (nested) list of numbers, or a number
Operand = Union["Tensor", ArrayLike]
Index = Any  # what NumPy accepts between [ ]: ints, slices, integer arrays, ...
Axis = Union[int, tuple[int, ...], None]  # noqa: UP007
Vjp = Callable[..., Any]  # vjp(g, *operands, out, *params): the gradient of one operand


class TensorOp:
    """One row of the registry: an op's name, its forward function on arrays, and for each
    operand its VJP, ``vjp(g, *operands, out, *params)``: the gradient of that operand from
    the output's gradient ``g`` (None for an operand that gets no gradient, such as an
    index). ``formula`` and ``local`` say the same in words: ``{0}``, ``{1}`` are the
    operands, ``{out}`` the output and ``{g}`` its gradient (``"{g} @ {1}ᵀ"``).
    ``elementwise`` ops work entry by entry, so their gradients may need summing back to a
    broadcast operand's shape; ``domain`` and ``kinks`` say where the property tests sample
    them (see ``tinygrad_edu.testing``)."""

    def __init__(self, name: str, forward: Callable[..., Any], vjps: Sequence[Vjp | None],
                 formula: str, local: Sequence[str], *, elementwise: bool = False,
                 domain: Sequence[tuple[float, float]] | None = None,
                 kinks: Sequence[Any] = (), doc: str = "") -> None:
        self.name = name
        self.forward = forward
        self.vjps = tuple(vjps)
        self.formula = formula
        self.local = tuple(local)
        self.elementwise = elementwise
        self.domain = None if domain is None else tuple(domain)
        self.kinks = tuple(kinks)
        self.doc = doc
        self.apply: Callable[..., Any] = forward  # the Tensor-aware function, set by a maker
        self.param: Any = None  # (an op parameter shown in formulas: none here)

    @property
    def arity(self) -> int:
        return len(self.vjps)

    def operands(self, node: Tensor) -> list[Any]:
        """The operands ``node`` was computed from: its parents and its constants, in order."""
        return list(node._operands)

    def __call__(self, *operands: Any, **params: Any) -> Any:
        return self.apply(*operands, **params)

    def __repr__(self) -> str:
        return f"<TensorOp {self.name!r}>"


OPS: dict[str, TensorOp] = {}
"""Every op of the tensor engine by name: what stepping, drawing and the tests read."""


def register(op: TensorOp) -> TensorOp:
    """Add ``op`` to ``OPS`` (registering a name again replaces it, except a built-in one)."""
    return enter(OPS, _BUILT_IN, op, "the tensor engine")


_BUILT_IN: set[str] = set()  # filled once the table below is complete


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

    __slots__ = ("__weakref__", "_fn", "_operands", "_params", "data", "grad", "label",
                 "parents")
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
        self.grad: Any = None  # an array; a Tensor on a leaf after backward(create_graph=True)
        self.label = label
        self.parents: tuple[Tensor, ...] = ()
        self._fn: TensorOp | None = None  # the op that made it; None for a leaf
        self._operands: tuple[Any, ...] = ()  # what the op was given: Tensors and constants
        self._params: Any = ()  # the op's parameters (an axis, an index, ...); or NO_GRAPH

    # The operators and methods: each applies an op from the table below.
    def __add__(self, other: Operand) -> Tensor: return add(self, other)
    def __radd__(self, other: Operand) -> Tensor: return add(other, self)
    # In place: inside no_grad(), ``W -= lr * W.grad`` changes W's numbers, as in PyTorch
    # (an update step); outside, ``h += b`` makes a new node.
    def __iadd__(self, other: Operand) -> Tensor: return _in_place(self, other, "+=")
    def __isub__(self, other: Operand) -> Tensor: return _in_place(self, other, "-=")
    def __imul__(self, other: Operand) -> Tensor: return _in_place(self, other, "*=")
    def __itruediv__(self, other: Operand) -> Tensor: return _in_place(self, other, "/=")

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

        A one-element output needs no ``grad`` (it is 1). For any other output pass ``grad``
        of the output's shape, or reduce first (``loss.sum().backward()``). Gradients
        accumulate into leaves as in PyTorch, so call ``zero_grad()`` between training
        steps; inner tensors hold the gradient of the latest pass. With
        ``create_graph=True`` every leaf's gradient is a ``Tensor`` with a graph of its own,
        to be differentiated again (``tinygrad_edu.grad`` does it without touching
        ``.grad``); with ``inputs``, only those tensors get a gradient, as in PyTorch.
        """
        if not self.requires_grad:
            raise no_graph_error(self, "backward")
        seed: Any = self._seed(grad, "backward")  # checks the shape
        if create_graph and isinstance(grad, Tensor):
            seed = grad  # a seed with a graph of its own stays one
        if create_graph or inputs is not None:
            return backward_into(self, seed, create_graph,
                                 listed_inputs(inputs, Tensor, "backward"))
        deque(backpropagate(self, seed), maxlen=0)  # run every step
        return None

    def _seed(self, grad: Any, who: str = "backward_steps") -> np.ndarray:
        """The gradient a backward pass starts from: ones for a one-element output, else the
        array given, which must have the output's shape."""
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"{who}: the output has shape {shape_str(self.shape)}; pass grad= of "
                    "that shape, or reduce it to one number first (e.g. .sum() or .mean())")
            return np.ones_like(self.data)
        given = grad.data if isinstance(grad, Tensor) else grad
        seed = real_array(given, self.dtype, f"{who}'s grad", copy=True)
        if seed.shape != self.shape:
            raise ValueError(f"{who}: grad has shape {shape_str(seed.shape)} but the output has "
                             f"shape {shape_str(self.shape)}; they must match")
        return seed

    def _vjp(self, upstream: Any, create_graph: bool = False) -> tuple[Any, ...]:
        """Each parent's share of ``upstream``, the gradient arriving here: the op's VJP for
        that operand, summed back to the operand's shape where it was broadcast. An ordinary
        backward pass runs the VJPs on arrays; with ``create_graph`` on the Tensors
        themselves, so the shares have a graph of their own."""
        op = self._fn
        assert op is not None
        operands: tuple[Any, ...] = self._operands
        out: Any = self
        if not create_graph:
            operands = tuple([o.data if type(o) is Tensor else o for o in operands])
            out = self.data
        shares = []
        for i, (vjp, operand) in enumerate(zip(op.vjps, self._operands)):
            if isinstance(operand, Tensor):
                try:
                    share = vjp(upstream, *operands, out, *self._params)  # type: ignore[misc]
                except Exception as error:
                    note_op(error, op.name, f"in its gradient rule for operand {i}")
                    raise
                if np.shape(share) != operand.data.shape:
                    share = _fitted(share, operand.data.shape, op, i)
                shares.append(share)
        return tuple(shares)

    def _backward(self) -> None:
        """One step of the chain rule, as ``Value._backward``: pass this tensor's gradient on
        to its parents (each parent's share comes from the op's VJP)."""
        if self._fn is None or self.grad is None:
            return  # a leaf, or no gradient reached this node
        for parent, g in zip(self.parents, self._vjp(self.grad)):
            parent._add_grad(g)

    def _add_grad(self, g: Any) -> None:
        """``self.grad += g``, never writing into an existing array. A leaf gets its own copy
        in its own dtype, so an optimizer can change it without touching anything else."""
        if isinstance(g, Tensor) or isinstance(self.grad, Tensor):  # create_graph
            self.grad = g if self.grad is None else self.grad + g
        elif self.grad is None:
            self.grad = g if self.parents else np.array(g, dtype=self.data.dtype)
        elif self.parents:
            self.grad = self.grad + g
        else:
            self.grad = self.grad + np.asarray(g).astype(self.data.dtype, copy=False)

    def _constant(self, g: Any) -> Tensor:
        """A gradient that is a plain array, as a leaf of this tensor's dtype."""
        return Tensor(g, dtype=self.data.dtype)

    def zero_grad(self) -> None:
        """Forget the gradient of this tensor and of everything it depends on (``None``)."""
        zero_grad(self)

    def backward_steps(self, grad: ArrayLike | None = None, *,
                       params: Iterable[Tensor] | None = None) -> Iterator[Step]:
        """``backward()`` one node at a time, to watch the matrix chain rule: a generator of
        steps; ``print(step)`` shows each with names and shapes (``W2.grad += A1ᵀ @ dZ2``).
        ``params`` are the leaves on the parameter path (default: every leaf). See
        ``tinygrad_edu.stepping``."""
        return backward_steps(self, grad, params=params)

    # Looking at a tensor.
    @property
    def op(self) -> str:
        """The op that made this tensor: ``'@'``, ``'relu'``, ... or ``''`` for a leaf."""
        return "" if self._fn is None else self._fn.name

    @property
    def _prev(self) -> set[Tensor]:
        """micrograd's name: the set of tensors this one was made from."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name: the op's name, ``''`` for a leaf."""
        return self.op

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

    @property
    def requires_grad(self) -> bool:
        """False for a tensor computed under ``no_grad`` (it has no graph), as in PyTorch;
        True for inputs, parameters and everything computed from them."""
        return self._params is not NO_GRAPH

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
    # shares the op rows and the constants with the original). A pickle holds a leaf's
    # numbers; a tensor with history is refused, as in PyTorch's advice to save state dicts.
    def __copy__(self) -> Tensor:
        twin = _node(self.data, label=self.label)  # the same array, parents and op
        twin.grad, twin.parents = self.grad, self.parents
        twin._fn, twin._operands, twin._params = self._fn, self._operands, self._params
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        return _deep_copy(self, memo)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.parents:
            raise TypeError(
                f"cannot pickle a Tensor made by {self.op!r} (it has a history); pickle "
                "t.detach() for its numbers, or a model's state_dict() (or use model.save)")
        return (_leaf, (self.data, self.grad, self.label))


def _leaf(data: np.ndarray, grad: np.ndarray | None, label: str) -> Tensor:
    t = _node(data, label=label)
    t.grad = grad
    return t


def _deep_copy(root: Tensor, memo: dict[int, Any]) -> Tensor:
    from copy import deepcopy

    from tinygrad_edu.graph import walk

    for node in walk(root):  # parents first, so each copy can point at its parents' copies
        if id(node) not in memo:
            twin = Tensor.__new__(Tensor)
            twin.data = node.data.copy()
            twin.grad = deepcopy(node.grad, memo)
            twin.label, twin._fn, twin._params = node.label, node._fn, node._params
            twin._operands = tuple(memo[id(o)] if isinstance(o, Tensor) else o
                                   for o in node._operands)
            twin.parents = tuple(memo[id(p)] for p in node.parents)
            memo[id(node)] = twin
    return memo[id(root)]


def _in_place(t: Tensor, other: Any, symbol: str) -> Tensor:
    """``t += other`` and the like: in place under ``no_grad`` (a leaf's numbers change,
    its shape and dtype stay), else a new node; on a leaf outside ``no_grad`` with an array
    or a number, which would leave the leaf unchanged (``for p in params: p -= lr *
    p.grad``), an error, as in PyTorch."""
    op = {"+=": add, "-=": sub, "*=": mul, "/=": div}[symbol]
    if not is_grad_enabled():
        if t._fn is not None:
            raise RuntimeError(
                f"{symbol} inside no_grad() on a tensor computed from others would change "
                "numbers its graph was built from; compute a new tensor instead "
                f"(t = t {symbol[0]} ...)")
        result = np.asarray(op(t.data, other.data if isinstance(other, Tensor) else other))
        if result.shape != t.data.shape:
            raise ValueError(
                f"{symbol}: the result has shape {shape_str(result.shape)}, but an in-place "
                f"change keeps the tensor's shape {shape_str(t.data.shape)}; the other operand "
                "must broadcast to it")
        np.copyto(t.data, result, casting="same_kind")
        return t
    if t._fn is None and not isinstance(other, Tensor):
        raise RuntimeError(
            f"p {symbol} ... on a leaf Tensor (an input or a parameter) outside no_grad() "
            "would make a new Tensor and leave p unchanged, so a loop such as `for p in "
            "model.parameters(): p -= lr * p.grad` would update nothing (PyTorch refuses it "
            "too). Write `with no_grad(): p -= lr * p.grad`, or use an optimizer")
    return op(t, other)


# ----------------------------------------------------------------------------- building nodes


def _node(data: Any, op: TensorOp | None = None, operands: tuple[Any, ...] = (),
          params: tuple[Any, ...] = (), label: str = "") -> Tensor:
    """A Tensor around ``data`` (no copy, no checks): how ops make their outputs. It records
    its op, its operands and parameters unless graph building is off (``no_grad``) or no
    operand is a Tensor."""
    t = Tensor.__new__(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)
    t.grad = None
    t.label = label
    parents = tuple([o for o in operands if type(o) is Tensor or isinstance(o, Tensor)])
    if parents and is_grad_enabled():
        t.parents, t._fn, t._operands, t._params = parents, op, operands, params
    else:  # a leaf; one computed under no_grad remembers it (see requires_grad)
        t.parents, t._fn, t._operands = (), None, ()
        t._params = NO_GRAPH if parents else ()
    return t


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape`` back.

    If b (1×4) was added to every row of Z (10×4), each of the 10 rows used the same b, so
    b's gradient is the sum of the 10 rows' gradients: (10×4) → (1×4). Works on arrays and
    on Tensors (then it is made of ``sum`` and ``reshape`` nodes)."""
    g_shape = np.shape(grad)
    if g_shape == shape:
        return grad
    extra = len(g_shape) - len(shape)  # leading axes that broadcasting put in front
    stretched = tuple(  # axes where the operand had size 1 and was stretched
        extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1)
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


def _broadcasts_to(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    """Whether an operand of shape ``small`` broadcasts to ``big``."""
    return len(small) <= len(big) and all(
        s in (1, b) for s, b in zip(small[::-1], big[::-1]))


def _fitted(share: Any, shape: tuple[int, ...], op: TensorOp, i: int) -> Any:
    """A VJP's result summed back to its operand's shape, or a ValueError naming the rule."""
    if not isinstance(share, (Tensor, np.ndarray, np.generic, int, float)):
        raise TypeError(f"{op.name}: the gradient rule for operand {i} returned "
                        f"{type(share).__name__} {share!r}, not an array or a Tensor")
    got = np.shape(share)
    if not op.elementwise or not _broadcasts_to(shape, got):
        raise ValueError(
            f"{op.name}: the gradient rule for operand {i} returned shape {shape_str(got)}, "
            f"but the operand has shape {shape_str(shape)}; a VJP must return an array of "
            "its operand's shape (elementwise ops may return the output's shape: the engine "
            "sums it back)")
    return unbroadcast(share, shape)


def _data(x: Any) -> Any:
    """The numbers of a Tensor, or an array or number as it is (for masks in the rules)."""
    return x.data if isinstance(x, Tensor) else x


# ----------------------------------------------------------------------------- making an op


def _operands(name: str, *given: Any) -> tuple[tuple[Any, ...], np.dtype]:
    """The operands of an op as it will record them (Tensors, and constants as arrays or
    numbers of the first Tensor's dtype) and that dtype. Without a Tensor, the dtype of the
    arrays given."""
    tensors = [x for x in given if isinstance(x, Tensor)]
    if tensors:
        dtype = tensors[0].data.dtype
    else:
        arrays = [np.asarray(x) for x in given if not isinstance(x, (int, float))]
        dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
        dtype = dtype if dtype in checked.DTYPES else np.dtype(np.float64)
    return tuple(x if isinstance(x, Tensor) else _constant(x, dtype, name) for x in given), dtype


def _arrays(operands: tuple[Any, ...]) -> list[Any]:
    return [o.data if isinstance(o, Tensor) else o for o in operands]


def _elementwise(op: TensorOp) -> Callable[..., Any]:
    """The function that applies an elementwise op to Tensors, arrays or numbers, broadcast
    as NumPy does. Given no Tensor, it returns the plain array, as a rule needs."""
    name, forward = op.name, op.forward

    def apply(*given: Any) -> Any:
        operands, _ = _operands(name, *given)
        arrays = _arrays(operands)
        try:
            z = forward(*arrays)
        except (DomainError, ArithmeticError):
            raise
        except ValueError:  # NumPy could not broadcast the shapes
            raise _shape_error(name, *arrays) from None
        return _node(z, op, operands) if len(arrays) != len(given) or any(
            isinstance(o, Tensor) for o in operands) else z

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = op.doc or _op_doc(op)
    apply.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_ONLY) for p in _operand_names(op)])
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply


def _operand_names(op: TensorOp) -> tuple[str, ...]:
    named = {1: ("x",), 2: ("a", "b"), 3: ("condition", "a", "b")}
    return named.get(op.arity) or tuple(f"x{i}" for i in range(op.arity))


def _op_doc(op: TensorOp) -> str:
    """The docstring of an op made from a row: what it computes, and the gradient it passes
    back to each operand (``help(tinygrad_edu.tensor.tanh)`` shows the row of the table)."""
    operands = _operand_names(op)

    def words(template: str) -> str:
        for i, operand in enumerate(operands):
            template = template.replace(f"{{{i}}}", operand)
        return template.replace("{out}", "y").replace("{g}", "g")

    passes = " and ".join(f"{words(w)} to {x}" for x, w in zip(operands, op.local) if w)
    if op.elementwise:
        summed = ", each summed back to its operand's shape" if op.arity > 1 else ""
        return (f"y = {words(op.formula)} entry by entry, on Tensors, arrays or numbers "
                f"(broadcast as NumPy does; given no Tensor, a plain array). Backward, with g "
                f"the gradient of y, it passes {passes}{summed}.")
    return (f"y = {words(op.formula)} on Tensors, arrays or numbers (given no Tensor, a plain "
            f"array). Backward, with g the gradient of y, it passes {passes}.")


def _row(name: str, forward: Callable[..., Any], formula: str,
         *vjps: tuple[Vjp | None, str], elementwise: bool = False) -> TensorOp:
    """A built-in row of the table: its VJPs, each beside its words."""
    return register(TensorOp(name, forward, [rule for rule, _ in vjps], formula,
                             [words for _, words in vjps], elementwise=elementwise))


# ----------------------------------------------------------------------------- the op table
# Each elementwise op: its forward function on arrays, then for each operand its VJP, the
# operand's gradient from the output's gradient g (g times the local derivative, entry by
# entry; the engine sums it back over broadcast axes), beside the same in words.


def _step(x: Any, below: float) -> np.ndarray:
    """relu's and leaky_relu's slope, a constant: 1 where x > 0, ``below`` at or below 0,
    NaN where x is NaN. Its own derivative is 0, so the second derivative is 0."""
    return checked.step(_data(x), below)


def _d_pow_base(a: Any, b: Any) -> Any:
    """d(a**b)/da = b·a**(b-1); at a = 0 it is 0 for b = 0 and for b > 1, 1 for b = 1 and
    inf for b < 1 (as PyTorch). A NaN base gives NaN, also for b = 0."""
    zero = np.asarray(_data(a) == 0)
    if not zero.any():
        with np.errstate(over="ignore"):
            return b * a ** (b - 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bd = _data(b)
        edge = np.where(bd == 0, 0.0, bd * checked.unchecked_pow(0.0, bd - 1))
        return where(zero, edge, b * where(zero, 1.0, a) ** (b - 1))


def _d_pow_exponent(a: Any, y: Any) -> Any:
    """d(a**b)/db = a**b · ln a, which needs a > 0 (taken as 0 where a = 0, as PyTorch)."""
    negative = np.asarray(_data(a) < 0)  # not np.min(a) < 0: a NaN entry would hide the others
    if negative.any():
        raise DomainError(
            f"**: d(a**b)/db = a**b·ln(a) needs a > 0, but {np.count_nonzero(negative)} bases "
            f"are negative (the first is {float(np.asarray(_data(a))[negative][0])!r}); if the "
            "exponent is a constant, pass a number or an array, not a Tensor")
    zero = np.asarray(_data(a) == 0)
    if not zero.any():
        return y * log(a)
    return where(zero, 0.0, y * log(where(zero, 1.0, a)))


def _where_forward(cond: Any, a: Any, b: Any) -> np.ndarray:
    return np.where(cond, a, b)


#                  name  forward      formula       VJP of each operand        in words
add = _elementwise(_row("+", np.add, "{0} + {1}", (lambda g, a, b, y: g, "{g}"),
                        (lambda g, a, b, y: g, "{g}"), elementwise=True))
sub = _elementwise(_row("-", np.subtract, "{0} - {1}", (lambda g, a, b, y: g, "{g}"),
                        (lambda g, a, b, y: -g, "−{g}"), elementwise=True))
mul = _elementwise(_row("*", np.multiply, "{0} * {1}", (lambda g, a, b, y: g * b, "{g} ⊙ {1}"),
                        (lambda g, a, b, y: g * a, "{g} ⊙ {0}"), elementwise=True))
div = _elementwise(_row("/", checked.div, "{0} / {1}", (lambda g, a, b, y: g / b, "{g} / {1}"),
                        (lambda g, a, b, y: -g * y / b, "−{g} ⊙ {out} / {1}"),
                        elementwise=True))
pow_ = _elementwise(_row("**", checked.pow, "{0} ** {1}",
                         (lambda g, a, b, y: g * _d_pow_base(a, b), "{g} ⊙ {1}·{0}^({1}−1)"),
                         (lambda g, a, b, y: g * _d_pow_exponent(a, y), "{g} ⊙ {out}·ln {0}"),
                         elementwise=True))
neg = _elementwise(_row("neg", np.negative, "−{0}", (lambda g, x, y: -g, "−{g}"),
                        elementwise=True))
exp = _elementwise(_row("exp", checked.exp, "exp({0})", (lambda g, x, y: g * y, "{g} ⊙ {out}"),
                        elementwise=True))
log = _elementwise(_row("log", checked.log, "log({0})", (lambda g, x, y: g / x, "{g} / {0}"),
                        elementwise=True))
tanh = _elementwise(_row("tanh", np.tanh, "tanh({0})",
                         (lambda g, x, y: g * (1 - y * y), "{g} ⊙ (1 − {out}²)"),
                         elementwise=True))
sigmoid = _elementwise(_row("sigmoid", checked.sigmoid, "sigmoid({0})",
                            (lambda g, x, y: g * y * (1 - y), "{g} ⊙ {out} ⊙ (1 − {out})"),
                            elementwise=True))
relu = _elementwise(_row("relu", lambda x: np.maximum(x, 0), "relu({0})",
                         (lambda g, x, y: g * _step(x, 0.0), "{g} ⊙ ({0} > 0)"),
                         elementwise=True))
where_op = _row("where", _where_forward, "where({0}, {1}, {2})", (None, ""),
                (lambda g, c, a, b, y: g * c, "{g} where {0}"),
                (lambda g, c, a, b, y: g * (1 - c), "{g} where not {0}"), elementwise=True)
_elementwise(where_op)


def _sign(x: Any) -> np.ndarray:
    """abs's slope, a constant: -1, 0 or 1 by the sign of x (0 at the kink, as PyTorch), NaN
    for NaN."""
    return np.sign(np.asarray(_data(x)))


def _larger(a: Any, b: Any) -> np.ndarray:
    """maximum's slope for a, a constant: 1 where a > b, 0 where a < b, and ½ on a tie (as
    PyTorch shares the gradient)."""
    ad, bd = np.asarray(_data(a)), np.asarray(_data(b))
    return np.where(ad > bd, 1.0, np.where(ad == bd, 0.5, 0.0))


def _minimum_forward(a: Any, b: Any) -> np.ndarray:
    return np.minimum(a, b)


sqrt = _elementwise(_row("sqrt", checked.sqrt, "sqrt({0})",
                         (lambda g, x, y: g * 0.5 / y, "{g} / (2·{out})"), elementwise=True))
abs_ = _elementwise(_row("abs", np.abs, "abs({0})",
                         (lambda g, x, y: g * _sign(x), "{g} ⊙ sign({0})"), elementwise=True))
maximum = _elementwise(register(TensorOp(
    "maximum", np.maximum,
    [lambda g, a, b, y: g * _larger(a, b), lambda g, a, b, y: g * _larger(b, a)],
    "maximum({0}, {1})", ["{g} where {0} > {1}", "{g} where {1} > {0}"], elementwise=True,
    kinks=[lambda a, b: a - b])))
minimum = _elementwise(register(TensorOp(
    "minimum", _minimum_forward,
    [lambda g, a, b, y: g * _larger(b, a), lambda g, a, b, y: g * _larger(a, b)],
    "minimum({0}, {1})", ["{g} where {0} < {1}", "{g} where {1} < {0}"], elementwise=True,
    kinks=[lambda a, b: a - b])))


def leaky_relu(t: Operand, alpha: float = 0.01) -> Any:
    """x where x > 0, alpha·x elsewhere; its slope is 1 or alpha."""
    if not is_real(alpha):
        raise not_real(alpha, "leaky_relu: alpha")
    operands, _ = _operands("leaky_relu", t)
    x = _arrays(operands)[0]
    y = x * checked.step(np.asarray(x), alpha)
    if not isinstance(operands[0], Tensor):
        return y
    return _node(y, _LEAKY_RELU, operands, (float(alpha),))


_LEAKY_RELU = _row("leaky_relu", lambda x, a: x * checked.step(x, a), "leaky_relu({0})",
                   (lambda g, x, y, a: g * _step(x, a), "{g} ⊙ (1 if {0} > 0 else α)"),
                   elementwise=True)
_LEAKY_RELU.apply = leaky_relu


def where(condition: Any, a: Operand, b: Operand) -> Any:
    """``a`` where ``condition`` holds, ``b`` elsewhere, entry by entry (as ``np.where``).
    The condition is a constant (a boolean array); each of a and b gets the gradient of the
    entries it gave."""
    cond = np.asarray(_data(condition)).astype(bool)
    return where_op.apply(cond, a, b)


# ----------------------------------------------------------------------------- matrices
# The other ops: their VJPs reshape, spread or pick the gradient instead of scaling it entry
# by entry. Each function checks its arguments, computes the output and records the node.


def _d_matmul_left(g: Any, a: Any, b: Any, y: Any) -> Any:
    """dX = dZ @ Wᵀ for Z = X @ W (a vector on the left is one row)."""
    if a.ndim == 2 and b.ndim == 2:
        return g @ b.T
    b2 = b if b.ndim == 2 else b.reshape(-1, 1)
    rows = 1 if a.ndim == 1 else a.shape[0]
    return (g.reshape(rows, b2.shape[1]) @ b2.T).reshape(a.shape)


def _d_matmul_right(g: Any, a: Any, b: Any, y: Any) -> Any:
    """dW = Xᵀ @ dZ for Z = X @ W (a vector on the right is one column)."""
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    a2 = a if a.ndim == 2 else a.reshape(1, -1)
    cols = 1 if b.ndim == 1 else b.shape[1]
    return (a2.T @ g.reshape(a2.shape[0], cols)).reshape(b.shape)


_MATMUL = _row("@", np.matmul, "{0} @ {1}", (_d_matmul_left, "{g} @ {1}ᵀ"),
               (_d_matmul_right, "{0}ᵀ @ {g}"))


def matmul(a: Operand, b: Operand) -> Any:
    """``a @ b`` for 2-D and 1-D operands. For Z = X @ W the gradients are dX = dZ · Wᵀ and
    dW = Xᵀ · dZ. A vector is treated as one row (on the left) or one column (on the
    right), and that axis is dropped from the result, as in NumPy."""
    operands, _ = _operands("matmul", a, b)
    x, y = (np.asarray(v) for v in _arrays(operands))
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        raise ValueError(f"matmul: {shape_str(x.shape)} @ {shape_str(y.shape)}: only 1-D and "
                         "2-D operands are supported; reshape to a matrix first")
    if x.shape[-1] != y.shape[0]:
        raise ValueError(
            f"matmul: {shape_str(x.shape)} @ {shape_str(y.shape)}: inner dimensions "
            f"{x.shape[-1]} and {y.shape[0]} differ; the left operand needs as many columns "
            "as the right one has rows")
    if not any(isinstance(o, Tensor) for o in operands):
        return x @ y
    return _node(x @ y, _MATMUL, (operands[0] if isinstance(operands[0], Tensor) else x,
                                  operands[1] if isinstance(operands[1], Tensor) else y))


_MATMUL.apply = matmul


# Reductions. ``axis`` is an int (negative counts from the end), a tuple of ints, or None for
# all axes; a 0-d tensor takes axis 0 or -1, as in PyTorch (there is nothing to reduce).


def _spread(g: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Spread the gradient of a reduction back over the entries it reduced."""
    if not keepdims:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return broadcast_to(g, shape)


def _d_max(g: Any, x: Any, y: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """The gradient goes to the largest entry of each group (shared equally between ties);
    where a NaN won, its NaN entries get NaN and the others 0."""
    xd = _data(x)
    top = np.asarray(_data(y))
    if not keepdims:
        top = top.reshape(tuple(1 if i in axes else n for i, n in enumerate(xd.shape)))
    winners = xd == top  # none where the max is NaN (NaN == NaN is False)
    share = winners / np.maximum(winners.sum(axis=axes, keepdims=True), 1)
    share = np.where(np.isnan(xd), np.nan, share).astype(xd.dtype)
    return share * _spread(g, xd.shape, axes, keepdims)


_SUM = _row("sum", np.sum, "sum({0})",
            (lambda g, x, y, axes, keepdims: _spread(g, x.shape, axes, keepdims),
             "{g} copied to every summed entry"))
_MEAN = _row("mean", np.mean, "mean({0})",
             (lambda g, x, y, axes, keepdims, n: _spread(g / n, x.shape, axes, keepdims),
              "{g} / n copied to every averaged entry"))
_MAX = _row("max", np.max, "max({0})", (_d_max, "{g} to the largest entry of each group"))


def sum_(t: Operand, axis: Axis = None, keepdims: bool = False) -> Any:
    """Σ over ``axis`` (all axes by default). Every summed entry gets the sum's gradient."""
    operands, _ = _operands("sum", t)
    x = _arrays(operands)[0]
    axes = _axes(axis, np.shape(x), "sum")
    y = np.sum(x, axis=axes, keepdims=keepdims)
    return _node(y, _SUM, operands, (axes, keepdims)) if isinstance(t, Tensor) else y


def mean(t: Operand, axis: Axis = None, keepdims: bool = False) -> Any:
    """The mean over ``axis``: the sum's gradient divided by how many entries were averaged.
    The mean of no entries (0/0) raises ValueError."""
    operands, _ = _operands("mean", t)
    x = _arrays(operands)[0]
    axes = _axes(axis, np.shape(x), "mean")
    n = _group_size(np.shape(x), axes, axis, "mean", "the mean of no numbers is undefined")
    y = np.sum(x, axis=axes, keepdims=keepdims) / n
    return _node(y, _MEAN, operands, (axes, keepdims, n)) if isinstance(t, Tensor) else y


def max_(t: Operand, axis: Axis = None, keepdims: bool = False) -> Any:
    """The largest entry over ``axis``. The gradient goes to the entry that was largest
    (shared equally between ties, as ``torch.amax``). NaN counts as the largest (as in
    ``np.max``): where it wins, the result is NaN, its NaN entries get NaN (which one won is
    undefined) and the others 0."""
    operands, _ = _operands("max", t)
    x = np.asarray(_arrays(operands)[0])
    axes = _axes(axis, x.shape, "max")
    _group_size(x.shape, axes, axis, "max", "no numbers have a largest one")
    y = x.max(axis=axes, keepdims=keepdims)
    return _node(y, _MAX, operands, (axes, keepdims)) if isinstance(t, Tensor) else y


_SUM.apply, _MEAN.apply, _MAX.apply = sum_, mean, max_



def log_softmax_array(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log softmax along ``axes``. A group holding +inf, or only -inf, has no softmax (inf -
    inf): NaN, as in PyTorch. A -inf entry next to finite ones gets -inf (probability 0)."""
    # inf - inf: that NaN is the answer; log(0) only for an empty group, which stays empty
    with np.errstate(invalid="ignore", divide="ignore"):
        # log softmax(x) = log softmax(x - max); ``initial`` lets an empty group be empty
        shifted = x - x.max(axis=axes, keepdims=True, initial=-np.inf)
        return shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))


_SOFTMAX = _row("softmax", lambda x, axes: np.exp(log_softmax_array(x, axes)), "softmax({0})",
                (lambda g, x, y, axes: y * (g - (g * y).sum(axis=axes, keepdims=True)),
                 "{out} ⊙ ({g} − Σ {g} ⊙ {out})"))
_LOG_SOFTMAX = _row("log_softmax", log_softmax_array, "log_softmax({0})",
                    (lambda g, x, y, axes: g - exp(y) * g.sum(axis=axes, keepdims=True),
                     "{g} − softmax({0}) ⊙ Σ {g}"))


def softmax(t: Operand, axis: int = -1) -> Any:
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, shifted by the max so nothing overflows.
    Gradient: s ⊙ (g − Σ g ⊙ s), the softmax Jacobian applied to g."""
    operands, _ = _operands("softmax", t)
    x = np.asarray(_arrays(operands)[0])
    axes = _axes(axis, x.shape, "softmax")
    s = _SOFTMAX.forward(x, axes)
    return _node(s, _SOFTMAX, operands, (axes,)) if isinstance(t, Tensor) else s


def log_softmax(t: Operand, axis: int = -1) -> Any:
    """xᵢ − log Σⱼ exp(xⱼ) along ``axis``, never forming a tiny probability.
    Gradient: g − softmax(x) · Σ g."""
    operands, _ = _operands("log_softmax", t)
    x = np.asarray(_arrays(operands)[0])
    axes = _axes(axis, x.shape, "log_softmax")
    y = log_softmax_array(x, axes)
    return _node(y, _LOG_SOFTMAX, operands, (axes,)) if isinstance(t, Tensor) else y


_SOFTMAX.apply, _LOG_SOFTMAX.apply = softmax, log_softmax


# Shapes and indexing: the gradient goes back to where each entry came from.

_RESHAPE = _row("reshape", np.reshape, "reshape({0})",
                (lambda g, x, y: g.reshape(x.shape), "{g} reshaped back"))
_TRANSPOSE = _row("transpose", np.transpose, "{0}ᵀ",
                  (lambda g, x, y, back: g.transpose(back), "{g}ᵀ"))
_INDEX = _row("index", lambda x, index: x[index], "{0}[…]",
              (lambda g, x, y, index: _scatter(g, index, x.shape),
               "{g} put back where it was picked"))
_BROADCAST = _row("broadcast_to", np.broadcast_to, "broadcast({0})",
                  (lambda g, x, y: unbroadcast(g, x.shape), "{g} summed back"))
_SCATTER = _row("scatter", lambda g, index, shape: _scatter(g, index, shape), "scatter({0})",
                (lambda g, x, y, index, shape: g[index], "{g} picked"))


def reshape(t: Operand, *shape: Any) -> Any:
    """The same entries in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    operands, _ = _operands("reshape", t)
    x = np.asarray(_arrays(operands)[0])
    try:
        y = x.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape {shape_str(x.shape)} ({x.size} entries) "
                         f"into {shape}; the number of entries must stay the same") from None
    return _node(y, _RESHAPE, operands) if isinstance(t, Tensor) else y


def transpose(t: Operand, *axes: int) -> Any:
    """Reverse the axes (``t.T``), or put them in the order given."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    operands, _ = _operands("transpose", t)
    x = np.asarray(_arrays(operands)[0])
    order = tuple(axes) if axes else tuple(reversed(range(x.ndim)))
    y = x.transpose(order)  # NumPy checks that ``order`` is a permutation of the axes
    # the permutation that undoes ``order``, counted from 0 (axis -1 is the last one)
    back = tuple(int(i) for i in np.argsort([a % x.ndim for a in order]))
    return _node(y, _TRANSPOSE, operands, (back,)) if isinstance(t, Tensor) else y


def getitem(t: Operand, index: Index) -> Any:
    """``t[index]`` with ints, slices or integer arrays. The gradient goes back to the entries
    that were picked; an entry picked twice gets both gradients (``np.add.at``); the entries
    not picked get 0."""
    index = tuple(map(_whole, index)) if isinstance(index, tuple) else _whole(index)
    operands, _ = _operands("index", t)
    x = np.asarray(_arrays(operands)[0])
    y = x[index]
    return _node(y, _INDEX, operands, (index,)) if isinstance(t, Tensor) else y


def broadcast_to(t: Operand, shape: tuple[int, ...]) -> Any:
    """``t`` repeated along the axes where it has size 1 (or none) to fill ``shape``, as
    ``np.broadcast_to``; its gradient is summed back (``unbroadcast``)."""
    if np.shape(_data(t)) == tuple(shape):
        return t
    if not isinstance(t, Tensor):
        return np.broadcast_to(t, shape)
    return _node(np.broadcast_to(t.data, shape), _BROADCAST, (t,))


def _scatter(g: Any, index: Index, shape: tuple[int, ...]) -> Any:
    """An array of ``shape`` holding 0 but where ``index`` picked entries: there, ``g``
    (added up where an entry was picked twice). The transpose of indexing."""
    if isinstance(g, Tensor):
        return _node(_scatter(g.data, index, shape), _SCATTER, (g,), (index, shape))
    dx = np.zeros(shape, dtype=np.result_type(g))
    np.add.at(dx, index, g)
    return dx


def _inside(x: Any, low: float, high: float) -> np.ndarray:
    """clip's slope, a constant: 1 where low <= x <= high (as PyTorch), else 0."""
    xd = np.asarray(_data(x))
    return ((xd >= low) & (xd <= high)).astype(xd.dtype)


_CLIP = _row("clip", np.clip, "clip({0})",
             (lambda g, x, y, low, high: g * _inside(x, low, high),
              "{g} where {0} is inside the bounds"), elementwise=True)


def clip(t: Operand, low: float, high: float) -> Any:
    """Each entry limited to [low, high] (``np.clip``, ``torch.clamp``). The gradient passes
    where the entry was inside the bounds (ends included, as PyTorch) and is 0 elsewhere."""
    for name, bound in (("low", low), ("high", high)):
        if not is_real(bound):
            raise not_real(bound, f"clip: {name}")
    if low > high:
        raise ValueError(f"clip: low = {low!r} is above high = {high!r}")
    operands, _ = _operands("clip", t)
    y = np.clip(_arrays(operands)[0], low, high)
    if not isinstance(t, Tensor):
        return y
    return _node(y, _CLIP, operands, (float(low), float(high)))


def _cut(g: Any, axis: int, start: int, stop: int | None) -> Any:
    """``g``'s part from ``start`` to ``stop`` along ``axis`` (for arrays and Tensors)."""
    index = (*(slice(None),) * axis, slice(start, stop))
    return g[index]


_CONCATENATE = _row("concatenate", lambda a, b, axis, split: np.concatenate((a, b), axis),
                    "concatenate({0}, {1})",
                    (lambda g, a, b, y, axis, split: _cut(g, axis, 0, split),
                     "{g} before the seam"),
                    (lambda g, a, b, y, axis, split: _cut(g, axis, split, None),
                     "{g} after the seam"))


def concatenate(tensors: Sequence[Operand], axis: int = 0) -> Any:
    """The tensors joined along ``axis`` (``np.concatenate``): one node per seam, whose
    gradient is cut back into the parts. Every other axis must match."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError("concatenate needs a list of tensors, e.g. concatenate([a, b], axis=0)"
                        f", got {type(tensors).__name__}")
    joined = tensors[0]
    for t in tensors[1:]:
        joined = _join(joined, t, axis)
    return joined


def _join(a: Operand, b: Operand, axis: int) -> Any:
    operands, _ = _operands("concatenate", a, b)
    x, y = (np.asarray(v) for v in _arrays(operands))
    if x.ndim != y.ndim or x.ndim == 0:
        raise ValueError(f"concatenate: {shape_str(x.shape)} and {shape_str(y.shape)}: the "
                         "tensors need the same number of axes, at least one")
    (ax,) = _axes(axis, x.shape, "concatenate")
    if x.shape[:ax] + x.shape[ax + 1:] != y.shape[:ax] + y.shape[ax + 1:]:
        raise ValueError(f"concatenate: {shape_str(x.shape)} and {shape_str(y.shape)} along "
                         f"axis {axis}: every other axis must have the same size")
    z = np.concatenate((x, y), ax)
    if not any(isinstance(o, Tensor) for o in operands):
        return z
    return _node(z, _CONCATENATE, operands, (ax, x.shape[ax]))


def stack(tensors: Sequence[Operand], axis: int = 0) -> Any:
    """The tensors, all of one shape, along a new axis (``np.stack``): each is reshaped to
    have that axis, then they are concatenated along it."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"stack needs a list of tensors, e.g. stack([a, b]), got "
                        f"{type(tensors).__name__}")
    shapes = {np.shape(_data(t)) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: the tensors have different shapes "
                         f"{', '.join(map(shape_str, sorted(shapes)))}; they must all match")
    shape = shapes.pop()
    (ax,) = _axes(axis, (*shape, 1), "stack")
    new = (*shape[:ax], 1, *shape[ax:])
    return concatenate([reshape(t, new) if isinstance(t, Tensor) else np.reshape(t, new)
                        for t in tensors], ax)


_CLIP.apply, _CONCATENATE.apply = clip, _join
_RESHAPE.apply, _TRANSPOSE.apply, _INDEX.apply = reshape, transpose, getitem
_BROADCAST.apply, _SCATTER.apply = broadcast_to, _scatter


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


def _shape_error(op: str, *arrays: Any) -> ValueError:
    shapes = f" {op} ".join(shape_str(np.shape(a)) for a in arrays)
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


# ----------------------------------------------------------------------------- ops of your own


def _users_forward(forward: Callable[..., Any], name: str, n: int,
                   elementwise: bool) -> Callable[..., Any]:
    """A user's forward function, with errors that name the op and a check of its result."""

    def checked_forward(*arrays: Any) -> np.ndarray:
        try:
            out = forward(*arrays)
        except (ArithmeticError, ValueError):
            raise
        except Exception as error:
            note_op(error, name, "in its forward function")
            raise
        result = real_array(_data(out), None, f"{name}: its forward function's result")
        if elementwise:
            expected = np.broadcast_shapes(*(np.shape(a) for a in arrays))
            if result.shape != expected:
                raise ValueError(
                    f"{name}: its forward function returned shape {shape_str(result.shape)} "
                    f"for operands of shape {', '.join(shape_str(np.shape(a)) for a in arrays)};"
                    f" an elementwise op returns the broadcast shape {shape_str(expected)}")
        return result

    checked_forward.__name__ = getattr(forward, "__name__", name)
    return checked_forward


def unary_op(name: str, forward: Callable[[Any], Any], derivative: Callable[[Any, Any], Any], *,
             formula: str | None = None, local: str | None = None,
             domain: tuple[float, float] | None = None, kinks: Sequence[float] = (),
             doc: str = "", register_op: bool = True) -> Callable[..., Any]:
    """Make an elementwise op of one tensor, as ``tinygrad_edu.unary_op`` makes one of one
    Value: ``forward(x)`` on an array, and ``derivative(x, y)``, dy/dx entry by entry from the
    input and the output. The engine multiplies it by the output's gradient (the VJP is
    ``g ⊙ derivative``). Write the derivative with operators and this module's functions
    (``exp``, ``log``, ``sigmoid``, ``where``, ...), not NumPy's, so that it also runs on
    Tensors and second derivatives come for free::

        softplus = unary_op("softplus", lambda x: np.logaddexp(0, x),
                            lambda x, y: sigmoid(x), local="sigmoid({0})")

    ``formula``/``local`` are the words stepping prints; ``domain`` and ``kinks`` tell
    ``tinygrad_edu.testing.check_op`` where to sample. The op joins ``OPS`` unless
    ``register_op=False``."""
    check_name(name, "unary_op")
    check_rule(forward, 1, name, "forward function", "x")
    check_rule(derivative, 2, name, "derivative", "x, y")
    op = TensorOp(name, _users_forward(forward, name, 1, True),
                  [lambda g, x, y: g * derivative(x, y)], formula or f"{name}({{0}})",
                  [f"{{g}} ⊙ {local or name + chr(39) + '({0})'}"], elementwise=True,
                  domain=None if domain is None else [domain], kinks=kinks, doc=doc)
    return _elementwise(register(op) if register_op else op)


def binary_op(name: str, forward: Callable[[Any, Any], Any],
              d_left: Callable[[Any, Any, Any], Any], d_right: Callable[[Any, Any, Any], Any],
              *, formula: str | None = None, local: tuple[str, str] | None = None,
              domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
              kinks: Sequence[Any] = (), doc: str = "", register_op: bool = True
              ) -> Callable[..., Any]:
    """Make an elementwise op of two operands, broadcast as NumPy does: ``forward(a, b)`` and
    the local derivatives ``d_left(a, b, y)`` = dy/da and ``d_right(a, b, y)`` = dy/db, entry
    by entry (the engine multiplies them by the gradient and sums them back over broadcast
    axes). Otherwise as ``unary_op``."""
    check_name(name, "binary_op")
    check_rule(forward, 2, name, "forward function", "a, b")
    check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    words = local or (f"∂{name}/∂{{0}}", f"∂{name}/∂{{1}}")
    op = TensorOp(name, _users_forward(forward, name, 2, True),
                  [lambda g, a, b, y: g * d_left(a, b, y), lambda g, a, b, y: g * d_right(a, b, y)],
                  formula or f"{name}({{0}}, {{1}})", [f"{{g}} ⊙ {w}" for w in words],
                  elementwise=True, domain=domain, kinks=kinks, doc=doc)
    return _elementwise(register(op) if register_op else op)


def tensor_op(name: str, forward: Callable[..., Any], vjps: Sequence[Vjp], *,
              formula: str | None = None, local: Sequence[str] | None = None,
              domain: Sequence[tuple[float, float]] | None = None, doc: str = "",
              register_op: bool = True) -> Callable[..., Any]:
    """Make any op from its forward function on arrays and, for each operand, its
    vector-Jacobian product ``vjp(g, *operands, out)``: that operand's gradient (of the
    operand's shape) from the output's gradient ``g``. Written with operators and this
    module's functions, the VJPs run on arrays in a backward pass and on Tensors under
    ``create_graph=True``::

        outer = tensor_op("outer", np.outer, [lambda g, u, v, y: g @ v,
                                              lambda g, u, v, y: u @ g],
                          formula="{0} ⊗ {1}", local=["{g} @ {1}", "{0} @ {g}"])

    ``check_op(outer, shapes=[(3,), (2,)])`` property-tests it (see
    ``tinygrad_edu.testing``)."""
    check_name(name, "tensor_op")
    vjps = list(vjps)
    check_rule(forward, len(vjps), name, "forward function",
               ", ".join(f"x{i}" for i in range(len(vjps))))
    for i, vjp in enumerate(vjps):
        check_rule(vjp, len(vjps) + 2, name, f"VJP for operand {i}",
                   "g, " + ", ".join(f"x{k}" for k in range(len(vjps))) + ", out")
    op = TensorOp(name, _users_forward(forward, name, len(vjps), False), vjps,
                  formula or f"{name}({', '.join(f'{{{i}}}' for i in range(len(vjps)))})",
                  local or [f"VJP of {name} for {{{i}}}" for i in range(len(vjps))],
                  domain=domain, doc=doc)
    return _elementwise(register(op) if register_op else op)


_BUILT_IN.update(OPS)
