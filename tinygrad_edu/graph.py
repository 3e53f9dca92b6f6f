"""The backward pass, once, for both engines: list every node the root depends on, each
after the nodes it was made from (``walk``); empty the inner nodes' gradients and seed the
root's (``seeded_order``); visit the list backwards, each node passing its gradient on to its
parents (``_backward()``: ``parent.grad += local_grad * node.grad`` for a Value).
"""

from __future__ import annotations

__all__ = ["backpropagate", "backpropagate_steps", "before_a_pass", "seeded_order", "walk",
           "zero_grad"]


def backpropagate(root: N, seed: Any) -> None:
    """The backward pass: d(root)/d(node) × seed into every node's ``grad``. Visited
    backwards, the list has each node before its parents, so a node has been given its whole
    gradient, by every node that uses it, before it passes it on."""
    for node in reversed(seeded_order(root, seed)):
        if node._row is not None:  # (a leaf has nothing to pass on)
            node._backward()  # the chain rule: each parent.grad += its share of node.grad


def seeded_order(root: N, seed: Any) -> list[N]:
    """``walk``'s list, made ready for a pass: every inner node's gradient set to 0 (its
    ``_backward()`` passes on all of it, so what was left from a last pass would go twice),
    then the root's seeded. A leaf keeps its gradient, which the pass adds to (a root that
    is a leaf too: a second ``x.backward()`` makes x.grad 2)."""
    order = walk(root)
    for check in before_a_pass:  # (for stepping only, skip: empty unless one is paused)
        check(order)
    empty = type(root).EMPTY_GRAD  # 0.0 for a Value (None for a Tensor)
    for node in order:
        if node._row is not None:  # an inner node (a leaf has no row)
            node.grad = empty
    root._add_grad(seed)  # root.grad += seed (a Tensor's adds an array)
    return order


_PARENTS_LISTED = object()
"""``walk``'s mark ✓. One object for every node, not a ``(node, done)`` pair each: a chain
of a million nodes would keep a million tuples alive for the garbage collector to walk."""


def walk(*roots: N) -> list[N]:
    """Every node the roots depend on (the roots included), each once, in topological order:
    a node comes after all of its parents: the very list this recursive sort makes
    (micrograd's, taking the parents in order), so on a first reading take it for this:

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for parent in v.parents:
                    build_topo(parent)
                topo.append(v)

    Here the call stack is a list, so depth has no recursion limit. A node popped for the
    first time is pushed back with the mark ✓ on top of it, then its parents. The mark comes
    off only after its parents (and theirs) are listed, so popping ✓ means "list the node
    under it" (build_topo's topo.append(v)). For docs/engine.md's f = v1 * v2, v1 = x + y,
    v2 = x - y:

        stack before the pop    popping its top                 the order so far
        (its top on the right)
        [f]                     f: push f, ✓, then its parents (v1, v2) reversed: v1 on top
        [f ✓ v2 v1]             v1: push v1, ✓, then its parents (x, y) reversed: x on top
        [f ✓ v2 v1 ✓ y x]       x: push x, ✓ (a leaf: no parents)
        [f ✓ v2 v1 ✓ y x ✓]     ✓: list x                       x
        [f ✓ v2 v1 ✓ y]         y: push y, ✓ (a leaf)
        [f ✓ v2 v1 ✓ y ✓]       ✓: list y                       x y
        [f ✓ v2 v1 ✓]           ✓: list v1                      x y v1
        [f ✓ v2]                v2: push v2, ✓; x, y are seen: not pushed
        [f ✓ v2 ✓]              ✓: list v2                      x y v1 v2
        [f ✓]                   ✓: list f                       x y v1 v2 f
    """
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
            stack.append(node)  # to be listed once its parents are,
            stack.append(_PARENTS_LISTED)  # which this mark will say when it is popped
            for parent in reversed(node.parents):  # (reversed: the first parent comes first)
                if parent not in seen:  # (a shorter stack; the test at the pop decides)
                    stack.append(parent)
    return order


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
