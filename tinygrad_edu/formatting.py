"""Numbers and shapes as text, written the same way everywhere: in a step, a drawing, a
replay page, an error message and a grader's verdict.

Numbers::

    short(0.123456)        '0.1235'     (to 4 significant digits, always with a point: '3.0')
    fmt(0.76159416)        '0.76159'    (what a learner reads in a step: 5 digits; a node's
                                         data; an array in full when small, else summarised)
    summary(array)         '[1.0 2.0; 3.0 4.0]', or 'min -0.31 · mean 0.012 · max 0.29'
    precise(0.25)          '0.25'       (a grader's: as Python writes it, when that is short;
                                         else 10 digits: precise(1 / 3) is '0.3333333333')
    shown(2 ** 1000)       '(an int of 1001 bits)' (any value in a message, cut to 60 chars)

Shapes, in two styles on purpose::

    shape_text((4, 5))     '4×5'     a table's or a drawing's cell ('5' for a vector,
                                     'scalar' for a 0-d array; or, with tuple_below_2d,
                                     '(5,)' and '()' as Python writes them, for a sentence)
    shape_str((10, 3))     '(10×3)'  inside an error message's sentence ('(3)', '()')

Nothing here imports NumPy as it is imported: the scalar engine's tools run without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu.arrays import is_array

__all__: list[str] = []  # the package's own: its tools and messages use these

MAX_SHOWN = 12  # arrays with at most this many entries are shown in full, larger ones summarised


# ----------------------------------------------------------------------------- numbers


def short(x: float, digits: int = 4) -> str:
    """A number to ``digits`` significant digits, as ``fmt`` writes it (``3.0``, ``-0.1235``)."""
    text = f"{x:.{digits}g}"
    return text if any(c in text for c in ".ein") else text + ".0"


def fmt(x: Any) -> str:
    """A number as learners like to read it: 5 significant digits, always with a point
    (``3.0``, ``0.76159``, ``1e-10``). A node (a gradient under create_graph) shows its data;
    an array is shown in full when small, else summarised (see ``summary``)."""
    if hasattr(x, "parents"):  # a Value or a Tensor: its numbers
        x = x._data
    if is_array(x):
        return summary(x)
    return short(x, 5)


def summary(array: Any, limit: int = MAX_SHOWN, digits: int = 4) -> str:
    """An array's numbers on one line when it has at most ``limit`` entries (rows separated
    by ``;``), otherwise its smallest, mean and largest entry, each to ``digits``
    significant digits: arrays of any size, MNIST's included, print small and fast."""
    import numpy as np

    a = np.asarray(array)
    if a.size == 0:
        return "(empty)"
    if a.size <= limit:
        return "; ".join(" ".join(row) for row in matrix_rows(a, digits)).join("[]") \
            if a.ndim else short(float(a), digits)
    with np.errstate(all="ignore"):
        return (f"min {short(float(np.min(a)), digits)} · mean "
                f"{short(float(np.mean(a)), digits)} · max {short(float(np.max(a)), digits)}")


def matrix_rows(array: Any, digits: int = 4) -> list[list[str]]:
    """An array's entries as rows of text (a vector is one row; higher dimensions are
    flattened into rows of the last axis)."""
    import numpy as np

    a = np.asarray(array)
    rows = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
    return [[short(float(v), digits) for v in row] for row in rows]


def precise(x: float) -> str:
    """A number as Python shows it (``1.0``, ``0.25``) when that takes at most 12
    characters, else to 10 significant digits (``0.3333333333``; ``0.1 + 0.2`` is ``0.3``):
    how the grader's verdicts show the expected numbers beside a learner's."""
    text = repr(float(x))
    return text if len(text) <= 12 else f"{x:.10g}"


def shown(x: Any) -> str:
    """``repr(x)``, cut to 60 characters: a 400-digit int or a long list stays readable."""
    if isinstance(x, int) and x.bit_length() > 200:
        return f"(an int of {x.bit_length()} bits)"
    text = repr(x)
    return text if len(text) <= 60 else f"{text[:57]}..."


# ----------------------------------------------------------------------------- shapes


def shape_text(shape: Sequence[int], *, tuple_below_2d: bool = False) -> str:
    """A shape as a table, a drawing or the matrix formulas write it: ``4×5``; ``5`` for a
    vector, ``1×1`` never shortened; ``scalar`` for a 0-d array. With ``tuple_below_2d`` a
    vector and a scalar are written as Python writes their shapes, ``(5,)`` and ``()``,
    so that in a sentence ("should have shape (5,)") a vector is not read as a number."""
    if tuple_below_2d and len(shape) < 2:
        return f"({shape[0]},)" if len(shape) else "()"
    return "×".join(map(str, shape)) if len(shape) else "scalar"


def shape_str(shape: Sequence[int]) -> str:
    """A shape inside an error message's sentence, in brackets: ``(10×3)``; ``(3)`` for a
    vector, ``()`` for a scalar."""
    return "(" + "×".join(str(n) for n in shape) + ")"


# ----------------------------------------------------------------------------- output


def not_shown(lines: int, chars: int, so_far: bool = False) -> str:
    """The line that stands for printed output that was cut: ``… 812,344 more lines,
    5,634,012 characters not shown …`` (the live pages', ``tinygrad_edu.viz.printing``, and
    the grader's, of what a learner's file printed)."""
    more = "line" if lines == 1 else "lines"
    return (f"… {lines:,} more {more}, {chars:,} characters not shown"
            f"{' so far' if so_far else ''} …\n")
