"""The tensor engine's losses that tests/tensor/test_engine.py does not cover: ``mse_loss``
and ``l2_penalty`` (cross_entropy is there), each checked against its formula."""

import numpy as np
import pytest

from tinygrad_edu.tensor import Tensor, l2_penalty, mse_loss
from tinygrad_edu.tensor.nn import functional as F


def test_l2_penalty_value_and_gradient():
    rng = np.random.default_rng(0)
    W, b = Tensor(rng.normal(size=(3, 2))), Tensor(rng.normal(size=(1, 2)))
    penalty = l2_penalty([W, b], 0.1)
    assert penalty.item() == pytest.approx(0.1 * (np.sum(W.data ** 2) + np.sum(b.data ** 2)),
                                           rel=1e-12)
    penalty.backward()
    np.testing.assert_allclose(W.grad, 0.2 * W.data, rtol=1e-12)
    np.testing.assert_allclose(b.grad, 0.2 * b.data, rtol=1e-12)


def test_l2_penalty_is_one_function_reached_from_the_module_and_from_a_tensor():
    """``fit`` (shared by both engines) asks a parameter for its engine's penalty."""
    t = Tensor([1.0, -2.0])
    assert F.l2_penalty is Tensor.l2_penalty is t.l2_penalty
    assert t.l2_penalty([t], 0.5).item() == 2.5
    with pytest.raises(ValueError, match="l2_penalty: got no parameters"):
        l2_penalty([])


def test_mse_loss_value_and_gradient():
    pred, target = Tensor([[1.0], [2.0], [4.0]]), np.array([[0.0], [2.0], [1.0]])
    loss = mse_loss(pred, target)
    assert loss.item() == pytest.approx((1 + 0 + 9) / 3)
    loss.backward()
    np.testing.assert_allclose(pred.grad, 2 * (pred.data - target) / 3)
    with pytest.raises(TypeError, match="mse_loss: pred must be a Tensor, got list"):
        mse_loss([1.0], [1.0])
