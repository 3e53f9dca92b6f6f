"""micrograd's demo one step at a time, in plain Python: what the site's page "Watch it learn"
runs in the browser.

``python -m tinygrad_edu demo`` trains micrograd's ``MLP(2, [16, 16, 1])`` on 100 moons
points (``demo_data``) with the max-margin loss plus ``L2`` · Σp², by SGD whose learning rate
falls from 1.0 to 0.1 over the steps (``demo_model``, ``demo_optimizer``, the seed 1337 for
the points and the weights), with ``train.fit``, and prints a line per tenth of the steps
(``demo_line``). ``Training`` takes the same steps one at a time, where there is no NumPy
(the page gets the points from the site's build, which makes them with ``demo_data``), with
fit's own arithmetic: each step's loss and accuracy are exactly those of the demo's history
(tests/viz/test_watch.py).

A ``Training`` keeps the graph of its latest step: after ``step()`` the forward and the
backward pass of step k are done, and its update (``w -= lr · w.grad``) waits for the next
``step()``, so that everything shown between two steps belongs together: the loss and the
accuracy, the model's scores over the plane (``scores``: the decision boundary), and one
example's part of the step's graph (``example``: its output and its loss, drawn by its parts,
the layers as boxes, with the data and the gradients of the step; a layer opened on request)
and the replay of that example's backward pass (``replay``). The page's worker calls the
``page_*`` functions, which take and give JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.graph import walk
from tinygrad_edu.nn import MLP, hinge_loss, l2_penalty
from tinygrad_edu.sums import vsum
from tinygrad_edu.training.optim import SGD, LambdaLR
from tinygrad_edu.viz.by_parts import parts
from tinygrad_edu.viz.drawing import draw_dot
from tinygrad_edu.viz.replay import replay_html

__all__ = ["L2", "SEED", "STEPS", "Training", "demo_data", "demo_line", "demo_model",
           "demo_optimizer"]

SEED = 1337
"""The demo's seed, for the points and the weights (``--seed``)."""
STEPS = 100
"""The demo's number of full-batch steps (``--steps``)."""
L2 = 1e-4
"""The weight of the L2 penalty added to the loss."""
LR = 1.0
"""The learning rate of the first step; it falls linearly to 0.1 by the last step."""
GRID = 21
"""The page's decision boundary: the model's score at GRID × GRID points of the plane."""


def demo_data(seed: int = SEED) -> tuple[list[list[float]], list[int]]:
    """The demo's 100 moons points (noise 0.1) and their labels -1 and +1, as lists. Needs
    NumPy (``make_moons``): the site's build makes them for the page."""
    from tinygrad_edu.training.data import make_moons

    X, y = make_moons(100, noise=0.1, seed=seed)
    return X.tolist(), (y * 2 - 1).tolist()


def demo_model(seed: int = SEED) -> MLP:
    """micrograd's model: ``MLP(2, [16, 16, 1])``, 337 parameters, weights from ``seed``."""
    return MLP(2, [16, 16, 1], seed=seed)


def demo_optimizer(model: MLP, steps: int = STEPS) -> tuple[SGD, LambdaLR]:
    """SGD at 1.0, and the schedule that lowers it linearly to 0.1 over ``steps`` steps."""
    optimizer = SGD(model.parameters(), lr=LR)
    last = max(steps, 1)
    return optimizer, LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / last)


def demo_line(k: int, loss: float, accuracy: float) -> str:
    """The line the demo prints for step ``k``: ``'  step   10   loss 0.3128   accuracy
    88.0%'``."""
    return f"  step {k:4d}   loss {loss:.4f}   accuracy {accuracy:6.1%}"


class Training:
    """The demo's training on the points ``X`` and labels ``y`` (-1 or +1), one step at a
    time: ``step()`` takes the update that the previous step computed, then the forward and
    the backward pass of the next; ``k`` is the step shown (-1 before the first), ``loss``,
    ``accuracy`` and ``lr`` hold each step's numbers as ``fit``'s history does."""

    def __init__(self, X: Sequence[Sequence[float]], y: Sequence[int], *, seed: int = SEED,
                 steps: int = STEPS) -> None:
        if len(X) != len(y) or not len(X):
            raise ValueError(f"Training: {len(X)} points but {len(y)} labels")
        self.X = [[float(a) for a in x] for x in X]
        self.y = list(y)
        self.steps = steps
        self.model = demo_model(seed)
        self.parameters = self.model.parameters()
        self.optimizer, self.schedule = demo_optimizer(self.model, steps)
        self.k = -1
        self.loss: list[float] = []
        self.accuracy: list[float] = []
        self.lr: list[float] = []
        self.outputs: list[Any] = []  # this step's score for each point (Values)
        self.losses: list[Any] = []  # and each point's loss, max(0, 1 - y·score)
        self.total: Any = None  # the step's loss: their mean plus the L2 penalty

    @property
    def done(self) -> bool:
        return self.k + 1 >= self.steps

    def step(self) -> int:
        """The next step, as ``fit`` takes it: the previous step's update (``optimizer.step()``,
        then the schedule's), then this step's outputs, loss, ``zero_grad``, ``backward``.
        Returns the step's number."""
        if self.done:
            raise ValueError(f"Training: all {self.steps} steps are taken")
        if self.k >= 0:
            self.optimizer.step()
            self.schedule.step()
        self.k += 1
        self.lr.append(self.optimizer.lr)
        self.outputs = [self.model(x) for x in self.X]
        self.losses = hinge_loss(self.outputs, self.y, reduction="none")  # type: ignore[assignment]
        # hinge_loss's mean (vsum over n), plus the penalty, as fit adds it
        self.total = vsum(self.losses) / len(self.losses) + l2_penalty(self.parameters, L2)
        number = self.total.item()
        if not math.isfinite(number):
            raise FloatingPointError(f"Training: the loss is {number} at step {self.k}")
        self.optimizer.zero_grad()
        self.total.backward()
        n = len(self.X)
        right = sum(1 for out, t in zip(self.outputs, self.y)
                    if out.data == out.data and (out.data > 0) == (t > 0))
        self.loss.append((0.0 + number * n) / n)  # fit's history: the batch's share of n
        self.accuracy.append((0.0 + right / n * n) / n)
        return self.k

    def line(self) -> str:
        """The demo's line for the latest step."""
        return demo_line(self.k, self.loss[-1], self.accuracy[-1])

    def bounds(self) -> tuple[float, float, float, float]:
        """The plane around the points, half a unit beyond them (as the demo's picture)."""
        xs, ys = [x[0] for x in self.X], [x[1] for x in self.X]
        return min(xs) - 0.5, max(xs) + 0.5, min(ys) - 0.5, max(ys) + 0.5

    def scores(self, n: int = GRID) -> list[float]:
        """The model's score at n × n points of ``bounds()``, row by row from the lowest y,
        under ``no_grad`` (no graph: fast). Its sign is the class; 0 is the boundary."""
        x0, x1, y0, y1 = self.bounds()
        with no_grad():
            return [self.model([x0 + (x1 - x0) * i / (n - 1), y0 + (y1 - y0) * j / (n - 1)]).data
                    for j in range(n) for i in range(n)]

    def example(self, i: int, opened: Sequence[str] = ()) -> tuple[Any, dict[str, str]]:
        """Point ``i``'s part of the step's graph (its score and its loss; the weights are
        shared by all points), drawn by its parts (``depth=1``: a box per layer; a layer in
        ``opened`` shows its values), with the data and the gradients of the step; and the
        parts by the DOT names of their boxes (``b0``: ``layers.0``)."""
        root = self._example_root(i)
        drawing = draw_dot(root, depth=1, params=self.parameters, opened=opened,
                           rankdir="LR" if opened else None)  # (a layer's neurons in a column)
        plan = parts([root], walk(root), 1, self.parameters, opened=opened)
        return drawing, {f"b{k}": box.path for k, box in enumerate(plan.boxes)}

    def replay(self, i: int) -> Any:
        """The replay page of point ``i``'s backward pass at this step: its loss sent back
        through the model, every value computed."""
        root = self._example_root(i)
        return replay_html(root, params=self.parameters, forward=False,
                           title=f"Point {i} at step {self.k}: the backward pass of its loss "
                                 f"{root.data:.4g}")

    def _example_root(self, i: int) -> Any:
        if self.k < 0:
            raise ValueError("Training: no step taken yet, so there is no graph to show")
        if not 0 <= i < len(self.X):
            raise IndexError(f"Training: there are {len(self.X)} points, not {i + 1}")
        self.outputs[i].label = "score"
        self.losses[i].label = "loss"
        return self.losses[i]


# ----------------------------------------------------------------------------- the page

_training: list[Training] = []  # the page's one training (a list: no global statement)


def _current() -> Training:
    if not _training:
        raise ValueError("the page has not started a training")
    return _training[0]


def page_start(request: str) -> str:
    """``{"X", "y", "seed", "steps"}``: a new training; answers its model, the plane and the
    scores of the untrained model."""
    args = json.loads(request)
    training = Training(args["X"], args["y"], seed=args.get("seed", SEED),
                        steps=args.get("steps", STEPS))
    _training[:] = [training]
    return json.dumps({"model": repr(training.model), "steps": training.steps,
                       "bounds": training.bounds(), "grid": GRID, "scores": training.scores()})


def page_step(request: str) -> str:
    """``{"example": i or null, "opened": [...]}``: the next step; answers its numbers, the
    demo's line for it, the scores over the plane, the point with the largest loss and
    point i's graph."""
    args = json.loads(request)
    training = _current()
    k = training.step()
    losses = [loss.data for loss in training.losses]
    answer = {"k": k, "loss": training.loss[-1], "accuracy": training.accuracy[-1],
              "lr": training.lr[-1], "line": training.line().strip(), "done": training.done,
              "scores": training.scores(), "worst": losses.index(max(losses))}
    if args.get("example") is not None:
        answer.update(_example_json(training, args["example"], args.get("opened", [])))
    return json.dumps(answer)


def page_example(request: str) -> str:
    """``{"example": i, "opened": [...]}``: point i's graph at the latest step."""
    args = json.loads(request)
    return json.dumps(_example_json(_current(), args["example"], args.get("opened", [])))


def page_replay(request: str) -> str:
    """``{"example": i}``: the replay page of point i's backward pass at the latest step."""
    args = json.loads(request)
    replay = _current().replay(args["example"])
    return json.dumps({"html": replay.html, "steps": replay.steps, "title": replay.title})


def _example_json(training: Training, i: int, opened: Sequence[str]) -> dict[str, Any]:
    drawing, names = training.example(i, opened)
    root = training.losses[i]
    return {"example": i, "svg": drawing.pipe(format="svg", encoding="utf-8"), "parts": names,
            "opened": list(opened), "score": training.outputs[i].data, "label": training.y[i],
            "point": training.X[i], "example_loss": root.data, "example_grad": root.grad}
