"""The tensor engine's inputs: real numbers only, in every form and through every entry point;
infinities where PyTorch has them; copying and pickling; empty and odd inputs."""

import copy
import datetime
import pickle
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tests.conftest import requires_torch, torch
from tests.tensor.test_engine import (
    APPLY,
)
from tinygrad_edu import Value, walk
from tinygrad_edu.tensor import Tensor, cross_entropy, log_softmax, softmax

# ----------------------------------------------------------------------------- real numbers only


NOT_NUMBERS = {  # name: (what is passed, how the message names it, words of the hint)
    "None": (None, "NoneType None", "is None"),
    "str": ("3.5", "str '3.5'", "float('3.5')"),
    "bytes": (b"3", "bytes b'3'", "convert it first"),
    "complex": (1 + 2j, "complex (1+2j)", "real numbers only"),
    "NumPy complex": (np.complex64(1j), "complex 1j", "real numbers only"),
    "Value": (Value(1.0), "Value Value(data=1.0", "cannot join a tensor graph"),
    "Decimal": (Decimal("1.5"), "Decimal Decimal('1.5')", "pass bools, ints or floats"),
    "object": (object(), "object <object object", "pass bools, ints or floats"),
    "list with None": ([1.0, None], "NoneType None at [1]", "is None"),
    "nested list with str": ([[1.0], ["2"]], "str '2' at [1, 0]", "float('2')"),
    "list of Values": ([Value(1.0), Value(2.0)], "Value Value(data=1.0", "v.data"),
    "list of Tensors": ([Tensor(1.0)], "Tensor Tensor(1.) at [0]", "np.stack"),
    "complex array": (np.array([1 + 1j]), "complex (1+1j) at [0]", "real numbers only"),
    "str array": (np.array(["1.5"]), "str '1.5' at [0]", "float('1.5')"),
    "object array": (np.array([1, None], dtype=object), "NoneType None at [1]", "is None"),
    "dates": (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64", "seconds"),
    "a date": (datetime.date(2020, 1, 1), "date datetime.date", "seconds"),
}


def assert_refused(call, name, where):
    """``call(NOT_NUMBERS[name])`` raises a TypeError that names it and says what to do."""
    bad, named, hint = NOT_NUMBERS[name]
    with pytest.raises(TypeError) as error:
        call(bad)
    message = str(error.value)
    assert message.startswith(f"{where} needs real numbers, got {named}"), message
    assert hint in message


@pytest.mark.parametrize("name", sorted(NOT_NUMBERS))
def test_tensor_refuses_what_is_not_real_numbers(name):
    assert_refused(Tensor, name, "Tensor")


ENTRY_POINTS = {  # every way a number gets into a tensor computation: (call, where)
    **{f"t {op} x": (lambda x, f=f: f(Tensor([1.0]), x), f"the other operand of {op}")
       for op, f in APPLY.items()},
    **{f"x {op} t": (lambda x, f=f: f(x, Tensor([1.0])), f"the other operand of {op}")
       for op, f in APPLY.items()},
    "t @ x": (lambda x: Tensor([1.0]) @ x, "the other operand of matmul"),
    "x @ t": (lambda x: x @ Tensor([1.0]), "the other operand of matmul"),
    "t == x": (lambda x: Tensor([1.0]) == x, "the other operand of =="),
    "x < t": (lambda x: x < Tensor([1.0]), "the other operand of >"),
    "backward(grad=x)": (lambda x: (Tensor([1.0]) * 2).backward(x), "backward's grad"),
}


@pytest.mark.parametrize("entry, name", [
    (entry, name)
    for entry in sorted(ENTRY_POINTS)
    for name in ["None", "str", "complex", "Value", "list with None", "complex array",
                 "object array"]
    if (entry, name) not in {
        ("x < t", "Value"),  # Value < Tensor compares the Value's number (Value.__lt__)
        ("backward(grad=x)", "None"),  # the default: 1 for a one-element output
    }
])
def test_every_operand_refuses_what_is_not_real_numbers(entry, name):
    call, where = ENTRY_POINTS[entry]
    assert_refused(call, name, where)


REAL_NUMBERS = [  # what is accepted: bools, ints and floats in every form
    True, 3, -2.5, np.float32(1.5), np.int8(-3), np.uint64(7), np.bool_(True),
    [1, 2.5, True], ((1, 2), (3, 4)), np.array([1, 2], dtype=np.uint8), np.array([True]),
    np.array([1.5, 2.0], dtype=np.float16), np.array([1, 2], dtype=object),
    [np.float32(1.0), np.int64(2)], Fraction(1, 4), 2**70, [2**70, 1], [], [[], []],
]


@pytest.mark.parametrize("data", REAL_NUMBERS, ids=repr)
def test_tensor_takes_real_numbers_in_every_form(data):
    t = Tensor(data)
    expected = np.array(
        [float(v) for v in np.asarray(data, dtype=object).flat], dtype=np.float64
    ).reshape(np.shape(np.asarray(data, dtype=object)))
    assert t.dtype == np.float64 or isinstance(data, np.float32)
    np.testing.assert_array_equal(t.data, expected)


def test_numbers_too_large_for_the_dtype_raise_instead_of_becoming_inf():
    with pytest.raises(OverflowError, match=r"^Tensor: 1 entries are too large for float32 \(the "
                                            r"first is 1e\+300"):
        Tensor([1.0, 1e300], dtype=np.float32)
    with pytest.raises(OverflowError, match=r"^Tensor: a number with 401 digits is too large"):
        Tensor(10**400)
    t32 = Tensor([1.0], dtype=np.float32)
    with pytest.raises(OverflowError, match=r"^\*: the number 1e\+300 is too large for float32"):
        t32 * 1e300
    with pytest.raises(OverflowError, match=r"^\+: the number \d{61} is too large for float32"):
        t32 + 2**200
    with pytest.raises(OverflowError, match=r"^the other operand of -: 1 entries are too large"):
        t32 - np.array([1e300])
    assert (Tensor([1.0]) * 2**70).item() == 2.0**70  # fits a float64
    assert np.isinf((t32 * np.inf).item())  # inf is a number, not an overflow



# ----------------------------------------------------------------------------- infinities, indices


@pytest.mark.filterwarnings("error")
def test_softmax_with_infinite_logits_is_nan_only_where_pytorch_is():
    z = Tensor([[np.inf, 1.0, 2.0], [-np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf],
                [0.0, 1.0, 2.0]])
    for fn in (softmax, log_softmax):
        out = fn(z)
        np.testing.assert_array_equal(np.isnan(out.data).all(axis=1), [True, False, True, False])
    np.testing.assert_array_equal(softmax(z).data[1], [0.0, *softmax(Tensor([1.0, 2.0])).data])
    loss = cross_entropy(z[1:2], [2])  # a -inf logit: probability 0, a finite loss
    loss.backward()
    expected = cross_entropy(Tensor([[1.0, 2.0]]), [1])
    assert loss.item() == expected.item() and z.grad[1, 0] == 0.0


@requires_torch
@pytest.mark.filterwarnings("error")
def test_infinite_logits_match_torch():
    rows = [[np.inf, 1.0, 2.0], [-np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf]]
    for row in rows:
        for target in range(3):
            ours = Tensor([row])
            loss = cross_entropy(ours, [target])
            loss.backward()
            theirs = torch.tensor([row], dtype=torch.float64, requires_grad=True)
            t_loss = torch.nn.functional.cross_entropy(theirs, torch.tensor([target]))
            t_loss.backward()
            np.testing.assert_array_equal(loss.data, t_loss.detach().numpy())
            np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@pytest.mark.filterwarnings("error")
def test_a_class_of_probability_0_adds_nothing_even_with_a_minus_inf_logit():
    """0·log 0 = 0: PyTorch's 0·(-inf) gives NaN here."""
    z = Tensor([[-np.inf, 1.0, 2.0]])
    loss = cross_entropy(z, np.array([[0.0, 0.25, 0.75]]))
    loss.backward()
    logp = np.log(np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum())
    np.testing.assert_allclose(loss.item(), -(0.25 * logp[0] + 0.75 * logp[1]), rtol=1e-15)
    assert np.all(np.isfinite(z.grad)) and z.grad[0, 0] == 0.0


def test_cross_entropy_targets_are_whole_numbers_in_range():
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"integer class indices \(whole numbers\), got dtype "
                                        r"float64, e.g. inf"):
        cross_entropy(logits, [0.0, np.inf])
    with pytest.raises(TypeError, match=r"e.g. nan"):
        cross_entropy(logits, [np.nan, 1.0])
    with pytest.raises(ValueError, match=r"1 targets are outside the 3 classes 0..2 \(the first "
                                         r"is 1e\+30\)"):
        cross_entropy(logits, [0.0, 1e30])  # not cast to a garbage int first
    with pytest.raises(TypeError, match=r"got dtype bool"):
        cross_entropy(logits, [True, False])
    with pytest.raises(TypeError, match=r"target probabilities needs real numbers, got str"):
        cross_entropy(logits, [["0", "1", "0"], ["1", "0", "0"]])
    assert cross_entropy(logits, [2.0, 0.0]).item() == cross_entropy(logits, [2, 0]).item()


def test_a_tensor_index_must_hold_whole_numbers():
    x = Tensor([10.0, 20.0, 30.0])
    assert x[Tensor([2.0, 0.0])].data.tolist() == [30.0, 10.0]
    assert x[Tensor(1.0)].item() == 20.0
    with pytest.raises(IndexError, match=r"must hold whole numbers, got 1.5"):
        x[Tensor([0.0, 1.5])]  # not silently index 1
    m = Tensor(np.arange(6.0).reshape(2, 3))
    assert m[Tensor([1.0]), np.array([2])].data.tolist() == [5.0]
    with pytest.raises(IndexError, match=r"got nan"):
        m[0, Tensor([np.nan])]


def test_leaky_relu_alpha_must_be_a_number():
    with pytest.raises(TypeError, match=r"^leaky_relu: alpha needs real numbers, got NoneType"):
        Tensor([-1.0]).leaky_relu(None)  # NumPy would make the slope nan
    assert Tensor([-1.0]).leaky_relu(Fraction(1, 4)).item() == -0.25


def test_masked_entries_are_refused_and_views_are_copied():
    masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match=r"^Tensor needs real numbers, got a masked array with 1 "
                                        r"masked entries; fill them first"):
        Tensor(masked)  # NumPy would use the number hidden behind the mask
    assert Tensor(np.ma.masked_array([1.0, 2.0])).data.tolist() == [1.0, 2.0]  # none masked
    class Sub(np.ndarray):
        pass

    base = np.zeros((2, 2))
    t = Tensor(base.view(Sub))  # np.asarray gives a view of a subclass: still copied
    t.data += 1
    assert base[0, 0] == 0.0


# ----------------------------------------------------------------------------- copy and pickle


def test_a_deep_tensor_graph_deep_copies_without_recursion():
    x = Tensor([1.0, 2.0])
    y = x
    for _ in range(50_000):
        y = y * 1.0001
    y2 = copy.deepcopy(y)
    assert y2 is not y and np.array_equal(y2.data, y.data) and len(walk(y2)) == len(walk(y))
    leaf = walk(y2)[0]
    assert leaf is not x and not leaf.parents
    y2.backward(np.ones(2))
    y.backward(np.ones(2))
    np.testing.assert_array_equal(leaf.grad, x.grad)  # the copy's own leaf gets the gradient


def test_a_tensor_deep_copy_shares_leaves_copied_beside_it_and_owns_its_arrays():
    w = Tensor([[1.0, 2.0]])
    out = (w * 3.0).sum()
    w2, out2 = copy.deepcopy((w, out))
    assert walk(out2)[0] is w2 and w2.data is not w.data
    w2.data[0, 0] = 5.0
    assert w.data[0, 0] == 1.0
    out2.backward()  # the copy's graph keeps the numbers it was computed from
    np.testing.assert_array_equal(w2.grad, [[3.0, 3.0]])
    twin = copy.copy(out)  # a shallow copy: the same parents and array
    assert twin is not out and twin.parents == out.parents
    assert twin._data is out._data


def test_a_leaf_tensor_pickles_and_a_tensor_with_history_says_what_to_do():
    w = Tensor([[1.0, 2.0]], dtype=np.float32, label="w")
    (w * 2.0).sum().backward()
    w2 = pickle.loads(pickle.dumps(w))
    assert w2.label == "w" and w2.dtype == np.float32 and np.array_equal(w2.data, w.data)
    np.testing.assert_array_equal(w2.grad, w.grad)
    with pytest.raises(TypeError, match=r"cannot pickle a Tensor made by '\*'.*detach\(\)"):
        pickle.dumps(w * 2.0)


# ----------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("shape, axis", [((0,), -1), ((2, 0), -1), ((0, 3), 0), ((0, 3), 1)])
def test_softmax_of_an_empty_tensor_is_empty_as_in_pytorch(shape, axis):
    for f in (softmax, log_softmax):
        x = Tensor(np.zeros(shape))
        y = f(x, axis)
        assert y.shape == shape
        y.backward(np.ones(shape))
        assert x.grad.shape == shape


def test_cross_entropy_of_an_empty_batch_is_refused_like_the_mean_of_nothing():
    with pytest.raises(ValueError, match=r"cross_entropy: the batch is empty \(0×3\)"):
        cross_entropy(Tensor(np.zeros((0, 3))), np.zeros(0, dtype=int))


def test_a_huge_int_operand_is_shown_short():
    t = Tensor([1.0], dtype=np.float32)
    with pytest.raises(OverflowError, match=r"\+: the number \(an int of 401 digits\) is too "
                                            r"large for float32") as info:
        t + 10**400
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("raw", [bytearray(b"ab"), memoryview(b"ab")], ids=type)
def test_bytes_like_objects_are_not_numbers(raw):
    for make in (Tensor, lambda r: Tensor([1.0, 2.0]) + r, lambda r: r * Tensor([1.0, 2.0])):
        with pytest.raises(TypeError, match=r"needs real numbers, got (bytearray|memoryview)"):
            make(raw)
