"""Where PyTorch, our reference in the parity tests, differs from the mathematics.

PyTorch is a fine oracle, but not a perfect one. Each difference is recorded here once: a
case, the number PyTorch gives, the true value and why. ``test_torch_parity.py`` checks that
each one is real (so that this list is updated when PyTorch changes) and that our engine
gives the true value; the parity tests ask ``hessian_deviation`` before comparing, and
compare such a case with central differences instead of PyTorch.

1. **Mixed partial of a**b at b = 0.** PyTorch's backward of ``pow`` multiplies by a mask
   ``b != 0`` (so that 0·a**-1 never becomes 0·inf = NaN at a = 0). The mask is a constant,
   so ∂/∂b of ∂(a**b)/∂a loses a term at b = 0: PyTorch gives 0, the truth is
   ∂/∂b (b·a**(b-1)) = a**(b-1)·(1 + b·ln a) = 1/a. Found by hypothesis in
   ``test_hessians_match_torch`` on ``x0 ** x1`` with x1 = 0.
2. **Slopes of relu, leaky_relu and abs at NaN.** PyTorch picks each slope with a
   comparison, and every comparison with NaN is false: relu asks ``x <= 0`` (no, so slope 1),
   leaky_relu asks ``x > 0`` (no, so slope alpha) and abs takes sign(NaN) = 0. The slope at
   NaN is undefined: we give NaN, so that a diverged model cannot look healthy.
3. **Slope of a**0 at a = NaN.** a**0 is 1 for every a, NaN included (IEEE 754), and
   PyTorch's mask ``b != 0`` makes the slope 0 there too. At a NaN base the derivative is
   undefined, and b·a**(b-1) = 0·NaN: we give NaN, for the same reason as in 2.
4. **The same mixed partial of a**b, on tensors.** Deviation 1 is PyTorch's ``pow``
   backward, which its tensors share entry by entry: in d/db of d(Σ a**b)/da, every entry
   whose exponent is 0 gives 0 instead of 1/a. Found by hypothesis in
   ``tests/tensor/test_torch_double_backward.py``, which then compares the Hessian-vector
   product with central differences of our gradient instead.
5. **A change through ``.data`` between the forward and the backward pass.** PyTorch saves
   the tensors a backward pass needs and counts in-place changes to them, so ``w -= 1``
   inside ``no_grad()`` makes ``backward()`` raise ("modified by an inplace operation");
   but ``w.data`` shares the storage without the count, so ``w.data -= 1`` goes unseen and
   the backward pass reads the new numbers: d(w·w)/dw at w = [1, 2] comes out as
   2·(w − 1) = [0, 2], a mix of the forward pass's graph and the changed w. The gradient of
   the function the forward pass computed is 2w = [2, 4], which we give (issue 32, item 1).
6. **A NumPy array changed between the forward and the backward pass.** PyTorch takes a NumPy
   array into a graph as ``torch.from_numpy(X)``, which shares X's memory, and its count of
   in-place changes does not see NumPy's: after ``(from_numpy(X) @ W).sum()`` and
   ``X *= 10`` the backward pass reads the new X, so dW = Xᵀ·1 comes out as [50, 70, 90]
   for X = [[1, 2, 3], [4, 5, 6]]. The function the forward pass computed has [5, 7, 9],
   which we give: a graph keeps its own copy of a plain operand (issue 40, item 1).
7. **A view written between the forward and the backward pass.** ``t.data = flat[0:3]``
   makes t share flat's memory, in PyTorch as in NumPy; a write into flat after the forward
   pass of Σ t² then reaches the saved t unseen, and dt comes out as 2·[100, 1, 2] for
   t = [0, 1, 2] (a view of ``t.detach().numpy()`` written in the same way does the same).
   We give the forward pass's 2t = [0, 2, 4]: the graph took a copy of t's numbers, because
   something else could write them (issue 40, item 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinygrad_edu import Value, walk


@dataclass(frozen=True)
class Deviation:
    """One recorded difference: ``torch_case(torch)`` computes PyTorch's number for the case,
    ``ours()`` the engine's, and ``true_value`` is the mathematics."""

    name: str
    case: str
    torch_value: float
    true_value: float
    torch_case: Callable[[Any], float]
    ours: Callable[[], float]


def _torch_pow_mixed_partial(torch: Any) -> float:
    a = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (da,) = torch.autograd.grad(a**b, a, create_graph=True)
    (dab,) = torch.autograd.grad(da, b)
    return dab.item()


def _our_pow_mixed_partial() -> float:
    from tinygrad_edu import grad

    a, b = Value(2.0), Value(0.0)
    (da,) = grad(a**b, [a], create_graph=True)
    return grad(da, [b])[0]


def _torch_slope_at_nan(method: str) -> Callable[[Any], float]:
    def case(torch: Any) -> float:
        x = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
        f = {"relu": torch.relu, "abs": torch.abs,
             "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01)}[method]
        f(x).backward()
        return x.grad.item()

    return case


def _torch_pow_zero_slope_at_nan(torch: Any) -> float:
    a = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
    (a**0).backward()
    return a.grad.item()


def _our_pow_zero_slope_at_nan() -> float:
    a = Value(math.nan)
    (a**0).backward()
    return a.grad


def _our_slope_at_nan(method: str) -> Callable[[], float]:
    def case() -> float:
        x = Value(math.nan)
        getattr(x, method)().backward()
        return x.grad

    return case


def _torch_pow_mixed_partial_of_tensors(torch: Any) -> float:
    a = torch.tensor([2.0, 1.5], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    (da,) = torch.autograd.grad((a**b).sum(), a, create_graph=True)
    (dab,) = torch.autograd.grad(da[0], b)
    return dab[0].item()


def _our_pow_mixed_partial_of_tensors() -> float:
    from tinygrad_edu import grad
    from tinygrad_edu.tensor import Tensor

    a, b = Tensor([2.0, 1.5]), Tensor([0.0, 1.0])
    (da,) = grad((a**b).sum(), [a], create_graph=True)
    return float(grad(da[0], [b])[0][0])


def _torch_gradient_after_a_data_change(torch: Any) -> float:
    w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    loss = (w * w).sum()
    w.data -= 1
    loss.backward()
    return w.grad[0].item()


def _our_gradient_after_a_data_change() -> float:
    from tinygrad_edu.tensor import Tensor

    w = Tensor([1.0, 2.0])
    loss = (w * w).sum()
    w.data -= 1
    loss.backward()
    return float(w.grad[0])


def _torch_gradient_after_a_numpy_change(torch: Any) -> float:
    import numpy as np

    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    W = torch.ones((3, 1), dtype=torch.float64, requires_grad=True)
    loss = (torch.from_numpy(X) @ W).sum()
    X *= 10
    loss.backward()
    return W.grad[0, 0].item()


def _our_gradient_after_a_numpy_change() -> float:
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    W = Tensor(np.ones((3, 1)))
    loss = (X @ W).sum()
    X *= 10
    loss.backward()
    return float(W.grad[0, 0])


def _torch_gradient_after_a_view_is_written(torch: Any) -> float:
    flat = torch.arange(6, dtype=torch.float64)
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t.data = flat[0:3]
    loss = (t * t).sum()
    flat[0] = 100.0
    loss.backward()
    return t.grad[0].item()


def _our_gradient_after_a_view_is_written() -> float:
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    flat = np.arange(6.0)
    t = Tensor([0.0, 0.0, 0.0])
    t.data = flat[0:3]
    loss = (t * t).sum()
    flat[0] = 100.0
    loss.backward()
    return float(t.grad[0])


pow_mixed_partial_deviation = Deviation(
    "pow-mixed-partial-at-zero-exponent-tensor",
    "d/db[0] d/da[0] Σ a**b at a = [2, 1.5], b = [0, 1]", torch_value=0.0, true_value=0.5,
    torch_case=_torch_pow_mixed_partial_of_tensors, ours=_our_pow_mixed_partial_of_tensors)

DEVIATIONS = [
    Deviation("pow-mixed-partial-at-zero-exponent", "d/db d/da a**b at a = 2, b = 0",
              torch_value=0.0, true_value=0.5, torch_case=_torch_pow_mixed_partial,
              ours=_our_pow_mixed_partial),
    *(Deviation(f"{m}-slope-at-nan", f"d/dx {m}(x) at x = NaN", torch_value=slope,
                true_value=math.nan, torch_case=_torch_slope_at_nan(m), ours=_our_slope_at_nan(m))
      for m, slope in (("relu", 1.0), ("leaky_relu", 0.01), ("abs", 0.0))),
    Deviation("pow-zero-slope-at-nan", "d/da a**0 at a = NaN", torch_value=0.0,
              true_value=math.nan, torch_case=_torch_pow_zero_slope_at_nan,
              ours=_our_pow_zero_slope_at_nan),
    pow_mixed_partial_deviation,
    Deviation("gradient-after-a-change-through-data",
              "d/dw[0] Σ w·w at w = [1, 2], then w.data -= 1 before backward()",
              torch_value=0.0, true_value=2.0, torch_case=_torch_gradient_after_a_data_change,
              ours=_our_gradient_after_a_data_change),
    Deviation("gradient-after-a-numpy-array-changes",
              "d/dW[0] Σ X @ W at W = 1, X = [[1, 2, 3], [4, 5, 6]], then X *= 10 before "
              "backward()", torch_value=50.0, true_value=5.0,
              torch_case=_torch_gradient_after_a_numpy_change,
              ours=_our_gradient_after_a_numpy_change),
    Deviation("gradient-after-a-view-is-written",
              "d/dt[0] Σ t·t with t.data = flat[0:3], flat = [0..5], then flat[0] = 100 before "
              "backward()", torch_value=200.0, true_value=0.0,
              torch_case=_torch_gradient_after_a_view_is_written,
              ours=_our_gradient_after_a_view_is_written),
]


def hessian_deviation(root: Value) -> str | None:
    """The name of the deviation that makes PyTorch's second derivatives of ``root``'s graph
    differ from the truth, or None if PyTorch's are right."""
    for node in walk(root):
        if node.op == "**" and len(node.parents) == 2 and node.parents[1].data == 0.0:
            return DEVIATIONS[0].name
    return None
