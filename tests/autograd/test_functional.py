"""derivatives.py: ``jacobian`` and ``hessian`` for both engines, as PyTorch's
``torch.autograd.functional``, against exact values, central differences and PyTorch."""

import math

import numpy as np
import pytest

from tests.conftest import requires_torch, torch
from tinygrad_edu import hessian, jacobian
from tinygrad_edu.tensor import Tensor


def numeric_jacobian(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.asarray(f(x), dtype=float)
    J = np.zeros(out.shape + x.shape)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        J[(..., *i)] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * h)
    return J


def test_scalar_jacobian_and_hessian():
    assert jacobian(lambda x: x ** 3, 2.0) == 12.0
    assert jacobian(lambda x, y: x * y.tanh(), [2.0, 0.5]) == pytest.approx(
        (math.tanh(0.5), 2 * (1 - math.tanh(0.5) ** 2)), rel=1e-12)
    assert jacobian(lambda x, y: (x * y, x + y), (2.0, 3.0)) == ((3.0, 2.0), (1.0, 1.0))
    H = hessian(lambda x, y: x ** 2 * y + y.exp(), (2.0, 0.5))
    np.testing.assert_allclose(H, [[1.0, 4.0], [4.0, math.exp(0.5)]], rtol=1e-12)
    assert hessian(lambda x: x * 4, 1.0) == 0.0  # a gradient that is a constant
    with pytest.raises(TypeError, match="jacobian: f must return a Value or a Tensor"):
        jacobian(lambda x: 3.0, 1.0)


def test_tensor_jacobian_and_hessian_against_central_differences():
    rng = np.random.default_rng(0)
    W, x = rng.normal(size=(3, 2)), rng.normal(size=2)
    J = jacobian(lambda w: (w @ Tensor(x)).tanh(), W)
    assert J.shape == (3, 3, 2)
    np.testing.assert_allclose(J, numeric_jacobian(lambda w: np.tanh(w @ x), W), rtol=1e-6,
                               atol=1e-9)
    H = hessian(lambda w: ((w @ Tensor(x)).tanh() ** 2).sum(), W)
    assert H.shape == (3, 2, 3, 2)
    gradient = (lambda w: 2 * np.tanh(w @ x)[:, None] * (1 - np.tanh(w @ x) ** 2)[:, None]
                * x[None, :])
    np.testing.assert_allclose(H, numeric_jacobian(gradient, W), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(H.reshape(6, 6), H.reshape(6, 6).T, atol=1e-12)  # symmetric


@requires_torch
def test_jacobian_and_hessian_match_torch_autograd_functional():
    from torch.autograd.functional import hessian as torch_hessian
    from torch.autograd.functional import jacobian as torch_jacobian

    rng = np.random.default_rng(1)
    A, b = rng.normal(size=(4, 3)), rng.normal(size=(1, 3))

    def ours(a, c):
        return ((a @ Tensor(np.ones((3, 2)))).sigmoid() * 2 + c.sum()).log_softmax(axis=1)

    def theirs(a, c):
        return torch.log_softmax(torch.sigmoid(a @ torch.ones(3, 2, dtype=torch.float64)) * 2
                                 + c.sum(), dim=1)

    mine = jacobian(ours, (A, b))
    reference = torch_jacobian(theirs, (torch.tensor(A), torch.tensor(b)))
    for m, r in zip(mine, reference):
        np.testing.assert_allclose(m, r.numpy(), rtol=1e-10, atol=1e-12)
    mine = hessian(lambda a, c: (ours(a, c) ** 2).sum(), (A, b))
    reference = torch_hessian(lambda a, c: (theirs(a, c) ** 2).sum(),
                              (torch.tensor(A), torch.tensor(b)))
    for row_m, row_r in zip(mine, reference):
        for m, r in zip(row_m, row_r):
            np.testing.assert_allclose(m, r.numpy(), rtol=1e-9, atol=1e-11)
    x = torch.tensor([2.0, 0.5], dtype=torch.float64)
    scalar = hessian(lambda p, q: (p * q).tanh() * p, (2.0, 0.5))
    expected = torch_hessian(lambda v: torch.tanh(v[0] * v[1]) * v[0], x).numpy()
    np.testing.assert_allclose(np.array(scalar), expected, rtol=1e-12)
