"""The warnings a function issues while it is captured (``warnings.warn`` in the learner's
code, a library's ``RuntimeWarning``), kept with its program and issued again at every call
the program runs: through the filters as they are then, as the engine's call is (shown once
per line under ``"default"``, raised under ``"error"``, as by ``pytest -W error``; not shown
under ``"ignore"``). They are issued once the program has run, where the engine's call
issues each where its line runs; a warning's text is the one made at the capture."""

from __future__ import annotations

import os
import sys
import types
import warnings
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

__all__ = ["Warned", "issue", "said_if_it_ran"]

Kept = tuple[Warning, type[Warning], str, int]
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Warned:
    """While the function is captured: every warning it issues, kept (none shown yet:
    ``issue`` shows them, as at every call of the program)."""

    def __init__(self) -> None:
        self._catching = warnings.catch_warnings(record=True)
        self.kept: list[Kept] = []

    def __enter__(self) -> Warned:
        self._found = self._catching.__enter__()
        warnings.simplefilter("always")
        warnings.filters = _Filters(warnings.filters)
        getattr(warnings, "_filters_mutated", lambda: None)()
        return self

    def said(self) -> list[Any]:
        """The warnings caught so far (``traced._step`` notes those of a step the program
        computes: it issues them itself, where the numbers ask)."""
        return self._found if self._found is not None else []

    def kept_but(self, own: list[Any]) -> list[Kept]:
        """The warnings kept but those in ``own`` (the program's own: ``said()``'s items)."""
        skip = {id(w) for w in own}
        return [k for k, w in zip(self.kept, self._found or ()) if id(w) not in skip]

    def __exit__(self, *exc: Any) -> None:
        self._catching.__exit__(*exc)
        self.kept = [(w.message if isinstance(w.message, Warning) else w.category(w.message),
                      w.category, "" if w.filename.startswith(_PACKAGE) else w.filename,
                      w.lineno) for w in self._found or ()]  # (``stacklevel=2`` of the
        # function compiled: its caller's line, the one calling it at each call)


class _Filters(list[Any]):
    """``warnings.filters`` while a capture runs: the capture's ``"always"`` first, which
    Python's own warnings code reads (as a list, past these methods), and to the learner's
    code the filters as they were (``len``, items, iteration, ``==``, ``repr``, a copy by
    ``catch_warnings``): what the engine's call sees."""

    __slots__ = ()

    def __len__(self) -> int:
        return list.__len__(self) - 1

    def __iter__(self) -> Any:
        found = list.__iter__(self)
        next(found, None)
        return found

    def __reversed__(self) -> Any:
        return reversed(list(self))

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return list(self)[k]
        if k >= len(self) or k < -len(self):
            raise IndexError("list index out of range")
        return list.__getitem__(self, k + 1 if k >= 0 else k)

    def __contains__(self, item: Any) -> bool:
        return item in list(self)

    def __eq__(self, other: Any) -> Any:
        return list(self) == other

    def __ne__(self, other: Any) -> Any:
        return list(self) != other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(list(self))

    def copy(self) -> list[Any]:
        return list(self)

    def index(self, item: Any, *bounds: Any) -> int:
        return list(self).index(item, *bounds)

    def count(self, item: Any) -> int:
        return list(self).count(item)


_MODULES: dict[str, types.ModuleType | None] = {}


def _module_at(filename: str) -> types.ModuleType | None:
    """The module whose file ``filename`` is (its registry of warnings shown, its name for
    the filters), as ``warnings.warn`` finds it from the caller's frame."""
    found = _MODULES.get(filename)
    if found is None or vars(found).get("__file__") != filename:
        found = next((m for m in list(sys.modules.values()) if isinstance(m, types.ModuleType)
                      and vars(m).get("__file__") == filename), None)
        _MODULES[filename] = found  # (its own dict: a module's __getattr__ may raise KeyError
    return found  # for a name it lacks, where getattr's default covers AttributeError only)


def said_if_it_ran(run: Any, *args: Any, said: bool = True) -> Any:
    """``run(*args)`` (a program of NumPy's numbers), the warnings it issues (NumPy's
    RuntimeWarning of a division by zero) shown only where it ran to the end: where a guard
    fails (None), the call is captured again, and the engine's run says them (and
    ``explain.why_guard``'s run again says none: ``said=False``). ``warnings.showwarning`` is
    taken for the run, not the filters (a change of them would show a warning shown once
    again at every call)."""
    kept: list[tuple[Any, ...]] = []
    shown = warnings.showwarning
    warnings.showwarning = lambda *a, **k: kept.append((a, k))
    try:
        found = run(*args)
    finally:
        warnings.showwarning = shown
    if said and found is not None:
        for a, k in kept:
            shown(*a, **k)
    return found


def issue(kept: list[Kept]) -> None:
    """Issue again the warnings a capture kept (``warnings.warn_explicit``, through the
    filters as they are now and the module's registry of those shown)."""
    for message, category, filename, lineno in kept:
        if not filename:  # (the line that called the compiled function)
            frame = _getframe(1)
            while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
                frame = frame.f_back
            filename, lineno, globals_ = frame.f_code.co_filename, frame.f_lineno, \
                frame.f_globals
        else:
            module = _module_at(filename)
            if module is None:
                warnings.warn_explicit(message, category, filename, lineno)
                continue
            globals_ = vars(module)
        warnings.warn_explicit(message, category, filename, lineno,
                               module=globals_.get("__name__", "<string>"),
                               registry=globals_.setdefault("__warningregistry__", {}),
                               module_globals=globals_)
