"""Tensor layers and optimizers: Dense as Z = XW + b, Sequential/MLP, state dicts,
SGD and Adam on tensors against torch.optim, and a small network that learns."""

import re

import numpy as np
import pytest

from tests.conftest import requires_torch, torch
from tinygrad_edu.nn import StateDictError
from tinygrad_edu.tensor import (
    MLP,
    SGD,
    Adam,
    Dense,
    Sequential,
    Tensor,
    cross_entropy,
    no_grad,
)
from tinygrad_edu.training.data import make_moons
from tinygrad_edu.training.optim import clip_grad_norm

SAME = {"rtol": 1e-10, "atol": 1e-12}


def test_dense_shapes_are_those_of_z_equals_xw_plus_b():
    layer = Dense(3, 4, seed=0)
    assert layer.W.shape == (3, 4) and layer.b.shape == (1, 4)
    assert np.all(layer.b.data == 0)
    assert layer(np.ones((10, 3))).shape == (10, 4)
    assert layer(np.ones(3)).shape == (1, 4)  # one sample: b keeps the row axis, as Z = xW + b


def test_dense_gradients_are_the_closed_forms():
    """Z = XW + b: dW = Xᵀ·dZ, db = Σ dZ over the batch, dX = dZ·Wᵀ."""
    rng = np.random.default_rng(3)
    layer = Dense(3, 4, seed=1)
    layer.b.data[:] = rng.normal(size=(1, 4))
    X = Tensor(rng.normal(size=(10, 3)))
    dZ = rng.normal(size=(10, 4))
    layer(X).backward(dZ)
    np.testing.assert_allclose(layer.W.grad, X.data.T @ dZ, **SAME)
    np.testing.assert_allclose(layer.b.grad, dZ.sum(axis=0, keepdims=True), **SAME)
    np.testing.assert_allclose(X.grad, dZ @ layer.W.data.T, **SAME)


def test_dense_activation_uses_z():
    rng = np.random.default_rng(0)
    layer = Dense(3, 4, "relu", seed=2)
    X = rng.normal(size=(6, 3))
    layer.b.data[:] = rng.normal(size=(1, 4))
    z = X @ layer.W.data + layer.b.data
    np.testing.assert_allclose(layer(X).data, np.maximum(z, 0), **SAME)
    layer(X).sum().backward()
    np.testing.assert_allclose(layer.W.grad, X.T @ (z > 0), **SAME)  # dZ = dA ⊙ (Z > 0)


def test_an_array_input_is_a_constant():
    layer = Dense(3, 2, seed=0)
    out = layer(np.ones((4, 3)))  # (X @ W) + b
    assert out.parents[1] is layer.b
    assert out.parents[0].parents == (layer.W,)  # X is no parent: no gradient is computed


def test_inits_and_seeds():
    assert np.array_equal(Dense(5, 3, seed=4).W.data, Dense(5, 3, seed=4).W.data)
    assert not np.array_equal(Dense(5, 3, seed=4).W.data, Dense(5, 3, seed=5).W.data)
    he = Dense(400, 300, init="he", seed=0).W.data
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    xavier = Dense(400, 300, init="xavier", seed=0).W.data
    assert np.abs(xavier).max() <= np.sqrt(6 / 700)
    assert abs(Dense(400, 300, init="randn", seed=0).W.data.std() - 0.1) < 0.005
    custom = Dense(2, 2, init=lambda rng, i, o: np.full((i, o), 0.5))
    assert np.all(custom.W.data == 0.5)
    assert Dense(2, 2, dtype=np.float32).W.dtype == np.float32


def test_dense_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Dense(2, 2, "swish")
    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        Dense(2, 2, init="zeros")
    with pytest.raises(ValueError, match="in_features must be an int >= 1"):
        Dense(0, 2)
    with pytest.raises(ValueError, match=r"Dense\(3 -> 2, linear\): expects inputs with 3 "
                                         r"features in the last dimension, got shape \(10×4\)"):
        Dense(3, 2)(np.ones((10, 4)))


def test_mlp_structure():
    model = MLP(784, [128, 10], seed=0)
    assert [type(layer) for layer in model] == [Dense, Dense]
    assert [layer.activation for layer in model] == ["relu", "linear"]
    assert sum(p.size for p in model.parameters()) == 784 * 128 + 128 + 128 * 10 + 10
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"
    ]
    assert repr(model).splitlines()[0] == "MLP(784 -> 128 -> 10, 101770 parameters)"
    assert model(np.zeros((2, 784))).shape == (2, 10)
    with pytest.raises(ValueError, match="list of layer sizes"):
        MLP(3, 4)


def test_sequential_equals_composing_its_layers():
    first, second = Dense(3, 5, "tanh", seed=0), Dense(5, 2, seed=1)
    model = Sequential(first, second)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(model(x).data, second(first(x)).data)
    assert model[1] is second and len(model) == 2
    assert len(model.parameters()) == 4


def test_zero_grad_and_state_dict_round_trip():
    model = MLP(3, [4, 2], seed=0)
    cross_entropy(model(np.ones((2, 3))), [0, 1]).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())

    state = model.state_dict()
    other = MLP(3, [4, 2], seed=1)
    other.load_state_dict(state)
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(other(x).data, model(x).data)
    state["layers.0.W"][0, 0] = 99.0  # the state is a copy, not the model's arrays
    assert model.layers[0].W.data[0, 0] != 99.0


def test_load_state_dict_checks_everything_first():
    model = MLP(3, [4, 2], seed=0)
    before = [p.data.copy() for p in model.parameters()]
    bad_shape = model.state_dict()
    bad_shape["layers.1.W"] = np.zeros((2, 4))
    with pytest.raises(StateDictError, match=r"layers.1.W: size mismatch.*\(2×4\).*\(4×2\)"):
        model.load_state_dict(bad_shape)
    missing = model.state_dict()
    del missing["layers.1.b"]
    with pytest.raises(StateDictError, match="missing keys"):
        model.load_state_dict(missing)
    nan = {k: v + 1 for k, v in model.state_dict().items()}
    nan["layers.1.b"][0, 0] = np.nan
    with pytest.raises(StateDictError, match="NaN"):
        model.load_state_dict(nan)
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, old)


@pytest.mark.filterwarnings("error")  # no ComplexWarning, no overflow warning either
@pytest.mark.parametrize("bad, named", [
    (None, "NoneType None"),
    ("0.5", "str '0.5'"),
    (np.array([[1 + 2j, 0.0]]), "complex (1+2j) at [0, 0]"),
    ([[0.5, None]], "NoneType None at [0, 1]"),
    (np.array([[0.5, "x"]], dtype=object), "str 'x' at [0, 1]"),
])
def test_load_state_dict_refuses_what_is_not_real_numbers(bad, named):
    model = MLP(3, [4, 2], seed=0)
    before = [p.data.copy() for p in model.parameters()]
    state = {k: v + 1 for k, v in model.state_dict().items()}  # all good but one entry
    state["layers.1.b"] = bad
    with pytest.raises(StateDictError, match=rf"^layers.1.b needs real numbers, got "
                                             rf"{re.escape(named)}"):
        model.load_state_dict(state)
    for p, old in zip(model.parameters(), before):  # nothing changed, not even layers.0
        np.testing.assert_array_equal(p.data, old)


def test_load_state_dict_refuses_numbers_too_large_for_float32():
    model = MLP(3, [4, 2], seed=0, dtype=np.float32)
    state = model.state_dict()
    state["layers.0.b"] = np.full((1, 4), 1e300)  # float64 numbers that float32 cannot hold
    with pytest.raises(StateDictError, match=r"^layers.0.b: 4 entries are too large for float32"):
        model.load_state_dict(state)


# ----------------------------------------------------------------------------- optimizers


def test_optimizer_zero_grad_sets_tensor_grads_to_none_and_step_skips_them():
    used, unused = Tensor([1.0, 2.0]), Tensor([3.0])
    opt = Adam([used, unused], lr=0.1)
    (used * used).sum().backward()
    opt.step()
    assert unused.data.tolist() == [3.0] and opt.state[1] == {}
    opt.zero_grad()
    assert used.grad is None and unused.grad is None


def test_optimizers_keep_float32():
    model = MLP(3, [4, 2], seed=0, dtype=np.float32)
    for opt in (SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3),
                Adam(model.parameters(), weight_decay=1e-3)):
        for _ in range(2):
            opt.zero_grad()
            cross_entropy(model(np.ones((2, 3))), [0, 1]).backward()
            opt.step()
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_clip_grad_norm_on_tensors():
    a, b = Tensor([1.0]), Tensor([[1.0]])
    (a * 3.0 + b * 4.0).sum().backward()
    assert clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    assert np.hypot(a.grad[0], b.grad[0, 0]) == pytest.approx(1.0, rel=1e-5)


OPTIMIZERS = {
    "SGD": (lambda ps: SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "SGD momentum": (lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01)),
    "SGD nesterov": (lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True)),
    "Adam": (lambda ps: Adam(ps, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
    "Adam weight decay": (lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
                          lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99),
                                                      weight_decay=0.1)),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_on_tensors_matches_torch_optim(name):
    ours_opt, torch_opt = OPTIMIZERS[name]
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    model = MLP(3, [5, 2], seed=0)
    t_params = [torch.tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    opt, t_opt = ours_opt(model.parameters()), torch_opt(t_params)
    tX, t_labels = torch.tensor(X), torch.tensor(labels)
    for _ in range(5):
        opt.zero_grad()
        cross_entropy(model(X), labels).backward()
        opt.step()
        t_opt.zero_grad()
        W1, b1, W2, b2 = t_params
        logits = torch.relu(tX @ W1 + b1) @ W2 + b2
        torch.nn.functional.cross_entropy(logits, t_labels).backward()
        t_opt.step()
    for p, tp in zip(model.parameters(), t_params):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_an_mlp_learns_the_moons():
    X, y = make_moons(200, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 2], seed=0, dtype=np.float32)
    opt = Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(150):
        loss = cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with no_grad():
        accuracy = (model(X).data.argmax(axis=1) == y).mean()
    assert losses[-1] < 0.2 * losses[0]
    assert accuracy >= 0.97


def test_optimizer_zero_grad_still_gives_scalar_values_zero():
    from tinygrad_edu import Value

    v = Value(1.0)
    v.grad = 2.0
    opt = SGD([v], lr=0.1)
    opt.step()
    opt.zero_grad()
    assert v.data == pytest.approx(0.8) and v.grad == 0.0
