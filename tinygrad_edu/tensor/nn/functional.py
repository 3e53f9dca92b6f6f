"""Softmax, log-softmax and the losses, on Tensors: the tensor half of
``tinygrad_edu.nn.functional``.

``softmax`` and ``log_softmax`` are ops of the engine (one node each, along an axis).
``cross_entropy`` is one fused node whose gradient is dZ = A − Y (softmax minus one-hot),
divided by the batch size for the mean; ``mse_loss`` and ``l2_penalty`` are written with the
engine's ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.tensor.engine import ArrayLike, Tensor, log_softmax, softmax
from tinygrad_edu.tensor.making import node
from tinygrad_edu.tensor.registry import register, row
from tinygrad_edu.tensor.safe_math import log_softmax as log_softmax_array
from tinygrad_edu.tensor.safe_math import real_array, shape_str

__all__ = ["cross_entropy", "l2_penalty", "log_softmax", "mse_loss", "softmax"]


def cross_entropy(logits: Tensor, targets: ArrayLike, reduction: str = "mean") -> Tensor:
    """The mean over the batch of -log softmax(logits)[target], as one fused node
    (``reduction="sum"``: the sum, as ``torch.nn.functional.cross_entropy``).

    ``logits`` has shape (N×C); ``targets`` holds N class indices in [0, C), or is an (N×C)
    array of target probabilities (e.g. one-hot rows Y). Its gradient with respect to the
    logits is ``dZ = A - Y`` (softmax minus one-hot), divided by N for the mean.
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy: logits must be a Tensor, got {type(logits).__name__}")
    z = logits._data
    if z.ndim != 2:
        raise ValueError(
            f"cross_entropy: logits must have shape (N×C), got {shape_str(z.shape)}; "
            "reshape a single sample with .reshape(1, -1)"
        )
    n, c = z.shape
    if n == 0:
        raise ValueError(f"cross_entropy: the batch is empty {shape_str(z.shape)}, and the mean "
                         "loss over no samples is undefined; skip empty batches")
    target = np.asarray(targets._data if isinstance(targets, Tensor) else targets)
    if target.ndim == 2:  # probabilities, e.g. one-hot rows
        if target.shape != z.shape:
            raise ValueError(
                f"cross_entropy: logits {shape_str(z.shape)} and target probabilities "
                f"{shape_str(target.shape)} must have the same shape"
            )
        y = real_array(target, z.dtype, "cross_entropy's target probabilities")
    else:
        y = _class_indices(target, n, c)
    if reduction == "sum":  # (the node keeps its own copy of y: changing targets after this
        return node(_loss(z, y, 1), _CROSS_ENTROPY_SUM, (logits,), (y, 1))  # changes nothing)
    return node(_loss(z, y, n), _CROSS_ENTROPY, (logits,), (y, n))


def _loss(z: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """−Σ log softmax(Z)[target] / n, for class indices or target probabilities."""
    logp = log_softmax_array(z, (1,))
    if y.ndim == 2:
        with np.errstate(invalid="ignore"):  # a class of probability 0 adds 0, also where
            loss = -np.where(y != 0, y * logp, 0).sum() / n  # its logit is -inf (0·log 0)
    else:
        loss = -logp[np.arange(len(y)), y].sum() / n
    return np.asarray(loss, dtype=z.dtype)


def _d_cross_entropy(g: Any, z: Any, out: Any, y: np.ndarray, n: int) -> Any:
    """dL/dZ = (A − Y) / N, A = softmax(Z), Y the one-hot rows (or the target probabilities,
    whose rows need not sum to 1: then A·ΣY − Y)."""
    if y.ndim == 2:
        a = softmax(z, axis=1) * y.sum(axis=1, keepdims=True)
        return (a - y) * (g / n)
    one_hot = np.zeros(np.shape(z), dtype=np.result_type(_data_of(z)))
    one_hot[np.arange(len(y)), y] = 1
    return (softmax(z, axis=1) - one_hot) * (g / n)


def _data_of(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else x


_CROSS_ENTROPY = register(row(
    "cross_entropy", _loss, [_d_cross_entropy], "cross_entropy({0}, Y)",
    ["(softmax({0}) − Y) ⊙ {g} / N"]))
_CROSS_ENTROPY_SUM = register(row(
    "cross_entropy_sum", _loss, [_d_cross_entropy], "cross_entropy({0}, Y, sum)",
    ["(softmax({0}) − Y) ⊙ {g}"]))
_CROSS_ENTROPY.apply = cross_entropy  # OPS["cross_entropy"](logits, targets) makes the node
_CROSS_ENTROPY_SUM.apply = lambda logits, targets: cross_entropy(logits, targets, "sum")


def _class_indices(target: np.ndarray, n: int, c: int) -> np.ndarray:
    if target.shape != (n,):
        raise ValueError(
            f"cross_entropy: logits {shape_str((n, c))} need {n} class indices, got targets of "
            f"shape {shape_str(target.shape)}"
        )
    if target.dtype.kind not in "iu":
        whole = np.isfinite(target) & (target == np.round(target)) if target.dtype.kind == "f" \
            else None
        if whole is None or not whole.all():
            example = "" if whole is None else f", e.g. {target[~whole][0]}"
            raise TypeError(
                f"cross_entropy: targets must be integer class indices (whole numbers), got "
                f"dtype {target.dtype}{example}"
            )
    if n and (target.min() < 0 or target.max() >= c):  # before converting: 1e30 stays 1e30
        bad = target[(target < 0) | (target >= c)]
        raise ValueError(
            f"cross_entropy: {bad.size} targets are outside the {c} classes 0..{c - 1} "
            f"(the first is {bad[0]})"
        )
    return target.astype(np.intp, copy=False)


def mse_loss(pred: Tensor, target: ArrayLike) -> Tensor:
    """The mean of (pred - target)² over every entry. Gradient: 2(pred - target)/n."""
    if not isinstance(pred, Tensor):
        raise TypeError(f"mse_loss: pred must be a Tensor, got {type(pred).__name__}")
    return ((pred - target) ** 2).mean()


l2_penalty = Tensor.l2_penalty  # alpha · Σ p² (a method of a Tensor too: see there)
