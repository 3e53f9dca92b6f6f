"""What the playground runs, here in CPython (tests/viz/test_live_pages.py runs it in a browser):
``tinygrad_edu.viz.playground.run`` runs code as a REPL does, prints errors as Python does, and
shows the last Value the code names; every example of the playground and every guide's block
with a "Run this" link runs without NumPy, as in the browser."""

import importlib.util
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests.viz.test_replay import requires_renderer
from tinygrad_edu import viz
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.tape import tape_of
from tinygrad_edu.viz.playground import assigned_names, check, exercises, run

ROOT = Path(__file__).resolve().parents[2]


def ran(source, capsys):
    shown = run(source)
    out = capsys.readouterr()
    return shown, out.out, out.err


def test_a_line_that_is_an_expression_shows_its_value_as_in_a_repl(capsys):
    shown, out, err = ran("x = 2\nx * 3\nNone\nfor i in range(2):\n    i\nprint('p')\n", capsys)
    assert out == "6\n0\n1\np\n" and err == "" and not shown.error


def test_an_error_is_printed_as_python_prints_it(capsys):
    shown, out, err = ran("print('before')\ndef f(x):\n    return 1 / x\n\nf(0)\n"
                          "print('never')\n", capsys)
    assert shown.error and out == "before\n"
    assert err.startswith('Traceback (most recent call last):\n  File "<playground>", line 5, '
                          "in <module>\n    f(0)\n")
    assert '  File "<playground>", line 3, in f\n    return 1 / x\n' in err
    assert err.endswith("ZeroDivisionError: division by zero\n")
    assert "playground.py" not in err  # the playground's own frames are not shown


def test_a_syntax_error_runs_nothing(capsys):
    shown, out, err = ran("print('first')\nx = (1,\n", capsys)
    assert shown.error and out == ""
    assert err.startswith('  File "<playground>", line 2\n') and "SyntaxError" in err
    # and the note says so, with its line (not "the code names no Value")
    assert shown.note == ("Nothing ran: Python found a SyntaxError on line 2 (above). Correct "
                          "it and run again.")


def test_each_note_says_what_happened(capsys):
    shown, _, _ = ran("x = 1\nprint(1 / 0)\n", capsys)
    assert shown.note == ("The code stopped with a ZeroDivisionError on line 2 (above) before "
                          "it named a Value: nothing to draw.")
    shown, _, _ = ran("x = 1\nx.nope\n", capsys)  # ("an" before a vowel)
    assert shown.note.startswith("The code stopped with an AttributeError on line 2 (above)")
    shown, _, _ = ran("x = 1\n  y = 2\n", capsys)
    assert shown.note.startswith("Nothing ran: Python found an IndentationError on line 2")
    shown, _, _ = ran("b'\\xff'.decode()\n", capsys)
    assert shown.note.startswith("The code stopped with a UnicodeDecodeError on line 1")
    shown, _, _ = ran("import sys\nsys.exit()\n", capsys)
    assert "ended with sys.exit()" in shown.note
    # the code's own KeyboardInterrupt is its error (before: "The code was stopped on line
    # 1", as if the page's Stop had stopped it, issue 66); the Stop, a SIGINT, stops it
    shown, _, err = ran("raise KeyboardInterrupt\n", capsys)
    assert shown.note.startswith("The code stopped with a KeyboardInterrupt on line 1 (above) "
                                 "before it named a Value"), shown.note
    assert err.rstrip().endswith("\nKeyboardInterrupt")
    # (the page's Python has Python's own SIGINT handler; a test run started in the
    # background by a shell, as .ci/run starts one, inherits SIGINT ignored: set it here)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stop = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        stop.start()
        shown, _, err = ran("x = 1\nwhile True:\n    x += 1\n", capsys)
        stop.join()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # (put back)
    finally:
        signal.signal(signal.SIGINT, before)
    assert re.match(r"The code was stopped on line [23] before it named a Value", shown.note), \
        shown.note
    assert err.rstrip().endswith("\nKeyboardInterrupt") and "RunStop" not in err, err
    shown, _, _ = ran("x = 1\n", capsys)
    assert shown.note.startswith("No graph: the code names no Value.")
    shown, _, _ = ran("from tinygrad_edu import Value\np = [Value(1.0), Value(2.0)]\n", capsys)
    assert shown.note.startswith("No graph: no name holds a Value, and p holds a list of "
                                 "them. Give the one to draw a name of its own (p1 = p[1])")


def test_sys_exit_ends_the_code_as_a_script(capsys):
    assert not ran("import sys\nprint(1)\nsys.exit()\nprint(2)\n", capsys)[0].error
    shown, _, err = ran("import sys\nsys.exit('bye')\n", capsys)
    assert shown.error and err == "bye\n"
    # a status is said, with its line (before: a bare "2"), a Value named or not
    shown, _, err = ran("raise SystemExit(2)\n", capsys)
    assert shown.error and err == "The code ended with sys.exit(2) on line 1.\n" and \
        shown.note == ("The code ended with sys.exit(2) on line 1 before it named a Value: "
                       "nothing to draw.")
    shown, _, err = ran("from tinygrad_edu import Value\nx = Value(1.0)\nraise SystemExit(3)\n",
                        capsys)
    assert shown.error and err == "The code ended with sys.exit(3) on line 3.\n"


def test_os_exit_ends_the_code_and_is_said_not_shown_as_a_traceback(capsys, monkeypatch):
    """``os._exit`` as the page's Python has it (``page_python.start``: raised, where it
    would end that Python): before, its traceback through page_python.py was shown."""
    from tinygrad_edu.viz import page_python

    monkeypatch.setattr(os, "_exit", page_python._exit)
    shown, out, err = ran("import os\nprint(1)\nos._exit(0)\nprint(2)\n", capsys)
    assert not shown.error and out == "1\n" and err == "" and shown.note == (
        "The code ended with os._exit(0) on line 3 before it named a Value: nothing to draw.")
    shown, _, err = ran("import os\nos._exit(1)\n", capsys)
    assert shown.error and err == "The code ended with os._exit(1) on line 2.\n" and \
        "os._exit(1) on line 2" in shown.note


def test_a_future_import_holds_for_the_lines_after_it(capsys):
    shown, out, _ = ran("from __future__ import annotations\ndef f(x: Undefined): pass\n"
                        "f.__annotations__['x']\n", capsys)
    assert out == "'Undefined'\n" and not shown.error


def test_the_last_value_named_is_shown_not_a_loop_variable():
    import ast
    tree = ast.parse("a = 1\nfor v in []:\n    b = v\nc, (d, e) = 1, (2, 3)\nf += 1\n"
                     "def g():\n    h = 1\n[k for k in []]\n(m := 3)\n")
    assert assigned_names(tree) == ["a", "b", "c", "d", "e", "f", "m"]
    shown = run("from tinygrad_edu import Value\nx = Value(1.0)\nf = x * x\nn = 3\n"
                "for v in [x, f]:\n    pass\n")
    assert shown.name == "f"


@requires_renderer
def test_a_drawing_the_code_shows_is_shown_as_a_notebook_shows_it(capsys):
    code = ("from tinygrad_edu import Value, paths\nfrom tinygrad_edu.viz import draw_dot\n"
            "x = Value(3.0, label='x')\nf = x * x\nf.label = 'f'\ndraw_dot(f)\n1 + 1\n"
            "paths(f, x).draw()\n")
    shown, out, err = ran(code, capsys)
    assert out == "2\n" and err == ""  # a drawing is shown, not printed as <Drawing: ...>
    assert shown.graph_title == "The drawing shown on line 8" and "#0d9488" in shown.svg
    assert shown.replay_title == "Replay of f" and shown.replay  # the last Value's replay
    shown, out, _ = ran(code + "from tinygrad_edu.viz import replay_html\nreplay_html(f)\n",
                        capsys)
    assert shown.replay_title == "The replay shown on line 10" and out == "2\n"


@requires_renderer
def test_a_model_too_large_to_draw_is_drawn_by_its_parts_and_depth_drawings_show(capsys):
    code = ("from tinygrad_edu.nn import MLP\nfrom tinygrad_edu.viz import draw_dot\n"
            "model = MLP(2, [16, 16, 1], seed=0)\nloss = sum(model([0.5, -1.0]) ** 2 "
            "for _ in range(3))\n")
    shown, _, _ = ran(code, capsys)
    assert shown.name == "loss" and shown.graph_title == "Graph of loss"
    assert "layers.0" in shown.svg and "depth=1" in shown.graph_note
    assert shown.replay is None and "too many to draw one by one" in shown.replay_note
    shown, out, _ = ran(code + "draw_dot(loss, depth=1)\n", capsys)
    assert out == "" and shown.graph_title == "The drawing shown on line 5"
    assert "layers.0" in shown.svg and shown.graph_note is None


def test_the_page_timer_stops_an_endless_loop_in_an_exercise(monkeypatch, capsys):
    """In the browser the exercises' time limit rings on the page's clock (PageTimer): here
    a thread plays the page, sending SIGALRM when told, as live.js does through Pyodide's
    interrupt buffer. The loop is stopped, with the verdict the command line gives."""
    import os
    import signal
    import threading
    import time

    from tinygrad_edu.exercises import apart, running
    from tinygrad_edu.viz.playground import PageTimer

    told, timers = [], []

    def tell(seconds, interval):  # the page: a timer that rings, then rings again
        told.append((seconds, interval))
        while timers:
            timers.pop().cancel()
        if seconds > 0:
            def ring(delay):
                timer = threading.Timer(delay, lambda: (os.kill(os.getpid(), signal.SIGALRM),
                                                        ring(interval)))
                timers.append(timer)
                timer.start()
            ring(seconds)

    # In the browser the page is JavaScript, with no Python frame that the time limit could
    # take for the learner's: so here, as a frame of the standard library's
    tell.__code__ = tell.__code__.replace(co_filename=signal.__file__)
    monkeypatch.setattr(signal, "setitimer", PageTimer(tell))
    monkeypatch.setattr(running, "TIME_LIMIT", 0.3)
    monkeypatch.setattr(apart, "APART", False)  # (the browser has no processes)
    started = time.perf_counter()
    code, _ = check("d_tanh", "def d_tanh(x, y):\n    while True:\n        try:\n"
                              "            pass\n        except Exception:\n            pass\n")
    out = capsys.readouterr().out
    assert code == 1 and "still running after 0.3 s" in out and "your answer, line" in out
    assert time.perf_counter() - started < 10
    from tinygrad_edu.exercises.learner.serve import LOAD_LIMIT

    # the file runs within its own limit, then each input within its: set, then cleared
    assert told[0] == (LOAD_LIMIT, 0.05) and told[1][0] == 0.0
    assert (0.3, 0.05) in told and told[-1][0] == 0.0


def test_an_untouched_exercise_names_no_file_the_learner_never_saw(capsys):
    from tinygrad_edu.exercises import EXERCISES

    code, _ = check("d_tanh", EXERCISES["d_tanh"].starter)
    out = capsys.readouterr().out
    assert code == 1 and "solutions.py" not in out
    assert out.startswith("your answer: 0 of 0 attempted exercises pass; 1 not started")
    check("d_tanh", "def d_tanh(x, y) return 1")
    err = capsys.readouterr().err
    assert err.startswith("your answer, line 1: SyntaxError") and "solutions.py" not in err


@requires_renderer
def test_the_graph_and_the_replay_are_the_packages():
    shown = run("from tinygrad_edu import Value\nx = Value(3.0, label='x')\nf = x * x\n"
                "f.label = 'f'\nf.backward()\n")
    assert shown.name == "f" and "grad 6.0" in shown.svg.replace("&#45;", "-")
    assert shown.replay.startswith("<!DOCTYPE html>") and 'id="replay-data"' in shown.replay


def test_what_cannot_be_drawn_or_replayed_says_why():
    shown = run("from tinygrad_edu import Value, vsum\nbig = vsum(Value(1.0) for _ in range(600))")
    assert shown.graph_note.startswith("draw_dot: this graph has 601 values, more than "
                                       "max_nodes=500")
    assert shown.svg is None and shown.replay is None and "No replay" in shown.replay_note


@requires_renderer
def test_a_leaf_or_a_paused_stepping_has_no_replay():
    shown = run("from tinygrad_edu import Value\nx = Value(1.0)\n")
    assert shown.svg and shown.replay is None and "x is a leaf" in shown.replay_note
    shown = run("from tinygrad_edu import Value\nx, y = Value(2.0), Value(3.0)\n"
                "f = (x + y) * (x - y)\nsteps = f.backward_steps()\nnext(steps)\n")
    assert shown.replay is None and "paused half-way" in shown.replay_note


def test_a_renderer_function_draws_where_no_program_can_run():
    calls = []

    def render(source, format, engine):
        calls.append((format, engine, source))
        return '<svg width="10pt" viewBox="0 0 10 10"></svg>'

    viz.use_renderer(render)
    try:
        shown = run("from tinygrad_edu import Value\nx = Value(2.0, label='x')\nf = x * x\n")
    finally:
        viz.use_renderer(None)
    assert shown.svg.startswith("<svg") and calls[0][:2] == ("svg", "dot")
    assert calls[0][2].startswith("digraph")  # draw_dot's DOT


def test_an_exercise_is_checked_by_the_command_line(capsys):
    code, progress = check("d_mul", "def d_mul(a, b, y):\n    return b, a\n")
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("✓ d_mul passed: it agrees with the reference")
    assert json.loads(progress)["exercises"]["d_mul"] == {"attempts": 1, "passed": True}
    code, progress = check("d_mul", "def d_mul(a, b, y):\n    return a, b\n", progress)
    assert code == 1 and json.loads(progress)["exercises"]["d_mul"]["attempts"] == 2
    listed = {ex["name"]: ex for ex in exercises()}
    assert listed["dense_backward"]["arrays"] and not listed["d_mul"]["arrays"]


# Runs in a fresh Python where importing NumPy raises, as in the browser's Pyodide.
WITHOUT_NUMPY = textwrap.dedent("""
    import importlib.abc, json, sys

    class NoNumPy(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] == "numpy":
                raise ModuleNotFoundError("No module named 'numpy' (as in the browser)")

    sys.meta_path.insert(0, NoNumPy())
    from tinygrad_edu.viz.playground import run
    failed = {}
    for where, code in json.load(sys.stdin).items():
        shown = run(code)
        if shown.error:
            failed[where] = code
    print(json.dumps(failed))
""")


def test_the_examples_and_the_guides_blocks_run_without_numpy(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    spec = importlib.util.spec_from_file_location("live", ROOT / "docs" / "hooks" / "live.py")
    live = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live)
    codes = {f"example {e['name']}": e["code"] for e in live.examples()}
    import base64
    import re
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = live.with_run_links(page.read_text(encoding="utf-8"), "playground.html")
        for i, encoded in enumerate(re.findall(r"\?code=([\w-]+)", text)):
            codes[f"{page.relative_to(ROOT)} block {i + 1}"] = base64.urlsafe_b64decode(
                encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    assert len(codes) > 15  # the examples and the guides' runnable blocks
    done = subprocess.run([sys.executable, "-c", WITHOUT_NUMPY], input=json.dumps(codes),
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "TINYGRAD_EDU_PROGRESS": str(tmp_path / "progress.json")},
                          check=False)
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout.splitlines()[-1])
    assert not failed, f"these fail without NumPy:\n{done.stderr[-3000:]}"


def test_the_graph_is_shown_as_the_program_compile_runs():
    code = ("from tinygrad_edu import Value\nx = Value(3.0, label='x')\n"
            "y = Value(-2.0, label='y')\nf = (x * y).tanh() + x\n")
    shown = run(code)
    namespace: dict = {}
    exec(code, namespace)
    program = Program(tape_of(namespace["f"]), "f")
    assert shown.program == program.source() + "\n" + program.helpers().rstrip("\n")
    assert "1 - " in shown.program and "# backward" in shown.program  # tanh's words
    assert run("from tinygrad_edu import Value\nx = Value(1.0)\n").program_note.startswith(
        "x is a leaf")


def test_a_program_of_an_mlp_is_shown_whole_as_python_with_its_lambdas_as_defs():
    """The program of micrograd's MLP calls the op table's lambdas (``dot``, and ``dot``'s
    local rule): each is shown as a ``def`` of the program's name for it, and the whole view
    is Python. Before: ``dot = <lambda>`` and a line cut out of a ``ListOp(...)`` call (a
    learner-tester's, issue 66)."""
    import ast

    code = ("from tinygrad_edu import Value\nfrom tinygrad_edu.nn import MLP\n"
            "model = MLP(2, [3, 1], seed=0)\nloss = model([Value(0.5), Value(-1.0)])\n")
    shown = run(code).program
    assert "<lambda>" not in shown and "def dot(ws, xs):\n    return safe_math.dot(" in shown
    ast.parse(shown)


COMPILED = ("from tinygrad_edu import Value\nfrom tinygrad_edu.program import compile\n\n"
            "def loss_of(x, y):\n    return (x * y + x / (y + 4)).relu() + 7\n\n"
            "step = compile(loss_of)\nx, y = Value(2.0), Value(3.0)\nloss = step(x, y)\n"
            "loss.backward()\nloss = step(x, y)  # (the program runs)\n")
"""A compiled function's answer as the last name (tests/viz/test_live_pages.py runs it in
the page too; its plain numbers made the page's capture read a line through linecache, whose
os.stat was refused as the learner's: the page's standard library is in a zip file)."""


def test_the_program_shows_the_functions_it_calls():
    """Before: div(...) and relu_rule0(...) called, and never shown."""
    program = run("from tinygrad_edu import Value\nx, y = Value(2.0), Value(3.0)\n"
                  "f = (x * y + x / y).relu() + (x ** 2).tanh()\n").program
    body, helpers = program.split("\n\n# The functions the program calls", 1)
    code = "\n".join(line.split("#", 1)[0] for line in body.splitlines())
    called = set(re.findall(r"\b([a-z_]\w*)\(", code)) - {"f", "float"}
    assert called >= {"div", "relu", "relu_rule0", "pow", "pow_rule0"}
    for name in called:  # each defined in what is shown, or said to be Python's own
        assert re.search(rf"^(def {name}\(|{name} = )", helpers, re.M), name
    assert "relu_rule0 = d_relu" in helpers and "MASKED = Masked(0.0)" in helpers
    assert "tanh = math.tanh  # Python's own" in helpers
    # what is shown runs as it reads: before, MASKED = Masked(0.0) with Masked undefined
    # (issue 66), and Any, DomainError and math used, never imported
    shown: dict = {}
    exec(helpers.split("\n", 1)[1], shown)
    assert shown["relu_rule0"](-1.0, 0.0) * math.inf == 0.0  # (Masked: nothing passes back)
    assert shown["div"](1.0, 4.0) == 0.25 and shown["tanh"](0.0) == 0.0
    alone = run("from tinygrad_edu import Value\nx = Value(0.5)\nf = x.tanh()\n").program
    exec(alone.split("# The functions the program calls", 1)[1].split("\n", 1)[1], {})


def test_a_compiled_answer_as_the_last_name_is_described_with_its_program(capsys):
    """Before: the views described y, a leaf named before it."""
    shown = run(COMPILED)
    assert shown.name == "loss" and shown.graph_title == "Graph of loss"
    assert shown.graph_note.startswith("loss is a compiled function's answer (a Result, ")
    assert shown.svg is None and shown.replay is None
    namespace: dict = {}
    exec(COMPILED, namespace)
    assert shown.program.startswith(namespace["step"].source().rstrip("\n"))
    assert "def div(" in shown.program
    assert shown.program_note.startswith("The program that computed loss. In this page it "
                                         "runs as Python: a browser has no C compiler")
    # its first call's answer (the call captured): the program is the function's, named
    # after it (before, def out(...), made again under the answer's name)
    shown = run(COMPILED.split("step = ")[0] + "x, y = Value(2.0), Value(3.0)\n"
                "out = compile(loss_of)(x, y)\n")
    assert shown.name == "out" and shown.graph_title == "Graph of out"
    assert shown.program.startswith("def loss_of(leaves, grads, numbers, seed):"), shown.program


COMPILED_LAST = ("from tinygrad_edu import Value\nfrom tinygrad_edu.program import compile\n\n"
                 "a, b = Value(2.0, label='a'), Value(-3.0, label='b')\n\n"
                 "def f():\n    return (a * b).tanh() + a\n\n"
                 "g = compile(f)\ng()\ng\n")
"""A compiled function itself as the last name (tester66b's p2; tests/viz/test_live_pages.py
runs it in the page too)."""


def test_a_compiled_function_as_the_last_name_is_described_with_its_program(capsys):
    """Before: the views described b, a leaf named before g ("b is a leaf ... no program to
    run"), and g's program was never shown."""
    shown = run(COMPILED_LAST)
    assert shown.name == "g" and shown.graph_title == "Graph of g"
    assert shown.graph_note.startswith("g is a compiled function (compile(f)), not a Value: "
                                       "it has no graph of its own to draw."), shown.graph_note
    assert "Call f() itself" in shown.graph_note
    assert shown.svg is None and shown.replay is None
    assert shown.replay_note.startswith("No replay: g is a compiled function")
    namespace: dict = {}
    exec(COMPILED_LAST, namespace)
    assert shown.program.startswith(namespace["g"].source().rstrip("\n"))
    assert shown.program.startswith("def f(leaves, grads, numbers, seed):"), shown.program
    assert shown.program_note.startswith("The program of g's last call (captured then, or "
                                         "run), compile(f)'s capture of f. In this page it "
                                         "runs as Python")
    # not called yet: no program, said so
    shown = run(COMPILED_LAST.replace("g()\n", ""))
    assert shown.name == "g" and shown.program is None
    assert shown.program_note == ("No program yet: g is a compiled function that has not "
                                  "been called. Call it once (g()) to capture f as a program, "
                                  "which is shown here.")


def test_the_compiled_function_written_last_is_the_one_described(capsys):
    """The last statement a compiled function's name by itself: that one is described, as a
    notebook shows a cell's last expression. Before, the one assigned last was (``other``,
    h's program), though the output line showed step (issue 66's fourth tester, D1)."""
    source = ("from tinygrad_edu import Value\nfrom tinygrad_edu.program import compile\n"
              "a = Value(2.0)\ndef f():\n    return (a * 3.0).relu() / 2.0\n"
              "def h():\n    return a.tanh()\n"
              "step = compile(f)\nother = compile(h)\nstep()\nother()\nstep\n")
    shown = run(source)
    assert shown.name == "step" and shown.graph_title == "Graph of step", shown.graph_title
    assert "compile(f)'s capture of f" in shown.program_note, shown.program_note
    shown = run(source.removesuffix("step\n"))  # (no last name: the one assigned last)
    assert shown.name == "other"
    # a compiled function, and a Value, looked up otherwise than by a name: each described
    # by the lookup's text (before, fs["s"] was "Graph of a", the last Value assigned, a
    # leaf: issue 66's fifth tester, N5)
    shown = run(source.replace("step = compile(f)\nother = compile(h)\nstep()\nother()\n"
                               "step\n", 'fs = {"s": compile(f), "o": compile(h)}\n'
                               'fs["s"]()\nfs["o"]()\nfs["s"]\n'))
    assert shown.name == 'fs["s"]' and shown.graph_title == 'Graph of fs["s"]', shown.name
    assert "compile(f)'s capture of f" in shown.program_note, shown.program_note
    shown = run("from tinygrad_edu import Value\nx = Value(2.0)\nvs = [x * 3.0, x]\nvs[0]\n")
    assert shown.name == "vs[0]" and "data 6.0" in shown.svg, shown.name


def test_a_value_of_the_graders_prints_as_on_the_command_line(monkeypatch, capsys):
    """A stage's answer that prints a Value the grader made (softmax's ``total``, of the
    grader's Values where the learner's own has not passed): before, the page printed
    "<tinygrad_edu.exercises.microgpt.reference.Value object at 0x1cb2610>", and the
    command line "Value(data=1.0, grad=0)" (issue 66's fifth tester, N3); now both the
    latter."""
    from tinygrad_edu.exercises import apart

    wrong = ("def softmax(logits):\n    total = sum(v.exp() for v in logits)\n"
             "    print(total)\n    return [v.exp() / (total + 1) for v in logits]\n")
    said = {}
    for here in (False, True):  # (the command line's processes, then the page's way)
        monkeypatch.setattr(apart, "APART", not here)
        code, _ = check("softmax", wrong)
        out = capsys.readouterr().out
        assert code == 1, out
        said[here] = re.findall(r"^  it printed:\n    (.*)$", out, re.M)
    assert said[True] == said[False] and len(said[True]) == 1, said
    assert re.fullmatch(r"Value\(data=[\d.e+-]+, grad=0\)", said[True][0]), said


def test_a_stage_whose_answer_needs_math_imports_it_in_the_page():
    """In the page each stage is code of its own, with no file's imports above it: the
    stages whose answers call ``math`` (the node's log and exp, attention's square root)
    start with ``import math``, and the starter with its answer written in passes; before,
    the node's ``math.log`` met "name 'math' is not defined" (issue 66's tester)."""
    from tinygrad_edu.exercises import TRACK
    from tinygrad_edu.exercises.starters import model_answer_body, starter_head

    shown = {e["name"]: e["starter"] for e in exercises() if e["track"]}
    needing = {name for name, ex in TRACK.items() if "math." in model_answer_body(ex)}
    assert needing == {"node", "attention"}
    for name, starter in shown.items():
        assert starter.startswith("import math\n") == (name in needing), name
        assert starter.endswith(TRACK[name].starter)
    ex = TRACK["attention"]
    written = shown["attention"].replace(TRACK["attention"].starter,
                                         f"{starter_head(ex)}\n{model_answer_body(ex)}\n")
    assert "import math" in written and "math.sqrt" in written
    code, _ = check("attention", written)
    assert code == 0
