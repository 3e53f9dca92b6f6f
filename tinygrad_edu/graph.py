"""The graph walk and the loop of the backward pass, once, for both engines.

A node of either engine (a ``Value``, a ``Tensor``) records the nodes it was made from and
takes one step of the chain rule itself (``_backward()``: ``parent.grad += local_grad *
node.grad``, or ``dZ @ Wᵀ`` for a matrix). ``walk`` lists a graph in topological order
without recursion (a chain of a million nodes is fine); ``backpropagate`` visits that list
backwards and calls ``_backward()`` at every node: the whole backward pass.

The walk marks a node whose parents it has listed with one shared marker on its stack, where
the topological sorts learners write keep a ``(node, done)`` pair: a pair is an object per
node, which a chain of a million nodes would keep alive at once.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # (no typing module at run time: the engine's import stays light)
    from collections.abc import Callable, Iterator
    from typing import Any, ClassVar, Protocol, TypeVar

    class Node(Protocol):
        """What the walk and the chain rule need from a node of either engine."""

        grad: Any
        _row: Any  # the row of the op table that made it; None for a leaf
        EMPTY_GRAD: ClassVar[Any]  # what grad holds before any gradient arrives
        @property
        def parents(self) -> tuple[Any, ...]: ...  # the nodes it was made from
        def _backward(self) -> None: ...  # pass this node's gradient on to its parents
        def _add_grad(self, g: Any) -> None: ...  # add g to this node's gradient

    N = TypeVar("N", bound=Node)

__all__ = ["backpropagate", "backpropagate_steps", "ready", "walk", "zero_grad"]


def walk(*roots: N) -> list[N]:
    """Every node the roots depend on (the roots included), each once, in topological order:
    a node comes after all of its parents. Iterative, so graph depth is not limited by
    Python's recursion limit."""
    for root in roots:
        if not hasattr(type(root), "parents"):  # (the class: asking the node runs the property)
            raise TypeError(f"walk needs Values or Tensors, got {type(root).__name__} {root!r}")
    order: list[N] = []
    seen: set[N] = set()
    stack: list[Any] = list(reversed(roots))  # nodes to look at, the next one last
    while stack:
        node = stack.pop()
        if node is _LIST_IT:  # every parent of the node below this mark is listed now
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack.append(node)  # list the node once its parents are listed
            stack.append(_LIST_IT)
            for parent in reversed(node.parents):  # (reversed: the first parent comes first)
                if parent not in seen:
                    stack.append(parent)
    return order


_LIST_IT = object()  # a mark on the stack: no object per node, which a deep graph (a chain of a
# million nodes) would keep alive at once, for Python's garbage collector to walk again and again


def backpropagate(root: N, seed: Any) -> None:
    """The backward pass, for both engines: it leaves d(root)/d(node) × seed in every node's
    ``grad``. Inner nodes forget an earlier pass's gradient, leaves add to theirs (as in
    PyTorch; ``ready``); then every node passes its gradient on once all the nodes made from
    it have passed theirs to it, so it is complete."""
    for node in reversed(ready(root, seed)):  # every node after all the nodes made from it
        if node._row is not None:  # (a leaf has nothing to pass on)
            node._backward()  # the chain rule: each parent.grad += its share of node.grad


def backpropagate_steps(root: N, seed: Any) -> Iterator[N]:
    """``backpropagate``, one node at a time, for stepping: the same loop, which stops at
    each node before its step (``viz/stepping.py`` shows the numbers)."""
    for node in reversed(ready(root, seed)):
        if node._row is not None:
            yield node
            node._backward()


def ready(root: N, seed: Any) -> list[N]:
    """The nodes ``root`` depends on in walk order, ready for a backward pass: the inner
    nodes' gradients emptied (a leaf keeps its own: a new pass adds to it), the root seeded
    (``_add_grad``: for a Tensor, a copy in its dtype)."""
    order = walk(root)
    for check in before_a_pass:  # (stepping refuses a pass while it is paused half-way)
        check(order)
    empty = type(root).EMPTY_GRAD  # (one engine per graph: asked once, not per node)
    for node in order:
        if node._row is not None:
            node.grad = empty
    root._add_grad(seed)
    return order


before_a_pass: list[Callable[[list[Any]], None]] = []
"""Checks a backward pass runs on its graph's nodes before it starts; each may refuse with
an error. Empty unless a stepping (``backward_steps``) is paused half-way: then viz/stepping.py
puts one here."""


def zero_grad(root: Node) -> None:
    """Reset the gradient of ``root`` and of every node it depends on."""
    for node in walk(root):
        node.grad = node.EMPTY_GRAD

