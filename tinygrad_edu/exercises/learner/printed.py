"""What a learner's code prints while it is graded: its first ``KEPT`` characters kept, the
rest only counted, its last lines kept too, and the cut said as the live pages say it
(``… 997,970 more lines, 6,879,790 characters not shown …``, ``formatting.not_shown``).

A call that prints in a loop a million times fills no memory and costs little more than
its prints: past the kept part, what comes is joined and counted a few thousand writes at
a time. The grader's process (``running``, also the page's Python) and the learner's
(``serve``) keep what each call prints with it; the verdict shows it shorter still
(``text_blocks.printed_block``), and says how many lines a call stopped in a flood had
printed (``printed_lines``).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from tinygrad_edu.formatting import not_shown

__all__: list[str] = []  # the grader's inner workings

KEPT = 20_000
"""The characters of what one call prints that are kept (the verdict shows fewer)."""
LAST = 5
"""The last lines of a cut output that are kept, after the line saying what was cut."""
_END = 2_000  # the last characters past the cut kept, for those lines
_HEAD = 2_000  # the first characters of a flood the page is told (``tell_floods``)
TELL_EVERY_S = 0.25
"""How often, at most, a flood is told to the page (``tell_floods``)."""
_floods: list[Callable[[str, int, int, str], Any]] = []
_flood_said = [0.0]


def tell_floods(tell: Callable[[str, int, int, str], Any] | None) -> None:
    """Have each call's output that the grader keeps for its verdict (``Printed``), grown
    past what it keeps, told by ``tell`` (the page's Python: ``viz.playground`` gives the
    worker's ``pagePrinted``, ``viz.page_python.PRINTED``), at most every ``TELL_EVERY_S``:
    its first characters, the lines and characters it printed so far, and its last
    characters. Where the page cannot
    interrupt Python (a server that does not isolate it), its time limit ends Python's
    worker, and the verdict that would show that output never comes: the page shows this
    instead, and says the code printed too much (before, "A solution that loops forever is
    the usual cause", and nothing of what it printed: a tester's walk). Set here, not by a
    tool imported in the learner's process (which imports none). None: told to none."""
    _floods[:] = [tell] if tell is not None else []
_CUT = re.compile(r"^… ([\d,]+) more lines?, ([\d,]+) characters not shown …$", re.M)


class Printed(io.StringIO):
    """What one call prints (``sys.stdout`` while it runs): ``getvalue()`` is all of it, or
    its first ``kept`` characters, a line saying how much more there was, and the last
    ``LAST`` lines."""

    rest: list[str] | None = None  # (past the kept part: what came, not yet counted)
    open = False  # (the kept part ends inside a line: the first "\n" past it ends that line)
    over_lines = over_chars = 0
    end = ""  # the last characters past the kept part

    def __init__(self, kept: int = KEPT) -> None:
        super().__init__()
        self.kept = kept

    def write(self, text: str) -> int:
        rest = self.rest
        if rest is None:
            room = self.kept - self.tell()
            if len(text) <= room:
                return super().write(text)
            cut = max(room, 0)  # (at the end of a line, where one ends in the room)
            end = text.rfind("\n", 0, cut)
            if end >= 0 or super().getvalue().endswith("\n"):
                cut = end + 1
            super().write(text[:cut])
            self.open = not super().getvalue().endswith("\n")  # (the kept part's last line
            self.rest = rest = [text[cut:]]  # unfinished: its end is shown, not hidden)
        else:
            rest.append(text)
        if len(rest) >= 4096:
            self._count()
        return len(text)

    def _count(self) -> None:
        counted = "".join(self.rest or ())
        self.over_lines += counted.count("\n")
        self.over_chars += len(counted)
        self.end = (self.end + counted)[-_END:]
        self.rest = []
        if _floods and time.monotonic() - _flood_said[0] >= TELL_EVERY_S:  # (the page's
            kept = super().getvalue()  # Python only: ``tell_floods``)
            _flood_said[0] = time.monotonic()
            _floods[0](kept[:_HEAD], kept.count("\n") + self.over_lines,
                       len(kept) + self.over_chars, self.end)

    def getvalue(self) -> str:
        kept = super().getvalue()
        if self.rest is None:
            return kept
        self._count()
        last = self.end.splitlines(keepends=True)
        if len(self.end) == _END and last:  # (its first line may be a part of one)
            last = last[1:]
        tail = "".join(last[-LAST:])
        lines, chars = self.over_lines - tail.count("\n"), self.over_chars - len(tail)
        if self.open and lines > 0:  # (the "\n" that ends the kept part's last line is the
            lines, chars = lines - 1, chars - 1  # line break shown after it, print's "\n"
            # after its text, or after its other arguments: before, one line and one
            # character too many, issue 66's fourth and fifth testers)
        if lines <= 0 and chars <= 0:
            return kept + tail
        return (kept + ("" if kept.endswith("\n") else "\n")
                + not_shown(max(lines, 1), chars) + tail)


def cut_of(text: str) -> tuple[str, int, int, str]:
    """``text`` as ``Printed`` gives it: what comes before the line about the cut, the lines
    and characters that line says were not shown, and what comes after (``"", 0, 0, ""``
    past ``text`` when nothing was cut)."""
    found = _CUT.search(text)
    if found is None:
        return text, 0, 0, ""
    return (text[:found.start()], int(found[1].replace(",", "")),
            int(found[2].replace(",", "")), text[found.end() + 1:])


def printed_lines(text: str) -> int:
    """How many lines a call printed, ``text`` being what ``Printed`` kept of it."""
    before, lines, _, after = cut_of(text)
    return len(before.splitlines()) + lines + len(after.splitlines())


def shortened(text: str, chars: int, lines: int, last: int) -> str:
    """What a verdict shows of ``text`` (what ``Printed`` kept of a call's output): all of it
    if it is at most ``lines`` lines and ``chars`` characters; else its first lines within
    those, a line saying how much was not shown (``not_shown``) and its last ``last``
    lines."""
    before, hidden_lines, hidden_chars, after = cut_of(text)
    pieces = before.splitlines(keepends=True)
    if not hidden_lines and not hidden_chars and len(pieces) <= lines and len(text) <= chars:
        return text
    head: list[str] = []
    for piece in pieces[:lines]:
        if head and sum(map(len, head)) + len(piece) > chars:
            break
        head.append(piece[:chars])
    rest = pieces[len(head):] + after.splitlines(keepends=True)
    tail = rest[len(rest) - last:] if len(rest) > last else rest
    hidden = rest[:len(rest) - len(tail)]
    hidden_lines += len(hidden)
    hidden_chars += sum(map(len, hidden)) + (len(pieces[0]) - len(head[0]) if head else 0)
    shown = "".join(head)
    if hidden_lines or hidden_chars:
        shown += ("" if shown.endswith("\n") else "\n") + not_shown(max(hidden_lines, 1),
                                                                   hidden_chars)
    return shown + "".join(tail)


def ignored_once(path: str) -> Callable[[Any], None]:
    """``sys.unraisablehook`` while a learner's file is graded (the learner's process; the
    page's Python in a Check): an error Python ignores, one raised in a ``__del__`` say,
    said once in a line of its own, with the line of the file at ``path`` it was raised at;
    the same error again (the same kind, at the same line), not at all. Python's own hook
    prints each in full, reading the source of each frame: a ``__del__`` that fails on the
    grader's copies of the learner's Values (made without ``__init__``) filled the page
    with 100 KB of them, and in the learner's process its search for a file named as the
    learner's, in the folders of the standard library, was taken for the learner's code
    opening the grader's files ("reported, not graded"). Nothing is read here."""
    said: set[tuple[type, str]] = set()
    name = os.path.basename(path)

    def hook(unraisable: Any) -> None:
        error, tb = unraisable.exc_value, unraisable.exc_traceback
        frames = []
        while tb is not None:
            frames.append((tb.tb_frame.f_code, tb.tb_lineno))
            tb = tb.tb_next
        own = [f for f in frames if os.path.basename(f[0].co_filename) == name] or frames
        where = f"{name}, line {own[-1][1]}, in {own[-1][0].co_name}" if own else name
        if (type(error), where) in said:
            return
        said.add((type(error), where))
        what = None
        if own:  # (its qualified name: the code's from 3.11, the function's before)
            code, held = own[-1][0], unraisable.object
            what = getattr(code, "co_qualname", None) or (
                getattr(held, "__qualname__", None) if getattr(held, "__code__", None) is code
                else None) or code.co_name
        said_as = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        with contextlib.suppress(Exception):
            sys.stderr.write(
                f"{where}: {said_as} (an error Python ignored, raised in "
                f"{what or 'code Python ran as it freed an object'}: Python runs __del__ as "
                "it frees an object, the grader's copies of yours too, and goes on; it is "
                "said once here, however often it came)\n")

    return hook
