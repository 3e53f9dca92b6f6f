"""Draw a graph of Values or Tensors with Graphviz, and the backward pass frame by frame.

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
fast; the arrows carry the shapes. Where an arrow would be long (a value used at every step
of a loop) and make the layout slow, it starts at a dashed copy of the value's name beside
its use instead (``layout_cost``).

A big graph draws by its parts: ``draw_dot(root, depth=1)`` draws the values of each
named scope (``named_scope``; the layers of ``tinygrad_edu.nn`` open theirs) as one box
that says what enters and leaves it (``tinygrad_edu.boxes``).

Pictures are made by Graphviz's ``dot``. Without it, the pip-installable ``graphviz-pure``
(``pip install graphviz-pure``; the ``render`` extra) is used instead; with neither, a
notebook shows the DOT text and says what to install, and ``render()``/``pipe()`` raise
``RenderError``. Where no program can run (Python in a web page), ``use_renderer`` gives a
function that does it: the docs site's playground passes Graphviz compiled to WebAssembly.
"""

from __future__ import annotations

import html
import inspect
import operator
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import graphviz

from tinygrad_edu.boxes import Box, Parts, box_lines, check_depth, parts
from tinygrad_edu.graph import is_node, walk
from tinygrad_edu.scopes import scope_of
from tinygrad_edu.stepping import (
    MAX_SHOWN,
    Step,
    backward_steps,
    fmt,
    forward_numbers,
    is_array_node,
    matrix_rows,
    node_names,
    shape_text,
    summary,
    text_graph,
)

__all__ = [
    "Drawing",
    "Frames",
    "GraphTooLarge",
    "RenderError",
    "draw_dot",
    "find_renderer",
    "frames",
    "gradients_kept",
    "layout_cost",
    "parameter_names",
    "step_slider",
    "text_graph",
    "use_renderer",
]

INSTALL_HINT = "sudo apt-get install graphviz, or pip install graphviz-pure"
"""What to install to render pictures, as error messages and notebooks say it."""
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

# Where pip puts graphviz-pure; a notebook kernel's PATH often lacks its environment's bin.
_SCRIPT_DIRS = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]


class RenderError(graphviz.ExecutableNotFound):
    """No program to turn DOT text into a picture is installed."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


class GraphTooLarge(ValueError):
    """The graph has more values than ``max_nodes``: draw a smaller piece of it."""


_render: Callable[[str, str, str], bytes | str] | None = None  # see use_renderer


def use_renderer(render: Callable[[str, str, str], bytes | str] | None) -> None:
    """Draw every picture with ``render(dot_source, format, engine)``, which returns the
    picture (bytes, or text for SVG), instead of running ``dot`` or ``graphviz-pure``: for
    Python where no program can run, such as Pyodide in a web page (the docs site's
    playground renders with Graphviz compiled to WebAssembly). ``None`` goes back to the
    programs."""
    global _render
    _render = render


def find_renderer() -> str | None:
    """``'dot'`` if Graphviz is installed, else the path of ``graphviz-pure``, else None."""
    if shutil.which("dot"):
        return "dot"
    for path in (None, *_SCRIPT_DIRS):
        found = shutil.which("graphviz-pure", path=path)
        if found:
            return found
    return None


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that draws itself with ``dot`` or, failing that, with
    ``graphviz-pure``. Displaying it in a notebook never raises: with no renderer it shows the
    DOT text and what to install. ``step`` is the backward step it highlights, if any."""

    step: Step | None = None

    def __repr__(self) -> str:
        # Without this, a notebook's text/plain output holds a memory address that changes on
        # every run, so committed notebooks would differ after each execution.
        return f"<{type(self).__name__}: {len(self.body)} DOT statements>"

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None) -> Any:
        tool = find_renderer()
        if tool == "dot" and _render is None:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        out = self._pipe_pure(tool, format or self.format, engine or self.engine)
        return out.decode(encoding) if encoding else out

    def render(self, filename: Any = None, directory: Any = None, view: bool = False,
               cleanup: bool = False, format: str | None = None, renderer: str | None = None,
               formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False,
               quiet_view: bool = False, *, outfile: Any = None, engine: str | None = None,
               raise_if_result_exists: bool = False, overwrite_source: bool = False) -> str:
        tool = find_renderer()
        if tool == "dot" and _render is None:
            return super().render(
                filename, directory=directory, view=view, cleanup=cleanup, format=format,
                renderer=renderer, formatter=formatter, neato_no_op=neato_no_op, quiet=quiet,
                quiet_view=quiet_view, outfile=outfile, engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source)
        if outfile is not None:
            outfile = Path(outfile)
            format = format or outfile.suffix.lstrip(".") or None
            if directory is None:
                outfile = Path(self.directory, outfile)
        format = format or self.format
        picture = self._pipe_pure(tool, format, engine or self.engine)  # fails before saving
        if outfile is not None and filename is None:
            filename = outfile.with_suffix(".gv")  # beside it, as graphviz does
        source = self.save(filename, directory=directory)
        target = Path(outfile if outfile is not None else f"{source}.{format}")
        if raise_if_result_exists and target.exists():
            raise FileExistsError(f"output file exists: {os.fspath(target)!r}")
        target.write_bytes(picture)
        if cleanup:
            os.remove(source)
        if view or quiet_view:
            self._view(os.fspath(target), format=format, quiet=quiet_view)
        return os.fspath(target)

    def _pipe_pure(self, tool: str | None, format: str, engine: str) -> bytes:
        if _render is not None:
            picture = _render(self.source, format, engine)
            return picture.encode("utf-8") if isinstance(picture, str) else picture
        if tool is None:
            raise RenderError(
                f"cannot draw the graph as {format}: no Graphviz renderer is installed. "
                f"Install one with: {INSTALL_HINT}. Meanwhile drawing.source is the DOT text, "
                "and tinygrad_edu.text_graph(root) prints the graph as a table.")
        cmd = [tool, f"-T{format}", f"-K{engine}"]
        done = subprocess.run(cmd, input=self.source.encode(self.encoding),
                              capture_output=True, check=False)
        if done.returncode:
            raise graphviz.CalledProcessError(done.returncode, cmd, done.stdout, done.stderr)
        return done.stdout

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None, **_: Any) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude)
        except Exception as error:  # a notebook display must never raise
            return {"text/plain": self._fallback_text(error)}

    def _fallback_text(self, error: Exception) -> str:
        if isinstance(error, RenderError):
            hint = f"(Graphviz is not installed, so here is the DOT text; to see a picture: " \
                   f"{INSTALL_HINT})"
        else:
            hint = f"(drawing failed: {error}; here is the DOT text)"
        return f"{hint}\n{self.source}"

    def _html(self) -> str:
        """The picture as inline SVG, or the DOT text with the hint (for widgets)."""
        try:
            return self.pipe(format="svg", encoding="utf-8")
        except Exception as error:
            return f"<pre>{html.escape(self._fallback_text(error))}</pre>"


# ----------------------------------------------------------------------------- drawing

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


def _escape(text: str) -> str:
    """Make text safe inside a Graphviz record label."""
    for c in "\\{}|<>":
        text = text.replace(c, "\\" + c)
    return text


SYMBOLS = {"vsum": "Σ", "sum": "Σ", "mean": "mean", "transpose": "ᵀ"}
"""How an op is labelled in a drawing, where not by its name."""


def _op_label(node: Any) -> str:
    """The op, with its constant operands where they stood: ``*``, ``* 2.0``, ``2.0 -``,
    ``leaky_relu`` with its alpha below, ``dot`` with its constant inputs, ``@`` with the
    shape of a constant matrix."""
    op = node._fn
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
    const = node._const
    if const is None:
        return name
    if op.arity == 2:
        return f"{fmt(const)} {name}" if op.number_first else f"{name} {fmt(const)}"
    if op.arity == 1:
        return f"{name}\\n{fmt(const)}"  # an op parameter such as leaky_relu's alpha
    numbers = [fmt(c) for c in const if c is not None]  # a list op's constant operands
    return f"{name}\\n· ({', '.join(numbers[:4])}{', …' if len(numbers) > 4 else ''})"


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


def draw_dot(
    root: Any,
    rankdir: str | None = None,
    show_grad: bool = True,
    highlight: Step | Any = None,
    params: Iterable[Any] | dict[str, Any] | None = None,
    max_nodes: int = MAX_NODES,
    matrices: bool = True,
    depth: int | None = None,
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
    leaves it; values outside every scope are drawn as without it (``tinygrad_edu.boxes``).
    ``depth=None`` draws every value.
    """
    return _draw(root, rankdir=rankdir, show_grad=show_grad, highlight=highlight,
                 params=params, max_nodes=max_nodes, matrices=matrices, depth=depth)


def _draw(root: Any, *, rankdir: str | None = None, show_grad: bool = True,
          highlight: Step | Any = None, params: Any = None, max_nodes: int = MAX_NODES,
          matrices: bool = True, flows: dict[tuple[Any, Any], str] | None = None,
          grads: dict[Any, Any] | None = None, depth: int | None = None) -> Drawing:
    """``draw_dot``; with ``flows`` every arrow into an op is labelled with the text given
    for its (parent, node) (the replay page's amounts); with ``grads`` the boxes show those
    gradients (the node's empty one where it has none) instead of the nodes' own."""
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    order = walk(*roots)
    check_depth(depth)
    if depth is not None:
        return _draw_parts(roots, order, depth, rankdir=rankdir, show_grad=show_grad,
                           highlight=highlight, params=params, max_nodes=max_nodes,
                           matrices=matrices, grads=grads)
    step = highlight if isinstance(highlight, Step) else None
    shapes_only = flows is None and step is None  # the labels a tensor graph can do without
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
                              kind, matrices, braces, node is marked, node in received)
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
            dot.edge(tail, op_id, **attrs)
    return dot


def _kind_of(node: Any, roots: list[Any], named: dict[Any, str]) -> str:
    """How a value is coloured: ``"output"``, ``"param"``, ``"value"`` or ``"input"``."""
    return ("output" if any(node is r for r in roots) else "param" if node in named else
            "value" if node.parents else "input")


def _value_and_op(dot: Drawing, node: Any, node_id: str, name: str, data: Any, grad: Any,
                  kind: str, matrices: bool, braces: bool, marked: bool, received: bool
                  ) -> str | None:
    """Draw a value's box (its numbers ``data``, as the forward pass had them) and, if it was
    computed, the circle of its op with the arrow from it to the value; return the op's id
    (None for a leaf), where the operands' arrows go."""
    label = " | ".join(_fields(node, name, data, grad, matrices))
    attrs = dict(STYLE[kind])
    if marked:
        attrs.update(color=HOT, penwidth="3")
    elif received:
        attrs.update(color=WARM, penwidth="2")
    flip = braces != is_array_node(node)  # a tensor's box stacks its fields
    dot.node(node_id, f"{{ {label} }}" if flip else label, **attrs)
    if not node.parents:
        return None
    op_id = node_id + "op"
    op_label = _op_label(node)
    op_attrs = dict(OP_STYLE, shape="circle" if len(op_label) <= 3 else "ellipse")
    if marked:
        op_attrs.update(color=HOT, penwidth="2")
    dot.node(op_id, op_label, **op_attrs)
    dot.edge(op_id, node_id, **({"color": HOT, "penwidth": "2"} if marked else {}))
    return op_id


# ----------------------------------------------------------------------------- by parts
PART_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#ede9fe",
              "color": "#6d28d9", "penwidth": "1.5", "margin": "0.12,0.06"}
"""A part of the graph drawn as one box (``draw_dot(root, depth=k)``): violet, rounded."""
INPUTS_STYLE = dict(PART_STYLE, fillcolor=STYLE["input"]["fillcolor"], color="#2563eb")
"""The box of many leaves that only boxes use (``boxes.INPUTS``): blue, as inputs are."""
OUTPUT_EDGE = "#15803d"
"""Green: the outline of a box that holds an output."""
PART_FAINT = "#6b7280"
"""Grey: a box's list of ops, and the counts on the arrows between boxes."""


def _draw_parts(roots: list[Any], order: list[Any], depth: int, *, rankdir: str | None,
                show_grad: bool, highlight: Step | Any, params: Any, max_nodes: int,
                matrices: bool, grads: dict[Any, Any] | None) -> Drawing:
    """``draw_dot(root, depth=k)``: each scope cut to ``depth`` parts as one box, the values
    outside every scope as ``draw_dot`` draws them (``tinygrad_edu.boxes``)."""
    named = parameter_names(params)
    plan = checked_parts(roots, order, depth, params, max_nodes)
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
        attrs = dict(PART_STYLE if box.values else INPUTS_STYLE)
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


def checked_parts(roots: list[Any], order: list[Any], depth: int, params: Any, max_nodes: int
                  ) -> Parts:
    """The parts of the graph ``order`` at ``depth`` (``boxes.parts``; with ``params``, only
    those leaves go into boxes), or at once a ValueError if it has no scopes, and
    ``GraphTooLarge`` if the picture still has more than ``max_nodes`` boxes and values or
    would take dot more than about a second (``layout_cost`` of what is drawn: a box counts
    as one value, each arrow once)."""
    if not any(scope_of(node) for node in order):
        raise ValueError(
            f"draw_dot(depth={depth}): no value of this graph was made inside a named_scope, so "
            "it has no parts to draw as boxes. Mark the parts (with named_scope('attn'): ...; "
            "the layers of tinygrad_edu.nn mark theirs when a model holds them), or leave "
            "depth out to draw every value")
    plan = parts(roots, order, depth, None if params is None else parameter_names(params))
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


# ----------------------------------------------------------------------------- layout cost
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


def _escape_plain(text: str) -> str:
    return text.replace("\\", "\\\\")


# ----------------------------------------------------------------------------- frame by frame


def frames(root: Any, **draw_kwargs: Any) -> Frames:
    """The graph after each step of ``root``'s backward pass, with that step highlighted
    (``drawing.step`` is the step), starting from zero gradients: a sequence of drawings
    (``len``, ``frames[k]``, a for loop), each drawn the first time it is asked for. The
    steps run at once and every gradient is left as it was found, so running it twice
    draws the same pictures. Keyword arguments go to ``draw_dot``."""
    inspect.signature(draw_dot).bind(root, **draw_kwargs)  # a wrong keyword fails here
    order = walk(root)
    depth = draw_kwargs.get("depth")
    check_depth(depth, "frames")
    if depth is None:
        checked_layout([root], order, draw_kwargs.get("max_nodes", MAX_NODES), labelled=True)
    else:  # the boxes of the parts, each step marking the box its node is in
        checked_parts([root], order, depth, draw_kwargs.get("params"),
                      draw_kwargs.get("max_nodes", MAX_NODES))
    params = draw_kwargs.get("params")
    steps: list[Step] = []
    changes: list[dict[Any, Any]] = []
    with gradients_kept(order):
        for step in backward_steps(root, params=None if params is None else
                                   list(parameter_names(params))):
            changed = {p: p.grad for p in step.node.parents}  # the step's own additions
            changes.append(changed if steps else {step.node: step.node.grad, **changed})
            steps.append(step)
    return Frames(root, steps, changes, draw_kwargs)


class Frames(Sequence[Drawing]):
    """What ``frames(root)`` returns: one drawing per backward step, with the gradients
    as they were after it, drawn when first asked for and kept."""

    def __init__(self, root: Any, steps: list[Step], changes: list[dict[Any, Any]],
                 draw_kwargs: dict[str, Any]) -> None:
        self._root, self._steps, self._changes = root, steps, changes
        self._kwargs = draw_kwargs
        self._drawn: dict[int, Drawing] = {}

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, k: int) -> Drawing: ...
    @overload
    def __getitem__(self, k: slice) -> list[Drawing]: ...
    def __getitem__(self, k: int | slice) -> Drawing | list[Drawing]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        i = operator.index(k) + (len(self) if operator.index(k) < 0 else 0)
        if not 0 <= i < len(self):
            raise IndexError(f"frames: there are {len(self)} steps, numbered 0 to "
                             f"{len(self) - 1} (or from -1 backwards); got {k}")
        if i not in self._drawn:
            grads: dict[Any, Any] = {}
            for changed in self._changes[:i + 1]:
                grads.update(changed)
            self._drawn[i] = _draw(self._root, highlight=self._steps[i], grads=grads,
                                   **self._kwargs)
        return self._drawn[i]

    def __repr__(self) -> str:
        return f"<Frames: {len(self)} backward steps of {self._steps[0].name}>"


@contextmanager
def gradients_kept(order: list[Any]) -> Iterator[None]:
    """Inside the block every node starts with no gradient; afterwards each has the
    gradient it had before, whatever the block did (drawing must not change what it
    draws)."""
    saved = [node.grad for node in order]
    for node in order:
        node.grad = node.EMPTY_GRAD
    try:
        yield
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def step_slider(root: Any, **draw_kwargs: Any) -> Any:
    """A notebook widget: a slider over ``frames(root)``, showing each picture with the step
    as text. Without ipywidgets it warns and returns the frames instead."""
    pictures = frames(root, **draw_kwargs)
    try:
        import ipywidgets as widgets
    except ImportError:
        warnings.warn("step_slider needs ipywidgets (pip install ipywidgets); returning the "
                      "list of frames instead: display them one at a time", stacklevel=2)
        return pictures
    slider = widgets.IntSlider(value=1, min=1, max=len(pictures), description="step")
    caption, picture = widgets.HTML(), widgets.HTML()
    cache: dict[int, str] = {}

    def show(_: Any = None) -> None:
        k = slider.value - 1
        if k not in cache:
            cache[k] = pictures[k]._html()
        caption.value = f"<pre>{html.escape(str(pictures[k].step))}</pre>"
        picture.value = cache[k]

    slider.observe(show, names="value")
    show()
    return widgets.VBox([slider, caption, picture])
