"""The calls of Python's library that reach outside the compiled function, as a capture sees
them (``watching.py`` puts them in place): ``os.environ`` read or written by a variable's name
(a place the capture guards), or read whole (refused); ``importlib.import_module`` and
``__import__`` (an ``import`` statement: the module it gives the learner's code is a place, as
``sys.modules[name]`` is); ``open``,
``io.FileIO`` and ``io.open_code`` (a file read, refused; one written, said once), and
any other route to a file (``audited_once``: Python's audit hook).
Outside a capture each calls Python's own."""

from __future__ import annotations

import io
import linecache
import os
import sys
from collections.abc import Callable
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.learners_objects import _learners
from tinygrad_edu.program.places import MISSING
from tinygrad_edu.program.refused import (
    for_the_learner,
    memory_read,
    reader_called,
    traceback_frame_read,
)
from tinygrad_edu.program.seen import HELD_IN, len_seen, stand_in
from tinygrad_edu.program.traced import recording

__all__ = ["audited_once", "environ_once", "files", "imported", "imports", "opened"]


def environ_once() -> None:
    """``os.environ``'s class's ``__getitem__`` and ``__setitem__`` (and ``__iter__``,
    ``__len__``: ``_read_whole``) as a capture sees them,
    put in place once and kept (outside a capture, Python's own called as they are): put
    back at the end of each capture, the class changed at every one, and after a thousand
    Python 3.13 went on calling the old ``__getitem__`` where ``os.getenv`` reads (its
    specialized subscript keeps the function it met while the class has no version left to
    say it changed): a variable set after that was not seen, silently."""
    environ = type(os.environ)
    getitem = environ.__getitem__
    if getattr(getitem, "read_by_name", False):
        return
    seen = _read_by_name(getitem, getitem)
    seen.read_by_name = True  # type: ignore[attr-defined]
    environ.__getitem__ = seen  # type: ignore[method-assign]
    environ.__setitem__ = _read_by_name(environ.__setitem__, getitem)  # type: ignore
    environ.__iter__ = _read_whole(environ.__iter__)  # type: ignore[method-assign]
    environ.__len__ = _read_whole(environ.__len__)  # type: ignore[method-assign]


_LEN = len_seen.__code__


def _read_whole(original: Callable[..., Any]) -> Callable[..., Any]:
    """``os.environ`` gone through or counted (``len(os.environ)``, ``dict(os.environ)``,
    ``.items()``) as a capture sees it: refused where the learner's code (or a library it
    called) does it, for which variables there are can change between calls (one read by its
    name is guarded)."""
    def whole(mapping: Any) -> Any:
        found = recording()
        caller: Any = _getframe(1)
        if caller.f_code is _LEN:  # (``len`` in the learner's module: ``seen.len_seen``)
            caller = caller.f_back
        if found is not None and for_the_learner(caller):
            found.refuse("it reads os.environ whole (which variables there are, how many), "
                         "which can change between calls, which a program cannot follow; "
                         "read each variable by its name (os.environ['LR'], os.getenv('LR'): "
                         "guarded), or pass what you need in")
        return original(mapping)

    whole.__name__ = original.__name__
    return whole


def _read_by_name(original: Callable[..., Any], read: Callable[..., Any]
                  ) -> Callable[..., Any]:
    """``os.environ[name]`` (read, or written: ``original``) as a capture sees it: the
    variable, with its text before (or none), is a place the capture guards
    (``Watcher.read_by_name``; one written is written again at every call)."""
    def item(mapping: Any, name: Any, *written: Any) -> Any:
        found = recording()
        watcher = found.outside if found is not None else None
        if watcher is not None:
            try:
                held = read(mapping, name)
            except KeyError:
                held = MISSING
            watcher.read_by_name(mapping, name, held)
        return original(mapping, name, *written)

    item.__name__ = original.__name__
    return item


def imported(original: Callable[..., Any]) -> Callable[..., Any]:
    """``importlib.import_module(name)`` in a capture, where the learner's code calls it:
    the module is a place, as ``sys.modules[name]`` is (``Watcher.read_by_name``)."""
    def import_module(name: str, package: str | None = None) -> Any:
        module = original(name, package)
        found = recording()
        if found is not None and found.outside is not None and \
                user_code(_getframe(1).f_code):
            found.outside.read_by_name(sys.modules, module.__name__, module)
        return module

    import_module.__doc__ = original.__doc__
    return import_module


def imports(original: Callable[..., Any]) -> Callable[..., Any]:
    """``__import__`` in a capture (what every ``import`` statement calls), where the
    learner's code imports: the module its code gets is a place, as ``sys.modules[name]``
    is (``import config`` in the function, then ``sys.modules["config"]`` replaced between
    calls: captured again)."""
    def __import__(name: str, globals: Any = None, locals: Any = None,
                   fromlist: Any = (), level: int = 0) -> Any:
        module = original(name, globals, locals, fromlist, level)
        found = recording()
        if found is not None and found.outside is not None and \
                user_code(_getframe(1).f_code):
            key = _absolute(name, globals, level)
            key = key if fromlist or key is None else key.partition(".")[0]
            if key is not None and sys.modules.get(key) is module:  # (what it gives; a
                found.outside.read_by_name(sys.modules, key, module,  # library's by its
                                           _learners(module))  # identity alone: numpy's)
        return module

    __import__.__doc__ = original.__doc__
    return __import__


def _absolute(name: str, globals_: Any, level: int) -> str | None:
    """The name a module is imported by, a relative one (``from . import config``) made
    absolute as Python does."""
    if not level:
        return name
    try:
        from importlib.util import resolve_name

        package = globals_.get("__package__") or globals_["__spec__"].parent
        return resolve_name("." * level + name, package)
    except Exception:  # (no package: Python raises for the import itself)
        return None


def opened(original: Callable[..., Any]) -> Callable[..., Any]:
    """``open`` in a capture, where the learner's code (or the library it called) opens a
    file: read, refused (what a file holds can change between calls); written, said once
    (a program does not write it again)."""
    def open(file: Any, mode: str = "r", *args: Any, **options: Any) -> Any:
        _opening(file, mode, _getframe(1))
        return original(file, mode, *args, **options)

    open.__doc__ = original.__doc__
    return open


def _opening(file: Any, mode: Any, caller: Any, how: str = "") -> None:
    found = recording()
    if found is not None and type(mode) is str and for_the_learner(caller):
        reads = "r" in mode or not any(c in mode for c in "wax") or (
            "a" in mode and "+" in mode)  # ("r+", "a+": what is there, read too)
        if not reads:
            found.effect(f"it writes to the file {file!r}{how} (a program does not write "
                         "it again: write outside the compiled function)")
        else:
            found.refuse(f"it reads the file {file!r}{how}: what a file holds can change "
                         "between calls, which a program cannot follow; read it outside "
                         "the compiled function and pass the numbers in")


def audited_once() -> None:
    """A file opened by any route, as a capture sees it: Python's audit hook for the
    ``open`` event, added once and kept (a hook cannot be taken off), doing nothing outside
    a capture. It sees what ``open``'s stand-ins do not: a reader bound before the capture
    (``tokenize.open``'s own ``open``, which ``linecache.getline`` and ``inspect.getsource``
    read through), the import machinery's ``open_code`` (``pkgutil.get_data``,
    ``importlib.reload``: a module's file run again). Before, these read the file at the
    capture only, and the program kept its number, silently. The same hook sees a
    traceback's frame read (the ``object.__getattr__`` event: ``traceback_frame_read``),
    memory read by its address and a C library opened through ctypes (the ``ctypes.cdata``
    and ``ctypes.dlopen`` events: ``memory_read``)."""
    global _AUDITED
    if not _AUDITED:
        _AUDITED = True
        sys.addaudithook(_audit)


_AUDITED = False


def _audit(event: str, args: Any) -> None:
    if event == "object.__getattr__":  # (a traceback's frame read: the stack above, refused)
        if len(args) > 1 and args[1] == "tb_frame" and recording() is not None:
            traceback_frame_read(_getframe(1))
        return
    if event in ("ctypes.cdata", "ctypes.dlopen"):  # (memory read by its address, a C
        if recording() is not None:  # library opened: refused)
            memory_read(_getframe(1), event == "ctypes.dlopen")
        return
    if event != "open" or recording() is None:
        return
    file, mode, flags = args
    if mode is None:  # (os.open: its flags say)
        mode = "w" if isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR) else "r"
    caller = _getframe(1)
    _opening(file, mode, caller, reader_called(caller))


_FILE_IO = io.FileIO
_OPEN_CODE = io.open_code
_GETLINES = linecache.getlines


def files() -> list[tuple[Any, str, Any]]:
    """``io.FileIO`` and ``io.open_code`` as a capture sees them (a file opened without
    ``open``): read, refused, written, said once, as by ``open``; the class a stand-in
    (``seen.stand_in``) that makes Python's own; and ``linecache.getlines`` (what
    ``linecache.getline`` and ``inspect.getsource`` read through: a file's lines, kept from
    a read before the capture, no file opened), refused as a file read."""
    def made(file: Any, mode: str = "r", *args: Any, **options: Any) -> Any:
        _opening(file, mode, _getframe(2), " (io.FileIO)")  # (past the stand-in's __new__)
        return _FILE_IO(file, mode, *args, **options)

    def open_code(path: str) -> Any:
        _opening(path, "rb", _getframe(1), " (io.open_code)")
        return _OPEN_CODE(path)

    def getlines(filename: str, module_globals: Any = None) -> Any:
        caller = _getframe(1)  # (a file's lines kept from an earlier read: no file opened)
        _opening(filename, "r", caller, reader_called(caller) or " (linecache)")
        return _GETLINES(filename, module_globals)

    open_code.__doc__ = _OPEN_CODE.__doc__
    getlines.__doc__ = _GETLINES.__doc__
    HELD_IN[_FILE_IO] = "io"  # (its class is ``_io``'s: ``type(f) is io.FileIO``)
    return [(io, "FileIO", stand_in(_FILE_IO, made)), (io, "open_code", open_code),
            (linecache, "getlines", getlines)]
