"""Module, shared by both engines: finding parameters by their PyTorch names, zero_grad,
state dicts, and saving/loading with every way a file can be wrong."""

import json
import math
import os
import random
import stat
from pathlib import Path

import numpy as np
import pytest

from tests.training.test_idx import skip_if_permissions_ignored
from tinygrad_edu import Value
from tinygrad_edu.nn import (
    MLP,
    Module,
    Neuron,
    StateDictError,
    load,
    save,
)

try:
    import micrograd.nn as micrograd_nn
except ImportError:
    micrograd_nn = None


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


def test_a_matrix_of_values_is_found_row_by_row():
    """A list of lists of Values (a weight matrix, as a GPT's layers keep theirs) is a
    parameter group per row: ``w.1.0`` is row 1, column 0, as PyTorch names ``weight``."""
    from tinygrad_edu import dots

    class Linear(Module):
        def __init__(self):
            self.w = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)], [Value(5.0), Value(6.0)]]
            self.label_parameters()

        def forward(self, x):
            return dots(self.w, x)

    layer, other = Linear(), Linear()
    assert [n for n, _ in layer.named_parameters()] == [
        "w.0.0", "w.0.1", "w.1.0", "w.1.1", "w.2.0", "w.2.1"]
    assert layer.w[1][0].label == "w.1.0" and layer.parameters()[2] is layer.w[1][0]
    assert layer.state_dict() == {"w.0": [1.0, 2.0], "w.1": [3.0, 4.0], "w.2": [5.0, 6.0]}
    other.load_state_dict({"w.0": [0.0, 1.0], "w.1": [1.0, 0.0], "w.2": [1.0, 1.0]})
    assert [y.data for y in other([7.0, 8.0])] == [8.0, 7.0, 15.0]
    with pytest.raises(StateDictError, match=r"w.1: size mismatch, the state has 3 numbers"):
        other.load_state_dict({"w.0": [0.0, 1.0], "w.1": [1.0, 0.0, 2.0], "w.2": [1.0, 1.0]})


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


def _null_device(tmp_path):
    """A character device that discards what is written: a twin of /dev/null made in
    tmp_path where we may (as root), else /dev/null itself (then saving without the fix
    fails to create its temporary file in /dev, and never replaces the device)."""
    twin = tmp_path / "null"
    try:
        null = os.stat(os.devnull).st_rdev
        os.mknod(twin, 0o666 | stat.S_IFCHR, os.makedev(os.major(null), os.minor(null)))
    except OSError:
        return Path(os.devnull)
    return twin


def test_saving_to_a_device_writes_to_it_and_keeps_it_a_device(tmp_path):
    """model.save(os.devnull) must not replace /dev/null with a file (it did, as root)."""
    device = _null_device(tmp_path)
    MLP(2, [1], seed=0).save(device)
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert [p.name for p in tmp_path.iterdir()] in ([], ["null"])  # no temporary file left


def test_a_bytes_path_and_an_empty_path_are_named_in_the_error(tmp_path):
    MLP(2, [1], seed=0).save(os.fsencode(tmp_path / "m.json"))  # os.PathLike's bytes twin
    assert load(tmp_path / "m.json") == MLP(2, [1], seed=0).state_dict()
    with pytest.raises(FileNotFoundError, match="cannot save the model to '': no file name"):
        MLP(2, [1], seed=0).save("")


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


# ----------------------------------------------------------------------------- both engines


def test_one_module_base_names_resets_and_saves_a_tensor_model(tmp_path):
    from tinygrad_edu import tensor

    model = tensor.MLP(3, [4, 2], seed=0)
    assert isinstance(model, Module)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    x = np.array([[0.5, -1.0, 2.0]])
    tensor.cross_entropy(model(x), [1]).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())  # as PyTorch: None, not zeros

    model.save(tmp_path / "tensor.json")
    twin = tensor.MLP(3, [4, 2], seed=1)
    assert not np.array_equal(twin(x).data, model(x).data)
    twin.load(tmp_path / "tensor.json")
    np.testing.assert_array_equal(twin(x).data, model(x).data)
    assert twin.layers[0].W.dtype == np.float64


def test_a_float32_tensor_model_keeps_its_dtype_and_refuses_a_bad_file(tmp_path):
    from tinygrad_edu import tensor

    model = tensor.MLP(2, [3], seed=0, dtype=np.float32)
    state = model.state_dict()
    state["layers.0.b"] = np.zeros((1, 4))
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(StateDictError, match=r"layers\.0\.b: size mismatch, the state has "
                                             r"\(1×4\) but the model has \(1×3\)"):
        model.load_state_dict(state)
    state["layers.0.b"] = [[1.0, math.nan, 0.0]]
    with pytest.raises(StateDictError, match=r"layers\.0\.b: the state holds NaN"):
        model.load_state_dict(state)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    path = tmp_path / "f32.json"
    model.save(path)
    loaded = tensor.MLP(2, [3], seed=5, dtype=np.float32)
    loaded.load(path)
    assert loaded.layers[0].W.dtype == np.float32
    np.testing.assert_array_equal(loaded.layers[0].W.data, model.layers[0].W.data)


def test_sequential_mixes_layers_and_describes_them():
    from tinygrad_edu import tensor

    model = tensor.Sequential(tensor.Dense(2, 3, "tanh", seed=0), tensor.Dense(3, 1, seed=0))
    assert len(model) == 2 and model[1].out_features == 1 and next(iter(model)) is model[0]
    assert repr(model) == "Sequential(\n  (0): Dense(2 -> 3, tanh)\n  (1): Dense(3 -> 1, linear)\n)"
    assert repr(MLP(2, [3, 1], seed=0)).splitlines()[0] == "MLP(2 -> 3 -> 1, 13 parameters)"
