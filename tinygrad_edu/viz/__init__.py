"""Seeing a graph: drawings, the backward pass step by step, replays, paths, the live pages.

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.viz import draw_dot
>>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
>>> f = (x + y) * (x - y)
>>> f.backward()
>>> drawing = draw_dot(f)       # a graphviz.Digraph: a notebook shows it as a picture

``draw_dot(root)`` draws a graph, ``frames(root)`` and ``step_slider(root)`` its backward
pass step by step, ``replay_html(root, path)`` writes a web page that replays both passes,
``text_graph(root)`` prints it as a table. None of them changes a gradient.
``draw_dot(root, depth=1)`` draws a big graph by its parts, a box per named scope.

Pictures are made by Graphviz's ``dot``. Without it, the pip-installable ``graphviz-pure``
(``pip install graphviz-pure``; the ``render`` extra) is used instead; with neither, a
notebook shows the DOT text and says what to install, and ``render()``/``pipe()`` raise
``RenderError``.

The folder, for Values and Tensors alike: ``stepping.py`` (``backward_steps``, the chain
rule one node at a time in numbers, and ``text_graph``), ``drawing.py`` (``draw_dot``),
``by_parts.py`` (a big graph by its parts), ``labels.py`` (what a box and a circle say),
``layout.py`` (how long Graphviz will take, known before it starts), ``rendering.py`` (DOT
text to a picture), ``step_frames.py`` (a drawing per backward step), ``replay.py`` (the replay
page, its HTML, CSS and JavaScript in ``pages/``), ``paths.py`` (every path from a value to
the output), ``expression.py`` (a graph from a formula as text), ``watch.py`` (micrograd's
demo one step at a time) and ``playground.py`` (the docs site's playground). Everything here
may import the engines, ``autograd``, ``nn`` and ``training``; the engines never import it.
"""

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # (the names are loaded when first asked for, LATER, for the type checker)
    from tinygrad_edu.viz.drawing import draw_dot
    from tinygrad_edu.viz.labels import HOT, WARM
    from tinygrad_edu.viz.layout import MAX_LAYOUT, MAX_NODES, GraphTooLarge
    from tinygrad_edu.viz.rendering import (
        INSTALL_HINT,
        Drawing,
        RenderError,
        find_renderer,
        use_renderer,
    )
    from tinygrad_edu.viz.replay import Replay, replay_html
    from tinygrad_edu.viz.step_frames import Frames, frames, step_slider
    from tinygrad_edu.viz.stepping import text_graph

__all__ = [
    "HOT",
    "INSTALL_HINT",
    "MAX_LAYOUT",
    "MAX_NODES",
    "WARM",
    "Drawing",
    "Frames",
    "GraphTooLarge",
    "RenderError",
    "Replay",
    "draw_dot",
    "find_renderer",
    "frames",
    "replay_html",
    "step_slider",
    "text_graph",
    "use_renderer",
]

LATER = {
    "draw_dot": "drawing", "Frames": "step_frames", "frames": "step_frames",
    "step_slider": "step_frames",
    "HOT": "labels", "WARM": "labels", "MAX_LAYOUT": "layout", "MAX_NODES": "layout",
    "GraphTooLarge": "layout", "INSTALL_HINT": "rendering", "Drawing": "rendering",
    "RenderError": "rendering", "find_renderer": "rendering", "use_renderer": "rendering",
    "Replay": "replay", "replay_html": "replay", "text_graph": "stepping",
}
"""Each public name and its module here, imported when first asked for: stepping through
backward in a REPL loads no drawing, and so no Graphviz."""


def __getattr__(name: str) -> object:
    """A public name of this folder (``LATER``), imported the first time it is asked for."""
    if name not in LATER:
        raise AttributeError(f"module 'tinygrad_edu.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tinygrad_edu.viz.{LATER[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *LATER})
