"""Gradients as return values, and gradients you can differentiate again, for both engines.

``grad(outputs, inputs)`` is ``torch.autograd.grad``: the same backward pass as
``backward()`` (``graph.backprop``: the same order and the same chain rule), but the
gradients are collected and returned instead of being stored in ``.grad``, and it can start
from several outputs at once.

With ``create_graph=True`` every local derivative is recomputed by the op's own rule on
nodes (the rules are written with the engine's operations, so they run on Values and
Tensors too), and every product and sum of the chain rule is an operation as well: the
gradients come out as Values or Tensors with a graph of their own, ready to be
differentiated again (Hessians, Hessian-vector products, Newton steps, gradient penalties).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tinygrad_edu.arrays import is_array, is_tensor
from tinygrad_edu.engine import Value
from tinygrad_edu.graph import backprop, is_node

__all__ = ["grad", "hessian", "jacobian"]


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as a tuple, like ``torch.autograd.grad``; no ``.grad`` is touched.

    ``outputs`` and ``inputs`` are Values, or Tensors (one engine at a time). Plain numbers
    (floats, or NumPy arrays for Tensors) by default. With ``create_graph=True`` each gradient
    is a Value or Tensor with its own graph, so ``grad`` can be applied to it again: second
    derivatives, Hessians, Newton steps. ``grad_outputs`` weighs each output (default 1; a
    Tensor output with more than one entry needs one of its shape). An input the outputs do
    not depend on raises, unless ``allow_unused=True`` (then None).
    """
    outs = _nodes(outputs, "outputs", "an output needs a graph: compute it from Values or "
                  "Tensors, outside no_grad")
    ins = _nodes(inputs, "inputs", "pass the Values or Tensors to differentiate with respect to")
    if len({is_tensor(node) for node in outs + ins}) > 1:
        raise TypeError("grad: outputs and inputs mix Values and Tensors; a graph belongs to "
                        "one engine (make the Values Tensors, or the other way round)")
    if grad_outputs is None:
        given: list[Any] = [None] * len(outs)
    elif is_node(grad_outputs) or not isinstance(grad_outputs, Sequence) or (
            is_tensor(outs[0]) and len(outs) == 1 and not _one_each(grad_outputs)):
        given = [grad_outputs]  # one array (or nested list) for one Tensor
    else:
        given = list(grad_outputs)
    if len(given) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(given)} grad_outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outs, given)):
        seed = out._seed(g, "grad(grad_outputs)" if len(outs) == 1 else
                         f"grad(grad_outputs[{i}])")  # checks the shape
        seeds.append(g if create_graph and is_node(g) else seed)  # a seed with a graph stays one
    grads = backprop(outs, seeds, create_graph)
    result: list[Any] = []
    for i, x in enumerate(ins):
        g = grads.get(x)
        if g is None and not allow_unused:
            name = f" ({x.label!r})" if x.label else ""
            constants = [k for k, out in enumerate(outs) if not out.parents and out is not x]
            why = "" if not constants else (
                f" (output {constants[0]} is a constant, a value with no graph: a first "
                "derivative is one where it does not depend on the input, as for x * 4, or "
                "where it is infinite, as sqrt's at 0)")
            raise ValueError(f"grad: input {i}{name} is not used to compute the outputs{why}; "
                             "pass allow_unused=True to get None for it")
        if g is not None and create_graph and not is_node(g):
            g = x._constant(g)  # a constant gradient: a leaf, so it can still be used as one
        elif g is not None and is_node(g) and not create_graph:
            g = g.data
        result.append(g)
    return tuple(result)


def _one_each(grad_outputs: Sequence[Any]) -> bool:
    """Whether ``grad_outputs`` for a single Tensor output is PyTorch's list of one gradient
    per output (``[v]``), rather than that gradient written as a nested list."""
    return len(grad_outputs) == 1 and (is_tensor(grad_outputs[0]) or is_array(grad_outputs[0]))


def _nodes(items: object, what: str, hint: str) -> list[Any]:
    """``grad``'s outputs or inputs as a list of nodes, or a TypeError saying what is wrong."""
    if is_node(items):
        return [items]
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise TypeError(f"grad: {what} must be a Value or a Tensor, or a list of them, got "
                        f"{type(items).__name__} {items!r}; {hint}")
    listed = list(items)
    for i, item in enumerate(listed):
        if not is_node(item):
            raise TypeError(f"grad: {what}[{i}] is {type(item).__name__} {item!r}, not a Value "
                            f"or a Tensor; {hint}")
    return listed


# ----------------------------------------------------------------------------- Jacobians


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
