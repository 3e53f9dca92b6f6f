"""A big graph by its parts: the values of each named scope drawn as one box.

A GPT's loss is thousands of values, but a learner knows its parts: an embedding, a block
with its attention and its MLP, the loss. The values each part makes carry its scope
(``tinygrad_edu.scopes``), and ``draw_dot(root, depth=k)`` draws every part as one box,
as torchview's ``depth`` draws a module:

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

This module decides what goes where and what each box says; ``by_parts.py`` draws it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from tinygrad_edu.formatting import shape_text, short
from tinygrad_edu.scopes import scope_of
from tinygrad_edu.stepping import is_array_node

__all__ = ["INPUTS", "MANY_INPUTS", "Box", "Parts", "box_lines", "check_depth", "parts",
           "spread"]


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
