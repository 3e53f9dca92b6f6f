"""Command line: ``python -m tinygrad_edu demo [--out DIR] [--steps N] [--seed S]``,
``python -m tinygrad_edu train-mnist [--data DIR] [--dataset fashion|mnist] [--epochs N] ...``
and ``python -m tinygrad_edu exercises [list | show NAME | start FILE | check FILE]``."""

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
                  scheduler=schedule, seed=args.seed, desc="training")
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


def train_mnist(args: argparse.Namespace) -> int:
    """Train an MLP on Fashion-MNIST or MNIST with the tensor engine (Adam, cross-entropy)."""
    import time

    import numpy as np
    from tqdm.auto import tqdm

    from tinygrad_edu.optim import StepLR
    from tinygrad_edu.tensor import MLP, Adam, IDXError, cross_entropy, no_grad
    from tinygrad_edu.tensor.data import load_fashion_mnist, load_mnist
    from tinygrad_edu.train import _quiet_log

    load = load_fashion_mnist if args.dataset == "fashion" else load_mnist
    try:
        train_images, y_train = load(args.data, kind="train")
        test_images, y_test = load(args.data, kind="test")
    except (FileNotFoundError, IDXError) as error:
        print(f"train-mnist: {error}", file=sys.stderr)
        return 1
    if args.limit:
        train_images, y_train = train_images[: args.limit], y_train[: args.limit]

    def as_inputs(images: Any) -> Any:  # one row of pixels in [0, 1] per image, float32
        return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)

    X_train, X_test = as_inputs(train_images), as_inputs(test_images)
    y_train, y_test = y_train.astype(np.intp), y_test.astype(np.intp)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    model = MLP(X_train.shape[1], [*args.hidden, n_classes], seed=args.seed, dtype=np.float32)
    optimizer = Adam(model.parameters(), lr=args.lr)
    schedule = StepLR(optimizer, step_size=1, gamma=args.lr_decay)  # gamma 1: constant
    rng = np.random.default_rng(args.seed)
    name = "Fashion-MNIST" if args.dataset == "fashion" else "MNIST"
    print(f"{model}\n")
    print(f"{name}: {len(X_train)} training and {len(X_test)} test images of "
          f"{X_train.shape[1]} pixels, {n_classes} classes. Adam lr {args.lr:g}"
          f"{f' × {args.lr_decay:g} per epoch' if args.lr_decay != 1 else ''}, batch "
          f"{args.batch_size}, {args.epochs} epochs.")

    def test_accuracy() -> float:
        with no_grad():  # no graph is recorded: just the forward pass
            return float((model(X_test).data.argmax(axis=1) == y_test).mean())

    quiet = args.no_progress or _quiet_log()  # a CI log gets the epoch lines only
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(X_train))  # a new shuffle every epoch
        batches = range(0, len(order), args.batch_size)
        total_loss = correct = 0.0
        bar = tqdm(batches, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False,
                   disable=quiet)
        for i in bar:
            idx = order[i : i + args.batch_size]
            logits = model(X_train[idx])  # the images are a constant: no gradient for them
            loss = cross_entropy(logits, y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(idx)
            correct += int((logits.data.argmax(axis=1) == y_train[idx]).sum())
            bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        bar.close()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch:2d}/{args.epochs}: train loss {total_loss / len(order):.4f}, "
              f"train accuracy {correct / len(order):6.2%}, test accuracy "
              f"{test_accuracy():6.2%} ({seconds:.2f} s)", flush=True)
        schedule.step()
    return 0


def exercises(argv: list[str]) -> int:
    """The exercises: list them with your progress, show one, write starters, grade a file."""
    try:
        from tinygrad_edu.exercises.cli import main as exercises_main
    except ImportError as error:  # hypothesis is an optional dependency
        print(f"exercises: {error}", file=sys.stderr)
        return 1
    return exercises_main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["exercises"]:  # its own command line: python -m tinygrad_edu exercises -h
        return exercises(argv[1:])
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

    train = commands.add_parser("train-mnist", help=train_mnist.__doc__,
                                description=train_mnist.__doc__)
    train.add_argument("--data", metavar="DIR", default=None,
                       help="folder with train-images-idx3-ubyte(.gz) etc. (default: "
                            "$TINYGRAD_EDU_FASHION_MNIST or $TINYGRAD_EDU_MNIST, then Debian's "
                            "/usr/share/datasets/fashion-mnist for Fashion-MNIST)")
    train.add_argument("--dataset", choices=["fashion", "mnist"], default="fashion",
                       help="which data set the files are (default: %(default)s)")
    train.add_argument("--epochs", type=int, default=10, help="default: %(default)s")
    train.add_argument("--batch-size", type=int, default=128, help="default: %(default)s")
    train.add_argument("--lr", type=float, default=1e-3,
                       help="Adam's learning rate (default: %(default)s)")
    train.add_argument("--lr-decay", type=float, default=1.0, metavar="GAMMA",
                       help="multiply the learning rate by GAMMA after every epoch, e.g. 0.9 "
                            "(default: %(default)s, constant)")
    train.add_argument("--hidden", type=int, nargs="+", default=[128], metavar="N",
                       help="hidden layer widths, e.g. --hidden 256 128 (default: 128)")
    train.add_argument("--seed", type=int, default=0,
                       help="seed for the weights and the batch order (default: %(default)s)")
    train.add_argument("--limit", type=int, default=None, metavar="N",
                       help="train on the first N training images only (the test set is "
                            "always used whole)")
    train.add_argument("--no-progress", action="store_true",
                       help="no progress bar (also off under CI=true without a terminal)")
    train.set_defaults(run=train_mnist)
    commands.add_parser("exercises", help=exercises.__doc__, add_help=False)  # handled above
    args = parser.parse_args(argv)
    if getattr(args, "steps", 0) < 0:
        parser.error("--steps must be >= 0")
    if args.command == "train-mnist":
        for option in ("epochs", "batch_size", "limit", "lr", "lr_decay"):
            value = getattr(args, option)
            if value is not None and not value > 0:
                parser.error(f"--{option.replace('_', '-')} must be > 0, got {value}")
        if min(args.hidden) < 1:
            parser.error(f"--hidden widths must be >= 1, got {args.hidden}")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
