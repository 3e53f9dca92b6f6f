"""What a function reaches from outside that holds the world's state rather than numbers of
its own, as a capture sees it (``outside.py`` calls these for the places it walks):

- a ``queue.SimpleQueue``, whose items cannot be seen, a Pillow ``PixelAccess``
  (``img.load()``: the image's pixels, with nothing leading back to the image), and a NumPy
  array of objects of other than one dimension, whose items are not followed: refused,
  naming the line that reached it;
- a **connection** to something outside the process (an ``sqlite3`` database, a socket):
  what it gives can change between calls, which a program cannot follow; refused, naming
  the line that read it;
- a **stream** that can be read (a file, an ``io.StringIO``): one that can only be read,
  and one whose position the call moved while its length stayed (``BUF.readline()``),
  refused; one written to is not;
- a function a capture puts its own in place of (the clock, ``math.exp``), held where the
  learner's code reads it: in a module under a name of its own (``timeit.default_timer`` is
  ``time.perf_counter``: ``swapped_in_modules``), in a dict, a list, an attribute of the
  learner's objects (``CLOCKS["t"]``, ``self.clock``: ``followed_at``), a tuple's item (a
  default, ``ACTS = (math.tanh, ...)``: the tuple made again, the very one put back after)
  or a ``functools.partial``'s function, is the capture's there too while it runs, so that
  ``act is math.tanh`` is as in the engine; one held where nothing can be put that the
  capture refuses is refused there.

A memory-mapped file (``mmap``) is a buffer, guarded by its bytes as a ``bytearray`` is
(``kinds.kind_of``).
"""

from __future__ import annotations

import functools
import io
import os
import sys
import tempfile
import types
import warnings
from typing import Any

from tinygrad_edu.program.held_calls import held_unseen, unseen_state
from tinygrad_edu.program.kinds import Asked, kind_of, pillows
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.numpy_numbers import numpy_array
from tinygrad_edu.program.places import MISSING

__all__ = ["followed_at", "iterator_state", "reached", "streams_read", "swapped_in_modules"]

_CONNECTIONS = ("sqlite3", "_sqlite3", "socket", "_socket", "ssl", "_ssl", "_dbm", "_gdbm",
                "dbm.sqlite3", "shelve", "multiprocessing.managers")
"""The modules whose objects are connections to something outside the process (or outside
Python's objects): a database, a socket, a C dbm file, a ``shelve.Shelf`` (its items
unpickled afresh from its store at each read), a ``multiprocessing.Manager``'s proxies (the
object in the manager's process; a64e's F1)."""


def reached(record: Any, places: list[Any], line: str) -> list[tuple[Any, Any, str]]:
    """Of ``places`` (new to a walk), a connection refused; each stream that can be read,
    with its position now, and each iterator, with its state now (for ``streams_read``; an
    argument's line: the one that gave it)."""
    streams = []
    for place in places:
        x = place.value
        module = _connection(type(x))
        if module in _CONNECTIONS:
            record.refused = record.refused or (
                f"it reads {place.said()}, a connection to something outside the process "
                f"({module.lstrip('_')}.{type(x).__name__}): what it gives can change between "
                "calls, which a program cannot follow; query it outside the compiled "
                f"function and pass the numbers in, at {line or learners_line()}")
        elif numpy_array(x) and x.dtype.kind == "O" and x.ndim != 1:
            record.refused = record.refused or (
                f"it reaches {place.said()}, a NumPy array of objects of {x.ndim} dimensions: "
                "what its items hold is not followed (one of one dimension is, as a list); "
                "make it a list, or take the numbers out of it outside the compiled function "
                f"and pass them in, at {line or learners_line()}")
        elif type(x).__name__ == "SimpleQueue" and module in ("queue", "_queue"):
            record.refused = record.refused or (
                f"it reaches {place.said()}, a queue.SimpleQueue: what it holds cannot be "
                "seen, so what it gives cannot be guarded; take the numbers out of it "
                f"outside the compiled function and pass them in, at {line or learners_line()}")
        elif pillows(type(x)) == "PixelAccess":
            record.refused = record.refused or (
                f"it reaches {place.said()}, a Pillow PixelAccess (what img.load() gives): "
                "its pixels are the image's, in C, where nothing leads back from it to guard "
                "them; read the image itself (img.getpixel((x, y)), np.asarray(img): "
                "guarded by its pixels), or pass the numbers in, at "
                f"{line or learners_line()}")
        elif isinstance(x, io.IOBase) and not _standard(place):
            streams.append((place, _position(x), line or learners_line()))  # (an
            # argument's: the line that gave it)
        elif place.kind == "iterator":
            streams.append((place, iterator_state(x), line or learners_line()))
    return streams


def _connection(kind: type) -> str:
    """The module of ``kind``, or of the class among its bases that is a connection's
    (a ``shelve.DbfilenameShelf``'s ``Shelf``, a ``DictProxy``'s ``BaseProxy``)."""
    for k in getattr(kind, "__mro__", (kind,)):
        if getattr(k, "__module__", "") in _CONNECTIONS:
            return str(k.__module__)
    return str(getattr(kind, "__module__", ""))


def _standard(place: Any) -> bool:
    """Whether ``place`` holds ``sys.stdin``, ``sys.stdout`` or ``sys.stderr`` (what a
    capture's ``Written`` holds), or a part of one (``OUT.buffer``)."""
    held = [sys.stdin, *[getattr(s, "_stream", s) for s in (sys.stdout, sys.stderr)]]
    while place is not None:
        if any(place.value is s for s in held):
            return True
        place = place.parent
    return False


def in_memory(stream: Any) -> Any:
    """The ``io.StringIO`` or ``io.BytesIO`` that holds what a stream in memory gives: itself,
    or the one under its layers (a ``TextIOWrapper``'s ``.buffer``, a ``Buffered*``'s
    ``.raw``, a ``tempfile.SpooledTemporaryFile``'s file before it rolls over); None for
    another (a file)."""
    for _ in range(8):
        if isinstance(stream, (io.StringIO, io.BytesIO)):
            return stream
        if isinstance(stream, tempfile.SpooledTemporaryFile):
            stream = vars(stream).get("_file")
        elif isinstance(stream, io.TextIOWrapper):
            stream = stream.buffer
        elif isinstance(stream, (io.BufferedReader, io.BufferedWriter, io.BufferedRandom)):
            stream = stream.raw
        else:
            return None
    return None


def _position(stream: Any) -> Any:
    """Where a stream stands, and how long it is (a write makes it longer)."""
    try:
        if stream.closed:
            return None
        if hasattr(stream, "getvalue"):  # (in memory: io.StringIO, io.BytesIO)
            return stream.tell(), len(stream.getvalue())
        inner = in_memory(stream)
        if inner is not None:  # (its layers over one: no file; ``fileno()`` would roll a
            stream.flush()  # SpooledTemporaryFile over to a file of a random name, drawn)
            return stream.tell(), len(inner.getvalue())
        stream.flush()
        return stream.tell(), os.fstat(stream.fileno()).st_size
    except (OSError, ValueError):  # (a pipe, a terminal: no position)
        return None


def streams_read(record: Any, streams: list[tuple[Any, Any, str]]) -> None:
    """A stream reached from outside that the function read (one whose position it moved,
    its length kept where it can be written too; one that can only be read and has no
    position: a pipe), refused, naming the line that reached it (one reached and not read,
    a trainer's data file, is none); one it wrote to (made longer, or moved where it cannot
    be read: a file of its log), said once, as a print is (before, written at the capture
    only, silently: an attacker of issue 64); an iterator the function advanced, as
    ``iterators_read``."""
    for place, before, line in streams:
        stream = place.value
        if place.kind == "iterator":
            iterators_read(record, place, before, line)
            continue
        try:
            readable, only_read = stream.readable(), not stream.writable()
        except ValueError:  # (closed)
            continue
        now = _position(stream)
        if not only_read and before is not None and now is not None and now != before and (
                now[1] != before[1] or not readable) and not hasattr(stream, "getvalue"):
            # (longer, or moved and never read; one in memory: its text is guarded)
            record.effect(f"it writes to {place.said()}, a stream ({type(stream).__name__}) "
                          "(a program does not write again: write outside the compiled "
                          f"function, from what it returns), at {line or '?'}", line=False)
        if not readable:
            continue
        if (only_read and (before is None or now is None)) or (  # (a pipe: no position)
                before is not None and now is not None and now[0] != before[0] and
                (only_read or now[1] == before[1])):  # (reached and not read: no read)
            record.refused = record.refused or (
                f"it reads {place.said()}, a stream ({type(stream).__name__}): what it gives "
                "changes at every call, which a program cannot follow; read it outside the "
                f"compiled function and pass the numbers in, at {line or '?'}")
        elif now is not None and not hasattr(stream, "getvalue") and \
                record.outside is not None:  # (read and put back where it was, or not read:
            record.outside.asked(Asked(functools.partial(_file_state, stream),  # its file
                                       f"{place.said()}, the file it reads"),  # guarded)
                                 ("file", id(stream)), line)


def _file_state(stream: Any) -> str:
    """A file held open outside, as its guard reads it: where it stands, and its file's
    length, time of change and inode (a read then a ``seek(0)`` leaves the position as it
    was: before, the capture's number stayed when the file was written between calls); a
    stream in memory under layers (``in_memory``), where it stands and what it holds."""
    try:
        inner = in_memory(stream)
        if inner is not None:  # (in memory, under layers: what it holds, and where it is;
            stream.flush()  # before, the capture's number stayed, silently)
            return f"at {stream.tell()} of {inner.getvalue()!r}"
        found = os.fstat(stream.fileno())
        return f"at {stream.tell()} of {found.st_size} bytes, changed at " \
               f"{found.st_mtime_ns} (inode {found.st_ino})"
    except (OSError, ValueError):
        return "closed"


def swapped_in_modules(code: types.CodeType, globals_: dict[str, Any], names: Any,
                       followed: dict[int, Any]) -> list[tuple[Any, str, Any, Any]]:
    """Each module held by a global of ``names`` (the code's) whose attribute named in the
    code holds a function a capture puts its own in place of (``followed``: by identity),
    given the capture's: (the module's dict, the name, what it held, the capture's)."""
    swapped = []
    for name in names:
        module = globals_.get(name)
        if type(module) is types.ModuleType:
            held_by = vars(module)
            for attribute in code.co_names:
                held = held_by.get(attribute, MISSING)
                ours = followed.get(id(held)) if held is not MISSING else None
                if ours is not None and ours is not held and not isinstance(ours, type):
                    held_by[attribute] = ours
                    swapped.append((held_by, attribute, held, ours))
    return swapped


def followed_at(record: Any, places: list[Any], followed: dict[int, Any],
                line_of: Any) -> list[tuple[Any, Any, Any]]:
    """Each of ``places`` (new to a walk) holding a function a capture puts its own in place
    of (``followed``: by identity), given the capture's (place, what it held, the capture's:
    put back with the inputs installed, ``Watcher.restore``); where nothing can be put, one
    the capture refuses is refused, naming the place and the line that reached it
    (``line_of``)."""
    installed = []
    for place in [*places, *_static(places, followed)]:
        if place.kind != "function":
            continue
        ours = followed.get(id(place.value))
        static = place.step[0] == "own"
        if ours is None or ours is place.value or isinstance(ours, type) or \
                place.read() is not (place.held if static else place.value):  # (the
            continue  # capture's there already: a module's)
        try:
            place.write(staticmethod(ours) if static else ours)
        except (TypeError, AttributeError, KeyError, IndexError):  # (a tuple's item...)
            rebuilt = None if getattr(ours, "refused", False) else _rebuilt(place, ours)
            if rebuilt is not None:  # (the capture's where a tuple, a default held it:
                installed.append(rebuilt)  # ``ACTS[0] is math.tanh`` as in the engine,
                continue  # a64s S5)
            if getattr(ours, "refused", False) or unseen_state(place.value, place.said()):
                # (called there, the function itself runs unseen: a draw of random.random in
                # a default was the capture's at every call, issue 64; sum, math.exp: the
                # followed numbers go through them as they are)
                record.refused = record.refused or (
                    f"{held_unseen(place.value, place.said())}, at "
                    f"{line_of(place) or learners_line()}")
            continue
        installed.append((place, place.held if static else place.value, place.read()))
    return installed


def _rebuilt(place: Any, ours: Any) -> tuple[Any, Any, Any] | None:
    """``ours`` put where ``place`` holds the function it stands for, a tuple's item: the
    tuple made again with it, and put where the tuple is, as far up as tuples go (a default,
    ``ACTS = (math.tanh, ...)``, ``((math.sqrt,),)``); else None. Given as ``followed_at``'s
    (place, what it held, the capture's), the place being the outermost tuple's, so that
    putting back restores the very tuple (its identity guarded)."""
    new, at = ours, place
    for _ in range(8):
        holder = at.parent
        if holder is None:
            return None
        was = holder.read()
        step = at.step
        if type(was) is not tuple or step[0] != "item" or type(step[1]) is not int:
            return None
        made = (*was[:step[1]], new, *was[step[1] + 1:])
        try:
            holder.write(made)
        except (TypeError, AttributeError, KeyError, IndexError):
            new, at = made, holder  # (a tuple in a tuple: one up)
            continue
        return (holder, was, made)
    return None


def _static(places: list[Any], followed: dict[int, Any]) -> list[Any]:
    """A class's ``staticmethod`` of a function a capture puts its own in place of
    (``t = staticmethod(time.perf_counter)``), as a place of it (``held``: the
    staticmethod)."""
    from tinygrad_edu.program.places import Place

    found = []
    for place in places:
        if place.kind == "class":
            for name, held in list(vars(place.value).items()):
                if type(held) is staticmethod and id(held.__func__) in followed:
                    at = Place(place, ("own", name), held.__func__, "function")
                    at.held = held
                    found.append(at)
    return found


def iterator_state(x: Any, depth: int = 0) -> list[Any]:
    """Where an iterator stands, as far as Python shows it: a generator's place in its code
    and its locals, a C iterator's ``__reduce__`` (a list iterator's index, ``count``'s
    number, what ``map``/``zip``/``enumerate`` hold), ``csv.reader``'s line, a Python
    iterator's attributes; what it holds taken apart (iterators in it by their state, numbers
    and texts by value, other objects by identity), for ``iterators_read``."""
    if depth > 6:
        return [x]
    if isinstance(x, types.GeneratorType):
        frame = x.gi_frame
        if frame is None:
            return ["done"]
        inner = x.gi_yieldfrom
        return [frame.f_lasti, *dict(frame.f_locals).values(),
                *(iterator_state(inner, depth + 1) if inner is not None else ())]
    if hasattr(x, "line_num") and type(x).__module__ == "_csv":  # (csv.reader)
        return [x.line_num]
    if hasattr(x, "__dict__") and type(x).__reduce__ is object.__reduce__:
        return _atoms(list(vars(x).values()), depth)  # (csv.DictReader, the learner's)
    try:
        with warnings.catch_warnings():  # (itertools' pickling: deprecated in 3.12)
            warnings.simplefilter("ignore", DeprecationWarning)
            reduced = x.__reduce__()
    except Exception:
        return [x]
    return _atoms(list(reduced[1:]) if isinstance(reduced, tuple) else [reduced], depth)


def _atoms(items: list[Any], depth: int) -> list[Any]:
    found: list[Any] = [len(items)]
    for item in items:
        if type(item) in (int, float, str, bytes, bool) or item is None:
            found.append(("=", item))
        elif type(item) in (list, tuple) and len(item) <= 64:
            found += _atoms(list(item), depth + 1)
        elif kind_of(item) == "iterator":
            found += ["(", *iterator_state(item, depth + 1), ")"]
        else:
            found.append(item)
    return found


def _same_state(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(
        x is y or (type(x) is tuple and type(y) is tuple and len(x) == 2 and x[0] == "="
                   and y[0] == "=" and type(x[1]) is type(y[1]) and x[1] == y[1])
        for x, y in zip(a, b))


def iterators_read(record: Any, place: Any, before: list[Any], line: str) -> None:
    """An iterator reached from outside (an argument, an attribute, a default, an item) that
    the function advanced (its state when reached is not its state now): refused, naming the
    line that reached it (a program would give its first items at every call)."""
    if not _same_state(before, iterator_state(place.value)):
        record.refused = record.refused or (
                f"it reads {place.said()}, an iterator ({type(place.value).__name__}): what "
                "it gives changes at every call, which a program cannot follow; take its "
                "items outside the compiled function and pass them in as arguments, at "
                f"{line or '?'}")
