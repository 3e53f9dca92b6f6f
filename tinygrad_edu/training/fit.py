"""A training loop with a progress bar, for when you have written it by hand often enough.

``fit`` runs the loop every PyTorch program has: forward, loss, ``zero_grad``, ``backward``,
``step``, and records the loss and accuracy of every epoch. The same ``fit`` trains a model
of either engine: a scalar model sees one sample at a time (``[model(x) for x in batch]``),
a tensor model the whole batch at once (``model(batch)``)::

    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y * 2 - 1, hinge_loss, SGD(model.parameters(), lr=0.5),
                  epochs=100, l2=1e-4)
    history.accuracy[-1]

A scalar model trains on lists of numbers where NumPy is not installed (in a browser): the
batches are the same as with NumPy for the same seed (see ``loader.py``), and so are the
numbers.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tinygrad_edu.arrays import is_array, is_tensor
from tinygrad_edu.engine import Value
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn import functional as scalar_functional
from tinygrad_edu.nn.module import Module
from tinygrad_edu.training.loader import DataLoader
from tinygrad_edu.training.optim import LRScheduler, Optimizer, clip_grad_norm

if TYPE_CHECKING:
    import numpy as np

__all__ = ["History", "TrainingDiverged", "accuracy", "evaluate", "fit"]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the steps were too large (or the data holds NaN).

    Raised by ``fit`` before that step's update; ``epoch``, ``step``, ``loss`` and ``lr``
    say where it happened."""

    def __init__(self, loss: float, epoch: int, step: int, lr: float, advice: str,
                 reason: str = "") -> None:
        self.loss, self.epoch, self.step, self.lr = loss, epoch, step, lr
        self.reason, self.advice = reason or f"the loss is {loss}", advice
        where = f"at epoch {epoch}, step {step} (learning rate {lr:g})"
        super().__init__(f"training diverged at {where}: {reason}; {advice}" if reason else
                         f"training diverged: the loss is {loss} {where}; {advice}")


def accuracy(outputs: Any, targets: Sequence[Any]) -> float:
    """The fraction of samples classified right.

    ``outputs`` holds one row of scores per sample: a list (of Values or numbers, a single
    Value per sample too) or a Tensor (N×C). A single score per sample is a binary
    classifier: it says "positive" when the score is > 0, and targets may be 0/1 or -1/+1.
    Several scores per sample say the class with the largest score (the first one on a tie),
    and targets are class indices. A NaN score is never a right prediction."""
    if len(outputs) == 0:
        raise ValueError("accuracy: no outputs to score (the accuracy of nothing is undefined)")
    if not any(is_tensor(x) or is_array(x) for x in (outputs, targets)):
        return _accuracy_of_lists(_score_lists(outputs), list(_flat(targets)))
    import numpy as np  # an array or a Tensor exists, so NumPy is imported already

    scores = _score_rows(outputs)
    truth = np.asarray(targets, dtype=np.float64).reshape(-1)
    if len(scores) != len(truth):
        raise ValueError(f"accuracy: {len(scores)} outputs but {len(truth)} targets")
    if np.isnan(truth).any():  # no prediction can match it (and NaN > 0 would say "negative")
        i = int(np.argmax(np.isnan(truth)))
        raise ValueError(f"accuracy: target {i} is NaN; targets are labels or classes")
    valid = ~np.isnan(scores).any(axis=1)  # (NaN > 0 is False: it would pass as "negative")
    if scores.shape[1] == 1:
        right = (scores[:, 0] > 0) == (truth > 0)
    else:
        right = scores.argmax(axis=1) == truth
    return float(np.count_nonzero(right & valid) / len(scores))


def _accuracy_of_lists(scores: list[list[float]], targets: list[Any]) -> float:
    """``accuracy`` of lists, in Python: the same as the NumPy code above, row by row."""
    truth = [float(t) for t in targets]
    if len(scores) != len(truth):
        raise ValueError(f"accuracy: {len(scores)} outputs but {len(truth)} targets")
    for i, t in enumerate(truth):
        if math.isnan(t):
            raise ValueError(f"accuracy: target {i} is NaN; targets are labels or classes")
    right = 0
    for row, t in zip(scores, truth):
        if any(math.isnan(s) for s in row):
            continue
        if len(row) == 1:
            right += (row[0] > 0) == (t > 0)
        else:  # max keeps the first of equal scores, as argmax does
            right += max(range(len(row)), key=row.__getitem__) == t
    return right / len(scores)


def _flat(items: Iterable[Any]) -> Iterable[Any]:
    """The entries of nested lists and tuples, in order (NumPy's ``reshape(-1)``)."""
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def _score_rows(outputs: Any) -> np.ndarray:
    """The outputs as an array with one row of scores per sample."""
    import numpy as np

    if is_tensor(outputs):
        array = outputs.data
        return array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1)
    return np.asarray(_score_lists(outputs), dtype=np.float64).reshape(len(outputs), -1)


def _score_lists(outputs: Any) -> list[list[float]]:
    """The outputs as a list with one list of scores per sample."""
    rows = [[_score(out)] if isinstance(out, (Value, numbers.Real)) else
            [_score(s) for s in out] for out in outputs]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("accuracy: every sample needs the same number of scores")
    return rows


def _score(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


@dataclass
class History:
    """What ``fit`` saw, one entry per epoch: the mean loss over the epoch's batches (L2
    penalty included), the training accuracy of the predictions made during the epoch
    (before each update, as micrograd prints it) and the learning rate used."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    programs: int = 0  # with fit(compile=True): how many times the step was captured

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        text = f"History({len(self.loss)} epochs, final loss {self.loss[-1]:.4g}"
        if self.accuracy:
            text += f", final accuracy {self.accuracy[-1]:.1%}"
        return text + ")"


def quiet_progress() -> bool:
    """True in CI logs (no terminal), where a redrawn progress bar would print a line per
    update: bars then update once a minute."""
    return bool(os.environ.get("CI")) and not sys.stderr.isatty()


def fit(
    model: Module | Callable[[Any], Any],
    X: Any,
    y: Any,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Optimizer,
    *,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    scheduler: LRScheduler | None = None,
    clip_grad: float | None = None,
    metric: Callable[[Any, Any], float] | None = accuracy,
    seed: int | None = None,
    progress: bool = True,
    desc: str = "training",
    on_epoch: Callable[[int, History], None] | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` and return the ``History`` of loss and accuracy.

    Each step: the outputs for a batch, loss = ``loss_fn(outputs, targets)`` (+ ``l2 · Σ p²``
    if ``l2``), ``optimizer.zero_grad()``, ``loss.backward()``, optional ``clip_grad_norm``
    to ``clip_grad``, ``optimizer.step()``. A scalar model gives ``[model(x) for x in
    batch]``, a tensor model ``model(batch)``. ``batch_size=None`` trains on the whole set
    each step (full batch, in a fixed order), 1 is SGD, anything else mini-batches,
    reshuffled every epoch (reproducibly with ``seed``). After every epoch
    ``scheduler.step()`` runs, then ``on_epoch(epoch, history)`` (epochs count from 1).
    ``metric`` (default ``accuracy``; None for regression) scores the outputs.

    If the loss becomes NaN or infinite, ``fit`` stops before that step's update and raises
    ``TrainingDiverged`` naming the epoch and step: lower the learning rate or set
    ``clip_grad``. The progress bar (tqdm's; a widget in Jupyter) counts the steps;
    ``progress=False`` turns it off.

    ``compile=True`` (a scalar model) runs each step as a program: the step's graph is
    captured once per shape of batch (``tinygrad_edu.program.compile``) and then run with each
    batch's numbers, giving the very same numbers, faster; ``history.programs`` says how
    many times it was captured.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    _check_number("l2", l2, ">= 0", lambda x: x >= 0)
    if clip_grad is not None:
        _check_number("clip_grad", clip_grad, "> 0 (or None)", lambda x: x > 0)
    parameters = model.parameters() if isinstance(model, Module) else list(optimizer.params)
    batched = any(map(is_tensor, parameters))  # a tensor model: whole batches
    if batched:
        import numpy as np  # a Tensor exists, so NumPy is imported already

        X, y = np.asarray(X), np.asarray(y)
    else:  # plain Python numbers make every scalar step faster
        X, y = _as_rows(X), _as_rows(y)
    _check_finite("X", X)
    _check_finite("y", y)
    loader = DataLoader(X, y, batch_size, shuffle=batch_size is not None, seed=seed)
    # the engine's own penalty: a scalar model's is one dot node of every weight; a tensor
    # model's, a Tensor's method (this module, shared by both engines, imports neither)
    penalty: Callable[..., Any] = (next(filter(is_tensor, parameters)).l2_penalty if batched
                                   else scalar_functional.l2_penalty)
    history = History()
    run_step = _step_function(model, loss_fn, l2, penalty, parameters, batched)
    if compile:
        if batched:
            raise ValueError("fit(compile=True) runs a scalar model's steps as a program; a "
                             "tensor model's steps are NumPy's already: leave compile out")
        from tinygrad_edu.program.capture import compile as capture

        run_step = capture(run_step)
    bar: Any = _progress_bar(epochs * len(loader), desc) if progress else _NoBar()
    for epoch in range(1, epochs + 1):
        lr = optimizer.lr
        total_loss = correct = 0.0
        for step, (Xb, yb) in enumerate(loader, start=1):
            with _quiet():  # NaN and inf: checked below
                try:
                    loss, outputs = run_step(Xb, yb)
                    number = loss.item()
                except OverflowError:  # e.g. x ** 2 of a float above 1e154
                    number = math.inf
            if not math.isfinite(number):
                bar.close()
                raise TrainingDiverged(number, epoch, step, lr, _ADVICE)
            optimizer.zero_grad()
            loss.backward()
            if clip_grad is not None:
                clip_grad_norm(parameters, clip_grad)
            try:
                optimizer.step()
            except FloatingPointError as error:  # Adam's squared gradients overflowed
                bar.close()
                raise TrainingDiverged(number, epoch, step, lr, _ADVICE, str(error)) from None
            total_loss += number * len(Xb)
            if metric is not None:
                correct += metric(_numbers(outputs) if compile else outputs, yb) * len(Xb)
            bar.update()
            if progress:
                bar.set_postfix(epoch=epoch, loss=f"{number:.4f}", refresh=False)
        n = len(loader.X)
        history.loss.append(total_loss / n)
        history.lr.append(lr)
        if metric is not None:
            history.accuracy.append(correct / n)
        if scheduler is not None:
            scheduler.step()
        if on_epoch is not None:
            on_epoch(epoch, history)
    bar.close()
    if compile:
        history.programs = run_step.captures  # type: ignore[attr-defined]
    return history


def _step_function(model: Any, loss_fn: Callable[[Any, Any], Any], l2: float,
                   penalty: Callable[..., Any], parameters: list[Any], batched: bool
                   ) -> Callable[[Any, Any], tuple[Any, Any]]:
    """One step's forward pass: the loss (with the L2 penalty) and the outputs."""
    def step(Xb: Any, yb: Any) -> tuple[Any, Any]:
        outputs = model(Xb) if batched else [model(x) for x in Xb]
        loss = loss_fn(outputs, yb)
        if l2:
            loss = loss + penalty(parameters, l2)
        return loss, outputs

    return step


def _numbers(outputs: Any) -> Any:
    """A program's outputs (numbers that stand for Values) as plain numbers."""
    if isinstance(outputs, (list, tuple)):
        return [_numbers(x) for x in outputs]
    return float(outputs)


def _quiet() -> Any:
    """Where NumPy is imported (a tensor model), its warnings of overflow and NaN turned off
    for a step: the loss is checked after it. Nothing else (plain Python numbers raise or
    give inf and NaN themselves)."""
    np = sys.modules.get("numpy")
    return np.errstate(over="ignore", invalid="ignore") if np else contextlib.nullcontext()


def _progress_bar(total: int, desc: str) -> Any:
    """tqdm's bar (a widget in Jupyter), imported only when wanted: the import takes 50 ms.
    Where tqdm is not installed (in a browser, where the scalar engine runs without it), no
    bar."""
    try:
        from tqdm.auto import tqdm
    except ModuleNotFoundError as missing:
        if missing.name != "tqdm":
            raise
        return _NoBar()
    return tqdm(total=total, desc=desc, unit="step",
                mininterval=60.0 if quiet_progress() else 0.1)


class _NoBar:
    """What ``fit(progress=False)`` updates instead of a bar: nothing."""

    def update(self) -> None: ...
    def set_postfix(self, **numbers: Any) -> None: ...
    def close(self) -> None: ...


_ADVICE = "use a smaller learning rate, or clip the gradients with fit(..., clip_grad=1.0)"


def _as_rows(data: Any) -> list[Any]:
    """NumPy arrays become lists of Python numbers once, which makes every step faster."""
    return data.tolist() if hasattr(data, "tolist") else list(data)


def _check_number(name: str, x: Any, rule: str, ok: Callable[[float], bool]) -> None:
    """A ValueError naming ``fit``'s argument unless ``x`` is a finite number with ``ok(x)``."""
    if (isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x))
            or not ok(float(x))):
        raise ValueError(f"fit: {name} must be a finite number {rule}, got {x!r}")


def _check_finite(name: str, rows: Any) -> None:
    """A ValueError naming the first row of ``X`` or ``y`` that holds NaN or inf. Entries
    that are not plain numbers (Values, say) are left to the loss check."""
    row = _first_not_finite(rows) if is_array(rows) else next(
        (i for i, entries in enumerate(rows) if not all(
            math.isfinite(x) for x in _flat([entries])
            if isinstance(x, numbers.Real) and not isinstance(x, Value))), None)
    if row is not None:
        raise ValueError(f"fit: {name} holds NaN or inf: row {row} is {rows[row]!r}; remove "
                         "or fix such rows before training")


def _first_not_finite(rows: np.ndarray) -> int | None:
    """The first row of an array that holds NaN or inf, or None."""
    import numpy as np

    if rows.dtype.kind in "iub":
        return None  # whole numbers are always finite
    if rows.dtype.kind == "f":
        array = rows  # checked as it is: a copy in float64 of 60000 images takes a second
    else:
        try:
            array = np.asarray(rows, dtype=np.float64)
        except (TypeError, ValueError):
            return None
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(float(np.sum(array, dtype=np.float64))):
            return None  # one pass, no copy: a NaN or an inf would have made the sum one
    bad = ~np.isfinite(array)
    if not bad.any():
        return None  # finite entries whose sum overflowed
    return int(np.argwhere(bad)[0][0])


def evaluate(
    model: Callable[[Any], Any],
    X: Any,
    y: Any,
    metric: Callable[[Any, Any], float] = accuracy,
) -> float:
    """``metric`` (accuracy by default) of the model's outputs on ``(X, y)``, computed under
    ``no_grad`` (no graph is built, so it is fast). A tensor model gets the whole of ``X``."""
    parameters = model.parameters() if isinstance(model, Module) else []
    with no_grad():
        if any(map(is_tensor, parameters)):
            import numpy as np  # a Tensor exists, so NumPy is imported already

            return metric(model(np.asarray(X)), np.asarray(y))
        outputs = [model(x) for x in _as_rows(X)]
    return metric(outputs, _as_rows(y))
