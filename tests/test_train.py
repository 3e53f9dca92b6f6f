"""The training helper and the demo command."""

import random

import numpy as np
import pytest

import tinygrad_edu.__main__ as cli
from tinygrad_edu import Value
from tinygrad_edu.data import make_moons, make_spirals
from tinygrad_edu.nn import MLP, cross_entropy, hinge_loss, mse_loss
from tinygrad_edu.optim import SGD, Adam, LambdaLR, StepLR
from tinygrad_edu.train import History, accuracy, evaluate, fit


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


def test_accuracy_errors():
    with pytest.raises(ValueError, match="2 outputs but 3 targets"):
        accuracy([1.0, -1.0], [1, 0, 1])
    with pytest.raises(ValueError, match="accuracy: no outputs to score"):
        accuracy([], [])


def test_evaluate_builds_no_graph():
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    seen = []
    evaluate(lambda x: seen.append(model(x)) or seen[-1], X, y)
    assert all(out.parents == () for out in seen)  # under no_grad: plain results


# ----------------------------------------------------------------------------- the demo


def test_demo_command_trains_prints_and_writes_a_png_and_an_svg(tmp_path, capsys):
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


def test_demo_refuses_negative_steps(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "--steps", "-1"])
    assert "--steps must be >= 0" in capsys.readouterr().err
