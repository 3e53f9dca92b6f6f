"""Blocks of text as the grader's verdicts and diagnoses lay them out (their numbers and
shapes are written by ``tinygrad_edu.formatting``)."""

from __future__ import annotations

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


def indent(text: str, n: int) -> str:
    """Every line of ``text`` that is not empty, ``n`` spaces further right."""
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def shorten(text: str, n: int, lines: int) -> str:
    """At most ``n`` characters and ``lines`` lines of ``text``, with … where it was cut."""
    kept = "\n".join(text.splitlines()[:lines])
    kept = kept[:n]
    return text if kept == text else kept + " …"
