"""What the three routes of an assignment share (``for_nbgrader.py``, ``for_gradescope.py``,
``for_github.py``): the error they raise, the files they are made from (``files/``, filled
in), and the checks of the assignment's name and points."""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources

from tinygrad_edu.viz.pages import fill

__all__ = ["AssignmentError"]


class AssignmentError(Exception):
    """An assignment could not be made (the message says why, and what to do)."""


def template(name: str, values: Mapping[str, str]) -> str:
    """The file ``files/NAME`` with each ``@@KEY@@`` replaced by ``values[KEY]``."""
    text = (resources.files("tinygrad_edu.exercises.classroom") / "files" / name).read_text(
        encoding="utf-8")
    return fill(text.strip("\n"), dict(values))


def check_name(name: str) -> str:
    """The assignment's name, which names its folder, its file and nbgrader's ids."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise AssignmentError(f"--name {name!r}: an assignment's name starts with a letter and "
                              "holds only letters, digits, - and _ (it names its file, and "
                              "nbgrader's ids): ps1, week-3, backprop")
    return name


def points_text(points: float) -> str:
    """Points as a number without a needless ``.0``."""
    return f"{points:g}"
