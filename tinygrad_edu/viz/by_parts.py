"""Drawing a big graph by its parts: ``draw_dot(root, depth=k)``, the values of each named scope
as one box.

A GPT's loss is thousands of values, but a learner knows its parts: an embedding, a block
with its attention and its MLP, the loss. The values each part makes carry its scope
(``tinygrad_edu.scopes``; the layers of ``tinygrad_edu.nn`` open theirs), and
``draw_dot(root, depth=k)`` draws every part as one box, as torchview's ``depth`` draws a
module:

- At depth ``k`` a value made in ``blocks.0/attn/heads.1/query`` goes into the box named by
  the first ``k`` parts of its path: ``blocks.0`` at depth 1, ``blocks.0/attn`` at depth 2,
  ``blocks.0/attn/heads.1`` at depth 3.
- Values made outside every scope are drawn on their own, as without ``depth``. An output
  (a root) made in a scope stays in its box, which leaves it, and is outlined as an
  output is.
- A leaf (a weight, or an input) used only inside one box is counted in that box instead
  of drawn. Given ``params=``, only the parameters are: the other leaves are the inputs,
  and stay in sight. More than four leaves that only boxes use (the numbers an attention
  head reads, at every position) are gathered in one box of ``inputs``.
- What *enters* a box is the values from outside that its values use; what *leaves* it,
  its values used outside it (by another box or by a value drawn on its own) and the
  outputs it holds. One arrow joins two boxes however many values pass between them, and
  says how many.
- A part can be drawn open (``opened``): its values on their own, and the leaves only they
  use (a layer's weights) in one box of its own, ``"layers.1: parameters"``.

The first half of this module decides what goes into which box and what each box says
(``parts``, ``box_lines``); the second half draws it, after ``checked_parts`` has made sure
that the picture is small enough to lay out (``tinygrad_edu.viz.layout``).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from tinygrad_edu.formatting import fmt, shape_text, short
from tinygrad_edu.scopes import scope_of
from tinygrad_edu.viz.labels import (
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
from tinygrad_edu.viz.layout import (
    MAX_LAYOUT,
    MAX_NODES,
    GraphTooLarge,
    _kind,
    layout_budget,
    layout_cost,
)
from tinygrad_edu.viz.rendering import Drawing
from tinygrad_edu.viz.stepping import Step, forward_numbers, is_array_node, node_names

__all__ = ["INPUTS", "MANY_INPUTS", "PART_STYLE", "Box", "Parts", "box_lines", "check_depth",
           "checked_parts", "parts", "spread"]


@dataclass(eq=False)
class Box:
    """One part of the graph, drawn as one box: the values made in the scope ``path`` (and
    its inner scopes), the leaves used only by them, what enters and what leaves it."""

    path: str  # "blocks.0/attn"; "inputs" for the box of the inputs (``INPUTS``)
    values: list[Any] = field(default_factory=list)  # made in it, in walk order
    leaves: list[Any] = field(default_factory=list)  # used only by its values: drawn in it
    inputs: list[Any] = field(default_factory=list)  # values from outside that it uses
    outputs: list[Any] = field(default_factory=list)  # its values used outside it
    kind: str = "part"  # "part"; or a box of leaves: "inputs", "parameters" (an open part's)

    def __repr__(self) -> str:
        return f"<Box {self.path}: {len(self.values)} values>"


@dataclass
class Parts:
    """A graph as ``draw_dot(root, depth=k)`` draws it. ``arrows`` maps (tail, head) to the
    values that pass along that arrow, each once; a tail or head is a ``Box`` or a node drawn
    on its own (an arrow into a node goes into its op)."""

    boxes: list[Box]  # in the order their first value comes in walk order
    box_of: dict[Any, Box]  # every node drawn inside a box: its box
    alone: list[Any]  # the nodes drawn on their own, in walk order
    arrows: dict[tuple[Any, Any], list[Any]]


INPUTS = "inputs"
"""The name of the box that holds the leaves only boxes use, when there are more than
``MANY_INPUTS`` of them (the 16 numbers a head reads, at each position)."""
MANY_INPUTS = 4
"""Up to this many leaves that only boxes use are drawn on their own (an MLP's x1, x2)."""


def check_depth(depth: Any, who: str = "draw_dot") -> None:
    """``depth`` is None or an int of at least 1, else a ValueError that says what it means."""
    if depth is None or (isinstance(depth, int) and not isinstance(depth, bool) and depth >= 1):
        return
    raise ValueError(f"{who}: depth={depth!r}; depth is how many parts of a scope's path name "
                     "a box: 1 for the parts of the model (blocks.0, embed), 2 for their parts "
                     "(blocks.0/attn), ...; None (the default) draws every value")


def parts(roots: list[Any], order: list[Any], depth: int, params: Iterable[Any] | None = None,
          opened: Collection[str] = ()) -> Parts:
    """The boxes of the graph ``order`` (``walk(*roots)``) at ``depth``; ``params``, if given,
    the only leaves that may be drawn inside a box; ``opened``, the parts (their paths at
    this depth) drawn open."""
    outputs = set(roots)
    boxes: dict[str, Box] = {}
    box_of: dict[Any, Box] = {}
    open_part: dict[Any, str] = {}  # the values of an open part: its path
    for node in order:
        path = scope_of(node)
        if path and node.parents:
            name = "/".join(path.split("/")[:depth])
            if name in opened:
                open_part[node] = name
                continue
            box = boxes.get(name)
            if box is None:
                box = boxes[name] = Box(name)
            box.values.append(node)
            box_of[node] = box
    allowed = None if params is None else set(params)
    if opened:
        _gather_open_leaves(order, outputs, open_part, allowed, boxes, box_of)
    # A leaf goes into the box of its users if they are all in one box.
    home: dict[Any, Box | None] = {}
    for node in order:
        user = box_of.get(node)
        for parent in node.parents:
            if not parent.parents and parent not in outputs:
                if parent not in home:
                    home[parent] = user
                elif home[parent] is not user:
                    home[parent] = None
    for node in order:  # in walk order, so each box lists its leaves in that order
        box = home.get(node)
        if box is not None and node not in box_of and (allowed is None or node in allowed):
            box.leaves.append(node)
            box_of[node] = box
    # Many leaves that only boxes use (a layer's inputs, read by several parts): one box.
    feeding = {node: True for node in order if not node.parents and node not in box_of
               and node not in outputs}
    for node in order:
        if node not in box_of:
            for parent in node.parents:
                feeding[parent] = False  # used by a value drawn on its own: drawn too
    inputs = [node for node, only_boxes in feeding.items() if only_boxes and node in home]
    if len(inputs) > MANY_INPUTS:
        box = Box(INPUTS, leaves=inputs, kind="inputs")
        boxes = {"": box, **boxes}  # (no scope's path is empty)
        for node in inputs:
            box_of[node] = box
    arrows: dict[tuple[Any, Any], list[Any]] = {}
    carried: dict[tuple[Any, Any], set[Any]] = {}
    for node in order:
        head = box_of.get(node, node)
        for parent in node.parents:
            tail = box_of.get(parent, parent)
            if tail is head:
                continue  # inside one box
            key = (tail, head)
            seen = carried.setdefault(key, set())
            if parent not in seen:
                seen.add(parent)
                arrows.setdefault(key, []).append(parent)
    for (tail, head), values in arrows.items():
        if isinstance(head, Box):
            head.inputs += values
        if isinstance(tail, Box):
            tail.outputs += values
    for root in roots:  # an output leaves its box too: the box says its data and gradient
        if root in box_of:
            box_of[root].outputs.append(root)
    if boxes:  # each once, in walk order, whatever order the arrows came in
        position = {node: i for i, node in enumerate(order)}
        for box in boxes.values():
            box.inputs = sorted(set(box.inputs), key=position.__getitem__)
            box.outputs = sorted(set(box.outputs), key=position.__getitem__)
    alone = [node for node in order if node not in box_of]
    return Parts(list(boxes.values()), box_of, alone, arrows)


def _gather_open_leaves(order: list[Any], outputs: set[Any], open_part: dict[Any, str],
                        allowed: set[Any] | None, boxes: dict[str, Box],
                        box_of: dict[Any, Box]) -> None:
    """The leaves that only the values of one open part use (and that may go in a box):
    one box of them for the part, ``"layers.1: parameters"``, added to ``boxes``."""
    users: dict[Any, set[str | None]] = {}
    for node in order:
        for parent in node.parents:
            if not parent.parents and parent not in outputs:
                users.setdefault(parent, set()).add(open_part.get(node))
    for node in order:
        found = users.get(node)
        if found is None or len(found) != 1 or None in found or (
                allowed is not None and node not in allowed):
            continue
        (part,) = found
        name = f"{part}: parameters" if allowed is not None else f"{part}: leaves"
        box = boxes.get(name)
        if box is None:
            box = boxes[name] = Box(name, kind="parameters")
        box.leaves.append(node)
        box_of[node] = box


# ----------------------------------------------------------------------------- what a box says


def box_lines(box: Box, grads: dict[Any, Any] | None = None, show_grad: bool = True,
              leaves: str = "leaves", numbers: dict[Any, Any] | None = None
              ) -> list[tuple[str, list[str]]]:
    """What a box says, as (heading, lines) sections: its name; how many values it holds
    (and leaves, called ``leaves``: ``"parameters"`` when the drawing was given them) and
    its most common ops; then, for what enters and what leaves it, how many and the spread
    of their data and gradients (``grads``: the gradients to show instead of the nodes'
    own, as ``draw_dot``'s frames give them; ``numbers``: the data to show, as the forward
    pass had them, ``stepping.forward_numbers``)."""
    tensors = is_array_node((box.values or box.leaves)[0])
    kind = "tensors" if tensors else "values"
    held = [_count(len(box.values), kind[:-1])] if box.values else []
    if box.leaves:
        held.append(f"{len(box.leaves):,} {leaves if len(box.leaves) > 1 else leaves[:-1]}")
    ops = Counter(node.op for node in box.values).most_common()
    said = " · ".join(f"{op} ×{n:,}" for op, n in ops[:3]) + (" · …" if len(ops) > 3 else "")
    sections = [(box.path, [" · ".join(held), *([said] if said else [])])]
    for heading, nodes in (("in", box.inputs), ("out", box.outputs)):
        if not nodes:
            continue
        lines = [_count(len(nodes), kind[:-1]) if not tensors else _tensors(nodes),
                 "data " + spread([node._data if numbers is None else numbers[node]
                                   for node in nodes])]
        if show_grad:
            lines.append("grad " + spread([node.grad if grads is None else
                                           grads.get(node, node.EMPTY_GRAD) for node in nodes]))
        sections.append((heading, lines))
    return sections


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}{'s' if n != 1 else ''}"


def _tensors(nodes: list[Any]) -> str:
    """``'2 tensors: 4×16, 4×16'``: how many, and their shapes (the first three)."""
    shapes = [shape_text(node.shape) for node in nodes[:3]]
    more = ", …" if len(nodes) > 3 else ""
    return f"{_count(len(nodes), 'tensor')}: {', '.join(shapes)}{more}"


def spread(numbers: list[Any], digits: int = 3) -> str:
    """A few numbers or arrays in one short line: up to three numbers as they are
    (``0.5, -1.2, 0.3``), more as their smallest, mean and largest (``min -0.31 · mean 0.012
    · max 0.29``), the entries of arrays counted one by one; ``all 0.0`` when they are all
    the same; NaNs counted apart (``· 2 NaN``); ``None`` where no gradient was computed."""
    numbers = [x._data if hasattr(x, "parents") else x for x in numbers]  # create_graph grads
    numbers = [x for x in numbers if x is not None]
    if not numbers:
        return "None"
    if sum(getattr(x, "size", 1) for x in numbers) > 3 and any(hasattr(x, "shape")
                                                               for x in numbers):
        return _array_spread(numbers, digits)
    values = [float(v) for x in numbers for v in (x.flat if hasattr(x, "flat") else (x,))]
    nans = sum(1 for v in values if v != v)
    if nans == 0 and len(values) <= 3:
        return ", ".join(short(v, digits) for v in values)
    finite = [v for v in values if v == v]
    return _said(min(finite, default=0.0), max(finite, default=0.0),
                 sum(finite) / max(len(finite), 1), len(finite), nans, digits)


def _array_spread(arrays: list[Any], digits: int) -> str:
    """``spread`` of arrays, through their own methods (no copy into a list of floats)."""
    count = nans = 0
    total, lo, hi = 0.0, float("inf"), float("-inf")
    for a in arrays:
        known = a[a == a]  # without its NaNs (a 0-d array becomes a 1-d one)
        nans += a.size - known.size
        if known.size:
            count += known.size
            total += float(known.sum())
            lo, hi = min(lo, float(known.min())), max(hi, float(known.max()))
    return _said(lo, hi, total / max(count, 1), count, nans, digits)


def _said(lo: float, hi: float, mean: float, count: int, nans: int, digits: int) -> str:
    """``min · mean · max`` of ``count`` numbers (``all x`` if they are all equal), and how
    many NaNs there were besides."""
    if not count:
        return f"{nans} NaN"
    text = (f"all {short(lo, digits)}" if lo == hi else
            f"min {short(lo, digits)} · mean {short(mean, digits)} · max {short(hi, digits)}")
    return text + (f" · {nans} NaN" if nans else "")


# ----------------------------------------------------------------------------- drawing the parts

PART_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ede9fe",
              "color": "#6d28d9", "penwidth": "1.5", "margin": "0.12,0.06"}
"""A part of the graph drawn as one box (``draw_dot(root, depth=k)``): violet, rounded."""
INPUTS_STYLE = dict(PART_STYLE, fillcolor=STYLE["input"]["fillcolor"], color="#2563eb")
"""The box of many leaves that only boxes use (``INPUTS``): blue, as inputs are."""
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
    (``tinygrad_edu.viz.by_parts``)."""
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
    small, bold = float(SMALL_FONT), [title, *(f"{h}  {w}" for h, (w, *_) in flows)]
    width = max([drawn_width(line, 14.0, bold=True) for line in bold] +
                [drawn_width(line, small) for line in ops] +
                [drawn_width(line, 14.0) for line in
                 [count, *(n for _, (_, *numbers) in flows for n in numbers)]])
    rows[0] = rows[0].replace("<td ", f'<td width="{width:.0f}" ', 1)  # (its column's)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">' \
           f'{"".join(rows)}</table>>'


_EM = {**dict.fromkeys(" .,:;·'|!", 0.32), **dict.fromkeys("ijlI", 0.28),
       **dict.fromkeys("ftr()[]{}-", 0.41), **dict.fromkeys("mwMW%@", 0.98),
       **dict.fromkeys("=+×<>~", 0.84)}
"""Widths in ems of DejaVu Sans, a Linux's sans-serif where there is no Helvetica and among
the widest: other characters 0.64 (its digits 0.636), bold a tenth more."""


def drawn_width(line: str, size: float, bold: bool = False) -> float:
    """How wide ``line`` may be drawn at ``size`` points, at most (``_EM``). Graphviz lays a
    box out by Helvetica's widths, where a browser without Helvetica draws its sans-serif,
    wider: "max 0.185" showed as "max 0.18", cut at the box's edge. A
    part's box is made that wide at least, the text where it always was."""
    return sum(_EM.get(c, 0.64) for c in line) * size * (1.1 if bold else 1.0)


def checked_parts(roots: list[Any], order: list[Any], depth: int, params: Any, max_nodes: int,
                  opened: Collection[str] = ()) -> Parts:
    """The parts of the graph ``order`` at ``depth`` (``parts``; with ``params``, only
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
