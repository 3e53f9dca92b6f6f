"""The graph walk and the chain rule, once, for both engines.

A node of either engine (a ``Value`` or a ``Tensor``) records the nodes it was made from
(``parents``) and can say how much of a gradient arriving at it each parent gets
(``_vjp``, the vector-Jacobian product: ``local_grad * upstream`` for a number, ``dZ @ Wᵀ``
for a matrix). Everything else is written here, once:

1. ``walk`` lists a graph in topological order (parents before the nodes made from them),
   without recursion, so a chain of a million nodes is fine.
2. ``backpropagate`` visits that list backwards and applies the chain rule at every node,
   ``parent.grad += its share of node.grad``: that is ``node._backward()``. Stepping,
   drawing and zeroing use the same walk.
3. ``backprop`` does the same with the gradients collected in a dict instead of stored in
   ``.grad``, from several outputs at once, and, with ``create_graph=True``, with every
   product and sum of the chain rule recorded as an operation: the gradients come out as
   nodes with a graph of their own, ready to be differentiated again.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from tinygrad_edu.grad_mode import is_grad_enabled

__all__ = ["Node", "backpropagate", "walk", "zero_grad"]


class Node(Protocol):
    """What the walk and the chain rule need from a node of either engine."""

    grad: Any
    label: str
    EMPTY_GRAD: ClassVar[Any]  # what grad holds before any gradient arrives

    @property
    def parents(self) -> tuple[Any, ...]: ...  # the nodes it was made from

    def _vjp(self, upstream: Any, create_graph: bool = False) -> tuple[Any, ...]:
        """Each parent's share of ``upstream``, the gradient arriving at this node."""
        ...

    def _backward(self) -> None: ...  # pass this node's gradient on to its parents
    def _add_grad(self, g: Any) -> None: ...  # add g to this node's gradient
    def _constant(self, g: Any) -> Any: ...  # g as a leaf of this node's engine


N = TypeVar("N", bound=Node)


def walk(*roots: N) -> list[N]:
    """Every node the roots depend on (the roots included), each once, in topological order:
    a node comes after all of its parents. Iterative, so graph depth is not limited by
    Python's recursion limit. Backward, stepping, drawing and zeroing all use this one walk
    (``Value.backward`` through a twin written out for speed, in ``engine.py``)."""
    for root in roots:
        if not hasattr(root, "parents"):
            raise TypeError(f"walk needs Values or Tensors, got {type(root).__name__} "
                            f"{root!r}")
    order: list[N] = []
    seen: set[N] = set()
    stack: list[Any] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node is _EMIT:  # every parent of the node below this marker is now listed
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack += (node, _EMIT)  # list the node once its parents are listed
            for parent in reversed(node.parents):
                if parent not in seen:
                    stack.append(parent)
    return order


_EMIT = object()


def backpropagate(root: N, seed: Any) -> Iterator[N]:
    """The backward pass, for both engines, one node at a time: a generator that yields each
    node just before its step (stepping looks at it there); running it to the end leaves
    d(root)/d(node) × seed in every node's ``grad``.

    Inner nodes forget the gradient of an earlier pass, leaves keep theirs and add to it (as
    in PyTorch). Then, from the root down, every node passes its gradient on to its parents
    once all the nodes made from it have passed theirs to it, so its gradient is complete.
    """
    order = walk(root)
    refuse_mixing(order)
    for node in order:
        if node.parents:
            node.grad = node.EMPTY_GRAD
    root._add_grad(seed)
    for node in reversed(order):  # every node after all the nodes made from it
        if node.parents:
            yield node
            node._backward()  # the chain rule: parent.grad += its share of node.grad


def zero_grad(root: Node) -> None:
    """Reset the gradient of ``root`` and of every node it depends on."""
    for node in walk(root):
        node.grad = node.EMPTY_GRAD


def backprop(roots: Sequence[N], seeds: Sequence[Any], create_graph: bool = False
             ) -> dict[N, Any]:
    """d(Σ seedᵢ·rootᵢ)/d(node) for every node the roots depend on, as a dict. The loop is
    ``backpropagate``'s: reverse topological order, each node passing its gradient on. With
    ``create_graph`` the shares are computed with the engine's operations on nodes, so the
    gradients have a graph of their own, which needs graph building on: under ``no_grad``
    it raises rather than return gradients that cannot be differentiated again."""
    if create_graph and not is_grad_enabled():
        raise RuntimeError(NO_GRAD_CREATE_GRAPH)
    if waiting:
        refuse_mixing(walk(*roots))
    grads: dict[N, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    for node in reversed(walk(*roots)):
        upstream = grads.get(node)
        if upstream is None or not node.parents:
            continue
        for parent, share in zip(node.parents, node._vjp(upstream, create_graph)):
            grads[parent] = grads[parent] + share if parent in grads else share
    return grads


waiting: dict[object, tuple[Collection[Any], str]] = {}
"""The steppings (``backward_steps``) paused between two steps, with their graph's nodes and
the name of their root: a backward pass through those nodes now would add a whole gradient
to the part the stepping has already passed back."""


def refuse_mixing(order: Sequence[Any]) -> None:
    """Raise if a stepping of a graph that shares nodes with ``order`` is paused half-way."""
    if waiting:
        nodes = set(order)
        for graph, root in waiting.values():
            if not nodes.isdisjoint(graph):
                raise RuntimeError(
                    f"a backward pass while {root}.backward_steps() is paused half-way would "
                    "add a whole gradient to the part the stepping has passed back already: "
                    "finish the stepping, or close it (steps.close(), or break out of its "
                    "loop), which puts the gradients back; then call backward()")


class _NoGraph:
    """The mark of a node computed under ``no_grad``: it has no parents, as a leaf, but it
    was computed, so a backward pass from it has nothing to reach."""

    def __repr__(self) -> str:
        return "NO_GRAPH"


NO_GRAPH = _NoGraph()


def no_graph_error(node: Any, who: str) -> RuntimeError:
    """The error for ``backward()`` (or ``grad``) from a node computed under ``no_grad``."""
    kind = type(node).__name__
    return RuntimeError(
        f"{who}: this {kind} was computed under no_grad(), so it has no graph and backward "
        f"would fill no gradient (PyTorch: 'element 0 of tensors does not require grad'). "
        f"Compute it outside no_grad: an evaluation loop or an update step often leaves "
        "no_grad() switched on around the next forward pass")


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


def is_node(x: object) -> bool:
    """A Value or a Tensor (anything with ``parents``), rather than a number or an array."""
    return hasattr(x, "parents")


def backward_into(root: N, seed: Any, create_graph: bool = True,
                  inputs: Iterable[N] | None = None) -> None:
    """``root.backward(seed, create_graph=..., inputs=...)`` with PyTorch's semantics: with
    ``create_graph=True`` every leaf adds a node (with a graph; a constant one too) to its
    ``grad``; inner nodes get the numbers only, so no node's gradient points back into the
    graph that made it. A leaf's gradient does point back to the leaf (d(x²)/dx = 2x needs
    x), as in PyTorch, until you reset it with ``zero_grad()``, so that case warns, as
    PyTorch does. With ``inputs``, only those nodes get a gradient."""
    targets = None if inputs is None else list(inputs)
    grads = backprop([root], [seed], create_graph)
    if create_graph and targets is None:
        warnings.warn(CYCLE_WARNING, stacklevel=3)
    for node in grads if targets is None else targets:
        g = grads.get(node)
        if g is None:  # an input the root does not depend on: nothing to add
            continue
        if node.parents:
            node.grad = g.data if is_node(g) else g
        else:
            node._add_grad(g if is_node(g) or not create_graph else node._constant(g))


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
