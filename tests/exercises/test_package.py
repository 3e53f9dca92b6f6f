"""tinygrad_edu.exercises itself: exercises by name, number or object, with helpful errors; a
rule that passes plugged into the engine as an op (``make_op``), and one that does not, not;
and without hypothesis, words that say how to install it."""

import math
import os
import subprocess
import sys

import pytest

from tinygrad_edu import Value
from tinygrad_edu.exercises import EXERCISES, ExerciseError, check, get_exercise, make_op


def test_exercises_by_name_number_or_object_and_helpful_errors():
    assert get_exercise(5) is get_exercise("d_tanh") is get_exercise(EXERCISES["d_tanh"])
    with pytest.raises(ExerciseError, match="did you mean 'd_tanh'"):
        check("d_tahn", lambda x, y: 0.0)
    with pytest.raises(ExerciseError, match="numbered 1 to"):
        get_exercise(99)
    with pytest.raises(TypeError, match="must be a function"):
        check("d_tanh", 0.42)


def test_a_passing_rule_becomes_an_op_that_backward_steps_and_drawing_use():
    from tinygrad_edu.viz import draw_dot

    my_tanh = make_op("d_tanh", lambda x, y: 1 - y * y)
    x = Value(0.5, label="x")
    out = my_tanh(x * 2)
    out.backward()
    assert out.data == math.tanh(1.0)
    assert x.grad == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), rel=1e-15)
    x.grad = 0.0
    steps = list(out.backward_steps())
    assert "my_tanh" in str(steps[0]) and x.grad == pytest.approx(2 * (1 - math.tanh(1) ** 2))
    assert "my_tanh" in draw_dot(out).source
    assert my_tanh(0.5) == math.tanh(0.5)  # a plain number in, a plain number out


def test_training_with_your_own_derivative_matches_the_built_in_one():
    from tinygrad_edu.nn import MLP, hinge_loss
    from tinygrad_edu.training.data import make_moons
    from tinygrad_edu.training.fit import fit
    from tinygrad_edu.training.optim import SGD

    X, y = make_moons(40, noise=0.1, seed=0)
    y = 2 * y - 1
    histories = []
    for activation in ("tanh", make_op("d_tanh", lambda x, y: 1 - y * y)):
        model = MLP(2, [8, 1], activation=activation, seed=0)
        optimizer = SGD(model.parameters(), lr=0.1)
        histories.append(fit(model, X, y, hinge_loss, optimizer, epochs=15, seed=0,
                             progress=False))
    assert histories[0].loss == histories[1].loss
    assert histories[1].loss[-1] < histories[1].loss[0]


def test_a_binary_rule_becomes_an_op_too():
    my_div = make_op("d_div", lambda a, b, y: (1 / b, -y / b))
    a, b = Value(3.0), Value(2.0)
    my_div(a, b).backward()
    assert (a.grad, b.grad) == (0.5, -0.75)


def test_a_rule_that_does_not_pass_is_not_plugged_in():
    with pytest.raises(ExerciseError, match="does not pass yet") as failure:
        make_op("d_tanh", lambda x, y: 1 - x * x)
    assert "input x used where the output y was meant" in str(failure.value)
    with pytest.raises(ExerciseError, match="not a derivative rule"):
        make_op("backward", lambda root: None)


def test_without_hypothesis_the_import_and_the_command_say_how_to_install_it(tmp_path):
    block = "import sys; sys.modules['hypothesis'] = None; "
    run = subprocess.run([sys.executable, "-c", block + "import tinygrad_edu.exercises"],
                         capture_output=True, text=True)
    assert run.returncode != 0 and "pip install hypothesis" in run.stderr
    run = subprocess.run(
        [sys.executable, "-c", block + "from tinygrad_edu.__main__ import main; "
         "raise SystemExit(main(['exercises']))"],
        capture_output=True, text=True,
        env={**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "pip install hypothesis" in run.stderr
