"""The verdict of a check: passed, or the simplest failing input with the expected and the
given answer, the diagnoses, and what to do next; and how it is shown as text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinygrad_edu.arrays import is_array
from tinygrad_edu.exercises.comparing import Outcome, shape_of
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.parts import Numbers, close
from tinygrad_edu.exercises.learner.printed import shortened
from tinygrad_edu.exercises.limit import TimeLimit
from tinygrad_edu.exercises.mistakes import Diagnosis
from tinygrad_edu.exercises.text_blocks import indent
from tinygrad_edu.formatting import precise, shape_text

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """The result of ``check``: ``passed``, or the simplest failing input with the expected
    and the given answer and, when one matches, a diagnosis. ``print(verdict)`` (or a
    notebook cell ending in it) shows it; ``bool(verdict)`` is ``passed``."""

    exercise: ExerciseSpec
    passed: bool
    examples: int = 0
    failure: Outcome | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    message: str = ""
    notes: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    """The exercise's graded parts (``ExerciseSpec.graded_parts``) that are right on every
    input tried: all of them when it passed; what partial credit counts."""

    def __bool__(self) -> bool:
        return self.passed

    @property
    def earned(self) -> float:
        """The share of the exercise's graded parts that are right (1 when it passed): an
        assignment with partial credit gives that share of its points."""
        if self.passed:
            return 1.0
        parts = self.exercise.graded_parts
        return len([p for p in self.right if p in parts]) / len(parts) if parts else 0.0

    @property
    def name(self) -> str:
        """The exercise's name (``'d_tanh'``, ``'Value'``)."""
        return self.exercise.name

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The first diagnosis, or None when no common mistake matches."""
        return self.diagnoses[0] if self.diagnoses else None

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of the diagnosed mistakes (``('sign',)``, ``('assign',)``, ...)."""
        return tuple(d.key for d in self.diagnoses)

    def __str__(self) -> str:
        ex = self.exercise
        if self.passed:
            return "\n".join([f"✓ {ex.name} passed: it agrees with the reference on "
                              f"{self.examples} inputs ({ex.domain})."]
                             + [indent(note, 2) for note in self.notes])
        if self.failure is None:
            return f"✗ {ex.name}: {self.message}"
        f = self.failure
        stage = f" ({ex.stage})" if ex.stage else ""
        lines = [f"✗ {ex.name}: not yet{stage}.", f"  failing input:{_case_text(f.case)}"]
        if isinstance(f.error, TimeLimit):
            lines += ["  your function did not finish:", indent(f.error_text, 4)]
        elif f.error is not None:
            yours = f"your {ex.name}" if ex.kind == "class" else "your function"
            lines += [f"  {yours} raised an error:", indent(f.error_text, 4)]
        elif f.problem:
            lines.append(f"  {f.problem}")
        else:
            lines += _comparison(ex, f)
        if f.printed.strip():
            lines += ["  it printed:", indent(shortened(f.printed, 600, 12, 3).rstrip(), 4)]
        lines += [indent(str(d), 2) for d in self.diagnoses]
        if self.message:
            lines.append(f"  {self.message}")
        lines += [indent(note, 2) for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:  # a notebook cell ending in a verdict shows the text
        return str(self)


def _case_text(case: Any) -> str:
    """A case after "failing input:": on the same line, or as code on the lines below."""
    text = str(case)
    return " " + text if "\n" not in text else "\n" + indent(text, 4)


def _comparison(ex: ExerciseSpec, f: Outcome) -> list[str]:
    assert f.got is not None
    if ex.rows is not None and len(ex.parts) == 1 and shape_of(f.got[0]) == shape_of(
            f.expected[0]):
        return _table(ex.rows(f.case), f.expected[0], f.got[0])
    names = ex.rows(f.case) if ex.rows is not None and len(ex.parts) > 1 else None
    lines = []
    label = len(ex.parts) > 1
    for i, (name, e, g) in enumerate(zip(ex.parts, f.expected, f.got)):
        mark = ("  ✓", "  ✗")[i in f.wrong] if label else ""
        prefix = f"{name}: " if label else ""
        if names is not None and isinstance(e, Numbers) and isinstance(g, Numbers) and (
                len(e) == len(g) == len(names[i])):
            lines += _wrong_entries(name, names[i], e, g)
            continue
        e_text, g_text = format_part(e), format_part(g)
        if "\n" in e_text or "\n" in g_text or len(e_text) + len(g_text) > 60:
            lines += [f"  {prefix}expected{mark}", indent(e_text, 4), "  got",
                      indent(g_text, 4)]
        else:
            lines.append(f"  {prefix}expected {e_text}, got {g_text}{mark}")
    return lines


SHOWN = 6
"""The most entries of a part a verdict lists where that part is wrong."""


def _wrong_entries(part: str, names: list[str], expected: Numbers, got: Numbers) -> list[str]:
    """A part of many numbers, each with its name: right (how many), or its wrong entries
    (at most ``SHOWN``, then how many more)."""
    wrong = [k for k, (e, g) in enumerate(zip(expected, got)) if not close(g, e)]
    count = f"{len(expected)} number{'s' * (len(expected) != 1)}"
    if not wrong:
        return [f"  {part}: right ({count})  ✓"]
    rows = [("", "expected", "got")] + [(names[k], precise(float(expected[k])),
                                         precise(float(got[k]))) for k in wrong[:SHOWN]]
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    table = ["    " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + ("  ✗" * (j > 0))
             for j, r in enumerate(rows)]
    more = len(wrong) - SHOWN
    tail = [f"    ... and {more} more of the {len(wrong)} wrong"] if more > 0 else []
    return [f"  {part}: {len(wrong)} of {count} wrong  ✗", *table, *tail]


def _table(names: list[str], expected: Any, got: Any) -> list[str]:
    rows = [("", "expected", "got", "")] + [
        (n, precise(float(e)), precise(float(g)), "" if close(g, e) else "✗")
        for n, e, g in zip(names, expected, got)]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, [*widths, 1])).rstrip()
            for r in rows]


def format_part(x: Any) -> str:
    """A part of an answer for the verdict: a number, an array with its shape, or a list."""
    if isinstance(x, float):
        return precise(x)
    if isinstance(x, Numbers):
        return f"[{', '.join(map(precise, x))}]"
    if is_array(x):
        if x.shape == ():
            return precise(float(x))
        import numpy as np

        body = np.array2string(x, precision=6, suppress_small=True, separator=", ")
        return f"{body}  (shape {shape_text(x.shape, tuple_below_2d=True)})"
    if isinstance(x, tuple):
        return ", ".join(map(str, x))
    return str(x)
