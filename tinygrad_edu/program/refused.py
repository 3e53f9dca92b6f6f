"""What a capture refuses where the learner's code calls it (``watching.py`` puts each in
place while a capture runs): what gives a number that changes at every call, which no
program can follow (the clock, the system's random bytes, ``input()``, the interpreter's
own state, the file system: ``READERS``; the call stack: ``_frames``; ``datetime``'s
``now()`` and ``today()``), and what runs code in another thread or process
(``_elsewheres``): a capture follows its own thread only."""

from __future__ import annotations

import _thread
import bisect
import builtins
import datetime
import gc
import operator
import os
import pathlib
import random
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent import futures
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.addresses import vars_seen
from tinygrad_edu.program.held_calls import c_library_words
from tinygrad_edu.program.identity import operand_start, read_outside
from tinygrad_edu.program.learners_code import (
    answer_dropped,
    learners_file,
    learners_line,
    user_code,
)
from tinygrad_edu.program.seen import (
    FrozenSetSeen,
    MemoryviewSeen,
    SetSeen,
    hash_seen,
    len_seen,
    stand_in,
)
from tinygrad_edu.program.traced import Traced, recording, unfollowed_attribute, value_of

__all__ = ["SEEN_BY_NAME", "clocks", "engines_words", "for_the_learner", "memory_read",
           "reader_called", "state_read", "took_a_float_only", "traceback_frame_read"]


def clocks() -> list[tuple[Any, str, Any]]:
    """The clock, the system's random bytes and what is seeded from them, ``input()``, what
    reads the interpreter's state or the file system (``READERS``), as a capture sees them:
    refused where the learner's code calls them (what they give can change at every call,
    which no program can follow)."""
    found = [(owner, name, _refused(getattr(owner, name),
                                    f"{_SHOWN.get(name) or _named(owner) + '.' + name}()",
                                    changes=changes, given_at=given, library=library))
             for owner, names, changes, given, library in _readers() for name in names
             if hasattr(owner, name)]
    found.append((builtins, "input", _refused(builtins.input, "input()")))
    found.append((sys, "_getframe", _frames(_getframe)))
    found += [(operator, name, _identity(getattr(operator, name))) for name in ("is_", "is_not")]
    found += [(datetime, "datetime", _DATETIME), (datetime, "date", _DATE),
              *_elsewheres()]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        found.append((numpy.random, "default_rng",
                      _refused(numpy.random.default_rng, "numpy.random.default_rng() with no "
                               "seed (seeded from the system)", given_at=0)))
        found.append((numpy.random, "RandomState", _seeded(numpy.random.RandomState)))
    return found


def _seeded(original: type) -> type:
    """NumPy's ``RandomState`` as a capture sees it: given a seed, its legacy seeding reads
    the system's random bytes first and then seeds (its numbers are the seed's: that read
    is not refused); with none, the read is (``os.urandom``)."""
    def made(seed: Any = None) -> Any:
        if seed is None:
            found = recording()
            if found is not None and for_the_learner(_getframe(2)):  # (past __new__)
                found.refuse(_why("numpy.random.RandomState() with no seed", ENTROPY))
            return original()
        before = _asking.__dict__.get("on")
        _asking.on = True
        try:
            return original(seed)
        finally:
            _asking.on = before

    return stand_in(original, made)


CLOCK = "a number that changes at every call"
STATE = "the interpreter's own state (it can change between calls)"
FILES = "the file system (it can change between calls)"
THREAD = ("which thread runs it (another where the compiled function is called from another "
          "thread)")
ENTROPY = ("the system's random bytes, new at every call (what seeds a generator made with no "
           "seed: numpy.random.RandomState(), numpy.random.PCG64(), random.SystemRandom, "
           "uuid.uuid4())")
READERS = [
    (time, ("time", "perf_counter", "monotonic", "process_time", "thread_time", "time_ns",
            "perf_counter_ns", "monotonic_ns", "process_time_ns", "thread_time_ns",
            "clock_gettime", "clock_gettime_ns"), CLOCK, None, False),
    (time, ("localtime", "gmtime", "ctime", "asctime"), CLOCK, 0, False),  # (of a time
    (time, ("strftime",), CLOCK, 1, False),  # given, the argument at that place: fixed)
    (os, ("times", "getloadavg"), CLOCK, None, False),
    (os, ("urandom", "getrandom"), ENTROPY, None, True),  # (uuid.uuid4() calls it for the
    (random, ("_urandom",), ENTROPY, None, True),  # learner; random's own name for it, which
    # SystemRandom, secrets and NumPy's generators made with no seed draw from)
    (gc, ("get_objects", "get_count", "get_stats", "get_referrers", "get_referents",
          "get_freeze_count"), STATE, None, False),
    (gc, ("isenabled", "get_threshold", "get_debug"), STATE, None, False),
    (gc, ("collect",), STATE, -1, False),  # (its number used: dropped, ``answer_dropped``)
    (sys, ("getrefcount", "getallocatedblocks", "getrecursionlimit", "getswitchinterval",
           "gettrace", "getprofile", "getsizeof"), STATE, None, False),  # (a tracer: the
    # capture's own, before 3.12, while it runs; a list's size: how it was made, grown)
    (threading, ("active_count", "enumerate"), STATE, None, False),
    (threading, ("current_thread", "currentThread", "get_ident", "get_native_id"), THREAD,
     None, False),
    (_thread, ("get_ident", "get_native_id"), THREAD, None, False),
    (os, ("read", "pread", "stat", "lstat", "listdir", "scandir", "access", "getcwd",
          "getcwdb", "readlink", "statvfs"), FILES, None, True),
    (os.path, ("exists", "lexists", "isfile", "isdir", "getsize", "getmtime", "getatime",
               "getctime"), FILES, None, True),
    (pathlib.Path, ("exists", "is_file", "is_dir", "stat", "lstat", "iterdir"), FILES, None,
     True),
]
"""What reads the clock, the system's random bytes, the interpreter's state
(``len(gc.get_objects()) % 7``) or the file system (``os.path.exists(flag)``; a file's
contents: ``open``, refused apart): each entry the functions of one module, what they give,
the place of an argument that, given, makes the number fixed (``time.localtime(t)``,
``time.strftime("%S", t)``), and whether a library calling them for the learner's code
counts (the random bytes: ``uuid.uuid4()``, ``numpy.random.RandomState()``; the file
system: ``glob.glob``, ``os.walk``, ``os.path.abspath`` read it for the learner, though a
warning shown, a traceback or an import reads it for the interpreter's own use:
``for_the_learner``; the clock: a log record's time is the library's own). Whatever
the library, one that returns what it read as it is (asyncio's ``loop.time()``: ``return
time.monotonic()``) gives it to the learner's code (``_passed_back``); a module that holds
one of them under a name of its own that the learner's code reads
(``timeit.default_timer``) meets the capture's there too (``outside.py``). ``id()``,
``len(sys.modules)`` and ``hash()`` of an object hashed by its address too, in the learner's
module (``SEEN_BY_NAME``: builtins' own are called everywhere); ``datetime.datetime.now()``,
``today()`` and ``date.today()`` through the classes' stand-ins (``seen.stand_in``: a
built-in type's methods cannot be put in place)."""

_SHOWN = {"_urandom": "os.urandom"}  # (random's name for it, as the learner knows it)


def _readers() -> list[tuple[Any, tuple[str, ...], str, int | None, bool]]:
    """``READERS``, with the modules loaded that the learner's code may have imported
    (``uuid.uuid1()``: the clock, read in C; ``resource.getrusage()``: the process's time)."""
    found = list(READERS)
    for module, names, changes in (("uuid", ("uuid1",), CLOCK),
                                   ("resource", ("getrusage",), CLOCK),
                                   ("sqlite3", ("connect",), FILES)):
        held = sys.modules.get(module)
        if held is not None:
            found.append((held, names, changes, None, changes is FILES))
    return found


def _identity(function: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """``operator.is_`` (``is_not``) where the learner's code calls it: of two things, a
    number read one of them, refused (as ``a.data is b.data``: ``identity.read_in``)."""
    def call(a: Any, b: Any, /) -> bool:
        found = recording()
        if found is not None and user_code(_getframe(1).f_code):
            found.identities = True  # (numbers outside checked to be one object or not)
        if found is not None and a is not b and any(  # (a number outside read at every
                type(x) is Traced and not read_outside(found, x) for x in (a, b)) and \
                user_code(_getframe(1).f_code):  # call: as ``aliases.py`` checks it)
            found.refuse(f"it tests a number read by identity (operator.{function.__name__}"
                         "): whether two numbers are one object (two Values' numbers, an "
                         "int computed from one that changes) is no number a program can "
                         "follow; compare numbers with ==")
        return function(a, b)

    call.__name__ = function.__name__
    return call


_STACK_READERS = ("inspect", "traceback")
"""The standard library's modules that read the call stack for their caller."""


def _frames(original: Callable[..., Any]) -> Callable[..., Any]:
    """``sys._getframe`` where the learner's code calls it (or ``inspect.currentframe()``,
    ``inspect.stack()``, ``traceback.extract_stack()``, ``walk_stack``, ``format_stack``,
    ``print_stack`` for it: before, the traceback module's routes gave the capture's stack at
    every call, silently, an attacker's, a64j S1): refused. Above the compiled function are
    the capture's frames, not its caller's, and the caller's locals change between calls; a
    program does not run the code again to read them."""
    def _getframe(depth: int = 0, /) -> Any:
        frame = original(depth + 1)
        found = recording()
        if found is not None:
            caller = original(1)
            while caller is not None and caller.f_globals.get("__name__") in _STACK_READERS:
                caller = caller.f_back
            if caller is not None and user_code(caller.f_code):
                found.refuse("it reads the call stack (sys._getframe, inspect.currentframe, "
                             "traceback.extract_stack): above the compiled function are the "
                             "capture's frames, and its caller's names change between calls, "
                             "which a program cannot follow; pass what you need in as an "
                             "argument")
        return frame

    return _getframe


def traceback_frame_read(caller: Any) -> None:
    """``e.__traceback__.tb_frame`` read by the learner's code while a capture runs (Python's
    audit event ``object.__getattr__``, which ``outside_calls.audited_once`` hears): refused,
    as ``sys._getframe`` is. From that frame, ``f_back`` reaches the frames above the compiled
    function, the capture's at the capture (before: a loss that walked up to its caller's
    names gave 12.5 where the engine gave 8.5, silently; an attacker's, a64j S1)."""
    found = recording()
    if found is not None and user_code(caller.f_code):
        found.refuse("it reads a traceback's frame (e.__traceback__.tb_frame), from which "
                     "the call stack above the compiled function is reached: the capture's "
                     "frames, and its caller's names, which change between calls and a "
                     "program cannot follow; pass what you need in as an argument")


def memory_read(caller: Any, library: bool = False) -> None:
    """A ``ctypes`` object made at an address by the learner's code while a capture runs
    (``ctypes.c_double.from_address(ADDR).value``: Python's audit event ``ctypes.cdata``),
    or a C library it opens (``library``: ``ctypes.CDLL(None).rand()``, the event
    ``ctypes.dlopen``; one held from outside: ``held_calls.c_library``): refused. What is
    there, or what the C library keeps, can change between calls, and nothing of Python's
    shows it (before: the capture's 0.5, or its ``rand()``, at every call where the engine
    read others, silently)."""
    while library and caller is not None and caller.f_globals.get("__name__") == "ctypes":
        caller = caller.f_back  # (``CDLL.__init__``: who made it)
    found = recording()
    if found is None or caller is None or not user_code(caller.f_code):
        return
    found.refuse(c_library_words("a C library") if library else
                 "it reads memory by its address (ctypes' from_address), which can change "
                 "between calls where a program cannot see it; read the number outside the "
                 "compiled function and pass it in")


def _named(owner: Any) -> str:
    return "os.path" if owner is os.path else getattr(owner, "__qualname__", owner.__name__)


def _through(frame: Any) -> str:
    """`` (through glob.glob)``: the library function the learner's code called, below
    which ``frame`` reads (else "")."""
    while frame is not None and not user_code(frame.f_code):
        if frame.f_back is not None and user_code(frame.f_back.f_code):
            code = frame.f_code
            name = getattr(code, "co_qualname", code.co_name)
            return f" (through {frame.f_globals.get('__name__', '?')}.{name})"
        frame = frame.f_back
    return ""


def _why(what: str, changes: str) -> str:
    return (f"it reads {what}, {changes}, which a program cannot follow; read it outside the "
            "compiled function and pass it in")


_asking = threading.local()  # (a refused function asking whose code called it)


def _refused(function: Callable[..., Any], what: str, given_at: int | None = None,
             library: bool = False,
             changes: str = "a number that changes at every call") -> Callable[..., Any]:
    """``function`` refused where the learner's code calls it (``library``: or a library
    that it called, as ``uuid.uuid4()`` calls ``os.urandom``; any library that returns
    what it gives as it is), unless given an argument at ``given_at``; -1: unless what it
    gives is dropped (``gc.collect()`` as a statement: refused where its number is used,
    ``w * gc.collect()``; before, the capture's 0 at every call, silently)."""
    def call(*args: Any, **options: Any) -> Any:
        found = recording()
        if found is not None and not _asking.__dict__.get("on") and not (
                given_at is not None and given_at >= 0 and (
                    (len(args) > given_at and args[given_at] is not None) or
                    any(v is not None for v in options.values()))) and not (
                given_at == -1 and answer_dropped(_getframe(1))):  # (``gc.collect()``)
            _asking.on = True  # (whose code it is: asked with os.path.realpath, which
            try:  # calls os.lstat, itself one of these)
                caller = _getframe(1)
                if user_code(caller.f_code) or (library and for_the_learner(caller)) or \
                        _passed_back(caller):
                    found.refuse(_why(what + _through(caller), changes))
            finally:
                _asking.on = False
        return function(*args, **options)

    call.__name__ = getattr(function, "__name__", "call")
    call.refused = True  # type: ignore[attr-defined]  # (``world.followed_at``)
    return call


ID_SEEN = _refused(builtins.id, "id()", changes="an object's address (new for each new object: "
                   "to order objects, keep them in a list in the order you made them)")
"""``id`` in the learner's module while a capture runs (``outside.py`` puts it there)."""


SEEN_BY_NAME = {"id": ID_SEEN, "len": len_seen, "hash": hash_seen, "set": SetSeen,
                "frozenset": FrozenSetSeen, "memoryview": MemoryviewSeen, "vars": vars_seen}
"""What the learner's module meets for Python's own while a capture runs (``outside.py``
puts them there, where its code names them)."""


def _elsewheres() -> list[tuple[Any, str, Any]]:
    """What runs code in another thread or process, as a capture sees it (``_elsewhere``):
    every thread starts through ``_thread``'s functions (``Thread``, ``Timer``, a pool's
    workers; ``threading`` holds them under names of its own), a pool made before the call
    runs a task on a worker already started (its ``submit``, ``apply``, ``map``...), and
    every process starts through ``os.fork``, ``os.posix_spawn`` or ``fork_exec``
    (``multiprocessing``'s; ``subprocess`` holds it under a name of its own)."""
    import _posixsubprocess

    pools = [(getattr(module, pool), name, kind) for module, pool, kind in (
        (futures, "ThreadPoolExecutor", "thread"),
        (sys.modules.get("concurrent.futures.process"), "ProcessPoolExecutor", "process"),
        (sys.modules.get("multiprocessing.pool"), "Pool", "thread or process"))
        if module is not None
        for name in ("submit", "apply_async", "_map_async", "imap", "imap_unordered")
        if name in vars(getattr(module, pool))]
    found = [*[(_thread, n, "thread") for n in ("start_new_thread", "start_new",
                                                 "start_joinable_thread")],
             *[(threading, n, "thread") for n in ("_start_new_thread",
                                                  "_start_joinable_thread")],
             *pools,
             *[(os, n, "process") for n in ("fork", "forkpty", "posix_spawn", "posix_spawnp",
                                            "system")],
             (_posixsubprocess, "fork_exec", "process"),
             (sys.modules.get("subprocess"), "_fork_exec", "process")]
    return [(owner, name, _elsewhere(getattr(owner, name), f"{_named(owner)}.{name}", kind))
            for owner, name, kind in found
            if owner is not None and getattr(owner, name, None) is not None]


def _elsewhere(function: Callable[..., Any], what: str, kind: str) -> Callable[..., Any]:
    """Running code in another thread or process (``kind``, through ``what``) as a capture
    sees it: refused where the learner's code does (or a library it called): a capture sees
    what its own thread builds only, and another process gives back numbers it cannot
    follow. It explains what the other thread does later (a draw, say): said first."""
    why = (f"it runs code in another {kind} (through {what}): a capture follows its own "
           "thread only; build the graph in the compiled function's thread, and run other "
           "work outside it and pass the numbers in")

    def call(*args: Any, **options: Any) -> Any:
        found = recording()
        if found is not None and for_the_learner(_getframe(1)):
            found.refuse(why, first=True)
        return function(*args, **options)

    call.__name__ = function.__name__
    return call


_DATETIME = stand_in(datetime.datetime, datetime.datetime, **{
    name: _refused(getattr(datetime.datetime, name), f"datetime.datetime.{name}()")
    for name in ("now", "utcnow", "today")})
_DATE = stand_in(datetime.date, datetime.date,
                 today=_refused(datetime.date.today, "datetime.date.today()"))


def for_the_learner(frame: Any) -> bool:
    """Whether the first code on the stack that is not a library's (the standard
    library's, an installed package's) is the learner's, not this folder's, and what it
    called there is not what reads files for the interpreter's own use (a warning's line, a
    traceback, an import statement, a package's version: ``_OWN_USE``). A reader the
    learner's code calls itself (``linecache.getline``, ``inspect.getsource``,
    ``tokenize.open``, ``pkgutil.get_data``, ``importlib.reload``, a loader's
    ``load_module``: a module's file run again) reads for the learner: before, these counted
    as the interpreter's, and what they read stayed the capture's number, silently."""
    own_use = False
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(_HERE):
            return False
        if user_code(code):
            return not own_use
        module = str(frame.f_globals.get("__name__"))
        if module.split(".")[0] in _OWN_USE or module in _OWN_USE or (
                module == "importlib._bootstrap" and code.co_name == "_find_and_load"):
            own_use = True  # (an import statement's; not a loader's run by the learner's
        frame = frame.f_back  # code: reload, load_module, imp.load_source, get_data)
    return False


def reader_called(frame: Any) -> str:
    """The library function the learner's code called, on the stack from ``frame`` up
    (``linecache.getline``), said as `` (through linecache.getline)``; else ""."""
    called = None
    while frame is not None and not user_code(frame.f_code):
        called, frame = frame, frame.f_back
    if called is None or frame is None:
        return ""
    return f" (through {called.f_globals.get('__name__')}.{called.f_code.co_name})"


_HERE = os.path.dirname(os.path.abspath(__file__))
_OWN_USE = frozenset(("warnings", "traceback", "importlib.metadata"))


def _passed_back(frame: Any) -> bool:
    """Whether library code at ``frame`` returns what it called as it is (the instruction
    after the call returns it) to the learner's code, through at most a few such
    (asyncio's ``loop.time()``: ``return time.monotonic()``)."""
    for _ in range(4):
        if frame is None or frame.f_code.co_filename.startswith(_HERE) or \
                _after(frame.f_code, frame.f_lasti) != "RETURN_VALUE":
            return False
        frame = frame.f_back
        if frame is not None and user_code(frame.f_code):
            return True
    return False


def _after(code: Any, offset: int) -> str:
    """The name of the instruction of ``code`` after the one at ``offset`` (past the call's
    caches, where ``f_lasti`` stands on 3.11)."""
    found = _NEXT.get(code)
    if found is None:
        import dis

        found = _NEXT[code] = [(i.offset, i.opname) for i in dis.get_instructions(code)]
    k = bisect.bisect_right(found, (offset, "~"))
    return found[k][1] if k < len(found) else ""


_NEXT: dict[Any, list[tuple[int, str]]] = {}  # (library code that called one of them)


_KEYS = ("LOAD_CONST", "LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF")
_BY_KEY = ("BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR")


def state_read(record: Any, code: Any, globals_: dict[str, Any], closure: Any,
               frame: Any) -> None:
    """The learner's ``code``, where it reads the interpreter's own state other than through
    a name a capture sees (``len``, ``hash``: ``SEEN_BY_NAME``), refused, naming the line:
    ``sys.modules`` taken whole (``len(list(sys.modules))``, ``sys.modules.__len__()``; one
    module read by its name, ``sys.modules[name]``, is a place: ``outside.py``), or an
    object's ``__hash__`` called (an address, where its class keeps object's), unless the
    code names one that hashes by value (``"lr".__hash__()``, a global ``KEY`` whose class
    has a ``__hash__`` of its own). (A class's ``__subclasses__()``: ``addresses.py``.)"""
    names = code.co_names
    if "__hash__" in names or "modules" in names or any(
            globals_.get(n) is sys.modules for n in names):
        cells = {} if closure or frame is None else frame.f_locals  # (its cells', or the
        for name, cell in zip(code.co_freevars, closure or ()):  # frame's own)
            try:
                cells[name] = cell.cell_contents
            except ValueError:  # (empty)
                pass
        why = _state_read(code, globals_, cells)
        if why is not None:
            record.refuse(why)


def _state_read(code: Any, globals_: dict[str, Any], cells: Any) -> str | None:
    import dis

    at = list(dis.get_instructions(code))
    for k, i in enumerate(at):
        where = getattr(getattr(i, "positions", None), "lineno", None) or code.co_firstlineno
        line = f"line {where} of {os.path.basename(code.co_filename)}"
        if i.opname in ("LOAD_ATTR", "LOAD_METHOD") and i.argval == "__hash__" and \
                not _by_value(_held(at[operand_start(at, k):k], globals_, cells)):
            return (f"it calls .__hash__() ({line}): an object's hash can be its address "
                    "(new for each new object), which a program cannot follow; call hash(), "
                    "which the capture sees")
        held = globals_.get(i.argval) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME") else \
            cells.get(i.argval) if i.opname == "LOAD_DEREF" else None  # (``import sys`` in
        # the function that made it)
        if held is sys.modules or (held is sys and k + 1 < len(at) and at[k + 1].opname in (
                "LOAD_ATTR", "LOAD_METHOD") and at[k + 1].argval == "modules"):
            after = at[k + 1:k + 4] if held is sys else at[k:k + 3]
            if (len(after) > 1 and (after[1].opname == "CONTAINS_OP" or (
                    after[1].opname in ("LOAD_ATTR", "LOAD_METHOD") and after[1].argval in (
                        "get", "__getitem__", "__contains__")) or (
                    len(after) > 2 and after[1].opname in _KEYS and
                    after[2].opname in _BY_KEY))) or _subscripted(at, k):
                continue  # (one module, by a name: guarded to stay it, ``held.py``)
            return (f"it reads sys.modules whole ({line}): its length, its names, are the "
                    "interpreter's own state (new at every import), which a program cannot "
                    "follow; read one module by its name, sys.modules[name]")
    return None


def _subscripted(at: list[Any], k: int) -> bool:
    """Whether ``sys.modules``, loaded from ``at[k]`` on, is read by one key made as the code
    runs (``sys.modules[RUN["name"]]``, ``sys.modules[PREFIX + "_cfg"]``: before, refused as
    a read of it whole, in words that asked for what the code wrote, a64o L1)."""
    return any(at[j].opname == "BINARY_SUBSCR" and operand_start(at, operand_start(at, j)) == k
               for j in range(k + 2, min(len(at), k + 64)))


def _held(span: list[Any], globals_: dict[str, Any], cells: Any) -> Any:
    """What an operand that is a constant, or a global or a cell then attributes, holds
    (``"lr"``, ``KEY``, ``cfg.key``), looked up without running code; else MISSING."""
    if len(span) == 1 and span[0].opname == "LOAD_CONST":
        return span[0].argval
    if not span or any(i.opname != "LOAD_ATTR" for i in span[1:]):
        return _MISSING
    first = span[0]
    held = globals_.get(first.argval, vars(builtins).get(first.argval, _MISSING)) if \
        first.opname in ("LOAD_GLOBAL", "LOAD_NAME") else cells.get(first.argval, _MISSING) \
        if first.opname == "LOAD_DEREF" else _MISSING
    for i in span[1:]:
        held = getattr(held, "__dict__", {}).get(i.argval, _MISSING)
    return held


def _by_value(x: Any, depth: int = 0) -> bool:
    """Whether ``x`` hashes by what it holds (a number, a text, a tuple of them, an object of
    a class with a ``__hash__`` of its own), not by its address (``object``'s, a Value's)."""
    if type(x) in (tuple, frozenset):
        return depth < 8 and all(_by_value(item, depth + 1) for item in x)
    own = getattr(type(x), "__hash__", None)
    return x is not _MISSING and own is not None and own is not object.__hash__ and \
        not hasattr(type(x), "EMPTY_GRAD")  # (a node: hashed by its address)


_MISSING = object()


_RAISES_TOO = ("has no len()", "is not iterable", "is not subscriptable", "is not callable",
               "to bytes", "does not support item", "is not reversible", "is not a mapping",
               "is not an iterator", "must be an iterable", "is not a sequence")
"""What a TypeError naming the capture's number says where Python raises it for a float (or
an int) too (``len(z.data)``): the engine's error, not a refusal."""
_OWN = "returned non-"  # (``LR.__float__`` gave the capture's number: ``capture._not_inputs``)


def took_a_float_only(err: BaseException, views: int = 0) -> str:
    """Why a capture raised ``err`` where the engine gives a number: a followed number
    (``z.data``) given to Python's code that checks in C that it is given a float object,
    unseen (``float.__mul__(z.data, 2.0)``, ``float.hex(z.data)``,
    ``datetime.timedelta(seconds=z.data)``), or whose attribute of Python's float the capture's
    number lacks (``z.data.__getnewargs__()``); or, where the capture made ``views``
    (``seen.MemoryviewSeen``), a write through a memoryview of a NumPy array given; said with
    the learner's line; else ''."""
    written = views and type(err) is TypeError and str(err) == "cannot modify read-only memory"
    attribute = _float_attribute(err)
    if not written and not attribute and (type(err) is not TypeError or not _names_traced(
            str(err)) or any(too in str(err) for too in (*_RAISES_TOO, _OWN))):  # (``len(
        return ""  # z.data)``: the engine's float raises as well)
    lines = [f for f in traceback.extract_tb(err.__traceback__) if learners_file(f.filename)]
    at = f"{os.path.basename(lines[-1].filename)}:{lines[-1].lineno}: {lines[-1].line}" \
        if lines else learners_line()  # (an exception met as it is raised: no traceback yet)
    if written:
        return ("it writes through memoryview() of a NumPy array given (the function gets a "
                "copy followed item by item, and a read-only view of its numbers: a program "
                f"does not change the caller's array again), at {at}; return the numbers "
                "instead, or change the array outside the compiled function")
    if attribute:
        return unfollowed_attribute(attribute, at)
    said = re.sub(r"(an? )?'?Traced'?( object)?", "a followed number", str(err))
    advice = ("use the operator (z.data * 2.0) or the number's own method (z.data.hex()), "
              "which a capture sees") if "descriptor" in str(err) else (
        "compute what needs it outside the compiled function and pass that in (or call the "
        "function without compile)")
    return ("it gives a number read from a Value (v.data, or one computed from it) to "
            "Python's code that takes a float object only, which a capture cannot follow "
            f"({said}), at {at}; {advice}")


def _names_traced(said: str) -> bool:
    return re.search(r"\bTraced\b", said) is not None


def _float_attribute(err: BaseException) -> str:
    """The attribute of Python's own number that the capture's number lacks, where ``err`` is
    the AttributeError of reading it (``z.data.__getnewargs__``); else ''."""
    if type(err) is not AttributeError:
        return ""
    obj, name = getattr(err, "obj", None), getattr(err, "name", None)
    if not isinstance(obj, Traced) or not isinstance(name, str):
        return ""
    return name if hasattr(type(value_of(obj)), name) else ""


def engines_words(err: BaseException) -> BaseException | None:
    """``err`` as the engine's call raises it, where it names the capture's number and
    Python raises it for the engine's float too (``len(z.data)``: "object of type 'float'
    has no len()"); else None."""
    said = str(err)
    if type(err) is not TypeError or not _names_traced(said) or _OWN in said:
        return None
    return TypeError(re.sub(r"\bTraced\b", "float", said))
