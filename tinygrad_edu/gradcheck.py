"""Gradient checking: compare what ``backward()`` says with what the numbers say.

The derivative of f at x is the slope of f there, and the slope can be measured without any
calculus: nudge x by a small h each way and use the central difference

    df/dx ≈ (f(x + h) - f(x - h)) / (2h)

whose error shrinks like h². ``gradcheck`` does this for every input (in float64) and
compares it with the analytic gradient from ``backward()``, using PyTorch's criterion

    |analytic - numeric| <= atol + rtol·|numeric|

and reports, beside the absolute error, the relative error
|a - n| / (|a| + |n|) that the teaching texts use (about 1e-7 or less when all is well).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tinygrad_edu.engine import Number, Value, floats_refused
from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import no_grad


class GradcheckError(AssertionError):
    """``backward()`` and central differences disagree. An AssertionError, so pytest shows it
    like a failed ``assert`` with the whole report."""


@dataclass(frozen=True)
class GradcheckEntry:
    """The check for one input: its value, both derivatives and how far apart they are."""

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float  # |a - n| / (|a| + |n|), 0 when both are 0
    ok: bool


@dataclass(frozen=True)
class GradcheckReport:
    """What ``gradcheck`` found, one entry per input. ``print(report)`` shows a table;
    ``bool(report)`` is ``report.ok``."""

    entries: tuple[GradcheckEntry, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> tuple[GradcheckEntry, ...]:
        return tuple(e for e in self.entries if not e.ok)

    @property
    def relative_error(self) -> float:
        """The seeds' ‖a - n‖ / (‖a‖ + ‖n‖) over all inputs at once (Euclidean norms)."""
        a = [e.analytic for e in self.entries]
        n = [e.numeric for e in self.entries]
        return _relative_error(math.hypot(*(x - y for x, y in zip(a, n))),
                               math.hypot(*a), math.hypot(*n))

    def __str__(self) -> str:
        head = ("input", "value", "analytic (backward)", "numeric (central diff.)",
                "abs error", "rel error", "ok")
        rows = [head] + [
            (e.name, _g(e.value), _g(e.analytic), _g(e.numeric), f"{e.abs_error:.2e}",
             f"{e.rel_error:.2e}", "yes" if e.ok else "NO")
            for e in self.entries
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        verdict = "passed" if self.ok else f"FAILED for {len(self.failures)} of {len(self.entries)}"
        lines.append(f"gradcheck {verdict}: |analytic - numeric| <= atol + rtol·|numeric| "
                     f"with atol={self.atol:g}, rtol={self.rtol:g}, eps={self.eps:g}")
        return "\n".join(lines)

    def failure_message(self) -> str:
        """One sentence per failing input naming it and both numbers, then the table."""
        lines = []
        for e in self.failures:
            if math.isfinite(e.analytic) and not math.isfinite(e.numeric):
                # no verdict on backward(): the numbers f gave near the point say nothing
                lines.append(f"gradient of input {e.name} = {e.value!r} cannot be checked: "
                             f"backward() gives {e.analytic!r}, central differences give "
                             f"{e.numeric!r}, because f is not finite near {e.name} = "
                             f"{e.value!r} (it overflows or is undefined within eps); check "
                             "a point where f is finite")
                continue
            if not (math.isfinite(e.analytic) and math.isfinite(e.numeric)):
                why = "a gradient that is not a finite number is never accepted"
            else:
                why = (f"|a - n| = {e.abs_error:.3g} > atol + rtol·|n| = "
                       f"{self.atol + self.rtol * abs(e.numeric):.3g}")
            lines.append(f"gradient of input {e.name} = {e.value!r} is wrong: backward() gives "
                         f"{e.analytic!r}, central differences give {e.numeric!r}; {why}")
        return "\n".join([*lines, "", str(self)])


def numerical_grad(
    f: Callable[..., Value | float], inputs: Iterable[Number | Value], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + h) - f(x - h)) / 2h of ``f`` for each input, in float64.

    ``f`` takes one Value per input and returns a Value (a plain number is fine too). The step
    is h = eps·max(1, |x|), so large inputs get a step that still changes them. ``f`` runs
    under ``no_grad``, so no graph is built."""
    inputs = _listed(inputs, f)
    xs = _floats(inputs)
    _check_positive("eps", eps)
    names = _names(inputs)
    _check_steps(names, xs, eps)
    partials = []
    with no_grad():
        for i, x in enumerate(xs):
            h = eps * max(1.0, abs(x))
            ends = []
            for nudged in (x + h, x - h):
                at = [Value(v) for v in xs]
                at[i] = Value(nudged)
                try:
                    ends.append(_number(_call(f, at), "f"))
                except (ArithmeticError, ValueError) as error:
                    raise DomainError(
                        f"gradcheck: central differences need f at {names[i]} ± h = {x!r} ± "
                        f"{h:.3g}, but f fails at {names[i]} = {nudged!r} ({error}). {names[i]} "
                        f"is within h of where f is defined: pass a smaller eps than {eps:g}, "
                        "or check a point further inside f's domain") from None
            partials.append((ends[0] - ends[1]) / (2 * h))
    return partials


def gradcheck(
    f: Callable[..., Value | float],
    inputs: Iterable[Number | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Check ``f``'s gradients from ``backward()`` against central differences.

    ``f`` takes one Value per input (inputs are numbers or Values; ``f`` gets fresh leaves with
    the same numbers and labels, so your Values' ``grad`` is left alone) and returns a Value.
    The defaults are PyTorch's gradcheck tolerances. A NaN or infinite gradient always fails.
    On failure raises ``GradcheckError`` naming the input and both numbers, or with
    ``raise_exception=False`` returns the failing report.

    >>> gradcheck(lambda x, y: x * y.tanh(), [2.0, 0.5]).ok
    True
    """
    __tracebackhide__ = True  # under pytest, show the failure where gradcheck was called
    inputs = _listed(inputs, f)
    xs = _floats(inputs)
    for what, tolerance in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        _check_positive(what, tolerance, zero_ok=what != "eps")
    names = _names(inputs)
    _check_steps(names, xs, eps)
    leaves = [Value(x, label=name) for x, name in zip(xs, names)]
    out = _call(f, leaves)
    if isinstance(out, Value):
        out.backward()
    else:
        _number(out, "f")  # a constant: every gradient is 0
    numeric = numerical_grad(f, inputs, eps)
    entries = []
    for name, x, leaf, n in zip(names, xs, leaves, numeric):
        a = _number(leaf.grad, "grad")
        err = abs(a - n)
        ok = math.isfinite(a) and math.isfinite(n) and err <= atol + rtol * abs(n)
        entries.append(GradcheckEntry(name, x, a, n, err, _relative_error(err, abs(a), abs(n)), ok))
    report = GradcheckReport(tuple(entries), eps, atol, rtol)
    if raise_exception and not report.ok:
        raise GradcheckError(report.failure_message())
    return report


def _listed(inputs: Iterable[Number | Value], f: object) -> list[Number | Value]:
    """The inputs as a list (a generator is read once), after checking that ``f`` can be
    called and that ``inputs`` is not a single number."""
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of one Value per input, got "
                        f"{type(f).__name__} {f!r}")
    if isinstance(inputs, (Value, numbers.Real)):
        raise TypeError("gradcheck: inputs must be a list of numbers or Values, e.g. [x] "
                        f"rather than x; got {inputs!r}")
    return list(inputs)


def _call(f: Callable[..., Value | float], at: list[Value]) -> Value | float:
    """``f(*at)``; a TypeError about Values (math.sin(x) on a Value) says what to do."""
    try:
        with floats_refused("f turned a Value into a plain number (as math's functions do)"):
            return f(*at)
    except TypeError as error:
        if "Value" not in str(error):
            raise
        raise TypeError(f"gradcheck: f failed on Values ({error}); write f with Value "
                        "operations (x.sin(), x.exp(), tinygrad_edu.tanh(x)), not math's "
                        "functions, so that backward() can follow it") from error


def _check_steps(names: list[str], xs: list[float], eps: float) -> None:
    """Each input must be finite, and x ± h (h = eps·max(1, |x|)) finite and different from
    x: otherwise the central difference is NaN or 0 whatever f is, and says nothing."""
    for name, x in zip(names, xs):
        if not math.isfinite(x):
            raise ValueError(f"gradcheck: input {name} = {x!r}: central differences need a "
                             "finite point; check the gradient at a finite one")
        h = eps * max(1.0, abs(x))
        if not (math.isfinite(x + h) and math.isfinite(x - h)):
            raise ValueError(f"gradcheck: {name} ± h = {x!r} ± {h:.3g} is not a finite number "
                             f"(h = eps·max(1, |{name}|)); pass a smaller eps than {eps:g}, or "
                             "check a smaller input")
        if x + h == x or x - h == x:
            raise ValueError(f"gradcheck: eps={eps:g} is too small for {name} = {x!r}: {name} "
                             f"± h rounds to {name} itself, so every central difference would "
                             "be 0; pass a larger eps, such as 1e-6")


def _names(inputs: Sequence[Number | Value]) -> list[str]:
    """Each input's label, or x0, x1, ... for numbers and unlabelled Values."""
    return [v.label if isinstance(v, Value) and v.label else f"x{i}"
            for i, v in enumerate(inputs)]


def _check_positive(what: str, x: object, zero_ok: bool = False) -> None:
    """eps must be a finite number > 0; a tolerance any number >= 0 (not NaN)."""
    number = float(x) if isinstance(x, numbers.Real) and not isinstance(x, bool) else math.nan
    ok = number >= 0 if zero_ok else 0 < number < math.inf
    if not ok:
        rule = "a number >= 0" if zero_ok else "a finite number > 0"
        raise ValueError(f"gradcheck: {what} must be {rule}, got {x!r}")


def _floats(inputs: Sequence[Number | Value]) -> list[float]:
    return [v.data if isinstance(v, Value) else _number(v, "input") for v in inputs]


def _number(x: object, what: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"gradcheck: {what} must be a Value or a number, got {type(x).__name__} "
                    f"{x!r}; f should take one Value per input and return a Value")


def _relative_error(err: float, a: float, n: float) -> float:
    return 0.0 if err == 0 else err / (a + n)


def _g(x: float) -> str:
    return f"{x:.10g}"
