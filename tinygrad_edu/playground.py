"""Run a learner's code as the docs site's playground does: in the browser (Pyodide), or here.

>>> from tinygrad_edu.playground import run
>>> shown = run("from tinygrad_edu import Value\\nx = Value(2.0, label='x')\\nf = x * x")
>>> shown.name
'f'

``run(source)`` runs the code as a REPL runs what is pasted into it: statement by statement,
each expression statement's value printed with ``repr`` (``next(steps)`` shows the step,
``x.grad`` the number), everything on ``sys.stdout``. An error stops it and is printed to
``sys.stderr`` as Python prints it: the traceback from the learner's first line on, with the
lines of their code. Then the last name the code gives a ``Value`` (``f = ...``,
``L += ...``; not a loop's variable) is shown: its graph as ``draw_dot`` draws it, and the
replay page of its forward and backward pass that ``replay_html`` makes (a graph too large
to draw gets their refusal instead). Each run starts from a fresh namespace, as a script does.

``check(name, source)`` grades an exercise as ``python -m tinygrad_edu exercises check``
does, with the same code: it writes the source to ``solutions.py`` and runs that command,
with the progress file given as text (the page keeps it in the browser's storage).

In the browser, ``start()`` draws with Graphviz compiled to WebAssembly (``use_renderer``),
and the page's worker (docs/assets/live/worker.js) calls ``run_json`` and ``check_json``.
"""

from __future__ import annotations

import ast
import codeop
import json
import linecache
import os
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tinygrad_edu.drawing import draw_dot
from tinygrad_edu.engine import Value
from tinygrad_edu.layout import GraphTooLarge
from tinygrad_edu.rendering import RenderError, use_renderer
from tinygrad_edu.replay import replay_html

__all__ = ["FILENAME", "Shown", "check", "exercises", "run"]

FILENAME = "<playground>"
"""The name tracebacks give the learner's code."""


@dataclass(frozen=True)
class Shown:
    """What a run shows besides what it printed: ``name``, the last name the code gave a
    Value (None if none); ``svg``, its graph as draw_dot draws it, or ``graph_note`` saying
    why there is none; ``replay``, the replay page's HTML, or ``replay_note`` saying why
    there is none; ``error``, whether the code raised."""

    name: str | None = None
    svg: str | None = None
    graph_note: str | None = None
    replay: str | None = None
    replay_note: str | None = None
    error: bool = False


def run(source: str) -> Shown:
    """Run ``source`` as a REPL would (see the module's docstring) and show its last Value."""
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(keepends=True), FILENAME)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        tree = ast.parse(source, FILENAME)
    except SyntaxError as error:
        print("".join(traceback.format_exception_only(type(error), error)), end="",
              file=sys.stderr)
        return Shown(error=True)
    compile_ = codeop.Compile()  # remembers a `from __future__ import` for what follows
    failed = False
    try:
        for statement in tree.body:
            code = compile_(ast.Interactive(body=[statement]),  # type: ignore[arg-type]
                            FILENAME, "single")  # (codeop compiles a tree as compile() does)
            exec(code, namespace)
    except SystemExit as error:  # sys.exit(): the code ends, as a script would
        if error.code not in (None, 0):
            print(error.code, file=sys.stderr)
            failed = True
    except BaseException as error:
        _print_error(error)
        failed = True
    finally:
        sys.stdout.flush()
    name = last_value_name(tree, namespace)
    if name is None:
        return Shown(error=failed)
    return _show(name, namespace[name], failed)


def _print_error(error: BaseException) -> None:
    """The traceback as Python prints it, from the learner's first frame on."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    lines = traceback.format_exception(type(error), error, tb)
    print("".join(lines), end="", file=sys.stderr)


def _show(name: str, root: Value, failed: bool) -> Shown:
    svg = graph_note = replay = replay_note = None
    try:
        svg = draw_dot(root).pipe(format="svg", encoding="utf-8")
    except (GraphTooLarge, RenderError) as error:
        graph_note = str(error)
    if graph_note is not None:
        replay_note = "No replay either: it draws the same graph."
    elif not root.parents:
        replay_note = (f"{name} is a leaf (not computed from other Values), so backward has no "
                       "steps to replay.")
    else:
        try:
            replay = replay_html(root).html
        except (RuntimeError, ValueError) as error:  # a stepping paused half-way, say
            replay_note = f"No replay: {error}"
    return Shown(name, svg, graph_note, replay, replay_note, failed)


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


def last_value_name(tree: ast.Module, namespace: dict[str, Any]) -> str | None:
    """The last name in the source that now holds a Value of the scalar engine."""
    for name in reversed(assigned_names(tree)):
        if isinstance(namespace.get(name), Value):
            return name
    return None


# ----------------------------------------------------------------------------- exercises


def exercises() -> list[dict[str, Any]]:
    """The exercises as the exercises page lists them; ``arrays``: on NumPy arrays, which
    the browser's Python lacks."""
    from tinygrad_edu.exercises import EXERCISES

    return [{"number": ex.number, "name": ex.name, "title": ex.title, "level": ex.level,
             "kind": ex.kind, "signature": ex.signature, "statement": ex.statement.strip(),
             "domain": ex.domain, "starter": ex.starter, "arrays": ex.arrays}
            for ex in EXERCISES.values()]


def check(name: str, source: str, progress: str = "") -> tuple[int, str]:
    """Grade exercise ``name`` in ``source`` with ``python -m tinygrad_edu exercises check
    solutions.py NAME``, the progress file holding ``progress`` (JSON text, or empty for a
    first check). Prints what the command prints; returns its exit code and the progress
    file's text afterwards."""
    from tinygrad_edu.exercises import cli
    from tinygrad_edu.exercises.progress import ENV

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "progress.json")
        if progress:
            path.write_text(progress, encoding="utf-8")
        Path(folder, "solutions.py").write_text(source, encoding="utf-8")
        old, here = os.environ.get(ENV), os.getcwd()
        os.environ[ENV] = str(path)
        os.chdir(folder)
        try:
            code = cli.main(["check", "solutions.py", name])
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else 1
        except KeyboardInterrupt:  # the page's Stop: no verdict, nothing recorded
            print("KeyboardInterrupt: the grading was stopped", file=sys.stderr)
            code = 1
        finally:
            os.chdir(here)
            if old is None:
                del os.environ[ENV]
            else:
                os.environ[ENV] = old
            sys.stdout.flush()
            sys.stderr.flush()
        return code, path.read_text(encoding="utf-8") if path.exists() else progress


# ----------------------------------------------------------------------------- in the browser


def start() -> None:
    """In Pyodide: draw with the page's Graphviz (``renderDot``, viz-js in the worker), and
    have each print reach the page as it happens."""
    import js  # type: ignore[import-not-found]  # Pyodide's bridge to JavaScript

    use_renderer(lambda source, format, engine: str(js.renderDot(source, format, engine)))
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(line_buffering=True)


def run_json(source: str) -> str:
    """``run(source)`` as JSON, for the page."""
    return json.dumps(asdict(run(source)))


def check_json(name: str, source: str, progress: str) -> str:
    """``check(name, source, progress)`` as JSON, for the page."""
    code, after = check(name, source, progress)
    return json.dumps({"code": code, "progress": after})


def exercises_json() -> str:
    return json.dumps(exercises())
