"""PyTorch's twin of each op of a program, corrected where a recorded deviation applies
(tests/differential).

PyTorch runs each op as its own twin, except where a difference recorded in
tests/torch_deviations.py applies at the op's numbers: then a twin corrected to give what that
entry says is right (``corrected``, by the entry's name; ``twin`` says which applies). So
every difference that remains is a finding. ``hessian_deviation_of`` names the recorded
deviations that make PyTorch's second derivatives of a program differ from ours.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from tests.differential.programs import NAN, Program, Step
from tinygrad_edu import Value, walk
from tinygrad_edu.safe_math import dot as exact_dot
from tinygrad_edu.safe_math import fsum


@functools.cache
def torch_ops(torch: Any) -> dict[str, Callable[..., Any]]:
    """PyTorch's op for each of ours."""
    import operator

    def const(torch: Any, x: Any) -> Any:
        return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)

    return {
        "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
        "**": operator.pow, "neg": operator.neg, "exp": torch.exp, "log": torch.log,
        "sqrt": torch.sqrt, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
        "abs": torch.abs, "sin": torch.sin, "cos": torch.cos,
        "leaky_relu": lambda x, a: torch.nn.functional.leaky_relu(x, a),
        "vsum": lambda xs: torch.stack([const(torch, x) for x in xs]).sum(),
        "dot": lambda ws, xs: (torch.stack([const(torch, w) for w in ws])
                               * torch.stack([const(torch, x) for x in xs])).sum(),
    }


@functools.cache
def corrected(torch: Any) -> dict[str, Callable[..., Any]]:
    """PyTorch's ops corrected where a recorded deviation applies, by the deviation's name
    (tests/torch_deviations.py): what the entry says is right, written with PyTorch's ops so
    that second derivatives run through them too."""
    Function = torch.autograd.Function

    class PowAtNan(Function):  # a ** b at a NaN base: 1 (IEEE), the slope NaN (deviation 3)
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            ctx.save_for_backward(a, b)
            return torch.pow(a, b)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            a, b = ctx.saved_tensors
            return g * (a * NAN), g * torch.pow(a, b) * torch.log(a)

    class Masked(Function):  # 0, passing nothing back whatever arrives (deviation 14)
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return torch.zeros_like(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return torch.zeros_like(g)

    class Sigmoid(Function):  # e^x / (1 + e^x) below -709.78 (deviation 11)
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            e = torch.exp(x)
            y = e / (1 + e)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (y,) = ctx.saved_tensors
            return g * (y * (1 - y))

    class Log(Function):  # the slope 1/x kept as a number, times g (deviation 22, ours)
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return torch.log(x)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * (1 / x)

    class Div(Function):  # the slopes 1/b and -y/b kept as numbers, times g (22; and 16)
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            ctx.save_for_backward(a, b)
            return a / b

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            a, b = ctx.saved_tensors
            return g * (1 / b), g * (-(a / b) / b)

    class Sum(Function):  # a sum rounded once (deviation 10)
        @staticmethod
        def forward(ctx: Any, *xs: Any) -> Any:
            ctx.n = len(xs)
            return torch.tensor(fsum([x.item() for x in xs]), dtype=torch.float64)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return (g,) * ctx.n

    class Dot(Function):  # Σ wᵢ·xᵢ rounded once, exact where a product overflows (10)
        @staticmethod
        def forward(ctx: Any, *wx: Any) -> Any:
            ctx.save_for_backward(*wx)
            half = len(wx) // 2
            numbers = [t.item() for t in wx]
            return torch.tensor(exact_dot(numbers[:half], numbers[half:]), dtype=torch.float64)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            wx = ctx.saved_tensors
            half = len(wx) // 2
            return (*(g * x for x in wx[half:]), *(g * w for w in wx[:half]))

    def tensor(x: Any) -> Any:
        return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)

    def nan_slope(f: Callable[..., Any]) -> Callable[..., Any]:
        return lambda x, *a: torch.where(torch.isnan(x), x * NAN, f(x, *a))

    def power_of_zero(a: Any, b: Any) -> Any:
        return torch.pow(a, b.detach()) + Masked.apply(b)

    plain = torch_ops(torch)
    return {
        "relu-slope-at-nan": nan_slope(plain["relu"]),
        "abs-slope-at-nan": nan_slope(plain["abs"]),
        "leaky_relu-slope-at-nan": nan_slope(plain["leaky_relu"]),
        "pow-zero-slope-at-nan": lambda a, b: PowAtNan.apply(tensor(a), tensor(b)),
        "power-of-zero-slope-under-an-infinite-gradient": power_of_zero,
        "sqrt-slope-at-negative-zero": lambda x: torch.sqrt(x + 0.0),
        "pow-slope-at-negative-zero": lambda a, b: (a + 0.0) ** b,
        "sigmoid-below-minus-709": Sigmoid.apply,
        "log-slope-under-a-tiny-gradient": Log.apply,
        "division-slope-under-a-tiny-gradient": lambda a, b: Div.apply(tensor(a), tensor(b)),
        "vsum-rounded-once": lambda xs: Sum.apply(*[tensor(x) for x in xs]),
        "vsum-rounded-once (dot)": lambda ws, xs: Dot.apply(*[tensor(v) for v in [*ws, *xs]]),
        "a-number-over-a-tensor": lambda a, b: tensor(a) / b,
        "second-derivative-of-a-quotient-beyond-the-floats":
            lambda a, b: Div.apply(tensor(a), tensor(b)),
    }


TINY = 2.0**-1024  # below it, 1/x is too large for a float


def twin(step: Step, numbers: list[float], plain_sum: Callable[[], float]) -> str | None:
    """The recorded deviation that applies to ``step`` at these operand numbers (the name of
    its corrected twin), or None: PyTorch's own op. ``plain_sum`` is PyTorch's own sum of a
    vsum's or dot's terms."""
    op, x = step.op, numbers[0]
    if op in ("relu", "abs", "leaky_relu") and x != x:
        return f"{op}-slope-at-nan"
    if op == "sqrt" and x == 0 and math.copysign(1.0, x) < 0:
        return "sqrt-slope-at-negative-zero"
    if op == "sigmoid" and x < -709.78:
        return "sigmoid-below-minus-709"
    if op == "log" and abs(x) < TINY:
        return "log-slope-under-a-tiny-gradient"
    if op == "/" and step.args[0][0] == "const":  # (c / t: c · (1/t) in PyTorch)
        return "a-number-over-a-tensor"
    if op == "/" and abs(numbers[1]) < TINY:
        return "division-slope-under-a-tiny-gradient"
    if op == "/" and step.args[1][0] == "node" and not 2.0**-511 < abs(numbers[1]) < 2.0**511:
        return "second-derivative-of-a-quotient-beyond-the-floats"  # (b² is no float)
    if op == "**":
        a, b = numbers
        if a != a and b == 0:
            return "pow-zero-slope-at-nan"
        if a == 0 and step.args[1][0] == "node":
            return "power-of-zero-slope-under-an-infinite-gradient"
        if a == 0 and math.copysign(1.0, a) < 0 and 0 < b < 1 and step.args[0][0] == "node":
            return "pow-slope-at-negative-zero"
    if op in ("vsum", "dot"):
        half = len(step.args[0])
        ours = fsum(numbers) if op == "vsum" else exact_dot(numbers[:half], numbers[half:])
        theirs = plain_sum()
        if ours != theirs and not (ours != ours and theirs != theirs):
            return "vsum-rounded-once" + (" (dot)" if op == "dot" else "")
    return None


SLOPES_TOO_LARGE = {"log-slope-under-a-tiny-gradient", "division-slope-under-a-tiny-gradient"}
HESSIAN_SKIPS = ["pow-mixed-partial-at-zero-exponent", "log-slope-under-a-tiny-gradient",
                 "second-derivative-through-a-slope-too-large"]
"""The recorded deviations for which second derivatives are not compared (the last one:
``overflowing_slope``)."""


def hessian_deviation_of(program: Program, nodes: list[Value], twins: dict[str, int]) -> \
        str | None:
    """The recorded deviation that makes PyTorch's second derivatives of the program differ
    from ours, or None: a mixed partial of a**b at b = 0 (deviation 1), or a local
    derivative too large for a float (deviation 22), in the program or in the graphs of its
    first derivatives (d(0.5/y)/dy = -0.5/y² for √ at a subnormal y)."""
    for step, node in zip(program.steps, nodes[len(program.leaves):]):
        if step.op == "**" and step.args[1][0] == "node" and node.parents[-1].data == 0:
            return "pow-mixed-partial-at-zero-exponent"
    if SLOPES_TOO_LARGE & set(twins):
        return "log-slope-under-a-tiny-gradient"
    return None


def overflowing_slope(root: Value) -> bool:
    """Whether a node of ``root``'s graph has a local derivative too large for a float
    though its number and its operands' are not (deviation 22)."""
    return any(
        any(math.isinf(d) for d in node.local_grads) and math.isfinite(node.data)
        and all(math.isfinite(p.data) for p in node.parents) for node in walk(root))


