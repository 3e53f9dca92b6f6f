"""Seeing the graph: drawings (``tinygrad_edu.drawing``), the backward pass frame by frame
(``tinygrad_edu.frames``) and the replay page (``tinygrad_edu.replay``), in one place, for
Values and Tensors alike.

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
"""

from tinygrad_edu.drawing import draw_dot
from tinygrad_edu.frames import Frames, frames, step_slider
from tinygrad_edu.labels import HOT, WARM
from tinygrad_edu.layout import MAX_LAYOUT, MAX_NODES, GraphTooLarge
from tinygrad_edu.rendering import INSTALL_HINT, Drawing, RenderError, find_renderer, use_renderer
from tinygrad_edu.replay import Replay, replay_html
from tinygrad_edu.stepping import text_graph

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
