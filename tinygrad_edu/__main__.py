"""Command line: ``python -m tinygrad_edu demo [--out DIR] [--steps N] [--seed S]``,
``python -m tinygrad_edu train-mnist [--data DIR] [--dataset fashion|mnist] [--epochs N] ...``,
``python -m tinygrad_edu replay "(x + y) * (x - y)" x=3 y=2 -o replay.html``,
``python -m tinygrad_edu conform module:Value [--fast] [--html card.html]`` and
``python -m tinygrad_edu exercises [list | show NAME | start FILE | check FILE]`` (and, for a
class, ``exercises assignment NAME... --for ROUTE -o DIR | report DIR -o report.html``)."""

from __future__ import annotations

import argparse
import os
import sys

from tinygrad_edu.commands import conform
from tinygrad_edu.commands.demo import demo
from tinygrad_edu.commands.mnist import train_mnist
from tinygrad_edu.commands.options import MAX_SEED, integer, number, writable_directory


def replay(args: argparse.Namespace) -> int:
    """Write a web page that replays the forward and backward pass of a formula."""
    from tinygrad_edu.viz.replay import replay_command

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
    conform.add_parser(commands)
    commands.add_parser("exercises", help=exercises.__doc__, add_help=False)  # handled above
    args = parser.parse_args(argv)  # every option is checked here (see integer, number, ...)
    try:
        return args.run(args)
    except KeyboardInterrupt:  # Ctrl-C: the user's choice, not a crash to show a traceback of
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130  # the shell's code for a process ended by SIGINT


def stdout_closed() -> bool:
    """Whether the reader of stdout has gone (a pipe whose other end is closed): then a
    BrokenPipeError is the reader's choice; any other is an error, and said."""
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # (no poll: Windows)
        return False


if __name__ == "__main__":
    try:
        status = main()
        sys.stdout.flush()  # (here, where a reader that stopped reading is caught)
    except BrokenPipeError:  # `python -m tinygrad_edu exercises | head -5`: nothing to say
        if not stdout_closed():  # (a pipe of the program's own, to a process it started)
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no flush at exit)
        status = 141  # the shell's code for a process ended by SIGPIPE
    sys.exit(status)
