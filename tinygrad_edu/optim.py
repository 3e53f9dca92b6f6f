"""Optimizers and learning-rate schedules, with PyTorch's names and update rules.

They only read ``p.grad`` and update ``p.data`` with ordinary arithmetic, so the same code
steps scalar ``Value`` parameters (floats) and tensor parameters (NumPy arrays, updated in
place). A parameter whose ``grad`` is None (it has not been used yet) is skipped, as in
PyTorch. The optimizer's state never shares an array with ``p.grad``, so a gradient that is
later changed in place cannot corrupt it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def _check(who: str, what: str, x: Any, ok: Callable[[float], bool], rule: str) -> None:
    """Raise a ValueError naming the optimizer and the argument unless ``ok(x)``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not ok(x):
        raise ValueError(f"{who}: {what} must be a number {rule}, got {x!r}")


def _squared_norm(g: Any) -> float:
    return float((g * g).sum()) if hasattr(g, "sum") else float(g * g)


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step``."""

    def __init__(self, params: Iterable[Any], lr: float) -> None:
        name = type(self).__name__
        if hasattr(params, "parameters") or hasattr(params, "grad"):
            raise TypeError(f"{name} needs a list of parameters: pass model.parameters() "
                            f"(or [value]), not {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got no parameters to optimize")
        for i, p in enumerate(self.params):
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(f"{name}: parameter {i} is {type(p).__name__} {p!r}, not a "
                                "Value or Tensor (it needs .data and .grad)")
        _check(name, "the learning rate lr", lr, lambda x: x > 0, "> 0")
        self.lr = lr
        self.lr = lr
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (gradients accumulate otherwise): 0.0 for a
        scalar ``Value``, None for a ``Tensor`` (as PyTorch does; ``step`` skips it)."""
        for p in self.params:
            p.grad = None if isinstance(p.data, np.ndarray) else 0.0

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
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:  # the first step starts from v = 0, so v = g (as in PyTorch)
                v = state["velocity"] = self.momentum * state.get("velocity", 0.0) + g
                g = g + self.momentum * v if self.nesterov else v
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
        for p, state in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m = state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
            v = state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * (g * g)
            p.data -= self.lr * (m / c1) / ((v / c2) ** 0.5 + self.eps)


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
        optimizer.lr = self.base_lr * factor(0)

    def step(self) -> None:
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.factor(self.epoch)

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


def clip_grad_norm(params: Iterable[Any], max_norm: float) -> float:
    """Scale all gradients down together so that their joint L2 norm is at most ``max_norm``.
    Returns the norm before clipping, as ``torch.nn.utils.clip_grad_norm_`` does."""
    _check("clip_grad_norm", "max_norm", max_norm, lambda x: x > 0, "> 0")
    params = [p for p in params if p.grad is not None]
    norm = math.sqrt(math.fsum(_squared_norm(p.grad) for p in params))
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for p in params:
            p.grad = p.grad * scale
    return norm
