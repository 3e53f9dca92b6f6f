"""Where and how closely ``tinygrad_edu.testing`` checks an op, for both engines: the
tolerances, each op's ``Domain`` (its intervals and kinks, ``DOMAINS``), the op a name or a
function stands for, floats drawn inside a domain, and the pieces of a check that the scalar
half (``tinygrad_edu.testing.scalar_checks``) and the tensor half
(``tinygrad_edu.testing.tensor_checks``) share. Import these from ``tinygrad_edu.testing``.

A tensor op is recognised without importing the tensor engine (``_tensor_op``): nothing here
needs NumPy, and the domains work without hypothesis (the strategies say what to install).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.ops import OPS, operand_names
from tinygrad_edu.row import Op
from tinygrad_edu.testing.gradcheck import GradcheckError, gradcheck

st: Any
try:
    from hypothesis import strategies as st
except ImportError:  # the domains below work without it; the strategies say what to install
    st = None

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from tinygrad_edu.tensor.engine import TensorOp

RTOL = 1e-5
"""The relative tolerance of the checks against central differences: tight, so a rule that
is 0.1% off fails."""
ATOL = 1e-8
"""The absolute tolerance beside ``RTOL``: |analytic − numeric| <= ATOL + RTOL·|numeric|."""
KINK_MARGIN = 1e-3
"""How far sampled points stay from a kink: far more than the finite-difference step, so no
difference spans one."""

OpLike = Op | str | Callable[..., Any]

__all__ = [
    "ATOL",
    "DOMAINS",
    "KINK_MARGIN",
    "RTOL",
    "Domain",
    "as_op",
    "domain_of",
    "floats_in",
    "floats_in_domain",
    "set_domain",
]


def _hypothesis() -> Any:
    if st is None:
        raise ImportError("tinygrad_edu.testing's strategies need hypothesis: pip install "
                          "hypothesis (in a clone of tinygrad_edu: pip install -e '.[testing]')")
    return st


# ----------------------------------------------------------------------------- domains


@dataclass(frozen=True)
class Domain:
    """Where an op's derivatives are checked: one interval per operand (the last one serves
    every further operand), where the function is smooth with derivatives of order one, and
    the ``kinks`` where its derivative jumps, which the checks keep away from."""

    intervals: tuple[tuple[float, float], ...] = ((-3.0, 3.0),)
    kinks: tuple[Any, ...] = ()  # points x (one operand), or functions of the operands, 0 on a kink

    def interval(self, operand: int) -> tuple[float, float]:
        return self.intervals[min(operand, len(self.intervals) - 1)]


DOMAINS: dict[str, Domain] = {
    "/": Domain(((-3.0, 3.0), (0.5, 3.0))),
    "**": Domain(((0.5, 2.5), (-2.5, 2.5))),
    "log": Domain(((0.2, 5.0),)),
    "sqrt": Domain(((0.2, 5.0),)),
    "tanh": Domain(((-2.0, 2.0),)),
    "relu": Domain(kinks=(0.0,)),
    "leaky_relu": Domain(kinks=(0.0,)),
    "abs": Domain(kinks=(0.0,)),
}
"""The built-in ops whose domain is not the default -3 to 3 without kinks."""


def set_domain(op: OpLike | str, intervals: Sequence[tuple[float, float]] | None = None,
               kinks: Iterable[float] = ()) -> None:
    """Tell the checks where to test ``op`` (``unary_op(domain=..., kinks=...)`` calls this)."""
    name = op if isinstance(op, str) else as_op(op).name
    DOMAINS[name] = Domain(tuple(intervals) if intervals else Domain().intervals, tuple(kinks))


def domain_of(op: OpLike | TensorOp) -> Domain:
    """The op's ``Domain``: one set with ``set_domain``, else the one its maker was given
    (``unary_op(..., domain=..., kinks=...)``), else the default. A tensor op has the domain
    of the scalar op of its name (``log``, ``/``, ...), entry by entry."""
    op = _tensor_op(op) or as_op(op)
    if op.name in DOMAINS:
        return DOMAINS[op.name]
    if op.domain is not None or op.kinks:
        return Domain(op.domain or Domain().intervals, op.kinks)
    return Domain()


def as_op(op: OpLike) -> Op:
    """The ``Op`` for a name in ``OPS``, an ``Op``, or a function made by ``unary_op`` or
    ``binary_op`` (they carry their op as ``.op``)."""
    if isinstance(op, Op):
        return op
    if isinstance(op, str):
        if op not in OPS:
            raise KeyError(f"no op named {op!r} in OPS; registered: {', '.join(sorted(OPS))}")
        return OPS[op]
    if isinstance(op, tuple):  # binary_op returns (method, reflected method)
        op = op[0]
    found = getattr(op, "op", None)
    if not isinstance(found, Op):
        raise TypeError(f"expected an Op, a name in OPS or a function made by unary_op/binary_op, "
                        f"got {op!r}")
    return found


def _tensor_op(op: Any) -> TensorOp | None:
    """The ``TensorOp`` that ``op`` is, or that a function made by the tensor engine's
    ``unary_op``, ``binary_op`` or ``tensor_op`` carries; None for anything else (for
    everything, until the tensor engine is imported: no op of it exists before)."""
    found = op if isinstance(op, Op) else getattr(op, "op", None)
    return found if isinstance(found, Op) and found.vjp else None


# ----------------------------------------------------------------------------- strategies


def floats_in(
    interval: tuple[float, float], kinks: Iterable[float] = (), margin: float = KINK_MARGIN
) -> SearchStrategy[float]:
    """Floats in ``[lo, hi]`` at least ``margin`` away from every kink (no NaN, no inf)."""
    st = _hypothesis()
    lo, hi = interval
    pieces, start = [], lo
    for k in sorted(kinks):
        below, above = _away(k, -margin), _away(k, margin)
        if below > start:
            pieces.append((start, min(below, hi)))
        start = max(start, above)
    if hi > start:
        pieces.append((start, hi))
    if not pieces:
        raise ValueError(f"no room in {interval} once {margin} around the kinks {kinks} is cut out")
    return st.one_of([st.floats(a, b, allow_nan=False, allow_infinity=False) for a, b in pieces])


def _away(k: float, step: float) -> float:
    """k + step, nudged outwards until it really is at least |step| from k in floats."""
    x = k + step
    while abs(x - k) < abs(step):
        x = math.nextafter(x, math.copysign(math.inf, step))
    return x


def floats_in_domain(
    op: OpLike | TensorOp, operand: int = 0, margin: float = KINK_MARGIN
) -> SearchStrategy[float]:
    """Floats for ``op``'s operand number ``operand``: inside its domain, away from its kinks."""
    domain = domain_of(op)
    return floats_in(domain.interval(operand), _points(domain.kinks), margin)


def _points(kinks: Iterable[Any]) -> list[float]:
    """The kinks that are points (the others are functions of the operands)."""
    return [k for k in kinks if not callable(k)]


def _kink_lines(op: OpLike | TensorOp) -> list[Callable[..., Any]]:
    """The kinks of ``op`` that are functions of the operands, 0 on the kink (the others are
    points)."""
    return [k for k in domain_of(op).kinks if callable(k)]


# ----------------------------------------------------------------------------- both halves


def _operand_names(arity: int | None, count: int) -> list[str]:
    """The names of an op's operands in the checks' messages (``ops.operand_names``), for
    ``count`` of them where the op has no fixed arity."""
    return [f"x{i}" for i in range(count)] if arity is None else list(operand_names(arity))


def _check_first_derivatives(f: Callable[..., Any], leaves: Sequence[Any], rtol: float,
                             atol: float, where: str) -> None:
    """``gradcheck`` of the first derivatives, its failure saying ``where`` (op and point)."""
    __tracebackhide__ = True
    try:
        gradcheck(f, leaves, atol=atol, rtol=rtol)
    except GradcheckError as failure:
        raise GradcheckError(f"{where}: first derivatives\n{failure}") from None


def _run_check(check: Callable[..., None], name: str, strategies: list[Any],
               hypothesis_settings: dict[str, Any]) -> None:
    """Run ``check`` on the examples hypothesis draws from ``strategies``, with ``check_op``'s
    settings, for both engines: no deadline, and only the first failure reported
    (``report_multiple_bugs`` off: an op wrong in two ways raises the error of the simplest
    example, shrunk, and not a group of errors whose members depend on the seed); the
    keywords of the call win."""
    __tracebackhide__ = True
    _hypothesis()
    from hypothesis import given, settings

    # hypothesis keeps the failing examples it found in its database under a key made from
    # the test's source, the same for every call of check_op: add the op and the test that
    # called (as hypothesis's pytest plugin does for parametrized tests), so that one op's
    # failures are never replayed against another
    check._hypothesis_internal_add_digest = (  # type: ignore[attr-defined]
        f"{name} {os.environ.get('PYTEST_CURRENT_TEST', '')}".encode())
    given(*strategies)(settings(
        **{"deadline": None, "report_multiple_bugs": False, **hypothesis_settings})(check))()
