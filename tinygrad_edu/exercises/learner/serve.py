"""The learner's process: it runs a learner's file, then answers the grader's questions about
the solutions in it, one message at a time, until the grader says it is done.

Started by ``tinygrad_edu.exercises.remote`` as a fresh Python (never forked from the grader,
which holds the references), it first sets itself up, before any of the learner's code
runs: the engine its exercises may have (``engines.prepare``), the modules a learner's file
may import (imported now, so that nothing needs loading later), the learner's source
(sent by the grader, compiled here), and, started as root, another user's identity (it can
no longer read what only root can: the grader's files). Then it adds the audit hook
(``audit.install``), runs the file with a time limit, and says what the file defines. The
questions that follow: run an exercise's solution on a case (``"call"``), or probe the
learner's class (``"probe"``, the Value exercise); and after each exercise, compile the
grader's canary (``"watch"``: whether the audit hook still watches, ``machinery.py``).
Every answer is data (``wire.py``): the grader compares it with its references, in its own
process, once this one has ended.

``main(argv)`` runs it: ``argv`` is the package's folder and the file descriptors of the
grader's requests, of the answers, and of the audit's reports.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import inspect
import linecache
import marshal
import os
import random
import sys
import sysconfig
import time
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.learner.frames import learners_frames
from tinygrad_edu.exercises.learner.printed import Printed, ignored_once
from tinygrad_edu.exercises.text_blocks import place

__all__ = ["main"]

LOAD_LIMIT = 5.0
"""Seconds a learner's file may run (what runs when it is run, not its functions): the
grader's value, which it sends (``remote.LearnerProcess``)."""
TIME_LIMIT = 5.0
"""Seconds one call of a solution may take before it is stopped: the grader's value
(``running.TIME_LIMIT``), which it sends."""
PROBED = "Value"
"""The exercise whose class the grader probes (``"probe"``): the only one whose process has
``value_probes``."""
PRINTED = 20_000
"""What a solution prints is kept up to this many characters."""
DEPTH = 2000
"""The most nested calls the learner's code may set (``_capped_recursion``): the exercises
page's (``tinygrad_edu.viz.page_python.DEPTH``), for the same verdicts."""


def main(argv: list[str]) -> int:
    """Serve the grader (see the module's docstring); a failure of its own is written to
    stderr without looking up any source line (which would open files: the audit's)."""
    try:
        return _serve(argv)
    except BaseException as error:
        frames = traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__),
                                                lookup_lines=False)
        where = "; ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames)
        sys.stderr.write(f"learner's process: {type(error).__name__}: {error} ({where})\n")
        return 3


def _serve(argv: list[str]) -> int:
    package, requests, answers, reports = Path(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]  # (the learner's folder)
    from tinygrad_edu.exercises.learner import engines, wire

    first = wire.read_message(requests)
    group, names = first["group"], first["exercises"]
    global TIME_LIMIT, LOAD_LIMIT
    TIME_LIMIT, LOAD_LIMIT = float(first["time_limit"]), float(first["load_limit"])
    engines.prepare(package, group, [e["name"] for e in names])
    from tinygrad_edu.exercises import limit
    from tinygrad_edu.exercises.learner import (
        answered,
        audit,
        complex_arithmetic,
        float_unit,
        imports,
        inputs,
        sandbox,
        watched_numbers,
    )
    probes = importlib.import_module("tinygrad_edu.exercises.learner.value_probes") \
        if PROBED in {e["name"] for e in names} else None  # (_probes_alone)
    from tinygrad_edu.exercises.learner.parts import AnswerError

    source, path = first["source"], first["path"]
    allowed = _import_allowed(imports.ALLOWED,
                              imports.numpy_parts_named(source) if first.get("user") else (),
                              bool(first.get("numpy", True)))
    # (its lines as Python numbers them, for the lines a traceback quotes: the grader ended
    # each at \n; str.splitlines also ends one at a form feed and the like)
    linecache.cache[path] = (len(source), None, [f"{line}\n" for line in source.split("\n")],
                             path)
    given = first.get("kernel") or {}  # (the grader's: syscall_filter.kernel)
    kernel = sandbox.Kernel({str(k): int(v) for k, v in (given.get("calls") or {}).items()},
                            base64.b64decode(given.get("program") or ""),
                            str(given.get("unavailable") or ""),
                            tuple(str(p) for p in given.get("library") or ()))
    grants = list(kernel.library)  # (not one file of tinygrad_edu: ``_nothing_to_read``)
    # the file's code, compiled by the grader (loading.learner_code): a notebook's cells, each
    # at its own lines of the source, or None for a file that is not valid Python
    code = marshal.loads(base64.b64decode(first["code"]))
    # (NumPy's metadata, which numpy.testing reads as it is imported: importlib.metadata;
    # listed while the folder can be, before dropping root)
    itself = _metadata_of(("numpy",))
    float_unit.double_precision()  # (long doubles round as floats do: ``float_unit.py``)
    random.Random("")  # (3.12 and later load a text seed's sha512 at the first one, here:
    # while the installation can be read; a Python under a folder only root may enter,
    # /root/.pyenv, cannot be once the process is the learner's user)
    if first.get("user"):
        _become(first["user"])
    if isinstance(first.get("parent"), int):  # (it ends when its grader does)
        sandbox.end_with(first["parent"])
    engines.close_packages()
    confined = sandbox.confine(grants, [], kernel)
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
            "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}
    stdlib = [sysconfig.get_path(p, vars=base) for p in ("stdlib", "platstdlib")]
    readable = [path] + [str(Path(sys.modules[m].__file__ or "").parent)
                         for m in ("numpy",) if m in sys.modules] + itself
    warnings.showwarning = _shown_without_reading(path)
    sys.unraisablehook = ignored_once(path)
    _capped_recursion(path)
    complex_arithmetic.install()  # (through ctypes: before the audit hook, which refuses it)
    audit.install(reports, readable, stdlib, allowed - {"tinygrad_edu"},
                  audit.own_code_of([limit._Stop.start, limit._Stop.end, limit._Stop.alarm,
                                     limit._Stop.stop_at_lines, limit._Stop.line,
                                     inputs.watched.call,
                                     inputs.rerun.Watching.__enter__,
                                     inputs.rerun.Watching.__exit__,
                                     sys.unraisablehook]))

    watched_numbers.CELLS[:] = first["cells"]  # (a shortcut's line, said in its cell)
    context = Context(wire, inputs, probes, limit, AnswerError, path, first["cells"])
    context.ask, context.answering = _asking(requests, answers, wire), answered
    context.canary = (audit.CANARY, audit.CANARY_DIGITS)
    wire.write_message(answers, {"sandbox": {  # (said before any of the learner's code runs)
        "applied": confined.applied, "missing": confined.missing}})
    lacking = [name for name in first.get("require") or () if name in confined.missing]
    if lacking:  # (then its code does not run at all)
        wire.write_message(answers, {"loaded": False, "kind": "unprotected"})
        return 0
    loaded = context.load(code, path, names, imports.guarded_builtins())
    wire.write_message(answers, loaded)
    while True:
        try:
            request = wire.read_message(requests)
        except EOFError:
            return 0
        wire.write_message(answers, context.answer(request))


# _probes_alone: the Value exercise's probes (``value_probes``) are imported only in a process
# that grades it: no other exercise's learner may call what they hold (``value_probes``'s
# ``_no_sort`` says what one did: a topological_sort that called its walk and sorted
# nothing).

# _nothing_to_read: the learner's process reads no file of tinygrad_edu once confined.
# Everything it runs is imported before (``engines.prepare``, the imports above), and the
# only source it shows is the learner's own, in ``linecache`` from the message. Granting
# the engine's files (as before) let a file with the audit hook off read ``engine.py``
# (or ``graph.py``) and compile again what its exercise is without: ``_backward``,
# ``walk``; 1/1 on every route.


def _import_allowed(allowed: frozenset[str], numpy_parts: tuple[str, ...],
                    numpy: bool = True) -> set[str]:
    """Import now every module a learner's file may import (and NumPy, if it is there and
    ``numpy``: the grader's word that the file names it or an exercise is on arrays, with
    ``numpy_parts``: those of its submodules it loads on first use that the file names, for
    a process that becomes another user): once the audit watches, little the learner may use needs
    loading. NumPy is half of what this imports: a process that does not need it starts
    that much sooner (``remote.needs_numpy``). Returns the top-level
    names a later import may still load (and their submodules): those, and the standard
    library's, which they load as they need them (a learner's own imports are checked
    before, by ``imports.py``; what the standard library then does that matters, running a
    program or opening a file, is an event of its own); NumPy not among them where the
    grader said the file does not name it (_numpy_by_name)."""
    for name in sorted(allowed - {"tinygrad_edu", "__future__", "numpy"}):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for name in ("numpy", *numpy_parts) if numpy else ():
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return ({name.split(".")[0] for name in allowed} - (set() if numpy else {"numpy"})) | \
        set(sys.stdlib_module_names)


# _numpy_by_name: a file that never names NumPy, in a process not given it, that imports it
# (``__import__('nu' + 'mpy')``) is reported at the import itself, by the module's name. It
# was reported, before, only if the import went on to open one of NumPy's files: that needed
# Python's listing of site-packages, cached as the process started, to still hold. Where the
# learner's user cannot reach that folder (a clone in a folder only root opens, as `mktemp
# -d` makes, graded as root) or the folder changed meanwhile, Python lists it again,
# confined (Landlock refuses), finds nothing, and the import failed unreported: a fresh
# clone's CI run failed test_earned so.


def _metadata_of(names: tuple[str, ...]) -> list[str]:
    """The metadata folders (``numpy-2.4.6.dist-info``) beside each of the modules ``names``
    that is loaded: what ``importlib.metadata`` reads of them."""
    found = []
    for name in names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            continue
        folder = Path(file).parent.parent
        with contextlib.suppress(OSError):
            found += [str(folder / entry) for entry in sorted(os.listdir(folder))
                      if entry.startswith(f"{name}-") and entry.endswith(".dist-info")]
    return found


def _become(user: str) -> None:
    """Started as root: go on as ``user``, who cannot read what only root can."""
    import pwd

    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("still root after becoming " + user)


class Context:
    """What the learner's file defined, and how the grader's questions are answered."""

    def __init__(self, wire: Any, inputs: Any, probes: Any, limit: Any,
                 answer_error: type[BaseException], path: str,
                 cells: list[list[int]]) -> None:
        self.wire, self.inputs, self.probes, self.limit = wire, inputs, probes, limit
        self.answer_error = answer_error
        self.path = path
        self.cells = cells  # (a notebook's: number, first and last line of each)
        self.ask: Any = None  # (a question to the grader: ``_asking``)
        self.answering: Any = None  # (``answered.py``: what the grader answers for)
        self.found: dict[str, Any] = {}
        self.namespace: dict[str, Any] = {}  # the learner's module's own
        self.stood_in: list[str] = []  # the names the grader answers for now (``answered``)
        self.canary: tuple[str, int] = ("", 0)  # (``audit.CANARY``, ``CANARY_DIGITS``)

    def load(self, code: Any, path: str, names: list[dict[str, Any]],
             builtins: dict[str, Any]) -> dict[str, Any]:
        """Run the file's code as a module named ``solutions``; say, for each exercise, what
        the file has under its name. ``code``: the file's, or a list of a notebook's cells,
        run one after the other as Jupyter runs them (one that raises does not stop the
        others, and is said in ``cell_problems``), all within the file's time limit."""
        if code is None:
            return {"loaded": False, "kind": "syntax", "text": "not valid Python"}
        module = types.ModuleType("solutions")
        module.__file__ = path
        module.__dict__["__builtins__"] = builtins
        from tinygrad_edu.exercises.learner import duals  # (imported already: ``inputs``)
        duals.before_learner()  # (the classes there are before its code runs)
        sys.modules["solutions"] = module  # (where @dataclass looks its module up: without it,
        printed = _Printed()               # an honest file's @dataclass raised as it loaded)
        cells = code if isinstance(code, list) else [(None, code)]
        problems = []
        end = time.monotonic() + LOAD_LIMIT
        for number, cell in cells:
            try:
                with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                    self.limit.call_with_time_limit(max(end - time.monotonic(), 0.01), exec,
                                                    cell, module.__dict__)
            except (Exception, SystemExit, self.limit.TimeLimit) as error:
                kind = ("loop" if isinstance(error, self.limit.TimeLimit) else "exit"
                        if isinstance(error, SystemExit) else "import"
                        if type(error).__name__ == "ImportRefused" else "crash")
                frame = _last_frame(error, path)
                problem = {"loaded": False, "kind": kind, "error": type(error).__name__,
                           "message": str(error)[:2000], "printed": printed.getvalue(),
                           "seconds": LOAD_LIMIT,
                           "lineno": frame.lineno if frame else None,
                           "where": place(path, self.cells, frame.lineno or 0,
                                          linecache.getlines(path)) if frame
                           else path,
                           "line": (frame.line or "") if frame else ""}
                if not isinstance(code, list) or kind in ("loop", "import"):
                    return problem
                problems.append({**problem, "cell": number})
        self.found, self.namespace = dict(module.__dict__), module.__dict__
        return {"loaded": True, "printed": printed.getvalue(), "cell_problems": problems,
                "defines": {e["name"]: self.describe(e) for e in names}}

    def describe(self, exercise: dict[str, Any]) -> dict[str, Any]:
        """What the file has under an exercise's name: nothing, another library's, or a
        function or class with or without the right signature."""
        thing = self.found.get(exercise["name"])
        if thing is None:
            return {"found": False}
        try:  # (tinygrad_edu's Unavailable answers nothing: it is tinygrad_edu's)
            module = getattr(thing, "__module__", None) or ""
        except Exception:
            module = type(thing).__module__
        info: dict[str, Any] = {"found": True, "type": type(thing).__name__,
                                "module": module if isinstance(module, str) else "",
                                "callable": callable(thing), "class": inspect.isclass(thing)}
        try:
            signature = inspect.signature(thing)
        except Exception:  # (a builtin, a callable object, tinygrad_edu's Unavailable)
            return info
        info["signature"] = str(signature)[:300]
        wanted = [p.strip() for p in exercise["params"].split(",") if p.strip()]
        try:
            signature.bind(*wanted)
        except TypeError:
            info["misfit"] = True
        return info

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The reply to one of the grader's questions."""
        op = request.get("op")
        try:
            if op == "call":
                return self.call(request)
            if op == "probe":
                return self.probe(request)
            if op == "answered":
                return self.answered(request)
            if op == "watch":
                return self.watched(request)
        except self.wire.WireError as error:
            return {"refused": str(error)}
        return {"refused": f"no such question: {op!r:.40}"}

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer to a call of the learner's solution (or why there is none), with what
        the watch noted for the teacher as it ran (``rerun.NOTED``: facts the grader says)."""
        noted = self.inputs.rerun.NOTED
        del noted[:]
        reply = self._call(request)
        if noted:  # (plain facts only, whatever the learner's code put there)
            reply["noted"] = {key: value if type(value) is not str else value[:80]
                              for key, value in dict(noted[0]).items()
                              if type(key) is str and type(value) in (int, float, str)}
            del noted[:]
        return reply

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        solution = self.found[request["exercise"]]
        call = self.inputs.Call(request["kind"], tuple(request["parts"]))
        case = self.inputs.Once(self.wire.decode(request.pop("case")))  # (inputs.taken)
        printed = _Printed()
        numpy = sys.modules.get("numpy")
        quiet = contextlib.nullcontext() if numpy is None else numpy.errstate(all="ignore")
        try:
            with contextlib.redirect_stdout(printed), warnings.catch_warnings(), quiet:
                warnings.simplefilter("ignore")
                got = self.limit.call_with_time_limit(TIME_LIMIT, call, solution, case,
                                                      self.node())
        except self.answer_error as problem:
            return {"problem": str(problem)[:2000], "printed": printed.getvalue()}
        except self.limit.TimeLimit as stop:
            return {"timeout": str(stop)[:2000], "text": _where_in(stop, self.path, self.cells),
                    "printed": printed.getvalue()}
        except (Exception, SystemExit) as error:
            reply: dict[str, Any] = {"error": _name_of(type(error)),
                                     "message": str(error)[:2000],
                                     "text": _where_in(error, self.path, self.cells),
                                     "printed": printed.getvalue()}
            if isinstance(error, RecursionError):  # (the limit it went past: the verdict
                reply["limit"] = sys.getrecursionlimit()  # names it, grading._recursion)
            return reply
        return {"answer": self.wire.encode(tuple(got)), "printed": printed.getvalue()}

    def node(self) -> type | None:
        """The class a stage of a track builds its nodes with: the module's ``Value`` (the
        learner's, where it passed; else the reference standing in for it)."""
        found = self.namespace.get("Value")
        return found if isinstance(found, type) else None

    def answered(self, request: dict[str, Any]) -> dict[str, Any]:
        """From now on the grader answers for the learner's ``names`` (the earlier stages of
        a track that have not passed, or are not there, for the exercise graded next), and
        for no other: each one's node class, or its function (``answered.py``), is put in
        the learner's module under its name, and a name it answered for before gets the
        learner's own back (or none, if the file has none)."""
        names = [str(name) for name in request["names"]]
        for name in self.stood_in:
            if name in self.found:
                self.namespace[name] = self.found[name]
            else:
                self.namespace.pop(name, None)
        self.stood_in = []
        answered = self.answering
        for name in names:  # (the node class first: a function's outputs are its nodes)
            if name == "Value":
                made: Any = answered.answered_node(self.ask)
            else:
                node = self.node()
                if node is None:
                    return {"refused": f"{name} needs a node class, and there is none"}
                made = answered.answered_call(name, self.ask, node)
            self.namespace[name] = made  # (what the learner's code finds under that name;
            self.stood_in.append(name)   # the learner's own is still what ``call`` grades)
        return {"answered": names}

    def watched(self, request: dict[str, Any]) -> dict[str, Any]:
        """Compile the grader's canary (``audit.CANARY`` and the fresh digits it sent) as any
        code is compiled: the audit hook, where it still watches, sends it to the grader
        (``remote.LearnerProcess.watching``)."""
        canary, size = self.canary
        digits = request.get("digits")
        if not isinstance(digits, str) or len(digits) != size or \
                digits.strip("0123456789abcdef"):
            return {"refused": "no canary"}
        _compile(f"{canary}{digits}\n", "<the grader's watch>", "exec")
        return {"watched": True}

    def probe(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.probes is None or request.get("exercise") != PROBED:
            return {"refused": f"no probe of {str(request.get('exercise'))[:40]!r} here"}
        cls = self.found[request["exercise"]]
        what = request["what"]
        args = [self.wire.decode(a) for a in request["args"]]
        with contextlib.redirect_stdout(_Printed()), contextlib.redirect_stderr(_Printed()):
            found = self.limit.call_with_time_limit(
                TIME_LIMIT * 4, getattr(self.probes, what), cls, *args)
        return {"facts": found}  # (facts, never words: the grader says them, value_words.py)


_compile = compile  # (the grader's, bound before any of the learner's code ran)


def _Printed() -> Printed:
    """What a solution prints, kept up to ``PRINTED`` characters in all (the first, a line
    saying how much more there was, the last lines: ``printed.Printed``)."""
    return Printed(PRINTED - 2_200)


def _shown_without_reading(path: str) -> Any:
    """``warnings.showwarning`` for the learner's process: a warning's line is looked up in
    the learner's own source alone (in ``linecache`` from the message). ``warnings``' own
    would read the file of the frame it points to, a grader's (where a coroutine the
    learner's ``async def`` made is freed, never awaited, say), which the audit takes for
    the learner's code opening the grader's file: a submission reported for an honest
    mistake."""

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: str | None = None) -> None:
        text = warnings.formatwarning(message, category, filename, lineno,
                                      line if line is not None or filename == path else "")
        with contextlib.suppress(OSError, ValueError, AttributeError):
            (file or sys.stderr).write(text)

    return show


def _capped_recursion(path: str) -> None:
    """``sys.setrecursionlimit`` for the learner's code: at most ``DEPTH``, and a warning at
    its line where it asks for more. A file may reach ``sys`` without importing it
    (``random._os.sys``); at 10**6, endless recursion through an operator (``__radd__`` as
    ``other + self``) overflowed the C stack, and the process ended with a segmentation
    fault ("signal 11"), where the page, which allows ``DEPTH``, named the line (issue
    66). The limit starts at ``DEPTH`` too, the page's: ``deep(1500)`` passed on the page
    and failed here at Python's 1000, where the guide promises the same verdicts."""
    set_limit = sys.setrecursionlimit
    set_limit(DEPTH)

    def setrecursionlimit(limit: int) -> None:
        if isinstance(limit, int) and limit > DEPTH:
            warnings.warn(f"sys.setrecursionlimit({limit}): the grader allows at most {DEPTH} "
                          f"nested calls, as the exercises page does (far deeper, endless "
                          f"recursion overflows the C stack and ends Python with no verdict), "
                          f"so the limit is {DEPTH}", RuntimeWarning, stacklevel=2)
            limit = DEPTH
        set_limit(limit)

    sys.setrecursionlimit = setrecursionlimit


def _asking(requests: int, answers: int, wire: Any) -> Any:
    """``ask(question)``: a question to the grader in the middle of a call (an earlier stage
    it answers, ``answered.py``), and its reply. The time limit's signal waits until the
    reply is read whole, so that a stop never cuts a message in two, and the wait is not
    counted against the call's time (``limit.not_counted``): it is the grader's."""
    from tinygrad_edu.exercises.limit import not_counted  # (imported already: ``_serve``)

    def exchange(question: dict[str, Any]) -> dict[str, Any]:
        wire.write_message(answers, {"ask": question})
        return dict(wire.read_message(requests))

    def ask(question: dict[str, Any]) -> dict[str, Any]:
        return not_counted(exchange, question)

    return ask


def _name_of(cls: type) -> str:
    """An exception's class by its full name (builtins' by their own)."""
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _last_frame(error: BaseException, path: str) -> traceback.FrameSummary | None:
    """The last frame of the learner's own file that ``error`` passed through (only that
    file's lines are looked up: its source is in ``linecache`` already, and reading any
    other file would be the audit's to report)."""
    frames = learners_frames(error, lambda f: f.filename == path)
    return frames[-1] if frames else None


def _where_in(error: BaseException, path: str, cells: list[list[int]]) -> str:
    """The exception with the last line of the learner's own code it passed through."""
    said = str(error)
    text = f"{type(error).__name__}: {said[:2000]}{' ...' if len(said) > 2000 else ''}"
    f = _last_frame(error, path)
    if f is not None:
        line = f"  ({f.line[:300]})" if f.line else ""
        where = place(Path(path).name, cells, f.lineno or 0, linecache.getlines(path))
        text += f"\n  in {where}, in {f.name}{line}"
    return text


BOOTSTRAP = """import sys, types
for name, folder in (("tinygrad_edu", sys.argv[1]), ("tinygrad_edu.exercises",
                                                     sys.argv[1] + "/exercises")):
    package = types.ModuleType(name)
    package.__path__ = [folder]
    sys.modules[name] = package
from tinygrad_edu.exercises.learner.serve import main
sys.exit(main(sys.argv[1:]))
"""
"""What ``python -I -c`` runs to start the process: the packages ``tinygrad_edu`` and
``tinygrad_edu.exercises`` made empty (their ``__init__.py`` would import the grader), then
``main``."""
