"""Draw a graph of Values with Graphviz, and replay the backward pass frame by frame.

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.viz import draw_dot
>>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
>>> f = (x + y) * (x - y)
>>> f.backward()
>>> drawing = draw_dot(f)       # a graphviz.Digraph: a notebook shows it as a picture

Every value is a box ``name | data | grad``; every operation is a small circle between its
operands and its result, with one arrow per operand use (``a * a`` has two). Colours:
inputs blue, parameters (``params=``) amber, operations grey, the output green.

Pictures are made by Graphviz's ``dot``. Without it, the pip-installable ``graphviz-pure``
(``pip install 'tinygrad-edu[render]'``) is used instead; with neither, a notebook shows the
DOT text and says what to install, and ``render()``/``pipe()`` raise ``RenderError``.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz

from tinygrad_edu.engine import Value, walk
from tinygrad_edu.stepping import Step, backward_steps, fmt, node_names, text_graph, text_of

__all__ = [
    "Drawing",
    "GraphTooLarge",
    "RenderError",
    "Replay",  # noqa: F822 (these two come from tinygrad_edu.replay via __getattr__)
    "draw_dot",
    "find_renderer",
    "frames",
    "replay_html",  # noqa: F822
    "step_slider",
    "text_graph",
]

INSTALL_HINT = "sudo apt-get install graphviz, or pip install 'tinygrad-edu[render]'"
# Values. One example through MLP(2, [16, 16, 1]) is 437 and lays out in 0.1 s; past about
# 800 values dot needs seconds, and nobody can read the picture anyway.
MAX_NODES = 500

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
OP_STYLE = {"style": "filled", "fillcolor": "#e5e7eb", "fontsize": "11",
            "margin": "0.02", "width": "0.3"}
HOT = "#dc2626"  # the node of the highlighted step, and the gradient it passes on
WARM = "#ea580c"  # the parents that receive it


def _escape(text: str) -> str:
    """Make text safe inside a Graphviz record label."""
    for c in "\\{}|<>":
        text = text.replace(c, "\\" + c)
    return text


def _op_label(node: Value) -> str:
    """The op, with its plain-number operands where they stood: ``*``, ``* 2.0``, ``2.0 -``,
    ``leaky_relu`` with its alpha below, ``dot`` with its constant inputs."""
    op, const = node._op, node._const
    assert op is not None
    name = text_of(op).symbol or op.name
    if const is None:
        return name
    if op.arity == 2:
        return f"{fmt(const)} {name}" if op.number_first else f"{name} {fmt(const)}"
    if op.arity == 1:
        return f"{name}\\n{fmt(const)}"  # an op parameter such as leaky_relu's alpha
    numbers = [fmt(c) for c in const if c is not None]  # a list op's constant operands
    return f"{name}\\n· ({', '.join(numbers[:4])}{', …' if len(numbers) > 4 else ''})"


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Step | Value | None = None,
    params: Iterable[Value] | None = None,
    max_nodes: int = MAX_NODES,
) -> Drawing:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (a notebook shows it).

    ``rankdir`` ``"LR"`` draws left to right, ``"TB"`` top to bottom. ``params`` are the
    values to colour as parameters (e.g. ``model.parameters()``); other leaves are inputs.
    ``highlight`` marks one backward step (from ``root.backward_steps()``): the node in red,
    the amount each parent receives on its arrow. Values are named as in ``text_graph``.

    Graphs with more than ``max_nodes`` values raise ``GraphTooLarge``: a picture of
    thousands of boxes takes long and shows nothing. Draw a smaller piece, such as one
    neuron's output, or raise ``max_nodes`` if you really want it.
    """
    order = walk(root)
    if len(order) > max_nodes:
        raise GraphTooLarge(
            f"draw_dot: this graph has {len(order)} values, more than max_nodes={max_nodes}; "
            "the picture would take long to lay out and be unreadable. Draw a smaller piece, "
            "e.g. one neuron's output (draw_dot(model.layers[0].neurons[0](x))) or the loss "
            f"of a single example, use text_graph(root) for a table, or pass "
            f"max_nodes={len(order)} to draw it all anyway.")
    names = node_names(root)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    param_set = set(params) if params is not None else set()
    step = highlight if isinstance(highlight, Step) else None
    marked = highlight.node if isinstance(highlight, Step) else highlight
    if marked is not None and marked not in ids:
        raise ValueError(f"draw_dot: the value to highlight ({marked!r}) is not in this graph")
    received = {u.parent for u in step.updates} if step else set()

    dot = Drawing(format="svg", graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                  node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica"},
                  edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    if step is not None:
        dot.step = step
        dot.attr("graph", label=_escape_plain(f"step {step.index}: {step.name} = {step.formula}, "
                                     f"upstream {fmt(step.upstream)}"), labelloc="t")
    braces = rankdir in ("LR", "RL")  # records lie across the direction of flow
    for node in order:
        fields = [_escape(names[node]), f"data {fmt(node.data)}"]
        if show_grad:
            fields.append(f"grad {fmt(node.grad)}")
        label = " | ".join(fields)
        kind = ("output" if node is root else "param" if node in param_set
                else "value" if node.parents else "input")
        attrs = dict(STYLE[kind])
        if node is marked:
            attrs.update(color=HOT, penwidth="3")
        elif node in received:
            attrs.update(color=WARM, penwidth="2")
        dot.node(ids[node], f"{{ {label} }}" if braces else label, **attrs)
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
            if step is not None and node is marked:
                dot.edge(ids[parent], op_id, label=f"+= {fmt(step.updates[i].contribution)}",
                         color=HOT, fontcolor=HOT, penwidth="2", dir="back")
            else:
                dot.edge(ids[parent], op_id)
    return dot


def _escape_plain(text: str) -> str:
    return text.replace("\\", "\\\\")


# ----------------------------------------------------------------------------- replay


def frames(root: Value, **draw_kwargs: Any) -> list[Drawing]:
    """Run ``root``'s backward pass step by step and draw the graph after each step, with
    that step highlighted (``drawing.step`` is the step). Like ``root.backward()``, it adds
    to the leaves' gradients: call ``root.zero_grad()`` first to replay a graph that has been
    through backward already. Keyword arguments go to ``draw_dot``."""
    limit = draw_kwargs.get("max_nodes", MAX_NODES)
    if len(walk(root)) > limit:
        draw_dot(root, **draw_kwargs)  # raises GraphTooLarge before any gradient changes
    return [draw_dot(root, highlight=step, **draw_kwargs) for step in backward_steps(root)]


def step_slider(root: Value, **draw_kwargs: Any) -> Any:
    """A notebook widget: a slider over ``frames(root)``, showing each picture with the step
    as text. Without ipywidgets it warns and returns the list of frames instead."""
    pictures = frames(root, **draw_kwargs)
    if not pictures:
        raise ValueError("step_slider: the root is a leaf, so backward has no steps to show")
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


def __getattr__(name: str) -> Any:
    """``replay_html`` and ``Replay`` live in ``tinygrad_edu.replay``, which builds on this
    module; they are imported on first use so that either module can be imported first."""
    if name in ("Replay", "replay_html"):
        from tinygrad_edu import replay

        return getattr(replay, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
