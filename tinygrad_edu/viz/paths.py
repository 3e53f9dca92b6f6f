"""Why gradients add: every path from a value up to the output, and what each carries.

A value ``x`` changes ``f`` along every path from ``x`` up to ``f`` in the graph. Along one
path the changes multiply (the chain rule: d(next)/d(this) at each step), and the paths'
contributions add, so df/dx is the sum, over the paths, of the product of the local
derivatives along each. ``backward()`` computes that very sum without listing the paths:
it adds the products up where the paths meet, one value at a time.

>>> from tinygrad_edu import Value, paths
>>> a = Value(3.0, label="a")
>>> g = a * a + a
>>> g.label = "g"
>>> found = paths(g, a)       # a reaches g three times: twice through a * a, once directly
>>> found.count, [p.product for p in found], found.total
(3, [3.0, 3.0, 1.0], 7.0)
>>> g.backward()
>>> a.grad
7.0

``print(found)`` lists the paths with their values, their local derivatives and their
products; ``found.draw()`` (or ``found[0].draw()`` for one path) draws the graph with the
paths in colour and each step's local derivative on its arrow. A graph can have more
paths than can be listed (a chain of 30 diamonds has 2³⁰): ``count`` and ``total`` are
then still computed at once, value by value as backward does, and the paths are grouped by
their first step (``groups``) instead of listed.

Only what any node offers is read: ``parents``, ``local_grads``, ``data``, ``label``, and
the walk and the names stepping gives (``walk``, ``node_names``). The drawing modules (and
Graphviz) are imported when a drawing is asked for, so that ``import tinygrad_edu`` stays
light.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.autograd.gradients import gradients
from tinygrad_edu.graph import walk
from tinygrad_edu.viz.stepping import fmt, is_array_node, node_names

if TYPE_CHECKING:
    from tinygrad_edu.viz.rendering import Drawing

__all__ = ["LIST_LIMIT", "Group", "Path", "Paths", "paths"]

LIST_LIMIT = 64
"""The most paths that are listed one by one; beyond it they are counted and grouped."""
SHOWN_IN_SUM = 8
"""Up to this many products are written out in the sum that closes the text."""
WIDTH = 92


@dataclass(frozen=True, eq=False)
class Path:
    """One path from ``x`` up to ``f``: ``nodes`` from x to f, ``operands`` which operand of
    the next node each one is (``x * x`` uses x as operand 0 and as operand 1: two paths),
    ``local_grads`` d(next)/d(this) at each step, their ``product``, and the ``names`` and
    ``values`` (``.data``) of the nodes when the paths were found. x itself as f is the
    path of no step, whose product is 1."""

    nodes: tuple[Any, ...]
    operands: tuple[int, ...]
    local_grads: tuple[float, ...]
    names: tuple[str, ...]
    values: tuple[float, ...]
    product: float
    twice: tuple[bool, ...]  # whether each step's node uses the one below it more than once

    def steps(self) -> list[str]:
        """Each step's local derivative in words: ``'dv1/da = 3.0'``."""
        return [f"d{self.names[k + 1]}/d{self.names[k]} = {fmt(local)}"
                for k, local in enumerate(self.local_grads)]

    def route(self) -> str:
        """``'a → v1 → g'``, saying which operand a step is where it matters (``x * x``)."""
        text = self.names[0]
        for k, operand in enumerate(self.operands):
            use = f" (its {_ordinal(operand + 1)} operand)" if self.twice[k] else ""
            text += f" → {self.names[k + 1]}{use}"
        return text

    def __str__(self) -> str:
        values = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(self.names, self.values))
        if not self.local_grads:
            return f"{self.names[0]} itself (no step)\n  values   {values}\n  product  1.0"
        factors = " × ".join(fmt(local) for local in self.local_grads)
        product = factors if len(self.local_grads) == 1 else f"{factors} = {fmt(self.product)}"
        return (f"{self.route()}\n  values   {values}\n  locals   {', '.join(self.steps())}\n"
                f"  product  {product}")

    def draw(self, **draw_kwargs: Any) -> Drawing:
        """The graph of ``f`` (``draw_dot``'s keywords) with this path in colour, each of its
        arrows labelled with its step's local derivative."""
        from tinygrad_edu.viz.drawing import _draw  # (Graphviz is imported only to draw)
        from tinygrad_edu.viz.labels import Lit

        lit = Lit(set(self.nodes), {(self.nodes[k + 1], self.operands[k]): f"× {fmt(local)}"
                                    for k, local in enumerate(self.local_grads)}, self.nodes[0])
        return _draw(self.nodes[-1], lit=lit, **draw_kwargs)


@dataclass(frozen=True, eq=False)
class Group:
    """The paths that start with the same step, from ``x`` into operand ``operand`` of
    ``node``: how many there are (``count``) and the sum of their products (``total``:
    ``local_grad`` × df/d(node))."""

    node: Any
    operand: int
    local_grad: float
    count: int
    total: float
    text: str  # 'x → v1 (dv1/dx = 1.0)'


class Paths:
    """What ``paths(f, x)`` found: ``count`` paths from ``x`` up to ``f``; ``total``, the sum of
    their products, which is df/dx (and ``x.grad`` after ``f.backward()`` from zero
    gradients); the paths themselves when there are at most ``limit`` (``listed``: iterate,
    index, ``len``), and in any case ``groups``, the paths grouped by their first step."""

    def __init__(self, f: Any, x: Any, count: int, total: float, listed: list[Path] | None,
                 groups: list[Group], names: dict[Any, str], limit: int) -> None:
        self.f, self.x, self.count, self.total = f, x, count, total
        self.paths: tuple[Path, ...] | None = None if listed is None else tuple(listed)
        self.groups = tuple(groups)
        self.limit = limit
        self._names = names

    @property
    def listed(self) -> bool:
        """Whether the paths are listed one by one (at most ``limit`` of them)."""
        return self.paths is not None

    def _listed(self) -> tuple[Path, ...]:
        if self.paths is None:
            raise ValueError(f"paths: {self.count:,} paths are too many to list (more than "
                             f"limit={self.limit}); see .count, .total and .groups, or pass "
                             "a larger limit")
        return self.paths

    def __len__(self) -> int:
        return len(self._listed())

    def __iter__(self) -> Iterator[Path]:
        return iter(self._listed())

    def __getitem__(self, k: int) -> Path:
        return self._listed()[k]

    def draw(self, **draw_kwargs: Any) -> Drawing:
        """The graph of ``f`` (``draw_dot``'s keywords) with every path from ``x`` in colour,
        each of their arrows labelled with its local derivative."""
        from tinygrad_edu.viz.drawing import _draw  # (Graphviz is imported only to draw)
        from tinygrad_edu.viz.labels import Lit

        reach = _reaching(self.x, self.f)
        edges = {(node, i): f"× {fmt(local)}"
                 for node in reach
                 for i, (parent, local) in enumerate(zip(node.parents, node.local_grads))
                 if parent in reach}
        return _draw(self.f, lit=Lit(reach, edges, self.x), **draw_kwargs)

    def __str__(self) -> str:
        f, x = self._names[self.f], self._names[self.x]
        if self.count == 0:
            return (f"paths({f}, {x}): no path leads from {x} up to {f}: {f} does not depend "
                    f"on {x}, so d{f}/d{x} = 0.0")
        noun = "path" if self.count == 1 else "paths"
        head = textwrap.fill(
            f"paths({f}, {x}): {self.count:,} {noun} from {x} up to {f}. Along a path the "
            f"local derivatives multiply; d{f}/d{x} is the sum of the paths' products.", WIDTH)
        closing = (f"{x}.grad after {f}.backward(), which adds the products up where the "
                   "paths meet")
        if self.paths is not None:
            lines = [head, ""]
            for k, path in enumerate(self.paths, 1):
                first, *rest = str(path).split("\n")
                lines += [f"{k}. {first}", *(" " * len(f"{k}.") + line for line in rest)]
            products = [f"({fmt(p.product)})" if p.product < 0 else fmt(p.product)
                        for p in self.paths]
            added = (" + ".join(products) + " = " if 1 < len(products) <= SHOWN_IN_SUM else
                     f"the sum of the {len(products)} products = " if len(products) > 1 else "")
            return "\n".join([*lines, "", textwrap.fill(
                f"d{f}/d{x} = {added}{fmt(self.total)}: {closing}", WIDTH)])
        lines = [head, textwrap.fill(
            f"That is more than limit={self.limit}: they were counted, not listed (the count "
            "of each value is the sum of its users' counts, found once per value). By their "
            "first step:", WIDTH)]
        for group in self.groups:
            lines.append(f"  {group.text}: {group.count:,} paths, their products add up to "
                         f"{fmt(group.total)}")
        return "\n".join([*lines, textwrap.fill(f"d{f}/d{x} = {fmt(self.total)}: {closing}",
                                                 WIDTH)])

    __repr__ = __str__


def paths(f: Any, x: Any, limit: int = LIST_LIMIT) -> Paths:
    """Every path from ``x`` up to ``f`` (two Values; ``x`` any value ``f`` was computed from,
    a leaf or not), each with its values, its local derivatives and their product, and the
    sum of the products, ``total``, which is df/dx. A node that uses a value twice (``x * x``)
    gives a path through each use. Up to ``limit`` paths are listed; more are counted at
    once (``count``) and grouped by their first step (``groups``). The graph is only read:
    no gradient changes."""
    for name, node in (("f", f), ("x", x)):
        if not hasattr(node, "parents"):
            raise TypeError(f"paths: {name} must be a Value, got {type(node).__name__} "
                            f"{node!r:.60}")
        if is_array_node(node):
            raise TypeError(f"paths: {name} is a Tensor; paths follows the local derivatives "
                            "of Values, one number each (a tensor's are matrices)")
    order = walk(f)
    names = node_names(f)
    if x not in names:
        names[x] = x.label or "x"
    counts, grads = _counts_and_grads(order, f)
    count, total = counts.get(x, 0), _number(grads.get(x, 0.0))
    users = _users(order)
    groups = []
    for node, i in users.get(x, []):
        local = _number(node.local_grads[i])
        twice = _uses(node, x) > 1
        use = f" (its {_ordinal(i + 1)} operand)" if twice else ""
        groups.append(Group(node, i, local, counts[node], local * _number(grads[node]),
                            f"{names[x]} → {names[node]}{use} (d{names[node]}/d{names[x]} = "
                            f"{fmt(local)})"))
    listed = _list(f, x, users, names) if count <= limit else None
    return Paths(f, x, count, total, listed, groups, names, limit)


def _counts_and_grads(order: list[Any], f: Any) -> tuple[dict[Any, int], dict[Any, Any]]:
    """For every value of ``order``: how many paths lead from it up to ``f``, and the sum of
    their products, df/d(value). The sums are the backward pass's own, collected in a dict
    (``autograd.gradients``: the same walk, the same chain rule at every node), so they come
    out exactly as ``backward()`` computes them; the counts follow the same order, each value
    adding its own count to each operand, once per use."""
    counts: dict[Any, int] = {f: 1}
    for node in reversed(order):
        if node in counts:
            for parent in node.parents:
                counts[parent] = counts.get(parent, 0) + counts[node]
    return counts, gradients([f], [1.0])


def _users(order: list[Any]) -> dict[Any, list[tuple[Any, int]]]:
    """Each value's uses: (the node that uses it, which operand it is there), in walk order."""
    users: dict[Any, list[tuple[Any, int]]] = {}
    for node in order:
        for i, parent in enumerate(node.parents):
            users.setdefault(parent, []).append((node, i))
    return users


def _list(f: Any, x: Any, users: dict[Any, list[tuple[Any, int]]], names: dict[Any, str]
          ) -> list[Path]:
    """The paths from ``x`` up to ``f``, depth first, uses in walk order (no recursion: a
    chain may be long)."""
    found: list[Path] = []
    stack: list[tuple[Any, tuple[tuple[Any, int], ...]]] = [(x, ())]
    while stack:
        node, steps = stack.pop()
        if node is f:
            found.append(_path(x, steps, names))
            continue
        for user, i in reversed(users.get(node, [])):
            stack.append((user, (*steps, (user, i))))
    return found


def _path(x: Any, steps: tuple[tuple[Any, int], ...], names: dict[Any, str]) -> Path:
    nodes, locals_, twice = [x], [], []
    for user, i in steps:
        locals_.append(_number(user.local_grads[i]))
        twice.append(_uses(user, nodes[-1]) > 1)
        nodes.append(user)
    product = 1.0
    for local in locals_:
        product *= local
    return Path(tuple(nodes), tuple(i for _, i in steps), tuple(locals_),
                tuple(names[n] for n in nodes), tuple(_number(n.data) for n in nodes),
                product, tuple(twice))


def _reaching(x: Any, f: Any) -> set[Any]:
    """The values on some path from ``x`` up to ``f``: those ``f`` depends on that depend on
    ``x`` (x and f included), or none if ``f`` does not depend on ``x``."""
    order = walk(f)
    on: set[Any] = {x}
    for node in order:
        if any(parent in on for parent in node.parents):
            on.add(node)
    return on if f in on else set()


def _uses(node: Any, parent: Any) -> int:
    """How many of ``node``'s operands are ``parent`` (by identity: == compares numbers)."""
    return sum(p is parent for p in node.parents)


def _number(x: Any) -> float:
    """A local derivative or a value as a float (after create_graph, a Value's number)."""
    return float(x.data if hasattr(x, "parents") else x)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")

