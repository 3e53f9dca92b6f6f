"""PyTorch's twin of each op of the tensor engine, corrected where a recorded deviation
applies (tests/torch_deviations.py), as for the scalar engine (twins.py); and the deviations
for which the differential test compares no Hessian-vector product (tests/differential).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.differential.programs import NAN


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
