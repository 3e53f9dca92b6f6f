"""Gradients as return values, and gradients you can differentiate again, for both engines.

``grad(outputs, inputs)`` is ``torch.autograd.grad``: the backward pass of ``backward()``
(the same walk, the same order, the same chain rule at every node), but the gradients are
collected in a dict (``gradients``) and returned instead of being stored in ``.grad``, and
it can start from several outputs at once.

With ``create_graph=True`` every local derivative is recomputed by the op's own rule on
nodes (the rules are written with the engine's operations, so they run on Values and
Tensors too), and every product and sum of the chain rule is an operation as well: the
gradients come out as Values or Tensors with a graph of their own, ready to be
differentiated again (Hessians, Hessian-vector products, Newton steps, gradient penalties).
``backward(create_graph=True)`` and ``backward(inputs=...)`` come here too
(``backward_into``), and so does a backward pass from a value computed under ``no_grad()``,
to be refused. ``jacobian`` and ``hessian`` are in ``functional.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tinygrad_edu.arrays import is_array, is_node, is_tensor
from tinygrad_edu.autograd.higher import local_grads_as_values
from tinygrad_edu.engine import Value
from tinygrad_edu.errors import as_float
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.graph import before_a_pass, walk

__all__ = ["grad", "shares"]

if TYPE_CHECKING:
    from tinygrad_edu.graph import Node

N = TypeVar("N", bound="Node")


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
        seed = seed_of(out, g, "grad(grad_outputs)" if len(outs) == 1 else
                       f"grad(grad_outputs[{i}])")  # checks the shape
        seeds.append(g if create_graph and is_node(g) else seed)  # a seed with a graph stays one
    grads = gradients(outs, seeds, create_graph)
    result: list[Any] = []
    for i, x in enumerate(ins):
        g = grads.get(x)
        if g is None and not allow_unused:
            name = f" ({x.label!r})" if x.label else ""
            constants = [k for k, out in enumerate(outs) if not out.parents and out is not x]
            why = "" if not constants else (
                f" (output {constants[0]} is a constant, a value with no graph: a first "
                "derivative is one where it does not depend on the input, as for x * 4)")
            raise ValueError(f"grad: input {i}{name} is not used to compute the outputs{why}; "
                             "pass allow_unused=True to get None for it")
        if g is not None and create_graph and not is_node(g):
            g = constant_like(x, g)  # a constant gradient: a leaf, to be used as one
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




def gradients(roots: Sequence[N], seeds: Sequence[Any], create_graph: bool = False
              ) -> dict[N, Any]:
    """d(Σ seedᵢ·rootᵢ)/d(node) for every node the roots depend on, as a dict: the pass of
    ``graph.backpropagate`` (reverse topological order, each node passing its gradient on,
    each child's share from ``shares``), into a dict instead of ``.grad``. With
    ``create_graph`` the shares are computed with the engine's operations on nodes, so the
    gradients have a graph of their own, which needs graph building on: under ``no_grad``
    it raises rather than return gradients that cannot be differentiated again."""
    if create_graph and not is_grad_enabled():
        raise RuntimeError(NO_GRAD_CREATE_GRAPH)
    order = walk(*roots)
    for check in before_a_pass:
        check(order)
    grads: dict[N, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    node: Any
    for node in reversed(order):
        upstream = grads.get(node)
        if upstream is None or not node.parents:
            continue
        for parent, share in zip(node.parents, shares(node, upstream, create_graph)):
            grads[parent] = grads[parent] + share if parent in grads else share
    return grads


def shares(node: Any, upstream: Any, create_graph: bool = False) -> list[Any]:
    """What ``node`` passes to each of its children of the gradient ``upstream`` arriving
    at it: for a Value, each local derivative × upstream, as its ``_backward()`` adds in
    place (with ``create_graph`` the local derivatives are Values, recomputed by the op's
    rules: higher.py); for a Tensor, the VJP of each operand."""
    if is_tensor(node):
        return list(node._vjp(upstream, create_graph))
    local_grads = local_grads_as_values(node) if create_graph else node._local_grads
    return [local * upstream for local in local_grads]


def seed_of(node: Any, grad: Any, who: str) -> Any:
    """The gradient a backward pass starts from: 1 (ones) by default, else the one given,
    checked (a Tensor's must have its shape)."""
    if is_tensor(node):
        return node._seed(grad, who)
    if grad is None:
        return 1.0
    return grad._data if isinstance(grad, Value) else as_float(grad, who)


def constant_like(node: Any, g: Any) -> Any:
    """A gradient that is a plain number (or array), as a leaf of ``node``'s engine."""
    return node._constant(g) if is_tensor(node) else type(node)(g)


def backward_into(root: Any, grad: Any = None, create_graph: bool = True,
                  inputs: Iterable[Any] | None = None, who: str = "backward") -> None:
    """``root.backward(grad, create_graph=..., inputs=...)`` with PyTorch's semantics: with
    ``create_graph=True`` every leaf adds a node (with a graph; a constant one too) to its
    ``grad``; inner nodes get the numbers only, so no node's gradient points back into the
    graph that made it. A leaf's gradient does point back to the leaf (d(x²)/dx = 2x needs
    x), as in PyTorch, until you reset it with ``zero_grad()``, so that case warns, as
    PyTorch does. With ``inputs``, only those nodes get a gradient. From a value computed
    under ``no_grad()``: an error that says why there is nothing to do."""
    if getattr(root, "_no_graph", False):
        raise no_graph_error(root, "backward")
    seed = seed_of(root, grad, who)
    if create_graph and is_node(grad):
        seed = grad  # a seed with a graph of its own stays one
    targets = listed_inputs(inputs, type(root), "backward")
    grads = gradients([root], [seed], create_graph)
    if create_graph and targets is None:
        warnings.warn(CYCLE_WARNING, stacklevel=3)
    for node in grads if targets is None else targets:
        g = grads.get(node)
        if g is None:  # an input the root does not depend on: nothing to add
            continue
        if node.parents:
            node.grad = g.data if is_node(g) else g
        else:
            g = g if is_node(g) or not create_graph else constant_like(node, g)
            if is_node(g) and type(node.grad) is float and node.grad == 0.0:
                node.grad = g  # (a Value onto a gradient of 0 stays itself: no 0 + g node)
            else:
                node._add_grad(g)
            if isinstance(node.grad, Value):  # a later pass adds to it: grad + share, a new
                setattr(node.grad, "_is_gradient", True)  # noqa: B010 (see engine._in_place)


def listed_inputs(inputs: Any, kind: type, who: str) -> list[Any] | None:
    """``backward(inputs=...)``: the nodes (of ``kind``, Value or Tensor) whose ``.grad``
    backward should fill, as a list; None stays None; anything else is a TypeError."""
    if inputs is None:
        return None
    listed: list[Any] = [inputs] if isinstance(inputs, kind) else list(inputs)
    for i, item in enumerate(listed):
        if not isinstance(item, kind):
            raise TypeError(f"{who}: inputs[{i}] is {type(item).__name__} {item!r}, not a "
                            f"{kind.__name__}; pass the {kind.__name__}s whose .grad backward "
                            "should fill")
    return listed


def no_graph_error(node: Any, who: str) -> RuntimeError:
    """The error for ``backward()`` (or ``grad``) from a node computed under ``no_grad``."""
    kind = type(node).__name__
    return RuntimeError(
        f"{who}: this {kind} was computed under no_grad(), so it has no graph and backward "
        f"would fill no gradient (PyTorch: 'element 0 of tensors does not require grad'). "
        f"Compute it outside no_grad: an evaluation loop or an update step often leaves "
        "no_grad() switched on around the next forward pass")


NO_GRAD_CREATE_GRAPH = (
    "create_graph=True inside no_grad(): graph building is off there, so the gradients "
    "would be plain numbers with no graph of their own, and could not be differentiated "
    "again; call backward/grad with create_graph=True outside the no_grad block, or wrap "
    "the call in enable_grad()")

CYCLE_WARNING = (
    "backward(create_graph=True): each leaf's gradient now refers to a graph that refers "
    "back to the leaf (a reference cycle, freed only by the garbage collector); reset the "
    "gradients when you are done (loss.zero_grad()), pass inputs=[...] to fill only those, "
    "or use grad(..., create_graph=True), which stores nothing")

