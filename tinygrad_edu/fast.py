"""The backward pass of Values, written out for speed.

``Value.backward()`` runs ``backward_values``, the twin of ``graph.backpropagate`` run to the
end: the same steps in the same order, the same numbers in every gradient, without the
general machinery. ``backpropagate`` serves both engines and stepping, so it is a generator
that asks every node for its ``parents`` (a tuple made on request) and keeps a set of the
nodes it has seen; here the walk reads a Value's fields directly and marks the nodes it has
seen in their ``grad``, which the pass resets anyway. On a training step's graph that makes
the backward pass about twice as fast (benchmarks/README.md). tests/test_engine.py checks
that the twin leaves the very gradients ``backpropagate`` leaves and visits the nodes in
``walk``'s order.

This module knows how a Value keeps its fields (see ``engine.Value``), so it sits below the
engine.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.graph import _EMIT, refuse_mixing, waiting, walk

__all__: list[str] = []


def backward_values(root: Any, seed: float) -> None:
    """``backpropagate(root, seed)`` run to the end, for Values."""
    if waiting:  # a stepping paused half-way (graph.refuse_mixing)
        refuse_mixing(walk(root))
    inner = inner_nodes(root)
    for node in inner:
        node.grad = 0.0
    root.grad += seed
    for node in reversed(inner):
        upstream = node.grad
        if node._fn.many:  # an op on whole lists: tuples of parents and local derivatives
            for parent, local in zip(node._a, node._da):
                parent.grad += local * upstream
        else:  # node._backward(), written out
            node._a.grad += node._da * upstream
            if node._b is not None:
                node._b.grad += node._db * upstream


def inner_nodes(root: Any) -> list[Any]:
    """The inner nodes of ``walk(root)`` (the ones with parents), in the same order:
    ``walk`` written out for Values. Instead of a set of the nodes it has seen it marks them
    in ``grad``, so the caller must reset their gradients; leaves it never touches."""
    seen: Any = object()  # a mark no gradient can be
    inner: list[Any] = []
    stack: list[Any] = [] if root._fn is None else [root]
    while stack:
        node = stack.pop()
        if node is _EMIT:
            inner.append(stack.pop())
        elif node.grad is not seen:
            node.grad = seen
            stack.append(node)
            stack.append(_EMIT)
            if node._fn.many:
                for parent in reversed(node._a):
                    if parent._fn is not None and parent.grad is not seen:
                        stack.append(parent)
            else:  # one or two operands, in the node itself
                b = node._b
                if b is not None and b._fn is not None and b.grad is not seen:
                    stack.append(b)
                a = node._a
                if a._fn is not None and a.grad is not seen:
                    stack.append(a)
    return inner
