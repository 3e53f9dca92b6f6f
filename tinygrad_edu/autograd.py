"""Gradients as return values, and gradients you can differentiate again.

``grad(outputs, inputs)`` is ``torch.autograd.grad``: the same backward pass as
``engine.backpropagate``, the same order and the same chain rule, but the gradients are
collected in a dict and returned instead of being stored in ``.grad``, and it can start from
several outputs at once.

With ``create_graph=True`` every local derivative is recomputed as a ``Value`` by the op's
own rule (the rules are written with the engine's operations, so they run on Values too),
and every product and sum of the chain rule is an operation as well: the gradients come out
as Values with a graph of their own, ready to be differentiated again (Hessians, Newton
steps, gradient penalties).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from tinygrad_edu.engine import Value, walk
from tinygrad_edu.errors import as_float


def backprop(roots: Sequence[Value], seeds: Sequence[float | Value],
             create_graph: bool = False) -> dict[Value, Any]:
    """d(Σ seedᵢ·rootᵢ)/d(node) for every node the roots depend on, as a dict. The loop is
    ``backpropagate``'s: reverse topological order, each node passing its gradient on."""
    grads: dict[Value, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    for node in reversed(walk(*roots)):
        upstream = grads.get(node)
        if upstream is None or not node.parents:
            continue
        assert node._op is not None
        locals_ = node._op.graph_local_grads(node) if create_graph else node.local_grads
        for parent, local in zip(node.parents, locals_):
            contribution = local * upstream  # the chain rule
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
    return grads


def backward_into(root: Value, seed: float | Value, create_graph: bool = True,
                  inputs: Iterable[Value] | None = None) -> None:
    """``root.backward(seed, create_graph, inputs)``, PyTorch's semantics: with
    ``create_graph=True`` every leaf adds a Value (with a graph, a constant one too) to its
    ``grad``; inner nodes get the number only, so no node's gradient points back into the
    graph that made it. A leaf's gradient does point back to the leaf (d(x²)/dx = 2x needs
    x), as in PyTorch, until you reset it with ``zero_grad()``, so that case warns, as
    PyTorch does. With ``inputs``, only those values get a gradient; ``grad()`` stores
    nothing at all and never ties such a knot."""
    if create_graph and isinstance(seed, Value):
        start: float | Value = seed
    else:
        start = as_float(seed, "backward(grad)")
    targets = None if inputs is None else _values(
        inputs, "inputs", "pass the Values whose .grad backward should fill")
    grads = backprop([root], [start], create_graph)
    if create_graph and targets is None:
        warnings.warn(CYCLE_WARNING, stacklevel=3)
    for node in grads if targets is None else targets:
        g = grads.get(node)
        if g is None:  # an input the root does not depend on: nothing to add
            continue
        if node.parents:
            node.grad = g.data if isinstance(g, Value) else g
        else:
            if create_graph and not isinstance(g, Value):
                g = Value(g)
            old = node.grad
            node.grad = g if type(old) is float and old == 0.0 else old + g


CYCLE_WARNING = (
    "backward(create_graph=True): each leaf's gradient now refers to a graph that refers "
    "back to the leaf (a reference cycle, freed only by the garbage collector); reset the "
    "gradients when you are done (loss.zero_grad()), pass inputs=[...] to fill only those, "
    "or use grad(..., create_graph=True), which stores nothing")


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: float | Value | Sequence[float | Value] | None = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as a tuple, like ``torch.autograd.grad``; no ``.grad`` is touched.

    Plain floats by default. With ``create_graph=True`` each gradient is a Value with its own
    graph, so ``grad`` can be applied to it again: second derivatives, Hessians, Newton steps.
    An input the outputs do not depend on raises, unless ``allow_unused=True`` (then None).
    """
    outs = _values(outputs, "outputs", "an output needs a graph: compute it from Values, "
                   "outside no_grad")
    ins = _values(inputs, "inputs", "pass the Values to differentiate with respect to")
    if grad_outputs is None:
        seeds: list[Any] = [1.0] * len(outs)
    else:
        given = grad_outputs if isinstance(grad_outputs, Sequence) else [grad_outputs]
        seeds = [s if isinstance(s, Value) else as_float(s, "grad(grad_outputs)") for s in given]
    if len(seeds) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(seeds)} grad_outputs")
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
        if g is not None and create_graph and not isinstance(g, Value):
            g = Value(g)  # a constant gradient: a leaf, so it can still be used as a Value
        elif isinstance(g, Value) and not create_graph:
            g = g.data
        result.append(g)
    return tuple(result)


def _values(items: object, what: str, hint: str) -> list[Value]:
    """``grad``'s outputs or inputs as a list of Values, or a TypeError saying what is wrong."""
    if isinstance(items, Value):
        return [items]
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise TypeError(f"grad: {what} must be a Value or a list of Values, got "
                        f"{type(items).__name__} {items!r}; {hint}")
    listed = list(items)
    for i, item in enumerate(listed):
        if not isinstance(item, Value):
            raise TypeError(f"grad: {what}[{i}] is {type(item).__name__} {item!r}, not a Value; "
                            f"{hint}")
    return listed
