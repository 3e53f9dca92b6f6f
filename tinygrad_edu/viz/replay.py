"""Replay the forward and the backward pass in any browser: one self-contained HTML page,
for a graph of Values or of Tensors.

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.viz import replay_html
>>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
>>> f = (x + y) * (x - y)
>>> page = replay_html(f, "replay.html")   # doctest: +SKIP

The page shows the graph as ``draw_dot`` draws it, with buttons Back, Next, Play and Reset
(or the arrow keys, Home, End and Space). First the forward pass computes the values in
topological order; then the backward pass runs one ``backward_steps()`` step at a time: the
node passing its gradient back in red, the parents receiving it in orange with the amount on
each arrow, and above the graph the chain-rule line that ``print(step)`` shows. For a
graph of Tensors the boxes show shapes and summaries, each arrow the gradient formula it
carries, and below the line the matrices of the step as tables (larger ones summarised).

The page needs no network and no Python: the picture is drawn once, when the page is made
(with Graphviz's ``dot`` or ``graphviz-pure``), and a small script changes its numbers and
colours. Open it from disk, mail it, put it on a class website. In a notebook the returned
``Replay`` shows itself in a frame.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from os import PathLike
from pathlib import Path
from typing import Any

from tinygrad_edu.arrays import is_array
from tinygrad_edu.formatting import fmt, shape_text, summary
from tinygrad_edu.graph import walk
from tinygrad_edu.ops import text_of
from tinygrad_edu.viz.drawing import _draw
from tinygrad_edu.viz.labels import HOT, WARM, parameter_names
from tinygrad_edu.viz.layout import MAX_NODES, checked_layout
from tinygrad_edu.viz.pages import fill, json_for_script, part, policy
from tinygrad_edu.viz.step_frames import gradients_kept
from tinygrad_edu.viz.stepping import (
    ParentUpdate,
    Step,
    assignment,
    backward_steps,
    formula,
    forward_numbers,
    is_array_node,
    node_names,
)

__all__ = ["Replay", "replay_html"]

FORWARD = "#2563eb"  # the value being computed in the forward pass
PLAY_INTERVAL_MS = 1000  # one frame a second when playing
SMALLEST_TEXT_PX = 11  # the graph is never shown smaller than this text size allows


@dataclass(frozen=True)
class Replay:
    """A replay page: ``html`` is the whole page, ``steps`` the number of backward steps.
    A notebook shows it in a frame; ``save(path)`` writes it to a file."""

    html: str
    steps: int
    title: str
    path: Path | None = None  # where replay_html wrote it, if it did

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return that path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        # A frame keeps the page's script and styles apart from the notebook's.
        match = re.search(r'<svg width="[\d.]+pt" height="([\d.]+)pt"', self.html)
        graph_px = float(match.group(1)) * 4 / 3 if match else 300.0
        height = int(min(max(graph_px + 260, 360), 900))
        return (f'<iframe srcdoc="{escape(self.html, quote=True)}" title="{escape(self.title)}" '
                f'sandbox="allow-scripts" style="width: 100%; height: {height}px; '
                'border: 1px solid #d1d5db; border-radius: 6px"></iframe>')

    def __repr__(self) -> str:
        return f"<Replay: {self.title}, {_count(self.steps, 'backward step')}>"


TABLE_LIMIT = 64  # a matrix of at most this many entries is shown as a table on the page


def replay_html(
    root: Any,
    path: str | PathLike[str] | None = None,
    *,
    params: Iterable[Any] | dict[str, Any] | None = None,
    rankdir: str | None = None,
    forward: bool = True,
    title: str | None = None,
    max_nodes: int = MAX_NODES,
) -> Replay:
    """A self-contained web page that replays how ``root`` (a Value or a Tensor) was computed
    and differentiated.

    ``path``, if given, is where the page is written. ``params``, ``rankdir`` and
    ``max_nodes`` mean what they mean for ``draw_dot`` (its size limit and advice apply);
    ``rankdir`` is ``"LR"`` for Values and ``"TB"`` for Tensors unless you say.
    ``forward=False`` starts with every value computed and replays the backward pass only.
    ``title`` heads the page (default: the root's formula).

    The page replays ``root.backward()`` from zero gradients, and this function leaves every
    gradient in the graph as it found it, so the same graph always gives the same page.
    Drawing needs Graphviz's ``dot`` or ``pip install graphviz-pure``; without
    either it raises ``RenderError`` naming both.
    """
    order = walk(root)
    checked_layout([root], order, max_nodes, labelled=True)  # or GraphTooLarge, at once
    if not root.parents:
        raise ValueError("replay_html: the root is a leaf, so backward has no steps to replay; "
                         "pass a value computed from others, e.g. x * y")
    names = node_names(root)
    if rankdir is None:
        rankdir = "TB" if is_array_node(root) else "LR"
    with gradients_kept(order):
        steps = list(backward_steps(root, params=None if params is None else
                                    list(parameter_names(params))))
        finals = {node: node.grad for node in order}
        grads, flows = _widest_texts(steps)
        for node, widest in grads.items():
            node.grad = widest  # so that every number the page will show fits its box
        # one line per field (the page changes them), and on every arrow into an op the
        # widest amount it will carry
        drawing = _draw(root, rankdir=rankdir, params=params, max_nodes=max_nodes,
                        matrices=False, flows=flows)
        svg = drawing.pipe(format="svg", encoding="utf-8")
    if title is None:
        title = f"{'Forward and backward' if forward else 'Backward'} pass of " \
                f"{steps[0].name} = {expression(root, names) or steps[0].formula}"
    numbers = forward_numbers(order)  # as the forward pass had them, also after a step
    data = {
        "nodes": [{"data": _box_text(numbers[node]), "known": not forward or not node.parents}
                  for node in order],
        "frames": _frames(order, names, steps, finals, forward, numbers),
        "interval": PLAY_INTERVAL_MS,
        "smallest_text": SMALLEST_TEXT_PX,
    }
    page = Replay(_page(title, _clean_svg(svg, len(order)), data), len(steps), title)
    if path is not None:
        page = Replay(page.html, page.steps, title, page.save(path))
    return page


PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}  # Python's; unary minus: 3


def expression(root: Any, names: dict[Any, str], limit: int = 60) -> str | None:
    """How ``root`` was computed from the named values, the unnamed ones written out:
    ``(x + y) * (x - y)`` rather than ``v1 * v2``; None if that is longer than ``limit``."""
    text: dict[Any, str] = {}
    binds: dict[Any, int] = {}  # how tightly a node's text holds together (9: a name, a call)
    for node in walk(root):
        if not node.parents or (node.label and node is not root):
            text[node], binds[node] = names[node], 9
            continue
        template = text_of(node._row).formula
        infix = re.fullmatch(r"\{0\} (\S+) \{1\}", template)
        level = PRECEDENCE.get(infix.group(1), 9) if infix else \
            3 if template == "-{0}" else 9
        shown = {node: names[node]}
        for i, operand in enumerate(node._row.operands(node)):
            if not hasattr(operand, "parents"):  # a constant, written where it stood
                continue
            inner = binds[operand]
            symbol = infix.group(1) if infix else ""
            wrap = inner < level or (inner == level and (
                (i == 1 and symbol in ("-", "/", "@")) or (i == 0 and symbol == "**")))
            shown[operand] = f"({text[operand]})" if wrap and level < 9 else text[operand]
        text[node], binds[node] = formula(node, shown), level
        if len(text[node]) > limit:
            return None
    return text[root]


# ----------------------------------------------------------------------------- command line


def replay_command(formula: str, assignments: list[str], out: str = "replay.html", *,
                   forward: bool = True, rankdir: str = "LR") -> int:
    """``python -m tinygrad_edu replay "(x + y) * (x - y)" x=3 y=2 -o replay.html``.

    Builds the graph of ``formula`` (see ``tinygrad_edu.viz.expression``) with the names set by
    ``NAME=VALUE`` assignments and writes its replay page to ``out`` (``-`` for stdout).
    Returns the exit code: 0, 2 for a mistake in the formula or the values, 1 when the page
    cannot be drawn or written. Every problem is one message on stderr, never a traceback.
    """
    from tinygrad_edu.viz.expression import ExpressionError, parse_expression
    from tinygrad_edu.viz.layout import GraphTooLarge
    from tinygrad_edu.viz.rendering import RenderError

    def fail(code: int, message: str) -> int:
        print(f"replay: {message}", file=sys.stderr)
        return code

    values: dict[str, float] = {}
    for text in assignments:
        name, equals, number = text.partition("=")
        name, number = name.strip(), number.strip()
        if text.startswith("-"):  # only after "--" does an option get here
            return fail(2, f"{text} comes after --, so it is not read as an option; put the "
                           "options first: replay -o page.html -- \"-x * y\" x=1 y=2")
        if not equals or not name.isidentifier():
            return fail(2, f"expected NAME=VALUE, such as x=3, but got {text!r}")
        if name in values:
            return fail(2, f"{name} is given twice ({name}={fmt(values[name])} and {text})")
        try:
            values[name] = float(number)
        except ValueError:
            return fail(2, f"{text}: {number!r} is not a number")
    try:
        root = parse_expression(formula, values)
    except ExpressionError as error:
        return fail(2, str(error))
    used = {node.label for node in walk(root) if not node.parents}
    for name in values:
        if name not in used:
            print(f"replay: note: {name}={fmt(values[name])} is not used in the formula",
                  file=sys.stderr)
    if not root.parents:
        return fail(2, f"the formula {formula.strip()!r} is a single value, so backward has "
                       "nothing to do; write one that computes something, e.g. x * x")
    taken = {node.label for node in walk(root)}
    root.label = "f" if "f" not in taken else "out" if "out" not in taken else ""
    given = ", ".join(f"{name} = {fmt(values[name])}" for name in values if name in used)
    title = f"{root.label or 'the result'} = {formula.strip()}{f' at {given}' if given else ''}"
    try:
        page = replay_html(root, forward=forward, rankdir=rankdir, title=title)
    except (RenderError, GraphTooLarge) as error:
        return fail(1, str(error))
    if out == "-":
        sys.stdout.write(page.html)
        return 0
    try:
        page.save(out)
    except OSError as error:
        return fail(1, f"cannot write {out}: {error.strerror or error}")
    print(f"wrote {out}: {_count(page.steps, 'backward step')} of {title}; open it in a web "
          "browser")
    return 0


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


# ----------------------------------------------------------------------------- the frames


def _flow(update: ParentUpdate) -> str:
    """What an arrow shows while its step is on screen: the amount (a number), or for a
    matrix the formula of the gradient it carries."""
    if update.local is None:  # the tensor engine
        return update.local_text
    return fmt(update.contribution)


def _box_text(x: Any) -> str:
    """A gradient as a node's box shows it: a number, or an array's short summary."""
    return summary(x, 4, 3) if is_array(x) else fmt(x)


def _widest_texts(steps: list[Step]) -> tuple[dict[Any, Any], dict[tuple[Any, Any], str]]:
    """The longest text each value's gradient and each arrow's contribution will show during
    the replay: the picture is laid out with room for them."""
    grads: dict[Any, Any] = {}
    flows: dict[tuple[Any, Any], str] = {}

    def note(node: Any, grad: Any) -> None:
        if node not in grads or len(_box_text(grad)) > len(_box_text(grads[node])):
            grads[node] = grad

    for step in steps:
        note(step.node, step.upstream)
        for update in step.updates:
            note(update.parent, update.grad_after)
            edge, text = (update.parent, step.node), _flow(update)
            if len(text) > len(flows.get(edge, "")):
                flows[edge] = text
    return grads, flows


def _table(title: str, x: Any) -> list[Any]:
    """A matrix for the page's panel: its title and its rows of numbers, or, when it is
    large, the summary ``fmt`` gives."""
    import numpy as np

    a = np.asarray(x)
    if a.ndim == 0 or a.size > TABLE_LIMIT:
        return [title, fmt(a)]
    rows = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
    return [title, [[fmt(float(v) + 0.0) for v in row] for row in rows]]  # (no "-0.0")


def _frames(order: list[Any], names: dict[Any, str], steps: list[Step],
            finals: dict[Any, Any], forward: bool, numbers: dict[Any, Any]
            ) -> list[dict[str, object]]:
    """What the page shows at each press of Next. Numbers are text, formatted by ``fmt``;
    a graph of Tensors adds the step's matrices (``tables``)."""
    index = {node: i for i, node in enumerate(order)}
    root = names[steps[0].node]
    matrix = is_array_node(steps[0].node)
    inner = [node for node in order if node.parents]
    if forward:
        intro = (f"The inputs hold their numbers. Press Next (→) to compute the values from the "
                 f"inputs to {root}, then to send the gradient back, one value at a time.")
    else:
        intro = (f"Every value is computed. Press Next (→) to send the gradient back from "
                 f"{root} to the inputs, one value at a time.")
    frames: list[dict[str, object]] = [{"kind": "start", "status": "start", "text": intro}]
    formulas = {step.node: step.formula for step in steps}
    for k, node in enumerate(inner if forward else [], start=1):
        frame: dict[str, object] = {
            "kind": "forward", "node": index[node], "status": f"forward {k} of {len(inner)}",
            "text": f"{names[node]} = {formulas[node]} = {fmt(numbers[node])}"}
        if matrix:
            frame["text"] = (f"{names[node]} = {formulas[node]}   "
                             f"({shape_text(numbers[node].shape)})")
            frame["tables"] = [_table(names[node], numbers[node])]
        frames.append(frame)
    for step in steps:
        frame = {
            "kind": "backward", "node": index[step.node],
            "status": f"backward step {step.index} of {len(steps)}",
            "text": str(step), "grad": _box_text(step.upstream),
            "updates": [[index[u.parent], _flow(u), _box_text(u.grad_after)]
                        for u in step.updates]}
        if matrix:
            frame["tables"] = [_table(f"d{step.name} (arriving at {step.name})", step.upstream)] + [
                _table(assignment(u), u.contribution) for u in step.updates]
        frames.append(frame)
    leaves = [node for node in order if not node.parents]
    done: dict[str, object] = {"kind": "done", "status": "done", "text": (
        f"Done: every value holds d{root}/d(value). " +
        ", ".join(f"{names[node]}.grad = {fmt(finals[node])}" for node in leaves))}
    if matrix:
        done["text"] = f"Done: every tensor holds d{root}/d(tensor), of its own shape."
        done["tables"] = [_table(f"{names[node]}.grad", finals[node]) for node in leaves
                          if finals[node] is not None]
    frames.append(done)
    return frames


# ----------------------------------------------------------------------------- the page


def _clean_svg(svg: str, n_values: int) -> str:
    """The SVG as an element of the page: no XML prolog, doctype or comments (the comments
    name the Graphviz version, which would make pages differ between machines)."""
    svg = re.sub(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", "", svg, flags=re.S).strip()
    missing = [f"n{i}" for i in range(n_values) if f"<title>n{i}</title>" not in svg]
    if missing or not svg.startswith("<svg"):
        raise RuntimeError(f"replay_html: the drawing lacks the nodes {missing[:5]} that the "
                           "page animates; draw_dot's node ids must be n0, n1, ... in walk order")
    return svg


def _page(title: str, svg: str, data: object) -> str:
    """The page: ``pages/replay.html`` with ``replay.css`` and ``replay.js`` in it, and the
    title, the picture and the frames in their places (``pages.fill``); its policy forbids
    every request and every script but ours: a page from disk stays offline, and a label can
    never become code."""
    script = part("replay.js")
    filled = {"TITLE": escape(title), "POLICY": policy(script), "SVG": svg,
              "DATA": json_for_script(data), "SCRIPT": script, "STYLE": part("replay.css"),
              "HOT": HOT, "WARM": WARM, "FORWARD": FORWARD,
              "SMALLEST_TEXT": str(SMALLEST_TEXT_PX)}
    return fill(part("replay.html"), filled)
