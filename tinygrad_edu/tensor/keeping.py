"""What a graph keeps of the numbers it was computed from: arrays that nothing else can write.

It exists because a NumPy array belongs to whoever holds it. A backward pass reads the
numbers the forward pass used (a node's ``_saved``); were they the caller's arrays, kept by
reference, a change made between the two passes (``X *= 10`` after ``X @ W``, ``mask[0] =
0``, ``ids.append(3)`` after ``E[ids]``, a write through a view of a Tensor's array) would
reach the gradient, silently. So where numbers enter a graph (``making.py``: the function
made from each row, and ``node``), they are kept this way:

- A plain operand (a constant: an array, a list, a number) and an op's parameters (an index,
  cross-entropy's targets): the graph's own read-only copy. An array that was made for the
  graph anyway (a list turned into an array, an array converted to the tensor's dtype) is
  not copied again, only made read-only; a Python number cannot change.
- A Tensor's array: kept as it is, and made read-only, when nothing but the tensor refers to
  it (``sys.getrefcount``: a name, a view of it, an earlier graph all count). That is the
  usual case, a parameter after an optimizer's step, so a training step copies no
  parameter. Otherwise (you hold ``t.numpy()``, ``np.asarray(t)``, a view of them, or the
  array you gave to ``t.data = ...``, or it is itself a view of another array) the graph
  takes a read-only copy, and the tensor keeps its array, writable and still shared with
  yours, as PyTorch's ``numpy()`` shares a tensor's memory: writing into it changes the
  tensor for the next forward pass, never the graph of this one.

So no array you hold is ever made read-only, and a backward pass always gives the gradient
of the function the forward pass computed. (``create_graph=True`` runs the rules on the
tensors as they are now, and refuses if a tensor's numbers have changed: ``base.py``.)
"""

from __future__ import annotations

import numbers
import sys
from typing import Any

import numpy as np

from tinygrad_edu.tensor.base import TensorBase

__all__ = ["kept_operands", "kept_params", "tensor_array"]


def kept_operands(operands: tuple[Any, ...], given: tuple[Any, ...]
                  ) -> tuple[tuple[Any, ...], list[Any]]:
    """The operands of a node about to be recorded (Tensors, and constants as the graph keeps
    them) and the numbers its graph keeps of each (each Tensor's array, each constant).
    ``given`` is what the caller passed, from which ``operands`` were made (``operands_of``)."""
    kept: list[Any] = []
    arrays: list[Any] = []
    for operand, original in zip(operands, given):
        if isinstance(operand, TensorBase):
            kept.append(operand)
            arrays.append(tensor_array(operand))
        else:
            constant = _constant_kept(operand, original)
            kept.append(constant)
            arrays.append(constant)
    return tuple(kept), arrays


def tensor_array(t: Any) -> np.ndarray:
    """The array a graph keeps as the numbers of the Tensor ``t``: ``t``'s own, made
    read-only, if nothing else can write it; else a read-only copy (``t`` keeps its array)."""
    array = t._data
    if not array.flags.writeable and (array.flags.owndata or
                                      (t._saved and array is t._saved[-1])):
        return array  # a graph's already: made read-only here, or a node's own output
    if array.flags.owndata and _references(t) <= _ALONE:  # no name, no view, no other graph
        # read-only: setflags(write=False), but positional (a quarter of the instructions)
        array.setflags(False)
        return array
    return _read_only_copy(array)


def kept_params(params: tuple[Any, ...]) -> tuple[Any, ...]:
    """An op's parameters as its node keeps them: arrays and lists (an index, targets) as
    read-only arrays of the node's own; everything else (ints, axes, shapes) as it is."""
    if not params:
        return params
    return tuple([_param_kept(p) for p in params])


def _param_kept(p: Any) -> Any:
    if isinstance(p, np.ndarray):
        return _read_only_copy(p)
    if isinstance(p, list):  # an index: NumPy reads a list as it reads the same array
        array = np.array(p)
        if array.size == 0:  # (an empty list picks nothing; an empty array of floats is no
            array = array.astype(np.intp)  # index)
        array.setflags(False)  # type: ignore[call-arg]
        return array
    if isinstance(p, tuple) and any(isinstance(q, (np.ndarray, list, tuple)) for q in p):
        return tuple([_param_kept(q) for q in p])  # a tuple index: (rows, columns)
    return p


def _constant_kept(constant: Any, given: Any) -> Any:
    """A constant operand as the graph keeps it: a Python number as it is; an array made from
    ``given`` for the graph (a list, a number, another dtype), made read-only; else (the
    caller's array, or a view of it) a read-only copy."""
    if not isinstance(constant, np.ndarray):
        return constant  # a Python number: it cannot change
    made = isinstance(given, (list, tuple, numbers.Number)) or (
        isinstance(given, np.ndarray) and not np.may_share_memory(constant, given))
    if not made:
        return _read_only_copy(constant)
    constant.setflags(False)  # type: ignore[call-arg]
    return constant


def _read_only_copy(array: np.ndarray) -> np.ndarray:
    copy = array.copy()
    copy.setflags(False)
    return copy


def _references(t: Any) -> int:
    """How many references there are to ``t``'s array, this call's own among them."""
    return sys.getrefcount(t._data) if hasattr(sys, "getrefcount") else sys.maxsize


class _Probe:
    __slots__ = ("_data",)
    _data: Any


def _references_when_alone() -> int:
    """``_references`` of an array that only its tensor refers to, counted in the same
    circumstances as in ``tensor_array`` (one local name for it), so that the count does not
    depend on the Python version."""
    probe = _Probe()
    probe._data = array = np.empty(0)  # noqa: F841 (the local name is the point)
    return _references(probe)


_ALONE = _references_when_alone() if hasattr(sys, "getrefcount") else -1
"""How many references an array only its tensor refers to has (elsewhere than CPython there
is no count: then the graph always takes a copy)."""
