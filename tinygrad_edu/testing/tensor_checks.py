"""The tensor half of ``assert_op_derivatives`` and ``check_op``
(``tinygrad_edu.testing.op_checks``): a tensor op's whole Jacobian against central differences,
in each of its cases (every operand a Tensor, or one of them a constant array), then the
second derivatives that ``create_graph=True`` builds, checked as PyTorch's
``gradgradcheck`` does; ``check_op`` runs them on the samples that ``tensor_samples``
draws (``tinygrad_edu.testing.tensor_samplers``). Import the checks from
``tinygrad_edu.testing``.

NumPy and the tensor engine are imported when a tensor op is checked, and not before: the
checks of the scalar engine run where NumPy is not installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tinygrad_edu.arrays import is_tensor
from tinygrad_edu.autograd.gradients import grad
from tinygrad_edu.formatting import shape_str
from tinygrad_edu.testing.domains import (
    _check_first_derivatives,
    _hypothesis,
    _operand_names,
    _run_check,
)
from tinygrad_edu.testing.gradcheck import (
    TENSOR_ROWS,
    GradcheckEntry,
    GradcheckError,
    GradcheckReport,
    entry_name,
)
from tinygrad_edu.testing.tensor_samplers import TensorSample, tensor_samples

if TYPE_CHECKING:
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor, TensorOp

__all__: list[str] = []  # the tensor half of the checks: import them from tinygrad_edu.testing

SECOND_ORDER_EPS = 1e-5
"""The step of the central differences of the first derivative in the tensor second-order
check (h = eps·max(1, max |x|) along a direction of entries between 0.5 and 1.5 in size)."""


def _shown(name: str, x: np.ndarray) -> str:
    import numpy as np

    numbers = repr(x.item()) if x.ndim == 0 else np.array2string(x, separator=", ",
                                                                 threshold=64)
    return f"{name} {shape_str(x.shape)} = {numbers}"


def _constant_cases(op: TensorOp) -> list[int | None]:
    """The cases a tensor op is checked in: every operand that gets a gradient a Tensor
    (None), and, for an op of several such operands, each of them in turn a constant array
    (``images @ W``, ``x * 2.0``), whose rule then runs on a Tensor and an array."""
    varied = [i for i, vjp in enumerate(op.rules) if vjp is not None]
    return [None] + (varied if len(varied) > 1 else [])


def _assert_tensor_op_derivatives(op: TensorOp, xs: tuple[Any, ...], args: tuple[Any, ...],
                                  rtol: float, atol: float, second_order: bool, seed: int,
                                  cases: Sequence[int | None] | None = None) -> None:
    """``assert_op_derivatives`` for a tensor op: its Jacobian against central differences,
    then the second derivatives, in each of ``cases`` (default: all of them)."""
    __tracebackhide__ = True
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

    if len(xs) != len(op.rules):
        raise TypeError(f"assert_op_derivatives: {op.name} takes {len(op.rules)} operand(s), "
                        f"got {len(xs)}")
    names = _operand_names(len(op.rules), len(op.rules))
    given = [x.data if isinstance(x, Tensor) else x for x in xs]
    arrays = [np.asarray(x) if vjp is None else np.asarray(x, dtype=np.float64)
              for x, vjp in zip(given, op.rules)]
    point = ", ".join(_shown(names[i], arrays[i]) for i in range(len(op.rules)))
    point += f", args = {args!r}" if args else ""
    for constant in _constant_cases(op) if cases is None else cases:
        tensors = [i for i, vjp in enumerate(op.rules) if vjp is not None and i != constant]

        def f(*ts: Tensor, tensors: list[int] = tensors) -> Any:
            given: list[Any] = list(arrays)
            for i, t in zip(tensors, ts):
                given[i] = t
            return op(*given, *args)

        how = "" if constant is None else f" with {names[constant]} a constant array"
        where = f"{op.name} at {point}{how}"
        inputs = [Tensor(arrays[i], label=names[i]) for i in tensors]
        _check_made_by(op, f, inputs, where)
        _check_first_derivatives(f, inputs, rtol, atol, where)
        if second_order:
            _check_tensor_second_order(f, inputs, rtol, atol, where, seed)


def _check_made_by(op: TensorOp, f: Callable[..., Any], inputs: list[Tensor], where: str
                   ) -> None:
    """The output must be a node of ``op`` itself: a check of some other op proves nothing."""
    out = f(*inputs)
    made_by = out.op if is_tensor(out) else type(out).__name__
    if not is_tensor(out) or out._row is not op:
        raise ValueError(f"{where}: the result was made by {made_by!r}, not by {op.name}, "
                         "so its rule would not be checked; draw arguments that make a node "
                         f"of {op.name} (see TENSOR_SAMPLES)")


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random weights between 0.5 and 1.5 in size, of either sign: no entry is left out."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def _check_tensor_second_order(f: Callable[..., Any], inputs: list[Tensor], rtol: float,
                               atol: float, where: str, seed: int) -> None:
    """The second derivatives ``create_graph=True`` builds, against central differences, as
    PyTorch's ``gradgradcheck``. With random weights u (for the output) and w (for the
    inputs), the first derivative d<u, f>/dx = Jᵀu is a function of x and of u, the
    gradient arriving at the output, so u is a Tensor too and both paths are followed:
    the gradient of <w, Jᵀu> is H·w with respect to x (H the Hessian of <u, f>) and J·w
    with respect to u. Numerically, H·w is (d<u, f>/dx at x + h·w − the same at x − h·w) /
    2h and J·w is (f(x + h·w) − f(x − h·w)) / 2h. A few backward passes in all, and a
    wrong second derivative anywhere in H shows, as does a rule that computes with the
    numbers of its gradient g (``np.asarray(g)``, ``g.data``) instead of g itself."""
    __tracebackhide__ = True
    import numpy as np

    from tinygrad_edu.tensor.engine import Tensor

    rng = np.random.default_rng(seed)
    xs = [Tensor(t.data, label=t.label) for t in inputs]
    out = f(*xs)
    u = _weights(rng, out.shape)
    arriving = Tensor(u, label="u")  # the gradient arriving at the output, with a graph
    try:
        firsts = grad(out, xs, grad_outputs=arriving, create_graph=True, allow_unused=True)
    except TypeError as error:
        raise TypeError(f"{where}: a gradient rule does not work on Tensors ({error}); write it "
                        "with operators and the functions of tinygrad_edu.tensor.engine (exp, "
                        "log, tanh, sigmoid, where, ...) instead of NumPy's, so that "
                        "create_graph=True can follow it, or pass second_order=False") from None

    def first(at: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """f and d<u, f>/dx at ``at``, by an ordinary backward pass on arrays."""
        leaves = [Tensor(a) for a in at]
        value = f(*leaves)
        found = grad(value, leaves, grad_outputs=u, allow_unused=True)
        return value.data, [np.zeros(a.shape) if g is None else g for a, g in zip(at, found)]

    _, plain = first([t.data for t in xs])
    for x, g, p in zip(xs, firsts, plain):
        g_data = np.zeros(x.shape) if g is None else g.data
        off = np.abs(g_data - p) > atol + rtol * np.abs(p)
        if off.any():
            k = int(np.flatnonzero(off)[0])
            raise GradcheckError(
                f"{where}: d<u, out>/d{entry_name(x.label, x.shape, k)} is "
                f"{float(p.reshape(-1)[k])!r} from backward() but "
                f"{float(g_data.reshape(-1)[k])!r} with create_graph=True: the rule gives "
                "different numbers on Tensors than on arrays")
    w = [_weights(rng, x.shape) for x in xs]
    leaves = [*xs, arriving]
    analytic = [np.zeros(x.shape) for x in leaves]
    terms = [(g * wi).sum() for g, wi in zip(firsts, w)  # those with a graph (u is one)
             if isinstance(g, Tensor) and (g.parents or g is arriving)]
    if terms:
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        for i, g in enumerate(grad(total, leaves, allow_unused=True)):
            if g is not None:
                analytic[i] = g
    h = SECOND_ORDER_EPS * max([1.0] + [float(np.abs(x.data).max(initial=0.0)) for x in xs])
    out_ahead, ahead = first([x.data + h * wi for x, wi in zip(xs, w)])
    out_behind, behind = first([x.data - h * wi for x, wi in zip(xs, w)])
    numerics = [(a - b) / (2 * h) for a, b in zip([*ahead, out_ahead], [*behind, out_behind])]
    entries = []
    for x, a_all, numeric in zip(leaves, analytic, numerics):
        for k in range(x.size):
            a, n = float(a_all.reshape(-1)[k]), float(numeric.reshape(-1)[k])
            err = abs(a - n)
            ok = math.isfinite(a) and math.isfinite(n) and err <= atol + rtol * abs(n)
            entries.append(GradcheckEntry(entry_name(x.label, x.shape, k),
                                          float(x.data.reshape(-1)[k]), a, n, err,
                                          0.0 if err == 0 else err / (abs(a) + abs(n)), ok))
    report = GradcheckReport(tuple(entries), h, atol, rtol, max_rows=TENSOR_ROWS)
    if not report.ok:
        weights = "; ".join([f"u = {np.array2string(u, separator=', ', precision=3)}"] + [
            f"w_{x.label} = {np.array2string(wi, separator=', ', precision=3)}"
            for x, wi in zip(xs, w)])
        through_g = ""
        if any(not e.ok for e in entries[-arriving.size:]):
            through_g = (
                "\nThe rows of u are d/du <w, d<u, out>/dx> = J·w, how out changes along w: "
                "a rule that computes with the numbers of the gradient g it is given "
                "(np.asarray(g), g.data) instead of g itself gives 0 there, and then "
                "second derivatives through the op are wrong wherever the gradient arriving "
                "at it has a graph of its own (as in tanh(op(x)).sum()); write the rule with "
                "g as it comes")
        raise GradcheckError(
            f"{where}: second derivatives (grad with create_graph=True, then grad again): "
            f"the gradient of <w, d<u, out>/dx> with respect to x and u against central "
            f"differences along w, for the weights {weights}{through_g}\n"
            f"{report.failure_message()}")


def _check_tensor_op(op: TensorOp, shapes: Any, second_order: bool, margin: float,
                     rtol: float, atol: float, hypothesis_settings: dict[str, Any]) -> None:
    """``check_op`` for a tensor op: ``assert_op_derivatives`` on samples hypothesis draws, in
    one of its cases each (all operands Tensors, or one a constant: hypothesis picks), with
    a random seed for the second-order check's weights. Only the first failure is reported
    (shrunk), as for the scalar ops."""
    __tracebackhide__ = True
    st = _hypothesis()
    samples = tensor_samples(op, shapes, margin)

    def check(sample: TensorSample, constant: int | None, seed: int) -> None:
        _assert_tensor_op_derivatives(op, sample.operands, sample.args, rtol, atol,
                                      second_order, seed, cases=[constant])

    _run_check(check, op.name, [samples, st.sampled_from(_constant_cases(op)),
                                st.integers(0, 2**32 - 1)], hypothesis_settings)
