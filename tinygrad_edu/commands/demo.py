"""``python -m tinygrad_edu demo``: train micrograd's MLP(2, [16, 16, 1]) on the two moons,
then draw what it learned (a decision boundary), one neuron's graph, and replay pages of
that neuron and of a two-layer network's backward pass, into one folder."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__: list[str] = []  # (the command line is described in the guides)

PLOT_HINT = "pip install matplotlib (in a clone of tinygrad_edu: pip install -e '.[plot]')"


def demo(args: argparse.Namespace) -> int:
    """Train micrograd's MLP(2, [16, 16, 1]) on moons and draw what it learned."""
    try:
        import matplotlib  # noqa: F401 (checked first: no point training without it)
    except ImportError:
        print(f"The demo draws with matplotlib, which is not installed: {PLOT_HINT}",
              file=sys.stderr)
        return 1
    import numpy as np

    from tinygrad_edu.nn import hinge_loss
    from tinygrad_edu.training.fit import TrainingDiverged, fit
    from tinygrad_edu.viz.watch import L2, demo_data, demo_line, demo_model, demo_optimizer

    out = args.out  # a folder we can write to (checked while parsing)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"demo: cannot make the folder {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    png, svg, page = out / "decision_boundary.png", out / "neuron.svg", out / "backward.html"
    matrices = out / "two_layer.html"
    for path in (png, svg, page, matrices):  # found before training, not after
        if path.exists() and not path.is_file():
            print(f"demo: cannot write {path}: it exists and is not a file; remove it or "
                  "choose another --out folder", file=sys.stderr)
            return 1
        if path.is_file() and not os.access(path, os.W_OK):
            print(f"demo: cannot write {path}: it is read-only; remove it, make it writable "
                  "or choose another --out folder", file=sys.stderr)
            return 1

    # The data, the model, the optimizer and the schedule are tinygrad_edu.viz.watch's, which
    # the site's page "Watch it learn" trains step by step with the same numbers.
    X, y = (np.asarray(a) for a in demo_data(args.seed))  # labels -1 and +1, for the loss
    model = demo_model(args.seed)
    print(f"{model}\n")
    print(f"Training on {len(X)} moons points: max-margin loss + 1e-4 L2, SGD with the "
          f"learning rate falling from 1.0 to 0.1, {args.steps} full-batch steps.")
    optimizer, schedule = demo_optimizer(model, args.steps)
    try:
        started = time.perf_counter()
        history = fit(model, X, y, hinge_loss, optimizer, epochs=args.steps, l2=L2,
                      scheduler=schedule, seed=args.seed, desc="training")
        took = time.perf_counter() - started
    except TrainingDiverged as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    every = max(1, args.steps // 10)
    for k in range(0, args.steps, every):
        print(demo_line(k, history.loss[k], history.accuracy[k]))
    if history.loss:
        print(f"After {args.steps} steps: loss {history.loss[-1]:.4f}, training accuracy "
              f"{history.accuracy[-1]:.1%}")
        print(as_a_program(args, X, y, history, took))

    try:
        plot_decision_boundary(model, X, y, png, title=f"MLP(2, [16, 16, 1]) after "
                               f"{args.steps} steps on moons")
        print(f"\nwrote {png}: the model's score over the plane, the points and its boundary")
        if draw_neuron(model, X, svg):
            print(f"wrote {svg}: the graph of one neuron, w·x + b then relu, with its gradients")
        if replay_neuron(model, X, page):
            print(f"wrote {page}: the same neuron's forward and backward pass step by step "
                  "(open it in a web browser)")
        if replay_two_layer(matrices, seed=args.seed):
            print(f"wrote {matrices}: a two-layer network in matrix form, 10 examples at "
                  "once (Z1 = X·W1 + b1, A1 = relu(Z1), Z2 = A1·W2 + b2, cross-entropy), "
                  "forward and backward, with every matrix")
    except OSError as error:  # e.g. the disk filled up during training
        print(f"demo: cannot write to {out}: {error}", file=sys.stderr)
        return 1
    return 0


def as_a_program(args: argparse.Namespace, X: Any, y: Any, history: Any, took: float) -> str:
    """The same training again, each step run as a program (fit(compile=True)): its time
    beside the engine's, and whether the numbers are the same."""
    from tinygrad_edu.nn import hinge_loss
    from tinygrad_edu.training.fit import fit
    from tinygrad_edu.viz.watch import L2, demo_model, demo_optimizer

    model = demo_model(args.seed)
    optimizer, schedule = demo_optimizer(model, args.steps)
    started = time.perf_counter()
    again = fit(model, X, y, hinge_loss, optimizer, epochs=args.steps, l2=L2,
                scheduler=schedule, seed=args.seed, progress=False, compile=True)
    program = time.perf_counter() - started
    same = "the very same numbers" if (again.loss, again.accuracy) == (
        history.loss, history.accuracy) else "DIFFERENT numbers (please report this)"
    return (f"The same {args.steps} steps as a program, the graph captured once "
            f"(fit(..., compile=True)): {program:.2f} s against {took:.2f} s, {same}.")


def plot_decision_boundary(model: Any, X: Any, y: Any, path: Path, title: str) -> None:
    """Save a picture of the model's score on a grid around the data, with the points."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from tinygrad_edu import no_grad

    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.meshgrid(np.linspace(x0, x1, 80), np.linspace(y0, y1, 80))
    with no_grad():
        scores = np.array([model(p).data for p in np.c_[xs.ravel(), ys.ravel()].tolist()])
    scores = scores.reshape(xs.shape)
    figure = Figure(figsize=(6, 5), layout="constrained")
    FigureCanvasAgg(figure)  # renders without a display (a non-interactive backend)
    ax = figure.add_subplot()
    limit = max(float(np.abs(scores).max()), 1e-9)
    fill = ax.contourf(xs, ys, scores, levels=np.linspace(-limit, limit, 21), cmap="RdBu",
                       alpha=0.8)
    ax.contour(xs, ys, scores, levels=[0.0], colors="k", linewidths=1.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu", vmin=-1.5, vmax=1.5, edgecolors="k", s=30)
    figure.colorbar(fill, ax=ax, label="score (black line: 0, the decision boundary)")
    ax.set(title=title, xlabel="x1", ylabel="x2")
    figure.savefig(path, dpi=100)


def demo_neuron(model: Any, X: Any) -> tuple[Any, list[Any]]:
    """The first neuron of the first layer that fires on the first point: its output on that
    point (labelled ``out``) and its parameters."""
    from tinygrad_edu import Value

    x = [Value(float(v), label=f"x{i + 1}") for i, v in enumerate(X[0])]
    neurons = model.layers[0].neurons
    neuron = next((n for n in neurons if n(x).data > 0), neurons[0])
    out = neuron(x)
    out.label = "out"
    return out, neuron.parameters()


def draw_neuron(model: Any, X: Any, path: Path) -> bool:
    """Save the graph of the demo's neuron (``demo_neuron``) after a backward pass from its
    output. False (with a message) if drawing is unavailable."""
    try:
        from tinygrad_edu.viz import draw_dot
    except ImportError:
        print(f"skipped {path}: this version of tinygrad_edu has no tinygrad_edu.viz",
              file=sys.stderr)
        return False
    from tinygrad_edu.viz import RenderError

    out, params = demo_neuron(model, X)
    out.zero_grad()  # the parameters still hold the training gradients: show this output's
    out.backward()
    drawing = draw_dot(out, rankdir="LR", show_grad=True, params=params)
    try:  # Graphviz's dot, else graphviz-pure
        svg = drawing.pipe(format="svg")
    except RenderError as error:
        source = path.with_suffix(".gv")
        source.write_text(drawing.source, encoding="utf-8")
        print(f"skipped {path}, wrote its DOT text to {source} instead: {error}",
              file=sys.stderr)
        return False
    path.write_bytes(svg)
    return True


def replay_neuron(model: Any, X: Any, path: Path) -> bool:
    """Save a web page replaying the demo neuron's forward and backward pass. False (with a
    message) if it cannot be drawn."""
    from tinygrad_edu.viz import RenderError, replay_html

    out, params = demo_neuron(model, X)
    try:
        replay_html(out, path, params=params)
    except RenderError as error:
        print(f"skipped {path}: {error}", file=sys.stderr)
        return False
    return True


def two_layer_network(seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """A batch of 10 examples with 3 features through a hidden layer of 4 relu units and an
    output layer of 2 classes, with cross-entropy (the mean over the batch), in matrix form:
    the loss ``L`` with every tensor labelled, and the parameters by name."""
    import numpy as np

    from tinygrad_edu.tensor import Tensor, cross_entropy

    rng = np.random.default_rng(seed)
    X = Tensor(rng.normal(size=(10, 3)), label="X")
    labels = rng.integers(0, 2, size=10)
    params = {"W1": Tensor(rng.normal(size=(3, 4)) * 0.5, label="W1"),
              "b1": Tensor(rng.normal(size=(1, 4)) * 0.1, label="b1"),
              "W2": Tensor(rng.normal(size=(4, 2)) * 0.5, label="W2"),
              "b2": Tensor(rng.normal(size=(1, 2)) * 0.1, label="b2")}
    XW1 = X @ params["W1"]
    Z1 = XW1 + params["b1"]
    A1 = Z1.relu()
    A1W2 = A1 @ params["W2"]
    Z2 = A1W2 + params["b2"]
    L = cross_entropy(Z2, labels)
    for tensor, label in ((XW1, "XW1"), (Z1, "Z1"), (A1, "A1"), (A1W2, "A1W2"), (Z2, "Z2"),
                          (L, "L")):
        tensor.label = label
    return L, params


def replay_two_layer(path: Path, seed: int = 0) -> bool:
    """Save a web page replaying ``two_layer_network``'s forward and backward pass. False
    (with a message) if it cannot be drawn."""
    from tinygrad_edu.viz import RenderError, replay_html

    loss, params = two_layer_network(seed)
    try:
        replay_html(loss, path, params=params,
                    title="A two-layer network in matrix form, forward and backward")
    except RenderError as error:
        print(f"skipped {path}: {error}", file=sys.stderr)
        return False
    return True
