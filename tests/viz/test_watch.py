"""tinygrad_edu.viz.watch: micrograd's demo one step at a time, as the page "Watch it learn" runs
it in the browser. Every step's loss and accuracy are exactly those of the demo's ``fit``,
and the lines it shows are the lines the demo prints; it runs without NumPy; the point one
follows is drawn by its parts, a layer opened on request, and its backward pass replayed.
tests/viz/test_live_pages.py runs the page in Chromium."""

import json

import pytest

from tests.test_pure_python import run_without_numpy
from tests.viz.test_replay import requires_renderer
from tinygrad_edu import walk
from tinygrad_edu.viz.by_parts import parts
from tinygrad_edu.viz.watch import (
    L2,
    SEED,
    STEPS,
    Training,
    demo_data,
    demo_line,
    demo_model,
    demo_optimizer,
    page_example,
    page_replay,
    page_start,
    page_step,
)


def fit_history(epochs, steps=STEPS, seed=SEED):
    """The demo's training (python -m tinygrad_edu demo), its first ``epochs`` steps of a
    run of ``steps``: fit with the demo's data, model, optimizer and schedule."""
    from tinygrad_edu.nn import hinge_loss
    from tinygrad_edu.training.fit import fit

    X, y = demo_data(seed)
    model = demo_model(seed)
    optimizer, schedule = demo_optimizer(model, steps)
    return fit(model, X, y, hinge_loss, optimizer, epochs=epochs, l2=L2, scheduler=schedule,
               seed=seed, progress=False)


def test_every_step_has_exactly_the_demos_loss_and_accuracy():
    history = fit_history(12)
    training = Training(*demo_data())
    for _ in range(12):
        training.step()
    assert training.loss == history.loss  # exactly, every one
    assert training.accuracy == history.accuracy and training.lr == history.lr
    assert training.k == 11 and not training.done


@pytest.mark.slow
def test_the_lines_shown_are_the_lines_the_demo_prints(tmp_path, capsys):
    """The demo run as a command, 20 steps: each line it prints is the page's line for that
    step, and its last loss the page's last."""
    pytest.importorskip("matplotlib", reason="the demo draws with matplotlib")
    from tinygrad_edu.__main__ import main

    assert main(["demo", "--steps", "20", "--out", str(tmp_path)]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if "  step " in line]
    training = Training(*demo_data(), steps=20)
    shown = []
    while not training.done:
        training.step()
        shown.append(training.line())
    assert printed == shown[::2] and len(printed) == 10
    assert training.line() == demo_line(19, training.loss[-1], training.accuracy[-1])


def test_the_steps_end_where_the_demos_end():
    training = Training(*demo_data(), steps=2)
    training.step()
    training.step()
    assert training.done
    with pytest.raises(ValueError, match="all 2 steps are taken"):
        training.step()


def test_the_scores_cover_the_plane_around_the_points_and_build_no_graph():
    training = Training(*demo_data())
    x0, x1, y0, y1 = training.bounds()
    assert x0 < min(x for x, _ in training.X) and y1 > max(y for _, y in training.X)
    scores = training.scores(5)
    assert len(scores) == 25
    corner = training.model([x0, y0]).data
    assert scores[0] == corner
    assert scores[-1] == training.model([x0 + (x1 - x0) * 4 / 4, y0 + (y1 - y0) * 4 / 4]).data
    training.step()
    middle = [x0 + (x1 - x0) * 1 / 2, y0 + (y1 - y0) * 1 / 2]
    assert training.scores(3)[4] == training.model(middle).data


@requires_renderer
def test_a_points_graph_is_its_part_of_the_steps_graph_drawn_by_its_layers():
    training = Training(*demo_data())
    with pytest.raises(ValueError, match="no step taken yet"):
        training.example(0)
    training.step()
    drawing, names = training.example(3)
    assert names == {"b0": "layers.0", "b1": "layers.1", "b2": "layers.2"}
    root = training.losses[3]
    assert root in walk(training.total) and root.label == "loss"
    assert root.grad == pytest.approx(1 / 100)  # its share of the step's mean
    assert "layers.1" in drawing.source and "337" not in drawing.source
    assert "48 values · 272 parameters" in drawing.source  # a layer's weights, counted
    # opened: the layer's values one by one, its weights in one box of their own
    opened, names = training.example(3, ["layers.1"])
    assert sorted(names.values()) == ["layers.0", "layers.1: parameters", "layers.2"]
    assert "272 parameters" in opened.source and opened.source.count("relu") >= 17
    with pytest.raises(ValueError, match=r"no part 'layers\.7'"):
        training.example(3, ["layers.7"])


def test_an_opened_part_keeps_its_weights_together_and_the_rest_boxed():
    training = Training(*demo_data())
    training.step()
    root = training.losses[0]
    plan = parts([root], walk(root), 1, training.parameters, opened=["layers.0"])
    kinds = {box.path: (box.kind, len(box.values), len(box.leaves)) for box in plan.boxes}
    assert kinds == {"layers.0: parameters": ("parameters", 0, 48),
                     "layers.1": ("part", 48, 272), "layers.2": ("part", 2, 17)}
    assert sum(1 for node in plan.alone if node.parents) == 48 + 3  # the layer, the loss


def test_opened_needs_depth():
    from tinygrad_edu.viz import draw_dot

    training = Training(*demo_data())
    training.step()
    with pytest.raises(ValueError, match="opened names parts to draw open; it needs depth="):
        draw_dot(training.losses[0], opened=["layers.0"])


@requires_renderer
def test_the_replay_is_the_points_own_backward_pass():
    training = Training(*demo_data())
    training.step()
    i = max(range(100), key=lambda i: training.losses[i].data)
    replay = training.replay(i)
    assert replay.steps > 90 and f"Point {i} at step 0" in replay.title
    assert training.losses[i].grad == pytest.approx(0.01)  # the step's gradients are kept


@requires_renderer
def test_the_page_functions_answer_json():
    X, y = demo_data()
    started = json.loads(page_start(json.dumps({"X": X, "y": y, "seed": SEED, "steps": 3})))
    assert started["model"].startswith("MLP(2 -> 16 -> 16 -> 1, 337 parameters)")
    assert started["steps"] == 3 and len(started["scores"]) == started["grid"] ** 2
    first = json.loads(page_step(json.dumps({"example": None})))
    assert first["line"] == "step    0   loss 0.8958   accuracy  50.0%"
    assert first["k"] == 0 and "svg" not in first and 0 <= first["worst"] < 100
    second = json.loads(page_step(json.dumps({"example": 7, "opened": ["layers.2"]})))
    assert second["k"] == 1 and "<svg" in second["svg"]
    assert second["parts"]["b0"] == "layers.0" and second["opened"] == ["layers.2"]
    shown = json.loads(page_example(json.dumps({"example": 7})))
    assert shown["point"] == X[7] and shown["label"] == y[7]
    replay = json.loads(page_replay(json.dumps({"example": 7})))
    assert replay["html"].startswith("<!DOCTYPE html>") and replay["steps"] > 90
    assert json.loads(page_step("{}"))["done"]


def test_it_runs_without_numpy_given_the_points():
    """The browser's Python has no NumPy: given the points (the site's build makes them),
    the training, the scores and a point's drawing need none."""
    X, y = demo_data()
    out = run_without_numpy(f"""
        from tinygrad_edu.viz.watch import Training
        training = Training({X!r}, {y!r})
        for _ in range(3):
            training.step()
        print(training.line())
        print(len(training.scores()))
        print(training.example(0)[0].source[:7])
        print("tried", tried)
    """)
    assert out.splitlines() == ["  step    2   loss 0.7429   accuracy  77.0%", "441", "digraph",
                                "tried []"]
