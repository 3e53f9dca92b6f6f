"""The command line's options, checked while parsing: ``type=`` functions for argparse.

A bad value is found before any work starts, and argparse prints "argument --lr: must be
..." and exits with code 2.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__: list[str] = []  # (the command line is described in the guides)

MAX_SEED = 2**32 - 1  # NumPy's RandomState takes seeds from 0 to 2**32 - 1


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
