"""A training loop with a progress bar, for when you have written it by hand often enough.

``fit`` runs the loop every PyTorch program has: forward, loss, ``zero_grad``, ``backward``,
``step``, and records the loss and accuracy of every epoch::

    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y * 2 - 1, hinge_loss, SGD(model.parameters(), lr=0.5),
                  epochs=100, l2=1e-4)
    history.accuracy[-1]
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu.data import DataLoader
from tinygrad_edu.engine import Value, number_of
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.functional import l2_penalty
from tinygrad_edu.nn.modules import Module
from tinygrad_edu.optim import LRScheduler, Optimizer, clip_grad_norm


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the steps were too large (or the data holds NaN).

    Raised by ``fit`` before that step's update; ``epoch``, ``step``, ``loss`` and ``lr``
    say where it happened."""

    def __init__(self, loss: float, epoch: int, step: int, lr: float, advice: str) -> None:
        self.loss, self.epoch, self.step, self.lr = loss, epoch, step, lr
        super().__init__(f"training diverged: the loss is {loss} at epoch {epoch}, step {step} "
                         f"(learning rate {lr:g}); {advice}")


def accuracy(outputs: Sequence[Any], targets: Sequence[Any]) -> float:
    """The fraction of samples classified right.

    A single score per sample (a number, or a list of one such as a ``Layer`` returns) is a
    binary classifier: it says "positive" when the score is > 0, and targets may be 0/1 or
    -1/+1. A list of scores per sample says the class with the largest score (the first one
    on a tie), and targets are class indices. A NaN score is never a right prediction."""
    if len(outputs) != len(targets):
        raise ValueError(f"accuracy: {len(outputs)} outputs but {len(targets)} targets")
    if len(outputs) == 0:
        raise ValueError("accuracy: no outputs to score (the accuracy of nothing is undefined)")
    correct = 0
    for i, (out, t) in enumerate(zip(outputs, targets)):
        if t != t:  # NaN: no prediction can match it (and NaN > 0 would say "negative")
            raise ValueError(f"accuracy: target {i} is NaN; targets are labels or classes")
        one = isinstance(out, (Value, numbers.Real))
        scores = [number_of(out)] if one else [number_of(s) for s in out]
        if any(math.isnan(s) for s in scores):
            continue  # (NaN > 0 is False: it would pass for a right "negative")
        if len(scores) == 1:
            correct += (scores[0] > 0) == (t > 0)
        else:
            correct += scores.index(max(scores)) == t
    return correct / len(outputs)


@dataclass
class History:
    """What ``fit`` saw, one entry per epoch: the mean loss over the epoch's batches (L2
    penalty included), the training accuracy of the predictions made during the epoch
    (before each update, as micrograd prints it) and the learning rate used."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        text = f"History({len(self.loss)} epochs, final loss {self.loss[-1]:.4g}"
        if self.accuracy:
            text += f", final accuracy {self.accuracy[-1]:.1%}"
        return text + ")"


def _as_rows(data: Any) -> list[Any]:
    """NumPy arrays become lists of Python numbers once, which makes every step faster."""
    return data.tolist() if hasattr(data, "tolist") else list(data)


def _quiet_log() -> bool:
    """In CI logs (no terminal), a redrawn bar would print a line per update."""
    return bool(os.environ.get("CI")) and not sys.stderr.isatty()


def fit(
    model: Module | Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    loss_fn: Callable[[list[Any], Sequence[Any]], Value],
    optimizer: Optimizer,
    *,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    scheduler: LRScheduler | None = None,
    clip_grad: float | None = None,
    metric: Callable[[Sequence[Any], Sequence[Any]], float] | None = accuracy,
    seed: int | None = None,
    progress: bool = True,
    desc: str = "training",
) -> History:
    """Train ``model`` on ``(X, y)`` and return the ``History`` of loss and accuracy.

    Each step: outputs = [model(x) for x in batch], loss = ``loss_fn(outputs, targets)``
    (+ ``l2 · Σ p²`` if ``l2``), ``optimizer.zero_grad()``, ``loss.backward()``, optional
    ``clip_grad_norm`` to ``clip_grad``, ``optimizer.step()``. ``batch_size=None`` trains on
    the whole set each step (full batch), 1 is SGD, anything else mini-batches, reshuffled
    every epoch (reproducibly with ``seed``). ``scheduler.step()`` runs after every epoch.
    ``metric`` (default ``accuracy``; None for regression) scores the outputs.

    If the loss becomes NaN or infinite, ``fit`` stops before that step's update and raises
    ``TrainingDiverged`` naming the epoch and step: lower the learning rate or set
    ``clip_grad``. The progress bar is tqdm's (a widget in Jupyter); ``progress=False`` turns
    it off.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    _check_number("l2", l2, ">= 0", lambda x: x >= 0)
    if clip_grad is not None:
        _check_number("clip_grad", clip_grad, "> 0 (or None)", lambda x: x > 0)
    from tqdm.auto import tqdm

    X, y = _as_rows(X), _as_rows(y)
    _check_finite("X", X)
    _check_finite("y", y)
    loader = DataLoader(X, y, batch_size, seed=seed)
    parameters = model.parameters() if isinstance(model, Module) else list(optimizer.params)
    history = History()
    bar = tqdm(range(epochs), desc=desc, disable=not progress, unit="epoch",
               mininterval=60.0 if _quiet_log() else 0.1)
    for epoch in bar:
        lr = optimizer.lr
        total_loss = correct = 0.0
        for step, (Xb, yb) in enumerate(loader):
            try:
                outputs = [model(x) for x in Xb]
                loss = loss_fn(outputs, yb)
                if l2:
                    loss = loss + l2_penalty(parameters, l2)
                number = number_of(loss)
            except OverflowError:  # e.g. x ** 2 of a float above 1e154
                number = math.inf
            if not math.isfinite(number):
                bar.close()
                raise TrainingDiverged(number, epoch + 1, step + 1, lr, "use a smaller learning "
                                       "rate, or clip the gradients with fit(..., clip_grad=1.0)")
            optimizer.zero_grad()
            loss.backward()
            if clip_grad is not None:
                clip_grad_norm(parameters, clip_grad)
            optimizer.step()
            total_loss += number * len(Xb)
            if metric is not None:
                correct += metric(outputs, yb) * len(Xb)
        n = len(loader.X)
        history.loss.append(total_loss / n)
        history.lr.append(lr)
        postfix = {"loss": f"{total_loss / n:.4f}"}
        if metric is not None:
            history.accuracy.append(correct / n)
            postfix["acc"] = f"{correct / n:.1%}"
        bar.set_postfix(postfix, refresh=False)
        if scheduler is not None:
            scheduler.step()
    bar.close()
    return history


def _check_number(name: str, x: Any, rule: str, ok: Callable[[float], bool]) -> None:
    """A ValueError naming ``fit``'s argument unless ``x`` is a finite number with ``ok(x)``."""
    if (isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x)
            or not ok(x)):
        raise ValueError(f"fit: {name} must be a finite number {rule}, got {x!r}")


def _check_finite(name: str, rows: list[Any]) -> None:
    """A ValueError naming the first row of ``X`` or ``y`` that holds NaN or inf. Rows that
    are not plain numbers (ragged, or Values) are left to the loss check."""
    try:
        array = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):
        return
    bad = ~np.isfinite(array)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"fit: {name} holds NaN or inf: row {row} is {rows[row]!r}; remove "
                         "or fix such rows before training")


def evaluate(
    model: Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    metric: Callable[[Sequence[Any], Sequence[Any]], float] = accuracy,
) -> float:
    """``metric`` (accuracy by default) of the model's outputs on ``(X, y)``, computed under
    ``no_grad`` (no graph is built, so it is fast)."""
    with no_grad():
        outputs = [model(x) for x in _as_rows(X)]
    return metric(outputs, _as_rows(y))
