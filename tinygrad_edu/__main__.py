"""Command line: ``python -m tinygrad_edu demo [--out DIR] [--steps N] [--seed S]``,
``python -m tinygrad_edu train-mnist [--data DIR] [--dataset fashion|mnist] [--epochs N] ...``,
``python -m tinygrad_edu replay "(x + y) * (x - y)" x=3 y=2 -o replay.html`` and
``python -m tinygrad_edu exercises [list | show NAME | start FILE | check FILE]`` (and, for a
class, ``exercises assignment NAME... --for ROUTE -o DIR | report DIR -o report.html``)."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

PLOT_HINT = "pip install matplotlib (in a clone of tinygrad_edu: pip install -e '.[plot]')"
MAX_SEED = 2**32 - 1  # NumPy's RandomState takes seeds from 0 to 2**32 - 1


# ----------------------------------------------------------------------------- checking options
# argparse ``type=`` functions: a bad value is found while parsing, before any work, and
# argparse prints "argument --lr: must be ..." and exits with code 2.


def integer(low: int, high: int | None = None) -> Callable[[str], int]:
    """An option that must be an int from ``low`` to ``high`` (no upper end if None)."""
    rule = f">= {low}" if high is None else f"from {low} to {high}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer {rule}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be an integer {rule}, got {value}")
        return value

    return parse


def number(low: float, *, inclusive: bool = False) -> Callable[[str], float]:
    """An option that must be a finite number above ``low`` (or equal, if ``inclusive``):
    'inf' and 'nan' are numbers to Python's float(), but never a useful setting."""
    rule = f"{'>=' if inclusive else '>'} {low:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number {rule}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"must be a finite number {rule}, got {text}")
        return value

    return parse


def writable_directory(text: str) -> Path:
    """An output folder, checked while the arguments are read, so that a bad ``--out`` is
    found before training, not after: a temporary file is written (and removed) in it, or,
    if it does not exist yet, in the folder it will be made in. Nothing is created here; the
    command makes the folder when it starts its work."""
    path = Path(text)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"{existing} is a file, not a folder; choose another "
                                         "folder for the output")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        where = text if existing == path else f"{existing} (to make {text} in)"
        raise argparse.ArgumentTypeError(f"cannot write to the folder {where}: {reason}; "
                                         "choose a folder you can write to") from None
    return path


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
    from tinygrad_edu.train import TrainingDiverged, fit
    from tinygrad_edu.watch import L2, demo_data, demo_line, demo_model, demo_optimizer

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

    # The data, the model, the optimizer and the schedule are tinygrad_edu.watch's, which
    # the site's page "Watch it learn" trains step by step with the same numbers.
    X, y = (np.asarray(a) for a in demo_data(args.seed))  # labels -1 and +1, for the loss
    model = demo_model(args.seed)
    print(f"{model}\n")
    print(f"Training on {len(X)} moons points: max-margin loss + 1e-4 L2, SGD with the "
          f"learning rate falling from 1.0 to 0.1, {args.steps} full-batch steps.")
    optimizer, schedule = demo_optimizer(model, args.steps)
    try:
        history = fit(model, X, y, hinge_loss, optimizer, epochs=args.steps, l2=L2,
                      scheduler=schedule, seed=args.seed, desc="training")
    except TrainingDiverged as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    every = max(1, args.steps // 10)
    for k in range(0, args.steps, every):
        print(demo_line(k, history.loss[k], history.accuracy[k]))
    if history.loss:
        print(f"After {args.steps} steps: loss {history.loss[-1]:.4f}, training accuracy "
              f"{history.accuracy[-1]:.1%}")

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


def train_mnist(args: argparse.Namespace) -> int:
    """Train an MLP on Fashion-MNIST or MNIST with the tensor engine (Adam, cross-entropy)."""
    import time

    import numpy as np
    from tqdm.auto import tqdm

    from tinygrad_edu.formatting import shape_text
    from tinygrad_edu.idx import IDXError, load_fashion_mnist, load_mnist
    from tinygrad_edu.optim import StepLR
    from tinygrad_edu.tensor import MLP, Adam, cross_entropy, no_grad
    from tinygrad_edu.train import TrainingDiverged, fit, quiet_progress

    def fail(message: str) -> int:
        print(f"train-mnist: {message}", file=sys.stderr)
        return 1

    load = load_fashion_mnist if args.dataset == "fashion" else load_mnist
    try:  # (the loaders check that images and labels agree, file by file)
        train_images, y_train = load(args.data, kind="train")
        test_images, y_test = load(args.data, kind="test")
    except (OSError, IDXError) as error:  # missing, unreadable or broken files
        return fail(str(error))
    if args.limit:
        train_images, y_train = train_images[: args.limit], y_train[: args.limit]
    for kind, images in (("training", train_images), ("test", test_images)):
        if len(images) == 0:
            return fail(f"the {kind} files hold no images; check the data folder")
    if train_images.shape[1:] != test_images.shape[1:]:
        size = lambda images: shape_text(images.shape[1:])
        return fail(f"the training images are {size(train_images)} pixels but the test images "
                    f"are {size(test_images)}: the train-* and t10k-* files come from different "
                    "data sets; put matching files in the data folder")

    def as_inputs(images: Any) -> Any:  # one row of pixels in [0, 1] per image, float32
        return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)

    X_train, X_test = as_inputs(train_images), as_inputs(test_images)
    y_train, y_test = y_train.astype(np.intp), y_test.astype(np.intp)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    try:
        model = MLP(X_train.shape[1], [*args.hidden, n_classes], seed=args.seed,
                    dtype=np.float32)
    except MemoryError:
        widths = " ".join(map(str, args.hidden))
        return fail(f"not enough memory for an MLP with hidden layers of {widths} neurons; "
                    "use smaller --hidden widths")
    optimizer = Adam(model.parameters(), lr=args.lr)
    schedule = StepLR(optimizer, step_size=1, gamma=args.lr_decay)  # gamma 1: constant
    name = "Fashion-MNIST" if args.dataset == "fashion" else "MNIST"
    print(f"{model}\n")
    print(f"{name}: {len(X_train)} training and {len(X_test)} test images of "
          f"{X_train.shape[1]} pixels, {n_classes} classes. Adam lr {args.lr:g}"
          f"{f' × {args.lr_decay:g} per epoch' if args.lr_decay != 1 else ''}, batch "
          f"{args.batch_size}, {args.epochs} epochs.", flush=True)
    advice = f"lower the learning rate, e.g. --lr {args.lr / 10:g}"
    clock = [time.perf_counter()]

    class TestOutputsNaN(Exception):
        """The model's outputs on the test images are not all finite numbers."""

    def report(epoch: int, history: Any) -> None:
        """After every epoch: the test accuracy, on a line of its own."""
        seconds = time.perf_counter() - clock[0]
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):
            logits = model(X_test).data  # no graph is recorded: just the forward pass
        if not np.isfinite(logits).all():  # argmax would count NaN as a class
            raise TestOutputsNaN(f"after epoch {epoch} the model's outputs on the test images "
                                 f"are NaN or inf (learning rate {history.lr[-1]:g})")
        test = float((logits.argmax(axis=1) == y_test).mean())
        tqdm.write(f"epoch {epoch:2d}/{args.epochs}: train loss {history.loss[-1]:.4f}, "
                   f"train accuracy {history.accuracy[-1]:6.2%}, test accuracy {test:6.2%} "
                   f"({seconds:.2f} s)", file=sys.stdout)
        clock[0] = time.perf_counter()

    try:
        fit(model, X_train, y_train, cross_entropy, optimizer, epochs=args.epochs,
            batch_size=args.batch_size, scheduler=schedule, seed=args.seed,
            progress=not (args.no_progress or quiet_progress()), desc=name, on_epoch=report)
    except TrainingDiverged as error:
        return fail(f"training diverged: {error.reason} at epoch {error.epoch}, step "
                    f"{error.step} (learning rate {error.lr:g}); {advice}")
    except TestOutputsNaN as error:
        return fail(f"training diverged: {error}; {advice}")
    return 0


def replay(args: argparse.Namespace) -> int:
    """Write a web page that replays the forward and backward pass of a formula."""
    from tinygrad_edu.replay import replay_command

    return replay_command(args.formula, args.values, args.out, forward=not args.backward_only,
                          rankdir=args.rankdir)


def exercises(argv: list[str]) -> int:
    """The exercises: list them with your progress, show one, write starters, grade a file;
    hand them out to a class and report what it got wrong."""
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
    run.add_argument("--out", type=writable_directory, default="demo_output",
                     help="folder for decision_boundary.png, neuron.svg and backward.html "
                          "(default: %(default)s)")
    run.add_argument("--steps", type=integer(0), default=100,
                     help="full-batch training steps (default: %(default)s)")
    run.add_argument("--seed", type=integer(0, MAX_SEED), default=1337,
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
    train.add_argument("--epochs", type=integer(1), default=10, help="default: %(default)s")
    train.add_argument("--batch-size", type=integer(1), default=128,
                       help="default: %(default)s")
    train.add_argument("--lr", type=number(0), default=1e-3,
                       help="Adam's learning rate (default: %(default)s)")
    train.add_argument("--lr-decay", type=number(0), default=1.0, metavar="GAMMA",
                       help="multiply the learning rate by GAMMA after every epoch, e.g. 0.9 "
                            "(default: %(default)s, constant)")
    train.add_argument("--hidden", type=integer(1), nargs="+", default=[128], metavar="N",
                       help="hidden layer widths, e.g. --hidden 256 128 (default: 128)")
    train.add_argument("--seed", type=integer(0, MAX_SEED), default=0,
                       help="seed for the weights and the batch order (default: %(default)s)")
    train.add_argument("--limit", type=integer(1), default=None, metavar="N",
                       help="train on the first N training images only (the test set is "
                            "always used whole)")
    train.add_argument("--no-progress", action="store_true",
                       help="no progress bar (also off under CI=true without a terminal)")
    train.set_defaults(run=train_mnist)

    page = commands.add_parser(
        "replay", help=replay.__doc__,
        description=f"{replay.__doc__} Example: python -m tinygrad_edu replay "
                    "\"(x + y) * (x - y)\" x=3 y=2 -o replay.html. The formula may use names, "
                    "numbers, + - * / **, unary minus and the ops tanh, relu, exp, log, "
                    "sigmoid, sqrt, sin, cos, abs, leaky_relu(x, 0.1), dot([w1, w2], [x1, x2]) "
                    "and vsum([a, b]); it is parsed, never run as Python.")
    page.add_argument("formula", help='the formula, in quotes: "(x + y) * (x - y)" (one that '
                                      'starts with - goes after the options and --: '
                                      '-o page.html -- "-x * y" x=1 y=2)')
    page.add_argument("values", nargs="*", metavar="NAME=VALUE",
                      help="a number for every name in the formula, e.g. x=3 y=2")
    page.add_argument("-o", "--out", default="replay.html", metavar="FILE",
                      help="where to write the page, - for stdout (default: %(default)s)")
    page.add_argument("--backward-only", action="store_true",
                      help="start with every value computed: replay only the backward pass")
    page.add_argument("--rankdir", choices=["LR", "TB"], default="LR",
                      help="draw left to right or top to bottom (default: %(default)s)")
    page.set_defaults(run=replay)
    commands.add_parser("exercises", help=exercises.__doc__, add_help=False)  # handled above
    args = parser.parse_args(argv)  # every option is checked here (see integer, number, ...)
    try:
        return args.run(args)
    except KeyboardInterrupt:  # Ctrl-C: the user's choice, not a crash to show a traceback of
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130  # the shell's code for a process ended by SIGINT


if __name__ == "__main__":
    sys.exit(main())
