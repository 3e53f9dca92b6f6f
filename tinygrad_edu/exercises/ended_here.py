"""Why the grading of a learner's file stopped, where there are no processes (a browser's
Python: ``apart.grade_here``): what the learner's code did, said at its line.

On a computer the learner's code runs in a process of its own: what ends that process (a
KeyboardInterrupt nothing catches, ``os._exit``) ends it with no verdict, and what the code
changes in its Python (the recursion limit, ``math.exp``) is its own. Here the grader shares
the learner's Python, so an error the grader's own code raises may be the learner's change.
Before (issue 66), each of these was "it raised RecursionError: maximum
recursion depth exceeded, which ends the process it is graded in on your machine: does your
answer end Python, or fill the memory?", with no line of the learner's.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.remote import Stopped

__all__: list[str] = []  # the grader's inner workings


@dataclass
class Shared:
    """What the grader uses of the Python it shares with the learner's code, before that
    code ran: the recursion limit, the names of the modules it computes with, the builtins
    and the importers (``sys.meta_path``)."""

    limit: int
    names: dict[str, dict[str, Any]]
    builtins: dict[str, Any]
    finders: list[Any]
    left: int = 0
    """The recursion limit the file left as it ran (``ran``; 0 before)."""

    @classmethod
    def now(cls) -> Shared:
        from tinygrad_edu.viz.page_python import COMPUTING  # (the page's: grade_here alone)

        return cls(sys.getrecursionlimit(), {
            name: dict(vars(sys.modules[name])) for name in COMPUTING if name in sys.modules},
            dict(vars(builtins)), list(sys.meta_path))

    def ran(self) -> None:
        """Once the file has run: the recursion limit it left, which the grader's own code
        may move later (hypothesis, putting back a limit it raised, fails on Python 3.12 and
        later below the depth it is at, and leaves its own: the limit the file set was then
        not said, only "it raised RecursionError: cannot set the recursion limit")."""
        self.left = sys.getrecursionlimit()

    def changed(self) -> list[tuple[str, str]]:
        """What the code changed that the grader uses: (what it did, the name a line of it
        that does it reads: ``setrecursionlimit``, ``exp``). Read before the builtins are put
        back (``put_back``), with none of them: the code may have deleted any."""
        found: list[tuple[str, str]] = []
        limit = min(sys.getrecursionlimit(), self.left or self.limit)
        if limit < self.limit:
            found.append((f"set the recursion limit to {limit}", "setrecursionlimit"))
        for module, names in self.names.items():
            now = sys.modules.get(module, sys).__dict__
            for name, value in names.items():
                if not name.startswith("__") and now.get(name, names) is not value:
                    found.append((f"replaced {module}.{name}, which the grader computes "
                                  "with too", name))
        now = builtins.__dict__
        for name, value in self.builtins.items():
            if not name.startswith("__") and now.get(name, now) is not value:
                found.append((f"{'replaced' if name in now else 'deleted'} the builtin "
                              f"{name}, which the grader uses too", name))
        if sys.meta_path != self.finders:
            found.append((f"{'changed' if sys.meta_path else 'emptied'} sys.meta_path (the "
                          "importers), which the grader imports with too", "meta_path"))
        return found

    def put_back(self) -> None:
        """The builtins and the importers as they were: what the learner's code replaced or
        deleted there, as the grader, which prints its verdicts with them, had it (the rest
        of what it changed the page puts back after the Check: ``page_python.kept``)."""
        now = builtins.__dict__
        for name, value in self.builtins.items():
            if now.get(name, now) is not value:
                now[name] = value
        if sys.meta_path != self.finders:
            sys.meta_path[:] = self.finders


def ended_here(error: BaseException, path: Path, source: str,
               changed: list[tuple[str, str]]) -> Stopped:
    """``error``, which escaped the grading, said as what the learner's code did: a change
    to the Python it shares with the grader (``changed``: ``Shared.changed``), at the line
    that made it; else what it raised, at its line, and what that does to a process."""
    said = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if changed:
        did, name = changed[0]
        line = _line_naming(source, name)
        where = f" at {path}, line {line[0]} ({line[1]})" if line else ""
        return Stopped(
            f"grading it, the grader's own code raised {said}, as your code{where} {did}: "
            "here your code and the grader share this page's Python (on your machine your "
            "code runs in a process of its own, and what it changes there is its own). Take "
            "that line out: "
            "an answer leaves the Python it runs in as it found it", "here")
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    if not frames:
        return Stopped(f"it raised {said}, which ends the process it is graded in on your "
                       "machine", "ended")
    at = frames[-1]
    return Stopped(_did(type(error).__name__, said, str(error), isinstance(
        error, KeyboardInterrupt), f"at {path}, line {at.lineno}, in {at.name} "
        f"({(at.line or '').strip()[:100]})", at.name == "<module>",
        "so on your machine the process it is graded in ends there"), "here")


def _did(name: str, said: str, message: str, interrupt: bool, where: str, top: bool,
         ends: str) -> str:
    """What the code did (raised ``said``, of the class ``name``, ``where``; ``top``: at
    its top level), what that does to a process (``ends``), and the way out."""
    what = (f"called {message} {where}: os._exit ends its process at once" if
            name == "ProcessExit" else
            f"raised {said} {where}: a KeyboardInterrupt that nothing catches ends a program, "
            "as Ctrl-C does" if interrupt else
            f"raised {said} {where}: an exception that is not an Exception (a "
            f"{name}) is not caught as an answer's error, and ends a program")
    out = ("take that line out, or put it under if __name__ == \"__main__\": (which grading "
           "does not run)" if top else
           "take that line out: an answer returns its result (raise an Exception, such as "
           "ValueError, for an input it refuses)")
    return f"your code {what}, {ends}, with no verdict: {out}"


_TAIL = re.compile(r"learner's process: (\w+): (.*) \(([^()]*)\)$")
"""The last line a learner's process writes as it ends on an error it did not catch
(``learner/serve.py``'s ``main``): the error, and where it went, ``FILE:LINE in NAME``."""
_INTERRUPTS = {"KeyboardInterrupt"}


def ended_there(stop: Stopped, path: Path | str, source: str) -> Stopped:
    """``stop``, the end of a learner's process, said as what the learner's code did at its
    line where the process wrote that its error went through the learner's file (a
    KeyboardInterrupt raised at its top level: before, "it ended the process it was graded in
    (exit code 3): learner's process: KeyboardInterrupt:  (serve.py:63 in main; ...; ki.py:1
    in <module>): does your answer end Python, or fill the memory?"); else ``stop``."""
    found = _TAIL.search(str(stop)) if stop.kind == "ended" else None
    if found is None:
        return stop
    name, message, frames = found.groups()
    mine = [f for f in frames.split("; ") if f.rpartition(":")[0] == Path(path).name]
    if not mine:
        return stop
    at, _, function = mine[-1].partition(" in ")
    number = int(at.rpartition(":")[2] or 0)
    lines = source.split("\n")  # (as Python numbers them: not splitlines, ``_line_naming``)
    text = f" ({lines[number - 1].strip()[:100]})" if 0 < number <= len(lines) else ""
    said = f"{name}: {message}" if message.strip() else name
    return Stopped(_did(name, said, message, name in _INTERRUPTS, f"at {path}, line {number}, "
                        f"in {function}{text}", function == "<module>",
                        "so the process it was graded in ended there"), "here")


def _line_naming(source: str, name: str) -> tuple[int, str] | None:
    """The first line of ``source`` that calls ``name``, assigns to it or deletes it
    (``math.exp = ...``, ``setattr(math, "exp", ...)``, ``del builtins.isinstance``), or
    calls a method of it (``sys.meta_path.clear()``): its number and text."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    # (the lines as Python numbers them: read_source ended each at \n, and str.splitlines
    # also ends one at a form feed and the like, which Python reads inside a line)
    lines, hits = source.split("\n"), []  # (ast.walk: not in the lines' order)
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = (list(node.targets) if isinstance(node, (ast.Assign, ast.Delete)) else
                       [node.target])
        hit = any(isinstance(t, ast.Attribute) and t.attr == name for t in targets) or (
            isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and (node.func.attr == name or (
                    isinstance(node.func.value, ast.Attribute)  # (sys.meta_path.clear())
                    and node.func.value.attr == name)))
                or (isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr")
                and any(isinstance(a, ast.Constant) and a.value == name for a in node.args))))
        number = getattr(node, "lineno", 0)
        if hit and 0 < number <= len(lines):
            hits.append(number)
    return (min(hits), lines[min(hits) - 1].strip()[:100]) if hits else None
