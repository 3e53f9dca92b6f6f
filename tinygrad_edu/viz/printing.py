"""What the page's Python prints, on its way to the page: every line as it happens, and a
flood cut, as a notebook cuts a long output.

In the browser, a call from Python into JavaScript for each line printed costs about 20 us:
``for i in range(10**6): print(i)`` took 21 s in the playground, and the exercises page
stopped such a file after 5 s as "an endless loop". ``Printing`` gives ``sys.stdout`` and
``sys.stderr`` a stream of its own (``install``): each line goes to the page as it is
printed (``send(stream, text)``) up to ``HEAD_LINES`` lines or ``HEAD_CHARS`` characters in
a run; past that, the streams are block-buffered (a call out of Python per
``BUFFER_BYTES``, not per line) and what comes is only counted, its last ``TAIL_LINES``
kept, with a line on the page, ``not_shown`` (how many lines more, so far), said again at most
every ``EVERY_S``. ``settle()`` ends a run's output: the line saying how much was not shown,
then the last lines; what is printed after it is shown again (the grader's verdict after
the learner's flood). The same loop now ends in about 3 s.

The page's Python has no keyboard: ``input()`` asked the browser's ``prompt()``, which a
worker lacks, and raised "OSError: [Errno 29] I/O error" (with an error in the console).
``sys.stdin`` is made one that says so (``_NoKeyboard``), with the EOFError ``input()``
raises when the command grades a file.
"""

from __future__ import annotations

import codecs
import io
import sys
import time
from collections.abc import Callable
from typing import Any

from tinygrad_edu.formatting import not_shown

__all__ = ["HEAD_CHARS", "HEAD_LINES", "TAIL_CHARS", "TAIL_LINES", "Printing", "not_shown",
           "settle"]

HEAD_LINES = 2000
"""The most lines a run shows as they are printed (a training loop's 1,000 lines of loss
are all shown)."""
HEAD_CHARS = 100_000
"""The most characters a run shows as they are printed."""
TAIL_LINES = 30
"""The last lines of a cut output, shown at its end (a traceback after a flood, say)."""
TAIL_CHARS = 10_000
"""The most characters of those last lines shown (the end of one huge line, say)."""
EVERY_S = 0.25
"""How often the line about the cut is said again while a flood goes on."""
BUFFER_BYTES = 1 << 16
"""What a flood's stream holds before it is counted: one call per this many bytes."""


class _ToPage(io.RawIOBase):
    """The bytes one stream (``"stdout"``, ``"stderr"``) writes, decoded, to ``printing``."""

    def __init__(self, name: str, printing: Printing) -> None:
        super().__init__()
        self.name = name
        self.printing = printing
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        text = self.decoder.decode(bytes(data))
        if text:
            self.printing.take(self.name, text)
        return len(data)


NO_KEYBOARD = ("EOF when reading a line: the Python in this page has no keyboard to read "
               "from; write the value into your code instead")


class _NoKeyboard(io.TextIOBase):
    """``sys.stdin`` of the page's Python: reading it raises EOFError, saying why."""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        raise EOFError(NO_KEYBOARD)

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise EOFError(NO_KEYBOARD)


class Printing:
    """``sys.stdout`` and ``sys.stderr`` of the page's Python (``install``), sending what
    they print with ``send(stream, text)``; ``stream`` ``"cut"`` is the line about the cut,
    which replaces the one before it; ``"ran"``, sent by ``settle`` after a cut output, marks
    its end (what comes next, the grader's verdict, the exercises page shows first).
    ``clock``: seconds, for how often that line is said."""

    def __init__(self, send: Callable[[str, str], Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.send = send
        self.clock = clock
        self.raw = {name: _ToPage(name, self) for name in ("stdout", "stderr")}
        self.line = {name: self._wrapper(raw, True) for name, raw in self.raw.items()}
        self.block = {name: self._wrapper(raw, False) for name, raw in self.raw.items()}
        self._begin()

    @staticmethod
    def _wrapper(raw: _ToPage, lines: bool) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BufferedWriter(raw, BUFFER_BYTES), encoding="utf-8",
                                errors="backslashreplace", line_buffering=lines)

    def _begin(self) -> None:
        self.lines = self.chars = 0  # shown
        self.cut = False
        self.over_lines = self.over_chars = 0
        self.tail: list[tuple[str, str]] = []  # the last pieces past the cut
        self.tail_lines = 0
        self.said = 0.0

    def install(self) -> None:
        """Make ``sys.stdout`` and ``sys.stderr`` these streams, a line at a time, and
        ``sys.stdin`` one with no keyboard behind it."""
        sys.stdout, sys.stderr = self.line["stdout"], self.line["stderr"]
        sys.stdin = _NoKeyboard()

    def take(self, stream: str, text: str) -> None:
        """What ``stream`` printed: shown, or past the cut counted and its end kept."""
        if not self.cut:
            lines = text.count("\n")
            if self.lines + lines < HEAD_LINES and self.chars + len(text) <= HEAD_CHARS:
                self.lines += lines
                self.chars += len(text)
                self.send(stream, text)
                return
            head = self._head(text)
            if head:  # (cut inside a line: the line about the cut goes on a line of its own)
                self.send(stream, head if head.endswith("\n") else head + "\n")
                self.lines += head.count("\n")  # (before, not counted: the count of a flood
                self.chars += len(head)  # was one short, issue 66's fourth tester)
            text = text[len(head):]
            self.cut = True
            for name in ("stdout", "stderr"):  # (print looks up sys.stdout at each call)
                if getattr(sys, name) is self.line[name]:
                    setattr(sys, name, self.block[name])
            self.said = self.clock()
            if not text:
                return
        lines = text.count("\n")
        self.over_lines += lines
        self.over_chars += len(text)
        self.tail.append((stream, text))
        self.tail_lines += lines
        if self.tail_lines > 2 * TAIL_LINES:  # (rarely: a piece is many lines)
            self._trim()
        now = self.clock()
        if now - self.said >= EVERY_S:
            self.said = now
            lines, chars = self._hidden()
            if chars:
                self.send("cut", not_shown(max(lines, 1), chars, so_far=True))

    def _head(self, text: str) -> str:
        """The part of ``text`` within the run's lines and characters shown: its whole
        lines that fit, else, where a line is longer than the room left, the room's
        characters of it (``print('x' * 10 ** 8)``: before, nothing of it)."""
        room_chars = max(HEAD_CHARS - self.chars, 0)
        room_lines = max(HEAD_LINES - self.lines, 0)
        end = 0
        for _ in range(room_lines):
            found = text.find("\n", end, room_chars)
            if found < 0:
                break
            end = found + 1
        return text[:end or (room_chars if room_lines else 0)]

    def _trim(self) -> None:
        """Keep the pieces that hold the last ``TAIL_LINES`` lines (and the unfinished
        one)."""
        kept, lines = [], 0
        for stream, text in reversed(self.tail):
            kept.append((stream, text))
            lines += text.count("\n")
            if lines > TAIL_LINES:
                break
        kept.reverse()
        self.tail, self.tail_lines = kept, lines

    def _last(self) -> list[tuple[str, str]]:
        """The last ``TAIL_LINES`` lines past the cut, at most ``TAIL_CHARS`` characters
        of them, as (stream, text) pieces."""
        self._trim()
        pieces, lines, room = [], 0, TAIL_CHARS
        for stream, text in reversed(self.tail):
            parts = text.splitlines(keepends=True)
            if lines + len(parts) >= TAIL_LINES:
                text = "".join(parts[len(parts) - (TAIL_LINES - lines):])
            pieces.append((stream, text[max(len(text) - room, 0):]))
            room -= len(pieces[-1][1])
            lines += len(parts)
            if lines >= TAIL_LINES or room <= 0:
                break
        return pieces[::-1]

    def _hidden(self) -> tuple[int, int]:
        """The lines and characters past the cut that ``settle`` does not show (it shows
        the last ``TAIL_LINES``)."""
        shown = "".join(text for _, text in self._last())
        last = self.tail[-1][1] if self.tail else "\n"
        lines = self.over_lines + (not last.endswith("\n"))
        return lines - len(shown.splitlines()), self.over_chars - len(shown)

    def settle(self) -> None:
        """End a run's output: what the streams hold sent, and where it was cut, the line
        saying how much was not shown, then the last lines; the next output is shown
        again, a line at a time."""
        for name in ("stdout", "stderr"):
            for wrapper in (self.block[name], self.line[name]):
                try:
                    wrapper.flush()
                except (OSError, ValueError):  # (closed by the code: opened again)
                    self.line[name], self.block[name] = (self._wrapper(self.raw[name], True),
                                                         self._wrapper(self.raw[name], False))
            if getattr(sys, name) is self.block[name]:
                setattr(sys, name, self.line[name])
        if self.cut:
            lines, chars = self._hidden()
            last = self._last()
            if chars:
                self.send("cut", not_shown(max(lines, 1), chars))
            for stream, text in last:
                self.send(stream, text)
            self.send("ran", "\n")  # (its end: the exercises page puts the verdict first)
        self._begin()


_installed: list[Printing] = []


def install(send: Callable[[str, str], Any]) -> Printing:
    """The page's ``Printing`` (``playground.start``), made its ``sys.stdout`` and
    ``sys.stderr``."""
    printing = Printing(send)
    printing.install()
    _installed[:] = [printing]
    return printing


def lines_so_far() -> int:
    """The lines the page's Python has printed in this run (shown, and counted past the
    cut; ``settle`` begins another); 0 where ``install`` has made no ``Printing``."""
    return _installed[0].lines + _installed[0].over_lines if _installed else 0


def settle() -> None:
    """End the page's output of a run (``Printing.settle``); elsewhere, flush the
    streams."""
    if _installed:
        _installed[0].settle()
    else:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
