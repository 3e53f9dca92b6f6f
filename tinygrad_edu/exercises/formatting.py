"""Numbers, shapes and blocks of text as the grader's verdicts and diagnoses write them."""

from __future__ import annotations

from collections.abc import Sequence

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


def fmt(x: float) -> str:
    """A number as Python shows it (``1.0``, ``0.25``), or to 10 significant digits."""
    text = repr(float(x))
    return text if len(text) <= 12 else f"{x:.10g}"


def shape_text(shape: Sequence[int]) -> str:
    """(3, 4) as 3×4; a 1-d shape as (4,)."""
    return "×".join(map(str, shape)) if len(shape) > 1 else f"({shape[0]},)" if shape else "()"


def indent(text: str, n: int) -> str:
    """Every line of ``text`` that is not empty, ``n`` spaces further right."""
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def shorten(text: str, n: int, lines: int) -> str:
    """At most ``n`` characters and ``lines`` lines of ``text``, with … where it was cut."""
    kept = "\n".join(text.splitlines()[:lines])
    kept = kept[:n]
    return text if kept == text else kept + " …"
