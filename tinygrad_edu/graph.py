"""The backward pass, written once for both engines (N below: a node of either): walk's list
of the nodes, made ready, then visited backwards."""

from __future__ import annotations

__all__ = ["backpropagate", "backpropagate_steps", "before_a_pass", "seeded_order", "walk",
           "zero_grad"]


def backpropagate(root: N, seed: Any) -> None:  # (N: a node, here a Value)
    """The backward pass: d(root)/d(node) × seed into every node's ``grad``. Visited
    backwards, the list has each node before its parents, so a node has been given its whole
    gradient, by every node that uses it, before it passes it on."""
    for node in reversed(seeded_order(root, seed)):
        if node._row is not None:  # (a leaf has nothing to pass on)
            node._backward()  # the chain rule: each parent.grad += its share of node.grad


def seeded_order(root: N, seed: Any) -> list[N]:
    """``walk``'s list, made ready: every inner node's grad set to 0 (its gradient is this
    pass's alone; a leaf's adds up, as in PyTorch), then root.grad += seed."""
    order = walk(root)
    for check in before_a_pass:  # (skip: for stepping only, empty unless one is paused)
        check(order)
    empty = type(root).EMPTY_GRAD  # a Value's "no gradient yet": 0.0
    for node in order:
        if node._row is not None:  # an inner node (a leaf has no row)
            node.grad = empty
    root._add_grad(seed)  # root.grad += seed
    return order


def walk(*roots: N) -> list[N]:
    """Every node the roots depend on (the roots too), each once, after its parents: the list
    micrograd's recursive sort makes (taking the parents in order). Read it as that:

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for parent in v.parents:
                    build_topo(parent)
                topo.append(v)

    v.parents (a property of the Value): its operands with a local derivative, _a and _b
    (x * 2.0: x alone; a leaf: none).
    Here the calls are kept in a list, so depth has no recursion limit (how: a second
    reading, docs/engine-design.md). A first reading stops here."""
    return walked_on_a_stack(roots)  # (how: below zero_grad, for a second reading)


def backpropagate_steps(root: N, seed: Any) -> Iterator[N]:
    """``backpropagate``, one node at a time, for stepping: the same loop, which stops at
    each node before its step (``viz/stepping.py`` shows the numbers)."""
    for node in reversed(seeded_order(root, seed)):
        if node._row is not None:
            yield node
            node._backward()


before_a_pass: list[Callable[[list[Any]], None]] = []
"""Checks a backward pass runs on its graph's nodes before it starts; each may refuse with
an error. Empty unless a stepping (``backward_steps``) is paused half-way: then viz/stepping.py
puts one here."""


def zero_grad(root: Node) -> None:
    """Reset the gradient of ``root`` and of every node it depends on."""
    for node in walk(root):
        node.grad = node.EMPTY_GRAD


_PARENTS_LISTED = object()
"""``walk``'s mark ✓. One object for every node, not a ``(node, done)`` pair each: a chain
of a million nodes would keep a million tuples alive for the garbage collector to walk."""


def walked_on_a_stack(roots: tuple[N, ...]) -> list[N]:
    """``walk``: build_topo's recursion with its calls kept on a list of its own (a stack),
    marking with ✓ a node whose parents are being listed."""
    for root in roots:
        if not hasattr(type(root), "parents"):  # (the class: asking the node runs the property)
            raise TypeError(f"walk needs Values or Tensors, got {type(root).__name__} {root!r}")
    order: list[N] = []  # (N: a node of either engine, for the type checker: end of the file)
    seen: set[N] = set()
    stack: list[Any] = list(reversed(roots))  # nodes to look at, the next one last
    while stack:
        node = stack.pop()
        if node is _PARENTS_LISTED:  # every parent of the node below this mark is listed:
            order.append(stack.pop())  # list it (build_topo's topo.append(v))
        elif node not in seen:  # (a node can be pushed twice before it is first popped)
            seen.add(node)
            if node._row is None:  # a leaf: no parents to list before it
                order.append(node)
                continue
            stack.append(node)  # to be listed once its parents are,
            stack.append(_PARENTS_LISTED)  # which this mark will say when it is popped
            for parent in reversed(node.parents):  # (reversed: the first parent comes first)
                if parent not in seen:  # (a shorter stack; the test at the pop decides)
                    stack.append(parent)
    return order


TYPE_CHECKING = False
if TYPE_CHECKING:  # (for the type checker only: the engine's import stays light)
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
