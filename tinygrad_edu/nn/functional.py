"""Softmax, log-softmax, logsumexp and the loss functions, on lists of ``Value``s.

Everything here is written with the engine's own operations (``exp``, ``log``, ``vsum``,
``relu``, ...), never as a new primitive, so the gradients come from rules that are already
checked, and second derivatives work too. Two habits keep them stable for any input:

- **Shift before exponentiating.** softmax(x) = softmax(x - m) for any constant m; with
  m = max(x) every exp() is at most 1, so logits of ±1000 are fine. The shift is a plain
  number, not a Value: the gradient does not flow through it (and does not need to).
- **Never take log of a probability you computed.** ``cross_entropy`` works on logits:
  -log softmax(z)[t] = logsumexp(z) - z[t], whose gradient is softmax(z) - onehot(t).

Losses take one sample or a batch. ``reduction`` is ``'mean'`` (default), ``'sum'`` or
``'none'`` (a list with one loss per sample), as in PyTorch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from tinygrad_edu.engine import Value, exp, log, relu
from tinygrad_edu.errors import DomainError
from tinygrad_edu.sums import dot, vsum

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "hinge_loss",
    "l2_penalty", "log_softmax", "logsumexp", "mse_loss", "softmax",
]


def number_of(x: Any) -> Any:
    """The number in a Value (its ``.data``: a tool that watches the numbers code reads, as a
    capture does, sees this one), or a plain number as it is."""
    return x.data if isinstance(x, Value) else x

Scalar = Any  # a Value or a plain number


def _list(xs: Iterable[Scalar], name: str) -> list[Scalar]:
    xs = list(xs)
    if not xs:
        raise ValueError(f"{name}: got an empty list; it needs at least one value")
    return xs


def logsumexp(xs: Iterable[Scalar]) -> Value:
    """log Σ exp(xᵢ), computed as m + log Σ exp(xᵢ - m) with m = max(x) so nothing overflows.
    Its gradient is softmax(x). (m is the largest *finite* entry, so that an entry of inf
    gives inf and one of -inf adds nothing, as in PyTorch.)"""
    xs = _list(xs, "logsumexp")
    values = [number_of(x) for x in xs]
    if all(v == -math.inf for v in values):
        raise DomainError("logsumexp: every input is -inf, so the result is log(0) = -inf and "
                          "its gradient is undefined; scores that are all -inf usually mean a "
                          "model that has diverged")
    m = max((v for v in values if abs(v) < math.inf), default=0.0)  # (NaN is not < inf)
    return m + log(vsum(exp(x - m) for x in xs))


def softmax(xs: Iterable[Scalar]) -> list[Value]:
    """exp(xᵢ) / Σ exp(xⱼ): turns scores into probabilities that add up to 1. Shifted by the
    largest score first, so that large scores do not overflow."""
    xs = _list(xs, "softmax")
    m = max(number_of(x) for x in xs)
    es = [exp(x - m) for x in xs]
    total = vsum(es)
    return [e / total for e in es]


def log_softmax(xs: Iterable[Scalar]) -> list[Value]:
    """log softmax(x)ᵢ = xᵢ - logsumexp(x), without ever computing a tiny probability."""
    xs = _list(xs, "log_softmax")
    lse = logsumexp(xs)
    return [x - lse for x in xs]


# ----------------------------------------------------------------------------- losses


def _reduce(losses: list[Value], reduction: str, name: str) -> Value | list[Value]:
    if reduction == "mean":
        return vsum(losses) / len(losses)
    if reduction == "sum":
        return vsum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, numbers.Real))


TENSOR_LOSSES = ("cross_entropy", "mse_loss", "l2_penalty")  # tinygrad_edu.tensor has these


def _not_a_tensor(x: Any, name: str) -> None:
    """A TypeError that says where the tensor engine's loss is, for a Tensor given here."""
    if hasattr(x, "parents") and hasattr(getattr(x, "data", None), "shape"):
        where = (f"use tinygrad_edu.tensor.{name} (from tinygrad_edu.tensor import {name})"
                 if name in TENSOR_LOSSES else
                 f"the tensor engine has no {name}: write it with the Tensor's own ops")
        raise TypeError(f"{name}: got a Tensor, but tinygrad_edu.nn.{name} is the scalar "
                        f"engine's, on Values (one per number); for Tensors {where}")


def _pairs(pred: Any, target: Any, name: str) -> tuple[list[Any], list[Any], bool]:
    """(predictions, targets, single) as two equally long flat lists; ``single`` tells
    that one scalar prediction was given. Accepts scalars, lists, and lists of lists."""
    _not_a_tensor(pred, name)
    if _is_scalar(pred):
        if not _is_scalar(target):
            raise ValueError(f"{name}: one prediction but target is {target!r}")
        return [pred], [target], True
    pred, target = list(pred), list(target) if not _is_scalar(target) else [target]
    if len(pred) != len(target):
        raise ValueError(
            f"{name}: {len(pred)} predictions but {len(target)} targets; they must match"
        )
    if not pred:
        raise ValueError(f"{name}: got no predictions")
    if not _is_scalar(pred[0]):  # a batch of multi-output predictions
        flat_p, flat_t = [], []
        for p, t in zip(pred, target):
            ps, ts, _ = _pairs(p, t, name)
            flat_p += ps
            flat_t += ts
        return flat_p, flat_t, False
    return pred, target, False


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Value | list[Value]:
    """Mean squared error, (pred - target)² averaged over every number. Gradient with
    respect to each prediction: 2(pred - target)/n."""
    preds, targets, single = _pairs(pred, target, "mse_loss")
    losses = [(p - t) ** 2 for p, t in zip(preds, targets)]
    return losses[0] if single else _reduce(losses, reduction, "mse_loss")


def _check_label(y: Any, allowed: str, name: str, hint: str) -> None:
    ok = 0 <= number_of(y) <= 1 if allowed == "[0, 1]" else abs(number_of(y)) == 1
    if not ok:
        raise ValueError(f"{name}: target {number_of(y)!r} is not in {allowed}; {hint}")


def _bce_with_logit(z: Scalar, y: Scalar) -> Value:
    # -[y·log σ(z) + (1-y)·log(1 - σ(z))] = log(1 + e^z) - y·z. Written so that exp() only
    # ever sees -|z|, branching on the number: both branches are the same smooth function,
    # so the gradient σ(z) - y is exact everywhere, z = 0 included.
    if number_of(z) >= 0:
        return z * (1 - y) + log(1 + exp(-z))
    return log(1 + exp(z)) - z * y


def binary_cross_entropy_with_logits(
    logits: Any, target: Any, reduction: str = "mean"
) -> Value | list[Value]:
    """Binary cross-entropy of raw scores (logits) against targets in [0, 1], as
    ``torch.nn.functional.binary_cross_entropy_with_logits``: the sigmoid is built in, in a
    form that is stable for any logit. Gradient with respect to each logit: σ(z) - y."""
    name = "binary_cross_entropy_with_logits"
    zs, ys, single = _pairs(logits, target, name)
    for y in ys:
        _check_label(y, "[0, 1]", name, "labels -1/+1 become 0/1 with (y + 1) / 2")
    losses = [_bce_with_logit(z, y) for z, y in zip(zs, ys)]
    return losses[0] if single else _reduce(losses, reduction, name)


_LOG_FLOOR = -100.0  # PyTorch clamps each log in binary_cross_entropy at -100


def _clamped_log(p: Scalar) -> Scalar:
    return log(p) if number_of(p) > math.exp(_LOG_FLOOR) else _LOG_FLOOR


def binary_cross_entropy(probs: Any, target: Any, reduction: str = "mean") -> Value | list[Value]:
    """Binary cross-entropy of probabilities p (e.g. sigmoid outputs) against targets in
    [0, 1]: -[y·log p + (1-y)·log(1-p)], each log clamped at -100 as in PyTorch. Prefer
    ``binary_cross_entropy_with_logits`` on raw scores: it is exact where p rounds to 0 or 1."""
    name = "binary_cross_entropy"
    ps, ys, single = _pairs(probs, target, name)
    for p, y in zip(ps, ys):
        _check_label(y, "[0, 1]", name, "labels -1/+1 become 0/1 with (y + 1) / 2")
        if not 0 <= number_of(p) <= 1:
            raise ValueError(
                f"{name}: prediction {number_of(p)!r} is not a probability in [0, 1]; pass sigmoid "
                "outputs, or raw scores to binary_cross_entropy_with_logits"
            )
    losses = [_as_value(-(y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p)))
              for p, y in zip(ps, ys)]
    return losses[0] if single else _reduce(losses, reduction, name)


def _as_value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _class_index(t: Any, n: int, name: str) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"{name}: the target must be a class index (an int), got {t!r}")
    if not 0 <= int(t) < n:
        raise IndexError(f"{name}: target class {t} is out of range for {n} logits")
    return int(t)


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Value | list[Value]:
    """Cross-entropy of raw scores against the index of the true class, as
    ``torch.nn.functional.cross_entropy``: -log softmax(z)[t] = logsumexp(z) - z[t].

    ``logits`` is one list of scores with ``target`` an int, or a batch (a list of such
    lists) with a list of ints. Gradient with respect to the logits: softmax(z) - onehot(t),
    which in matrix form is dZ = A - Y."""
    _not_a_tensor(logits, "cross_entropy")
    rows = _list(logits, "cross_entropy")
    if _is_scalar(rows[0]):  # one sample: a list of scores
        return logsumexp(rows) - rows[_class_index(target, len(rows), "cross_entropy")]
    batch, targets = rows, list(target)
    if len(batch) != len(targets):
        raise ValueError(
            f"cross_entropy: {len(batch)} rows of logits but {len(targets)} targets"
        )
    losses = [logsumexp(z) - z[_class_index(t, len(z), "cross_entropy")]
              for z, t in zip(batch, targets)]
    return _reduce(losses, reduction, "cross_entropy")


def hinge_loss(
    scores: Any, target: Any, margin: float = 1.0, reduction: str = "mean"
) -> Value | list[Value]:
    """The max-margin (SVM) loss max(0, margin - y·s) for labels y = -1 or +1: zero once a
    score is on the right side by at least the margin. micrograd's demo loss."""
    ss, ys, single = _pairs(scores, target, "hinge_loss")
    for y in ys:
        _check_label(y, "{-1, +1}", "hinge_loss", "labels 0/1 become -1/+1 with y*2 - 1")
    losses = [relu(margin - y * s) for s, y in zip(ss, ys)]
    return losses[0] if single else _reduce(losses, reduction, "hinge_loss")


def l2_penalty(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """alpha · Σ p²: an L2 penalty that pulls weights towards 0 (its gradient is 2·alpha·p).
    One ``dot`` node of the parameters with themselves."""
    ps = list(parameters)
    return alpha * dot(ps, ps)

