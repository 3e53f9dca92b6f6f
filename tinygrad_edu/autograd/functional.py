"""Jacobians and Hessians of a function, for both engines, as PyTorch's
``torch.autograd.functional``: the function is called once on fresh leaves, and each entry
of its output differentiated with ``grad`` (``gradients.py``); a Hessian differentiates the
graph of the gradient (``grad(..., create_graph=True)``)."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.arrays import is_array, is_node, is_tensor
from tinygrad_edu.autograd.gradients import grad
from tinygrad_edu.engine import Value

__all__ = ["hessian", "jacobian"]


def jacobian(f: Any, inputs: Any) -> Any:
    """The Jacobian of ``f`` at ``inputs``, as ``torch.autograd.functional.jacobian``.

    ``inputs`` is one input or a tuple (or list) of them: numbers or Values for the scalar
    engine, arrays or Tensors for the tensor engine. ``f`` takes one node per input and
    returns one output or a tuple of them. For one input and one output the result is
    d(output)/d(input): a float for Values, an array of shape output.shape + input.shape for
    Tensors; for several inputs, a tuple with one such entry per input; for several outputs,
    a tuple with one such entry (or tuple of entries) per output. ``f`` is called once, on
    fresh leaves with the inputs' numbers, and each output entry is differentiated."""
    leaves, single_input = _leaves(inputs, "jacobian")
    outputs = f(*leaves)
    single_output = is_node(outputs)
    outs = [outputs] if single_output or not isinstance(outputs, (tuple, list)) else \
        list(outputs)
    for k, out in enumerate(outs):
        if not is_node(out):
            raise TypeError(f"jacobian: f must return a Value or a Tensor (or a tuple of them), "
                            f"but output {k} is {type(out).__name__} {out!r}")
    rows = [_jacobian_of(out, leaves) for out in outs]
    per_output = [row[0] if single_input else tuple(row) for row in rows]
    return per_output[0] if single_output else tuple(per_output)


def hessian(f: Any, inputs: Any) -> Any:
    """The Hessian of a function ``f`` with one-number output (a Value, or a one-element
    Tensor), as ``torch.autograd.functional.hessian``: d²f/dxᵢdxⱼ. For one input: a float
    (Values) or an array of shape input.shape + input.shape (Tensors); for several inputs, a
    tuple of tuples, ``H[i][j]`` for inputs i and j. Made by differentiating the graph of
    the gradient (``grad(..., create_graph=True)``)."""
    leaves, single_input = _leaves(inputs, "hessian")
    output = f(*leaves)
    if not is_node(output) or (is_array(output.data) and output.data.size != 1):
        raise ValueError("hessian: f must return one number (a Value, or a Tensor with one "
                         f"element), got {output!r}; use jacobian for vector outputs")
    firsts = grad(output, leaves, create_graph=True, allow_unused=True)
    rows = []
    for g, leaf in zip(firsts, leaves):
        if g is None or not g.parents:  # a gradient that does not depend on any input
            rows.append([_zeros_like(leaf, other) for other in leaves])
            continue
        rows.append(_jacobian_of(g, leaves))
    return rows[0][0] if single_input else tuple(tuple(row) for row in rows)


def _leaves(inputs: Any, who: str) -> tuple[list[Any], bool]:
    """Fresh leaves with the inputs' numbers, and whether a single input was given."""
    single = is_node(inputs) or isinstance(inputs, (int, float)) or is_array(inputs) or bool(
        isinstance(inputs, list) and inputs and not is_node(inputs[0]) and
        not isinstance(inputs[0], (int, float)) and not is_array(inputs[0]))
    given = [inputs] if single else list(inputs)
    if not given:
        raise ValueError(f"{who}: no inputs")
    tensors = [is_tensor(x) or is_array(x) or isinstance(x, list) for x in given]
    if len(set(tensors)) > 1:
        raise TypeError(f"{who}: the inputs mix numbers (the scalar engine) and arrays (the "
                        "tensor engine); use one engine")
    if not tensors[0]:
        return [Value(x.data if isinstance(x, Value) else x) for x in given], single
    from tinygrad_edu.tensor.engine import Tensor  # arrays: the tensor engine, and NumPy

    return [Tensor(x.data if is_tensor(x) else x) for x in given], single


def _jacobian_of(out: Any, leaves: list[Any]) -> list[Any]:
    """d(out)/d(leaf) for each leaf: a float per leaf for a Value output; for a Tensor, an
    array of shape out.shape + leaf.shape, one backward pass per entry of ``out``."""
    if isinstance(out, Value):
        return [0.0 if g is None else g for g in grad(out, leaves, allow_unused=True)]
    import numpy as np

    shape = out.data.shape
    rows: list[list[np.ndarray]] = [[] for _ in leaves]
    for k in range(out.data.size):
        seed = np.zeros(out.data.size, dtype=out.data.dtype)
        seed[k] = 1
        grads = grad(out, leaves, seed.reshape(shape), allow_unused=True)
        for row, g, leaf in zip(rows, grads, leaves):
            row.append(np.zeros(leaf.data.shape) if g is None else g)
    return [np.stack(row).reshape(shape + leaf.data.shape) for row, leaf in zip(rows, leaves)]


def _zeros_like(leaf: Any, other: Any) -> Any:
    if isinstance(leaf, Value):
        return 0.0
    import numpy as np

    return np.zeros(leaf.data.shape + other.data.shape)
