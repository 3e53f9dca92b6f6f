"""The training helper and the demo command."""

import argparse
import math
import random
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu.__main__ as cli
from tests.training.test_idx import skip_if_permissions_ignored
from tinygrad_edu import Value
from tinygrad_edu.nn import MLP, cross_entropy, hinge_loss, mse_loss
from tinygrad_edu.training.data import make_moons, make_spirals
from tinygrad_edu.training.fit import History, TrainingDiverged, accuracy, evaluate, fit
from tinygrad_edu.training.optim import SGD, Adam, LambdaLR, StepLR


def moons(n=100, seed=1337):
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, y * 2 - 1  # -1/+1 labels for the max-margin loss


# ----------------------------------------------------------------------------- fit


def test_fit_returns_one_loss_accuracy_and_rate_per_epoch():
    X, y = moons(20)
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    history = fit(model, X, y, hinge_loss, optimizer, epochs=7, batch_size=8,
                  scheduler=StepLR(optimizer, step_size=3, gamma=0.5), seed=0, progress=False)
    assert isinstance(history, History)
    assert len(history.loss) == len(history.accuracy) == len(history.lr) == 7
    assert history.lr == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    assert all(0 <= a <= 1 for a in history.accuracy) and all(v >= 0 for v in history.loss)
    assert repr(history).startswith("History(7 epochs, final loss ")


def test_fit_records_the_mean_loss_and_accuracy_before_each_full_batch_update():
    X, y = moons(30)
    model = MLP(2, [4, 1], seed=1)
    first_loss = hinge_loss([model(x) for x in X.tolist()], y.tolist()).data
    first_accuracy = evaluate(model, X, y)
    history = fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.05), epochs=2,
                  progress=False)
    assert history.loss[0] == pytest.approx(first_loss, rel=1e-12)
    assert history.accuracy[0] == first_accuracy


def test_fit_without_a_metric_records_only_the_loss_and_zero_epochs_is_allowed():
    X = np.linspace(-1, 1, 10).reshape(-1, 1)
    y = (3 * X[:, 0] - 1).tolist()
    model = MLP(1, [1], seed=0)
    history = fit(model, X, y, mse_loss, Adam(model.parameters(), lr=0.1), epochs=50,
                  metric=None, progress=False)
    assert history.accuracy == [] and len(history.loss) == 50
    assert history.loss[-1] < 0.1 * history.loss[0]  # a line fits a line
    assert repr(fit(model, X, y, mse_loss, SGD(model.parameters(), lr=0.1), epochs=0,
                    progress=False)) == "History(no epochs)"
    with pytest.raises(ValueError, match="epochs must be an int >= 0"):
        fit(model, X, y, mse_loss, SGD(model.parameters(), lr=0.1), epochs=-1)


def test_fit_trains_a_multiclass_model_with_cross_entropy_and_clipping():
    X, y = make_spirals(60, n_classes=3, noise=0.1, seed=0)
    model = MLP(2, [12, 3], activation="tanh", seed=0)
    history = fit(model, X, y, cross_entropy, Adam(model.parameters(), lr=0.05), epochs=25,
                  batch_size=20, clip_grad=5.0, seed=0, progress=False)
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] > 0.5  # well above the 1/3 of guessing


@pytest.mark.slow
def test_moons_reach_97_percent_within_100_full_batch_steps():
    """The demo's recipe: micrograd's MLP(2, [16, 16, 1]), max-margin loss + 1e-4 L2, full
    batch SGD with the learning rate falling from 1.0 towards 0.1. Trained 10 steps at a
    time (the schedule carries on across calls), stopping once it gets there."""
    X, y = moons(100)
    model = MLP(2, [16, 16, 1], seed=1337)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / 100)
    history = History()
    while len(history.loss) < 100 and evaluate(model, X, y) < 0.97:
        part = fit(model, X, y, hinge_loss, optimizer, epochs=10, l2=1e-4, scheduler=schedule,
                   progress=False)
        for name in ("loss", "accuracy", "lr"):
            getattr(history, name).extend(getattr(part, name))
    assert evaluate(model, X, y) >= 0.97, f"{len(history.loss)} steps: {history}"
    assert history.accuracy[0] < 0.9  # it started out untrained
    assert history.lr[:3] == pytest.approx([1.0, 0.991, 0.982])  # one schedule throughout
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_fit_is_quiet_in_ci_logs(monkeypatch, capsys):
    """Under CI=true without a terminal the bar must not print a line per update. A fake
    clock that advances one second per reading makes an ordinary bar redraw every epoch."""
    import tqdm.std

    clock = iter(range(10**6))
    monkeypatch.setattr(tqdm.std, "time", lambda: float(next(clock)))
    X, y = moons(10)

    def redraws() -> int:
        model = MLP(2, [2, 1], seed=0)
        fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.1), epochs=30)
        return capsys.readouterr().err.count("\r")

    monkeypatch.delenv("CI", raising=False)
    assert redraws() >= 20  # the check below can fail
    monkeypatch.setenv("CI", "true")
    assert redraws() <= 3
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.1), epochs=3, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_stops_when_the_loss_overflows_and_says_where():
    X, y = moons(20)
    model = MLP(2, [8, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1e6)  # far too large: the squared error explodes
    with pytest.raises(TrainingDiverged) as info:
        fit(model, X, y, mse_loss, optimizer, epochs=50, batch_size=10, seed=0, progress=False)
    error = info.value
    assert isinstance(error, FloatingPointError)
    assert (error.loss, error.epoch, error.step, error.lr) == (math.inf, 2, 2, 1e6)
    assert str(error) == ("training diverged: the loss is inf at epoch 2, step 2 (learning "
                          "rate 1e+06); use a smaller learning rate, or clip the gradients "
                          "with fit(..., clip_grad=1.0)")


def test_fit_stops_at_a_nan_loss_before_stepping_with_it():
    X, y = moons(20)
    model = MLP(2, [4, 1], seed=0)
    calls = []

    def loss_fn(outputs, targets):  # NaN from the third step on (epoch 2, step 1)
        calls.append(1)
        return hinge_loss(outputs, targets) * (math.nan if len(calls) >= 3 else 1.0)

    optimizer = SGD(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    with pytest.raises(TrainingDiverged, match=r"the loss is nan at epoch 2, step 1 \(learning "
                                               r"rate 0\.05\)"):
        fit(model, X, y, loss_fn, optimizer, epochs=5, batch_size=10, seed=0, progress=False,
            scheduler=scheduler)
    assert all(math.isfinite(p.data) for p in model.parameters())  # no NaN step was taken


def test_fit_refuses_nan_arguments_and_nan_data():
    X, y = moons(10)
    model = MLP(2, [2, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    for kwargs, message in [({"l2": math.nan}, "fit: l2 must be a finite number >= 0, got nan"),
                            ({"l2": -1e-4}, "l2 must be a finite number >= 0, got -0.0001"),
                            ({"clip_grad": math.nan}, r"clip_grad must be a finite number > 0 "
                                                      r"\(or None\), got nan"),
                            ({"clip_grad": math.inf}, "clip_grad must be a finite number"),
                            ({"epochs": True}, "epochs must be an int >= 0, got True")]:
        with pytest.raises(ValueError, match=message):
            fit(model, X, y, hinge_loss, optimizer, progress=False, **kwargs)
    X[3, 1] = math.nan
    with pytest.raises(ValueError, match=r"fit: X holds NaN or inf: row 3 is \[.*nan\]"):
        fit(model, X, y, hinge_loss, optimizer, progress=False)
    with pytest.raises(ValueError, match=r"fit: y holds NaN or inf: row 1 is inf"):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [1.0, math.inf], mse_loss, optimizer, epochs=1,
            progress=False)


# ----------------------------------------------------------------------------- accuracy


def test_accuracy_of_binary_scores_with_either_label_convention():
    scores = [Value(2.0), Value(-0.5), 0.3, -1.0]
    assert accuracy(scores, [1, -1, -1, -1]) == 0.75
    assert accuracy(scores, [1, 0, 0, 0]) == 0.75
    assert accuracy(scores, np.array([1, 0, 1, 0])) == 1.0
    assert accuracy([0.0, 0.0], [0, 1]) == 0.5  # a score of exactly 0 says "negative"
    assert accuracy([np.float32(1.5)], [1]) == 1.0
    assert accuracy([[Value(0.2)], [Value(-0.2)]], [1, 1]) == 0.5  # a Layer's one output


def test_accuracy_of_class_scores_takes_the_largest():
    scores = [[0.1, 2.0, -1.0], [Value(3.0), Value(1.0), Value(0.0)], [1.0, 1.0, 0.0]]
    assert accuracy(scores, [1, 0, 0]) == 1.0  # a tie goes to the first class
    assert accuracy(scores, [2, 0, 1]) == pytest.approx(1 / 3)


def test_a_nan_score_is_never_counted_right():
    nan = math.nan
    assert accuracy([nan, Value(nan)], [-1, 0]) == 0.0  # not a right "negative"
    assert accuracy([nan, nan], [1, 1]) == 0.0
    assert accuracy([[nan, 1.0, 0.0], [0.0, nan, 1.0], [2.0, 1.0, 0.0]], [1, 2, 0]) == 1 / 3
    assert accuracy([[Value(0.0), Value(nan)]], [0]) == 0.0


def test_accuracy_errors():
    with pytest.raises(ValueError, match="2 outputs but 3 targets"):
        accuracy([1.0, -1.0], [1, 0, 1])
    with pytest.raises(ValueError, match="accuracy: target 1 is NaN"):
        accuracy([1.0, -1.0], [1, math.nan])
    with pytest.raises(ValueError, match="accuracy: target 0 is NaN"):
        accuracy([[1.0, 0.0]], np.array([np.nan]))
    with pytest.raises(ValueError, match="accuracy: no outputs to score"):
        accuracy([], [])


SCORE = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, math.nan, math.inf, -math.inf]),
                  st.floats(-3, 3))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), classes=st.sampled_from([1, 2, 3]))
def test_accuracy_of_lists_is_the_accuracy_numpy_computes(data, n, classes):
    # lists are scored in Python (no NumPy needed), arrays and Tensors with NumPy: the same
    # rule, ties, NaN scores, ±0 and either label convention included
    rows = data.draw(st.lists(st.lists(SCORE, min_size=classes, max_size=classes),
                              min_size=n, max_size=n))
    labels = list(range(classes)) if classes > 1 else [0, 1, -1]
    targets = data.draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n))
    outputs = [row[0] for row in rows] if classes == 1 and data.draw(st.booleans()) else rows
    scored = accuracy([[Value(s) for s in row] for row in rows], targets)
    assert scored == accuracy(outputs, targets)
    assert scored == accuracy(outputs, np.array(targets)) == accuracy(np.array(rows), targets)


def test_evaluate_builds_no_graph():
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    seen = []
    evaluate(lambda x: seen.append(model(x)) or seen[-1], X, y)
    assert all(out.parents == () for out in seen)  # under no_grad: plain results


# ----------------------------------------------------------------------------- the demo


@pytest.mark.slow
def test_demo_command_trains_prints_and_writes_a_png_and_an_svg(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the demo needs pip install matplotlib")
    random_state, np_state = random.getstate(), np.random.get_state()
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "30"]) == 0
    out = capsys.readouterr().out
    assert "MLP(2 -> 16 -> 16 -> 1, 337 parameters)" in out
    assert "After 30 steps: loss " in out and "training accuracy" in out
    final = float(out.split("training accuracy ")[1].split("%")[0])
    assert final >= 80.0  # 30 steps already separate the moons well
    png = (tmp_path / "decision_boundary.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    svg = (tmp_path / "neuron.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "</svg>" in svg and "relu" in svg
    assert random.getstate() == random_state  # seeded: the global states are untouched
    assert all(np.array_equal(a, b) for a, b in zip(np_state, np.random.get_state()))


@pytest.mark.parametrize("option, message", [
    (["--steps", "-1"], "argument --steps: must be an integer >= 0, got -1"),
    (["--steps", "1e3"], "argument --steps: must be an integer >= 0, got '1e3'"),
    (["--seed", "-1"], "argument --seed: must be an integer from 0 to 4294967295, got -1"),
    (["--seed", str(2**32)], "argument --seed: must be an integer from 0 to 4294967295"),
])
def test_demo_refuses_bad_numbers_before_training(option, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--out", str(tmp_path), *option])
    out, err = capsys.readouterr()
    assert info.value.code == 2 and message in err
    assert out == "" and "Traceback" not in err


def test_demo_refuses_an_out_folder_it_cannot_write_before_training(tmp_path, capsys):
    (tmp_path / "file").write_text("a file, not a folder")
    for out, message in [(tmp_path / "file", r"argument --out: .*file is a file, not a folder"),
                         (tmp_path / "file" / "sub", r"argument --out: .*file is a file, "
                                                     r"not a folder")]:
        with pytest.raises(SystemExit) as info:
            cli.main(["demo", "--out", str(out), "--steps", "1"])
        printed, err = capsys.readouterr()
        assert info.value.code == 2 and re.search(message, err) and printed == ""
        assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # and no probe file is left


def test_demo_makes_no_folder_when_another_option_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--out", str(tmp_path / "new" / "deeper"), "--seed", "-1"])
    assert info.value.code == 2 and list(tmp_path.iterdir()) == []


@skip_if_permissions_ignored
def test_demo_refuses_a_read_only_out_folder(tmp_path, capsys):
    (tmp_path / "locked").mkdir(mode=0o555)
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--out", str(tmp_path / "locked")])
    assert info.value.code == 2
    assert re.search(r"cannot write to the folder .*locked: Permission denied",
                     capsys.readouterr().err)


@skip_if_permissions_ignored
def test_demo_refuses_a_read_only_output_file_before_training(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib", reason="the demo needs pip install matplotlib")
    import tinygrad_edu.training.fit

    def trained(*args, **kwargs):
        raise AssertionError("the demo trained before finding that it cannot write its files")

    monkeypatch.setattr(tinygrad_edu.training.fit, "fit", trained)
    (tmp_path / "neuron.svg").write_text("an old drawing")
    (tmp_path / "neuron.svg").chmod(0o444)
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "5"]) == 1
    out, err = capsys.readouterr()
    assert re.match(r"demo: cannot write .*neuron\.svg: it is read-only", err) and out == ""


def test_demo_refuses_an_output_name_taken_by_a_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the demo needs pip install matplotlib")
    (tmp_path / "decision_boundary.png").mkdir()
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "1"]) == 1
    out, err = capsys.readouterr()
    assert "demo: cannot write" in err and "decision_boundary.png" in err and out == ""


def test_demo_reports_divergence_without_a_traceback(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib", reason="the demo needs pip install matplotlib")
    import tinygrad_edu.training.fit

    def diverge(*args, **kwargs):
        raise TrainingDiverged(math.nan, 3, 1, 0.5, "use a smaller learning rate")

    monkeypatch.setattr(tinygrad_edu.training.fit, "fit", diverge)
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("demo: training diverged: the loss is nan at epoch 3, step 1")
    assert not (tmp_path / "decision_boundary.png").exists()


def test_ctrl_c_during_training_is_a_message_and_exit_130(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib", reason="the demo needs pip install matplotlib")
    import tinygrad_edu.training.fit

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tinygrad_edu.training.fit, "fit", interrupted)
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "5"]) == 130
    assert capsys.readouterr().err == "demo: interrupted\n"


def test_the_option_checkers_shared_by_the_commands(tmp_path):
    steps, seed = cli.integer(0), cli.integer(0, 9)
    rate, decay = cli.number(0), cli.number(0, inclusive=True)
    assert (steps("0"), seed("9"), rate("1e-3"), decay("0")) == (0, 9, 1e-3, 0.0)
    for check, text, message in [
        (steps, "-1", "must be an integer >= 0, got -1"),
        (steps, "2.0", "must be an integer >= 0, got '2.0'"),
        (seed, "10", "must be an integer from 0 to 9, got 10"),
        (rate, "0", "must be a finite number > 0, got 0"),
        (rate, "nan", "must be a finite number > 0, got nan"),
        (rate, "x", "must be a number > 0, got 'x'"),
        (decay, "-0.1", "must be a finite number >= 0, got -0.1"),
        (decay, "inf", "must be a finite number >= 0, got inf"),
        (cli.writable_directory, str(tmp_path / "f"), "is a file, not a folder"),
    ]:
        (tmp_path / "f").touch()
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
            check(text)
    assert cli.writable_directory(str(tmp_path / "new" / "dir")) == tmp_path / "new" / "dir"
    assert not (tmp_path / "new").exists()  # checked, not made: the command makes it


def test_demo_command_line_exit_code_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "demo", "--seed", "-1",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "argument --seed" in done.stderr
    assert "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- both engines


def test_one_fit_trains_a_tensor_model_on_whole_batches():
    from tinygrad_edu import tensor

    X, y = make_spirals(150, seed=0)
    model = tensor.MLP(2, [32, 3], seed=0)
    optimizer = Adam(model.parameters(), lr=0.05)
    epochs = []
    history = fit(model, X, y, tensor.cross_entropy, optimizer, epochs=30, batch_size=50,
                  seed=0, progress=False, on_epoch=lambda epoch, h: epochs.append(epoch))
    assert epochs == list(range(1, 31)) and len(history.loss) == 30
    assert history.loss[-1] < history.loss[0] / 2 and history.accuracy[-1] > 0.8
    assert evaluate(model, X, y) == pytest.approx(
        float((model(X).data.argmax(axis=1) == y).mean()))


def test_accuracy_reads_a_tensor_of_scores_as_a_list_of_them():
    from tinygrad_edu.tensor import Tensor

    scores = [[0.1, 0.9], [2.0, -1.0], [math.nan, 0.0]]
    assert accuracy(Tensor(scores), [1, 0, 1]) == accuracy(scores, [1, 0, 1]) == 2 / 3
    assert accuracy(Tensor([[0.5], [-0.5]]), [1, 1]) == accuracy([0.5, -0.5], [1, 1]) == 0.5


def test_a_full_batch_is_the_same_batch_every_epoch():
    X, y = moons(40)
    runs = []
    for _ in range(2):
        random.seed(5)  # the same weights, from the global random as micrograd
        model = MLP(2, [8, 1])
        runs.append(fit(model, X, y, hinge_loss, SGD(model.parameters(), lr=0.1),
                        epochs=3, progress=False).loss)
    assert runs[0] == runs[1]  # no shuffling, so not even the last bit differs


def test_the_tensor_engine_trains_with_the_same_fit_and_its_own_mse_loss():
    """``from tinygrad_edu.tensor import fit, mse_loss``: a regression of y = 2x - 1 with a
    Dense layer, full batch, reaches a small loss."""
    from tinygrad_edu.tensor import SGD as TensorSGD
    from tinygrad_edu.tensor import Dense
    from tinygrad_edu.tensor import fit as tensor_fit
    from tinygrad_edu.tensor import mse_loss as tensor_mse

    assert tensor_fit is fit
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    layer = Dense(1, 1, seed=0)
    history = tensor_fit(layer, X, 2 * X - 1, tensor_mse, TensorSGD(layer.parameters(), lr=0.5),
                         epochs=60, metric=None, progress=False)
    assert history.loss[-1] < 1e-6 < history.loss[0]
    assert layer.W.data.item() == pytest.approx(2.0, abs=1e-3)


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_fit_adds_its_engines_l2_penalty_to_the_loss(engine):
    """The loss ``fit`` records (before the step) is the loss plus l2 · Σ p², with the
    penalty each engine has: a scalar model's from tinygrad_edu.nn, a tensor model's asked of
    its parameters."""
    X, y = moons(12)
    if engine == "scalar":
        model, loss_fn = MLP(2, [4, 1], seed=3), mse_loss
        squares = sum(p.data ** 2 for p in model.parameters())
        loss = mse_loss([model(x) for x in X], list(y)).data
    else:
        from tinygrad_edu import tensor

        model, loss_fn = tensor.MLP(2, [4, 1], seed=3), tensor.mse_loss
        y = np.asarray(y).reshape(-1, 1)
        squares = sum(float(np.sum(p.data ** 2)) for p in model.parameters())
        loss = tensor.mse_loss(model(np.asarray(X)), y).item()
    history = fit(model, X, y, loss_fn, SGD(model.parameters(), lr=0.1), epochs=1, l2=0.01,
                  metric=None, progress=False)
    assert history.loss == [pytest.approx(loss + 0.01 * squares, rel=1e-12)]
