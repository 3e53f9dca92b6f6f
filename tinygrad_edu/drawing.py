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
fast; the arrows carry the shapes.

Pictures are made by Graphviz's ``dot``. Without it, the pip-installable ``graphviz-pure``
(``pip install graphviz-pure``; the ``render`` extra) is used instead; with neither, a
notebook shows the DOT text and says what to install, and ``render()``/``pipe()`` raise
``RenderError``.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from tinygrad_edu.graph import is_node, walk
from tinygrad_edu.stepping import (
    MAX_SHOWN,
    Step,
    backward_steps,
    fmt,
    is_array_node,
    matrix_rows,
    node_names,
    shape_text,
    summary,
    text_graph,
)

__all__ = [
    "Drawing",
    "GraphTooLarge",
    "RenderError",
    "draw_dot",
    "find_renderer",
    "frames",
    "gradients_kept",
    "parameter_names",
    "step_slider",
    "text_graph",
]

INSTALL_HINT = "sudo apt-get install graphviz, or pip install graphviz-pure"
"""What to install to render pictures, as error messages and notebooks say it."""
# Values. One example through MLP(2, [16, 16, 1]) is 437 and lays out in 0.1 s; past about
# 800 values dot needs seconds, and nobody can read the picture anyway.
MAX_NODES = 500
"""The most values ``draw_dot`` draws unless given ``max_nodes=``; more raise
``GraphTooLarge``."""

# Where pip puts graphviz-pure; a notebook kernel's PATH often lacks its environment's bin.
_SCRIPT_DIRS = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]


class RenderError(graphviz.ExecutableNotFound):
    """No program to turn DOT text into a picture is installed."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


class GraphTooLarge(ValueError):
    """The graph has more values than ``max_nodes``: draw a smaller piece of it."""


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
        if tool == "dot":
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
        if tool == "dot":
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


def _fields(node: Any, name: str, show_grad: bool, matrices: bool) -> list[str]:
    """What a node's box shows, escaped for a record label: ``name | data 3.0 | grad 6.0``;
    for a tensor its shape after the name, and its numbers one row per line when it has a
    dozen or fewer (with ``matrices``), else on one line or as their summary."""
    if not is_array_node(node):
        fields = [name, f"data {fmt(node.data)}"]
        if show_grad:
            fields.append(f"grad {fmt(node.grad)}")
        return [_escape(f) for f in fields]
    fields = [_escape(f"{name} {shape_text(node.data.shape)}"), _numbers("data", node.data,
                                                                       matrices)]
    if show_grad:
        fields.append(_escape("grad None") if node.grad is None else
                      _numbers("grad", node.grad, matrices))
    return fields


def _numbers(what: str, x: Any, matrices: bool) -> str:
    a = np.asarray(x.data if is_node(x) else x)
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
    neuron's output, or raise ``max_nodes`` if you really want it. A tensor with a dozen
    entries or fewer shows them as a matrix, one row per line (``matrices=False``: on one
    line, and only up to four, with fewer digits); a larger one shows its smallest, mean and
    largest entry.
    """
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    order = walk(*roots)
    if len(order) > max_nodes:
        matrix = is_array_node(roots[0])
        piece = ("a graph of fewer operations (each node of a tensor graph is a whole matrix: "
                 "write a loop of small steps as one op on the whole array)" if matrix else
                 "one neuron's output (draw_dot(model.layers[0].neurons[0](x))) or the loss "
                 "of a single example")
        raise GraphTooLarge(
            f"draw_dot: this graph has {len(order)} {'tensors' if matrix else 'values'}, more "
            f"than max_nodes={max_nodes}; the picture would take long to lay out and be "
            f"unreadable. Draw a smaller piece, e.g. {piece}, use text_graph(root) for a "
            f"table, or pass max_nodes={len(order)} to draw it all anyway.")
    named = parameter_names(params)
    if rankdir is None:
        rankdir = "TB" if is_array_node(roots[0]) else "LR"
    names = node_names(*roots)
    for node, name in named.items():
        if name and node in names:
            names[node] = name
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    step = highlight if isinstance(highlight, Step) else None
    marked = highlight.node if isinstance(highlight, Step) else highlight
    if marked is not None and marked not in ids:
        raise ValueError(f"draw_dot: the value to highlight ({marked!r}) is not in this graph")
    received = {u.parent for u in step.updates} if step else set()

    dot = Drawing(format="svg", graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                  node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica"},
                  edge_attr={"fontname": "Helvetica", "fontsize": SMALL_FONT})
    if step is not None:
        dot.step = step
        upstream = (f"upstream {shape_text(np.shape(step.upstream))}" if is_array_node(step.node)
                    else f"upstream {fmt(step.upstream)}")
        dot.attr("graph", label=_escape_plain(f"step {step.index}: {step.name} = "
                                              f"{step.formula}, {upstream}"), labelloc="t")
    braces = rankdir in ("LR", "RL")  # a value's record lies across the direction of flow
    for node in order:
        label = " | ".join(_fields(node, names[node], show_grad, matrices))
        kind = ("output" if any(node is r for r in roots) else "param" if node in named
                else "value" if node.parents else "input")
        attrs = dict(STYLE[kind])
        if node is marked:
            attrs.update(color=HOT, penwidth="3")
        elif node in received:
            attrs.update(color=WARM, penwidth="2")
        flip = braces != is_array_node(node)  # a tensor's box stacks its fields
        dot.node(ids[node], f"{{ {label} }}" if flip else label, **attrs)
        if not node.parents:
            continue
        op_id = ids[node] + "op"
        op_label = _op_label(node)
        op_attrs = dict(OP_STYLE, shape="circle" if len(op_label) <= 3 else "ellipse")
        if node is marked:
            op_attrs.update(color=HOT, penwidth="2")
        dot.node(op_id, op_label, **op_attrs)
        dot.edge(op_id, ids[node], **({"color": HOT, "penwidth": "2"} if node is marked else {}))
        for i, parent in enumerate(node.parents):
            shape = ({"label": shape_text(parent.data.shape), "fontcolor": "#6b7280"}
                     if is_array_node(parent) else {})
            if step is not None and node is marked:
                amount = (f"d{step.updates[i].name}" if is_array_node(node) else
                          fmt(step.updates[i].contribution))
                dot.edge(ids[parent], op_id, label=_escape_plain(f"+= {amount}"), color=HOT,
                         fontcolor=HOT, penwidth="2", dir="back")
            else:
                dot.edge(ids[parent], op_id, **shape)
    return dot


def _escape_plain(text: str) -> str:
    return text.replace("\\", "\\\\")


# ----------------------------------------------------------------------------- frame by frame


def frames(root: Any, **draw_kwargs: Any) -> list[Drawing]:
    """Draw the graph after each step of ``root``'s backward pass, with that step
    highlighted (``drawing.step`` is the step), starting from zero gradients. Every
    gradient is left as it was found, so running it twice draws the same pictures.
    Keyword arguments go to ``draw_dot``."""
    limit = draw_kwargs.get("max_nodes", MAX_NODES)
    order = walk(root)
    if len(order) > limit:
        draw_dot(root, **draw_kwargs)  # raises GraphTooLarge with its advice
    params = draw_kwargs.get("params")
    with gradients_kept(order):
        return [draw_dot(root, highlight=step, **draw_kwargs) for step in backward_steps(
            root, params=None if params is None else list(parameter_names(params)))]


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
    as text. Without ipywidgets it warns and returns the list of frames instead."""
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
