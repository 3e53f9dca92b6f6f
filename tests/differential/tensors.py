"""Random programs of the tensor engine, compared with PyTorch (tests/differential).

A program starts from one to three leaves of random shapes (0-d to 3-d) holding ordinary
numbers and, in most programs, edges (0, -0, ±inf, NaN, subnormals, ±1e300, ...) at random
entries; each step is an elementwise op (broadcast against another node or a constant array
of a shape that broadcasts, on either side), a reduction over a random axis, softmax or
log_softmax, reshape or transpose, indexing (ints, slices, integer arrays that repeat),
matmul, concatenate or stack, mse_loss or cross_entropy. The output is the sum of every
node no later step used. Compared: every node's numbers, the gradients (grad() and
grad(create_graph=True), which must agree exactly, and PyTorch's), a Hessian-vector
product, and every step our engine refuses (PyTorch must give no number there).

Rounding: PyTorch runs the program again at inputs moved by a relative 2^-36, entry by
entry, both ways; how far each number moves says how well the rounding of two engines can
agree on it (a cancellation moves it a lot: then it is compared loosely, or not at all if
its kind of number changes). Recorded deviations are corrected in PyTorch's twins, as for
the scalar engine (``twin``).
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.differential.programs import EDGE_NUMBERS, NAN
from tinygrad_edu import grad
from tinygrad_edu.tensor import (
    Tensor,
    clip,
    concatenate,
    cross_entropy,
    log_softmax,
    maximum,
    minimum,
    mse_loss,
    softmax,
    stack,
    where,
)

SHAPES = [(), (3,), (2, 3), (3, 1), (1, 3), (2, 1, 3), (2, 2, 2)]
UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "abs", "neg", "clip"]
BINARY = ["+", "-", "*", "/", "**", "maximum", "minimum", "where"]
OTHERS = ["sum", "mean", "max", "softmax", "log_softmax", "reshape", "transpose", "index",
          "matmul", "concatenate", "stack", "mse_loss", "cross_entropy"]


@dataclass
class TStep:
    op: str
    args: list[Any]  # ("node", i) or ("const", array)
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        def show(a: Any) -> str:
            return f"t{a[1]}" if a[0] == "node" else np.array2string(np.asarray(a[1]),
                                                                  precision=4)
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{self.op}({', '.join(show(a) for a in self.args)}{extra})"


@dataclass
class TProgram:
    leaves: list[np.ndarray]
    steps: list[TStep]
    refused: list[tuple[TStep, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"t{i} = {np.array2string(x, precision=4)}" for i, x in enumerate(self.leaves)]
        n = len(self.leaves)
        return "\n".join(lines + [f"t{n + k} = {s}" for k, s in enumerate(self.steps)])


def array(rng: random.Random, shape: tuple[int, ...], edge_rate: float) -> np.ndarray:
    x = np.array([rng.uniform(-3.0, 3.0) for _ in range(math.prod(shape))]).reshape(shape)
    for index in np.ndindex(*shape):
        if rng.random() < edge_rate:
            x[index] = rng.choice(EDGE_NUMBERS)
    return x


def broadcastable(rng: random.Random, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape`` to ``shape``: some axes 1, fewer leading."""
    cut = rng.randint(0, len(shape))
    return tuple(1 if rng.random() < 0.3 else n for n in shape[cut:])


METHOD = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def apply_step(step: TStep, nodes: list[Any], E: Any) -> Any:
    """The step on nodes of one engine: ``E`` is ``Ours`` or PyTorch's ``theirs(torch)``."""
    xs = [nodes[a[1]] if a[0] == "node" else E.const(a[1]) for a in step.args]
    return getattr(E, METHOD.get(step.op, step.op))(*xs, **step.params)


def _method(name: str) -> Callable[..., Any]:
    return lambda t: getattr(t, name)()


class Ours:
    """The tensor engine's ops under the names ``apply_step`` asks for."""

    const = staticmethod(lambda a: a)  # (a plain array is a constant)
    exp, log, sqrt = staticmethod(_method("exp")), staticmethod(_method("log")), \
        staticmethod(_method("sqrt"))
    tanh, sigmoid = staticmethod(_method("tanh")), staticmethod(_method("sigmoid"))
    relu, abs = staticmethod(_method("relu")), staticmethod(_method("abs"))
    leaky_relu = staticmethod(lambda t, alpha: t.leaky_relu(alpha))
    neg = staticmethod(lambda t: -t)
    clip = staticmethod(lambda t, low, high: clip(t, low, high))
    add = staticmethod(lambda a, b: a + b)
    sub = staticmethod(lambda a, b: a - b)
    mul = staticmethod(lambda a, b: a * b)
    div = staticmethod(lambda a, b: a / b)
    pow = staticmethod(lambda a, b: a**b)
    maximum, minimum = staticmethod(maximum), staticmethod(minimum)
    where = staticmethod(lambda a, b, condition: where(condition, a, b))
    sum = staticmethod(lambda t, axis, keepdims: t.sum(axis=axis, keepdims=keepdims))
    mean = staticmethod(lambda t, axis, keepdims: t.mean(axis=axis, keepdims=keepdims))
    max = staticmethod(lambda t, axis, keepdims: t.max(axis=axis, keepdims=keepdims))
    softmax = staticmethod(lambda t, axis: softmax(t, axis))
    log_softmax = staticmethod(lambda t, axis: log_softmax(t, axis))
    reshape = staticmethod(lambda t, shape: t.reshape(shape))
    transpose = staticmethod(lambda t, axes: t.transpose(*axes))
    index = staticmethod(lambda t, index: t[index])
    matmul = staticmethod(lambda a, b: a @ b)
    concatenate = staticmethod(lambda a, b, axis: concatenate([a, b], axis))
    stack = staticmethod(lambda a, b, axis: stack([a, b], axis))
    mse_loss = staticmethod(lambda t, target: mse_loss(t, target))
    cross_entropy = staticmethod(lambda t, targets: cross_entropy(t, targets))


@functools.cache
def theirs(torch: Any) -> Any:
    """PyTorch's ops under the same names, corrected where a recorded deviation applies
    (tests/torch_deviations.py; ``CORRECTIONS`` names them)."""
    F, Function = torch.nn.functional, torch.autograd.Function

    class NanSlope(Function):  # 0, with the slope NaN where ``nan`` (deviation 3)
        @staticmethod
        def forward(ctx: Any, x: Any, nan: Any) -> Any:
            ctx.save_for_backward(nan)
            return torch.zeros_like(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (nan,) = ctx.saved_tensors
            return torch.where(nan, g, 0.0) * torch.where(nan, NAN, 0.0), None

    class Masked(Function):  # 0, passing nothing back whatever arrives (deviation 14)
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return torch.zeros_like(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return torch.zeros_like(g)

    class Amax(Function):  # NaN to a winning NaN, 0 to the others (deviation 18)
        @staticmethod
        def forward(ctx: Any, t: Any, dims: Any, keepdim: bool) -> Any:
            top = t.amax(dim=dims, keepdim=True)
            winners = (t == top).to(t.dtype)
            share = winners / winners.sum(dim=dims, keepdim=True).clamp(min=1)
            ctx.save_for_backward(torch.where(torch.isnan(t), NAN, share))
            ctx.dims, ctx.keepdim = dims, keepdim
            return top if keepdim else top.squeeze(dims) if dims != () else top

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (share,) = ctx.saved_tensors
            if not ctx.keepdim:
                for d in sorted(d % share.dim() for d in ctx.dims):
                    g = g.unsqueeze(d)
            return share * g, None, None

    def nan_at(mask: Any) -> Any:  # (NaN only where asked: where's other branch gets 0 · g)
        return torch.where(mask, NAN, 0.0)

    def nan_slope(f: Callable[..., Any]) -> Callable[..., Any]:  # (deviations 2 and 8)
        def g(x: Any, *a: Any, **k: Any) -> Any:
            nan = torch.isnan(x)
            return torch.where(nan, x * nan_at(nan), f(x, *a, **k))
        return g

    def either_nan(f: Callable[..., Any]) -> Callable[..., Any]:  # (deviation 8)
        def g(a: Any, b: Any) -> Any:
            nan = torch.isnan(a) | torch.isnan(b)
            return torch.where(nan, (a + b) * nan_at(nan), f(a, b))
        return g

    def power(a: Any, b: Any) -> Any:  # (deviations 3, 9, 14)
        a = a + 0.0  # (-0.0 is 0: its slope for 0 < b < 1 is +inf)
        y = torch.pow(a, b)
        if isinstance(b, float):
            nan = torch.isnan(a)
            return y + NanSlope.apply(a, nan) if b == 0 and bool(nan.any()) else y
        if b.requires_grad and bool((a == 0).any()):  # nothing back to b where a = 0
            y = torch.where(a == 0, torch.pow(a, b.detach()) + Masked.apply(b), y)
        nan = torch.isnan(a) & (b == 0)
        return y + NanSlope.apply(a, nan) if bool(nan.any()) else y

    def reduce(method: str) -> Callable[..., Any]:
        def f(t: Any, axis: Any, keepdims: bool) -> Any:
            dims = tuple(range(t.dim())) if axis is None else \
                (axis if isinstance(axis, tuple) else (axis,))
            if method == "amax":
                return Amax.apply(t, dims, keepdims) if t.dim() else t
            return getattr(t, method)(dim=dims, keepdim=keepdims) if t.dim() else t
        return f

    def index(t: Any, index: Any) -> Any:
        if isinstance(index, tuple):
            return t[tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i
                           for i in index)]
        return t[torch.as_tensor(index) if isinstance(index, np.ndarray) else index]

    class Div(Function):  # g / b and -(g·y) / b, as ours (deviations 13 and 16)
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            y = a / b
            ctx.save_for_backward(a, b)
            return y

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            a, b = ctx.saved_tensors
            return (g / b).sum_to_size(a.shape), (-(g * (a / b)) / b).sum_to_size(b.shape)

    def divide(a: Any, b: Any) -> Any:  # c / t as a tensor over a tensor (deviation 15)
        a = torch.as_tensor(a, dtype=torch.float64) if isinstance(a, float) else a
        if isinstance(b, torch.Tensor) and b.requires_grad:
            with torch.no_grad():
                q = a / b
                slope = q / b  # (PyTorch's slope of b, before it meets the gradient)
                beyond = ((b.abs() > 2.0**500) | (b.abs() < 2.0**-500) |
                          (torch.isfinite(q) & ~torch.isfinite(slope)))
            if bool(beyond.any()):  # (it overflows, or squares b: ours, g / b, -(g·y)/b)
                return Div.apply(a, b)
        return torch.div(a, b)

    def sigmoid(x: Any) -> Any:  # e^x / (1 + e^x) below -709.78 (deviation 11)
        e = torch.exp(torch.clamp(x, max=0.0))
        return torch.where(x < -709.0, e / (1 + e), torch.sigmoid(x))

    names = dict(
        const=lambda a: a if isinstance(a, float) else torch.as_tensor(np.asarray(a, float)),
        exp=torch.exp, log=torch.log, sqrt=lambda x: torch.sqrt(x + 0.0), tanh=torch.tanh,
        sigmoid=sigmoid, relu=nan_slope(torch.relu), abs=nan_slope(torch.abs), neg=torch.neg,
        leaky_relu=nan_slope(lambda t, alpha: F.leaky_relu(t, alpha)),
        clip=nan_slope(lambda t, low, high: torch.clamp(t, low, high)),
        add=torch.add, sub=torch.sub, mul=torch.mul, div=divide, pow=power,
        maximum=either_nan(torch.maximum), minimum=either_nan(torch.minimum),
        where=lambda a, b, condition: torch.where(torch.as_tensor(condition), a, b),
        sum=reduce("sum"), mean=reduce("mean"), max=reduce("amax"),
        softmax=lambda t, axis: t.softmax(axis), log_softmax=lambda t, axis: t.log_softmax(axis),
        reshape=lambda t, shape: t.reshape(shape), transpose=lambda t, axes: t.permute(*axes),
        index=index, matmul=torch.matmul,
        concatenate=lambda a, b, axis: torch.cat([a, b], axis),
        stack=lambda a, b, axis: torch.stack([a, b], axis),
        mse_loss=lambda t, target: ((t - torch.as_tensor(target)) ** 2).mean(),
        cross_entropy=lambda t, targets: F.cross_entropy(t, torch.as_tensor(targets)),
    )
    return type("Theirs", (), {k: staticmethod(v) for k, v in names.items()})


CORRECTIONS = ["relu-slope-at-nan", "leaky_relu-slope-at-nan", "abs-slope-at-nan",
               "maximum-slope-at-nan", "clip-slope-at-nan", "pow-zero-slope-at-nan",
               "sqrt-slope-at-negative-zero", "pow-slope-at-negative-zero",
               "power-of-zero-slope-under-an-infinite-gradient", "sigmoid-below-minus-709",
               "max-slope-at-nan", "a-number-over-a-tensor",
               "denominator-slope-under-a-tiny-gradient-tensor",
               "second-derivative-of-a-quotient-beyond-the-floats"]
"""The recorded deviations ``theirs`` corrects (a test checks each is recorded)."""
HVP_SKIPS = ["pow-mixed-partial-at-zero-exponent-tensor",
             "second-derivative-of-a-power-at-a-zero-base",
             "second-derivative-of-sqrt-at-a-subnormal",
             "second-derivative-of-log-beyond-the-floats"]
"""The recorded deviations for which Hessian-vector products are not compared: a power
whose exponent (4) or base (19) has an entry 0, a square root of a subnormal (20), numbers
beyond 2^±500 (21: ``extreme``)."""


# ----------------------------------------------------------------------------- programs


def random_tstep(rng: random.Random, shapes: list[tuple[int, ...]], edge_rate: float) -> TStep:
    """One step on the nodes of these shapes (recent ones more often)."""
    n = len(shapes)

    def pick() -> int:
        return rng.randrange(max(0, n - 3), n) if rng.random() < 0.5 else rng.randrange(n)

    i = pick()
    shape, kind = shapes[i], rng.random()
    if kind < 0.3:
        op = rng.choice(UNARY)
        params: dict[str, Any] = {}
        if op == "leaky_relu":
            params = {"alpha": rng.choice([0.01, 0.0, 1.0, -0.5])}
        if op == "clip":
            low = rng.uniform(-2.0, 1.0)
            params = {"low": low, "high": low + rng.choice([0.0, 0.5, 2.0])}
        return TStep(op, [("node", i)], params)
    if kind < 0.65:
        op = rng.choice(BINARY)
        fits = [j for j in range(n) if broadcasts(shapes[j], shape)]
        if rng.random() < 0.5 and fits:
            other: Any = ("node", rng.choice(fits))
        elif op == "**":
            other = ("const", rng.choice([2.0, 0.5, 3.0, -1.0, 0.0, 1.5, 1.0]))
        else:
            other = ("const", array(rng, broadcastable(rng, shape), edge_rate))
        args = [("node", i), other] if rng.random() < 0.7 or op == "**" else [other, ("node", i)]
        params = {}
        if op == "where":
            out = np.broadcast_shapes(shape, np.shape(other[1]) if other[0] == "const"
                                      else shapes[other[1]])
            params = {"condition": np.array([rng.random() < 0.5 for _ in range(
                math.prod(out))], dtype=bool).reshape(out)}
        return TStep(op, args, params)
    op = rng.choice(OTHERS)
    d = len(shape)
    if op in ("sum", "mean", "max"):
        axis: Any = None
        if d and rng.random() < 0.7:
            axis = rng.randrange(-d, d) if d < 2 or rng.random() < 0.6 else \
                tuple(rng.sample(range(d), 2))
        return TStep(op, [("node", i)], {"axis": axis, "keepdims": rng.random() < 0.5})
    if op in ("softmax", "log_softmax") and d:
        return TStep(op, [("node", i)], {"axis": rng.randrange(-d, d)})
    if op == "reshape":
        size = math.prod(shape)
        options = [(size,), (1, size)] + ([(2, size // 2)] if size % 2 == 0 else [])
        return TStep(op, [("node", i)], {"shape": rng.choice(options)})
    if op == "transpose" and d >= 2:
        return TStep(op, [("node", i)], {"axes": tuple(rng.sample(range(d), d))})
    if op == "index" and d and shape[0]:
        m = shape[0]
        index = rng.choice([rng.randrange(m), slice(1, None), np.array([0, m - 1, 0]),
                            (slice(None), 0) if d >= 2 else -1])
        return TStep(op, [("node", i)], {"index": index})
    if op == "matmul" and d in (1, 2):
        k = shape[-1]
        right = rng.choice([(k,), (k, 2), (k, 1)])
        fits = [j for j in range(n) if shapes[j] == right]
        other = ("node", rng.choice(fits)) if fits and rng.random() < 0.5 else \
            ("const", array(rng, right, edge_rate))
        return TStep(op, [("node", i), other])
    if op in ("concatenate", "stack") and d:
        same = [j for j in range(n) if shapes[j] == shape]
        axis = rng.randrange(d) if op == "concatenate" else rng.randrange(d + 1)
        return TStep(op, [("node", i), ("node", rng.choice(same))], {"axis": axis})
    if op == "mse_loss":
        return TStep(op, [("node", i)], {"target": array(rng, shape, edge_rate)})
    if op == "cross_entropy" and d == 2 and shape[1]:
        return TStep(op, [("node", i)], {"targets": np.array(
            [rng.randrange(shape[1]) for _ in range(shape[0])], dtype=np.int64)})
    return TStep("tanh", [("node", i)])


def broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def generate_tensors(seed: int) -> tuple[TProgram, list[Any]]:
    """A random program of 3 to 14 steps and the Tensors our engine made running it (NumPy's
    warnings of inf - inf and the like silenced: the numbers are compared)."""
    with np.errstate(all="ignore"):
        return _generate_tensors(seed)


def _generate_tensors(seed: int) -> tuple[TProgram, list[Any]]:
    rng = random.Random(seed)
    edge_rate = rng.choice([0.0, 0.1, 0.25, 0.4])
    leaves = [array(rng, rng.choice(SHAPES), edge_rate) for _ in range(rng.randint(1, 3))]
    program = TProgram(leaves, [])
    nodes: list[Any] = [Tensor(x) for x in leaves]
    size, attempts = rng.randint(3, 14), 0
    while len(program.steps) < size and attempts < 10 * size:
        attempts += 1
        step = random_tstep(rng, [t.shape for t in nodes], edge_rate)
        try:
            nodes.append(apply_step(step, nodes, Ours))
        except (ArithmeticError, ValueError) as error:
            program.refused.append((step, str(error)))
            continue
        program.steps.append(step)
    used = {a[1] for s in program.steps for a in s.args if a[0] == "node"}
    dangling = [i for i in range(len(nodes)) if i not in used and i >= len(leaves)] or \
        [len(nodes) - 1]
    total: Any = None
    for i in dangling:  # the output: Σ of every node no step used, each summed
        program.steps.append(TStep("sum", [("node", i)], {"axis": None, "keepdims": False}))
        nodes.append(apply_step(program.steps[-1], nodes, Ours))
        if total is not None:
            program.steps.append(TStep("+", [("node", total), ("node", len(nodes) - 1)]))
            nodes.append(apply_step(program.steps[-1], nodes, Ours))
        total = len(nodes) - 1
    return program, nodes


# ----------------------------------------------------------------------------- comparing


def as_array(t: Any) -> np.ndarray:
    """A tensor's numbers. (PyTorch's gradients may be ZeroTensors, whose numpy() crashes
    the process with a segmentation fault for some strides: a 2×1×3 one of strides 6, 6,
    1, from the Hessian-vector product of seed 6730.)"""
    if getattr(t, "_is_zerotensor", lambda: False)():
        return np.zeros(tuple(t.shape))
    return t.detach().numpy(force=True)


def run_theirs(program: TProgram, torch: Any, leaves: list[np.ndarray], directions: list[Any]
               ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The program in PyTorch at ``leaves``: every node's numbers, the gradients of the
    output and the Hessian-vector product along ``directions``."""
    E = theirs(torch)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    nodes: list[Any] = list(ts)
    for step in program.steps:
        nodes.append(apply_step(step, nodes, E))
    out = nodes[-1]
    firsts = torch.autograd.grad(out, ts, allow_unused=True, create_graph=True) \
        if out.requires_grad else (None,) * len(ts)
    grads = [np.zeros_like(x) if g is None else as_array(g)
             for x, g in zip(leaves, firsts)]
    inner = [n for n in nodes if n.requires_grad]  # (every node's gradient: its size)
    every = torch.autograd.grad(out, inner, allow_unused=True, retain_graph=True) \
        if out.requires_grad else ()
    sizes = [np.abs(as_array(g)) for g in every if g is not None]
    largest = max([0.0, *(float(a[np.isfinite(a)].max(initial=0.0)) for a in sizes)])
    grads.append(np.array(largest if all(np.isfinite(a).all() for a in sizes) else np.inf))
    terms = [(g * torch.as_tensor(v)).sum() for g, v in zip(firsts, directions)
             if g is not None and g.requires_grad]
    products = torch.autograd.grad(sum(terms), ts, allow_unused=True) if terms else \
        (None,) * len(ts)
    hvp = [np.zeros_like(x) if h is None else as_array(h) for x, h in zip(leaves, products)]
    return [as_array(n) for n in nodes], grads, hvp


def run_ours(program: TProgram, nodes: list[Any], directions: list[Any]) -> tuple[
        list[np.ndarray], list[np.ndarray], list[np.ndarray], list[str]]:
    """Ours: every node's numbers, the gradients (grad() and, the same to the last bit,
    grad(create_graph=True)) and the Hessian-vector product; and the disagreements between
    our two passes."""
    leaves, out, found = nodes[:len(program.leaves)], nodes[-1], []
    plain = grad(out, leaves, allow_unused=True)
    firsts = grad(out, leaves, allow_unused=True, create_graph=True)
    grads = [np.zeros(t.shape) if g is None else g for t, g in zip(leaves, plain)]
    for i, (p, g) in enumerate(zip(grads, firsts)):  # (BLAS may round a product with a
        again = np.zeros(p.shape) if g is None else g.data  # transposed operand 1 ulp apart)
        scale = np.abs(p[np.isfinite(p)]).max() if np.isfinite(p).any() else 0.0
        if not same_kind_and_number(p, again, 1e-14 * max(1.0, scale)).all():
            found.append(f"d/dt{i}: grad() {p}, grad(create_graph=True) {again}")
    terms = [(g * v).sum() for g, v in zip(firsts, directions) if g is not None and g.parents]
    products = grad(sum(terms[1:], terms[0]), leaves, allow_unused=True) if terms else \
        (None,) * len(leaves)
    hvp = [np.zeros(t.shape) if h is None else h for t, h in zip(leaves, products)]
    return [t.data for t in nodes], grads, hvp, found


def same_kind_and_number(a: Any, b: Any, tolerance: Any) -> np.ndarray:
    """Entry by entry: NaN where NaN, the same infinity, else within ``tolerance``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(a) & np.isfinite(b)
        near = np.where(finite, np.abs(a - b) <= tolerance, a == b)
    return np.where(nan_a | nan_b, nan_a & nan_b, near)


SUMMING = {"sum", "mean", "matmul", "softmax", "log_softmax", "cross_entropy", "mse_loss",
           "+", "-"}


def summed(program: TProgram, nodes: list[Any], i: int) -> float:
    """How far two engines' sums may round apart at node ``i`` (in another order, with a
    cancellation: numpy's Σ of [-⅓, -⅓, -⅓, ⅓, ⅓, ⅓] is -1.1e-16, PyTorch's 0): 64·EPS
    times the sum of its operands' |entries|; 0 for another op (and a leaf)."""
    n = len(program.leaves)
    if i < n or program.steps[i - n].op not in SUMMING:
        return 0.0
    total = 0.0
    for a in program.steps[i - n].args:
        x = np.abs(np.asarray(nodes[a[1]].data if a[0] == "node" else a[1], dtype=float))
        total += float(x[np.isfinite(x)].sum())
    return 64 * 2.0**-52 * total


def extreme(nodes: list[Any]) -> bool:
    """Whether a number of the program is not finite, or beyond 2^±500: its second
    derivatives are products of infinities (which NaN or inf depends on the order of the
    factors) or of slopes that leave the floats (deviations 16, 20, 21, 22)."""
    for t in nodes:
        a = np.abs(np.asarray(t.data))
        if not np.isfinite(a).all() or ((a > 2.0**500) | ((a > 0) & (a < 2.0**-500))).any():
            return True
    return False


def subnormal(x: Any) -> bool:
    """Whether an entry of ``x`` is a subnormal number (deviation 20)."""
    a = np.abs(np.asarray(x))
    return bool(((a > 0) & (a < 2.0**-1022)).any())


def judged(base: Any, moved: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Which entries of PyTorch's ``base`` numbers can be judged (their kind stays when the
    inputs move), and the tolerance of each: 1e-9 of the number, four times how far it
    moved, and 1e-13 of the largest entry of its array."""
    base = np.asarray(base, dtype=float)
    ok = np.ones(base.shape, bool)
    spread = np.zeros(base.shape)
    for m in moved:
        m = np.asarray(m, dtype=float)
        ok &= same_kind_and_number(base, m, np.inf)
        with np.errstate(invalid="ignore"):
            spread = np.maximum(spread, np.where(np.isfinite(m - base), np.abs(m - base), 0))
    finite = np.abs(base[np.isfinite(base)])
    floor = 1e-13 * (finite.max() if finite.size else 0.0)  # (rounding among its entries)
    return ok, 1e-9 * np.nan_to_num(np.abs(base), posinf=0.0) + 4 * spread + floor


@dataclass
class TReport:
    mismatches: list[str] = field(default_factory=list)
    compared: int = 0
    skipped: int = 0


def compare_tensors(seed: int, torch: Any) -> tuple[TProgram, TReport]:
    """One random tensor program, compared with PyTorch."""
    program, nodes = generate_tensors(seed)
    report = TReport(mismatches=tensor_refusals(program, torch))
    rng = np.random.default_rng(seed)
    directions = [rng.uniform(-1.0, 1.0, x.shape) for x in program.leaves]
    with np.errstate(all="ignore"):
        base = run_theirs(program, torch, program.leaves, directions)
        try:
            ours = run_ours(program, nodes, directions)
        except (ArithmeticError, ValueError) as error:  # (a**b's d/db at a < 0: NaN there)
            if not any(s.op == "**" and s.args[1][0] == "node" and s.args[0][0] == "node" and
                       (np.asarray(nodes[s.args[0][1]].data) < 0).any() for s in program.steps):
                report.mismatches.append(f"we refuse the gradients ({error})")
            return program, report
        report.mismatches += ours[3]
        moves = [[x * (1 + s * 2.0**-36 * rng.choice([-1.0, 1.0], x.shape))
                  for x in program.leaves] for s in (1, -1)]
        moved = [run_theirs(program, torch, m, directions) for m in moves]
    skip_hvp = extreme(nodes) or any(  # (as for Values)
        (s.op == "**" and any(a[0] == "node" and (np.asarray(nodes[a[1]].data) == 0).any()
                              for a in s.args))  # (deviations 4 and 19)
        or (s.op == "sqrt" and subnormal(nodes[s.args[0][1]].data)) for s in program.steps)
    largest = float(base[1].pop())  # (the largest gradient of any node: what sums cancel)
    beyond = largest == np.inf  # (a node's gradient is no float: inf or NaN is a matter of
    largest = 0.0 if beyond else largest  # the order of the factors, in the leaves' too)
    sizes = [np.abs(g[np.isfinite(g)]).max() for g in base[1] if np.isfinite(g).any()]
    floor = 1e-12 * max([1.0, *sizes]) + 256 * 2.0**-52 * largest
    for m in moved:
        m[1].pop()
    local = local_values(program, nodes, torch)
    for kind, k in (("t", 0), ("d/dt", 1), ("hvp t", 2))[:3 - skip_hvp]:
        for i, (o, t) in enumerate(zip(ours[k], local if k == 0 else base[k])):
            if k == 0:  # each op on our operands: its own rounding only
                ok = np.ones(np.shape(t), bool)
                size = np.abs(np.nan_to_num(np.asarray(t, float), posinf=0, neginf=0))
                tolerance = 64 * 2.0**-52 * size + summed(program, nodes, i)
            else:
                ok, tolerance = judged(t, [m[k][i] for m in moved])
                tolerance = tolerance + (np.inf if beyond else floor)
            agree = same_kind_and_number(o, t, tolerance)
            if k and beyond:
                agree |= ~np.isfinite(np.asarray(o, float)) & ~np.isfinite(np.asarray(t, float))
            report.compared += int(ok.sum())
            report.skipped += int((~ok).sum())
            bad = ok & ~agree
            if bad.any():
                where = tuple(np.argwhere(bad)[0])
                report.mismatches.append(
                    f"{kind}{i}{list(where)}: ours {np.asarray(o)[where]!r}, PyTorch "
                    f"{np.asarray(t)[where]!r} (tolerance {np.asarray(tolerance)[where]:.3g})")
    return program, report


def local_values(program: TProgram, nodes: list[Any], torch: Any) -> list[np.ndarray]:
    """PyTorch's value of each node, its op applied to our operands' numbers (so that a
    difference is this op's, not one carried from earlier rounding)."""
    E = theirs(torch)
    ours = [torch.as_tensor(np.asarray(t.data, dtype=np.float64)) for t in nodes]
    found = list(ours[:len(program.leaves)])
    for k, step in enumerate(program.steps):
        made = apply_step(step, ours[:len(program.leaves) + k], E)
        found.append(made.detach())
    return [as_array(t) for t in found]


def tensor_refusals(program: TProgram, torch: Any) -> list[str]:
    """Each step our engine refused: PyTorch's op at those numbers gives no number somewhere
    (NaN or an infinity in its value or in the gradient of its sum)."""
    found = []
    E = theirs(torch)
    for step, error in program.refused:
        nodes = program_nodes(program, step, torch)
        ts = [n for n in nodes if n is not None and n.requires_grad]
        try:
            y = apply_step(step, nodes, E)
        except (RuntimeError, IndexError, ValueError):  # (PyTorch refuses too: empty input)
            continue
        slopes = torch.autograd.grad(y.sum(), ts, allow_unused=True) if y.requires_grad else ()
        numbers = [y.detach().numpy()] + [s.numpy() for s in slopes if s is not None]
        if all(np.isfinite(n).all() for n in numbers):
            found.append(f"we refuse {step} ({error}), where PyTorch gives numbers")
    return found


def program_nodes(program: TProgram, step: TStep, torch: Any) -> list[Any]:
    """PyTorch's nodes of the program as far as it got when ``step`` was tried (leaves of
    their own: the refused op's local derivatives alone)."""
    E = theirs(torch)
    nodes: list[Any] = [torch.tensor(x, dtype=torch.float64) for x in program.leaves]
    wanted = {a[1] for a in step.args if a[0] == "node"}
    for s in program.steps:
        if len(nodes) > max(wanted):
            break
        nodes.append(apply_step(s, nodes, E).detach())
    return [n.clone().requires_grad_(i in wanted) for i, n in enumerate(nodes)]
