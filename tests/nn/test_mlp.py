"""Neurons, layers, MLPs of the scalar engine: what they compute, initialisation and seeds,
micrograd compatibility."""

import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_engine import assert_close
from tinygrad_edu import Value, no_grad
from tinygrad_edu.nn import (
    ACTIVATIONS,
    MLP,
    Layer,
    Neuron,
    hinge_loss,
    l2_penalty,
)
from tinygrad_edu.training.data import make_moons

try:
    import micrograd.nn as micrograd_nn
except ImportError:
    micrograd_nn = None


# ----------------------------------------------------------------------------- structure


@pytest.mark.parametrize("model, count", [
    (MLP(2, [16, 16, 1], seed=0), 337),  # micrograd's demo model
    (Neuron(3, seed=0), 4),
    (Layer(3, 4, seed=0), 16),
    (MLP(64, [32, 10], seed=0), 64 * 32 + 32 + 32 * 10 + 10),
])
def test_parameter_counts(model, count):
    assert len(model.parameters()) == count
    assert len({id(p) for p in model.parameters()}) == count


def math_activation(name, z):
    return {"relu": max(z, 0.0), "tanh": math.tanh(z), "sigmoid": 1 / (1 + math.exp(-z)),
            "leaky_relu": z if z > 0 else 0.01 * z, "linear": z}[name]


NEURON_ACTIVATIONS = sorted(n for n in ACTIVATIONS if n not in ("softmax", "log_softmax"))


@pytest.mark.parametrize("activation", NEURON_ACTIVATIONS)
@pytest.mark.parametrize("x", [[0.5, -1.5, 2.0], [-2.0, 0.3, -0.7]])
def test_neuron_computes_activation_of_w_dot_x_plus_b(activation, x):
    n = Neuron(3, activation, seed=1)
    n.b.data = 0.25
    w = [p.data for p in n.w]
    z = math.fsum(wi * xi for wi, xi in zip(w, x)) + 0.25
    assert n(x).data == pytest.approx(math_activation(activation, z), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_a_layer_wide_activation_is_not_a_neurons(name):
    with pytest.raises(ValueError, match=f"{name} acts on a whole layer's outputs at once"):
        Neuron(3, name)


def test_neuron_graph_is_one_dot_one_plus_one_activation():
    n = Neuron(4, "tanh", seed=0)
    x = [Value(v) for v in (1.0, 2.0, 3.0, 4.0)]
    out = n(x)
    z = out.parents[0]
    assert (out.op, z.op, z.parents[0].op) == ("tanh", "+", "dot")
    assert z.parents[1] is n.b and z.parents[0].parents == (*n.w, *x)
    assert Neuron(4, "linear", seed=0)(x).op == "+"


def test_layer_returns_a_list_and_mlp_unwraps_a_single_output():
    x = [0.1, -0.2]
    assert isinstance(Layer(2, 1, seed=0)(x), list) and len(Layer(2, 1, seed=0)(x)) == 1
    assert len(Layer(2, 5, seed=0)(x)) == 5
    assert isinstance(MLP(2, [4, 1], seed=0)(x), Value)
    out = MLP(2, [4, 3], seed=0)(x)
    assert isinstance(out, list) and len(out) == 3


def test_mlp_hidden_layers_use_the_activation_and_the_last_is_linear():
    model = MLP(3, [5, 4, 2], activation="tanh", seed=0)
    assert [n.activation for layer in model.layers for n in layer.neurons[:1]] == \
        ["tanh", "tanh", "linear"]
    assert [n.activation for n in MLP(2, [3, 1], seed=0).layers[0].neurons] == ["relu"] * 3


def test_reprs_are_readable():
    assert repr(Neuron(2, seed=0)) == "Neuron(2, relu)"
    assert repr(Layer(2, 16, "tanh", seed=0)) == "Layer(2 -> 16, tanh)"
    assert repr(MLP(2, [16, 16, 1], seed=0)).splitlines() == [
        "MLP(2 -> 16 -> 16 -> 1, 337 parameters)",
        "  (0): Layer(2 -> 16, relu)",
        "  (1): Layer(16 -> 16, relu)",
        "  (2): Layer(16 -> 1, linear)",
    ]


def test_inputs_may_be_values_numbers_or_numpy_rows():
    model = MLP(2, [8, 1], seed=3)
    row = np.array([0.4, -1.1])
    a = model(row).data
    assert model([0.4, -1.1]).data == a
    assert model([Value(0.4), Value(-1.1)]).data == a
    assert model((0.4, -1.1)).data == a


def test_wrong_inputs_are_explained():
    with pytest.raises(ValueError, match=r"Layer\(2 -> 3, relu\) expects 2 inputs, got 3"):
        Layer(2, 3, seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Neuron\(2, relu\) expects 2 inputs, got 1"):
        Neuron(2, seed=0)([1.0])
    with pytest.raises(TypeError, match="needs a sequence of 2 inputs, got float"):
        MLP(2, [1], seed=0)(1.0)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        Neuron(2, "gelu")
    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        MLP(2, [1], init="zeros")
    with pytest.raises(ValueError, match=r"list of layer sizes, e\.g\. \[16, 16, 1\]"):
        MLP(2, 16)
    with pytest.raises(ValueError, match="nin >= 1"):
        Neuron(0)
    with pytest.raises(TypeError, match="seed must be an int"):
        Neuron(2, seed="abc")


def test_custom_activation_and_init_functions():
    n = Neuron(2, activation=lambda z: z * z, init=lambda rng, fan_in, fan_out: 0.5)
    assert [w.data for w in n.w] == [0.5, 0.5]
    assert n([1.0, 3.0]).data == 4.0


def test_micrograd_nonlin_keyword():
    assert Neuron(2, nonlin=False, seed=0).activation == "linear"
    assert Layer(2, 3, nonlin=True, seed=0).neurons[0].activation == "relu"


@settings(max_examples=25)
@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.integers(0, 2**16))
def test_mlp_parameter_gradients_match_central_differences(x, seed):
    model = MLP(3, [4, 2], activation="tanh", seed=seed)
    out = model(x)
    (out[0] * out[1] + out[0]).backward()  # uses both outputs, no kinks anywhere
    for name, p in model.named_parameters():
        original = p.data
        h = 1e-6 * max(1.0, abs(original))
        with no_grad():
            p.data = original + h
            up = model(x)
            p.data = original - h
            down = model(x)
        p.data = original
        f = lambda o: o[0].data * o[1].data + o[0].data
        assert_close(p.grad, (f(up) - f(down)) / (2 * h), name)


# ----------------------------------------------------------------------------- initialisation


def test_a_seed_reproduces_the_model_and_leaves_global_random_alone():
    state = random.getstate()
    a, b = MLP(2, [16, 16, 1], seed=7), MLP(2, [16, 16, 1], seed=7)
    assert random.getstate() == state
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != MLP(2, [16, 16, 1], seed=8).state_dict()
    rng = random.Random(7)
    assert MLP(2, [16, 16, 1], seed=rng).state_dict() == a.state_dict()


def test_without_a_seed_weights_come_from_global_random_in_micrograds_order():
    random.seed(1337)
    model = MLP(2, [3, 1])
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(2 * 3 + 3)]
    weights = [p.data for n, p in model.named_parameters() if ".w." in n]
    assert weights == expected
    assert all(p.data == 0.0 for n, p in model.named_parameters() if n.endswith(".b"))


@pytest.mark.skipif(micrograd_nn is None, reason="micrograd is not installed (bench extra)")
def test_same_weights_as_micrograd_after_random_seed():
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]


@pytest.mark.parametrize("init, bound, std", [
    ("uniform", 1.0, 1 / math.sqrt(3)),
    ("randn", None, 0.1),
    ("xavier", math.sqrt(6 / (200 + 50)), math.sqrt(6 / 250) / math.sqrt(3)),
    ("he", None, math.sqrt(2 / 200)),
])
def test_initialisations_have_the_documented_spread(init, bound, std):
    layer = Layer(200, 50, init=init, seed=0)
    weights = [w.data for n in layer.neurons for w in n.w]
    assert statistics.fmean(weights) == pytest.approx(0.0, abs=4 * std / 100)  # 10,000 draws
    assert statistics.pstdev(weights) == pytest.approx(std, rel=0.03)
    if bound is not None:
        assert max(abs(w) for w in weights) <= bound
    assert all(n.b.data == 0.0 for n in layer.neurons)


# ----------------------------------------------------------------------------- micrograd's demo


def micrograd_demo(Value, MLP, steps):
    """micrograd's demo.ipynb, cell by cell in its own code shape, with its imports (Value,
    MLP and make_moons) passed in: returns (loss, accuracy) before each step and the model."""
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y*2 - 1
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337

    def loss(batch_size=None):
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p*p for p in model.parameters()))  # noqa: UP034 (as written)
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9*k/100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    mini_loss, mini_acc = loss(batch_size=10)  # the notebook's mini-batch branch runs too
    assert isinstance(mini_loss, Value) and 0 <= mini_acc <= 1
    return history, model


def test_micrograd_demo_loop_runs_and_trains():
    history, model = micrograd_demo(Value, MLP, steps=12)
    # the numbers micrograd's notebook printed: the same data, weights and first steps
    assert history[0] == (pytest.approx(0.8958441028683222, rel=1e-12), 0.5)
    assert history[1] == (pytest.approx(1.7235905336972022, rel=1e-9), 0.81)
    assert history[10] == (pytest.approx(0.2451, abs=5e-5), 0.91)
    # the same numbers through the library's loss functions
    X, y = make_moons(n_samples=100, noise=0.1, seed=np.random.RandomState(1337))
    y = y * 2 - 1
    scores = [model(list(map(Value, row))) for row in X]
    ours = hinge_loss(scores, y) + l2_penalty(model.parameters(), 1e-4)
    theirs = sum((1 + -t * s).relu() for t, s in zip(y, scores)) * (1.0 / len(scores)) + \
        1e-4 * sum(p * p for p in model.parameters())
    assert ours.data == pytest.approx(theirs.data, rel=1e-12)


@pytest.mark.skipif(micrograd_nn is None, reason="micrograd is not installed (dev extra)")
def test_micrograd_demo_gives_the_same_numbers_with_micrograd_itself():
    from micrograd.engine import Value as MicrogradValue

    ours, _ = micrograd_demo(Value, MLP, steps=1)  # micrograd is slow: one step, forward and
    theirs, _ = micrograd_demo(MicrogradValue, micrograd_nn.MLP, steps=1)  # mini-batch check
    assert [acc for _, acc in ours] == [acc for _, acc in theirs]
    assert [loss for loss, _ in ours] == pytest.approx([loss for loss, _ in theirs], rel=1e-12)


