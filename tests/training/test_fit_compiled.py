"""fit(compile=True): every step run as a program gives the engine's numbers, with no
ProgramWarning, and a parameter replaced between epochs is followed (the step compiled is
fit's own, closing over the learner's model: its parameters are guarded as the learner's
are)."""

import random
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import MLP, hinge_loss
from tinygrad_edu.program.capture import ProgramWarning
from tinygrad_edu.training.fit import fit
from tinygrad_edu.training.optim import SGD


def data(n=24, seed=0):
    rng = random.Random(seed)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]
    return X, [1.0 if a * b > 0 else -1.0 for a, b in X]


def trained(compile, on_epoch=None, l2=0.0):
    X, y = data()
    model = MLP(2, [4, 1], seed=3)
    history = fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.05), epochs=3,
                  l2=l2, compile=compile, progress=False,
                  on_epoch=on_epoch(model) if on_epoch else None)
    return history, [p.data for p in model.parameters()]


@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_fit_compiled_gives_the_engines_numbers_and_no_warning(l2):
    engine, engine_parameters = trained(False, l2=l2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgramWarning)  # (the model's 17 parameters were
        program, parameters = trained(True, l2=l2)  # "found nowhere outside it")
    assert (program.loss, program.accuracy) == (engine.loss, engine.accuracy)
    assert parameters == engine_parameters
    assert program.programs == 1


def replace_weight(model):
    def on_epoch(epoch, history):
        if epoch == 1:
            model.layers[0].neurons[1].w[0] = Value(2.5)
    return on_epoch


def replace_bias(model):
    def on_epoch(epoch, history):
        if epoch == 1:
            model.layers[1].neurons[0].b = Value(-0.75)
    return on_epoch


@pytest.mark.parametrize("replace", [replace_weight, replace_bias])
def test_a_parameter_replaced_between_epochs_is_followed_never_the_old_value(replace):
    engine, engine_parameters = trained(False, replace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)  # (a capture again is said)
        program, parameters = trained(True, replace)
    assert (program.loss, program.accuracy) == (engine.loss, engine.accuracy)
    assert parameters == engine_parameters


def test_a_closure_of_the_package_held_by_the_learners_function_is_guarded():
    from tinygrad_edu.program import compile
    from tinygrad_edu.training.fit import _step_function

    X, y = data(8)
    model = MLP(2, [4, 1], seed=3)
    run = _step_function(model, hinge_loss, 0.0, None, model.parameters(), False)

    def f(X, y):
        return run(X, y)[0]

    step = compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgramWarning)
        first = step(X, y).data
    assert first == f(X, y).data
    model.layers[1].neurons[0].b = Value(5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)  # (a capture again is said)
        assert step(X, y).data == f(X, y).data != first


def test_a_value_held_where_no_name_leads_is_still_said():
    from tinygrad_edu.program import compile

    class View:  # (its attributes computed from a dict no name leads to)
        def __init__(self, box):
            object.__setattr__(self, "box", box)

        def __getattribute__(self, name):
            box = object.__getattribute__(self, "box")
            return box[name] if name in box else object.__getattribute__(self, name)

    held = View({"w": Value(2.0)})

    def f(x):
        return held.w * x

    with pytest.warns(ProgramWarning, match=r"1 Value\(s\) found nowhere outside it"):
        assert compile(f)(3.0).data == 6.0


def test_mini_batches_of_labels_are_one_program():
    """hinge_loss's check of its labels (y in (-1, 1)) branched on each label: every batch
    of another pattern of labels was captured again, five in a row gave up, and the run was
    slower than the engine's, with two warnings; one program now."""
    X, y = data(64)
    histories = []
    for compile in (False, True):
        model = MLP(2, [8, 1], seed=3)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ProgramWarning)
            histories.append(fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.05),
                                 epochs=4, batch_size=8, seed=0, compile=compile,
                                 progress=False))
    engine, program = histories
    assert (program.loss, program.accuracy) == (engine.loss, engine.accuracy)
    assert program.programs == 1
