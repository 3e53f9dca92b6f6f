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
8. **maximum, minimum and clip at NaN** (issue 55, item 1). Which of a and b is larger is
   undefined where one is NaN; PyTorch passes the gradient on to both (maximum(a, b) at
   a = NaN, b = 1 gives 1 to each; minimum(t, t) gives 2 at a NaN entry, though 1 at a
   tie), and clip's slope there is 0. We give NaN to both operands, as in 2.
9. **The slope of √x at -0.0** (issue 55). IEEE 754 keeps the sign of zero, √(-0) = -0, and
   PyTorch's slope 1/(2√x) turns it into -inf (its second derivative into +inf), the same
   for x ** 0.5. But -0.0 is the number 0, and √x is defined only from 0 upwards: its slope
   there is +inf, its second derivative -inf, as at 0.0, which we give.
10. **Sums rounded once** (issue 55). ``vsum`` and ``dot`` are correctly rounded
   (``math.fsum``): vsum of [-1e300, 2, 1e300] is 2.0, where PyTorch's sum, rounding every
   partial sum, gives 0; and a dot product whose products overflow is the exact sum,
   rounded: [1e300, 1e300]·[1e300, -3.3e299] is inf (the exact 6.7e599), not inf - inf = NaN.
11. **sigmoid below about -709.78** (issue 55). PyTorch computes 1/(1 + e^-x), and e^-x
   overflows, so sigmoid(-727) is 0 and the gradient of √sigmoid(x) there 0 · inf = NaN. The
   answer is e^x/(1 + e^x) = 1.1e-316 (a subnormal), and that gradient √s·(1 - s)/2 =
   6.8e-159, which we give (to the precision the subnormal leaves).
12. **The second derivative of 0 ** x** (issue 55). 0 ** x is 0 for every x > 0, so all its
   derivatives are 0; PyTorch's second derivative is NaN (its mask of a = 0 keeps
   log(0) = -inf inside). We give 0.
13. **d(a/b)/db under a tiny gradient, on tensors** (issue 55). PyTorch multiplies the
   gradient g by -(a/b)/b, which overflows for a subnormal b: with g = 5e-324 and
   a = b = 5e-324 it gives -inf. The tensor engine computes -(g·y)/b = -1.0, the answer.
14. **d(0 ** b)/db under an infinite gradient** (issue 55). 0 ** b is 0 for every b > 0, so it
   does not depend on b there and nothing passes back to b, whatever arrives, as for relu
   below 0. PyTorch multiplies its slope 0 by the gradient: inf · 0 = NaN. We give 0 (the
   tensor engine gave NaN too before issue 55, the scalar engine 0). Its second derivative,
   12, is the same mask seen from the next order.
15. **A number divided by a tensor** (issue 55). PyTorch computes ``c / t`` for a plain
   number c as c · (1/t), which rounds twice: -727 / t at t = -1.46 is 497.945205479452,
   where the quotient rounded once (IEEE 754's division, Python's, ours) is
   497.94520547945206; and at t = 5e-324, where 1/t is inf, 1e-310 / t gives inf and 0 / t
   NaN, where they are 2.02e13 and 0 (a tensor divided by a tensor is right).
16. **Second derivatives of a / b where b² is no float** (issue 55). PyTorch's double backward
   of ``/`` works with b², which overflows for |b| above about 1.3e154 (and loses its digits
   below 1.5e-154): ∂²/∂a∂b of 1e160·|ab|/(ab), a constant, at a = 1e160 and b = 1 comes out
   as -1.1e-5. We give 0: d(a/b)/db = -(a/b)/b, whose own derivatives never square b.
17. **Gradients that share memory** (issue 55). After a backward pass through
   ``torch.stack([a, c, b]).sum()``, a.grad and b.grad are views of one number (the sum's
   gradient, expanded), so the next backward pass, adding to each in place, adds to both
   twice: 3·Σ then 5·Σ gives a.grad = 13, where it is 3 + 5 = 8, which ``vsum`` gives (found
   by the differential test's stateful sequences, tests/differential/sequences.py).

18. **max at NaN, on tensors** (issue 55). Where a NaN wins a max (as ``np.max``, as
   ``torch.amax``), we give its NaN entries the slope NaN and the entries that lost 0;
   PyTorch's amax shares the gradient among the entries equal to the max, of which there
   are none (NaN equals nothing), 0/0: NaN to every entry of the group.
19. **Second derivatives of a power at a base that is 0** (issue 55). Where relu (or any
   mask) makes a base 0, a**b is 0 for every b > 0 and nearby x: every derivative is 0. For
   b < 1 (or b < 2, one order up), PyTorch's double backward multiplies pow's infinite
   slope (or curvature) at 0 by the gradient the mask made exactly 0: ∂²/∂x∂b of
   relu(x) ** b at x = -1, b = 0.5 is NaN. We give 0.

20. **Second derivatives through √ at a subnormal number** (issue 55). PyTorch's double
   backward of √x divides by x^1.5, which underflows for a subnormal x: d²/dx² √(eˣ) at
   x = -727 (eˣ = 1.1e-316) is -inf, where it is e^(x/2)/4 = 3.4e-159, which the tensor
   engine gives (its slope g·0.5/√x keeps √x whole). The scalar engine gives -inf too
   (22).

21. **Second derivatives through log beyond 1.3e154** (issue 55). d²/dx² log(eˣ) is 0; at
   x = 400 (eˣ = 5.2e173) PyTorch gives 1.0: its double backward of log works with the
   slope's own slope -1/y², which underflows to 0 there, so -1 of the two terms that cancel
   is lost. The tensor engine gives 0 (its slope g/y keeps y whole); the scalar engine
   gives 1.0 too (22).

Where our engine differs from the mathematics, knowingly (``ours_value``, which the test
checks we give):

22. **A local derivative too large for a float, under a tiny gradient** (issue 55, item 6).
   A Value keeps log's local derivative 1/x (and /'s 1/b and -y/b) as a number, and the
   chain rule multiplies it by the gradient that arrives: for x below about 5.6e-309, 1/x
   is inf, and x.log().backward(5e-324) at x = 5e-324 gives inf where the answer, g/x, is
   1.0 (as PyTorch computes it). Dividing instead would cost every backward pass a second kind of
   local derivative, so the scalar engine keeps the product (the tensor engine divides).
   The same under create_graph=True, one order up: the local derivatives of a first
   derivative's graph are kept as numbers too. ∂(a**b)/∂b = a**b·ln a has log's slope 1/a,
   inf for a = 1e-310, so ∂/∂a of it comes out as NaN (inf · 0) where it is -5.42e-108
   (PyTorch: -5.43e-108). And the other way, a share that underflows: in the graph of
   d/dx (√(eˣ))² = (0.5/s)·(2s)·eˣ (s = √(eˣ)), at x = -600 the second pass's share
   eˣ·2s = 2.7e-391 is 0 as a float, which undoes the cancellation of 0.5/s's slope
   against 2s's: the second derivative comes out as 1.5·eˣ, where it is eˣ = 2.65e-261
   (PyTorch's graph, one node for g/(2s), gives it); and d²/dx² log(eˣ) at x = 400 is 1.0
   where it is 0, as in PyTorch (21): log's slope 1/y, as a Value, has the slope -1/y²,
   which underflows to 0 for y = 5.2e173. Only outside about 1e±150 can such products
   leave the floats; the differential test does not judge second derivatives there
   (tests/differential).
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
    ours_value: float | None = None  # where ours differs from the mathematics, knowingly

    @property
    def expected_of_ours(self) -> float:
        return self.true_value if self.ours_value is None else self.ours_value


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


def _tensor_slope(f: Callable[..., Any], at: list[list[float]], which: int = 0,
                  seed: float = 1.0, entry: int = 0) -> Callable[[Any], float]:
    """Entry ``entry`` of the gradient of operand ``which`` of Σ f(*operands), the gradient
    ``seed`` arriving, in PyTorch (``torch_case``, given torch), or in the tensor engine
    (given None)."""
    def case(torch: Any = None) -> float:
        if torch is None:
            from tinygrad_edu.tensor import Tensor

            xs = [Tensor(x) for x in at]
            f(None, *xs).sum().backward(seed)
            return float(xs[which].grad[entry])
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in at]
        f(torch, *ts).sum().backward(torch.tensor(seed, dtype=torch.float64))
        return float(ts[which].grad[entry].item())

    return case


def _ours(f: Callable[..., Any]) -> Callable[..., Any]:
    """The tensor engine's functions under the names of PyTorch's (``E`` is torch or None)."""
    def both(E: Any, *xs: Any) -> Any:
        if E is not None:
            return f(E, *xs)
        from tinygrad_edu.tensor import engine

        names = {"maximum": engine.maximum, "minimum": engine.minimum, "clamp": engine.clip}
        return f(type("E", (), {k: staticmethod(v) for k, v in names.items()}), *xs)

    return both


def _scalar(f: Callable[[Any], Any], x0: float, order: int = 1, seed: float = 1.0,
            base: Callable[[float], Any] | None = None) -> Callable[..., float]:
    """The ``order``-th derivative of f at x0 (a Value, or given torch a 0-d tensor), with
    the gradient ``seed`` arriving (first order)."""
    def case(torch: Any = None) -> float:
        from tinygrad_edu import grad

        x = Value(x0) if torch is None else torch.tensor(x0, dtype=torch.float64,
                                                         requires_grad=True)
        y = f(x)
        if torch is None:
            if order == 1:
                y.backward(seed)
                return float(x.grad)
            (g,) = grad(y, [x], create_graph=True)
            return float(grad(g, [x], allow_unused=True)[0] or 0.0)
        if order == 1:
            y.backward(torch.tensor(seed, dtype=torch.float64))
            return float(x.grad.item())
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        return float(torch.autograd.grad(g, x)[0].item())

    return case


def _mixed_partial_of_a_power(torch: Any = None) -> float:
    """∂/∂a of ∂(a**b)/∂b at a = 1e-310, b = 1.3556…, ours or (given torch) PyTorch's."""
    from tinygrad_edu import grad

    if torch is None:
        a, b = Value(1e-310), Value(1.3556485258686441)
        (gb,) = grad(a**b, [b], create_graph=True)
        return float(grad(gb, [a])[0])
    ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True)
              for x in (1e-310, 1.3556485258686441))
    (tgb,) = torch.autograd.grad(ta**tb, tb, create_graph=True)
    return float(torch.autograd.grad(tgb, ta)[0].item())


def _quotient_of_a_sign(torch: Any = None) -> float:
    """∂/∂b of ∂f/∂a for f = 1e160·|ab|/(ab) at a = 1e160, b = 1 (a constant: 0)."""
    from tinygrad_edu import grad

    make = Value if torch is None else (
        lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True))
    a, b = make(1e160), make(1.0)
    f = (a * b).abs() / (a * b) * 1e160
    if torch is None:
        (ga,) = grad(f, [a], create_graph=True)
        return float(grad(ga, [b])[0])
    (ga,) = torch.autograd.grad(f, a, create_graph=True)
    return float(torch.autograd.grad(ga, b)[0].item())


def _accumulated_twice(torch: Any = None) -> float:
    """a.grad after two backward passes of c·Σ[a, 1, b] (c = 3, then 5), ours with vsum,
    or (given torch) PyTorch's with torch.stack(...).sum()."""
    if torch is None:
        from tinygrad_edu import vsum

        a, b = Value(1.0), Value(2.0)
        for c in (3.0, 5.0):
            (vsum([a, 1.0, b]) * c).backward()
        return a.grad
    a, b = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (1.0, 2.0))
    for c in (3.0, 5.0):
        (torch.stack([a, torch.tensor(1.0, dtype=torch.float64), b]).sum() * c).backward()
    return float(a.grad.item())


def _mixed_partial_of_a_masked_power(torch: Any = None) -> float:
    """∂/∂b of ∂(relu(x) ** b)/∂x at x = -1, b = 0.5: ours, or (given torch) PyTorch's."""
    from tinygrad_edu import grad

    if torch is None:
        x, b = Value(-1.0), Value(0.5)
        (gx,) = grad(x.relu() ** b, [x], create_graph=True)
        return float(grad(gx, [b], allow_unused=True)[0] or 0.0)
    tx, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-1.0, 0.5))
    (tgx,) = torch.autograd.grad(tx.relu() ** tb, tx, create_graph=True)
    return float(torch.autograd.grad(tgx, tb)[0].item())


def _hessian_of_a_root_of_exp(torch: Any = None) -> float:
    """d²/dx² of Σ sqrt(exp(x)) at x = [-727]: the tensor engine's, or (given torch)
    PyTorch's."""
    if torch is None:
        import numpy as np

        from tinygrad_edu import hessian

        return float(hessian(lambda v: v.exp().sqrt().sum(), np.array([-727.0]))[0, 0])
    x = torch.tensor([-727.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(x.exp().sqrt().sum(), x, create_graph=True)
    return float(torch.autograd.grad(g.sum(), x)[0][0].item())


def _hessian_of_a_log_of_exp(torch: Any = None) -> float:
    """d²/dx² of Σ log(exp(x)) at x = [400]: the tensor engine's, or (given torch)
    PyTorch's."""
    if torch is None:
        import numpy as np

        from tinygrad_edu import hessian

        return float(hessian(lambda v: v.exp().log().sum(), np.array([400.0]))[0, 0])
    x = torch.tensor([400.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(x.exp().log().sum(), x, create_graph=True)
    return float(torch.autograd.grad(g.sum(), x)[0][0].item())


def _torch_vsum(torch: Any) -> float:
    return float(torch.stack([torch.tensor(v, dtype=torch.float64)
                              for v in (-1e300, 2.0, 1e300)]).sum().item())


def _our_vsum() -> float:
    from tinygrad_edu import vsum

    return vsum([Value(-1e300), Value(2.0), Value(1e300)]).data


NAN, INF = math.nan, math.inf
ISSUE_55 = [
    Deviation("maximum-slope-at-nan", "d/da[0] Σ maximum(a, b) at a = [NaN, 2], b = [1, 1]",
              torch_value=1.0, true_value=NAN,
              torch_case=_tensor_slope(_ours(lambda E, a, b: E.maximum(a, b)),
                                       [[NAN, 2.0], [1.0, 1.0]]),
              ours=_tensor_slope(_ours(lambda E, a, b: E.maximum(a, b)),
                                 [[NAN, 2.0], [1.0, 1.0]])),
    Deviation("maximum-slope-of-the-other-operand-at-nan",
              "d/db[0] Σ maximum(a, b) at a = [NaN, 2], b = [1, 1]", torch_value=1.0,
              true_value=NAN,
              torch_case=_tensor_slope(_ours(lambda E, a, b: E.maximum(a, b)),
                                       [[NAN, 2.0], [1.0, 1.0]], which=1),
              ours=_tensor_slope(_ours(lambda E, a, b: E.maximum(a, b)),
                                 [[NAN, 2.0], [1.0, 1.0]], which=1)),
    Deviation("minimum-of-itself-slope-at-nan", "d/dt[0] Σ minimum(t, t) at t = [NaN, 2]",
              torch_value=2.0, true_value=NAN,
              torch_case=_tensor_slope(_ours(lambda E, t: E.minimum(t, t)), [[NAN, 2.0]]),
              ours=_tensor_slope(_ours(lambda E, t: E.minimum(t, t)), [[NAN, 2.0]])),
    Deviation("clip-slope-at-nan", "d/dx[0] Σ clip(x, -1, 1) at x = [NaN]", torch_value=0.0,
              true_value=NAN,
              torch_case=_tensor_slope(_ours(lambda E, x: E.clamp(x, -1.0, 1.0)), [[NAN]]),
              ours=_tensor_slope(_ours(lambda E, x: E.clamp(x, -1.0, 1.0)), [[NAN]])),
    Deviation("sqrt-slope-at-negative-zero", "d/dx sqrt(x) at x = -0.0", torch_value=-INF,
              true_value=INF, torch_case=_scalar(lambda x: x.sqrt(), -0.0),
              ours=_scalar(lambda x: x.sqrt(), -0.0)),
    Deviation("pow-slope-at-negative-zero", "d/dx x ** 0.5 at x = -0.0", torch_value=-INF,
              true_value=INF, torch_case=_scalar(lambda x: x**0.5, -0.0),
              ours=_scalar(lambda x: x**0.5, -0.0)),
    Deviation("sqrt-second-derivative-at-negative-zero", "d²/dx² sqrt(x) at x = -0.0",
              torch_value=INF, true_value=-INF,
              torch_case=_scalar(lambda x: x.sqrt(), -0.0, order=2),
              ours=_scalar(lambda x: x.sqrt(), -0.0, order=2)),
    Deviation("vsum-rounded-once", "vsum([-1e300, 2, 1e300])", torch_value=0.0,
              true_value=2.0, torch_case=_torch_vsum, ours=_our_vsum),
    Deviation("sigmoid-below-minus-709", "d/dx sqrt(sigmoid(x)) at x = -727",
              torch_value=NAN, true_value=6.806531088915807e-159,
              torch_case=_scalar(lambda x: x.sigmoid().sqrt(), -727.0),
              ours=_scalar(lambda x: x.sigmoid().sqrt(), -727.0)),
    Deviation("second-derivative-of-a-power-of-zero", "d²/dx² 0.0 ** x at x = 2",
              torch_value=NAN, true_value=0.0,
              torch_case=_scalar(lambda x: 0.0**x, 2.0, order=2),
              ours=_scalar(lambda x: 0.0**x, 2.0, order=2)),
    Deviation("denominator-slope-under-a-tiny-gradient-tensor",
              "d/db[0] Σ 5e-324·(a / b) at a = b = [5e-324]", torch_value=-INF,
              true_value=-1.0,
              torch_case=_tensor_slope(lambda E, a, b: a / b, [[5e-324], [5e-324]], which=1,
                                       seed=5e-324),
              ours=_tensor_slope(lambda E, a, b: a / b, [[5e-324], [5e-324]], which=1,
                                 seed=5e-324)),
    Deviation("a-number-over-a-tensor", "1e-310 / x at x = 5e-324",
              torch_value=INF, true_value=1e-310 / 5e-324,
              torch_case=lambda torch: float(1e-310 / torch.tensor(5e-324,
                                                                   dtype=torch.float64)),
              ours=lambda: (1e-310 / Value(5e-324)).data),
    Deviation("second-derivative-of-a-quotient-beyond-the-floats",
              "∂²/∂a∂b of 1e160·|ab|/(ab) at a = 1e160, b = 1",
              torch_value=-1.113281731690563e-05, true_value=0.0,
              torch_case=_quotient_of_a_sign, ours=_quotient_of_a_sign),
    Deviation("gradients-that-share-memory",
              "a.grad after 3·Σ[a, 1, b] then 5·Σ[a, 1, b] backward, at a = 1, b = 2",
              torch_value=13.0, true_value=8.0, torch_case=_accumulated_twice,
              ours=_accumulated_twice),
    Deviation("max-slope-at-nan", "d/dx[1] Σ max(x) at x = [NaN, 1, 2]", torch_value=NAN,
              true_value=0.0,
              torch_case=_tensor_slope(lambda E, x: x.amax() if E else x.max(),
                                       [[NAN, 1.0, 2.0]], which=0, entry=1),
              ours=_tensor_slope(lambda E, x: x.amax() if E else x.max(), [[NAN, 1.0, 2.0]],
                                 which=0, entry=1)),
    Deviation("second-derivative-of-a-power-at-a-zero-base",
              "∂²/∂x∂b relu(x) ** b at x = -1, b = 0.5", torch_value=NAN, true_value=0.0,
              torch_case=_mixed_partial_of_a_masked_power,
              ours=_mixed_partial_of_a_masked_power),
    Deviation("second-derivative-of-sqrt-at-a-subnormal",
              "d²/dx²[0] Σ sqrt(exp(x)) at x = [-727] (tensors)", torch_value=-INF,
              true_value=math.exp(-727 / 2) / 4, torch_case=_hessian_of_a_root_of_exp,
              ours=_hessian_of_a_root_of_exp),
    Deviation("second-derivative-of-log-beyond-the-floats",
              "d²/dx²[0] Σ log(exp(x)) at x = [400] (tensors)", torch_value=1.0, true_value=0.0,
              torch_case=_hessian_of_a_log_of_exp, ours=_hessian_of_a_log_of_exp),
    Deviation("power-of-zero-slope-under-an-infinite-gradient",
              "d/db[0] of Σ inf·(0 ** b) at b = [0.5]", torch_value=NAN, true_value=0.0,
              torch_case=_tensor_slope(lambda E, b: 0.0**b, [[0.5]], seed=INF),
              ours=_tensor_slope(lambda E, b: 0.0**b, [[0.5]], seed=INF)),
    Deviation("log-slope-under-a-tiny-gradient", "x.log().backward(5e-324) at x = 5e-324",
              torch_value=1.0, true_value=1.0, ours_value=INF,
              torch_case=_scalar(lambda x: x.log(), 5e-324, seed=5e-324),
              ours=_scalar(lambda x: x.log(), 5e-324, seed=5e-324)),
    Deviation("division-slope-under-a-tiny-gradient",
              "d/da (a / b) under the gradient 5e-324 at a = 1, b = 5e-324", torch_value=1.0,
              true_value=1.0, ours_value=INF,
              torch_case=_scalar(lambda a: a / 5e-324, 1.0, seed=5e-324),
              ours=_scalar(lambda a: a / 5e-324, 1.0, seed=5e-324)),
    Deviation("second-derivative-through-a-slope-too-large",
              "∂/∂a ∂(a**b)/∂b at a = 1e-310, b = 1.3556485258686441",
              torch_value=-5.428520339889496e-108, true_value=-5.422910415850817e-108,
              ours_value=NAN, torch_case=_mixed_partial_of_a_power, ours=_mixed_partial_of_a_power),
    Deviation("second-derivative-through-a-slope-that-underflows",
              "d²/dx² log(exp(x)) at x = 400 (Values)", torch_value=1.0, true_value=0.0,
              ours_value=1.0, torch_case=_scalar(lambda x: x.exp().log(), 400.0, order=2),
              ours=_scalar(lambda x: x.exp().log(), 400.0, order=2)),
    Deviation("second-derivative-through-a-share-that-underflows",
              "d²/dx² (sqrt(exp(x)))² at x = -600", torch_value=math.exp(-600),
              true_value=math.exp(-600), ours_value=1.5 * math.exp(-600),
              torch_case=_scalar(lambda x: x.exp().sqrt() ** 2, -600.0, order=2),
              ours=_scalar(lambda x: x.exp().sqrt() ** 2, -600.0, order=2)),
]
"""Issue 55's: maximum, minimum and clip at NaN (8), √x at -0.0 (9), sums (10), sigmoid (11),
0 ** x (12, 14), d(a/b)/db (13), c / t (15), second derivatives of a / b (16), gradients
that share memory (17), max at NaN (18), second derivatives at a base 0 (19), of √ at a
subnormal (20) and of log beyond 1.3e154 (21); and, knowingly, local derivatives beyond the
floats (22)."""


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
    *ISSUE_55,
]


def hessian_deviation(root: Value) -> str | None:
    """The name of the deviation that makes PyTorch's second derivatives of ``root``'s graph
    differ from the truth, or None if PyTorch's are right."""
    for node in walk(root):
        if node.op == "**" and len(node.parents) == 2 and node.parents[1].data == 0.0:
            return DEVIATIONS[0].name
    return None
