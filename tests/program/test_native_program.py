"""A graph's program run natively (tinygrad_edu/program/native.c, loaded with ctypes) gives the
engine's numbers bit for bit: on the random graphs of tests/differential/programs.py, on
micrograd's demo step, on captured programs (guards, outputs, number inputs, a seed). Where C
stops (an error, an infinite number), that call runs the Python program; where it cannot run
at all (an op of your own, no compiler, a compiler error, a library the system refuses), the
program runs as Python and says why in one line. (Each op's C spelling: test_native_ops.py.)"""

from __future__ import annotations

import ctypes
import math
import os
import random
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from tests.differential.programs import OURS, apply, generate
from tests.program.native_support import bits, both, needs_compiler, outcome_of, quiet_native
from tinygrad_edu import OPS, Value, dot, vsum
from tinygrad_edu.engine import apply as apply_row
from tinygrad_edu.nn import MLP, hinge_loss, l2_penalty
from tinygrad_edu.ops import _HIDDEN
from tinygrad_edu.program import c_build
from tinygrad_edu.program.native import C_NAMES, CODES, NativeUnavailable, c_code, native_program
from tinygrad_edu.program.tape import tape_of
from tinygrad_edu.row import Op

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- whole graphs


@needs_compiler
@pytest.mark.parametrize("seed", range(300))
def test_a_random_graphs_native_program_gives_the_engines_numbers(seed):
    _, nodes = generate(seed)
    root = nodes[-1]
    leaves = [n for n in nodes if n._row is None]
    for k, leaf in enumerate(leaves):  # (gradients already there add up)
        leaf.grad = [0.0, 1.5, -0.25][k % 3]
    program = quiet_native(tape_of(root))
    ours, engine = both(root, leaves, program.run)
    assert ours == engine, program.python.source()


@needs_compiler
def test_most_random_graphs_run_in_c_to_the_end():
    """C stops only where the engine does something particular: of the 300 graphs above
    (three quarters with infinities, NaNs, zeros and extremes among their numbers), most run
    to the end natively; and every one with ordinary numbers only does."""
    native_runs, ordinary = 0, 0
    for seed in range(300):
        _, nodes = generate(seed)
        program = quiet_native(tape_of(nodes[-1]))
        program.run()
        native_runs += program.fallbacks == 0
        if all(math.isfinite(n.data) for n in nodes) and all(
                math.isfinite(d) and (n._row is not OPS["**"] or 1e-300 < abs(n.data))
                for n in nodes for d in n.local_grads):
            ordinary += 1
            assert program.fallbacks == 0, (seed, program.fallback_step)
    assert native_runs >= 220 and ordinary >= 100, (native_runs, ordinary)


def demo_loss(model, points):
    """micrograd's demo loss with our nn: hinge loss of the scores, and an L2 penalty."""
    scores = [model([Value(a), Value(b)]) for a, b, _ in points]
    return hinge_loss(scores, [label for _, _, label in points]) + l2_penalty(
        model.parameters())


@needs_compiler
def test_micrograd_demo_steps_natively_give_the_engines_numbers_step_after_step():
    points = [(math.cos(k), math.sin(3 * k), 1.0 if k % 3 else -1.0) for k in range(12)]
    model, twin = MLP(2, [16, 16, 1], seed=3), MLP(2, [16, 16, 1], seed=3)
    program = quiet_native(tape_of(demo_loss(model, points)))
    for _ in range(3):  # the same program, with the parameters of each step
        out = program.run()
        loss = demo_loss(twin, points)
        loss.backward()
        assert bits(out) == bits(loss.data)
        for p, q in zip(model.parameters(), twin.parameters()):
            assert bits(p.grad) == bits(q.grad)
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad
            p.grad = q.grad = 0.0
    assert program.fallbacks == 0


@needs_compiler
def test_gradients_already_held_add_up_run_after_run():
    a, b = Value(0.7), Value(-1.3)
    y = (a * b).tanh() + (a ** 3.0) * b.exp()
    program = quiet_native(tape_of(y))
    program.run()
    program.run()
    native_grads = (a.grad, b.grad)
    a.grad = b.grad = 0.0
    y.backward()
    y.backward()
    assert (bits(a.grad), bits(b.grad)) == tuple(map(bits, native_grads))
    assert program.fallbacks == 0


# ----------------------------------------------------------------------------- where C stops


@needs_compiler
def test_a_log_of_a_negative_raises_the_engines_error_and_changes_no_gradient():
    x = Value(2.0)
    y = (x - 1.0).log()
    program = quiet_native(tape_of(y))
    x.grad = 0.25
    x.data = 0.5  # (log of -0.5 now)
    with pytest.raises(Exception) as raised:
        program.run()
    with pytest.raises(type(raised.value)) as engine:
        (x - 1.0).log()
    assert str(raised.value) == str(engine.value) and "log" in str(raised.value)
    assert x.grad == 0.25 and program.fallbacks == 1 and program.fallback_step == 1
    x.data = 3.0  # (and the next call runs natively again)
    assert bits(program.run()) == bits(math.log(2.0)) and program.fallbacks == 1


@needs_compiler
@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan, 1e308])
def test_infinite_and_nan_numbers_give_the_engines_numbers(number):
    x, w = Value(1.0), Value(2.0)

    def graph():
        return (x * w).tanh() + (x * w).relu() + vsum([x, w, 1.0]) + dot([x, w], [w, 3.0])

    program = quiet_native(tape_of(graph()))
    x.data = number
    ours, engine = both(graph(), [x, w], program.run)
    assert ours == engine and program.fallbacks == 1


# ----------------------------------------------------------------------------- as Python, said


def test_an_op_of_your_own_keeps_the_python_program_and_says_so(softplus):
    x = Value(0.3)
    y = softplus(x) * 2.0
    with pytest.warns(NativeUnavailable, match="'softplus' has no C spelling"):
        program = native_program(tape_of(y))
    assert program.kind == "Python" and "softplus" in repr(program)
    ours, engine = both(y, [x], program.run)
    assert ours == engine


def test_why_a_compiled_function_runs_as_python_is_said_at_the_learners_line(softplus):
    """The warning names the line that called the compiled function: before, it
    named capture.py's, so the default filter showed it once per process, whichever
    function it was about."""
    from tinygrad_edu.program import compile

    w = Value(0.5)
    step = compile(lambda x: softplus(w * x))
    with pytest.warns(NativeUnavailable, match="'softplus' has no C spelling") as said:
        step(2.0)
    assert [w.filename for w in said] == [__file__]
    assert step(3.0).data == softplus(w * 3.0).data and step.runs == 1  # (a pure op: a program)


def test_a_row_that_is_not_the_built_in_one_of_its_name_has_no_c_spelling():
    again = Op("exp", math.exp, (lambda x, y: y,))  # (an exp defined again, not registered)
    assert c_code(again) is None and c_code(OPS["exp"]) == CODES["EXP"]
    with pytest.warns(NativeUnavailable, match="'exp' has no C spelling"):
        program = native_program(tape_of(apply_row(again, Value(1.0))))
    assert program.kind == "Python"


def test_every_built_in_op_is_spelled_in_c():
    """A new op of the engine needs a C spelling (or a decision here): else every graph
    that uses it runs as Python."""
    built_in = {name for name, op in OPS.items() if c_code(op) is not None or name in C_NAMES}
    assert set(C_NAMES) <= set(OPS) and set(C_NAMES.values()) <= set(CODES)
    assert {"+", "-", "*", "/", "**", "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "sin",
            "cos", "relu", "abs", "leaky_relu", "vsum", "dot"} == built_in
    # the helpers of second derivatives (autograd/higher.py) run as Python
    assert all(c_code(op) is None for op in _HIDDEN.values())


@pytest.fixture
def fresh_build(monkeypatch, tmp_path):
    """No library built yet in this process, and an empty cache folder."""
    monkeypatch.setattr(c_build, "_BUILT", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_no_compiler_runs_as_python_and_says_so(fresh_build, monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent")
    x = Value(2.0)
    y = x.exp() * x
    with pytest.warns(NativeUnavailable) as said:
        program = native_program(tape_of(y))
    (line,) = [str(w.message) for w in said]
    assert "no C compiler: CC='/nonexistent' is not found" in line and "\n" not in line
    assert program.kind == "Python" and "not native: no C compiler" in repr(program)
    ours, engine = both(y, [x], program.run)
    assert ours == engine


def test_in_a_browser_the_program_runs_as_python_and_says_so_plainly(fresh_build, monkeypatch):
    """Pyodide has no compiler: its reason says so in its repr, with nothing to install,
    and no warning (before: "install one (apt-get install gcc ...)")."""
    monkeypatch.setattr(c_build.sys, "platform", "emscripten")
    x = Value(2.0)
    y = x.exp() * x
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        program = native_program(tape_of(y))
    assert program.kind == "Python" and program.reason == c_build.IN_A_BROWSER
    assert "apt-get" not in repr(program) and "the same numbers" in repr(program)
    ours, engine = both(y, [x], program.run)
    assert ours == engine


def test_a_compiler_error_runs_as_python_and_says_so(fresh_build, monkeypatch):
    script = fresh_build / "broken-cc"
    script.write_text("#!/bin/sh\necho 'native.c:1: error: this compiler is broken' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("CC", str(script))
    with pytest.warns(NativeUnavailable, match="failed on native.c: native.c:1: error: this"):
        program = native_program(tape_of(Value(1.0) * 2.0))
    assert program.kind == "Python" and program.run() == 2.0
    assert not list((fresh_build / "tinygrad_edu").glob("*.so"))  # (and nothing left behind)


@needs_compiler
def test_a_library_the_system_refuses_to_load_runs_as_python(fresh_build, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError("failed to map segment from shared object")

    monkeypatch.setattr(ctypes, "CDLL", refused)
    with pytest.warns(NativeUnavailable, match="could not be loaded.*failed to map segment"):
        program = native_program(tape_of(Value(1.0) * 2.0))
    assert program.kind == "Python" and program.run() == 2.0


@needs_compiler
@pytest.mark.slow
def test_processes_building_at_once_each_load_a_whole_library(tmp_path):
    code = textwrap.dedent("""
        from tinygrad_edu.program.c_build import library
        built = library()
        assert built.library is not None, built.reason
        print(built.path)
    """)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert len({out.strip() for out, _ in outputs}) == 1
    assert [p.name for p in (tmp_path / "tinygrad_edu").iterdir()] == [
        Path(outputs[0][0].strip()).name]  # (one library, no half-written file left)


# ----------------------------------------------------------------------------- captured programs


def captured(function, *args):
    """The programs ``compile(function)`` captured in a few calls."""
    from tinygrad_edu.program.capture import compile

    step = compile(function)
    for _ in range(3):
        try:
            step(*args)
        except (ArithmeticError, ValueError):
            pass
    return [entry.program for entries in step.programs.values() for entry in entries]


def same_functions(program, rng, runs: int = 8) -> list[object]:
    """The native program's function against the Python program's, on numbers near the
    captured ones: the leaves', their gradients so far, the number inputs, the seed."""
    native_one = quiet_native(program)
    program = native_one.python  # (a capture's own program may be native already)
    leaves = [leaf.data for _, leaf in program.tape.leaves]
    numbers = [rng.uniform(-3, 3) for _ in program.tape.numbers]
    found = []
    for _ in range(runs):
        args = ([x * rng.choice([1.0, 1.0, 0.5, -1.0]) for x in leaves],
                [rng.choice([0.0, 1.5, -0.25]) for _ in leaves],
                [x * rng.choice([1.0, 1.0, -1.0]) for x in numbers],
                rng.choice([1.0, 1.0, -2.0, 0.5]))
        expected = outcome_of(program.function, *args)
        assert outcome_of(native_one.function, *args) == expected, program.source()
        found.append(expected)
    return found


@needs_compiler
def test_captured_programs_natively_give_the_python_programs_numbers():
    """Guards (None where one fails), outputs beside the loss, number inputs, plain numbers
    computed at each run (a max), a seed, and a capture's own backward order."""
    rng = random.Random(7)
    logits = [Value(rng.uniform(-3, 3)) for _ in range(5)]

    def softmax_loss(target):  # microgpt's
        top = max(v.data for v in logits)
        exps = [(v - top).exp() for v in logits]
        return -(exps[target] / sum(exps)).log()

    model = MLP(2, [4, 4, 1], seed=2)

    def demo_loss(xs, ys):  # micrograd's, with its accuracy
        scores = [model([Value(a), Value(b)]) for a, b in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
        accuracy = [(y > 0) == (s.data > 0) for y, s in zip(ys, scores)]
        return sum(losses) * (1.0 / len(losses)), sum(accuracy) / len(accuracy)

    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(6)]
    ys = [rng.choice([1.0, -1.0]) for _ in xs]
    programs = captured(softmax_loss, 2) + captured(demo_loss, xs, ys)
    results = []
    for seed in range(40):
        generated, _ = generate(seed)
        params = [Value(x) for x in generated.leaves]

        def branching(generated=generated, params=params, seed=seed):
            nodes = list(params)
            for s in generated.steps:
                nodes.append(apply(s, nodes, OURS))
            top = max(abs(v.data) for v in params)
            return nodes[-1] * 2.0 if nodes[seed % len(nodes)].data > 0.5 else \
                nodes[-1] - params[0] * top

        programs += captured(branching)
    assert any(p.tape.guards for p in programs) and any(p.tape.outputs for p in programs)
    for program in programs:
        results += same_functions(program, rng)
    ran = [r for r in results if isinstance(r, tuple) and isinstance(r[0], bytes)]
    assert len(ran) > len(results) // 2 and None in results  # (and some guards failed)


@needs_compiler
def test_gradients_that_are_no_floats_go_the_python_programs_way():
    """An int gradient is converted (as Program.run converts it); a graph left by
    create_graph=True is refused with the Python program's error."""
    x = Value(1.5)
    y = x * x
    program = quiet_native(tape_of(y))
    x.grad = 2
    assert program.run() == 2.25 and x.grad == 5.0 and program.fallbacks == 0
    x.grad = Value(1.0)
    with pytest.raises(TypeError, match="create_graph=True"):
        program.run()


def test_a_programs_run_refuses_when_a_number_read_outside_changed():
    """Before, g.program().run() and native_program(...).run() gave 1.0 (the old rate)
    where the engine gives 6.0 after rate = 3.0, or after a parameter was replaced."""
    from tinygrad_edu.program import compile

    holder = {"rate": 0.5, "a": Value(2.0)}

    def f():
        return holder["a"] * holder["rate"]

    g = compile(f, native=False)
    g()
    fast = native_program(g.program())
    assert g.program().run() == fast.run() == 1.0
    for change in ({"rate": 3.0}, {"rate": 0.5, "a": Value(10.0)}):
        holder.update(change)
        for run in (g.program().run, fast.run):
            with pytest.raises(RuntimeError, match=r"no longer gives the engine's numbers: .*"
                               r"call the compiled function"):
                run()
    assert g().data == f().data == 5.0
