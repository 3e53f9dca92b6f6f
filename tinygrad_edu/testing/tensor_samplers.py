"""How hypothesis draws the arguments of a tensor op, for ``tinygrad_edu.testing``'s checks of
the tensor engine: a tensor op's operands are arrays, so hypothesis draws shapes as well as
numbers (shapes that broadcast together, for an elementwise op), and an op that needs more
than shapes (an axis, an index, a matrix product's matching sizes) has a sampler in
``TENSOR_SAMPLES``. ``tensor_samples(op)`` is the strategy. Import these from
``tinygrad_edu.testing``.

NumPy and hypothesis's NumPy strategies are imported when a sample is drawn, and not before:
importing this module (as ``import tinygrad_edu.testing`` does) needs no NumPy.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.testing.domains import (
    KINK_MARGIN,
    _hypothesis,
    _kink_lines,
    _tensor_op,
    floats_in_domain,
)

if TYPE_CHECKING:
    import numpy as np
    from hypothesis.strategies import DrawFn, SearchStrategy

    from tinygrad_edu.tensor.engine import TensorOp

__all__ = ["TENSOR_SAMPLES", "TensorSample", "needs_sampler", "tensor_samples"]


@dataclass(frozen=True)
class TensorSample:
    """Arguments for a tensor op: ``op(*operands, *args)``. ``operands`` holds one array per
    operand of the op (float64; a condition is boolean), ``args`` what its function takes
    after them: ``sum``'s axis and keepdims, ``reshape``'s shape, ``index``'s index."""

    operands: tuple[np.ndarray, ...]
    args: tuple[Any, ...] = ()


Sampler = Callable[..., TensorSample]
"""``sampler(draw, op, margin)``: a ``TensorSample`` for ``op``, drawn with hypothesis's
``draw`` (it runs inside ``st.composite``), its numbers at least ``margin`` from any kink."""


def needs_sampler(op: TensorOp) -> bool:
    """Whether hypothesis needs a sampler (``TENSOR_SAMPLES``, or ``shapes=``) to draw
    ``op``'s arguments: every op that is not elementwise, and an elementwise one with an
    operand that gets no gradient (``where``'s condition) or a parameter (``leaky_relu``'s
    alpha: its VJPs take more than ``g``, the operands and ``out``)."""
    if not op.elementwise:
        return True
    for vjp in op.rules:
        if vjp is None:
            return True
        try:
            parameters = inspect.signature(vjp).parameters.values()
        except (TypeError, ValueError):  # no signature to read: assume no parameter
            continue
        needed = [p for p in parameters if p.default is p.empty and p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(needed) > len(op.rules) + 2:
            return True
    return False


def _hnp() -> Any:
    _hypothesis()
    import hypothesis.extra.numpy as hnp

    return hnp


def _values(draw: DrawFn, shape: tuple[int, ...], op: TensorOp, operand: int, margin: float
            ) -> np.ndarray:
    """A float64 array of ``shape`` whose entries lie in the domain of ``op``'s operand
    ``operand``, at least ``margin`` from its kinks."""
    import numpy as np

    return draw(_hnp().arrays(np.float64, shape,
                              elements=floats_in_domain(op, operand, margin)))


def _shape(draw: DrawFn, min_dims: int = 0, max_dims: int = 3, max_side: int = 3
           ) -> tuple[int, ...]:
    return draw(_hnp().array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                    max_side=max_side))


def _spread(x: np.ndarray, margin: float) -> np.ndarray:
    """``x`` with its entries moved apart, keeping their order: any two end up at least
    2·margin apart, so a max has no tie (its kink) within the margin."""
    import numpy as np

    ranks = np.empty(x.size)
    ranks[np.argsort(x, axis=None, kind="stable")] = np.arange(x.size)
    return x + 2 * margin * ranks.reshape(x.shape)


def _axis(draw: DrawFn, ndim: int) -> Any:
    """An axis argument for a reduction: None, an int (maybe negative) or a tuple of them."""
    st = _hypothesis()
    if ndim == 0:
        return draw(st.sampled_from([None, 0, -1]))
    one = st.integers(-ndim, ndim - 1)
    some = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).flatmap(
        lambda axes: st.tuples(*(st.sampled_from([a, a - ndim]) for a in axes)))
    return draw(st.one_of(st.none(), one, some))


def _elementwise_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Shapes that broadcast together ((3×4) with (1×4), (4) with (3×4), 0-d with anything),
    and numbers in each operand's domain. For two operands, half the draws stretch axes of
    size 1 of one to the other's sizes ((3×1×2) with (3×4×2)), whose gradient a rule must sum
    back keeping the axis: such pairs are rare among broadcastable shapes drawn at random."""
    st, hnp = _hypothesis(), _hnp()
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=len(op.rules), min_dims=0,
                                                    max_dims=3, max_side=3)).input_shapes
    if len(shapes) == 2 and draw(st.booleans()):
        full = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
        ones = draw(st.lists(st.booleans(), min_size=len(full), max_size=len(full)).filter(any))
        small = tuple(1 if one else side for one, side in zip(ones, full))
        shapes = (small, full) if draw(st.booleans()) else (full, small)
    operands = tuple(_values(draw, shape, op, i, margin) for i, shape in enumerate(shapes))
    _away_from_kink_functions(op, operands, margin)
    return TensorSample(operands)


def _away_from_kink_functions(op: TensorOp, operands: tuple[np.ndarray, ...],
                              margin: float) -> None:
    """Reject a draw where a kink given as a function of the operands (0 on the kink) is
    within ``margin``: ``binary_op("max2", ..., kinks=[lambda a, b: a - b])``."""
    import numpy as np
    from hypothesis import assume

    for kink in _kink_lines(op):
        with np.errstate(all="ignore"):
            assume(bool(np.all(np.abs(kink(*operands)) >= margin)))


def _fixed_shapes(draw: DrawFn, op: TensorOp, margin: float, shapes: Any) -> TensorSample:
    st = _hypothesis()
    chosen = draw(shapes) if isinstance(shapes, st.SearchStrategy) else shapes
    chosen = [tuple(shape) for shape in chosen]
    if len(chosen) != len(op.rules):
        raise ValueError(f"check_op: {op.name} takes {len(op.rules)} operand(s), but shapes= gives "
                         f"{len(chosen)}: {chosen}; pass one shape per operand")
    operands = tuple(_values(draw, shape, op, i, margin) for i, shape in enumerate(chosen))
    _away_from_kink_functions(op, operands, margin)
    return TensorSample(operands)


# The samplers of the ops that need more than shapes, one per op name.

def _matmul_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """(n×k) @ (k×m), or a vector (k) on either side."""
    st = _hypothesis()
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    left = draw(st.sampled_from([(n, k), (k,)]))
    right = draw(st.sampled_from([(k, m), (k,)]))
    return TensorSample((_values(draw, left, op, 0, margin), _values(draw, right, op, 1, margin)))


def _reduction_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """A 0-d to 3-d array, an axis (None, an int, a tuple) and keepdims."""
    shape = _shape(draw)
    x = _values(draw, shape, op, 0, margin)
    return TensorSample((x,), (_axis(draw, len(shape)), draw(_hypothesis().booleans())))


def _max_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """As for sum, with every two entries at least 2·margin apart: no ties, max's kink."""
    sample = _reduction_sample(draw, op, margin)
    return TensorSample((_spread(sample.operands[0], margin),), sample.args)


def _softmax_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    shape = _shape(draw, min_dims=1)
    axis = draw(_hypothesis().integers(-len(shape), len(shape) - 1))
    return TensorSample((_values(draw, shape, op, 0, margin),), (axis,))


def _reshape_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """A new shape with as many entries, maybe with one size left to NumPy (-1)."""
    st = _hypothesis()
    shape = _shape(draw)
    size = math.prod(shape)
    dims, rest = [], size
    for _ in range(draw(st.integers(0 if size == 1 else 1, 3)) - 1):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        dims.append(d)
        rest //= d
    if size != 1 or dims or draw(st.booleans()):
        dims.append(rest)
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return TensorSample((_values(draw, shape, op, 0, margin),), (tuple(dims),))


def _transpose_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """No axes (reverse them all), or an order of the axes, some counted from the end."""
    st = _hypothesis()
    shape = _shape(draw)
    ndim = len(shape)
    order = tuple(draw(st.sampled_from([a, a - ndim])) for a in draw(st.permutations(range(ndim))))
    args = draw(st.sampled_from([(), (order,)]))
    return TensorSample((_values(draw, shape, op, 0, margin),), args)


def _index(draw: DrawFn, shape: tuple[int, ...]) -> Any:
    """An index into an array of ``shape``: ints, slices, None and ..., integer arrays
    (entries picked more than once among them), a boolean mask."""
    import numpy as np

    st, hnp = _hypothesis(), _hnp()

    def picks(n: int) -> SearchStrategy[np.ndarray]:  # positions along an axis of size n
        return st.lists(st.integers(-n, n - 1), min_size=1, max_size=5).map(np.array)

    kinds = [hnp.basic_indices(shape, allow_newaxis=True),
             picks(shape[0]),
             hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2,
                                                                            max_side=4)),
             hnp.arrays(np.bool_, shape)]
    if len(shape) > 1:
        kinds.append(st.tuples(st.slices(shape[0]), picks(shape[1])))
    return draw(st.one_of(kinds))


def _index_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    shape = _shape(draw, min_dims=1, max_side=4)
    return TensorSample((_values(draw, shape, op, 0, margin),), (_index(draw, shape),))


def _scatter_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """The gradient of an indexing, put back into the indexed array's shape (index's VJP)."""
    import numpy as np

    shape = _shape(draw, min_dims=1, max_side=4)
    index = _index(draw, shape)
    picked = np.empty(shape)[index].shape
    return TensorSample((_values(draw, picked, op, 0, margin),), (index, shape))


def _broadcast_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """An operand with fewer axes or axes of size 1, and a larger shape it broadcasts to."""
    st = _hypothesis()
    target = _shape(draw, min_dims=1)
    small = [1 if draw(st.booleans()) else n for n in target[draw(st.integers(0, len(target))):]]
    if tuple(small) == target:  # nothing to broadcast: add an axis in front
        target = (2, *target)
    return TensorSample((_values(draw, tuple(small), op, 0, margin),), (target,))


def _where_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """A boolean condition and two operands, all three broadcast together."""
    import numpy as np

    hnp = _hnp()
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                    max_side=3)).input_shapes
    condition = draw(hnp.arrays(np.bool_, shapes[0]))
    return TensorSample((condition, _values(draw, shapes[1], op, 1, margin),
                         _values(draw, shapes[2], op, 2, margin)))


def _leaky_relu_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Any shape, entries away from the kink at 0, and a slope alpha for x < 0."""
    sample = _elementwise_sample(draw, op, margin)
    alpha = draw(_hypothesis().floats(-1.0, 1.0))
    return TensorSample(sample.operands, (alpha,))


def _cross_entropy_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Logits (N×C), and targets: N class indices, or (N×C) target probabilities."""
    import numpy as np

    st = _hypothesis()
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    logits = _values(draw, (n, c), op, 0, margin)
    indices = _hnp().arrays(np.intp, (n,), elements=st.integers(0, c - 1))
    probabilities = _hnp().arrays(np.float64, (n, c), elements=st.floats(0.0, 1.0))
    return TensorSample((logits,), (draw(st.one_of(indices, probabilities)),))


def _clip_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Bounds low <= high, and entries at least ``margin`` from both (clip's kinks)."""
    import numpy as np

    st = _hypothesis()
    low = draw(st.floats(-2.0, 1.0))
    high = draw(st.floats(low + 4 * margin, 2.0))
    shape = _shape(draw)
    x = _values(draw, shape, op, 0, margin)
    for bound in (low, high):
        near = np.abs(x - bound) < margin
        x = np.where(near, bound + 2 * margin * np.sign(x - bound + 0.5 * margin), x)
    return TensorSample((x,), (low, high))


def _concatenate_sample(draw: DrawFn, op: TensorOp, margin: float) -> TensorSample:
    """Two operands of the same shape but along ``axis``, where their sizes may differ."""
    st = _hypothesis()
    shape = _shape(draw, min_dims=1)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    other = list(shape)
    other[axis] = draw(st.integers(1, 3))
    return TensorSample((_values(draw, shape, op, 0, margin),
                         _values(draw, tuple(other), op, 1, margin)), (axis,))


TENSOR_SAMPLES: dict[str, Sampler] = {
    "clip": _clip_sample,
    "concatenate": _concatenate_sample,
    "@": _matmul_sample,
    "sum": _reduction_sample,
    "mean": _reduction_sample,
    "max": _max_sample,
    "softmax": _softmax_sample,
    "log_softmax": _softmax_sample,
    "reshape": _reshape_sample,
    "transpose": _transpose_sample,
    "index": _index_sample,
    "scatter": _scatter_sample,
    "broadcast_to": _broadcast_sample,
    "where": _where_sample,
    "leaky_relu": _leaky_relu_sample,
    "cross_entropy": _cross_entropy_sample,
    "cross_entropy_sum": _cross_entropy_sample,
}
"""How hypothesis draws the arguments of each tensor op that ``needs_sampler``: a function
``(draw, op, margin) -> TensorSample``. A test checks that every such op in the registry
has one; add yours here to give an op of your own parameters (or pass ``shapes=``)."""


def tensor_samples(op: TensorOp | Callable[..., Any],
                   shapes: Sequence[tuple[int, ...]] | SearchStrategy[Any] | None = None,
                   margin: float = KINK_MARGIN) -> SearchStrategy[TensorSample]:
    """A strategy of ``TensorSample``s for a tensor op: with ``shapes`` (one per operand, or a
    strategy of such lists), arrays of those shapes; else from ``TENSOR_SAMPLES``; else, for
    an elementwise op, arrays of shapes that broadcast together. Every number lies in the
    op's domain, at least ``margin`` from its kinks."""
    st = _hypothesis()
    found = _tensor_op(op)
    if found is None:
        raise TypeError(f"tensor_samples: expected an op of the tensor engine, got {op!r}")
    if shapes is not None:
        if found.name in TENSOR_SAMPLES:
            raise TypeError(f"check_op: {found.name} draws its operands and parameters with "
                            f"TENSOR_SAMPLES[{found.name!r}]; shapes= is for ops of your own")
        return st.composite(_fixed_shapes)(found, margin, shapes)
    if found.name in TENSOR_SAMPLES:
        return st.composite(TENSOR_SAMPLES[found.name])(found, margin)
    if not needs_sampler(found):
        return st.composite(_elementwise_sample)(found, margin)
    example = ", ".join(["(3,)", "(2,)", "(4,)"][i % 3] for i in range(len(found.rules)))
    raise TypeError(
        f"check_op: {found.name} is not elementwise, so hypothesis cannot guess the shapes of "
        "its operands (a matrix product needs matching inner sizes, a reduction an axis); "
        f"pass one shape per operand, e.g. check_op({found.name}, shapes=[{example}]), or "
        f"add a sampler to tinygrad_edu.testing.TENSOR_SAMPLES[{found.name!r}]")
