"""The live pages' Python (Pyodide, in the docs site's worker): set up once (``start``), the
recursion limit and C stack it allows (``DEPTH``, ``STACK_BYTES``), the page's Stop told
from the code's own KeyboardInterrupt (``_page_stop``), what a run changed put back
(``kept``) and the time limit's timer the page keeps (``PageTimer``). ``playground.py``
runs and grades with them."""

from __future__ import annotations

import builtins
import contextlib
import signal
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from tinygrad_edu.viz import printing
from tinygrad_edu.viz.rendering import use_renderer

__all__ = ["ANSWER_FILE", "COMPUTING", "DEPTH", "FILENAME", "STACK_BYTES", "PageTimer",
           "RunStop", "keep_depth", "kept", "start"]

FILENAME = "<playground>"
"""The name tracebacks give the learner's code in the playground."""
ANSWER_FILE = "your answer"
"""The name the learner's code is graded under: the command's messages name it (``your
answer, line 3: SyntaxError ...``), not a file the learner never sees."""


def start() -> None:
    """In Pyodide: draw with the page's Graphviz (``renderDot``, viz-js in the worker), have
    each print reach the page as it happens, give the exercises' time limit a timer
    (``PageTimer``: Pyodide has no ``signal.setitimer``), and keep the recursion limit at
    ``DEPTH`` and the C stack within ``STACK_BYTES``. A call that passes through C
    (``2.0 + x`` calling ``__radd__``, which does ``other + self`` again) takes the
    browser's own stack, much smaller than a computer's: past its end Pyodide dies
    ("Maximum call stack size exceeded") and must be loaded again, with no verdict. Within
    those limits, endless recursion raises RecursionError at the learner's line, as it does
    on a computer. ``sys.setrecursionlimit`` sets at most ``DEPTH`` (hypothesis raises the
    limit by 2000 around each test; a learner's code that asks for more is told it gets
    ``DEPTH``)."""
    import js  # type: ignore[import-not-found]  # Pyodide's bridge to JavaScript

    keep_depth()
    use_renderer(lambda source, format, engine: str(js.renderDot(source, format, engine)))
    printing.install(lambda stream, text: js.pagePrint(stream, text))
    if not hasattr(signal, "setitimer"):
        signal.setitimer = PageTimer(js.pageTimer)


def _page_stop(signum: int, frame: Any) -> None:
    """The page's Stop during a Check (SIGINT through Pyodide's interrupt buffer):
    ``PageStop`` (``exercises/limit.py``, beside the grader's other stop), told from a
    KeyboardInterrupt the learner's code raises."""
    try:  # (the grader's, imported by then but for a Stop while the first Check imports it)
        from tinygrad_edu.exercises.limit import PageStop
    except ImportError:
        raise KeyboardInterrupt from None
    raise PageStop



class RunStop(KeyboardInterrupt):
    """The page's Stop (or its time limit) of a Run in the playground: SIGINT raises it
    while the code runs (``run_stopped``), told from a KeyboardInterrupt the code raises
    itself, which is its error like any other (issue 66: that one was said to be the
    page's Stop, "The code was stopped on line 2")."""


def run_stopped(signum: int, frame: Any) -> None:
    """SIGINT while the playground runs code: ``RunStop``."""
    raise RunStop


DEPTH = 2000
"""The most nested Python calls the page's Python allows (``keep_depth``, see ``start``):
Pyodide frees a RecursionError's frames one inside the other, and past about 4000 (3000
survive, 5000 do not: benchmarks/bench_live_stack.py) the browser's stack overflows."""

STACK_BYTES = 96 * 1024
"""The C stack the page's Python may use (``keep_depth``): Python raises RecursionError
("Stack overflow") at 80 KB of it, where the browser's own stack overflowed at 152 KB and
more for each kind of recursion through C measured (benchmarks/bench_live_stack.py)."""

_set_limit = sys.setrecursionlimit


def _capped(limit: int) -> None:
    """``sys.setrecursionlimit`` in the page: at most ``DEPTH``; the learner's code asking
    for more (the playground's, or an answer's) is told so (a warning), never silently."""
    caller = sys._getframe(1).f_code.co_filename
    if limit > DEPTH and (caller == FILENAME or Path(caller).name == ANSWER_FILE):
        warnings.warn(f"sys.setrecursionlimit({limit}): the Python in this page allows at "
                      f"most {DEPTH} nested calls (deeper, the browser's stack overflows and "
                      f"Python dies), so the limit is {DEPTH}", RuntimeWarning, stacklevel=2)
    _set_limit(min(limit, DEPTH))


def keep_depth() -> None:
    """In Pyodide, once: the recursion limit ``DEPTH``, kept, and the C stack Python
    watches (``PyUnstable_ThreadState_SetStackProtection``) the top ``STACK_BYTES`` of
    Emscripten's, whose frames are a small part of the browser's (``pyodide_js._module``:
    the Emscripten module of the pinned Pyodide, docs/hooks/live.py)."""
    import pyodide_js  # type: ignore[import-not-found]  # Pyodide's JavaScript API

    wasm = pyodide_js._module
    top = wasm._emscripten_stack_get_base()  # (the stack grows down from here)
    if wasm._PyUnstable_ThreadState_SetStackProtection(wasm._PyThreadState_Get(),
                                                       top - STACK_BYTES, STACK_BYTES) != 0:
        raise RuntimeError("Pyodide refused to watch its stack: a recursion may crash it")
    _set_limit(DEPTH)
    sys.setrecursionlimit = _capped


COMPUTING = ("math", "cmath", "random", "copy", "functools", "itertools", "operator",
             "statistics")
"""The standard library's modules the engine and the grader compute with, which a learner's
file may import too: names it rebinds there (``math.exp = ...``) are put back."""


def _namespaces() -> list[ModuleType]:
    """The modules whose names a run may rebind and ``kept`` puts back."""
    return [sys, builtins, signal, *(sys.modules[name] for name in COMPUTING
                                     if name in sys.modules)]


def _imported(name: str, module: Any) -> bool:
    """Whether ``module`` is what importing ``name`` made (not a stand-in put there)."""
    spec = getattr(module, "__spec__", None)
    return isinstance(module, ModuleType) and getattr(spec, "name", None) == name


@contextlib.contextmanager
def kept() -> Iterator[None]:
    """Run the block, then put back what it changed: in ``sys`` (the recursion limit, the
    trace and profile functions, the hooks, the streams, the import path), in ``builtins``,
    ``signal`` and the standard library's modules the grader computes with (``COMPUTING``:
    ``math.exp = ...``), and the modules replaced or made up in ``sys.modules``. (What the
    code changes in the worker's JavaScript, ``js.onmessage``, the worker puts back.)"""
    namespaces = [(module, dict(vars(module))) for module in _namespaces()]
    lists: list[tuple[list[Any], list[Any]]] = [
        (found, list(found)) for found in (sys.path, sys.meta_path, sys.path_hooks)]
    modules = dict(sys.modules)
    trace, profile, limit = sys.gettrace(), sys.getprofile(), sys.getrecursionlimit()
    try:
        yield
    finally:
        for module, names in namespaces:
            now = vars(module)
            for name in [name for name in now if name not in names]:
                del now[name]
            for name, value in names.items():
                if now.get(name, names) is not value:
                    setattr(module, name, value)
        for found, items in lists:
            found[:] = items
        for name in [name for name, module in sys.modules.items()
                     if name not in modules and not _imported(name, module)]:
            del sys.modules[name]
        for name, module in modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
        sys.settrace(trace)
        sys.setprofile(profile)
        _set_limit(limit)


class PageTimer:
    """``signal.setitimer(signal.ITIMER_REAL, seconds, interval)`` where the system's timer
    cannot ring: in the browser, Python runs in a worker that is busy for as long as the
    code runs, so only the page can keep the time. ``tell(seconds, interval)`` asks the page
    (docs/assets/live/live.js) to send SIGALRM through Pyodide's interrupt buffer after
    ``seconds``, then every ``interval`` (``seconds`` 0: no more); Python then runs the
    signal's handler, as it does for the system's timer. Returns what was set before, as
    ``setitimer`` does: (seconds left, interval)."""

    def __init__(self, tell: Any) -> None:
        self.tell = tell
        self.deadline = 0.0
        self.interval = 0.0

    def __call__(self, which: int, seconds: float, interval: float = 0.0
                 ) -> tuple[float, float]:
        now = time.monotonic()
        before = (max(self.deadline - now, 0.0) if self.deadline else 0.0, self.interval)
        self.deadline = now + seconds if seconds > 0 else 0.0
        self.interval = interval if seconds > 0 else 0.0
        self.tell(float(seconds), float(interval))
        return before
