"""INITS and ACTIVATIONS: one table each, read by both engines' layers."""

import math
import random

import numpy as np
import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import Layer
from tinygrad_edu.nn.init import ACTIVATIONS, INITS, draw_weights, numpy_rng, python_rng
from tinygrad_edu.tensor import Dense, Tensor

SPREAD = {  # name: (bound or None, standard deviation) for fan_in 200, fan_out 50
    "uniform": (1.0, 1 / math.sqrt(3)),
    "randn": (None, 0.1),
    "xavier": (math.sqrt(6 / 250), math.sqrt(6 / 250) / math.sqrt(3)),
    "he": (None, math.sqrt(2 / 200)),
    "torch": (1 / math.sqrt(200), 1 / math.sqrt(200) / math.sqrt(3)),
}


def test_every_init_is_described():
    assert set(INITS) == set(SPREAD)


@pytest.mark.parametrize("name", sorted(SPREAD))
def test_both_engines_draw_each_init_with_the_documented_spread(name):
    bound, std = SPREAD[name]
    scalar = [w.data for n in Layer(200, 50, init=name, seed=0).neurons for w in n.w]
    tensor = Dense(200, 50, init=name, seed=0).W.data.ravel()
    for weights in (np.array(scalar), tensor):  # 10,000 draws each
        assert weights.mean() == pytest.approx(0.0, abs=4 * std / 100)
        assert weights.std() == pytest.approx(std, rel=0.03)
        if bound is not None:
            assert np.abs(weights).max() <= bound


def test_the_scalar_engine_draws_from_pythons_random_and_the_tensor_engine_from_numpy():
    assert draw_weights("uniform", random.Random(3), 2, 1) == random.Random(3).uniform(-1, 1)
    matrix = draw_weights("he", np.random.default_rng(3), 4, 2, (4, 2))
    np.testing.assert_array_equal(matrix, np.random.default_rng(3).normal(0, math.sqrt(2 / 4),
                                                                          (4, 2)))
    assert python_rng(None) is random and isinstance(numpy_rng(7), np.random.Generator)


def test_an_unknown_init_or_seed_is_explained():
    with pytest.raises(ValueError, match=r"unknown init 'zeros'; choose one of \['he', "):
        draw_weights("zeros", random, 2, 1)
    with pytest.raises(ValueError, match="Dense: unknown init 'zeros'"):
        Dense(2, 1, init="zeros")
    with pytest.raises(TypeError, match=r"seed must be an int, a random\.Random or None"):
        python_rng("7")
    with pytest.raises(TypeError, match=r"seed must be an int, a numpy\.random\.Generator or None"):
        numpy_rng(1.5)


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_each_activation_is_the_nodes_method_in_both_engines(name):
    x = [-1.5, 0.25, 2.0]
    scalar = [ACTIVATIONS[name](Value(v)).data for v in x]
    tensor = ACTIVATIONS[name](Tensor(x)).data
    assert scalar == [getattr(Value(v), name)().data for v in x]
    np.testing.assert_allclose(tensor, scalar, rtol=1e-15)  # math and NumPy: the last bit
    assert ACTIVATIONS["linear"] is None
