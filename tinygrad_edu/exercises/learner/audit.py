"""The check the learner's code cannot switch off: an audit hook (PEP 578) that sees what
the learner's process does beyond computing, and reports it to the grader.

The learner's process holds no reference to grade against (``engines.py``), but Python
leaves doors open to anything the process's user can reach: a file (the grader's answers on
disk, the engine's source, to load again what was taken out), a module of tinygrad_edu the
process does not have, a program (``python -m tinygrad_edu`` to compute an answer), the
network, native code, another process (a signal, its resource limits), a tracer or
profiler. Each is an audit event, and a hook, once added, cannot be removed, so ``install``
adds one before the learner's code runs.
On such an event it writes a line to the grader (on a channel of its own, checked to be
the very one it was given before each write: if the learner's code closed or replaced it,
the process ends at once with ``CHANNEL_LOST``), then refuses the operation with
``PermissionError``. The grader reports the submission, and never scores it.

Reading is allowed where the process's own imports read: the standard library, NumPy, and
the learner's own file; nothing is written anywhere.

Code made at run time is not refused, but seen (``_made_at_run_time``): what every
``compile`` is given (``exec`` and ``eval`` of a string too) goes to the grader on the same
channel, tagged ``RAN``, each once, up to ``READ`` characters in all (past them, ``OVER``):
text as it is, bytes as they are (the grader reads their coding line with its own codecs,
never the process's: ``heard.py``), a syntax tree as plain data the grader builds again and
unparses. ``BUILT`` says where code is made from what has no source to read:
``marshal.loads`` of bytes that are not a compiled module's file the process may read (an
import's), ``types.CodeType`` and ``code.replace``, or ``compile`` of an object of the
learner's own classes. The grader compares that code with its answers as it does the file
(``copies.py``): a flag for the teacher, never a report. The hook lives in the process it
watches, whose code can reach its state and switch it off: after each exercise the grader
has the process compile a canary (``CANARY``), which the hook sends whatever it sent
before; where the grader does not hear it, it flags the file for the teacher
(``machinery.py``).

The hook never runs the learner's code (``_never_theirs``): it calls only what it bound when
it was added (no global name is read when it runs), looks at exact types alone, and reads a
syntax tree's nodes from their own dictionaries, once their classes are checked to be as
they were. Whatever runs while the hook is at work in a thread and raises an event of its
own (not one of the hook's: ``OWN``) is the learner's code run from inside it, and reported.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # (the C functions signal.py wraps)
import _thread
import ast
import binascii
import os
import signal
import sys
from collections.abc import Callable, Iterable
from types import CodeType, FrameType
from typing import Any

__all__ = ["BUILT", "BY_MODULE", "CANARY", "CHANNEL_LOST", "OVER", "RAN", "TALLY", "install"]

RAN = "\x00ran "
"""A line of the channel that is code compiled at run time, not a report (no report starts
so: ``reported`` writes text of its own, new lines made spaces): a letter for what
``compile`` was given (``TEXT``, ``BYTES``, ``TREE``), then it in base64."""
TEXT, BYTES, TREE = "s", "b", "t"
"""What a ``RAN`` line carries: a string's text (UTF-8); bytes as they were given; a syntax
tree as plain data (``_tree_data``: the ``repr`` of a flat list of tuples)."""
BY_MODULE = "m"
"""A letter before a ``RAN`` line's tag: the code was written by a module's code, not the
learner's (``_by_module``)."""
RUNS_GIVEN = frozenset({"timeit", "doctest", "pdb", "bdb", "profile", "cProfile", "trace",
                        "code", "codeop", "runpy", "typing", "ast"})
"""Modules (by their file's name) that compile the text they are given (a statement to time,
a docstring's examples, an annotation): what they compile is the learner's."""
BUILT = "\x00built "
"""A line of the channel that says code was made from what has no source to read (and how)."""
OVER = "\x00over "
"""A line of the channel that says more code was compiled than ``READ`` (and how much)."""
READ = 512 * 1024
"""The most characters (or bytes) of code compiled at run time sent to the grader: a
submission's own limit (``loading.read_source``), each text once."""
CANARY = "# the grader's watch: "
"""What a text the grader has this process compile after the learner's code ran begins with
(then ``CANARY_DIGITS`` fresh random hex digits and a new line: ``heard.canary_text``). The
hook sends it as it sends any code compiled, whatever it sent before (``sent``, ``READ``),
unless an event it checks is among those it lets pass (``quiet``: the learner's code added
it): where the grader does not hear it, the hook was switched off
(``machinery.WATCH_OFF``)."""
CANARY_DIGITS = 32
"""How many hex digits a canary holds."""
TALLY = "\x00tally "
"""A line of the channel sent just before a canary: what the hook holds as sent (how many
characters in all, past ``READ`` or not, how many texts, the sum of their CRC-32s), which
the grader checks against what it heard (``heard.Heard``): a hook whose count was set past
``READ``, or told a text was sent that never was, stops sending code while it still sends
the canary (issue 65's second attacker), and is found so."""
OWN = frozenset({"sys._getframe", "sys._getframemodulename", "object.__getattr__"})
"""The events the hook itself raises as it works (it looks at frames); the ``open`` of a
compiled module's file it reads (``_imported``) is its own too. Any other event raised while
the hook is at work is the learner's code run from inside it."""

QUIET = 512
"""The most names of events the hook remembers as needing nothing (neither a report nor a
look at their arguments), to return at once the next time: most events are of that kind
(``object.__setattr__``, ``sys._getframe``...), and a grading raises hundreds of thousands
of them. (Bounded: code can raise events of any name, ``sys.audit``.)"""

CHANNEL_LOST = 97
"""The exit code of a learner's process whose channel to the grader's check was closed or
replaced by the learner's code."""

REFUSED = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "pty.", "socket.",
           "ctypes.", "shutil.", "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.",
           "poplib.", "nntplib.", "telnetlib.", "webbrowser.", "winreg.", "_winapi.",
           "msvcrt.", "signal.pthread_kill", "os.system", "os.fork", "os.forkpty", "os.kill",
           "os.killpg", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod",
           "os.chown", "os.link", "os.symlink", "os.truncate", "os.putenv", "os.unsetenv",
           "os.chflags", "os.lchown", "os.utime", "os.startfile", "sys.remote_exec")
"""Events refused and reported whatever their arguments (a prefix, or an event's name)."""

WHAT = {"subprocess.": "ran a program", "os.exec": "ran a program", "os.spawn": "ran a program",
        "os.posix_spawn": "ran a program", "os.system": "ran a program",
        "pty.": "ran a program", "os.fork": "forked the process", "socket.": "used the network",
        "urllib.": "used the network", "http.": "used the network",
        "ctypes.": "loaded native code", "os.kill": "signalled another process"}

ITSELF_ONLY = {"resource.prlimit": "changed or read another process's resource limits"}
"""Events about a process (the first argument): allowed on the process itself (0, or its own
number), reported on any other (where the grader is not root, the grader's and the other
students' processes run as the same user; the kernel refuses it too: ``sandbox.py``)."""


def _syntax_classes() -> dict[type, tuple[str, tuple[str, ...], tuple[type, ...]]]:
    """The ast module's node classes, each with its name, its fields and the classes it
    inherits from (``object`` left out: it cannot change), as the process starts."""
    found: dict[type, tuple[str, tuple[str, ...], tuple[type, ...]]] = {}
    for name, cls in vars(ast).items():
        if type(cls) is type and issubclass(cls, ast.AST) and cls.__module__ == "ast":
            found[cls] = (name, tuple(cls._fields), cls.__mro__[:-1])
    return found


def install(report_fd: int, readable: Iterable[str], stdlib: Iterable[str],
            own_imports: set[str], own_code: set[CodeType]) -> None:
    """Add the hook: reports go to ``report_fd``; files under ``readable`` (folders, or a
    file) may be read, and so may those under ``stdlib`` (the standard library's folders)
    outside any ``site-packages``: a virtual environment's folder holds its packages,
    tinygrad_edu among them; ``own_imports`` are the top-level modules the learner may
    still load (their submodules too); the code objects ``own_code`` (the time limit's) may
    set a tracer, and so may CPython where one of them, the time limit's, stops a frame.
    Everything the hook calls is bound here (builtins and exceptions too), so that the
    learner's code cannot replace it (``_never_theirs``)."""
    write, fstat, exit_now, getframe = os.write, os.fstat, os._exit, sys._getframe
    open_fd, read_fd, close_fd, reading_flags = os.open, os.read, os.close, os.O_RDONLY
    thread, lock = _thread.get_ident, _thread.allocate_lock()
    base64 = binascii.b2a_base64
    type_, len_, repr_, hex_, fhex, reversed_ = type, len, repr, hex, float.hex, reversed
    str_, bytes_, bytearray_, view, tobytes = str, bytes, bytearray, memoryview, memoryview.tobytes
    list_, tuple_, frozenset_, dict_ = list, tuple, frozenset, dict
    int_, float_, complex_, bool_, none, ellipsis = int, float, complex, bool, type(None), \
        type(...)
    scalars = frozenset({str_, bytes_, bool_, none})
    Refused, Missing, Shallow = PermissionError, OSError, ValueError
    any_, next_, range_, set_, attribute = any, next, range, set, getattr
    type_name = type.__dict__["__name__"].__get__  # (a class's name, whatever its metaclass)
    method, function = type(_syntax_classes.__get__(0)), type(_syntax_classes)
    own_events, ran, built, over, read, channel_lost = OWN, RAN, BUILT, OVER, READ, CHANNEL_LOST
    tally_tag, crc = TALLY, binascii.crc32
    text_tag, bytes_tag, tree_tag, by_module_tag = TEXT, BYTES, TREE, BY_MODULE
    runs_given = RUNS_GIVEN
    refused, what_is, itself_only = REFUSED, dict(WHAT), dict(ITSELF_ONLY)
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT
    frame_locals = frozenset({dict_, type(getframe().f_locals)})  # (3.13: a proxy)
    itself = (0, os.getpid())
    sep = os.sep
    stat = fstat(report_fd)
    channel = (stat.st_dev, stat.st_ino)
    roots = tuple(os.path.normpath(p) for p in readable)
    libraries = tuple(os.path.normpath(p) for p in stdlib)
    # What Python itself opens as it imports: each entry of sys.path, the entry alone (not
    # what it holds). importlib.metadata (numpy.testing calls it as it is imported) opens
    # each entry it cannot list as a zip: the standard library's zip, /usr/lib/python311.zip
    # on Debian's Python, its folders and site-packages, which Landlock lets no one list. A
    # file that did only `import numpy.testing` was reported for it, where the process stays
    # the teacher's user (as root, the grader imports it first).
    entries = frozenset(os.path.normpath(p) for p in sys.path if p)
    packages = (f"{sep}site-packages{sep}", f"{sep}dist-packages{sep}")
    inside: set[int] = set()  # (the threads the hook is at work in)
    reading: list[str] = []  # (the file the hook opens itself: _imported)
    classes = _syntax_classes()
    node_dict = ast.AST.__dict__["__dict__"].__get__  # (a node's own dictionary)
    class_dict = type.__dict__["__dict__"].__get__  # (a class's own dictionary)
    frozen = {c: dict(class_dict(c)) for _, _, mro in classes.values() for c in mro}
    mask = getattr(_signal, "pthread_sigmask", None)  # (C's: signal.py's converts to enums)
    alarm = {int(signal.SIGALRM)}
    block, unblock = signal.SIG_BLOCK, signal.SIG_UNBLOCK
    sent: set[str | bytes] = set()
    canary, canary_size = CANARY, len(CANARY) + CANARY_DIGITS + 1
    canary_bytes = CANARY.encode("ascii")  # (what ``compile`` of a string is heard with)
    own_checks = frozenset({"compile", "marshal.loads", "code.__new__", "open", "import",
                            "sys.settrace", "sys.setprofile"})
    size = [0]
    posed = [False]  # (the learner's code compiled under a module's file name: _by_module)
    quiet: set[str] = set()  # (events the check does nothing with, whatever their arguments)
    most_quiet = QUIET

    def sending(line: str) -> None:
        data = (line + "\n").encode("utf-8", "replace")
        if mask is not None:  # (the time limit's signal never cuts a line in two)
            mask(block, alarm)
        try:
            with lock:  # (one line at a time, whatever the thread)
                now = fstat(report_fd)
                if (now.st_dev, now.st_ino) != channel:
                    exit_now(channel_lost)
                while data:
                    data = data[write(report_fd, data):]
        except Missing:
            exit_now(channel_lost)
        finally:
            if mask is not None:
                mask(unblock, alarm)

    def reported(what: str) -> None:
        sending(what.replace("\n", " ")[:300])
        raise Refused(f"not allowed while your code is graded: it {what}")

    def shown(x: Any) -> str:
        """``x`` in a report: its text if it is a string (or bytes, a number), else its type's
        name (never a ``repr`` of the learner's own)."""
        if type_(x) is str_:
            return x
        if type_(x) is int_:
            return repr_(x) if -2**63 < x < 2**63 else "a large number"
        return repr_(x)[:120] if type_(x) in scalars else f"a {type_name(type_(x))}"

    def intact(cls: type, checked: set[type]) -> bool:
        """Whether a node class, and those it inherits from, are as they were."""
        for c in classes[cls][2]:
            if c in checked:
                continue
            now, was = class_dict(c), frozen[c]
            if len_(now) != len_(was):
                return False
            for key, value in now.items():
                if type_(key) is not str_ or was.get(key, was) is not value:
                    return False
            checked.add(c)
        return True

    def tree_data(root: Any) -> str | None:  # (_tree_data)
        """A syntax tree of the ast module's own classes as the ``repr`` of a flat list, in
        prefix order: ("n", class, fields) then each field's value, ("l", n) then a list's
        items, ("t", n) a tuple's, ("s", n) a frozenset's, ("c", x) a string, bytes, bool
        or None, ("i", hex) an int, ("f", hex) a float, ("j", hex, hex) a complex, ("e",)
        the Ellipsis; None if anything in it is of another type, or a class was changed."""
        out: list[tuple[Any, ...]] = []
        todo: list[Any] = [root]
        checked: set[type] = set_()
        while todo:
            if len_(out) > read:  # (a tree that holds itself, or too large to read)
                return None
            x = todo.pop()
            kind = type_(x)
            if kind in classes:
                if not intact(kind, checked):
                    return None
                own = node_dict(x)
                if type_(own) is not dict_:
                    return None
                for key in own:
                    if type_(key) is not str_:
                        return None
                fields = tuple_([f for f in classes[kind][1] if f in own])
                out.append(("n", classes[kind][0], fields))
                todo += [own[f] for f in reversed_(fields)]
            elif kind is list_ or kind is tuple_ or kind is frozenset_:
                items = list_(x)
                out.append(("l" if kind is list_ else "t" if kind is tuple_ else "s",
                            len_(items)))
                todo += reversed_(items)
            elif kind in scalars:
                out.append(("c", x))
            elif kind is int_:
                out.append(("i", hex_(x)))
            elif kind is float_:
                out.append(("f", fhex(x)))
            elif kind is complex_:
                out.append(("j", fhex(x.real), fhex(x.imag)))
            elif kind is ellipsis:
                out.append(("e",))
            else:
                return None
        return repr_(out)

    def module_file(name: Any) -> bool:
        """Whether a code's file name is a module's: the standard library's or an installed
        package's file (importlib's own, frozen), not one that compiles what it is given."""
        if type_(name) is not str_:
            return False
        stem = name.rsplit(sep, 1)[-1].removesuffix(".py")
        return stem not in runs_given and (name.startswith("<frozen ") or (
            name.startswith(sep) and (any_(name.startswith(root + sep) for root in libraries)
                                      or any_(folder in name for folder in packages))))

    def by_module(args: tuple[Any, ...]) -> bool:  # (_by_module)
        """Whether the code ``compile`` is given was written by a module's code: the frame
        that called it (``exec``, ``eval``, ``compile``) runs a module's file
        (``module_file``), and so does the frame that called that one (a module's function
        that writes code, called by the learner's, ``dataclasses._create_fn``, is given
        the code); and the learner's code never compiled code of its own under such a
        name (then nothing is)."""
        try:
            frame: FrameType = getframe(4)  # (0: here, 1: made_at_run_time, 2: check, 3: hook)
        except Shallow:
            return False
        if module_file(frame.f_code.co_filename):
            caller = frame.f_back
            return not posed[0] and caller is not None and module_file(
                caller.f_code.co_filename)
        if len_(args) > 1 and module_file(args[1]):
            posed[0] = True
        return False

    def made_at_run_time(event: str, args: tuple[Any, ...]) -> None:  # (_made_at_run_time)
        if event == "compile":
            source: Any = args[0] if args else None
            data: Any
            kind = type_(source)
            if kind is str_:
                tag, data = text_tag, source
            elif kind is bytes_ or kind is bytearray_ or kind is view:
                tag, data = bytes_tag, bytes_(source) if kind is bytearray_ else \
                    tobytes(source) if kind is view else source
            elif kind in classes:
                tag, data = tree_tag, tree_data(source)
                if data is None:
                    sending(f"{built}compile() of a syntax tree of its own (a "
                            f"{type_name(kind)} holding what the grader cannot read)")
                    return
            else:
                sending(f"{built}compile() of a {type_name(kind)} of its own")
                return
            mark: Any = canary_bytes if tag == bytes_tag else canary if tag == text_tag \
                else None
            if mark is not None and len_(data) == canary_size and data.startswith(mark):
                if type_(quiet) is not set_ or any_(type_(e) is not str_ or checked(e)
                                                    for e in quiet):
                    return  # (events it checks let pass: switched off, said by silence)
                total = 0  # (the sum of what it holds as sent: the grader's to compare)
                for held in sent:
                    one: Any = held
                    if type_(one) is not bytes_ and type_(one) is not str_:  # (one of its
                        total = -1  # own kind, equal to any text: a text said sent unsent)
                        break
                    total += crc(one if type_(one) is bytes_ else
                                 one.encode("utf-8", "surrogatepass"))
                sending(f"{tally_tag}{size[0]} {len_(sent)} "
                        f"{total & 0xFFFFFFFF if total >= 0 else total}")
                raw = data if tag == bytes_tag else data.encode("utf-8", "surrogatepass")
                sending(ran + tag + base64(raw, newline=False).decode("ascii"))  # (the
                return  # grader's watch: sent whatever was sent before, CANARY)
            if data in sent or size[0] > read:  # (past READ: said once)
                return
            if size[0] + len_(data) > read:
                size[0] = read + 1
                sending(f"{over}{len_(data)}")
                return
            sent.add(data)
            size[0] += len_(data)
            raw = data if tag == bytes_tag else data.encode("utf-8", "surrogatepass")
            whose = by_module_tag if by_module(args) else ""
            sending(ran + whose + tag + base64(raw, newline=False).decode("ascii"))
        elif event == "marshal.loads":
            if not imported(args[0] if args else None):
                sending(f"{built}marshal.loads() of bytes")
        else:
            sending(f"{built}types.CodeType (or code.replace)")

    def imported(data: Any) -> bool:  # (_imported)
        """Whether ``marshal.loads`` is given what a compiled module's file (its
        ``bytecode_path``, as importlib names it) that the process may read holds past its
        header: the file read again here, whoever asked."""
        kind = type_(data)
        if kind is view:
            data = tobytes(data)
        elif kind is not bytes_:
            return False
        try:
            frame: FrameType | None = getframe(3)  # (3: marshal.loads' caller; 2: the hook)
        except Shallow:
            return False
        for _ in range_(3):
            if frame is None:
                return False
            seen = frame.f_locals
            path: Any = seen.get("bytecode_path") if type_(seen) in frame_locals else None
            if type_(path) is str_ and readable_path(path):
                break
            frame = frame.f_back
        else:
            return False
        reading.append(path)
        try:
            fd = open_fd(path, reading_flags)
        except Missing:
            return False
        finally:
            reading.pop()
        try:
            chunks = [b""]
            while chunks[-1] or len_(chunks) == 1:
                chunks.append(read_fd(fd, 1 << 20))
        except Missing:
            return False
        finally:
            close_fd(fd)
        return b"".join(chunks)[16:] == data

    def normal(path: str) -> str:
        """``os.path.normpath``'s path (a string's, on POSIX), computed here."""
        parts: list[str] = []
        for part in path.split(sep):
            if part == ".." and parts and parts[-1] != "..":
                parts.pop()
            elif part not in ("", ".") and (part != ".." or not path.startswith(sep)):
                parts.append(part)
        return (sep if path.startswith(sep) else "") + sep.join(parts) or "."

    def readable_path(path: Any) -> bool:
        """Whether the process may read ``path``: a string or bytes (never an object of the
        learner's, whose ``__fspath__`` would run) under ``roots``, or the standard
        library's folders outside any ``site-packages``, or an entry of ``sys.path`` itself
        (``entries``)."""
        if type_(path) is bytes_:
            path = path.decode("utf-8", "surrogateescape")
        if type_(path) is not str_:
            return False
        full = normal(path)
        if any_(full == root or full.startswith(root + sep) for root in roots):
            return True
        if full in entries:
            return True
        return any_(full.startswith(root + sep) for root in libraries) and not any_(
            folder in full + sep for folder in packages)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        me = thread()
        if me in inside:  # (the hook at work in this thread)
            if event in own_events or (event == "open" and reading and args and
                                       args[0] is reading[-1]) or (
                    event in ("sys.settrace", "sys.setprofile") and
                    getframe(1).f_code in own_code) or (  # (the time limit's, its signal
                    event == "sys.unraisablehook" and args and  # come while the hook was
                    attribute(args[0], "__code__", None) in own_code):  # at work; an error
                return  # a __del__ raised as the hook freed an object, said by the grader)
            reported(f"ran code of its own inside the grader's check ({event})")
        if event in quiet:  # (an exact str: CPython makes one for Python's hooks)
            return
        inside.add(me)
        try:
            check(event, args)
        finally:
            inside.discard(me)

    def checked(event: str) -> bool:
        """Whether ``check`` looks at ``event`` (never let pass: never in ``quiet``)."""
        return event in own_checks or event in itself_only or event.startswith(refused) or \
            event in refused

    def check(event: str, args: tuple[Any, ...]) -> None:
        if event in ("compile", "marshal.loads", "code.__new__"):
            made_at_run_time(event, args)
        elif event == "open":
            path, mode, flags = args
            writing = (mode is not None and (type_(mode) is not str_ or any_(
                c in mode for c in "wax+"))) or (flags is not None and (
                    type_(flags) is not int_ or flags & writes))
            if type_(path) is int_ or writing or not readable_path(path):
                verb = "wrote to" if writing else "opened"
                reported(f"{verb} {shown(path)}" + (
                    " (a file of the grader's: tinygrad_edu)" if type_(path) in scalars and
                    "tinygrad_edu" in str_(path) else ""))
        elif event == "import":
            name = args[0]
            if type_(name) is not str_ or name.split(".")[0] not in own_imports:
                reported(f"imported {shown(name)}" + (
                    " (the grader's, with its answers)" if type_(name) is str_ and
                    name.startswith("tinygrad_edu.exercises")
                    else ", which this process does not have"))
        elif event in ("sys.settrace", "sys.setprofile"):
            caller = getframe(2)  # (1: check's caller, the hook; 2: who set it)
            # (CPython 3.10 turns tracing off itself when a trace function raises, as the
            # time limit's does to stop the learner's code once the time is up: then the
            # caller is the learner's frame, and its trace function the time limit's)
            trace: Any = caller.f_trace  # (ours: a method of the time limit's, on its own object)
            stopping = type_(trace) is method and type_(trace.__func__) is function and \
                trace.__func__.__code__ in own_code and \
                attribute(trace.__self__, "up", False) is True
            if caller.f_code not in own_code and not stopping:
                reported(f"called {event} (a tracer sees every line of the grading)")
        elif event in itself_only:
            if not args or type_(args[0]) is not int_ or args[0] not in itself:
                reported(f"{itself_only[event]} ({event} {shown(args[0] if args else None)})")
        elif event.startswith(refused) or event in refused:
            what = next_((w for prefix, w in what_is.items() if event.startswith(prefix)),
                         "reached outside its process")
            if event in ("os.kill", "os.killpg") and args and type_(args[0]) is int_ and \
                    args[0] in itself:
                what = "signalled its own process"  # (refused all the same: a stop, say)
            reported(f"{what} ({event} {shown(args[0] if args else None)})")
        elif len_(quiet) < most_quiet:
            quiet.add(event)

    sys.addaudithook(hook)


def own_code_of(functions: Iterable[Callable[..., Any]]) -> set[CodeType]:
    """The code objects of ``functions``: those allowed to set a tracer."""
    return {f.__code__ for f in functions}


# _made_at_run_time: the copy flag read the handed-in file alone, so a file that held the
# model answer reversed in a string, compiled and run at run time (builtins reached through
# ``typing.sys.modules``, ``compile`` by a name made of pieces) scored 5/5 unflagged on
# every route (issue 65). What the process compiles is now seen
# where it is compiled, whatever names reach it. Imports from source compile too, and
# ``dataclasses``, ``namedtuple`` and the like compile code they write: read the same, they
# are no answer's copy (tests/exercises/test_copies_run_time.py).


# _by_module: the class's report took what two files or more compiled at run time, that no
# file holds as written, for the modules' own (a dataclass's methods), so a pair that held
# the same answer encoded and compiled it with their own code went unflagged (a65's m3). Who
# called ``compile`` (or ``exec``, ``eval``) now says whose the code is: a module's file
# (the standard library's, an installed package's, importlib's frozen code), or the
# learner's (their file, code they compiled, a module that compiles what it is given:
# RUNS_GIVEN). A file name is the learner's to give (compile(text, ".../dataclasses.py")),
# so once their code compiles under a module's name, nothing is a module's any more.
