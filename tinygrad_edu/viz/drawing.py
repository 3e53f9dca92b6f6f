"""Draw a graph of Values or Tensors with Graphviz.

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.viz import draw_dot
>>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
>>> f = (x + y) * (x - y)
>>> f.backward()
>>> drawing = draw_dot(f)       # a graphviz.Digraph: a notebook shows it as a picture

Every value is a box ``name | data | grad``; every operation is a small circle between its
operands and its result, with one arrow per operand use (``a * a`` has two). Colours:
inputs blue, parameters (``params=``) amber, operations grey, the output green. A tensor's
box says its shape (``W1 3×5``) and shows its numbers when it has a dozen or fewer,
otherwise their smallest, mean and largest entry, so that arrays of any size draw small and
fast; the arrows carry the shapes (``tinygrad_edu.viz.labels``). Where an arrow would be long
(a value used at every step of a loop) and make the layout slow, it starts at a dashed copy
of the value's name beside its use instead (``tinygrad_edu.viz.layout``).

A big graph draws by its parts: ``draw_dot(root, depth=1)`` draws the values of each
named scope (``named_scope``; the layers of ``tinygrad_edu.nn`` open theirs) as one box
that says what enters and leaves it (``tinygrad_edu.viz.by_parts``). The backward pass is
drawn frame by frame by ``tinygrad_edu.viz.step_frames``.

Pictures are made by Graphviz's ``dot``, else by ``graphviz-pure``; with neither, a notebook
shows the DOT text and says what to install (``tinygrad_edu.viz.rendering``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from tinygrad_edu.formatting import fmt, shape_text
from tinygrad_edu.graph import walk
from tinygrad_edu.viz.by_parts import _draw_parts, check_depth
from tinygrad_edu.viz.by_parts import checked_parts as checked_parts
from tinygrad_edu.viz.labels import (
    _NO_GRAD,
    COPY_STYLE,
    HOT,
    PATH,
    SMALL_FONT,
    STYLE,
    WARM,
    Lit,
    _escape_plain,
    _kind_of,
    _value_and_op,
    parameter_names,
)
from tinygrad_edu.viz.labels import OP_STYLE as OP_STYLE
from tinygrad_edu.viz.layout import MAX_LAYOUT as MAX_LAYOUT
from tinygrad_edu.viz.layout import MAX_NODES, GraphTooLarge, checked_layout, layout_cost
from tinygrad_edu.viz.layout import STRETCH as STRETCH
from tinygrad_edu.viz.layout import layout_budget as layout_budget
from tinygrad_edu.viz.rendering import Drawing, RenderError, find_renderer, use_renderer
from tinygrad_edu.viz.stepping import (
    Step,
    forward_numbers,
    is_array_node,
    node_names,
    text_graph,
)

# checked_parts, OP_STYLE, MAX_LAYOUT, STRETCH and layout_budget, imported "as" themselves,
# were defined here before the drawing was split into rendering, labels, layout, by_parts
# and frames: they can still be imported from here.

__all__ = [
    "Drawing",
    "GraphTooLarge",
    "RenderError",
    "draw_dot",
    "find_renderer",
    "layout_cost",
    "parameter_names",
    "text_graph",
    "use_renderer",
]


def draw_dot(
    root: Any,
    rankdir: str | None = None,
    show_grad: bool = True,
    highlight: Step | Any = None,
    params: Iterable[Any] | dict[str, Any] | None = None,
    max_nodes: int = MAX_NODES,
    matrices: bool = True,
    depth: int | None = None,
    opened: Collection[str] = (),
) -> Drawing:
    """The graph that computed ``root`` (a Value or a Tensor, or a list of them: the graph
    of several outputs, each drawn as an output), as a ``graphviz.Digraph`` (a notebook
    shows it).

    ``rankdir`` ``"LR"`` draws left to right (the default for Values), ``"TB"`` top to
    bottom (the default for Tensors, whose boxes are wide). ``params`` are the
    values to colour as parameters: ``model.parameters()``, or
    ``dict(model.named_parameters())`` to draw them with those names; other leaves are
    inputs. ``highlight`` marks one backward step (from ``root.backward_steps()``): the node
    in red, the amount each parent receives on its arrow. Nodes are named as in
    ``text_graph``.

    Graphs with more than ``max_nodes`` nodes raise ``GraphTooLarge``: a picture of
    thousands of boxes takes long and shows nothing. Draw a smaller piece, such as one
    neuron's output, or raise ``max_nodes`` if you really want it. A value used far from
    where it is computed (one weight matrix at every step of a recurrent net) would need
    long arrows, which Graphviz lays out slowly: past ``MAX_LAYOUT`` (see ``layout_cost``)
    such an arrow starts at a dashed copy of the value's name beside its use instead.
    A tensor with a dozen entries or fewer shows them as a matrix, one row per line
    (``matrices=False``: on one line, and only up to four, with fewer digits); a larger one
    shows its smallest, mean and largest entry.

    ``depth=k`` draws a big graph by its parts: the values made in each named scope
    (``named_scope``; the layers of ``tinygrad_edu.nn`` open their own) as one box per
    scope path cut to its first ``k`` parts (``blocks.0`` at depth 1, ``blocks.0/attn``
    at 2), with how many values it holds and the data and gradients of what enters and
    leaves it; values outside every scope are drawn as without it (``tinygrad_edu.viz.by_parts``).
    ``opened`` names parts drawn open (``opened=["layers.1"]``): their values on their own,
    the parameters only they use in one box. ``depth=None`` draws every value.
    """
    return _draw(root, rankdir=rankdir, show_grad=show_grad, highlight=highlight,
                 params=params, max_nodes=max_nodes, matrices=matrices, depth=depth,
                 opened=opened)


def _draw(root: Any, *, rankdir: str | None = None, show_grad: bool = True,
          highlight: Step | Any = None, params: Any = None, max_nodes: int = MAX_NODES,
          matrices: bool = True, flows: dict[tuple[Any, Any], str] | None = None,
          grads: dict[Any, Any] | None = None, depth: int | None = None,
          lit: Lit | None = None, opened: Collection[str] = ()) -> Drawing:
    """``draw_dot``; with ``flows`` every arrow into an op is labelled with the text given
    for its (parent, node) (the replay page's amounts); with ``grads`` the boxes show those
    gradients (the node's empty one where it has none) instead of the nodes' own; with
    ``lit``, those values and arrows in ``PATH``'s colour (``graph_paths``)."""
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    order = walk(*roots)
    check_depth(depth)
    if depth is not None and lit is not None:
        raise ValueError("draw_dot: paths are drawn value by value; leave depth out")
    if opened and depth is None:
        raise ValueError("draw_dot: opened names parts to draw open; it needs depth=, the "
                         "parts' depth (depth=1 for a model's layers)")
    if depth is not None:
        return _draw_parts(roots, order, depth, rankdir=rankdir, show_grad=show_grad,
                           highlight=highlight, params=params, max_nodes=max_nodes,
                           matrices=matrices, grads=grads, opened=opened)
    step = highlight if isinstance(highlight, Step) else None
    # the labels a tensor graph can do without
    shapes_only = flows is None and step is None and lit is None
    layout = checked_layout(roots, order, max_nodes, labelled=not shapes_only)
    named = parameter_names(params)
    if rankdir is None:
        rankdir = "TB" if is_array_node(roots[0]) else "LR"
    names = node_names(*roots)
    numbers = forward_numbers(order)  # as the forward pass had them, also after a step
    for node, name in named.items():
        if name and node in names:
            names[node] = name
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    marked = highlight.node if isinstance(highlight, Step) else highlight
    if marked is not None and marked not in ids:
        raise ValueError(f"draw_dot: the value to highlight ({marked!r}) is not in this graph")
    received = {u.parent for u in step.updates} if step else set()

    dot = Drawing(format="svg", graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                  node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica"},
                  edge_attr={"fontname": "Helvetica", "fontsize": SMALL_FONT})
    if step is not None:
        dot.step = step
        upstream = (f"upstream {shape_text(step.upstream.shape)}" if is_array_node(step.node)
                    else f"upstream {fmt(step.upstream)}")
        dot.attr("graph", label=_escape_plain(f"step {step.index}: {step.name} = "
                                              f"{step.formula}, {upstream}"), labelloc="t")
    braces = rankdir in ("LR", "RL")  # a value's record lies across the direction of flow
    kinds = {}
    for node in order:
        grad = node.grad if grads is None else grads.get(node, node.EMPTY_GRAD)
        kind = kinds[node] = _kind_of(node, roots, named)
        op_id = _value_and_op(dot, node, ids[node], names[node], numbers[node],
                              grad if show_grad else _NO_GRAD,
                              kind, matrices, braces, node is marked, node in received,
                              on_path=lit is not None and node in lit.nodes,
                              op_on_path=lit is not None and node in lit.nodes
                              and node is not lit.start)
        if op_id is None:
            continue
        for i, parent in enumerate(node.parents):
            tail = ids[parent]
            if (node, i) in layout.copies:  # a long arrow: from a copy of the parent's name
                tail = f"{ids[parent]}at{ids[node]}"
                dot.node(tail, _escape_plain(names[parent]), **COPY_STYLE,
                         **STYLE[kinds[parent]], **({"color": WARM} if parent in received
                                                    else {}))
            attrs = ({"label": shape_text(parent.shape), "fontcolor": "#6b7280"}
                     if is_array_node(parent) and layout.shapes else {})
            if step is not None and node is marked:
                amount = (f"d{step.updates[i].name}" if is_array_node(node) else
                          fmt(step.updates[i].contribution))
                attrs = dict(label=_escape_plain(f"+= {amount}"), color=HOT, fontcolor=HOT,
                             penwidth="2", dir="back")
            elif flows is not None:
                attrs = dict(label=_escape_plain(f"+= {flows[parent, node]}"), fontcolor=HOT)
            if lit is not None and (node, i) in lit.edges:
                attrs = dict(label=_escape_plain(lit.edges[node, i]), color=PATH,
                             fontcolor=PATH, penwidth="2.5")
            dot.edge(tail, op_id, **attrs)
    return dot
