"""What the learner's code writes out as text while a capture runs, besides ``print``
(``watching.py``'s): a record logged (``log.info(...)``, ``logging.warning(...)``, through any
logger: ``logging.Logger.handle``, which every record that passes a logger's level goes
through), and text written to ``sys.stdout`` or ``sys.stderr`` by its methods
(``sys.stdout.write(...)``, ``writelines``, its ``buffer``'s). A program does neither again
(it computes numbers), so each is said once at the capture, with the learner's line, as a
print is: before, they were done at the capture only, silently (issue 64, an attacker's S11).
A number the capture follows given to a log record is logged as its number, as one printed
is (what is logged changes nothing: no guard).

``sys.stdout`` and ``sys.stderr`` are C objects whose methods cannot be put in place: while a
capture runs they are ``Written``, which writes to the stream they were and notes the write
where the capture's thread makes it (another thread's writes, and those of a print or a log
record already said, are passed on as they are). A global of the learner's that holds the
stream (``OUT = sys.stdout``) is given the ``Written`` too (``watching.FOLLOWED``)."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from tinygrad_edu.program.traced import recording

__all__ = ["Written", "patches", "saying"]

_state = threading.local()  # (a print or a log record being said, in this thread)


class saying:
    """While a print or a log record already said writes to a stream: that write is not
    said again."""

    def __enter__(self) -> None:
        _state.depth = getattr(_state, "depth", 0) + 1

    def __exit__(self, *exc: Any) -> None:
        _state.depth -= 1


def _said(what: str) -> None:
    found = recording()
    if found is not None and not getattr(_state, "depth", 0):
        found.effect(f"it writes to {what} (a program does not write again: write outside "
                     "the compiled function, or from what it returns)")


class Written:
    """``sys.stdout`` or ``sys.stderr`` (``name``) while a capture runs: the stream it was
    (``stream``), a write by the capture's thread said once (see the module's docstring);
    everything else is the stream's."""

    __slots__ = ("_name", "_stream")

    def __init__(self, stream: Any, name: str) -> None:
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_name", name)

    def write(self, text: Any) -> Any:
        _said(self._name)
        return self._stream.write(text)

    def writelines(self, lines: Any) -> Any:
        _said(self._name)
        return self._stream.writelines(lines)

    @property
    def buffer(self) -> Any:
        return Written(self._stream.buffer, f"{self._name}.buffer")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._stream, name, value)

    def __iter__(self) -> Any:
        return iter(self._stream)

    def __enter__(self) -> Any:
        return self._stream.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._stream.__exit__(*exc)

    def __repr__(self) -> str:
        return repr(self._stream)


def _handled(original: Any) -> Any:
    """``logging.Logger.handle`` as a capture sees it: a record the capture's thread logs is
    said once, then handled as Python does."""
    def handle(logger: logging.Logger, record: logging.LogRecord) -> Any:
        found = recording()
        if found is None:
            return original(logger, record)
        found.effect("it logs (a program does not log again: log outside the compiled "
                     "function, or from what it returns)")
        with saying():  # (a handler writing to sys.stderr: the record is said)
            return original(logger, record)

    handle.__name__ = "handle"
    handle.__doc__ = original.__doc__
    return handle


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, name, what stands in for it while a capture runs)."""
    found: list[tuple[Any, str, Any]] = [
        (logging.Logger, "handle", _handled(logging.Logger.handle))]
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, Written):
            found.append((sys, name, Written(stream, f"sys.{name}")))
    return found
