"""Blocks of text as the grader's verdicts and diagnoses lay them out (their numbers and
shapes are written by ``tinygrad_edu.formatting``)."""

from __future__ import annotations

import codecs
import contextlib
import sys
from collections.abc import Sequence
from typing import Any

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


def indent(text: str, n: int) -> str:
    """Every line of ``text`` that is not empty, ``n`` spaces further right."""
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def shorten(text: str, n: int, lines: int) -> str:
    """At most ``n`` characters and ``lines`` lines of ``text``, with … where it was cut."""
    kept = "\n".join(text.splitlines()[:lines])
    kept = kept[:n]
    return text if kept == text else kept + " …"


def place(file: str, cells: Sequence[Sequence[int]], lineno: int,
          lines: Sequence[str]) -> str:
    """Where line ``lineno`` of a learner's code is, as a verdict says it: ``"FILE, line
    L"``, or for a notebook (``cells``: each cell's number, first and last line in its
    code, ``loading.cells_of``; ``lines``: that code's lines) ``FILE, the cell that begins
    `def d_tanh(x, y):`, line L``, counted in that cell as Jupyter counts a cell's lines."""
    for _, first, last in cells:
        if first <= lineno <= last:  # (its line ``# cell N`` is line 0 of the cell)
            return f"{file}, {cell_named(lines[first:last])}, line {lineno - first}"
    return f"{file}, line {lineno}"


def at_lines(cells: Sequence[Sequence[int]], linenos: Sequence[int],
             lines: Sequence[str]) -> str:
    """Where lines ``linenos`` of a learner's code are, as a verdict's sentence ends: ``on
    line 9`` (``on lines 9 and 10``), or for a notebook (``cells`` and ``lines`` as ``place``
    has them) ``in the cell that begins `def d_tanh(x, y):`, line 3``: the same lines as
    ``place`` names, never a line of the notebook's cells put together."""
    said: dict[str, list[int]] = {}
    for lineno in linenos:
        cell = next(((first, last) for _, first, last in cells if first <= lineno <= last),
                    None)
        if cell is None:
            said.setdefault("on", []).append(lineno)
        else:
            said.setdefault(f"in {cell_named(lines[cell[0]:cell[1]])},",
                            []).append(lineno - cell[0])
    return " and ".join(f"{where} line{'s' if len(numbers) > 1 else ''} "
                        f"{' and '.join(map(str, numbers))}" for where, numbers in said.items())


def cell_named(lines: Sequence[str]) -> str:
    """A notebook's cell (its lines) as a learner finds it in Jupyter, which numbers no cell
    but the runs (``[5]``, another at each run; none before a run, in a notebook saved
    again, or in the kernel's ``In`` of a check): by its first line of code, the same in a
    check, in the grade and in the teacher's report."""
    code = [line.strip() for line in lines if line.strip()]
    first = next((line for line in code if not line.startswith("#")), code[0] if code else "")
    if not first:
        return "an empty cell"
    return f"the cell that begins `{first if len(first) <= 48 else first[:47] + '…'}`"


SHOWN = "tinygrad_edu.shown"
"""The error handler (``codecs.register_error``) that writes what an encoding cannot as
backslash escapes: a name's bytes that are not UTF-8, which Python reads as lone surrogates
(a student's file ``week3\\xff.py``: ``\\udcff``), as the bytes they were (``\\xff``); any
other character as ``backslashreplace`` does. A report, a results.json and the terminal are
written with it, so a name no encoding can write is shown, never the end of the grading."""


def _escaped(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else
                   c.encode("ascii", "backslashreplace").decode("ascii")
                   for c in error.object[error.start:error.end]), error.end


codecs.register_error(SHOWN, _escaped)


def shown(text: str) -> str:
    """``text`` as UTF-8 can write it: what it cannot (a lone surrogate, from a name that
    is not UTF-8) as a backslash escape (``SHOWN``)."""
    return text.encode("utf-8", SHOWN).decode("utf-8")


def visible(text: str) -> str:
    """``text`` as a tool shows it: ``shown``, and each control character but a new line
    and a tab as its escape (``CONTROLS``: ``\\x1b``), so that a name or an output of a
    learner's neither colours, hides nor rewrites what is around it."""
    return shown(text).translate(CONTROLS)


def shown_data(data: Any) -> Any:
    """``data`` (JSON's: dicts, lists, strings, numbers) with every string ``shown``, keys
    too, and each control character in it but a new line and a tab as its escape
    (``CONTROLS``): what is dumped as JSON for a tool or a page. A tool shows JSON's strings
    as they are (Gradescope's results.json: a file named with a terminal's escape codes, or
    an answer's print of them, shown raw, though JSON wrote them ``\\u001b``)."""
    if isinstance(data, str):
        return visible(data)
    if isinstance(data, dict):
        return {shown_data(k): shown_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [shown_data(v) for v in data]
    return data


def shown_on_terminal() -> None:
    """Write stdout and stderr with ``SHOWN``: a name that is not UTF-8 printed as its
    escapes (stderr's own ``backslashreplace`` says ``\\udcff``; stdout's ``strict``, under
    some locales, raised); and every control character but a new line and a tab as its
    escape (``\\x1b``), whatever wrote it: a file named with a terminal's escape codes, or
    a learner's print of one, would otherwise move the cursor, clear or retitle the teacher's
    terminal, or forge the lines above."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors=SHOWN)
        if stream is not None and not isinstance(stream, NoControls):
            setattr(sys, name, NoControls(stream))


CONTROLS = {c: f"\\x{c:02x}" for c in (*range(32), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"}
"""``str.translate``'s table: each control character (C0, DEL, C1) as its escape."""


class NoControls:
    """A text stream that writes each control character but a new line and a tab as its
    escape (``CONTROLS``), and is otherwise the stream it wraps."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.translate(CONTROLS))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
