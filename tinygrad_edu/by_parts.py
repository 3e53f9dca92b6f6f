"""Drawing a big graph by its parts: ``draw_dot(root, depth=k)``.

The values of each named scope (``named_scope``; the layers of ``tinygrad_edu.nn`` open
theirs), its path cut to its first ``k`` parts, are drawn as one box that says what it
holds and what enters and leaves it; the values outside every scope are drawn as
``draw_dot`` draws them. ``tinygrad_edu.boxes`` decides what goes into which box and what
each box says; this module draws it, after ``checked_parts`` has made sure that the
picture is small enough to lay out (``tinygrad_edu.layout``).
"""

from __future__ import annotations

import html
from collections.abc import Collection
from typing import Any

from tinygrad_edu.boxes import Box, Parts, box_lines, parts
from tinygrad_edu.formatting import fmt, shape_text
from tinygrad_edu.labels import (
    _NO_GRAD,
    HOT,
    SMALL_FONT,
    STYLE,
    WARM,
    _escape_plain,
    _kind_of,
    _value_and_op,
    parameter_names,
)
from tinygrad_edu.layout import (
    MAX_LAYOUT,
    MAX_NODES,
    GraphTooLarge,
    _kind,
    layout_budget,
    layout_cost,
)
from tinygrad_edu.rendering import Drawing
from tinygrad_edu.scopes import scope_of
from tinygrad_edu.stepping import Step, forward_numbers, is_array_node, node_names

__all__ = ["PART_STYLE", "checked_parts"]

PART_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ede9fe",
              "color": "#6d28d9", "penwidth": "1.5", "margin": "0.12,0.06"}
"""A part of the graph drawn as one box (``draw_dot(root, depth=k)``): violet, rounded."""
INPUTS_STYLE = dict(PART_STYLE, fillcolor=STYLE["input"]["fillcolor"], color="#2563eb")
"""The box of many leaves that only boxes use (``boxes.INPUTS``): blue, as inputs are."""
PARAMETERS_STYLE = dict(PART_STYLE, fillcolor=STYLE["param"]["fillcolor"], color="#b45309")
"""The box of an open part's parameters (``draw_dot(..., opened=...)``): amber, as they are."""
OUTPUT_EDGE = "#15803d"
"""Green: the outline of a box that holds an output."""
PART_FAINT = "#6b7280"
"""Grey: a box's list of ops, and the counts on the arrows between boxes."""


def _draw_parts(roots: list[Any], order: list[Any], depth: int, *, rankdir: str | None,
                show_grad: bool, highlight: Step | Any, params: Any, max_nodes: int,
                matrices: bool, grads: dict[Any, Any] | None,
                opened: Collection[str] = ()) -> Drawing:
    """``draw_dot(root, depth=k)``: each scope cut to ``depth`` parts as one box, the values
    outside every scope (and those of the ``opened`` parts) as ``draw_dot`` draws them
    (``tinygrad_edu.boxes``)."""
    named = parameter_names(params)
    plan = checked_parts(roots, order, depth, params, max_nodes, opened)
    step = highlight if isinstance(highlight, Step) else None
    marked = highlight.node if isinstance(highlight, Step) else highlight
    if marked is not None and marked not in set(order):
        raise ValueError(f"draw_dot: the value to highlight ({marked!r}) is not in this graph")
    if rankdir is None:
        rankdir = "TB"  # a box is wide: the parts read top to bottom, as a model's summary
    names = node_names(*roots)
    for node, name in named.items():
        if name and node in names:
            names[node] = name
    ids: dict[Any, str] = {node: f"n{i}" for i, node in enumerate(order)}
    for i, box in enumerate(plan.boxes):
        ids[box] = f"b{i}"
    numbers = forward_numbers(order)  # as the forward pass had them, also after a step
    hot = plan.box_of.get(marked, marked)
    warm = {plan.box_of.get(u.parent, u.parent) for u in step.updates} if step else set()

    dot = Drawing(format="svg", graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                  node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica"},
                  edge_attr={"fontname": "Helvetica", "fontsize": SMALL_FONT})
    if step is not None:
        dot.step = step
        where = f" in {plan.box_of[step.node].path}" if step.node in plan.box_of else ""
        upstream = (shape_text(step.upstream.shape) if is_array_node(step.node)
                    else fmt(step.upstream))
        dot.attr("graph", label=_escape_plain(f"step {step.index}{where}: {step.name} = "
                                              f"{step.formula}, upstream {upstream}"),
                 labelloc="t")
    braces = rankdir in ("LR", "RL")
    words = "leaves" if params is None else "parameters"
    holding_outputs = {plan.box_of[root] for root in roots if root in plan.box_of}
    for box in plan.boxes:
        attrs = dict(PARAMETERS_STYLE if box.kind == "parameters" else
                     PART_STYLE if box.values else INPUTS_STYLE)
        if box in holding_outputs:
            attrs.update(color=OUTPUT_EDGE, penwidth=STYLE["output"]["penwidth"])
        if box is hot:
            attrs.update(color=HOT, penwidth="3")
        elif box in warm:
            attrs.update(color=WARM, penwidth="2.5")
        dot.node(ids[box], _part_label(box_lines(box, grads, show_grad, words, numbers)), **attrs)
    for node in plan.alone:
        grad = node.grad if grads is None else grads.get(node, node.EMPTY_GRAD)
        op_id = _value_and_op(dot, node, ids[node], names[node], numbers[node],
                              grad if show_grad else _NO_GRAD, _kind_of(node, roots, named),
                              matrices, braces, node is hot, node in warm)
        if op_id is None:
            continue
        from_boxes: set[Box] = set()  # from a box: one arrow, however many values it carries
        for i, parent in enumerate(node.parents):
            tail = plan.box_of.get(parent)
            if tail is None:
                attrs = ({"label": shape_text(parent.shape), "fontcolor": PART_FAINT}
                         if is_array_node(parent) else {})
                if step is not None and node is hot:
                    amount = (f"d{step.updates[i].name}" if is_array_node(node) else
                              fmt(step.updates[i].contribution))
                    attrs = dict(label=_escape_plain(f"+= {amount}"), color=HOT, fontcolor=HOT,
                                 penwidth="2", dir="back")
                dot.edge(ids[parent], op_id, **attrs)
            elif tail not in from_boxes:
                from_boxes.add(tail)
                dot.edge(ids[tail], op_id, **_carried(plan.arrows[tail, node]))
    for (tail, head), values in plan.arrows.items():
        if isinstance(head, Box):
            dot.edge(ids[tail], ids[head], **_carried(values))
    return dot


def _carried(values: list[Any]) -> dict[str, str]:
    """The label of an arrow that carries ``values`` into or out of a box: how many, or a
    tensor's shape."""
    if len(values) == 1:
        return ({"label": shape_text(values[0].shape), "fontcolor": PART_FAINT}
                if is_array_node(values[0]) else {})
    kind = "tensors" if is_array_node(values[0]) else "values"
    return {"label": f"{len(values):,} {kind}", "fontcolor": PART_FAINT}


def _part_label(sections: list[tuple[str, list[str]]]) -> str:
    """A box's text as a Graphviz HTML-like label: the scope's name in bold and what it
    holds; then what enters (in) and what leaves (out), each under a line."""
    (title, (count, *ops)), *flows = sections
    rows = [f'<tr><td align="left"><b>{html.escape(title)}</b></td></tr>',
            f'<tr><td align="left">{html.escape(count)}</td></tr>']
    rows += [f'<tr><td align="left"><font point-size="{SMALL_FONT}" color="{PART_FAINT}">'
             f"{html.escape(line)}</font></td></tr>" for line in ops]
    for heading, (what, *numbers) in flows:
        rows.append("<hr/>")
        rows.append(f'<tr><td align="left"><b>{heading}</b>  {html.escape(what)}</td></tr>')
        rows += [f'<tr><td align="left">{html.escape(line)}</td></tr>' for line in numbers]
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">' \
           f'{"".join(rows)}</table>>'


def checked_parts(roots: list[Any], order: list[Any], depth: int, params: Any, max_nodes: int,
                  opened: Collection[str] = ()) -> Parts:
    """The parts of the graph ``order`` at ``depth`` (``boxes.parts``; with ``params``, only
    those leaves go into boxes; the ``opened`` parts drawn open), or at once a ValueError if
    it has no scopes or an opened part is none of its parts, and ``GraphTooLarge`` if the
    picture still has more than ``max_nodes`` boxes and values or would take dot more than
    about a second (``layout_cost`` of what is drawn: a box counts as one value, each arrow
    once)."""
    if not any(scope_of(node) for node in order):
        raise ValueError(
            f"draw_dot(depth={depth}): no value of this graph was made inside a named_scope, so "
            "it has no parts to draw as boxes. Mark the parts (with named_scope('attn'): ...; "
            "the layers of tinygrad_edu.nn mark theirs when a model holds them), or leave "
            "depth out to draw every value")
    if isinstance(opened, str):
        opened = (opened,)
    plan = parts(roots, order, depth, None if params is None else parameter_names(params),
                 opened)
    found = {"/".join(scope_of(node).split("/")[:depth]) for node in order
             if node.parents and scope_of(node)}
    unknown = [name for name in opened if name not in found]
    if unknown:
        raise ValueError(f"draw_dot(opened={list(opened)!r}): at depth={depth} this graph has "
                         f"no part {unknown[0]!r}; its parts are {', '.join(sorted(found))}")
    position = {node: i for i, node in enumerate(order)}
    first = {box: min(position[node] for node in box.values[:1] + box.leaves[:1])
             for box in plan.boxes}
    drawn_order = sorted([*plan.boxes, *plan.alone],  # as walk meets them: parents first
                         key=lambda item: first[item] if isinstance(item, Box) else position[item])
    proxies = {item: _Drawn() for item in drawn_order}
    for (tail, head), _ in plan.arrows.items():
        uses = 1 if isinstance(tail, Box) or isinstance(head, Box) else \
            head.parents.count(tail)  # value to value: one arrow per use, as drawn
        proxies[head].parents += (proxies[tail],) * uses
    drawn = list(proxies.values())
    cost = layout_cost(drawn, labelled=True)[0]
    if len(drawn) > max_nodes or cost > layout_budget(max_nodes):
        why = (f"more than max_nodes={max_nodes}" if len(drawn) > max_nodes else
               f"whose layout_cost {cost} is more than {layout_budget(max_nodes)} for "
               f"max_nodes={max_nodes}")
        raise GraphTooLarge(
            f"draw_dot: at depth={depth} this graph still draws as {len(plan.boxes)} boxes and "
            f"{len(plan.alone)} {_kind(roots)} on their own, {why}; pass a smaller depth, or "
            f"max_nodes={max(len(drawn), -(-cost * MAX_NODES // MAX_LAYOUT))} to draw it "
            "anyway")
    return plan


class _Drawn:
    """A box or a value as ``layout_cost`` sees it: its arrows in (``parents``)."""

    __slots__ = ("parents",)

    def __init__(self) -> None:
        self.parents: tuple[_Drawn, ...] = ()
