"""``assert_op_derivatives`` and ``check_op``: one op's derivative rules checked against
central differences, at one point or at many that hypothesis picks, for an op of either
engine. An op of the scalar engine (an ``Op``, a name in ``OPS``, or what ``unary_op`` and
``binary_op`` return) goes to ``tinygrad_edu.testing.scalar_checks``; an op of the tensor engine
(a ``TensorOp``, or what its ``unary_op``, ``binary_op`` and ``tensor_op`` return) to
``tinygrad_edu.testing.tensor_checks``. Import these from ``tinygrad_edu.testing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tinygrad_edu.testing.domains import ATOL, KINK_MARGIN, RTOL, OpLike, _tensor_op, as_op
from tinygrad_edu.testing.scalar_checks import _assert_scalar_op_derivatives, _check_scalar_op
from tinygrad_edu.testing.tensor_checks import _assert_tensor_op_derivatives, _check_tensor_op

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from tinygrad_edu.tensor.engine import TensorOp

__all__ = ["assert_op_derivatives", "check_op"]


def assert_op_derivatives(
    op: OpLike | TensorOp,
    *xs: Any,
    rtol: float = RTOL,
    atol: float = ATOL,
    second_order: bool = True,
    args: Sequence[Any] = (),
    seed: int = 0,
) -> None:
    """Check ``op``'s derivative rules at the point ``xs`` (one number per operand) against
    central differences: with Values as operands and, for two-input ops, with a plain number
    on either side; then (``second_order``) the second derivatives that
    ``grad(..., create_graph=True)`` builds from the same rules on Values. A rule written with
    ``math`` works on floats only: pass ``second_order=False`` for it.

    For a tensor op, ``xs`` are arrays, one per operand, and ``args`` what the op's function
    takes after them (an axis, a shape); ``seed`` picks the random weights of the second
    order check (see ``tinygrad_edu.testing.tensor_checks``)."""
    __tracebackhide__ = True
    tensor_op = _tensor_op(op)
    if tensor_op is not None:
        return _assert_tensor_op_derivatives(tensor_op, xs, tuple(args), rtol, atol,
                                             second_order, seed)
    if args:
        raise TypeError(f"assert_op_derivatives: args= is for ops of the tensor engine; "
                        f"{as_op(op).name} takes its operands only")
    _assert_scalar_op_derivatives(as_op(op), xs, rtol, atol, second_order)
    return None


def check_op(
    op: OpLike | TensorOp,
    *,
    second_order: bool = True,
    margin: float = KINK_MARGIN,
    rtol: float = RTOL,
    atol: float = ATOL,
    shapes: Sequence[tuple[int, ...]] | SearchStrategy[Sequence[tuple[int, ...]]] | None = None,
    **hypothesis_settings: Any,
) -> None:
    """Run ``assert_op_derivatives`` on points hypothesis picks from ``op``'s domain (away from
    its kinks). Call it inside a test; extra keywords are hypothesis settings, e.g.
    ``check_op("tanh", max_examples=50)``. Raises the first failure, after hypothesis has
    shrunk it to a simple point.

    A tensor op (a ``TensorOp``, or the function ``tinygrad_edu.tensor.engine.unary_op``,
    ``binary_op`` or ``tensor_op`` returned) gets arrays from ``tensor_samples``: any shapes
    for an elementwise op, broadcasting ones included; ``shapes=[(3,), (2,)]`` (one per
    operand) for an op of your own that is not elementwise. A failure shows the smallest
    shapes and numbers hypothesis found."""
    __tracebackhide__ = True
    tensor_op = _tensor_op(op)
    if tensor_op is not None:
        return _check_tensor_op(tensor_op, shapes, second_order, margin, rtol, atol,
                                hypothesis_settings)
    if shapes is not None:
        raise TypeError(f"check_op: shapes= is for ops of the tensor engine; {as_op(op).name} "
                        "works on numbers")
    _check_scalar_op(as_op(op), second_order, margin, rtol, atol, hypothesis_settings)
    return None
