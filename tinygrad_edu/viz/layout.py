"""How long Graphviz's ``dot`` takes to lay a drawing out, counted before anything is drawn,
and the most a drawing may cost.

``layout_cost`` counts the boxes and arrows of a graph's drawing and the ranks its long
arrows cross; ``plan_layout`` keeps it under ``MAX_LAYOUT`` (scaled by ``max_nodes``) by
drawing the longest arrows from a dashed copy of the value's name beside its use instead;
``checked_layout`` refuses, at once and with ``GraphTooLarge``, a graph of more than
``max_nodes`` values or with no layout that fits, and says what to draw instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.scopes import scope_of
from tinygrad_edu.viz.stepping import is_array_node

__all__ = ["MAX_LAYOUT", "MAX_NODES", "STRETCH", "GraphTooLarge", "Layout", "checked_layout",
           "layout_budget", "layout_cost", "plan_layout"]

# Values. One example through MLP(2, [16, 16, 1]) is 437 and lays out in 0.1 s; past about
# 800 values dot needs seconds, and nobody can read the picture anyway.
MAX_NODES = 500
"""The most values ``draw_dot`` draws unless given ``max_nodes=``; more raise
``GraphTooLarge``."""
MAX_LAYOUT = 4000
"""The most ``layout_cost`` (arrows, and the ranks they cross) a drawing may give Graphviz's
dot: about a second of layout. It grows with ``max_nodes``."""
STRETCH = 4
"""What each rank an arrow crosses beyond the next costs, in ``layout_cost``'s units (an
arrow costs 1): long arrows slow dot down far more than many short ones."""


class GraphTooLarge(ValueError):
    """The graph has more values than ``max_nodes``: draw a smaller piece of it."""


# Graphviz's dot puts every box on a rank (a column, left to right) and turns an arrow that
# spans k ranks into a chain of k - 1 hidden nodes, which it then places along with the
# boxes, arrow by arrow: its time grows with the arrows and those hidden nodes, much faster
# than linearly. A value used at every step of a long loop (an RNN's W, x in Horner's
# p = p·x + c) has an arrow to every step, whose lengths add up to steps²; many arrows into
# one op (a sum of 60 values, 60 times over) add up too; and an arrow label (a tensor's
# shape, an amount) doubles every rank. benchmarks/README.md has the measurements.


@dataclass(frozen=True)
class Layout:
    """How a graph is laid out: ``cost`` is its ``layout_cost``, ``copies`` the arrows
    (node, operand index) drawn from a copy of the parent's name beside the op, ``shapes``
    whether the arrows of a tensor graph carry their shapes."""

    cost: int
    copies: frozenset[tuple[Any, int]] = frozenset()
    shapes: bool = True


def layout_cost(order: list[Any], labelled: bool,
                copies: Iterable[tuple[Any, int]] = ()) -> tuple[int, list[tuple[int, Any, int]]]:
    """What laying out the drawing of ``order`` costs dot, in units of about a quarter of a
    millisecond, and every arrow into an op as (ranks it spans, node, operand index), longest
    first. A box costs 1 (a value, an op, a copy); an arrow 1, or 2 with ``labelled`` arrows
    (a label doubles every rank); an arrow longer than that ``STRETCH`` more for every
    further rank it crosses (an upper bound: the ranks put an op one after its latest
    operand, its value one after the op, an input just before its first use, as dot places
    them). ``copies`` are arrows drawn from a copy of the parent's name beside the op: one
    step long."""
    step = 2 if labelled else 1
    rank: dict[Any, int] = {}
    first_use: dict[Any, int] = {}
    for node in order:
        if node.parents:
            op = max(rank.get(p, 0) for p in node.parents) + step
            rank[node] = op + step
            for p in node.parents:
                first_use[p] = min(first_use.get(p, op), op)
        else:
            rank[node] = 0
    for node in order:
        if not node.parents and node in first_use:
            rank[node] = first_use[node] - step  # dot pulls an input next to its first use
    skipped = set(copies)
    arrows = sorted(((step if (node, i) in skipped else rank[node] - step - rank[p], node, i)
                     for node in order for i, p in enumerate(node.parents)),
                    key=lambda arrow: -arrow[0])
    ops = sum(1 for node in order if node.parents)  # and one arrow from each op to its value
    stretch = sum(span - step for span, _, _ in arrows)
    boxes = len(order) + ops + len(skipped)
    return boxes + step * (len(arrows) + ops) + STRETCH * stretch, arrows


def plan_layout(order: list[Any], labelled: bool, max_nodes: int = MAX_NODES,
                shapes: bool = False) -> Layout:
    """A layout whose ``layout_cost`` is at most ``MAX_LAYOUT`` (scaled by ``max_nodes``) if
    there is one: as drawn if that fits; else with the longest arrows drawn from copies of
    their value's name (longest first, until it fits); else, if the labels are only
    ``shapes`` (a tensor graph's), also without them. Its cost says whether it fits."""
    budget = layout_budget(max_nodes)
    cost, arrows = layout_cost(order, labelled)
    if cost <= budget:
        return Layout(cost)
    step = 2 if labelled else 1
    copies: set[tuple[Any, int]] = set()
    for span, node, i in arrows:
        if cost <= budget or span <= step:
            break
        copies.add((node, i))
        cost -= STRETCH * (span - step) - 1  # a box more
    if cost > budget and shapes:
        return Layout(layout_cost(order, False, copies)[0], frozenset(copies), shapes=False)
    return Layout(cost, frozenset(copies))


def layout_budget(max_nodes: int) -> int:
    """The most ``layout_cost`` a drawing with this ``max_nodes`` may have."""
    return MAX_LAYOUT * max_nodes // MAX_NODES


def checked_layout(roots: list[Any], order: list[Any], max_nodes: int, labelled: bool
                   ) -> Layout:
    """The layout of the graph of ``roots`` (``order``, as ``walk`` lists it), or
    ``GraphTooLarge`` at once, before any work, if it has more than ``max_nodes`` values or
    no layout fits (``plan_layout``). ``labelled``: whether the arrows carry more than a
    tensor graph's shapes (a step's amounts)."""
    if len(order) > max_nodes:
        raise GraphTooLarge(_too_large(roots, order, f"this graph has {len(order)} {_kind(roots)}, "
                                       f"more than max_nodes={max_nodes}", len(order)))
    matrix = is_array_node(roots[0])
    layout = plan_layout(order, labelled or matrix, max_nodes, shapes=matrix and not labelled)
    if layout.cost > layout_budget(max_nodes):
        arrows = sum(len(node.parents) for node in order)
        raise GraphTooLarge(_too_large(
            roots, order, f"this graph of {len(order)} {_kind(roots)} has {arrows} arrows, which "
            f"Graphviz would take far more than a second to lay out (layout_cost "
            f"{layout.cost}, more than {layout_budget(max_nodes)} for max_nodes={max_nodes})",
            -(-layout.cost * MAX_NODES // MAX_LAYOUT)))
    return layout


def _kind(roots: list[Any]) -> str:
    return "tensors" if is_array_node(roots[0]) else "values"


def _too_large(roots: list[Any], order: list[Any], what: str, enough: int) -> str:
    """The refusal of a graph too large to draw: what is too large, and what to do (first,
    if its values were made in named scopes, to draw it by its parts with ``depth=``)."""
    piece = ("a graph of fewer operations (each node of a tensor graph is a whole matrix: "
             "write a loop of small steps as one op on the whole array)" if
             is_array_node(roots[0]) else
             "one neuron's output (draw_dot(model.layers[0].neurons[0](x))) or the loss "
             "of a single example")
    tops = list(dict.fromkeys(path.split("/")[0] for path in map(scope_of, order) if path))
    by_parts = "" if not tops else (
        f" Its values were made in named scopes ({', '.join(tops[:5])}"
        f"{', …' if len(tops) > 5 else ''}): draw_dot(root, depth=1) draws each of them as "
        "one box, depth=2 their parts.")
    return (f"draw_dot: {what}; the picture would take long to lay out and be unreadable."
            f"{by_parts} Draw a smaller piece, e.g. {piece}, use text_graph(root) for a "
            f"table, or pass max_nodes={enough} to draw it all anyway.")
