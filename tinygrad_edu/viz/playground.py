"""Run a learner's code as the docs site's playground does: in the browser (Pyodide), or here.

>>> from tinygrad_edu.viz.playground import run
>>> shown = run("from tinygrad_edu import Value\\nx = Value(2.0, label='x')\\nf = x * x")
>>> shown.name
'f'

``run(source)`` runs the code as a REPL runs what is pasted into it: statement by statement,
each expression statement's value printed with ``repr`` (``next(steps)`` shows the step,
``x.grad`` the number), everything on ``sys.stdout``; a drawing or a replay page
(``draw_dot(loss, depth=1)``, ``replay_html(f)``, ``paths(f, x).draw()``) is shown instead,
as a notebook shows it. An error stops it and is printed to ``sys.stderr`` as Python prints
it: the traceback from the learner's first line on, with the lines of their code. Then the
last name the code gives a ``Value`` (``f = ...``, ``L += ...``; not a loop's variable), a
compiled function or its answer (``viz.compiled_shown``: its program) is shown: a Value's
graph as ``draw_dot`` draws it (by its parts, ``depth=1``, when it is too large to draw
value by value and has parts), unless the code showed a drawing of its own, and the
replay page of its forward and backward pass that ``replay_html`` makes (a graph too large
to draw gets their refusal instead). ``Shown.note`` says in a sentence what happened. Each
run starts from a fresh namespace, as a script does.

``check(name, source)`` grades an exercise as ``python -m tinygrad_edu exercises check``
does, with the same code: it writes the source to a file named ``your answer`` (so that the
messages name it so) and runs that command, with the progress file given as text (the page
keeps it in the browser's storage).

In the browser, ``start()`` draws with Graphviz compiled to WebAssembly (``use_renderer``),
sends what is printed to the page, a flood cut (``printing``), lends the exercises' time
limit the page's clock (``signal.setitimer``, which Pyodide lacks) and keeps recursion
within what the browser's stack allows (``DEPTH``), and the page's worker
(docs/assets/live/worker.js) calls ``run_json`` and ``check_json``, each of which puts back
what the code changed in the page's Python (``kept``): one interpreter serves every Run
and Check of a page, and what one run changes must not reach the next.
"""

from __future__ import annotations

import ast
import codeop
import json
import linecache
import os
import signal
import sys
import tempfile
import threading
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.graph import walk
from tinygrad_edu.scopes import scope_of
from tinygrad_edu.viz import printing
from tinygrad_edu.viz.compiled_shown import compiled_shown, program_of, result_shown
from tinygrad_edu.viz.drawing import draw_dot
from tinygrad_edu.viz.layout import MAX_NODES, GraphTooLarge, checked_layout
from tinygrad_edu.viz.page_python import (  # noqa: F401  (the worker's and the tests')
    ANSWER_FILE,
    DEPTH,
    FILENAME,
    PRINTED,
    STACK_BYTES,
    PageTimer,
    ProcessExit,
    RunStop,
    _capped,
    _page_stop,
    _set_limit,
    flat_exec,
    heard,
    keep_depth,
    kept,
    let_go,
    memory_bytes,
    run_stopped,
    start,
    stop_not_dropped,
    stops_with,
)
from tinygrad_edu.viz.rendering import RenderError
from tinygrad_edu.viz.replay import Replay, replay_html

__all__ = ["ANSWER_FILE", "DEPTH", "FILENAME", "PageTimer", "Shown", "check", "exercises", "kept",
           "run"]

@dataclass(frozen=True)
class Shown:
    """What a run shows besides what it printed: ``name``, the last name the code gave a
    Value (None if none); ``svg``, a graph (``graph_title`` says which: the drawing the code
    showed, else the Value's graph), or ``graph_note`` saying why there is none;
    ``replay``, a replay page's HTML (``replay_title`` says whose), or ``replay_note``
    saying why there is none; ``error``, whether the code raised; ``note``, what happened,
    in a sentence, when there is nothing to draw; ``program``, the last Value's graph as a
    program (``tinygrad_edu.program``: the forward pass a line per node, then the chain
    rule a line per node), or ``program_note`` saying why there is none."""

    name: str | None = None
    svg: str | None = None
    graph_note: str | None = None
    replay: str | None = None
    replay_note: str | None = None
    error: bool = False
    graph_title: str | None = None
    replay_title: str | None = None
    note: str | None = None
    program: str | None = None
    program_note: str | None = None


@dataclass
class _Run:
    """What happened while the code ran: what it showed (a drawing, a replay page, each on
    its line), and how it ended."""

    drawing: Any = None
    drawing_line: int = 0
    replay: Any = None
    replay_line: int = 0
    failed: bool = False
    ended: str = ""  # how it ended early: "ZeroDivisionError on line 6", ...
    stopped: bool = False  # by the page's Stop (``RunStop``)
    in_a_list: str | None = None  # a name that holds a list of Values, where none holds one
    last: tuple[ast.stmt, Any] | None = None  # the latest expression statement, its value


def run(source: str) -> Shown:
    """Run ``source`` as a REPL would (see the module's docstring) and show its last Value."""
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(keepends=True), FILENAME)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        tree = ast.parse(source, FILENAME)
    except SyntaxError as error:
        print("".join(traceback.format_exception_only(type(error), error)), end="",
              file=sys.stderr)
        where = f" on line {error.lineno}" if error.lineno else ""
        return Shown(error=True, note=f"Nothing ran: Python found {_a(type(error).__name__)}"
                                      f"{where} (above). Correct it and run again.")
    compile_ = codeop.Compile()  # remembers a `from __future__ import` for what follows
    ran = _Run()
    with stops_with(run_stopped):
        try:
            for statement in tree.body:
                _run_statement(statement, compile_, namespace, ran)
        except SystemExit as error:  # sys.exit(): the code ends, as a script would
            ran.ended = "sys.exit()"
            if error.code not in (None, 0):
                ran.failed = True
                if isinstance(error.code, int):  # (a status, which Python does not print:
                    ran.ended = f"sys.exit({error.code}){_line_of(error)}"  # said instead)
                    print(f"The code ended with {ran.ended}.", file=sys.stderr)
                else:
                    print(error.code, file=sys.stderr)
        except ProcessExit as error:  # os._exit(): raised here, where it would end the page's
            ran.ended = f"{error}{_line_of(error)}"  # Python (``page_python.start``)
            ran.failed = str(error) != "os._exit(0)"
            if ran.failed:
                print(f"The code ended with {ran.ended}.", file=sys.stderr)
        except BaseException as error:
            ran.stopped = isinstance(error, RunStop)  # (the page's Stop, not the code's own)
            if ran.stopped:
                heard()
            _print_error(KeyboardInterrupt().with_traceback(_to_the_code(error.__traceback__))
                         if ran.stopped else error)
            ran.failed = True
            ran.ended = f"{'KeyboardInterrupt' if ran.stopped else type(error).__name__}" \
                        f"{_line_of(error)}"
        finally:
            sys.stdout.flush()
    try:
        name, value = _last_shown(tree, source, namespace, ran)
        if name is None and not ran.ended:
            ran.in_a_list = last_list_of_values(tree, namespace)
        if name is not None and not isinstance(value, Value):
            shown = (result_shown if _is_result(value) else compiled_shown)(name, value)
            return Shown(**shown, error=ran.failed)
        return _show(name, value, ran)
    finally:
        let_go()  # (what the code kept, freed as at its top level: ``flat_exec``)


def _run_statement(statement: ast.stmt, compile_: codeop.Compile, namespace: dict[str, Any],
                   ran: _Run) -> None:
    """One statement, as a REPL runs it; an expression whose value is a drawing or a replay
    page is shown (the last of each kind), not printed."""
    if isinstance(statement, ast.Expr):
        code = compile_(ast.Expression(body=statement.value),  # type: ignore[arg-type]
                        FILENAME, "eval")
        value = flat_exec(code, namespace, eval)
        ran.last = (statement, value)
        if _is_drawing(value):
            ran.drawing, ran.drawing_line = value, statement.lineno
        elif _is_replay(value):
            ran.replay, ran.replay_line = value, statement.lineno
        elif value is not None:
            sys.displayhook(value)
        return
    code = compile_(ast.Interactive(body=[statement]),  # type: ignore[arg-type]
                    FILENAME, "single")  # (codeop compiles a tree as compile() does)
    flat_exec(code, namespace)



def _is_drawing(value: Any) -> bool:
    """A picture to show: a graphviz graph (``draw_dot``'s Drawing), with DOT text to draw."""
    return hasattr(value, "pipe") and isinstance(getattr(value, "source", None), str)


def _is_result(value: Any) -> bool:
    """A compiled function's answer (``tinygrad_edu.program.Result``)."""
    capture = sys.modules.get("tinygrad_edu.program.capture")
    return capture is not None and isinstance(value, capture.Result)


def _is_replay(value: Any) -> bool:
    return isinstance(value, Replay)


def _a(name: str) -> str:
    """``name`` after its article: "an ImportError", "a ZeroDivisionError", "a UnicodeError"."""
    vowel = name[:1] in "AEIOU" and not name.startswith("Uni")
    return f"{'an' if vowel else 'a'} {name}"


def _line_of(error: BaseException) -> str:
    """`` on line N``: the learner's last line the error went through, if any."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__)
             if frame.filename == FILENAME]
    return f" on line {lines[-1]}" if lines else ""


def _to_the_code(tb: Any) -> Any:
    """A traceback cut after the code's last frame (the page's Stop: not its handler's)."""
    last, at = None, tb
    while at is not None:
        if at.tb_frame.f_code.co_filename == FILENAME:
            last = at
        at = at.tb_next
    if last is not None:
        last.tb_next = None
    return tb


def _print_error(error: BaseException) -> None:
    """The traceback as Python prints it, from the learner's first frame on (after a
    flood's cut: ``printing.settle``)."""
    printing.settle()
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    lines = traceback.format_exception(type(error), error, tb)
    print("".join(lines), end="", file=sys.stderr)


def _show(name: str | None, root: Value | None, ran: _Run) -> Shown:
    """The graph panel and the replay panel: what the code showed, else the last Value's."""
    svg = graph_note = graph_title = replay = replay_note = replay_title = None
    if ran.drawing is not None:
        graph_title = f"The drawing shown on line {ran.drawing_line}"
        try:
            svg = ran.drawing.pipe(format="svg", encoding="utf-8")
        except RenderError as error:
            graph_note = str(error)
    if ran.replay is not None:
        replay, replay_title = ran.replay.html, f"The replay shown on line {ran.replay_line}"
    if root is None or name is None:
        if ran.drawing is None and ran.replay is None:
            note = _no_value_note(ran)
            return Shown(error=ran.failed, graph_note=note, note=note)
        return Shown(None, svg, graph_note, replay, replay_note, ran.failed, graph_title,
                     replay_title)
    if ran.drawing is None:
        graph_title = f"Graph of {name}"
        svg, graph_note = _graph_of(name, root)
    if ran.replay is None:
        replay_title = f"Replay of {name}"
        replay, replay_note = _replay_of(name, root)
    program, program_note = program_of(name, root)
    return Shown(name, svg, graph_note, replay, replay_note, ran.failed, graph_title,
                 replay_title, program=program, program_note=program_note)


def _no_value_note(ran: _Run) -> str:
    if ran.ended.startswith(("sys.exit(", "os._exit(")):
        return f"The code ended with {ran.ended} before it named a Value: nothing to draw."
    if ran.stopped:
        return f"The code was stopped{ran.ended.removeprefix('KeyboardInterrupt')} before " \
               "it named a Value: nothing to draw."
    if ran.ended:
        return f"The code stopped with {_a(ran.ended)} (above) before it named a Value: " \
               "nothing to draw."
    if ran.in_a_list is not None:
        name = ran.in_a_list
        return (f"No graph: no name holds a Value, and {name} holds a list of them. Give the "
                f"one to draw a name of its own ({name}1 = {name}[1]) to see its graph here, "
                f"or end with a drawing (draw_dot({name}[1])) to see that.")
    return ("No graph: the code names no Value. Assign one to a name (f = x * y) to see its "
            "graph here, or end with a drawing (draw_dot(f)) to see that.")


def _graph_of(name: str, root: Value) -> tuple[str | None, str | None]:
    """``root``'s graph as draw_dot draws it, or by its parts when it is too large and has
    them; else None and why."""
    try:
        return draw_dot(root).pipe(format="svg", encoding="utf-8"), None
    except RenderError as error:
        return None, str(error)
    except GraphTooLarge as error:
        refusal = str(error)
    if not any(scope_of(node) for node in walk(root)):
        return None, refusal
    try:
        svg = draw_dot(root, depth=1).pipe(format="svg", encoding="utf-8")
    except (GraphTooLarge, RenderError):
        return None, refusal
    return svg, (f"{name} has too many values to draw one by one, so it is drawn by its "
                 f"parts, as draw_dot({name}, depth=1) draws it: a box per named scope.")


def _replay_of(name: str, root: Value) -> tuple[str | None, str | None]:
    try:
        checked_layout([root], walk(root), MAX_NODES, labelled=True)
    except GraphTooLarge:
        return None, ("No replay: the replay steps through every value, and this graph has "
                      "too many to draw one by one.")
    if not root.parents:
        return None, (f"{name} is a leaf (not computed from other Values), so backward has "
                      "no steps to replay.")
    try:
        return replay_html(root).html, None
    except RenderError as error:
        return None, f"No replay: {error}"
    except (RuntimeError, ValueError) as error:  # a stepping paused half-way, say
        return None, f"No replay: {error}"


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def assigned_names(tree: ast.Module) -> list[str]:
    """The names the module's own code assigns with ``=``, ``+=``, ``:=`` (not inside a
    function or a class, and not a loop's variable: ``for v in params`` names no result),
    in the order they stand in the source."""
    found: list[tuple[int, int, str]] = []
    loops = {id(node) for loop in ast.walk(tree) if isinstance(loop, (ast.For, ast.AsyncFor))
             for node in ast.walk(loop.target)}
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                and id(node) not in loops:
            found.append((node.lineno, node.col_offset, node.id))
        stack.extend(child for child in ast.iter_child_nodes(node)
                     if not isinstance(child, _SCOPES))
    return [name for *_, name in sorted(found)]


def _kinds() -> tuple[type, ...]:
    """What the playground shows: a Value of the scalar engine, a compiled function's answer
    (``tinygrad_edu.program.Result``) or a compiled function (``Compiled``)."""
    capture = sys.modules.get("tinygrad_edu.program.capture")
    return (Value, capture.Result, capture.Compiled) if capture is not None else (Value,)


def _last_shown(tree: ast.Module, source: str, namespace: dict[str, Any], ran: _Run
                ) -> tuple[str | None, Any]:
    """What to show, and the name it is shown by: where the code ends with a lookup (a
    name, an item, an attribute: ``step``, ``fs["s"]``, ``layer.out``) whose value is a
    Value, a compiled function or its answer, that value, named by the lookup's text, as a
    notebook shows a cell's last expression (before, ``fs["s"]`` showed the last Value
    assigned, a leaf: issue 66's fifth tester, N5); else ``last_value_name``'s (a call
    last, ``step()``, is run for what it does)."""
    statement, value = ran.last if ran.last is not None else (None, None)
    if tree.body and statement is tree.body[-1] and isinstance(statement, ast.Expr) and \
            _looked_up(statement.value) and isinstance(value, _kinds()):
        expression = statement.value
        return ast.get_source_segment(source, expression) or ast.unparse(expression), value
    name = last_value_name(tree, namespace)
    return name, None if name is None else namespace[name]


def _looked_up(expression: ast.expr) -> bool:
    """Whether ``expression`` only looks a value up: a name, or an item or an attribute of
    one looked up so (``fs["s"]``, ``model.layers[0].out``)."""
    while isinstance(expression, (ast.Subscript, ast.Attribute)):
        expression = expression.value
    return isinstance(expression, ast.Name)


def last_value_name(tree: ast.Module, namespace: dict[str, Any]) -> str | None:
    """The last name in the source that now holds a Value of the scalar engine, a compiled
    function's answer (``tinygrad_edu.program.Result``, a Value's number) or a compiled
    function (``tinygrad_edu.program.Compiled``: ``g = compile(f)``); where the last
    statement is such a name by itself, that name, as a notebook shows the last expression
    of a cell (before, ``step = compile(f); other = compile(h); step`` described ``other``:
    issue 66's fourth tester)."""
    kinds = _kinds()
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Name) and \
            isinstance(namespace.get(last.value.id), kinds):
        return last.value.id
    for name in reversed(assigned_names(tree)):
        if isinstance(namespace.get(name), kinds):
            return name
    return None


def last_list_of_values(tree: ast.Module, namespace: dict[str, Any]) -> str | None:
    """The last name in the source that now holds a list (or tuple) of Values."""
    for name in reversed(assigned_names(tree)):
        held = namespace.get(name)
        if isinstance(held, (list, tuple)) and held and all(isinstance(v, Value) for v in held):
            return name
    return None


# ----------------------------------------------------------------------------- exercises


def exercises() -> list[dict[str, Any]]:
    """The exercises as the exercises page lists them, then the stages of microgpt
    (``track``: ``"microgpt"``; ``symbol``: the name the code defines, ``Value`` for the
    node); ``arrays``: on NumPy arrays, which the browser's Python lacks. A stage whose
    answer needs ``math`` (the node's log and exp, attention's square root) starts with
    ``import math``: in the page each stage is its own code, with no file's imports above
    it (before, the node's ``math.log`` met "name 'math' is not defined")."""
    from tinygrad_edu.exercises import EXERCISES, TRACK
    from tinygrad_edu.exercises.starters import model_answer_body

    def starter(ex: Any) -> str:
        needs = ex.track and "math." in model_answer_body(ex)
        return ("import math\n\n\n" if needs else "") + ex.starter

    return [{"number": ex.number, "name": ex.name, "title": ex.title, "level": ex.level,
             "kind": ex.kind, "signature": ex.signature, "statement": ex.statement.strip(),
             "domain": ex.domain, "starter": starter(ex), "arrays": ex.arrays,
             "track": ex.track, "symbol": ex.symbol}
            for ex in (*EXERCISES.values(), *TRACK.values())]


def check(name: str, source: str, progress: str = "") -> tuple[int, str]:
    """Grade exercise ``name`` in ``source`` with ``python -m tinygrad_edu exercises check
    FILE NAME``, the file named ``ANSWER_FILE`` and the progress file holding ``progress``
    (JSON text, or empty for a first check). Prints what the command prints; returns its
    exit code and the progress file's text afterwards. Stopped (the page's Stop), it
    prints where the code was and records nothing (``checked``)."""
    code, after, where = checked(name, source, progress)
    print(where, end="")
    return code, after


def checked(name: str, source: str, progress: str = "") -> tuple[int, str, str]:
    """``check``, which returns where the code was when the page's Stop stopped it ("It was
    at your answer, line 3, in d_tanh  (pass)"; else nothing) rather than printing it, and
    tells the page at once (``heard``): the page says it after its "Stopped:" (before, above
    it), though Python be ended meanwhile. Stopped, it forgets the modules
    imported meanwhile (one stopped half-way leaves its package without it: "module
    'hypothesis' has no attribute 'core'" at the next Check). The Stop, SIGINT, raises
    ``PageStop`` meanwhile: a KeyboardInterrupt the code raises itself is its answer's
    error."""
    before = set(sys.modules)
    main = threading.current_thread() is threading.main_thread()
    # The first Check imports hypothesis and the grader (8-18 s): a Stop then is kept until
    # they are imported, and said then. Raised inside them, it could land in an import's
    # weakref callback, where Python drops it, and the Check graded on.
    asked: list[int] = []
    waits = signal.signal(signal.SIGINT, lambda *_: asked.append(1)) if main else None
    try:
        from tinygrad_edu.exercises import cli, pointing  # noqa: F401
        from tinygrad_edu.exercises.progress import ENV  # noqa: F401
    except KeyboardInterrupt:  # (off the main thread: Python's own, where it lands)
        asked.append(1)
    finally:
        if waits is not None:
            signal.signal(signal.SIGINT, waits)
    if asked:
        _forget(before)
        return 1, progress, ""
    with stops_with(_page_stop):
        return _check(name, source, progress, before)


def _check(name: str, source: str, progress: str, before: set[str]) -> tuple[int, str, str]:
    from tinygrad_edu.exercises import cli, loading, pointing, running
    from tinygrad_edu.exercises.learner.printed import ignored_once, tell_floods
    from tinygrad_edu.exercises.progress import ENV

    _forget_lines()
    tell_floods(PRINTED[0] if PRINTED else None)  # (what the grader tells the page: a call's
    running.PAGE_MEMORY[:] = [memory_bytes]  # flood, and the memory it grew by meanwhile;
    running.PAGE_FREE[:] = [let_go]  # what frees the memory a call filled)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "progress.json")
        if progress:
            path.write_text(progress, encoding="utf-8")
        Path(folder, ANSWER_FILE).write_text(source, encoding="utf-8")
        old, here = os.environ.get(ENV), os.getcwd()
        os.environ[ENV] = str(path)
        os.chdir(folder)
        loading.top_level = flat_exec
        sys.unraisablehook = stop_not_dropped(ignored_once(ANSWER_FILE))  # (``kept`` puts
        # Python's back)
        where = ""
        try:
            code = cli.main(["check", ANSWER_FILE, name])
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else 1
        except KeyboardInterrupt as stop:  # the page's Stop: no verdict, nothing recorded
            where = pointing.stopped_at(stop, ANSWER_FILE)
            heard(where)  # (told at once: a Python slow to free what the code made is ended)
            _forget(before)
            code = 1
        finally:
            loading.top_level = exec
            let_go()
            os.chdir(here)
            if old is None:
                del os.environ[ENV]
            else:
                os.environ[ENV] = old
            printing.settle()
        return code, path.read_text(encoding="utf-8") if path.exists() else progress, where


def _forget_lines() -> None:
    """Forget the lines ``linecache`` keeps of the answers graded before: each Check writes
    its file under the same name, and a warning quotes its line with ``linecache.getline``,
    which gives what it kept, unchecked (a traceback had put the earlier code there: the
    warning showed the earlier code's line 2, not this one's)."""
    for name in [name for name in linecache.cache if os.path.basename(name) == ANSWER_FILE]:
        linecache.cache.pop(name, None)


def _forget(before: set[str]) -> None:
    for name in [name for name in sys.modules if name not in before]:
        del sys.modules[name]  # (the next import runs it afresh)



def run_json(source: str) -> str:
    """``run(source)`` as JSON, for the page; what the code changed in the page's Python
    is put back afterwards (``kept``)."""
    with kept():
        shown = run(source)
        printing.settle()
    return json.dumps(asdict(shown))


def check_json(name: str, source: str, progress: str) -> str:
    """``check(name, source, progress)`` as JSON, for the page; what the code changed in
    the page's Python is put back afterwards (``kept``)."""
    with kept():
        code, after, _ = checked(name, source, progress)  # (where: told by ``heard``)
        printing.settle()
    return json.dumps({"code": code, "progress": after})


def exercises_json() -> str:
    return json.dumps(exercises())
