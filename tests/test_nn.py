"""Neurons, layers, MLPs: what they compute, their parameters, initialisation and seeds,
micrograd compatibility, and saving/loading with every way a file can be wrong."""

import json
import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_engine import assert_close
from tests.test_idx import skip_if_permissions_ignored
from tinygrad_edu import Value, no_grad
from tinygrad_edu.data import make_moons
from tinygrad_edu.nn import (
    ACTIVATIONS,
    MLP,
    Layer,
    Module,
    Neuron,
    StateDictError,
    hinge_loss,
    l2_penalty,
    load,
    save,
)

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


# ----------------------------------------------------------------------------- parameters


def test_named_parameters_follow_pytorch_dotted_names():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]
    assert names[-1] == "layers.1.neurons.0.b" and len(names) == 13
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [4, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_custom_module_finds_its_parameters_like_pytorch():
    class Affine(Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.shifts = [Value(0.5), Value(-0.5)]
            self.inner = Neuron(2, "linear", seed=0)
            self._cache = Value(9.0)  # private attributes are not parameters

        def forward(self, x):
            return self.scale * self.inner(x) + self.shifts[0]

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == [
        "scale", "shifts.0", "shifts.1", "inner.w.0", "inner.w.1", "inner.b"]
    assert m([1.0, 1.0]).data == pytest.approx(2 * sum(w.data for w in m.inner.w) + 0.5)
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1.0)


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


# ----------------------------------------------------------------------------- save and load


def outputs(model, xs=((0.3, -0.2), (1.0, 0.5))):
    return [model(list(x)).data for x in xs]


def test_state_dict_round_trip_and_file_round_trip(tmp_path):
    a, b = MLP(2, [5, 1], seed=1), MLP(2, [5, 1], seed=2)
    assert outputs(a) != outputs(b)
    state = a.state_dict()
    assert state["layers.0.neurons.0.w"] == [p.data for p in a.layers[0].neurons[0].w]
    assert state["layers.1.neurons.0.b"] == a.layers[1].neurons[0].b.data
    b.load_state_dict(state)
    assert outputs(b) == outputs(a)
    path = tmp_path / "model.json"
    a.save(path)
    c = MLP(2, [5, 1], seed=3)
    c.load(path)
    assert c.state_dict() == a.state_dict()  # JSON keeps floats exactly
    d = MLP(2, [5, 1], seed=4)
    d.load_state_dict(load(path))
    assert outputs(d) == outputs(a)
    document = json.loads(path.read_text())
    assert (document["format"], document["version"]) == ("tinygrad_edu.state_dict", 1)


def test_save_accepts_a_state_dict_and_never_half_writes(tmp_path):
    path = tmp_path / "m.json"
    model = MLP(2, [3, 1], seed=0)
    save(model.state_dict(), path)
    before = path.read_bytes()
    model.layers[0].neurons[0].w[0].data = float("nan")
    with pytest.raises(StateDictError, match=r"cannot save .*m\.json: layers\.0\.neurons\.0"
                                             r"\.w\[0\]: expected a finite number, got nan"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def corrupt(state):
    """Ways a state dict can be wrong, each with the message it must give."""
    w0 = "layers.0.neurons.0.w"
    cases = {}
    cases["missing key"] = ({k: v for k, v in state.items() if k != w0},
                            r"missing keys layers\.0\.neurons\.0\.w")
    cases["extra key"] = ({**state, "layers.9.neurons.0.b": 0.0},
                          r"unexpected keys layers\.9\.neurons\.0\.b")
    cases["wrong size"] = ({**state, w0: state[w0] + [1.0]},
                           r"layers\.0\.neurons\.0\.w: size mismatch, the state has 3 numbers "
                           r"but the model has 2")
    cases["not a list"] = ({**state, w0: 1.0}, r"expected a list of 2 numbers, got float")
    cases["not a number"] = ({**state, "layers.1.neurons.0.b": "0.5"},
                             r"layers\.1\.neurons\.0\.b: expected a number, got str")
    cases["a bool"] = ({**state, w0: [True, 0.0]}, r"w\[0\]: expected a number, got bool")
    cases["infinite"] = ({**state, w0: [0.0, float("inf")]}, r"w\[1\]: expected a finite number")
    return cases


@pytest.mark.parametrize("case", list(corrupt(MLP(2, [3, 1], seed=0).state_dict())))
def test_bad_state_dicts_raise_and_change_nothing(case, tmp_path):
    model = MLP(2, [3, 1], seed=0)
    state, message = corrupt(model.state_dict())[case]
    victim = MLP(2, [3, 1], seed=5)
    before = victim.state_dict()
    with pytest.raises(StateDictError, match=message):
        victim.load_state_dict(state)
    assert victim.state_dict() == before
    path = tmp_path / "bad.json"  # as save() would write it, had it not refused
    path.write_text(json.dumps({"format": "tinygrad_edu.state_dict", "version": 1,
                                "model": "", "state_dict": state}))
    with pytest.raises(StateDictError, match=r"bad\.json: .*" + message):
        victim.load(path)
    assert victim.state_dict() == before


def test_loading_another_architecture_says_which(tmp_path):
    path = tmp_path / "big.json"
    MLP(2, [8, 1], seed=0).save(path)
    small = MLP(2, [4, 1], seed=0)
    before = small.state_dict()
    with pytest.raises(StateDictError, match=r"unexpected keys layers\.0\.neurons\.4\.w.*"
                                             r"the file holds MLP\(2 -> 8 -> 1, 33 parameters\); "
                                             r"this model is MLP\(2 -> 4 -> 1, 17 parameters\)"):
        small.load(path)
    assert small.state_dict() == before


def test_strict_false_loads_the_matching_keys():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    partial = {k: v for k, v in a.state_dict().items() if k.startswith("layers.1")}
    b.load_state_dict({**partial, "extra": 1.0}, strict=False)
    assert b.layers[1].neurons[0].b.data == a.layers[1].neurons[0].b.data
    assert b.layers[0].neurons[0].w[0].data != a.layers[0].neurons[0].w[0].data


@pytest.mark.parametrize("content, message", [
    (b"{not json", r"not a tinygrad_edu model file: Expecting property name"),
    (b"\xff\xfe\x00garbage", r"not a tinygrad_edu model file"),
    (b'{"format": "tinygrad_edu.state_dict", "version": 1, "state_dict": {"a": 1',
     r"not a tinygrad_edu model file: Expecting"),
    (b"[1, 2, 3]", r"not a tinygrad_edu model file \(no format 'tinygrad_edu.state_dict'\)"),
    (b'{"format": "something else"}', r"not a tinygrad_edu model file \(no format"),
    (b'{"format": "tinygrad_edu.state_dict", "version": 99, "state_dict": {}}',
     r"file format version 99; this version of tinygrad_edu reads version 1"),
    (b'{"format": "tinygrad_edu.state_dict", "version": 1}', r"the file has no state_dict"),
    (b"", r"not a tinygrad_edu model file"),
])
def test_corrupt_files_raise_naming_the_file_and_change_nothing(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(StateDictError, match=r"broken\.json: " + message):
        model.load(path)
    with pytest.raises(StateDictError, match=r"broken\.json"):
        load(path)
    assert model.state_dict() == before


HEADER = '{"format": "tinygrad_edu.state_dict", "version": 1, "state_dict": '
BIAS = "layers.1.neurons.0.b"


@pytest.mark.parametrize("entry, message", [
    ("NaN", r"layers\.1\.neurons\.0\.b: expected a finite number, got nan"),
    ("Infinity", r"expected a finite number, got inf"),
    ("-1e999", r"expected a finite number, got -inf"),
    ("1" + "0" * 400, r"the number \(an int of 1329 bits\) is too large for a float"),
    ("1" + "0" * 5000, r"not a tinygrad_edu model file: Exceeds the limit"),
    ("true", r"expected a number, got bool True"),
    ("null", r"expected a number, got NoneType None"),
    ('"0.5"', r"expected a number, got str '0\.5'"),
    ("[0.5]", r"expected a number, got list \[0\.5\]"),
    ('{"a": 1}', r"expected a number, got dict"),
])
def test_a_bad_number_in_a_file_loads_nothing(tmp_path, entry, message):
    assert_loads_nothing(with_entry(tmp_path, BIAS, entry), r"bad\.json: .*" + message)


def with_entry(tmp_path, key, raw):
    """A model file for MLP(2, [3, 1]) whose entry ``key`` is the JSON text ``raw``."""
    state = MLP(2, [3, 1], seed=0).state_dict()
    text = json.dumps({k: v for k, v in state.items() if k != key})[:-1]
    path = tmp_path / "bad.json"
    path.write_text(f'{HEADER}{text}, "{key}": {raw}}}}}')
    return path


def assert_loads_nothing(path, message):
    victim = MLP(2, [3, 1], seed=5)
    untouched = victim.state_dict()
    with pytest.raises(StateDictError, match=message):
        victim.load(path)
    assert victim.state_dict() == untouched


@pytest.mark.parametrize("weights, message", [
    ("[[0.1, 0.2], 0.3]", r"w\[0\]: expected a number, got list \[0\.1, 0\.2\]"),
    ("[0.1, NaN]", r"w\[1\]: expected a finite number, got nan"),
    ("[0.1, false]", r"w\[1\]: expected a number, got bool False"),
    ("0.1", r"w: expected a list of 2 numbers, got float 0\.1"),
    ("[0.1, 0.2, 0.3]", r"w: size mismatch, the state has 3 numbers but the model has 2 "
                        r"\(this model is MLP\(2 -> 3 -> 1, 13 parameters\)\)"),
])
def test_bad_weight_lists_in_a_file_load_nothing(tmp_path, weights, message):
    w0 = "layers.0.neurons.0.w"
    assert_loads_nothing(with_entry(tmp_path, w0, weights), r"layers\.0\.neurons\.0\." + message)


def test_deeply_nested_or_cut_json_loads_nothing(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    path = tmp_path / "deep.json"
    path.write_text(HEADER + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(StateDictError, match=r"deep\.json: not a tinygrad_edu model file"):
        model.load(path)
    good = tmp_path / "good.json"
    MLP(2, [3, 1], seed=1).save(good)
    text = good.read_text()
    for cut in (len(text) // 3, len(text) // 2, len(text) - 2):
        path.write_text(text[:cut])
        with pytest.raises(StateDictError, match=r"not a tinygrad_edu model file"):
            model.load(path)
    assert model.state_dict() == before


@pytest.mark.parametrize("bad, message", [
    (complex(1, 2), r"expected a number, got complex \(1\+2j\)"),
    (np.bool_(True), r"expected a number, got bool"),
    (10**400, r"is too large for a float"),
    (float("nan"), r"expected a finite number, got nan"),
], ids=["complex", "numpy-bool", "huge-int", "nan"])
def test_load_state_dict_refuses_numbers_that_are_not_finite_reals(bad, message):
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(StateDictError, match=message):
        model.load_state_dict({**before, BIAS: bad})
    assert model.state_dict() == before


def test_numpy_numbers_are_numbers():
    model = MLP(2, [3, 1], seed=0)
    state = {k: np.array(v, np.float32).tolist() if isinstance(v, list) else np.float32(v)
             for k, v in model.state_dict().items()}
    state["layers.0.neurons.0.w"] = [np.float32(0.5), np.int64(-2)]
    model.load_state_dict(state)
    assert [p.data for p in model.layers[0].neurons[0].w] == [0.5, -2.0]


# ----------------------------------------------------------------------------- saving, on disk


def test_saving_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    MLP(2, [3, 1], seed=0).save(target)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    model = MLP(2, [3, 1], seed=1)
    model.save(link)
    assert link.is_symlink() and link.resolve() == target
    assert load(target) == model.state_dict()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["link.json", "model.json", "real"]


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    save(MLP(2, [1], seed=0), link)
    assert link.is_symlink() and (tmp_path / "new.json").is_file()


@pytest.mark.parametrize("where, error, reason", [
    ("a-directory", IsADirectoryError, "Is a directory"),
    ("missing/m.json", FileNotFoundError, "No such file or directory"),
    ("a-file/m.json", NotADirectoryError, "Not a directory"),
])
def test_a_failed_save_names_the_path_and_leaves_no_temporary_file(tmp_path, where, error,
                                                                    reason):
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("x")
    before = sorted(tmp_path.rglob("*"))
    path = tmp_path / where
    with pytest.raises(error) as info:
        MLP(2, [1], seed=0).save(path)
    assert str(info.value) == f"cannot save the model to {path}: {reason}"
    assert sorted(tmp_path.rglob("*")) == before  # no temporary file left behind


@skip_if_permissions_ignored
def test_a_read_only_file_is_not_replaced(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [1], seed=0).save(path)
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match=r"cannot save the model to .*m\.json: the file "
                                              r"is read-only"):
        MLP(2, [1], seed=1).save(path)
    assert path.read_bytes() == before


def test_saving_keeps_the_file_permissions_and_global_random_state(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [1], seed=0).save(path)
    path.chmod(0o600)
    random.seed(3)
    state = random.getstate()
    MLP(2, [1], seed=1).save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert random.getstate() == state


def test_bad_numbers_are_refused_before_any_file_is_touched(tmp_path):
    state = MLP(2, [1], seed=0).state_dict()
    nowhere = tmp_path / "missing" / "m.json"  # would be a FileNotFoundError
    for bad, message in [({**state, "layers.0.neurons.0.b": math.inf}, "expected a finite"),
                         ({**state, "layers.0.neurons.0.b": 10**400}, "too large for a float"),
                         ({**state, 7: 1.0}, r"the keys must be parameter names \(str\), got 7"),
                         ({**state, "x": [1.0, "2"]}, r"x\[1\]: expected a number, got str")]:
        with pytest.raises(StateDictError, match=r"cannot save .*m\.json: .*" + message):
            save(bad, nowhere)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere\.json"):
        MLP(2, [1], seed=0).load(tmp_path / "nowhere.json")
