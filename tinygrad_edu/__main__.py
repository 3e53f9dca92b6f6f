"""Command line: ``python -m tinygrad_edu demo``."""

from __future__ import annotations

import argparse
import sys


def demo(args: argparse.Namespace) -> int:
    """A first look: the seeds' f = (x + y)·(x - y), its graph and its backward pass."""
    from tinygrad_edu import Value, walk

    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    a = x + y
    a.label = "a"
    b = x - y
    b.label = "b"
    f = a * b
    f.label = "f"
    print("f = (x + y) * (x - y) at x = 3, y = 2\n")
    print("forward pass:")
    for node in walk(f):
        if node.parents:
            names = " and ".join(p.label for p in node.parents)
            print(f"  {node.label} = {node.data:g}   ({node.op} of {names})")
    f.backward()
    print("\nbackward pass (chain rule, from f back to the inputs):")
    for node in reversed(walk(f)):
        for parent, local in zip(node.parents, node.local_grads):
            print(f"  d{node.label}/d{parent.label} = {local:g}   "
                  f"-> {parent.label}.grad += {local:g} * {node.grad:g}")
    print(f"\ndf/dx = {x.grad:g} and df/dy = {y.grad:g}   (by hand: 2x = 6 and -2y = -4)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help=demo.__doc__).set_defaults(run=demo)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
