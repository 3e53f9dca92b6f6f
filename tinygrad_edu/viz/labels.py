"""How a drawing shows one value and its op: their colours, and what each box and circle says.

A value is a box ``name | data | grad``, coloured by what it is (``STYLE``: an input, a
parameter, a computed value, the output; ``HOT`` and ``WARM`` for a highlighted step); a
tensor's box says its shape and its numbers, or their summary. An op is a circle with its
name (``SYMBOLS``) and its constant operands where they stood. ``parameter_names`` turns
``params=`` into the names the parameters are drawn with. ``draw_dot`` draws every value
this way, a drawing by parts the values outside every box.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from tinygrad_edu.arrays import is_node
from tinygrad_edu.formatting import MAX_SHOWN, fmt, matrix_rows, shape_text, summary
from tinygrad_edu.viz.rendering import Drawing
from tinygrad_edu.viz.stepping import is_array_node

__all__ = ["HOT", "PATH", "SYMBOLS", "WARM", "parameter_names"]

STYLE = {
    "input": {"fillcolor": "#dbeafe"},
    "param": {"fillcolor": "#fde68a"},
    "value": {"fillcolor": "white"},
    "output": {"fillcolor": "#bbf7d0", "penwidth": "2"},
}
# The smallest text of a drawing, in points (4/3 px at full size): an op's name and an
# arrow's label. Large enough that a drawing scaled to two thirds of its size stays legible.
SMALL_FONT = "12"
OP_STYLE = {"style": "filled", "fillcolor": "#e5e7eb", "fontsize": SMALL_FONT,
            "margin": "0.02", "width": "0.3"}
COPY_STYLE = {"shape": "box", "style": "filled,dashed", "fontsize": "10", "margin": "0.04",
              "height": "0.2"}
"""A copy of a value's name beside a far use of it, where a long arrow would be slow to lay
out: its colours are the value's."""
HOT = "#dc2626"
"""Red: the node of the highlighted backward step, and the gradient it passes on."""
WARM = "#ea580c"
"""Orange: the parents that receive the highlighted step's gradient."""
PATH = "#0d9488"
"""Teal: the paths from a value up to the output (``tinygrad_edu.viz.paths``)."""


class Lit(NamedTuple):
    """Values and arrows drawn in ``PATH``'s colour: the values, the arrows into an op by
    (node, operand index), each with its label (a path's local derivative), and ``start``,
    the value the paths start from, whose own op is not on them."""

    nodes: set[Any]
    edges: dict[tuple[Any, int], str]
    start: Any = None


def _escape(text: str) -> str:
    """Make text safe inside a Graphviz record label."""
    for c in "\\{}|<>":
        text = text.replace(c, "\\" + c)
    return text


def _escape_plain(text: str) -> str:
    """Make text safe inside a plain Graphviz label (a title, an arrow's label)."""
    return text.replace("\\", "\\\\")


SYMBOLS = {"vsum": "Σ", "sum": "Σ", "mean": "mean", "transpose": "ᵀ"}
"""How an op is labelled in a drawing, where not by its name."""


def _op_label(node: Any) -> str:
    """The op, with its constant operands where they stood: ``*``, ``* 2.0``, ``2.0 -``,
    ``leaky_relu`` with its alpha below, ``dot`` with its constant inputs, ``@`` with the
    shape of a constant matrix."""
    op = node._row
    name = SYMBOLS.get(op.name, op.name)
    if is_array_node(node):
        import numpy as np

        constants = [c for c in op.operands(node) if not is_node(c)]
        if not constants or op.name == "where":
            return name
        shown = [f"const {shape_text(np.shape(c))}" if np.ndim(c) else fmt(c) for c in constants]
        operands = op.operands(node)
        if len(operands) == 2 and not np.ndim(constants[0]):
            return f"{shown[0]} {name}" if not is_node(operands[0]) else f"{name} {shown[0]}"
        return f"{name}\\n{', '.join(shown)}"
    operands = node._operands
    constants = [fmt(c) for c in operands if not is_node(c)]
    if not constants:
        return name
    if op.arity is None:  # a list op's constant operands
        return f"{name}\\n· ({', '.join(constants[:4])}{', …' if len(constants) > 4 else ''})"
    if op.param is not None:
        return f"{name}\\n{constants[0]}"  # an op parameter such as leaky_relu's alpha
    return f"{constants[0]} {name}" if not is_node(operands[0]) else f"{name} {constants[0]}"


_NO_GRAD = object()  # a box without its gradient (draw_dot(show_grad=False))


def _fields(node: Any, name: str, data: Any, grad: Any, matrices: bool) -> list[str]:
    """What a node's box shows, escaped for a record label: ``name | data 3.0 | grad 6.0``;
    for a tensor its shape after the name, and its numbers one row per line when it has a
    dozen or fewer (with ``matrices``), else on one line or as their summary."""
    if not is_array_node(node):
        fields = [name, f"data {fmt(data)}"]
        if grad is not _NO_GRAD:
            fields.append(f"grad {fmt(grad)}")
        return [_escape(f) for f in fields]
    fields = [_escape(f"{name} {shape_text(data.shape)}"), _numbers("data", data, matrices)]
    if grad is not _NO_GRAD:
        fields.append(_escape("grad None") if grad is None else
                      _numbers("grad", grad, matrices))
    return fields


def _numbers(what: str, x: Any, matrices: bool) -> str:
    import numpy as np

    a = np.asarray(x._data if is_node(x) else x)
    if not matrices:  # one short line, which a replay page can change
        return _escape(f"{what} {summary(a, 4, 3)}")
    if a.ndim < 2 or a.shape[0] == 1 or a.size > MAX_SHOWN:
        return _escape(f"{what} {summary(a)}")
    lines = [what] + [" ".join(row) for row in matrix_rows(a)]
    return "".join(_escape(line) + "\\l" for line in lines)


def parameter_names(params: Any) -> dict[Any, str]:
    """``draw_dot``'s ``params``: a dict of names to nodes (``dict(model.named_parameters())``,
    torchviz's idiom), a model (the same), or nodes (``model.parameters()``, drawn with
    their labels, which a model sets to those names), as {node: name or ""}."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):  # a model: its parameters by their names
        params = dict(params.named_parameters())
    if isinstance(params, dict):
        items = list(params.items())
        named = {node: str(name) for name, node in items}
        nodes = [node for _, node in items]
    else:
        if is_node(params) or isinstance(params, (str, bytes)) or \
                not isinstance(params, Iterable):
            raise TypeError(f"params must be several values: a list such as model.parameters(), "
                            f"a model, or a dict of names such as "
                            f"dict(model.named_parameters()); got {type(params).__name__} "
                            f"{params!r:.80}")
        nodes = list(params)
        named = {node: "" for node in nodes if is_node(node)}
    for node in nodes:
        if not is_node(node):
            raise TypeError(f"params holds {type(node).__name__} {node!r}, not a Value or a "
                            "Tensor; pass model.parameters() or dict(model.named_parameters())")
    return named


def _kind_of(node: Any, roots: list[Any], named: dict[Any, str]) -> str:
    """How a value is coloured: ``"output"``, ``"param"``, ``"value"`` or ``"input"``."""
    return ("output" if any(node is r for r in roots) else "param" if node in named else
            "value" if node.parents else "input")


def _value_and_op(dot: Drawing, node: Any, node_id: str, name: str, data: Any, grad: Any,
                  kind: str, matrices: bool, braces: bool, marked: bool, received: bool,
                  on_path: bool = False, op_on_path: bool = False) -> str | None:
    """Draw a value's box (its numbers ``data``, as the forward pass had them) and, if it was
    computed, the circle of its op with the arrow from it to the value; return the op's id
    (None for a leaf), where the operands' arrows go. ``on_path``: the box in ``PATH``'s
    colour, ``op_on_path``: its op and the arrow into the box too."""
    label = " | ".join(_fields(node, name, data, grad, matrices))
    attrs = dict(STYLE[kind])
    if marked:
        attrs.update(color=HOT, penwidth="3")
    elif received:
        attrs.update(color=WARM, penwidth="2")
    elif on_path:
        attrs.update(color=PATH, penwidth="3")
    flip = braces != is_array_node(node)  # a tensor's box stacks its fields
    dot.node(node_id, f"{{ {label} }}" if flip else label, **attrs)
    if not node.parents:
        return None
    op_id = node_id + "op"
    op_label = _op_label(node)
    op_attrs = dict(OP_STYLE, shape="circle" if len(op_label) <= 3 else "ellipse")
    if marked or op_on_path:
        op_attrs.update(color=HOT if marked else PATH, penwidth="2")
    dot.node(op_id, op_label, **op_attrs)
    dot.edge(op_id, node_id, **({"color": HOT if marked else PATH, "penwidth": "2"}
                                if marked or op_on_path else {}))
    return op_id
