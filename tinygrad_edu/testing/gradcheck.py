"""Gradient checking: compare what ``backward()`` says with what the numbers say.

The derivative of f at x is the slope of f there, and the slope can be measured without any
calculus: nudge x by a small h each way and use the central difference

    df/dx ≈ (f(x + h) - f(x - h)) / (2h)

whose error shrinks like h². ``gradcheck`` does this for every input (in float64) and
compares it with the analytic gradient from ``backward()``, using PyTorch's criterion

    |analytic - numeric| <= atol + rtol·|numeric|

and reports, beside the absolute error, the relative error
|a - n| / (|a| + |n|), which is about 1e-7 or less when all is well.

Both work for Tensors too: give arrays or Tensors as inputs and a function of one Tensor
per input. The output may have any shape: then every entry of its Jacobian is checked
(d out[i] / d x[j], one backward pass per output entry, two evaluations of f per input
entry), as ``torch.autograd.gradcheck`` does.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from tinygrad_edu.arrays import is_array, is_tensor
from tinygrad_edu.autograd.gradients import gradients
from tinygrad_edu.engine import Number, Value
from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import floats_refused, no_grad

if TYPE_CHECKING:  # the tensor half imports them when it is given arrays or Tensors
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

__all__ = ["GradcheckEntry", "GradcheckError", "GradcheckReport", "gradcheck", "numerical_grad"]


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
    output: str = ""  # for a Tensor output of more than one entry: which entry (out[0, 1])


@dataclass(frozen=True)
class GradcheckReport:
    """What ``gradcheck`` found, one entry per input. ``print(report)`` shows a table;
    ``bool(report)`` is ``report.ok``."""

    entries: tuple[GradcheckEntry, ...]
    eps: float
    atol: float
    rtol: float
    max_rows: int | None = None  # a long table shows its failing rows (Tensors: a Jacobian)

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
        """‖a - n‖ / (‖a‖ + ‖n‖) over all inputs at once (Euclidean norms): about 1e-7 or
        less when backward() is right."""
        a = [e.analytic for e in self.entries]
        n = [e.numeric for e in self.entries]
        return _relative_error(math.hypot(*(x - y for x, y in zip(a, n))),
                               math.hypot(*a), math.hypot(*n))

    def __str__(self) -> str:
        outputs = any(e.output for e in self.entries)  # a Jacobian: one row per pair
        head = ("output", "input") * outputs or ("input",)
        head += ("value", "analytic (backward)", "numeric (central diff.)", "abs error",
                 "rel error", "ok")
        shown = self.entries
        if self.max_rows is not None and len(shown) > self.max_rows:
            shown = (self.failures or shown)[:self.max_rows]
        rows = [head] + [
            (e.output,) * outputs + (e.name, _g(e.value), _g(e.analytic), _g(e.numeric),
                                     f"{e.abs_error:.2e}", f"{e.rel_error:.2e}",
                                     "yes" if e.ok else "NO")
            for e in shown
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        if len(shown) < len(self.entries):
            lines.append(f"({len(self.entries) - len(shown)} more rows not shown)")
        verdict = "passed" if self.ok else f"FAILED for {len(self.failures)} of {len(self.entries)}"
        lines.append(f"gradcheck {verdict}: |analytic - numeric| <= atol + rtol·|numeric| "
                     f"with atol={self.atol:g}, rtol={self.rtol:g}, eps={self.eps:g}")
        return "\n".join(lines)

    def failure_message(self) -> str:
        """One sentence per failing input naming it and both numbers, then the table."""
        lines = []
        for e in self.failures[:self.max_rows]:
            of = f"input {e.name}" if not e.output else f"{e.output} with respect to {e.name}"
            if math.isfinite(e.analytic) and not math.isfinite(e.numeric):
                # no verdict on backward(): the numbers f gave near the point say nothing
                lines.append(f"gradient of {of} = {e.value!r} cannot be checked: "
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
            lines.append(f"gradient of {of} = {e.value!r} is wrong: backward() gives "
                         f"{e.analytic!r}, central differences give {e.numeric!r}; {why}")
        return "\n".join([*lines, "", str(self)])


@overload
def numerical_grad(f: Callable[..., Any], inputs: Iterable[Number | Value],
                   eps: float = 1e-6) -> list[float]: ...
@overload
def numerical_grad(f: Callable[..., Any], inputs: Iterable[Tensor | np.ndarray],
                   eps: float = 1e-6) -> list[np.ndarray]: ...
def numerical_grad(f: Callable[..., Any], inputs: Iterable[Any], eps: float = 1e-6
                   ) -> list[Any]:
    """Central differences (f(x + h) - f(x - h)) / 2h of ``f`` for each input, in float64.

    ``f`` takes one Value per input and returns a Value (a plain number is fine too). The step
    is h = eps·max(1, |x|), so large inputs get a step that still changes them. ``f`` runs
    under ``no_grad``, so no graph is built.

    Given arrays or Tensors, ``f`` takes one Tensor per input and returns a Tensor; each
    entry is nudged in turn, and the result for an input of shape S is an array of shape
    ``out.shape + S``: the Jacobian, or the gradient (shape S) of a 0-d output such as a sum."""
    inputs = _listed(inputs, f)
    if _tensor_mode(inputs):
        arrays, labels = _tensor_inputs(inputs)
        _check_positive("eps", eps)
        _check_tensor_steps(arrays, labels, eps)
        shape, columns = _tensor_numeric(f, arrays, labels, eps)
        return [c.reshape(shape + a.shape) for c, a in zip(columns, arrays)]
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
    f: Callable[..., Any],
    inputs: Iterable[Number | Value] | Iterable[Tensor | np.ndarray],
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

    With arrays or Tensors as inputs, ``f`` takes one Tensor per input (float64 copies, with
    the labels of yours) and returns a Tensor of any shape; every entry of the Jacobian is
    checked, and the report has one row per (output entry, input entry)::

        gradcheck(lambda a, b: (a @ b).tanh(), [np.ones((2, 3)), Tensor(w, label="w")])
    """
    __tracebackhide__ = True  # under pytest, show the failure where gradcheck was called
    inputs = _listed(inputs, f)
    for what, tolerance in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        _check_positive(what, tolerance, zero_ok=what != "eps")
    if _tensor_mode(inputs):
        report = _tensor_gradcheck(f, inputs, eps, atol, rtol)
        if raise_exception and not report.ok:
            raise GradcheckError(report.failure_message())
        return report
    xs = _floats(inputs)
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


def _listed(inputs: Iterable[Any], f: object) -> list[Any]:
    """The inputs as a list (a generator is read once), after checking that ``f`` can be
    called and that ``inputs`` is not a single number."""
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of one Value per input, got "
                        f"{type(f).__name__} {f!r}")
    if isinstance(inputs, (Value, numbers.Real)):
        raise TypeError("gradcheck: inputs must be a list of numbers or Values, e.g. [x] "
                        f"rather than x; got {inputs!r}")
    if is_tensor(inputs) or is_array(inputs):
        raise TypeError("gradcheck: inputs must be a list of arrays or Tensors, one per "
                        f"argument of f, e.g. [w] rather than w; got {type(inputs).__name__} "
                        f"of shape {getattr(inputs, 'shape', None)}")
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


# ----------------------------------------------------------------------------- Tensors


def _tensor_mode(inputs: list[Any]) -> bool:
    """Whether ``f`` is a function of Tensors: some input is a Tensor or an array."""
    return any(is_tensor(x) or is_array(x) for x in inputs)


def _tensor_inputs(inputs: list[Any]) -> tuple[list[np.ndarray], list[str]]:
    """Each input as a float64 array of its own, and its name (its label, else x0, x1, ...)."""
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor
    from tinygrad_edu.tensor.safe_math import real_array

    xs, names = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            raise TypeError(f"gradcheck: input {i} is a Value but other inputs are Tensors or "
                            "arrays; f works on one engine at a time (make it a Tensor)")
        data = x.data if isinstance(x, Tensor) else x
        xs.append(real_array(data, np.dtype(np.float64), f"gradcheck: input {i}", copy=True))
        names.append(x.label if isinstance(x, Tensor) and x.label else f"x{i}")
    return xs, names


def entry_name(name: str, shape: tuple[int, ...], k: int) -> str:
    """The name of entry ``k`` (counted in row-major order) of an array: ``W[1, 0]``."""
    if not shape:
        return name
    import numpy as np

    return f"{name}[{', '.join(str(int(i)) for i in np.unravel_index(k, shape))}]"


def _check_tensor_steps(xs: list[np.ndarray], names: list[str], eps: float) -> None:
    """``_check_steps`` for every entry at once; the first bad entry gets its message."""
    import numpy as np

    for x, name in zip(xs, names):
        h = eps * np.maximum(1.0, np.abs(x))
        with np.errstate(over="ignore", invalid="ignore"):
            bad = ~(np.isfinite(x) & np.isfinite(x + h) & np.isfinite(x - h)) | \
                (x + h == x) | (x - h == x)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            _check_steps([entry_name(name, x.shape, k)], [float(x.reshape(-1)[k])], eps)


def _call_tensors(f: Callable[..., Any], at: list[Tensor]) -> Any:
    """``f(*at)``; NumPy's functions on a Tensor raise a TypeError that says what to do."""
    try:
        return f(*at)
    except TypeError as error:
        if "Tensor" not in str(error):
            raise
        raise TypeError(f"gradcheck: f failed on Tensors ({error}); write f with Tensor "
                        "operations (t.exp(), t @ w, tinygrad_edu.tensor.tanh(t)), not NumPy's "
                        "functions, so that backward() can follow it") from error


def _array_of(out: Any) -> np.ndarray:
    """The numbers of ``f``'s result: a Tensor's array, or an array or number (a constant)."""
    import numpy as np

    if is_tensor(out):
        return out.data
    if (is_array(out) or isinstance(out, numbers.Real)) and not isinstance(out, bool):
        return np.asarray(out, dtype=np.float64)
    raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__} {out!r}; "
                    "f should take one Tensor per input and return a Tensor")


def _tensor_numeric(f: Callable[..., Any], xs: list[np.ndarray], names: list[str], eps: float
                    ) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """The output's shape and, per input, the central differences of every output entry with
    respect to every input entry: an array (output entries × input entries)."""
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

    with no_grad():
        shape = _array_of(_call_tensors(f, [Tensor(x) for x in xs])).shape
        columns = []
        for i, x in enumerate(xs):
            column = np.empty((math.prod(shape), x.size))
            flat = x.reshape(-1)
            for k in range(x.size):
                h = eps * max(1.0, abs(float(flat[k])))
                ends = []
                for nudged in (flat[k] + h, flat[k] - h):
                    moved = flat.copy()
                    moved[k] = nudged
                    at = [Tensor(v) for v in xs]
                    at[i] = Tensor(moved.reshape(x.shape))
                    try:
                        end = _array_of(_call_tensors(f, at))
                    except (ArithmeticError, ValueError) as error:
                        name = entry_name(names[i], x.shape, k)
                        raise DomainError(
                            f"gradcheck: central differences need f at {name} ± h = "
                            f"{float(flat[k])!r} ± {h:.3g}, but f fails at {name} = "
                            f"{float(nudged)!r} ({error}). {name} is within h of where f is "
                            f"defined: pass a smaller eps than {eps:g}, or check a point "
                            "further inside f's domain") from None
                    if end.shape != shape:
                        raise ValueError(f"gradcheck: f returned shape {end.shape} near the "
                                         f"point but {shape} at it; its shape must not depend "
                                         "on the numbers")
                    ends.append(end.reshape(-1))
                column[:, k] = (ends[0] - ends[1]) / (2 * h)
            columns.append(column)
    return shape, columns


def _tensor_gradcheck(f: Callable[..., Any], inputs: list[Any], eps: float, atol: float,
                      rtol: float) -> GradcheckReport:
    """``gradcheck`` for a function of Tensors: every entry of the Jacobian, d out[o] / d x[k]
    from one backward pass per output entry, against central differences."""
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

    xs, names = _tensor_inputs(inputs)
    _check_tensor_steps(xs, names, eps)
    leaves = [Tensor(x, label=name) for x, name in zip(xs, names)]
    out = _call_tensors(f, leaves)
    values = _array_of(out)
    rows = [np.zeros((values.size, x.size)) for x in xs]  # the Jacobian from backward()
    if isinstance(out, Tensor):
        for o in range(values.size):
            seed = np.zeros(values.shape, dtype=values.dtype)
            seed.reshape(-1)[o] = 1.0
            grads = gradients([out], [seed])
            for row, leaf in zip(rows, leaves):
                g = grads.get(leaf)
                if g is not None:
                    row[o] = np.asarray(g, dtype=np.float64).reshape(-1)
    _, numeric = _tensor_numeric(f, xs, names, eps)
    label = out.label if isinstance(out, Tensor) and out.label else "out"
    outputs = [entry_name(label, values.shape, o) if values.size > 1 else ""
               for o in range(values.size)]
    entries = []
    for name, x, analytic, expected in zip(names, xs, rows, numeric):
        err = np.abs(analytic - expected)
        ok = np.isfinite(analytic) & np.isfinite(expected) & (err <= atol + rtol * np.abs(expected))
        for k in range(x.size):
            entry = entry_name(name, x.shape, k)
            for o, output in enumerate(outputs):
                a, n, e = float(analytic[o, k]), float(expected[o, k]), float(err[o, k])
                entries.append(GradcheckEntry(entry, float(x.reshape(-1)[k]), a, n, e,
                                              _relative_error(e, abs(a), abs(n)),
                                              bool(ok[o, k]), output))
    return GradcheckReport(tuple(entries), eps, atol, rtol, max_rows=TENSOR_ROWS)


TENSOR_ROWS = 24
"""How many rows a Tensor report shows (its failing ones first): a Jacobian is long."""
