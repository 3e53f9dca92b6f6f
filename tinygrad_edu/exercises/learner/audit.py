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

Code made at run time is not refused, but seen (``_made_at_run_time``): the source of every
``compile`` (``exec`` and ``eval`` of a string too, an AST unparsed), each text once, goes to
the grader on the same channel, tagged ``RAN``, up to ``READ`` characters in all (past them,
``OVER``), and so does ``BUILT`` where code is made from bytes (``marshal.loads`` outside an
import, ``types.CodeType`` and ``code.replace``), which has no source to read. The grader
compares that code with its answers as it does the file (``copies.py``): a flag for the
teacher, never a report.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from types import CodeType, FrameType
from typing import Any

__all__ = ["BUILT", "CHANNEL_LOST", "OVER", "RAN", "Heard", "install"]

RAN = "\x00ran "
"""A line of the channel that is code compiled at run time (its text as a JSON string), not a
report: no report starts so (``reported`` writes text of its own, new lines made spaces)."""
BUILT = "\x00built "
"""A line of the channel that says code was made from bytes (and how)."""
OVER = "\x00over "
"""A line of the channel that says more code was compiled than ``READ`` (and how much)."""
READ = 512 * 1024
"""The most characters of code compiled at run time sent to the grader: a submission's own
limit (``loading.read_source``), each text once."""

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


def install(report_fd: int, readable: Iterable[str], stdlib: Iterable[str],
            own_imports: set[str], own_code: set[CodeType]) -> None:
    """Add the hook: reports go to ``report_fd``; files under ``readable`` (folders, or a
    file) may be read, and so may those under ``stdlib`` (the standard library's folders)
    outside any ``site-packages``: a virtual environment's folder holds its packages,
    tinygrad_edu among them; ``own_imports`` are the top-level modules the learner may
    still load (their submodules too); the code objects ``own_code`` (the time limit's) may
    set a tracer, and so may CPython where one of them, the time limit's, stops a frame.
    Everything the hook calls is bound here, so that the learner's code cannot replace it."""
    write, fstat, exit_now, getframe = os.write, os.fstat, os._exit, sys._getframe
    itself = (0, os.getpid())
    attribute = getattr
    fspath, normpath, sep = os.fspath, os.path.normpath, os.sep
    stat = fstat(report_fd)
    channel = (stat.st_dev, stat.st_ino)
    roots = tuple(normpath(p) for p in readable)
    libraries = tuple(normpath(p) for p in stdlib)
    packages = (f"{sep}site-packages{sep}", f"{sep}dist-packages{sep}")
    inside: list[bool] = []
    dumps, unparse, syntax_tree = json.dumps, ast.unparse, ast.AST
    mask, alarm = getattr(signal, "pthread_sigmask", None), {signal.SIGALRM}
    block, unblock = signal.SIG_BLOCK, signal.SIG_UNBLOCK
    sent: set[str] = set()
    size = [0]

    def sending(line: str) -> None:
        data = (line + "\n").encode("utf-8", "replace")
        if mask is not None:  # (the time limit's signal never cuts a line in two)
            mask(block, alarm)
        try:
            now = fstat(report_fd)
            if (now.st_dev, now.st_ino) != channel:
                exit_now(CHANNEL_LOST)
            while data:
                data = data[write(report_fd, data):]
        except OSError:
            exit_now(CHANNEL_LOST)
        finally:
            if mask is not None:
                mask(unblock, alarm)

    def reported(what: str) -> None:
        sending(what.replace("\n", " ")[:300])
        raise PermissionError(f"not allowed while your code is graded: it {what}")

    def made_at_run_time(event: str, args: tuple[Any, ...]) -> None:  # (_made_at_run_time)
        if event == "compile":
            source = args[0] if args else None
            try:
                text = (source.decode("utf-8", "replace") if isinstance(source, bytes) else
                        source if isinstance(source, str) else unparse(source)
                        if isinstance(source, syntax_tree) else None)
            except Exception:  # (an AST too deep, or not one: no source to read)
                sending(f"{BUILT}compile() of {type(source).__name__} it made")
                return
            if text is None or text in sent or size[0] > READ:  # (past READ: said once)
                return
            if size[0] + len(text) > READ:
                size[0] = READ + 1
                sending(f"{OVER}{len(text)}")
                return
            sent.add(text)
            size[0] += len(text)
            sending(RAN + dumps(text))
        elif event == "marshal.loads":
            caller: FrameType | None = getframe(3)  # (3: marshal.loads' caller; 2: the hook)
            if caller is not None and caller.f_code.co_name == "_call_with_frames_removed" and \
                    caller.f_code.co_filename == "<frozen importlib._bootstrap>":
                caller = caller.f_back  # (3.13: how importlib calls it)
            up = caller.f_back if caller is not None else None
            if not (caller is not None and up is not None and
                    caller.f_code.co_name == "_compile_bytecode" and
                    up.f_code.co_name == "get_code" and caller.f_code.co_filename ==
                    up.f_code.co_filename == "<frozen importlib._bootstrap_external>"):
                sending(f"{BUILT}marshal.loads() of bytes")
        else:
            sending(f"{BUILT}types.CodeType (or code.replace)")

    def readable_path(path: Any) -> bool:
        try:
            full = normpath(fspath(path))
        except TypeError:
            return False
        if any(full == root or full.startswith(root + sep) for root in roots):
            return True
        return any(full.startswith(root + sep) for root in libraries) and not any(
            folder in full + sep for folder in packages)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if inside:  # (what the hook itself does)
            return
        inside.append(True)
        try:
            check(event, args)
        finally:
            inside.pop()

    def check(event: str, args: tuple[Any, ...]) -> None:
        if event in ("compile", "marshal.loads", "code.__new__"):
            made_at_run_time(event, args)
        elif event == "open":
            path, mode, flags = args
            writing = (mode is not None and any(c in mode for c in "wax+")) or (
                flags is not None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if isinstance(path, int) or writing or not readable_path(path):
                verb = "wrote to" if writing else "opened"
                reported(f"{verb} {path}" + (" (a file of the grader's: tinygrad_edu)"
                                             if "tinygrad_edu" in str(path) else ""))
        elif event == "import":
            name = str(args[0])
            if name.split(".")[0] not in own_imports:
                reported(f"imported {name}" + (" (the grader's, with its answers)" if
                                               name.startswith("tinygrad_edu.exercises")
                                               else ", which this process does not have"))
        elif event in ("sys.settrace", "sys.setprofile"):
            caller = getframe(2)  # (1: check's caller, the hook; 2: who set it)
            # (CPython 3.10 turns tracing off itself when a trace function raises, as the
            # time limit's does to stop the learner's code once the time is up: then the
            # caller is the learner's frame, and its trace function the time limit's)
            trace = caller.f_trace
            stopping = attribute(attribute(trace, "__func__", None), "__code__", None) in \
                own_code and attribute(attribute(trace, "__self__", None), "up", False) is True
            if caller.f_code not in own_code and not stopping:
                reported(f"called {event} (a tracer sees every line of the grading)")
        elif event in ITSELF_ONLY:
            if not args or args[0] not in itself:
                reported(f"{ITSELF_ONLY[event]} ({event} {str(args[:1])[:120]})")
        elif event.startswith(REFUSED) or event in REFUSED:
            what = next((w for prefix, w in WHAT.items() if event.startswith(prefix)),
                        "reached outside its process")
            if event in ("os.kill", "os.killpg") and args and args[0] in itself:
                what = "signalled its own process"  # (refused all the same: a stop, say)
            reported(f"{what} ({event} {str(args[:1])[:120]})")

    sys.addaudithook(hook)


class Heard:
    """What the grader has heard on a learner's process's channel (``take``, line by line):
    the audit's ``reports``; the code it compiled at run time (``ran``, up to ``READ``
    characters in all); how it made code that has no source to read (``built``)."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self.ran: list[str] = []
        self.built: list[str] = []
        self._size = 0

    def take(self, line: str) -> None:
        if line.startswith(RAN):
            try:
                text = json.loads(line[len(RAN):])
            except (ValueError, RecursionError):
                text = None
            if isinstance(text, str) and self._size + len(text) <= READ:
                self.ran.append(text)
                self._size += len(text)
                return
            how = f"compiled more than the grader reads ({READ // 1024} KiB)" if isinstance(
                text, str) else "compiled what the grader could not read"
        elif line.startswith(BUILT):
            how = line[len(BUILT):][:200]
        elif line.startswith(OVER):
            how = f"compiled more than the grader reads ({READ // 1024} KiB)"
        else:
            self.reports.append(line)
            return
        if how not in self.built and len(self.built) < 20:
            self.built.append(how)


def own_code_of(functions: Iterable[Callable[..., Any]]) -> set[CodeType]:
    """The code objects of ``functions``: those allowed to set a tracer."""
    return {f.__code__ for f in functions}


# _made_at_run_time: the copy flag read the handed-in file alone, so a file that held the
# model answer reversed in a string, compiled and run at run time (builtins reached through
# ``typing.sys.modules``, ``compile`` by a name made of pieces) scored 5/5 unflagged on
# every route (issue 65, an independent attacker). What the process compiles is now seen
# where it is compiled, whatever names reach it. Imports from source compile too, and
# ``dataclasses``, ``namedtuple`` and the like compile code they write: read the same, they
# are no answer's copy (tests/exercises/test_copies.py).
