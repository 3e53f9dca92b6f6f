"""Optimizers and learning-rate schedules, with PyTorch's names and update rules.

They only read ``p.grad`` and update ``p.data`` with ordinary arithmetic, so the same code
steps scalar ``Value`` parameters (floats) and tensor parameters (NumPy arrays). A tensor
parameter whose array the loss's graph keeps (read-only, for its backward pass) gets its new
numbers as a new array, so a step taken before ``backward()`` does not change the gradient;
one whose array no graph keeps is changed in place, as in PyTorch (``p.numpy()`` follows). A
parameter whose ``grad`` is None (it has not been used yet) is skipped, as in PyTorch.
After ``loss.backward(create_graph=True)`` a scalar parameter's ``grad`` is a ``Value``: the
optimizers read its number, so ``p.data`` stays a float (PyTorch's optimizers also step with
the gradient's numbers only). The optimizer's state never shares an array
with ``p.grad``, so a gradient that is later changed in place cannot corrupt it. NumPy is
used only for arrays: on scalar parameters the optimizers run without it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.module import is_array

__all__ = ["SGD", "Adam", "LRScheduler", "LambdaLR", "Optimizer", "StepLR", "clip_grad_norm"]


def _check(who: str, what: str, x: Any, ok: Callable[[float], bool], rule: str) -> None:
    """Raise a ValueError naming the optimizer and the argument unless ``x`` is a finite
    number with ``ok(x)``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not ok(float(x)):
        raise ValueError(f"{who}: {what} must be a number {rule}, got {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"{who}: {what} must be finite, got {x!r}")


def _grad(p: Any) -> Any:
    """The number(s) in ``p.grad``: a float, a NumPy array, or the ``data`` of a ``Value``
    gradient (left by ``backward(create_graph=True)``)."""
    return p.grad.data if isinstance(p.grad, Value) else p.grad


def _norm(g: Any) -> float:
    """The L2 norm of one gradient (a number or an array) without overflow: 1e200² is inf,
    so the entries are divided by the largest |entry| before squaring."""
    if not is_array(g):
        return abs(float(g))
    import numpy as np

    biggest = float(np.max(np.abs(g), initial=0.0))  # NaN if any entry is NaN
    if biggest == 0.0 or not math.isfinite(biggest):
        return biggest
    return biggest * math.sqrt(float(np.sum(np.square(g / biggest, dtype=np.float64))))


def _parameters(who: str, params: Iterable[Any]) -> list[Any]:
    """``params`` as a list, or a TypeError saying what to pass instead (a model, a single
    Value, a list with numbers in it)."""
    if hasattr(params, "parameters") or hasattr(params, "grad") or not isinstance(
            params, Iterable):
        raise TypeError(f"{who} needs a list of parameters: pass model.parameters() "
                        f"(or [value]), not {type(params).__name__}")
    listed = list(params)
    for i, p in enumerate(listed):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise TypeError(f"{who}: parameter {i} is {type(p).__name__} {p!r}, not a "
                            "Value or Tensor (it needs .data and .grad)")
    return listed


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step``."""

    def __init__(self, params: Iterable[Any], lr: float) -> None:
        name = type(self).__name__
        self.params = _parameters(name, params)
        if not self.params:
            raise ValueError(f"{name}: got no parameters to optimize")
        _check(name, "the learning rate lr", lr, lambda x: x > 0, "> 0")
        self.lr = lr
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (gradients accumulate otherwise): 0.0 for a
        scalar ``Value``, None for a ``Tensor`` (as PyTorch does; ``step`` skips it)."""
        for p in self.params:
            p.grad = p.EMPTY_GRAD

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: ``w ← w - lr·g``.

    ``weight_decay`` adds ``weight_decay·w`` to the gradient (an L2 penalty). With
    ``momentum`` μ the step follows a running velocity ``v ← μ·v + g`` instead of ``g``
    (``nesterov=True`` looks one step ahead: ``g + μ·v``). Same rules as ``torch.optim.SGD``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        _check("SGD", "momentum", momentum, lambda x: x >= 0, ">= 0")
        _check("SGD", "weight_decay", weight_decay, lambda x: x >= 0, ">= 0")
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    def step(self) -> None:
        for p, state in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = _grad(p)
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:  # the first step starts from v = 0, so v = g (as in PyTorch)
                v = state["velocity"] = self.momentum * state.get("velocity", 0.0) + g
                g = g + self.momentum * v if self.nesterov else v
            if type(g) is not float and is_array(g):
                _descend(p, self.lr * g)
            else:
                p.data -= self.lr * g


class Adam(Optimizer):
    """Adam: a step along a running mean of gradients, scaled by their running RMS.

    ``m ← β₁m + (1-β₁)g``, ``v ← β₂v + (1-β₂)g²``, both bias-corrected, then
    ``w ← w - lr·m̂/(√v̂ + ε)``. Same rules and defaults as ``torch.optim.Adam``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            _check("Adam", f"betas[{i}]", beta, lambda x: 0 <= x < 1, "in [0, 1)")
        _check("Adam", "eps", eps, lambda x: x >= 0, ">= 0")
        _check("Adam", "weight_decay", weight_decay, lambda x: x >= 0, ">= 0")
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        rate, root_c2, eps = self.lr / c1, math.sqrt(c2), self.eps
        for i, (p, state) in enumerate(zip(self.params, self.state)):
            g = p.grad
            if g is None:
                continue
            if type(g) is not float:  # a Value (after create_graph=True), an array, an int
                g = _grad(p)
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if type(g) is not float and is_array(g):
                self._step_array(i, p, state, g, c1, c2)
                continue
            m = state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
            v = state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * (g * g)
            if v == 0.0 and eps == 0:
                raise _zero_over_zero(i)
            if v == math.inf and math.isfinite(g):
                raise _overflowed(i, abs(g))
            # w ← w - lr·m̂/(√v̂ + ε) with m̂ = m/c1 and √v̂ = √v/√c2, computed as PyTorch does
            p.data -= rate * m / (math.sqrt(v) / root_c2 + eps)

    def _step_array(self, i: int, p: Any, state: dict[str, Any], g: Any, c1: float,
                    c2: float) -> None:
        """``step`` for one array parameter: the same formulas, without new arrays."""
        import numpy as np

        b1, b2 = self.betas
        if "m" not in state:
            state["m"], state["v"] = np.zeros_like(g), np.zeros_like(g)
            state["scratch"] = np.empty_like(g)
        m, v, s = state["m"], state["v"], state["scratch"]
        np.subtract(g, m, out=s)
        s *= 1 - b1
        m += s  # m ← m + (1-β₁)(g - m) = β₁m + (1-β₁)g
        np.multiply(g, g, out=s)
        s -= v
        s *= 1 - b2
        v += s  # v ← β₂v + (1-β₂)g²
        if self.eps == 0 and np.any(v == 0):
            raise _zero_over_zero(i)
        if np.isinf(v).any() and (np.isinf(v) & np.isfinite(g)).any():
            raise _overflowed(i, float(np.max(np.abs(g))))
        np.sqrt(v, out=s)  # in the scratch array: √v/√c2 + ε, then m / that
        s /= math.sqrt(c2)
        s += self.eps
        np.divide(m, s, out=s)
        s *= self.lr / c1
        _descend(p, s)


def _descend(p: Any, step: Any) -> None:
    """``p.data -= step`` for a tensor parameter. Where the array ``p`` holds is the loss's
    graph's too (read-only, the usual case), it is written to a new array in one pass, as
    ``p.data`` would copy it first; else in place, so that an array that shares p's memory
    (``p.numpy()``) follows it, as in PyTorch. The same arithmetic and dtype as ``-=``."""
    now = p._data  # the array itself
    if now.flags.writeable:
        now -= step
        return
    new = now - step
    p._data = new if new.dtype == now.dtype else new.astype(now.dtype)


def _zero_over_zero(i: int) -> FloatingPointError:
    return FloatingPointError(
        f"Adam: parameter {i}: its gradient has been 0 so far and eps=0, so the step is 0/0 "
        "(m/√v with m = v = 0); use eps > 0, e.g. the default 1e-8")


def _overflowed(i: int, largest: float) -> FloatingPointError:
    """Adam's ``v = β₂v + (1-β₂)g²`` is inf where ``g`` is finite: g² overflowed."""
    return FloatingPointError(
        f"Adam: parameter {i}: the squared gradient overflowed (largest |g| = {largest:.3g}), "
        "which would freeze the parameter (its step would be m/√inf = 0); clip the gradients "
        "with clip_grad_norm before step(), or lower the learning rate")


class LRScheduler:
    """Sets ``optimizer.lr = base_lr · factor(epoch)``, starting with epoch 0 when it is made;
    call ``step()`` once per epoch, after the optimizer's steps."""

    def __init__(self, optimizer: Optimizer, factor: Callable[[int], float]) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an optimizer such as SGD(...), got "
                            f"{type(optimizer).__name__}")
        if not callable(factor):
            raise TypeError(f"{type(self).__name__}: the schedule must be a function of the "
                            f"epoch, got {factor!r}")
        self.optimizer, self.factor = optimizer, factor
        self.base_lr = optimizer.lr
        self.epoch = 0
        self._set_lr()

    def step(self) -> None:
        self.epoch += 1
        self._set_lr()

    def _set_lr(self) -> None:
        """lr = base_lr · factor(epoch), refused unless finite and >= 0 (a negative rate
        would climb the loss)."""
        try:
            factor = self.factor(self.epoch)
        except OverflowError:  # e.g. StepLR's gamma ** k with gamma > 1, after many epochs
            factor = math.inf
        lr = self.base_lr * factor if isinstance(factor, numbers.Real) else math.nan
        if not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"{type(self).__name__}: at epoch {self.epoch} the schedule gives "
                             f"the factor {factor!r}, but the learning rate {self.base_lr:g} × "
                             "factor must be a finite number >= 0: fix the schedule")
        self.optimizer.lr = lr

    def get_last_lr(self) -> float:
        return self.optimizer.lr


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (step decay)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an int >= 1 (epochs between "
                             f"decays), got {step_size!r}")
        _check("StepLR", "gamma", gamma, lambda x: x > 0, "> 0")
        super().__init__(optimizer, lambda epoch: gamma ** (epoch // step_size))


class LambdaLR(LRScheduler):
    """Learning rate = base rate × ``lr_lambda(epoch)``, for any schedule you can write."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        super().__init__(optimizer, lr_lambda)


def clip_grad_norm(
    params: Iterable[Any], max_norm: float, error_if_nonfinite: bool = False
) -> float:
    """Scale all gradients down together so that their joint L2 norm is at most ``max_norm``.
    Returns the norm before clipping, as ``torch.nn.utils.clip_grad_norm_`` does.

    The norm is computed without overflow: gradients of 1e200 are clipped, not zeroed. If it
    is NaN or inf anyway (a gradient holds NaN or inf, or the norm is above the largest
    float, 1.8e308), the gradients are left as they are, never silently zeroed or rescaled,
    so the NaN shows in the next step; ``error_if_nonfinite=True`` raises a
    ``FloatingPointError`` instead. A ``Value`` gradient (after
    ``backward(create_graph=True)``) is replaced by a scaled ``Value`` computed under
    ``no_grad``: a new leaf, as clipping is not part of what is differentiated."""
    _check("clip_grad_norm", "max_norm", max_norm, lambda x: x > 0, "> 0")
    params = [p for p in _parameters("clip_grad_norm", params) if p.grad is not None]
    norms = [_norm(_grad(p)) for p in params]
    norm = math.nan if any(math.isnan(n) for n in norms) else math.hypot(*norms)
    if not math.isfinite(norm):  # (hypot scales inside: no overflow below 1.8e308)
        if error_if_nonfinite:
            raise FloatingPointError(
                f"clip_grad_norm: the total norm of the gradients is {norm}, so they cannot "
                "be clipped; some gradient is NaN or inf (lower the learning rate, or look for "
                "NaN in the inputs), or pass error_if_nonfinite=False to leave them as they are"
            )
        return norm
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)  # PyTorch's formula
        with no_grad():  # a Value gradient is scaled as a new leaf, outside any graph
            for p in params:
                p.grad = p.grad * scale
    return norm
