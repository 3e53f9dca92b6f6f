"""What the package draws for the site (docs/hooks/build.py adds it): the pictures of the
engine's story, drawn with ``tinygrad_edu.viz.draw_dot``, and the replay pages the guides
embed, made with ``tinygrad_edu.viz.replay_html``, each with the height of its frame.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.exceptions import PluginError


def product() -> Any:
    from tinygrad_edu import Value

    x, y = Value(5.0, label="x"), Value(2.0, label="y")
    f = (x + y) * (x - y)
    f.label = "f"
    return f


def engine_pictures() -> dict[str, str]:
    """(x + y)(x - y) at x = 5, y = 2 as draw_dot draws it: before backward, at the second
    backward step (``frames``), and after; and micrograd's MLP on one example by its
    layers (``depth=1``), for the drawing guide."""
    from tinygrad_edu import Value
    from tinygrad_edu.nn import MLP
    from tinygrad_edu.viz import draw_dot, frames

    f = product()
    pictures = {"engine-forward": draw_dot(f), "engine-step-2": frames(f)[1]}
    f.backward()
    pictures["engine-backward"] = draw_dot(f)
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    out.backward()
    pictures["drawing-depth-1"] = draw_dot(out, depth=1, params=model)
    return {name: svg_text(drawing) for name, drawing in pictures.items()}


def svg_text(drawing: Any) -> str:
    svg = drawing.pipe(format="svg")
    return svg.decode("utf-8") if isinstance(svg, bytes) else svg


def replay_pages() -> dict[str, tuple[Any, bool]]:
    """The replay pages the guides embed, by name, each with whether its steps show
    matrices (a graph of Tensors)."""
    import numpy as np

    from tinygrad_edu import Value
    from tinygrad_edu.nn import Neuron
    from tinygrad_edu.tensor import Tensor, cross_entropy
    from tinygrad_edu.viz import replay_html

    pages = {"product": (replay_html(product()), False)}
    neuron = Neuron(2, activation="tanh", seed=1)
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    out = neuron([x1, x2])
    out.label = "out"
    pages["neuron"] = (replay_html(out, params=neuron.parameters()), False)
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(4, 3)), label="X")
    W1, b1 = Tensor(rng.normal(size=(3, 5)), label="W1"), Tensor(np.zeros((1, 5)), label="b1")
    W2, b2 = Tensor(rng.normal(size=(5, 2)), label="W2"), Tensor(np.zeros((1, 2)), label="b2")
    Z1 = X @ W1 + b1
    Z1.label = "Z1"
    A1 = Z1.relu()
    A1.label = "A1"
    Z2 = A1 @ W2 + b2
    Z2.label = "Z2"
    L = cross_entropy(Z2, [0, 1, 1, 0])
    L.label = "L"
    pages["two-layer"] = (replay_html(L, params=[W1, b1, W2, b2]), True)
    return pages


def frame_height(page: str, matrices: bool) -> int:
    """Pixels for a frame that shows a replay page whole in the content column (about 700
    pixels wide): the picture, scaled to that width, and the title, buttons, chain-rule line
    and legend above and below it; a graph of Tensors also shows each step's matrices."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', page)
    if match is None:
        raise PluginError("a replay page without its picture: replay_html has changed")
    width, height = (float(n) * 4 / 3 for n in match.groups())  # pt to px
    return int(height * min(1.0, 660 / width)) + (500 if matrices else 330)
