"""The arguments of the ops that take more than operands (an axis, a shape, an index, a
bound), checked and turned into the parameters a node records.

It exists so that each line of the op table in ``engine.py`` can stay a rule: what an axis
may be, how a negative one counts, which shapes multiply, and the errors that say what to do
all live here. Each function ``f(name, *arrays, *args)`` gets the op's name, the operands'
numbers (arrays; for an elementwise op a plain number stays a number) and the caller's
arguments, and returns the op's parameters: what its forward function and its VJPs receive
after the operands (for ``sum``: the axes and keepdims). The function made from a row
(``making.py``) shows the caller ``f``'s signature without ``name``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.tensor.base import TensorBase
from tinygrad_edu.tensor.safe_math import is_real, not_real, shape_str

__all__ = ["axes_of", "group_size", "whole"]  # (and one check per op, read by the table)

Axis = Any  # an int, a tuple of ints, or None for all axes


def matrices(name: str, a: Any, b: Any) -> tuple[()]:
    """``a @ b`` needs 1-D or 2-D operands whose inner sizes match."""
    xs, ws = a.shape, b.shape
    if not (1 <= len(xs) <= 2 and 1 <= len(ws) <= 2):
        raise ValueError(f"matmul: {shape_str(xs)} @ {shape_str(ws)}: only 1-D and 2-D "
                         "operands are supported; reshape to a matrix first")
    if xs[-1] != ws[0]:
        raise ValueError(
            f"matmul: {shape_str(xs)} @ {shape_str(ws)}: inner dimensions {xs[-1]} and "
            f"{ws[0]} differ; the left operand needs as many columns as the right one has rows")
    return ()


def reduced(name: str, t: Any, axis: Axis = None, keepdims: bool = False
            ) -> tuple[tuple[int, ...], bool]:
    """A reduction over ``axis`` (all axes by default): the axes and keepdims."""
    return axes_of(axis, t.shape, name), keepdims


def nonempty(name: str, t: Any, axis: Axis = None, keepdims: bool = False
             ) -> tuple[tuple[int, ...], bool]:
    """As ``reduced``, for a reduction that needs an entry in every group (``max``)."""
    axes = axes_of(axis, t.shape, name)
    group_size(t.shape, axes, axis, name, "no numbers have a largest one")
    return axes, keepdims


def averaged(name: str, t: Any, axis: Axis = None, keepdims: bool = False
             ) -> tuple[tuple[int, ...], bool, int]:
    """A mean over ``axis``: the axes, keepdims and n, how many entries each mean averages.
    The mean of no entries (0/0) raises ValueError."""
    axes = axes_of(axis, t.shape, name)
    n = group_size(t.shape, axes, axis, name, "the mean of no numbers is undefined")
    return axes, keepdims, n


def along(name: str, t: Any, axis: int = -1) -> tuple[tuple[int, ...]]:
    """An op along one axis (``softmax``): that axis."""
    return (axes_of(axis, t.shape, name),)


def reshaped(name: str, t: Any, *shape: Any) -> tuple[tuple[int, ...]]:
    """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``: the new shape, which must hold as many
    entries."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        t.reshape(shape)  # a view: nothing is copied
    except ValueError:
        raise ValueError(f"reshape: cannot reshape {shape_str(t.shape)} ({t.size} "
                         f"entries) into {shape}; the number of entries must stay the same"
                         ) from None
    return (shape,)


def in_order(name: str, t: Any, *axes: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``transpose``'s order of the axes (reversed if none is given) and the order that undoes
    it, counted from 0 (axis -1 is the last one)."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    ndim = t.ndim
    order = tuple(axes) if axes else tuple(reversed(range(ndim)))
    t.transpose(order)  # NumPy checks that it is a permutation of the axes (a view)
    return order, tuple(int(i) for i in np.argsort([a % ndim for a in order]))


def picked(name: str, t: Any, index: Any) -> tuple[Any]:
    """``t[index]``: the index, with a Tensor in it turned into whole numbers."""
    return (tuple(map(whole, index)) if isinstance(index, tuple) else whole(index),)


def target_shape(name: str, t: Any, shape: tuple[int, ...]) -> tuple[tuple[int, ...]]:
    """``broadcast_to``'s shape."""
    return (tuple(shape),)


def scattered(name: str, g: Any, index: Any, shape: tuple[int, ...]
              ) -> tuple[Any, tuple[int, ...]]:
    """The index that picked the entries and the shape they were picked from."""
    return index, tuple(shape)


def bounds(name: str, t: Any, low: float, high: float) -> tuple[float, float]:
    """``clip``'s bounds: real numbers, low <= high."""
    for which, bound in (("low", low), ("high", high)):
        if not is_real(bound):
            raise not_real(bound, f"clip: {which}")
    if low > high:
        raise ValueError(f"clip: low = {low!r} is above high = {high!r}")
    return float(low), float(high)


def slope(name: str, t: Any, alpha: float = 0.01) -> tuple[float]:
    """``leaky_relu``'s slope below 0, a real number."""
    if not is_real(alpha):
        raise not_real(alpha, "leaky_relu: alpha")
    return (float(alpha),)


def seam(name: str, a: Any, b: Any, axis: int = 0) -> tuple[int, int]:
    """Joining a and b along ``axis``: that axis (from 0) and where b starts along it. Every
    other axis must match."""
    xs, ys = a.shape, b.shape
    if len(xs) != len(ys) or not xs:
        raise ValueError(f"concatenate: {shape_str(xs)} and {shape_str(ys)}: the tensors need "
                         "the same number of axes, at least one")
    (ax,) = axes_of(axis, xs, "concatenate")
    if xs[:ax] + xs[ax + 1:] != ys[:ax] + ys[ax + 1:]:
        raise ValueError(f"concatenate: {shape_str(xs)} and {shape_str(ys)} along axis {axis}:"
                         " every other axis must have the same size")
    return ax, xs[ax]


def listed(tensors: Any, name: str, example: str) -> Sequence[Any]:
    """``concatenate``'s and ``stack``'s list of tensors: a non-empty list or tuple."""
    if isinstance(tensors, TensorBase) or not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{name} needs a list of tensors, e.g. {example}, got "
                        f"{type(tensors).__name__}")
    return tensors


def stacked(tensors: Sequence[Any], axis: int) -> tuple[int, tuple[int, ...]]:
    """``stack``: the tensors must share one shape; the new axis, and the shape each takes
    to have it."""
    shapes = {np.shape(t._data if isinstance(t, TensorBase) else t) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: the tensors have different shapes "
                         f"{', '.join(map(shape_str, sorted(shapes)))}; they must all match")
    shape = shapes.pop()
    (ax,) = axes_of(axis, (*shape, 1), "stack")
    return ax, (*shape[:ax], 1, *shape[ax:])


def whole(index: Any) -> Any:
    """A Tensor used as an index holds floats: they must be whole numbers (1.5 is no index)."""
    if not isinstance(index, TensorBase):
        return index
    i = index._data
    ok = np.isfinite(i) & (i == np.round(i))
    if not ok.all():
        raise IndexError(f"index: a Tensor used as an index must hold whole numbers, got "
                         f"{float(i[~ok][0])!r}; index with an integer array or a list of ints")
    return i.astype(np.intp)


def axes_of(axis: Any, shape: tuple[int, ...], op: str) -> tuple[int, ...]:
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


def group_size(shape: tuple[int, ...], axes: tuple[int, ...], axis: Axis, op: str,
               why: str) -> int:
    """How many entries each result of a reduction over ``axes`` combines. A reduction that
    needs at least one entry (``mean``, ``max``) raises when its groups are empty."""
    n = math.prod(shape[a] for a in axes)
    results = math.prod(s for i, s in enumerate(shape) if i not in axes)
    if n == 0 and results:
        raise ValueError(f"{op}: over axis {axis!r} of a tensor of shape {shape_str(shape)} "
                         f"there are no entries to combine, and {why}")
    return max(n, 1)  # an empty result has nothing to divide: any n will do
