"""Python's ``sum`` and ``math.sumprod`` where a capture does not put its own: ``sum`` given
as an argument (``step(x, sum)``; held as a default, in a ``functools.partial``, a dict's
item, a list's, a class's ``staticmethod`` the capture puts its own there while it runs:
``world.followed_at``); ``math.sumprod`` anywhere.
From Python 3.12 on both compute floats otherwise than one step at a time (``sum``
compensated, ``sumprod`` in extended precision), so the capture's steps, one addition at a
time, would not be the engine's numbers. A call of one of them that computes with numbers
the capture follows is refused, naming the line (``Calls``: ``sys.monitoring``'s CALL and
C_RETURN events in the learner's code, 3.12 on; before 3.12 ``sum`` adds one at a time, as
the capture does, and there is no ``sumprod``)."""

from __future__ import annotations

import builtins
import functools
import math
import sys
import threading
from typing import Any

from tinygrad_edu.program.traced import Recording

_ident = threading.get_ident  # (bound here: a capture puts its own in threading)

__all__ = ["Calls"]

_MONITORING: Any = getattr(sys, "monitoring", None)  # (3.12 on: only then made)

_HELD = {id(builtins.sum): "sum"}  # (the functions themselves: the capture's are others)
if hasattr(math, "sumprod"):
    _HELD[id(math.sumprod)] = "math.sumprod"


def _which(function: Any) -> str:
    """The name of the function ``function`` is (or is a ``partial`` of), if one of
    ``_HELD``, else ""."""
    while isinstance(function, functools.partial):
        function = function.func
    return _HELD.get(id(function), "")


class Calls:
    """The calls of ``sum`` and ``math.sumprod`` themselves in the learner's code while a
    capture runs (in its thread): one during which the capture computed a step is
    refused."""

    def __init__(self, record: Recording, tool: int) -> None:
        self.record = record
        self.tool = tool
        self.thread = _ident()
        self.open: list[tuple[Any, int, str]] = []  # (the callable, steps before, its name)
        self.codes: list[Any] = []  # (the learner's code whose calls are seen)
        events = _MONITORING.events
        _MONITORING.register_callback(tool, events.CALL, self.called)
        for event in (events.C_RETURN, events.C_RAISE):
            _MONITORING.register_callback(tool, event, self.returned)

    def watch(self, code: Any) -> None:
        """The calls ``code`` makes are seen from now on (until ``stop``)."""
        events = _MONITORING.events
        _MONITORING.set_local_events(self.tool, code,
                                        events.CALL | events.C_RETURN | events.C_RAISE)
        self.codes.append(code)

    def stop(self) -> None:
        events = _MONITORING.events
        for code in self.codes:
            _MONITORING.set_local_events(self.tool, code, 0)
        for event in (events.CALL, events.C_RETURN, events.C_RAISE):
            _MONITORING.register_callback(self.tool, event, None)

    def called(self, code: Any, offset: int, function: Any, first: Any) -> None:
        name = _which(function) if _ident() == self.thread else ""
        if name:
            self.open.append((function, len(self.record.steps), name))

    def returned(self, code: Any, offset: int, function: Any, first: Any) -> None:
        if not self.open or self.open[-1][0] is not function or \
                _ident() != self.thread:
            return
        _, before, name = self.open.pop()
        if len(self.record.steps) > before:
            where = "math.sumprod" if name == "math.sumprod" else \
                "sum held where the capture does not put its own (given as an argument)"
            self.record.refuse(
                f"it calls {where} on numbers it follows: from Python 3.12 on {name} computes "
                "floats otherwise than one step at a time (compensated, or in extended "
                "precision), which a program does not follow there; call sum by its name "
                "(sum(xs), sum(xs, 0.0)), or write the products and their sum")
