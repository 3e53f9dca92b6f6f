"""The settings and the process's state that Python's library reads for the learner's code,
from places the code never names, as a capture sees them (``watching.py`` puts each in place
while a capture runs): a logger's level (its parents', climbed by ``getEffectiveLevel``; a
logger got by its name, ``logging.getLogger().level``: its level and handlers),
``sys.argv`` (read by ``argparse`` where no arguments are given), ``calendar``'s first
weekday, ``reprlib``'s limits, decimal's context, NumPy's error mode, buffer size and print
options, Python's limit on an int's digits, the locale, the process's limits, priority, CPUs
and signal handlers. Where the learner's code asks for one, what it says is guarded (a root
of the walk, ``kinds.Asked``, whose one place is what it says now, as text): changed between
calls, the function is captured again (a timer's, ``signal.getitimer``, at every call while
one runs: the engine's numbers, as its time left changes).
Where the code does not ask, the library may read one for itself: ``calendar``'s functions
ask a calendar's first weekday (its property: guarded where they do), and C code the capture
does not see reads Python's limit on an int's digits (``str()`` of a long int) and NumPy's
print options (a NumPy number's or array's text): these two are guarded at every capture
(``read_by_c``: two checks a call, each of what it says now).
Outside a capture each calls Python's own.
The engine's own settings: a method of Value with a default (``leaky_relu``'s alpha), called
while a capture runs, has its defaults guarded (``engines_defaults``:
``Value.leaky_relu.__defaults__ = (0.3,)`` between calls captures again; before, the
capture's alpha stayed, silently: an attacker's a64b f6)."""

from __future__ import annotations

import argparse
import calendar
import decimal
import faulthandler
import locale
import logging
import os
import reprlib
import signal
import sys
import tracemalloc
from collections.abc import Callable
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.kinds import Asked
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.refused import for_the_learner
from tinygrad_edu.program.traced import recording

__all__ = ["engines_defaults", "patches", "read_by_c"]


def _said(x: Any) -> str:
    """A setting as a guard compares it: its text."""
    return repr(x)


def _asked(original: Callable[..., Any], what: str, key: Callable[..., Any] | None = None,
           library: bool = False) -> Callable[..., Any]:
    """``original`` as a capture sees it: where the learner's code calls it (``library``: or
    a library it called), what it gives (``key`` of its arguments: else the text of what it
    gives) is guarded to stay the same."""
    def asked(*args: Any, **options: Any) -> Any:
        found = recording()
        caller = _getframe(1)
        if found is not None and found.outside is not None and (
                user_code(caller.f_code) or (library and for_the_learner(caller))):
            read = key or (lambda *a, **o: _said(original(*a, **o)))
            found.outside.asked(Asked(lambda: read(*args, **options), what),
                                (what, _said(args), _said(options)))
        return original(*args, **options)

    asked.__name__ = getattr(original, "__name__", "asked")
    asked.__doc__ = getattr(original, "__doc__", None)
    return asked


def _level(logger: logging.Logger, *_: Any) -> str:
    """A logger's level as it is used (its own, else its parents'), and the level logging is
    turned off below (``logging.disable``)."""
    return repr((logging.root.manager.disable, _EFFECTIVE(logger)))


_EFFECTIVE = logging.Logger.getEffectiveLevel


def _logger(name: Any = None, *_: Any) -> str:
    """A logger got by its name (``logging.getLogger().level``): its level, its handlers and
    theirs, and the level logging is turned off below."""
    found = _GET_LOGGER(name)
    return repr((logging.root.manager.disable, found.level, found.propagate, found.disabled,
                 [(id(h), h.level) for h in found.handlers]))


_GET_LOGGER = logging.getLogger


def _argv(parser: Any, args: Any = None, *_: Any, **__: Any) -> str:
    """What ``argparse`` reads where no arguments are given: ``sys.argv``."""
    return _said(sys.argv) if args is None else ""


def _decimal_context() -> str:
    c = decimal.getcontext()
    return repr((c.prec, c.rounding, c.Emin, c.Emax, c.capitals, c.clamp,
                 tuple(k.__name__ for k, on in c.traps.items() if on),
                 tuple(k.__name__ for k, on in c.flags.items() if on)))


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, name, what stands in for it while a capture runs)."""
    found: list[tuple[Any, str, Any]] = [
        (logging.Logger, name, _asked(getattr(logging.Logger, name), "a logger's level",
                                      _level, library=True))  # (``log.debug(...)`` asks too)
        for name in ("getEffectiveLevel", "isEnabledFor")]
    found.append((logging, "getLogger", _asked(logging.getLogger, "a logger's level or "
                                               "handlers", _logger)))
    found.append((argparse.ArgumentParser, "parse_known_args", _asked(
        argparse.ArgumentParser.parse_known_args, "sys.argv (read by argparse)", _argv,
        library=True)))
    found.append((calendar, "firstweekday", _asked(calendar.firstweekday,
                                                    "calendar's first weekday")))
    weekday: Any = calendar.Calendar.firstweekday  # (a property: what monthcalendar reads)
    found.append((calendar.Calendar, "firstweekday", property(_asked(
        weekday.fget, "a calendar's first weekday", library=True), weekday.fset)))
    found.append((decimal, "getcontext", _asked(decimal.getcontext, "decimal's context",
                                                lambda: _decimal_context())))
    asked = [(sys, "get_int_max_str_digits", "Python's limit on an int's digits"),
             (locale, "getlocale", "the locale"), (locale, "localeconv", "the locale"),
             (faulthandler, "is_enabled", "faulthandler's state"),
             (tracemalloc, "is_tracing", "tracemalloc's state"),
             (os, "sched_getaffinity", "the process's set of CPUs"),
             (os, "getpriority", "the process's priority"),
             (signal, "getsignal", "a signal's handler"), (signal, "getitimer", "a timer")]
    resource = sys.modules.get("resource")
    if resource is not None:
        asked.append((resource, "getrlimit", "the process's limits"))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        asked += [(numpy, name, f"NumPy's {what}") for name, what in (
            ("geterr", "error mode"), ("geterrcall", "error mode"), ("getbufsize",
                                                                      "buffer size"),
            ("get_printoptions", "print options"))]
    found += [(owner, name, _asked(getattr(owner, name), what)) for owner, name, what in asked
              if hasattr(owner, name)]
    found.append((locale, "setlocale", _asked(locale.setlocale, "the locale", _locale_asked)))
    found.append((reprlib, "repr", _asked(reprlib.repr, "reprlib's limits",
                                          lambda *_: _said(vars(reprlib.aRepr)))))
    return found


def _locale_asked(category: int, value: Any = None) -> str:
    """``locale.setlocale(category)`` with no locale given: asked, not set."""
    return _said(_SETLOCALE(category)) if value is None else ""


_SETLOCALE = locale.setlocale


def _int_digits() -> str:
    return repr(sys.get_int_max_str_digits())


class _PrintOptions:
    """NumPy's print options as text, made again only where they were set since (NumPy 2
    keeps them as a dict it replaces at each change: compared by identity first)."""

    def __init__(self, numpy: Any) -> None:
        printoptions = getattr(getattr(numpy, "_core", None), "printoptions", None)
        self.held = getattr(printoptions, "format_options", None)
        self.numpy, self.last, self.text = numpy, None, ""

    def __call__(self) -> str:
        if self.held is None:  # (NumPy 1: a dict changed in place)
            return repr(self.numpy.get_printoptions())
        now = self.held.get()
        if now is not self.last:
            self.last, self.text = now, repr(sorted(now.items(), key=str))
        return self.text


_BY_C: dict[str, Asked] = {}


def read_by_c() -> list[Asked]:
    """The settings C code reads for the learner's code, where no capture sees it read them
    (guarded at every capture): Python's limit on an int's digits, NumPy's print options and
    its error state (where NumPy is imported)."""
    if not _BY_C and hasattr(sys, "get_int_max_str_digits"):
        _BY_C["digits"] = Asked(_int_digits, "Python's limit on an int's digits (read by "
                                "str() and int() of a long int)")
    numpy = sys.modules.get("numpy")
    if numpy is not None and "numpy" not in _BY_C:
        _BY_C["numpy"] = Asked(_PrintOptions(numpy), "NumPy's print options (read by a "
                               "NumPy number's or array's text)")
        _BY_C["numpy errors"] = Asked(  # (before, a program captured under "ignore" gave
            lambda: repr((numpy.geterr(), numpy.geterrcall())),  # -inf where the engine,
            "NumPy's error mode (np.seterr, np.errstate: read by its arithmetic, which warns, "
            "raises or says nothing of a division by zero or an overflow)")  # under "raise",
    return list(_BY_C.values())  # raised: a64i's S3)


def engines_defaults(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """Value's method ``name``, which has defaults (``leaky_relu(alpha=0.01)``), as a capture
    sees it: called, its defaults as they are now guarded to stay so (see the module's
    docstring)."""
    def called(v: Any, *args: Any, **options: Any) -> Any:
        found = recording()
        if found is not None and found.outside is not None:
            found.outside.asked(Asked(lambda: repr((method.__defaults__, method.__kwdefaults__)),
                                      f"Value.{name}'s defaults"), ("defaults", name))
        return method(v, *args, **options)

    called.__name__, called.__qualname__ = method.__name__, method.__qualname__
    called.__doc__, called.__wrapped__ = method.__doc__, method  # type: ignore[attr-defined]
    return called
