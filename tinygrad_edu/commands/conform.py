"""``python -m tinygrad_edu conform TARGET``: check a scalar autograd engine (anyone's) and
say what conforms, what differs and why, as a table, an HTML report card, JUnit XML and an
exit code (0: nothing differs or crashes; 1: something does; 2: the engine was not found)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__: list[str] = []

NAME_OPTIONS = ("class", "data", "grad", "backward", "zero_grad")


def add_parser(commands: Any) -> None:
    """The command's options, on the command line's subparsers."""
    conform = commands.add_parser(
        "conform", help=conform_command.__doc__, description=__doc__,
        epilog="Examples: python -m tinygrad_edu conform micrograd.engine:Value; "
               "python -m tinygrad_edu conform path/to/engine.py:Value --fast --html card.html")
    conform.add_argument("target", help="module:Class, or a .py file or package folder "
                         "(path:Class; engines that share an import name are told apart by path)")
    for name in NAME_OPTIONS:
        conform.add_argument(f"--{name.replace('_', '-')}", metavar="NAME", default=None,
                             help=f"what the engine calls its {name} (default: found)")
    conform.add_argument("--requires-grad", action="store_true",
                         help="make leaves with Class(x, requires_grad=True)")
    conform.add_argument("--fast", action="store_true", help="fewer cases: under 10 s")
    conform.add_argument("--seed", type=int, default=0, help="hypothesis's seed (default: 0)")
    conform.add_argument("--python", metavar="PATH", default=None,
                         help="run the engine under this Python (where it is installed)")
    conform.add_argument("--reference", choices=["auto", "torch", "differences"],
                         default="auto", help="PyTorch, central differences, or PyTorch where "
                                              "it is installed (default: %(default)s)")
    conform.add_argument("--only", metavar="ROW", action="append", default=None,
                         help="check this row only: an op (tanh, **) or a graph check "
                              "(diamond, 'chain of 10,000'); may be repeated")
    conform.add_argument("--html", metavar="FILE", type=Path, help="write a report card")
    conform.add_argument("--junit", metavar="FILE", type=Path, help="write JUnit XML")
    conform.add_argument("--json", metavar="FILE", type=Path, help="write the findings as JSON")
    conform.set_defaults(run=conform_command)


def conform_command(args: argparse.Namespace) -> int:
    """Check anyone's scalar autograd engine against PyTorch: every op, the graph shapes."""
    try:
        from tinygrad_edu.testing.conformance import EngineNotFound, conform
    except ImportError as error:  # hypothesis is an optional dependency
        print(f"conform: {error}", file=sys.stderr)
        return 2
    names: dict[str, Any] = {name: getattr(args, name) for name in NAME_OPTIONS}
    names["requires_grad"] = args.requires_grad or None
    try:
        report = conform(args.target, fast=args.fast, names=names, python=args.python,
                         seed=args.seed, reference=args.reference, only=args.only)
    except (EngineNotFound, ImportError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    print(report)
    for path, text in ((args.html, report.html), (args.junit, report.junit),
                       (args.json, report.to_json)):
        if path is not None:
            try:
                path.write_text(text(), encoding="utf-8")
            except OSError as error:
                print(f"conform: cannot write {path}: {error.strerror or error}",
                      file=sys.stderr)
                return 2
            print(f"wrote {path}")
    return report.exit_code()
