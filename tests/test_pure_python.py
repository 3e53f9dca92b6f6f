"""The scalar engine needs nothing but Python, as micrograd does (and as Pyodide, where there is
no NumPy, needs): real programs run in a process where importing NumPy fails as it does where
NumPy is not installed. Each program also asserts that nothing even tried to import NumPy
(``tried``), so an ``except ImportError`` somewhere cannot hide a dependency."""

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NO_NUMPY = """
import sys

class NoNumpy:
    \"\"\"NumPy is not installed: every import of it fails, and is noted (a question whether
    it is installed, importlib.util.find_spec, is answered no without being noted).\"\"\"

    tried = []

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "numpy":
            if sys._getframe(2).f_code.co_name != "find_spec":  # an import, not a question
                NoNumpy.tried.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoNumpy())
tried = NoNumpy.tried
"""


def run_without_numpy(code, *args, cwd=ROOT):
    """Run ``code`` in a fresh Python where NumPy cannot be imported; fails the test if it
    does not exit with 0. Returns what it printed."""
    result = subprocess.run([sys.executable, "-c", NO_NUMPY + textwrap.dedent(code), *args],
                            capture_output=True, text=True, cwd=cwd, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_lectures_expression_backward_stepping_text_drawing_and_replay(tmp_path):
    out = run_without_numpy(f"""
        import tinygrad_edu
        assert "numpy" not in sys.modules

        from tinygrad_edu import Value, grad, hessian, jacobian, text_graph
        from tinygrad_edu.viz import draw_dot
        from tinygrad_edu.viz.replay import replay_html

        a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        c, f = Value(10.0, label="c"), Value(-2.0, label="f")
        e = a * b
        e.label = "e"
        d = e + c
        d.label = "d"
        L = d * f
        L.label = "L"
        for step in L.backward_steps():
            print(step)
        print([x.grad for x in (a, b, c, f, e, d, L)])
        print(text_graph(L))
        print(draw_dot(L).source)
        page = replay_html(L, {str(tmp_path / "replay.html")!r})
        print(page.steps, page.html[:15])
        print(grad(L, [a, b]), jacobian(lambda x, y: x * y.tanh(), [1.0, 0.0]),
              hessian(lambda x: x ** 3, 2.0))
        print("tried", tried)
        try:  # the tensor engine needs NumPy: this process really has none
            import tinygrad_edu.tensor
        except ModuleNotFoundError as error:
            print("refused", error.name, tried)
    """)
    assert out.splitlines()[-2:] == ["tried []", "refused numpy ['numpy']"]
    assert "a.grad += (-3.0) * (-2.0) = 6.0" in out  # the step of e = a * b
    assert "[6.0, -4.0, -2.0, 4.0, -2.0, -2.0, 1.0]" in out  # dL/da, db, dc, df, de, dd, dL
    assert ["L", "d", "*", "f", "-8.0", "1.0"] in [line.split() for line in out.splitlines()]
    assert "a | data 2.0 | grad 6.0" in out and "L | data -8.0 | grad 1.0" in out  # DOT
    assert "3 <!DOCTYPE html>" in out
    assert (tmp_path / "replay.html").read_text(encoding="utf-8").count("backward step") >= 3
    assert "(6.0, -4.0) (0.0, 1.0) 12.0" in out  # grad, jacobian, hessian


def test_gradcheck_passes_a_right_op_and_catches_a_wrong_one_and_hypothesis_checks_rules():
    out = run_without_numpy("""
        import math

        from hypothesis import given, settings

        from tinygrad_edu import GradcheckError, Value, gradcheck, unary_op
        from tinygrad_edu.testing import (assert_grads_close, check_op, expressions,
                                          floats_in_domain)

        print(gradcheck(lambda x, y: (x * y).tanh() + y.exp(), [0.5, -1.5]).ok)
        bad_tanh = unary_op("bad_tanh", math.tanh, lambda x, y: 1 + y * y, register_op=False)
        try:
            gradcheck(lambda x: bad_tanh(x), [0.5])
        except GradcheckError as error:
            print("caught:", str(error).splitlines()[0])

        @settings(max_examples=40, deadline=None)
        @given(expressions())
        def test_backward_agrees_with_central_differences(expr):
            assert_grads_close(expr, expr.inputs)

        test_backward_agrees_with_central_differences()
        check_op("tanh", max_examples=30)
        try:
            check_op(bad_tanh, max_examples=30)
        except GradcheckError as error:
            print("check_op caught bad_tanh")

        @given(floats_in_domain("log"))
        def test_log_domain(x):
            assert 0.2 <= x <= 5.0

        test_log_domain()
        print("tried", tried)
    """)
    lines = out.splitlines()
    assert lines[0] == "True"
    assert lines[1].startswith("caught: gradient of input x0 = 0.5 is wrong: backward() gives")
    assert "check_op caught bad_tanh" in lines
    assert lines[-1] == "tried []"


def test_an_mlp_trains_with_sgd_and_adam_and_the_gpt_takes_a_step():
    out = run_without_numpy("""
        import random

        from tinygrad_edu.nn import GPT, MLP, mse_loss
        from tinygrad_edu.training.optim import SGD, Adam
        from tinygrad_edu.training.text import CharTokenizer, load_names

        xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
        ys = [1.0, -1.0, -1.0, 1.0]
        for make in (lambda p: SGD(p, lr=0.05), lambda p: Adam(p, lr=0.05)):
            model = MLP(3, [4, 4, 1], seed=0)
            optimizer = make(model.parameters())
            losses = []
            for _ in range(20):
                loss = mse_loss([model(x) for x in xs], ys)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.data)
            print(type(optimizer).__name__, losses[0] > 2 * losses[-1])

        tokens = CharTokenizer(load_names())
        model = GPT(tokens.vocab_size, seed=0)
        optimizer = Adam(model.parameters(), lr=0.01)
        name = tokens.encode("emma")
        before = model.loss(name)
        optimizer.zero_grad()
        before.backward()
        optimizer.step()
        print("gpt", model.loss(name).data < before.data, len(tokens.decode(
            model.sample(tokens.bos, rng=random.Random(0)))) >= 0)
        print("tried", tried)
    """)
    assert out.splitlines() == ["SGD True", "Adam True", "gpt True True", "tried []"]


FIT = """
    import math
    import random

    from tinygrad_edu import Value
    from tinygrad_edu.training.loader import DataLoader
    from tinygrad_edu.nn import MLP, hinge_loss
    from tinygrad_edu.training.optim import SGD
    from tinygrad_edu.training.fit import accuracy, evaluate, fit

    # two rings: inside is -1, outside +1
    X = [[r * math.cos(0.7 * k), r * math.sin(0.7 * k)] for k in range(24)
         for r in ([0.5] if k % 2 else [1.5])]
    y = [-1.0 if k % 2 else 1.0 for k in range(24)]
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.1), epochs=4,
                  batch_size=5, seed=3, progress=False)
    print("loss", history.loss)
    print("accuracy", history.accuracy, history)
    print("evaluate", evaluate(model, X, y), accuracy([[0.1, 2.0], [Value(1.0), 0.5]], [1, 1]))
    print("batches", [yb for _, yb in DataLoader(list(range(10)), list(range(10)), 3, seed=7)])
    try:
        fit(model, [[0.0, math.nan]], [1.0], hinge_loss, SGD(model.parameters(), lr=0.1))
    except ValueError as error:
        print("refused", error)
"""


def test_fit_trains_a_scalar_model_on_the_same_batches_as_with_numpy():
    # fit on Values needs no NumPy: the same numbers, the same batches for the same seed
    out = run_without_numpy(textwrap.dedent(FIT) + textwrap.dedent("""
        class NoTqdm:  # nor tqdm, as in the browser: the bar is left out
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "tqdm":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)

        sys.meta_path.insert(0, NoTqdm())
        losses = []
        for progress in (True, False):
            small = MLP(2, [2, 1], seed=0)
            losses.append(fit(small, X, y, hinge_loss, SGD(small.parameters(), lr=0.1),
                              epochs=2, progress=progress).loss)
        print("no tqdm", losses[0] == losses[1] and losses[0][1] < losses[0][0])
        random.seed(5)  # an unseeded loader: Python's random state decides, as NumPy's would
        first = [yb for _, yb in DataLoader(list(range(6)), list(range(6)), 2)]
        random.seed(5)
        print("unseeded", first == [yb for _, yb in DataLoader(list(range(6)), list(range(6)),
                                                                2)])
        print("tried", tried)
    """))
    assert out.splitlines()[-1] == "tried []"
    with_numpy = run_without_numpy("sys.meta_path.pop(0)\nimport numpy\n" + textwrap.dedent(FIT))
    assert out.splitlines()[:-3] == with_numpy.splitlines()  # (the loader uses NumPy there)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    losses = ast.literal_eval(lines["loss"])
    assert len(losses) == 4 and losses[-1] < losses[0]
    # numpy.random.RandomState(7).permutation(10) is [8 5 0 2 1 9 7 3 6 4]
    assert lines["batches"] == "[[8, 5, 0], [2, 1, 9], [7, 3, 6], [4]]"
    assert lines["unseeded"] == "True"  # where NumPy is missing, Python's random state decides
    assert lines["no"] == "tqdm True"
    assert lines["refused"].startswith("fit: X holds NaN or inf: row 0 is [0.0, nan]")


def test_the_exercises_on_numbers_are_graded_and_diagnosed_and_those_on_arrays_say_why_not():
    out = run_without_numpy("""
        from tinygrad_edu.exercises import check

        right = check("d_tanh", lambda x, y: 1 - y * y)
        wrong = check("d_tanh", lambda x, y: 1 - x * x)
        print(right.passed, wrong.passed, wrong.keys)
        print(wrong)
        backward = check("backward", lambda root: None)
        print(backward.passed)
        print("tried", tried)
        print(check("dense_backward", lambda X, W, b, dZ: (dZ @ W.T, X.T @ dZ, dZ)))
    """)
    lines = out.splitlines()
    assert lines[0] == "True False ('in_out',)"
    assert "diagnosis: the input x used where the output y was meant." in out
    assert lines[-3:-1] == ["False", "tried []"]
    assert lines[-1].startswith("✗ dense_backward: dense_backward works on NumPy arrays, and "
                                "NumPy is not installed here")


def test_the_command_line_writes_and_grades_a_file_of_scalar_exercises(tmp_path):
    command = """
        import runpy
        sys.argv = ["tinygrad_edu", *sys.argv[1:]]
        try:
            runpy.run_module("tinygrad_edu", run_name="__main__")
        except SystemExit as exit:
            print("exit", exit.code, "tried", tried)
    """
    solutions = tmp_path / "solutions.py"
    env_dir = str(tmp_path)
    started = subprocess.run(
        [sys.executable, "-c", NO_NUMPY + textwrap.dedent(command), "exercises", "start",
         str(solutions)], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
        env={**os.environ, "TINYGRAD_EDU_PROGRESS": f"{env_dir}/progress.json"})
    assert "exit 0 tried []" in started.stdout, started.stdout + started.stderr
    assert "the exercises on arrays (d_softmax_cross_entropy, dense_backward) are left out" \
        in started.stderr
    text = solutions.read_text(encoding="utf-8")
    assert "numpy" not in text and "def d_mul(a, b, y):" in text
    text = text.replace('def d_mul(a, b, y):\n    """y = a * b. Return (dy/da, dy/db)."""\n'
                        '    raise NotImplementedError("d_mul: not written yet")',
                        "def d_mul(a, b, y):\n    return b, a")
    text = text.replace('    raise NotImplementedError("d_exp: not written yet")',
                        "    return x")
    solutions.write_text(text, encoding="utf-8")
    graded = subprocess.run(
        [sys.executable, "-c", NO_NUMPY + textwrap.dedent(command), "exercises", "check",
         str(solutions)], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
        env={**os.environ, "TINYGRAD_EDU_PROGRESS": f"{env_dir}/progress.json"})
    out = graded.stdout
    assert "✓ d_mul passed" in out and "✗ d_exp: not yet." in out, out + graded.stderr
    assert "diagnosis: the input x used where the output y was meant." in out
    assert "1 of 2 attempted exercises pass" in out
    assert out.rstrip().endswith("exit 1 tried []")


def test_where_numpy_is_installed_the_scalar_tools_do_not_import_it():
    """NumPy costs time and memory at start: only the tensor engine and array code load it."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        import tinygrad_edu, tinygrad_edu.nn, tinygrad_edu.training.optim, tinygrad_edu.testing
        import tinygrad_edu.viz, tinygrad_edu.viz.replay, tinygrad_edu.exercises.cli
        import tinygrad_edu.training.fit, tinygrad_edu.training.loader
        from tinygrad_edu.exercises import check
        check("d_mul", lambda a, b, y: (b, a))
        print("numpy" in sys.modules)
        import tinygrad_edu.tensor
        print("numpy" in sys.modules)
    """)], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert result.stdout.split() == ["False", "True"], result.stderr
