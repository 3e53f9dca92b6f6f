"""The live pages' Python (Pyodide, in the docs site's worker): set up once (``start``), the
recursion limit and C stack it allows (``DEPTH``, ``STACK_BYTES``), the page's Stop told
from the code's own KeyboardInterrupt (``_page_stop``), what a run changed put back
(``kept``) and the time limit's timer the page keeps (``PageTimer``). ``playground.py``
runs and grades with them."""

from __future__ import annotations

import builtins
import contextlib
import dis
import gc
import importlib
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, NoReturn

from tinygrad_edu.viz import printing
from tinygrad_edu.viz.rendering import use_renderer

__all__ = ["ANSWER_FILE", "COMPUTING", "DEPTH", "FILENAME", "FREEING_BYTES", "MORE_MEMORY",
           "STACK_BYTES", "PageTimer", "RunStop", "flat_exec", "heard", "keep_depth", "kept",
           "let_go", "memory_bytes", "start", "stop_not_dropped", "stops_with"]

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
    PRINTED[:] = [lambda head, lines, chars, end: js.pagePrinted(head, lines, chars, end)]
    _HEARD[:] = [js.pageHeard]
    _DROPPED[:] = [js.pageDropped]
    if not hasattr(signal, "setitimer"):
        signal.setitimer = PageTimer(js.pageTimer)
    for module in (os, sys.modules.get("posix")):
        if module is not None:
            module._exit = _exit  # type: ignore[attr-defined]


class ProcessExit(BaseException):
    """``os._exit()`` in the page's Python, raised: it would end the browser's Python itself
    (Pyodide dies, and is loaded again, with no verdict: ``random._os._exit(0)``, issue 66).
    Raised, it ends the code as the end of the process it runs in is said: in a Check, "your
    code called os._exit(0) at your answer, line 3, in <module> (...): os._exit ends its
    process at once, so on your machine ..." (``exercises/ended_here.py``)."""


def _exit(status: int) -> NoReturn:
    raise ProcessExit(f"os._exit({status!r})")


MORE_MEMORY = 1 << 30
"""The memory a learner's process may take beyond its size when it starts, on a computer
(``exercises/learner/sandbox.py``'s ``MORE_MEMORY``): past it, MemoryError. Code that took
as much more in the page, and was stopped by the time limit rather than by a MemoryError
(the page has 4 GB), is told it ran out of memory, as there (``exercises/apart.py``)."""


def memory_bytes() -> int | None:
    """The bytes of memory the page's Python has now: Pyodide's WebAssembly memory, grown
    each time Python asks for more than it has, never shrunk; None outside Pyodide, or where
    it cannot be read."""
    if sys.platform != "emscripten":
        return None
    try:
        module = sys.modules["pyodide_js"]._module
        return int(module.HEAPU8.length)
    except Exception:  # (no such module, or no such view)
        return None


PRINTED: list[Callable[[str, int, int, str], Any]] = []
"""What tells the page of a graded call's output grown past what the grader keeps (``start``
sets it; ``playground._check`` gives it to the grader: ``printed.tell_floods``)."""

_HEARD: list[Callable[[str], Any]] = []
"""What tells the page its Stop was heard (``heard``; ``start`` sets it)."""


def heard(where: str = "") -> None:
    """Tell the page its Stop was heard: the code has ended there (``where``: "It was at
    your answer, line 3, ...", which the page says after its "Stopped:"), and what Python
    does next (freeing what the code made: ``let_go``) is its own work. Where that takes
    longer than the page waits, the page says so, not that the code "did not stop when
    interrupted" under the code's own KeyboardInterrupt."""
    for tell in _HEARD:
        tell(where)


def _page_stop(signum: int, frame: Any) -> None:
    """The page's Stop during a Check (SIGINT through Pyodide's interrupt buffer):
    ``PageStop`` (``exercises/limit.py``, beside the grader's other stop), told from a
    KeyboardInterrupt the learner's code raises."""
    try:  # (the grader's, imported by then but for a Stop while the first Check imports it)
        from tinygrad_edu.exercises.limit import PageStop, stopped_from_a_watch
    except ImportError:
        raise KeyboardInterrupt from None
    if not _STOPPING and stopped_from_a_watch(PageStop, frame):  # (in a watch of the
        return  # grader's: raised at the learner's next line)
    _stop_raised(PageStop)


_STOPPING: list[int] = []
"""The page's Stop raised (its id) and not yet out of the code (``stops_with``)."""
_DROPPED: list[Callable[[], Any]] = []
"""What tells the page its Stop was dropped (``stop_not_dropped``; ``start`` sets it)."""


def _stop_raised(stop: type[BaseException]) -> None:
    """Raise ``stop``, the page's Stop; but not while one raised before is on its way out
    of the code (the page sends its Stop again where Python dropped it: ``stop_not_dropped``;
    a second one then would cut short what the first one's way out runs)."""
    if _STOPPING:
        return
    error = stop()
    _STOPPING.append(id(error))
    raise error


def stop_not_dropped(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``sys.unraisablehook`` ``hook``, but for the page's Stop: Python runs a SIGINT's
    handler wherever it checks for signals, and one that lands as it runs a ``__del__``, a
    weakref's callback or a garbage collection's has its exception dropped there ("Exception
    ignored in ..."), and the code ran on: the loop a learner stopped went on, and the page
    ended its worker 2 s later, "it did not stop when interrupted". Dropped so, the Stop is
    said to the page (``js.pageDropped``), which sends it again, and the next one raised
    (``_stop_raised``): it lands where the code runs, not in that callback (the odds that it
    lands in one again are those of the first)."""
    def unraisable(raised: Any) -> Any:
        if _STOPPING and id(raised.exc_value) == _STOPPING[0]:
            _STOPPING[:] = [0]  # (a Stop while the page is told is let go of: raised in this
            for tell in _DROPPED:  # hook, it would be dropped, and nothing would say so)
                tell()
            _STOPPING.clear()
            return None
        return hook(raised)

    return unraisable


@contextlib.contextmanager
def stops_with(handler: Callable[[int, Any], Any]) -> Iterator[None]:
    """In the main thread, the page's Stop (SIGINT) runs ``handler`` for the block (which
    raises with ``_stop_raised``), and one dropped in a callback is sent again
    (``stop_not_dropped``); what was there before is put back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _STOPPING.clear()
    hook = sys.unraisablehook
    before = signal.signal(signal.SIGINT, handler)
    sys.unraisablehook = stop_not_dropped(hook)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        sys.unraisablehook = hook
        _STOPPING.clear()


class RunStop(KeyboardInterrupt):
    """The page's Stop (or its time limit) of a Run in the playground: SIGINT raises it
    while the code runs (``run_stopped``), told from a KeyboardInterrupt the code raises
    itself, which is its error like any other (issue 66: that one was said to be the
    page's Stop, "The code was stopped on line 2")."""


def run_stopped(signum: int, frame: Any) -> None:
    """SIGINT while the playground runs code: ``RunStop``."""
    _stop_raised(RunStop)


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
    _watch(None)
    _set_limit(DEPTH)
    sys.setrecursionlimit = _capped


def _watch(below: int | None) -> bool:
    """Python watches the ``FREEING_BYTES`` of C stack below ``below`` (an address of
    Emscripten's stack), or, for None, the page's own ``STACK_BYTES`` at its top. Only in
    Pyodide, and only within the page's own: False where that is not so (no change)."""
    if sys.platform != "emscripten":
        return False
    import pyodide_js  # type: ignore[import-not-found]  # Pyodide's JavaScript API

    wasm = pyodide_js._module
    top = wasm._emscripten_stack_get_base()  # (the stack grows down from here)
    start, size = top - STACK_BYTES, STACK_BYTES
    if below is not None:
        start, size = below - FREEING_BYTES, FREEING_BYTES
        if start < top - STACK_BYTES:
            return False
    if wasm._PyUnstable_ThreadState_SetStackProtection(wasm._PyThreadState_Get(),
                                                       start, size) != 0:
        raise RuntimeError("Pyodide refused to watch its stack: a recursion may crash it")
    return True


FREEING_BYTES = 48 * 1024
"""The C stack the code at the top level of a learner's file, or of the playground, may use
below where it starts (``flat_exec``). Freeing a chain of objects (``del y``, y the last
Value of a loop of ``y = y + 1``) frees each node inside the one before, in C: 16 bytes of
Emscripten's stack a node, but far more of the browser's own, which ran out at 2,000 nodes
in a Check, 3,000 in the playground (issue 66, measured in Chromium), and at 1,500 for a
Value with a ``__dict__`` (as the starter's: a node takes more of the browser's stack).
CPython puts a node aside instead (its "trashcan") within 16 KB of the end of the stack it
watches, and frees what it put aside where it is 32 KB or more from that end: under
``STACK_BYTES`` only some 3,500 nodes deep, too late. Watched so, a free at the code's top
level goes at most 16 KB (1,000 nodes) deep before the rest is put aside, then freed a part
at a time. 48 KB is the least that works: with 44 or 40, what is put aside is not freed
where the code runs, and a chain of 5,000 took Python down again (issue 66, measured in
Chromium). A list inside a list (``a = [a]``) let go of at a line still does: its free takes
no Emscripten stack a level, so the trashcan never sees it (kept to the code's end, it is
freed an object at a time: ``_emptied``). What it costs: the code there raises
RecursionError after 32 KB (``2.0 + x`` calling a ``__radd__`` that does it again: 78 calls
deep, 88 with 52 KB, 180 outside). Importing a module, or compiling code, takes the whole
stack (``_roomy``). What a line outside a loop lets go of (``del y``) is not freed there at
all, but kept to the run's end (``_kept_at_releases``): the trashcan is for the rest."""

_LEFT: list[dict[str, Any]] = []
"""The namespaces ``flat_exec`` ran code in, for ``let_go``."""


def flat_exec(code: CodeType, namespace: dict[str, Any],
              run: Callable[[CodeType, dict[str, Any]], Any] = exec) -> Any:
    """``run(code, namespace)`` (``exec``, or ``eval`` for an expression's value), for code
    at the top level of a learner's file or of a playground's: in Pyodide within
    ``FREEING_BYTES`` of C stack below here, so that a long chain it lets go of (``del
    y``) is freed a part at a time; the modules it imports are imported first, outside that
    stack. The namespace is kept for ``let_go``; where the code ran out of memory, it is
    emptied at once (before, a list of lists grown to 4 GB was kept while the grader
    answered)."""
    if not any(kept is namespace for kept in _LEFT):
        _LEFT.append(namespace)
    for name in _imports(code):
        with contextlib.suppress(Exception):  # (the code's own import says what failed)
            importlib.import_module(name)
    with _freeing(), _kept_at_releases(code, namespace):
        try:
            return run(code, namespace)
        except MemoryError:  # (what the code filled, freed now: the verdict needs memory)
            let_go()
            raise


def _releases(code: CodeType) -> dict[int, set[str]]:
    """The lines of ``code`` (its own, not its functions') outside any loop that let go of
    what a name held (``del y``, ``y = None``): by line, the names. Outside a loop, each
    runs once: what they let go of, kept (``_kept_at_releases``), is at most a line's."""
    instructions = list(dis.get_instructions(code))
    loops = [(i.argval, i.offset) for i in instructions  # (a loop jumps back to its start)
             if i.opname.startswith("JUMP_BACKWARD") and isinstance(i.argval, int)]
    found: dict[int, set[str]] = {}
    for i in instructions:
        line = getattr(getattr(i, "positions", None), "lineno", None)  # (3.11 on)
        if i.opname in ("DELETE_NAME", "STORE_NAME") and line is not None and not any(
                start <= i.offset <= end for start, end in loops):
            found.setdefault(line, set()).add(i.argval)
    return found


@contextlib.contextmanager
def _kept_at_releases(code: CodeType, namespace: dict[str, Any]) -> Iterator[None]:
    """In Pyodide, while ``code`` runs: what a line of it outside a loop lets go of
    (``_releases``) is kept to the run's end, then freed an object at a time (``let_go``).
    The trashcan (``FREEING_BYTES``) measures how deep a free goes by Emscripten's stack,
    where a Value takes 16 bytes a node; a chain of Values each holding the one before
    through a list of its own (``y.extra = [y._children]``) takes the browser's stack
    deeper a node than that says, and 5,000 of them let go of at ``del y`` took Python
    down. Watched with ``sys.monitoring`` (its line events, of this code
    alone; a line that lets go of nothing is not heard again)."""
    monitoring: Any = getattr(sys, "monitoring", None)  # (Python 3.12 on; Pyodide's: 3.14)
    releases = _releases(code) if sys.platform == "emscripten" and monitoring else {}
    tool = next((t for t in range(6) if monitoring.get_tool(t) is None), None) if (
        releases) else None
    if tool is None:
        yield
        return
    kept: dict[str, Any] = {}
    _LEFT.append(kept)  # (emptied by let_go, an object at a time)

    def line(_: CodeType, number: int) -> Any:
        names = releases.get(number)
        if names is None:
            return monitoring.DISABLE
        for name in names:
            if name in namespace:
                kept[str(len(kept))] = namespace[name]
        return None

    monitoring.use_tool_id(tool, "tinygrad_edu: what the page's code lets go of")
    monitoring.register_callback(tool, monitoring.events.LINE, line)
    monitoring.set_local_events(tool, code, monitoring.events.LINE)
    try:
        yield
    finally:
        monitoring.set_local_events(tool, code, 0)
        monitoring.register_callback(tool, monitoring.events.LINE, None)
        monitoring.free_tool_id(tool)


def let_go() -> None:
    """Empty the namespaces ``flat_exec`` ran code in, within the same stack (what the
    code kept there, a long chain of Values say, is freed as it would be at its top level;
    emptied later by Python's garbage collector, wherever that runs, or when the next
    run's namespace takes the place of this one, it could take Python down); then what
    only a cycle holds (the garbage collector, run here). The page's Stop is held off
    meanwhile (``_stop_held``)."""
    with _stop_held(), _freeing():
        while _LEFT:
            _emptied(_LEFT.pop())
        gc.collect()  # (what the code made that only a cycle holds: freed here, by this
        # run, its __del__ said with it; left, it was freed in the next run's, anywhere)


@contextlib.contextmanager
def _stop_held() -> Iterator[None]:
    """The page's Stop (SIGINT, in the main thread) let go of while the block runs: one
    that lands as ``let_go`` frees what the code kept comes after the code's end, and
    raised there it cut the freeing short and came out of the Check, a raw traceback
    through let_go in the page and the page's Python half put back (a Stop pressed as 4 GB of
    lists were freed)."""
    main = threading.current_thread() is threading.main_thread()
    held = signal.signal(signal.SIGINT, lambda *_: None) if main else None
    try:
        yield
    finally:
        if held is not None:
            signal.signal(signal.SIGINT, held)


def _emptied(namespace: dict[str, Any]) -> None:
    """Empty ``namespace``, freeing what only it held one object at a time: each object
    held here alone is freed once what it holds is held here (``gc.get_referents``), so
    that no free goes deeper than one object. A list inside a list, 100,000 deep (``a =
    [a]``), kept to the code's end, took Python down as it was freed: a list frees its
    items taking none of Emscripten's stack a level, and the trashcan never sees it
    (issue 66). What is held elsewhere too is let go of, not followed. Past ``WALKED``
    references looked at, what is left is freed at once (memory the code filled)."""
    held = list(namespace.values())
    namespace.clear()
    left = WALKED  # (what may still be looked at, in references)
    while held:
        one = held.pop()
        if sys.getrefcount(one) <= _ALONE and _size(one) <= left:
            try:
                parts = gc.get_referents(one)
            except MemoryError:  # (the code took all the memory there is: freed at once)
                parts = []
            left -= len(parts)
            held.extend(parts if len(parts) <= WIDE else filter(gc.is_tracked, parts))
            del parts
        del one


WALKED = 4_000_000
"""The most references ``_emptied`` looks at before it frees the rest at once: a chain a
free could go too deep in is thousands of objects of a few references each; the memory a
learner's code fills (``big.append([0] * 10 ** 6)`` until MemoryError: 1,066 lists, 4 GB)
is a billion references, which took 115 s to look at one by one, its memory still full
while the grader answered."""
WIDE = 1000
"""An object with more references than this has only those the garbage collector tracks
(containers, not numbers or strings) followed, picked out in C."""
_SIZED = (list, tuple, dict, set, frozenset)


def _size(one: Any) -> int:
    """How many references ``one`` holds, where that is known without looking (a list's
    length), else 0 (looked at)."""
    return len(one) if type(one) in _SIZED else 0


def _alone() -> int:
    """What ``sys.getrefcount`` says, in ``_emptied``, of an object held there alone."""
    held = [object()]
    one = held.pop()
    return sys.getrefcount(one)


_ALONE = _alone()


@contextlib.contextmanager
def _freeing() -> Iterator[None]:
    """Python watches ``FREEING_BYTES`` below here for the block (see there), but for what
    imports a module or compiles code (``_roomy``). At its end, before the page's own
    stack is watched again, what it put aside is freed (``_flush``): put aside still, it
    would be freed later, where a free may again go 3,500 nodes deep."""
    if sys.platform != "emscripten":
        yield
        return
    import pyodide_js  # Pyodide's JavaScript API

    here = pyodide_js._module._emscripten_stack_get_current()
    if not _watch(here):
        yield
        return
    _BELOW.append(here)
    builtins.__import__, builtins.compile = _import, _roomy(_COMPILE)
    try:
        yield
    finally:
        builtins.__import__, builtins.compile = _IMPORT, _COMPILE
        _flush()
        _BELOW.pop()
        _watch(_BELOW[-1] if _BELOW else None)


_BELOW: list[int] = []
"""Where each ``_freeing`` under way began (Emscripten's stack pointer there)."""
_IMPORT, _COMPILE = builtins.__import__, builtins.compile


def _flush() -> None:
    """Free here what Python put aside (its "trashcan"): watched ``FREEING_BYTES`` below
    here, a container let go of here frees it, each part at most about 1,250 nodes deep."""
    if sys.platform != "emscripten":
        return
    import pyodide_js  # Pyodide's JavaScript API

    _watch(pyodide_js._module._emscripten_stack_get_current())
    freed: list[Any] = []
    del freed


def _roomy(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (Python's import, or compile) with the page's whole stack, not the
    learner's ``FREEING_BYTES``: Python compiles a module it imports the first time, or
    what compile() is given, in C, deeper than 36 KB ("RecursionError: Stack overflow
    (used 36 kB) during compilation", a module the package imports when first used);
    what was put aside is freed first, within those bytes (``_flush``)."""
    def roomy(*args: Any, **kwargs: Any) -> Any:
        _flush()
        _watch(None)
        try:
            return function(*args, **kwargs)
        finally:
            _watch(_BELOW[-1])

    return roomy


_roomy_import = _roomy(_IMPORT)


def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
            level: int = 0) -> Any:
    """Python's import, ``_roomy`` but for a module imported already (the usual case)."""
    module = sys.modules.get(name) if level == 0 else None
    if module is not None and all(hasattr(module, part) for part in fromlist or ()):
        return _IMPORT(name, globals, locals, fromlist, level)
    return _roomy_import(name, globals, locals, fromlist, level)


def _imports(code: CodeType) -> list[str]:
    """The modules ``code`` imports at its top level (``import a.b``, ``from a import b``:
    ``a.b`` too, where that is a module)."""
    names: list[str] = []
    module = ""
    for instruction in dis.get_instructions(code):
        if instruction.opname == "IMPORT_NAME" and isinstance(instruction.argval, str):
            module = instruction.argval
            names.append(module)
        elif instruction.opname == "IMPORT_FROM" and module:
            names.append(f"{module}.{instruction.argval}")
    return names


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
    trace and profile functions, the hooks, the streams, the import path), the garbage
    collector (on or off, its thresholds: a ``gc.disable()`` left it off), in ``builtins``,
    ``signal`` and the standard library's modules the grader computes with (``COMPUTING``:
    ``math.exp = ...``), and the modules replaced or made up in ``sys.modules``. (What the
    code changes in the worker's JavaScript, ``js.onmessage``, the worker puts back.)"""
    namespaces = [(module, dict(vars(module))) for module in _namespaces()]
    lists: list[tuple[list[Any], list[Any]]] = [
        (found, list(found)) for found in (sys.path, sys.meta_path, sys.path_hooks)]
    modules = dict(sys.modules)
    trace, profile, limit = sys.gettrace(), sys.getprofile(), sys.getrecursionlimit()
    collecting, thresholds = gc.isenabled(), gc.get_threshold()
    switch, set_threshold = gc.enable if collecting else gc.disable, gc.set_threshold
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
        switch()  # (the functions taken before: the code may have replaced gc's)
        set_threshold(*thresholds)


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
