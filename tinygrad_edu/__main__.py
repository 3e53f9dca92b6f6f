"""Command line: ``python -m tinygrad_edu demo [--out DIR] [--steps N] [--seed S]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

PLOT_HINT = "pip install 'tinygrad-edu[plot]'"


def demo(args: argparse.Namespace) -> int:
    """Train micrograd's MLP(2, [16, 16, 1]) on moons and draw what it learned."""
    try:
        import matplotlib  # noqa: F401 (checked first: no point training without it)
    except ImportError:
        print(f"The demo draws with matplotlib, which is not installed: {PLOT_HINT}",
              file=sys.stderr)
        return 1
    from tinygrad_edu.data import make_moons
    from tinygrad_edu.nn import MLP, hinge_loss
    from tinygrad_edu.optim import SGD, LambdaLR
    from tinygrad_edu.train import fit

    X, y = make_moons(100, noise=0.1, seed=args.seed)
    y = y * 2 - 1  # labels -1 and +1 for the max-margin loss
    model = MLP(2, [16, 16, 1], seed=args.seed)
    print(f"{model}\n")
    print(f"Training on {len(X)} moons points: max-margin loss + 1e-4 L2, SGD with the "
          f"learning rate falling from 1.0 to 0.1, {args.steps} full-batch steps.")
    optimizer = SGD(model.parameters(), lr=1.0)
    steps = max(args.steps, 1)
    schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / steps)
    history = fit(model, X, y, hinge_loss, optimizer, epochs=args.steps, l2=1e-4,
                  scheduler=schedule, desc="training")
    every = max(1, args.steps // 10)
    for k in range(0, args.steps, every):
        print(f"  step {k:4d}   loss {history.loss[k]:.4f}   accuracy {history.accuracy[k]:6.1%}")
    if history.loss:
        print(f"After {args.steps} steps: loss {history.loss[-1]:.4f}, training accuracy "
              f"{history.accuracy[-1]:.1%}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    png = out / "decision_boundary.png"
    plot_decision_boundary(model, X, y, png, title=f"MLP(2, [16, 16, 1]) after {args.steps} "
                           "steps on moons")
    print(f"\nwrote {png}: the model's score over the plane, the points and its boundary")
    svg = out / "neuron.svg"
    if draw_neuron(model, X, svg):
        print(f"wrote {svg}: the graph of one neuron, w·x + b then relu, with its gradients")
    return 0


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


def draw_neuron(model: Any, X: Any, path: Path) -> bool:
    """Save the graph of the first neuron of the first layer that fires on the first point,
    after a backward pass from its output. False (with a message) if drawing is unavailable."""
    try:
        from tinygrad_edu.viz import draw_dot
    except ImportError:
        print(f"skipped {path}: this version of tinygrad_edu has no tinygrad_edu.viz",
              file=sys.stderr)
        return False
    from tinygrad_edu import Value
    from tinygrad_edu.viz import RenderError

    x = [Value(float(v), label=f"x{i + 1}") for i, v in enumerate(X[0])]
    neurons = model.layers[0].neurons
    neuron = next((n for n in neurons if n(x).data > 0), neurons[0])
    out = neuron(x)
    out.label = "out"
    out.zero_grad()  # the parameters still hold the training gradients: show this output's
    out.backward()
    drawing = draw_dot(out, rankdir="LR", show_grad=True, params=neuron.parameters())
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("demo", help=demo.__doc__, description=demo.__doc__)
    run.add_argument("--out", default="demo_output",
                     help="folder for decision_boundary.png and neuron.svg (default: %(default)s)")
    run.add_argument("--steps", type=int, default=100,
                     help="full-batch training steps (default: %(default)s)")
    run.add_argument("--seed", type=int, default=1337,
                     help="seed for the data and the weights (default: %(default)s)")
    run.set_defaults(run=demo)
    args = parser.parse_args(argv)
    if getattr(args, "steps", 0) < 0:
        parser.error("--steps must be >= 0")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
