"""The tensor engine: every op's gradient against the scalar engine (element by element, on the
same numbers) and against central differences; PyTorch parity; the seeds' 2-layer network;
errors; no reference cycles."""

import copy
import datetime
import gc
import math
import pickle
import re
import weakref
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinygrad_edu.nn.functional as VF
from tests.conftest import requires_torch, torch
from tinygrad_edu import DomainError, Value, dot, no_grad, walk
from tinygrad_edu.tensor import Tensor, cross_entropy, log_softmax, softmax, unbroadcast
from tinygrad_edu.testing import domain_of

RTOL, ATOL = 1e-5, 1e-7  # central differences
SAME = {"rtol": 1e-9, "atol": 1e-12}  # the scalar engine: same numbers, other summation order
KINK_MARGIN = 0.05

seeds = st.integers(0, 2**32 - 1)
shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
matrix_shapes = array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4)
pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


# ----------------------------------------------------------------------------- helpers


def draw_array(rng, shape, domain=(-2.0, 2.0), kinks=()):
    """Uniform numbers in ``domain``, at least KINK_MARGIN away from every kink."""
    x = rng.uniform(*domain, size=shape)
    for k in kinks:
        near = np.abs(x - k) < KINK_MARGIN
        x = np.where(near, k + np.where(x >= k, KINK_MARGIN, -KINK_MARGIN) * 2, x)
    return x


def distinct_array(rng, shape):
    """Entries at least 0.1 apart, so that max has no ties (and no kink nearby)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.3 - 0.15 * n + rng.uniform(0, 0.1, n)).reshape(shape)


def as_values(a):
    """An object array holding one scalar ``Value`` per entry of ``a``."""
    out = np.empty(np.shape(a), dtype=object)
    for i in np.ndindex(out.shape):
        out[i] = Value(float(a[i]))
    return out


def each(method):
    """Apply a Value method to every entry of an object array of Values."""
    f = np.frompyfunc(method, 1, 1)
    return lambda a: np.asarray(f(a), dtype=object)


def field(values, name):
    return np.vectorize(lambda v: getattr(v, name), otypes=[float])(values)


def check(tensor_fn, scalar_fn, arrays, rng, numeric=True):
    """The tensor op's value and gradients equal the scalar engine's, entry by entry, and
    the gradients match central differences. The output is weighted by random numbers w
    (``out.backward(w)``), so that every entry of the output's gradient matters."""
    tensors = [Tensor(a) for a in arrays]
    out = tensor_fn(*tensors)
    w = rng.uniform(-1.0, 1.0, size=out.shape)
    out.backward(w)

    values = [as_values(a) for a in arrays]
    v_out = np.asarray(scalar_fn(*values), dtype=object)
    np.testing.assert_allclose(out.data, field(v_out, "data").reshape(out.shape), **SAME)
    dot(list(v_out.flat), list(w.flat)).backward()
    for i, (t, v) in enumerate(zip(tensors, values)):
        assert t.grad.shape == t.shape, f"operand {i}: gradient shape"
        np.testing.assert_allclose(t.grad, field(v, "grad"), **SAME, err_msg=f"operand {i}")

    if numeric:
        for i, t in enumerate(tensors):
            np.testing.assert_allclose(
                t.grad, central_differences(tensor_fn, arrays, w, i), rtol=RTOL, atol=ATOL,
                err_msg=f"operand {i} vs central differences",
            )


def central_differences(tensor_fn, arrays, w, i):
    def f(arrs):
        with no_grad():
            return float((tensor_fn(*[Tensor(a) for a in arrs]).data * w).sum())

    grad = np.zeros_like(arrays[i])
    for idx in np.ndindex(arrays[i].shape):
        h = 1e-6 * max(1.0, abs(arrays[i][idx]))
        up = [a.copy() for a in arrays]
        down = [a.copy() for a in arrays]
        up[i][idx] += h
        down[i][idx] -= h
        grad[idx] = (f(up) - f(down)) / (2 * h)
    return grad


# ----------------------------------------------------------------------------- elementwise

BINARY = ["+", "-", "*", "/", "**"]
APPLY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("name", BINARY)
@given(shapes=pairs, seed=seeds)
def test_binary_op_with_broadcasting(name, shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    da, db = domain_of(name).interval(0), domain_of(name).interval(1)
    a, b = draw_array(rng, sa, da), draw_array(rng, sb, db)
    check(APPLY[name], APPLY[name], [a, b], rng)


CONSTANT_FORMS = {  # a plain number or array on either side is a constant
    "x + 2.5": lambda x: x + 2.5,
    "2.5 - x": lambda x: 2.5 - x,
    "x * C": lambda x: x * np.array([[0.5], [-1.5], [2.0]]),
    "C * x": lambda x: np.array([0.5, -1.5, 2.0]) * x,
    "1.5 / x": lambda x: 1.5 / x,
    "x / C": lambda x: x / np.array([2.0, -0.5, 1.5]),
    "x ** 3": lambda x: x**3,
    "x ** 0.5": lambda x: x**0.5,
    "2.0 ** x": lambda x: 2.0**x,
    "-x": lambda x: -x,
}


@pytest.mark.parametrize("form", sorted(CONSTANT_FORMS))
@given(rows=st.integers(1, 3), seed=seeds)
def test_constant_operands(form, rows, seed):
    rng = np.random.default_rng(seed)
    x = draw_array(rng, (3, 3) if "C" in form else (rows, 3), (0.5, 2.5))
    f = CONSTANT_FORMS[form]
    check(f, f, [x], rng)
    assert len(f(Tensor(x)).parents) == 1  # the constant is not a parent


UNARY = {  # name: (tensor method, scalar method)
    "exp": (lambda t: t.exp(), lambda v: v.exp()),
    "log": (lambda t: t.log(), lambda v: v.log()),
    "tanh": (lambda t: t.tanh(), lambda v: v.tanh()),
    "sigmoid": (lambda t: t.sigmoid(), lambda v: v.sigmoid()),
    "relu": (lambda t: t.relu(), lambda v: v.relu()),
    "leaky_relu": (lambda t: t.leaky_relu(0.2), lambda v: v.leaky_relu(0.2)),
    "neg": (lambda t: -t, lambda v: -v),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, seed=seeds)
def test_unary_op(name, shape, seed):
    rng = np.random.default_rng(seed)
    domain = domain_of(name)
    x = draw_array(rng, shape, domain.interval(0), domain.kinks)
    tensor_fn, scalar_fn = UNARY[name]
    check(tensor_fn, each(scalar_fn), [x], rng)


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise"):  # no overflow, no NaN
        y = Tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0]).sigmoid().data
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    assert np.all(np.isfinite(y))


# ----------------------------------------------------------------------------- matmul


@pytest.mark.parametrize("kind", ["matrix @ matrix", "vector @ matrix", "matrix @ vector",
                                  "vector @ vector"])
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul(kind, n, k, m, seed):
    rng = np.random.default_rng(seed)
    left = (k,) if kind.startswith("vector") else (n, k)
    right = (k,) if kind.endswith("vector") else (k, m)
    a, b = draw_array(rng, left), draw_array(rng, right)
    check(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], rng)


def test_matmul_with_a_constant_array_computes_only_the_parameter_gradient():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(5, 3)), Tensor(rng.normal(size=(3, 2)))
    z = x @ w  # an ndarray on the left: NumPy hands over to Tensor.__rmatmul__
    assert isinstance(z, Tensor) and z.parents == (w,)
    z.backward(np.ones((5, 2)))
    np.testing.assert_allclose(w.grad, x.T @ np.ones((5, 2)))


# ----------------------------------------------------------------------------- reductions


AXES = [None, 0, -1, (0, 1)]


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@given(shape=matrix_shapes, axis=st.sampled_from(AXES), keepdims=st.booleans(), seed=seeds)
def test_reduction(name, shape, axis, keepdims, seed):
    rng = np.random.default_rng(seed)
    x = distinct_array(rng, shape) if name == "max" else draw_array(rng, shape)

    def scalar(v):
        if name == "max":  # NumPy's max over Values returns the largest Value itself
            return np.max(v, axis=axis, keepdims=keepdims)
        total = np.sum(v, axis=axis, keepdims=keepdims)
        return total / (v.size // np.size(total)) if name == "mean" else total

    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), scalar, [x], rng)


def test_max_shares_the_gradient_between_ties_like_torch_amax():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])


# ----------------------------------------------------------------------------- shapes, indexing


@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), seed=seeds)
def test_reshape_and_transpose(shape, seed):
    rng = np.random.default_rng(seed)
    x = draw_array(rng, shape)
    check(lambda t: t.reshape(-1), lambda v: v.reshape(-1), [x], rng)
    check(lambda t: t.T, lambda v: v.T, [x], rng)
    if x.ndim == 3:
        check(lambda t: t.transpose(1, 2, 0), lambda v: v.transpose(1, 2, 0), [x], rng)
        check(lambda t: t.reshape(shape[0], -1), lambda v: v.reshape(shape[0], -1), [x], rng)


@given(shape=matrix_shapes, seed=seeds, picks=st.lists(st.integers(0, 3), min_size=1,
                                                          max_size=6))
def test_indexing(shape, seed, picks):
    rng = np.random.default_rng(seed)
    x = draw_array(rng, shape)
    rows = np.array([p % shape[0] for p in picks])  # repeats: gradients add up (np.add.at)
    cols = np.array([p % shape[1] for p in reversed(picks)])
    for index in (rows, (rows, cols), (slice(None), cols), np.s_[1:, ::-1], 0):
        check(lambda t, i=index: t[i], lambda v, i=index: v[i], [x], rng)


# ----------------------------------------------------------------------------- softmax & loss


def scalar_softmax(v, axis, log=False):
    m = np.max(field(v, "data"), axis=axis, keepdims=True)  # a constant shift
    e = each(lambda u: u.exp())(v - m)
    total = np.sum(e, axis=axis, keepdims=True)
    if log:
        return (v - m) - each(lambda u: u.log())(total)
    return e / total


@pytest.mark.parametrize("log", [False, True])
@given(shape=matrix_shapes, axis=st.sampled_from([0, -1]), seed=seeds)
def test_softmax_and_log_softmax(log, shape, axis, seed):
    rng = np.random.default_rng(seed)
    x = draw_array(rng, shape, (-3.0, 3.0))
    fn = log_softmax if log else softmax
    check(lambda t: fn(t, axis), lambda v: scalar_softmax(v, axis, log), [x], rng)


def logits_and_targets(seed, n, c, one_hot):
    """Random logits (N×C) and N random classes, as indices or as one-hot rows."""
    rng = np.random.default_rng(seed)
    z = draw_array(rng, (n, c), (-3.0, 3.0))
    labels = rng.integers(0, c, n)
    return rng, z, labels, (np.eye(c)[labels] if one_hot else labels)


@given(n=st.integers(1, 5), c=st.integers(2, 4), seed=seeds, one_hot=st.booleans())
def test_cross_entropy(n, c, seed, one_hot):
    rng, z, labels, target = logits_and_targets(seed, n, c, one_hot)

    def scalar(v):
        return VF.cross_entropy([list(row) for row in v], [int(t) for t in labels])

    check(lambda t: cross_entropy(t, target), scalar, [z], rng)
    # the fused gradient is the seeds' dZ = A - Y, divided by N for the mean
    t = Tensor(z)
    cross_entropy(t, target).backward()
    a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(t.grad, (a - np.eye(c)[labels]) / n, **SAME)


def test_cross_entropy_is_stable_for_huge_logits():
    z = Tensor([[1000.0, -1000.0, 0.0]])
    loss = cross_entropy(z, [0])
    loss.backward()
    assert loss.item() == 0.0 and np.all(np.isfinite(z.grad))


# ----------------------------------------------------------------------------- the seeds' network


def test_two_layer_network_of_the_seeds():
    """X (10×3) → W1 (3×4), ReLU → W2 (4×2) → softmax + cross-entropy. The tensor gradients
    are the seeds' closed forms and the scalar engine's, entry by entry."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(10, 3))
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=(1, 4)) * 0.1
    W2, b2 = rng.normal(size=(4, 2)), rng.normal(size=(1, 2)) * 0.1
    labels = rng.integers(0, 2, 10)
    Y = np.eye(2)[labels]

    params = [Tensor(p) for p in (W1, b1, W2, b2)]
    tW1, tb1, tW2, tb2 = params
    Z1 = X @ tW1 + tb1
    A1 = Z1.relu()
    Z2 = A1 @ tW2 + tb2
    loss = cross_entropy(Z2, labels)
    loss.backward()

    # The seeds' closed forms (their loss is summed over the batch; ours is the mean: /10)
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    a2 = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    dZ2 = (a2 - Y) / 10
    dW2, db2 = a1.T @ dZ2, dZ2.sum(axis=0, keepdims=True)
    dZ1 = (dZ2 @ W2.T) * (z1 > 0)
    dW1, db1 = X.T @ dZ1, dZ1.sum(axis=0, keepdims=True)
    for name, t, expected in zip(["W1", "b1", "W2", "b2"], params, [dW1, db1, dW2, db2]):
        assert t.grad.shape == expected.shape
        np.testing.assert_allclose(t.grad, expected, **SAME, err_msg=name)
    np.testing.assert_allclose(Z1.grad, dZ1, **SAME)
    np.testing.assert_allclose(Z2.grad, dZ2, **SAME)

    # The scalar engine, one Value per number
    vW1, vb1, vW2, vb2 = (as_values(p) for p in (W1, b1, W2, b2))
    va1 = each(lambda v: v.relu())(X @ vW1 + vb1)
    vz2 = va1 @ vW2 + vb2
    VF.cross_entropy([list(row) for row in vz2], [int(t) for t in labels]).backward()
    for name, t, v in zip(["W1", "b1", "W2", "b2"], params, [vW1, vb1, vW2, vb2]):
        np.testing.assert_allclose(t.grad, field(v, "grad"), **SAME, err_msg=name)


# ----------------------------------------------------------------------------- the engine


def test_backward_uses_the_shared_walk_and_accumulates_into_leaves():
    x = Tensor([1.0, 2.0], label="x")
    y = (x * x).sum()
    assert walk(y)[0] is x and walk(y)[-1] is y
    y.backward()
    y.backward()  # leaves accumulate, as in PyTorch
    np.testing.assert_allclose(x.grad, [4.0, 8.0])
    x.zero_grad()
    assert x.grad is None


def test_inner_nodes_hold_the_latest_pass_only():
    x = Tensor([1.0, -2.0])
    h = x * 3.0
    y = h.sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(h.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_gradient_of_a_tensor_used_twice_adds_up():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    (x @ x).sum().backward()
    ones = np.ones((2, 2))
    np.testing.assert_allclose(x.grad, ones @ x.data.T + x.data.T @ ones)


def test_no_grad_builds_no_graph_and_detach_cuts_history():
    x = Tensor([1.0, 2.0])
    with no_grad():
        y = (x * 2).exp().sum()
    assert y.parents == () and y.op == ""  # a leaf, as a Value made under no_grad
    doubled = x * 2
    d = doubled.detach()
    assert d.parents == () and d.op == ""
    assert d._data is doubled._data  # one array, as torch's detach
    d.data[0] = 7.0  # the graph's array is read-only: d gets a copy, doubled keeps its numbers
    assert doubled.data[0] == 2.0 and d.data[0] == 7.0
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(d.grad, x.data)  # d(Σ d·x)/dd = x: d is a leaf of z
    assert z.parents[0].parents == (d, x)


def test_backward_needs_a_grad_for_non_scalar_outputs():
    y = Tensor([[1.0, 2.0]]) * 2
    with pytest.raises(ValueError, match=r"shape \(1×2\); pass grad="):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(2\) but the output has shape"):
        y.backward(np.ones(2))


def test_dropped_graph_is_freed_without_the_garbage_collector():
    gc.disable()
    try:
        x = Tensor(np.ones((3, 2)))
        w = Tensor(np.ones((2, 4)))
        z = (x @ w + 1.0).relu()
        loss = cross_entropy(z, [0, 1, 2])
        loss.backward()
        refs = [weakref.ref(t) for t in (z, loss, z.parents[0])]
        del z, loss
        assert all(r() is None for r in refs), "a closure keeps its output alive (a cycle)"
    finally:
        gc.enable()


def test_dtypes():
    assert Tensor([1, 2]).dtype == np.float64  # ints become float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32  # float32 arrays stay float32
    assert Tensor([1.0], dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="float32 or float64"):
        Tensor([1.0], dtype=np.int64)
    with pytest.raises(TypeError, match="Tensor needs real numbers"):
        Tensor("abc")
    a = np.zeros(2)
    t = Tensor(a)
    t.data += 1
    assert a[0] == 0  # Tensor(array) copies, as torch.tensor


def test_float32_stays_float32_end_to_end():
    rng = np.random.default_rng(0)
    x = rng.random((4, 3))  # float64 data meets float32 weights: the constant is converted
    w = Tensor(rng.normal(size=(3, 5)), dtype=np.float32)
    b = Tensor(np.zeros((1, 5)), dtype=np.float32)
    h = (x @ w + b).relu() * 0.5 + 1
    z = (h.tanh().sigmoid() - h.mean(axis=0)).exp().log() / 2.0
    loss = cross_entropy(z, np.eye(5)[[0, 1, 2, 3]]) + cross_entropy(log_softmax(z), [4, 3, 2, 1])
    loss.backward()
    for t in walk(loss):
        assert t.dtype == np.float32, t.op
        if t.grad is not None:
            assert t.grad.dtype == np.float32, t.op


def test_unbroadcast():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (3, 4)).tolist() == np.full((3, 4), 2.0).tolist()
    assert unbroadcast(g, (1, 4)).tolist() == [[6.0] * 4]
    assert unbroadcast(g, ()).item() == 24.0
    assert unbroadcast(g, (2, 3, 4)) is g


def test_repr_item_numpy():
    t = Tensor([[1.0, 2.0]], label="x")
    assert repr(t) == "Tensor([[1., 2.]], label='x')"
    assert repr(t.sum()) == "Tensor(3., op='sum')"
    assert "dtype=float32" in repr(Tensor([1.0], dtype=np.float32))
    assert t.sum().item() == 3.0 and type(t.sum().item()) is float
    assert t.numpy() is t.data
    with pytest.raises(ValueError, match=r"shape \(1×2\)"):
        t.item()


# ----------------------------------------------------------------------------- errors


def test_shape_errors_name_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"^matmul: \(10×3\) @ \(4×2\): inner dimensions 3 and "
                                         r"4 differ"):
        Tensor(np.ones((10, 3))) @ Tensor(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"^\+: \(10×3\) \+ \(4×2\): shapes do not broadcast"):
        Tensor(np.ones((10, 3))) + np.ones((4, 2))
    with pytest.raises(ValueError, match=r"only 1-D and 2-D"):
        Tensor(np.ones((2, 2, 2))) @ Tensor(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2×3\)"):
        Tensor(np.ones((2, 3))).reshape(4, 2)
    with pytest.raises(ValueError, match=r"cross_entropy: logits \(3×2\) need 3 class indices"):
        cross_entropy(Tensor(np.ones((3, 2))), [0, 1])
    with pytest.raises(ValueError, match="outside the 2 classes"):
        cross_entropy(Tensor(np.ones((3, 2))), [0, 1, 2])
    with pytest.raises(TypeError, match="integer class indices"):
        cross_entropy(Tensor(np.ones((2, 2))), [0.5, 1])


def test_a_call_that_does_not_fit_an_op_names_the_op_and_its_signature():
    # an extra operand, a missing one or an unknown keyword is refused, never dropped
    from tinygrad_edu.tensor.engine import add, matmul, sum_, tanh

    x = Tensor([1.0, 2.0])
    for call, message in [
        (lambda: tanh(x, 5), r"^tanh\(x, /\): too many positional arguments"),
        (lambda: add(x), r"^\+\(a, b, /\): missing a required argument: 'b'"),
        (lambda: add(x, x, out=x), r"^\+\(a, b, /\): got an unexpected keyword argument 'out'"),
        (lambda: sum_(x, axs=0), r"^sum\(t, /, axis=None, keepdims=False\): got an unexpected "
                                 r"keyword argument 'axs'"),
        (lambda: matmul(x), r"^matmul\(a, b, /\): missing a required argument: 'b'"),
    ]:
        with pytest.raises(TypeError, match=message):
            call()
    with pytest.raises(TypeError, match=r"^sum: axis must be an int"):  # the check's own error
        sum_(x, axis="0")


def test_domain_errors_count_and_show_the_first_bad_value():
    with pytest.raises(DomainError, match=r"^log: 2 of 4 entries are not positive \(the first "
                                          r"is -2.0\)"):
        Tensor([1.0, -2.0, 0.0, 3.0]).log()
    with pytest.raises(ZeroDivisionError, match=r"^/: 1 of 3 denominators are 0"):
        Tensor([1.0, 2.0, 3.0]) / np.array([1.0, 0.0, 2.0])
    with pytest.raises(DomainError, match=r"negative base"):
        Tensor([-1.0, 2.0]) ** 0.5
    with pytest.raises(DomainError, match=r"needs a > 0"):
        (Tensor([-1.0, 2.0]) ** Tensor([2.0, 2.0])).sum().backward()


# ----------------------------------------------------------------------------- PyTorch


TORCH_CASES = {  # name: (ours, torch's, shapes of the operands, domain)
    "add broadcast": (lambda a, b: a + b, lambda a, b: a + b, [(4, 3), (1, 3)], (-2, 2)),
    "sub broadcast": (lambda a, b: a - b, lambda a, b: a - b, [(3,), (2, 3)], (-2, 2)),
    "mul broadcast": (lambda a, b: a * b, lambda a, b: a * b, [(4, 1), (1, 3)], (-2, 2)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(2, 3), (2, 3)], (0.5, 3)),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, [(2, 3), (3,)], (0.5, 2.5)),
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, [(5, 3), (3, 2)], (-2, 2)),
    "matvec": (lambda a, b: a @ b, lambda a, b: a @ b, [(5, 3), (3,)], (-2, 2)),
    "exp log": (lambda a: (a.exp() + 1).log(), lambda a: (a.exp() + 1).log(), [(3, 2)], (-2, 2)),
    "tanh sigmoid": (lambda a: a.tanh().sigmoid(), lambda a: a.tanh().sigmoid(), [(3, 2)],
                     (-2, 2)),
    "relu": (lambda a: a.relu(), lambda a: a.relu(), [(4, 3)], (-2, 2)),
    "leaky_relu": (lambda a: a.leaky_relu(0.1),
                   lambda a: torch.nn.functional.leaky_relu(a, 0.1), [(4, 3)], (-2, 2)),
    "sum mean max": (lambda a: a.sum(axis=0) * a.mean(axis=1, keepdims=True) + a.max(axis=1),
                     lambda a: a.sum(0) * a.mean(1, keepdim=True) + a.amax(1), [(3, 3)],
                     (-2, 2)),
    "reshape transpose index": (lambda a: a.reshape(2, 6).T[[0, 3, 3, 5]],
                                lambda a: a.reshape(2, 6).T[[0, 3, 3, 5]], [(3, 4)], (-2, 2)),
    "softmax": (lambda a: softmax(a, 0), lambda a: torch.softmax(a, 0), [(3, 4)], (-3, 3)),
    "log_softmax": (lambda a: log_softmax(a), lambda a: torch.log_softmax(a, -1), [(3, 4)],
                    (-3, 3)),
    "cross_entropy": (lambda a: cross_entropy(a, [2, 0, 3]),
                      lambda a: torch.nn.functional.cross_entropy(a, torch.tensor([2, 0, 3])),
                      [(3, 4)], (-3, 3)),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_matches_torch(name):
    ours, theirs, operand_shapes, domain = TORCH_CASES[name]
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(*domain, size=s) for s in operand_shapes]
    tensors = [Tensor(a) for a in arrays]
    out = ours(*tensors)
    w = rng.uniform(-1, 1, size=out.shape)
    out.backward(w)
    torch_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_out = theirs(*torch_in)
    torch_out.backward(torch.tensor(w))
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for t, tt in zip(tensors, torch_in):
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- NaN propagates
# As in the scalar engine: a NaN entry makes NaN of every value computed from it and of every
# local derivative that depends on it (relu's slope at NaN is NaN, where PyTorch gives 1); a
# derivative that does not depend on it keeps its value (d(x + 1)/dx = 1). Each test puts one
# NaN into random numbers and compares with the same computation on the NaN-free numbers.


def one_nan(rng, x):
    """A copy of ``x`` with NaN at one random entry, and that entry's index."""
    i = tuple(int(rng.integers(n)) for n in x.shape)
    y = x.copy()
    y[i] = np.nan
    return y, i


def backward_both(f, arrays, rng):
    """``f`` on the arrays and on the same arrays with one NaN in the first one, each followed
    by a backward pass with the same random weights: (nan tensors, out, ref tensors, ref, i)."""
    with_nan, i = one_nan(rng, arrays[0])
    ts = [Tensor(with_nan)] + [Tensor(a) for a in arrays[1:]]
    refs = [Tensor(a) for a in arrays]
    out, ref = f(*ts), f(*refs)
    w = rng.uniform(-1.0, 1.0, size=out.shape)
    out.backward(w)
    ref.backward(w)
    return ts, out, refs, ref, i


def only_at(shape, i):
    mask = np.zeros(shape, dtype=bool)
    mask[i] = True
    return mask


NAN_ELEMENTWISE = {  # each output entry comes from one input entry:
    # (op, domain of the other entries, does the slope depend on the entry?)
    "exp": (lambda t: t.exp(), (-2.0, 2.0), True),
    "log": (lambda t: t.log(), (0.5, 3.0), True),
    "tanh": (lambda t: t.tanh(), (-2.0, 2.0), True),
    "sigmoid": (lambda t: t.sigmoid(), (-3.0, 3.0), True),
    "relu": (lambda t: t.relu(), (-2.0, 2.0), True),
    "leaky_relu": (lambda t: t.leaky_relu(0.1), (-2.0, 2.0), True),
    "neg": (lambda t: -t, (-2.0, 2.0), False),
    "x + 1": (lambda t: t + 1.0, (-2.0, 2.0), False),
    "1 - x": (lambda t: 1.0 - t, (-2.0, 2.0), False),
    "x * 3": (lambda t: t * 3.0, (-2.0, 2.0), False),
    "x / 2": (lambda t: t / 2.0, (-2.0, 2.0), False),
    "1 / x": (lambda t: 1.0 / t, (0.5, 3.0), True),
    "x ** 2": (lambda t: t**2, (-2.0, 2.0), True),
    "x ** 0.5": (lambda t: t**0.5, (0.5, 3.0), True),
    "2 ** x": (lambda t: 2.0**t, (-2.0, 2.0), True),
    "reshape": (lambda t: t.reshape(-1), (-2.0, 2.0), False),
    "transpose": (lambda t: t.T, (-2.0, 2.0), False),
}


@pytest.mark.filterwarnings("error")  # and quietly: no RuntimeWarning either
@pytest.mark.parametrize("name", sorted(NAN_ELEMENTWISE))
@given(shape=shapes, seed=seeds)
def test_nan_propagates_through_every_elementwise_op(name, shape, seed):
    rng = np.random.default_rng(seed)
    f, domain, depends = NAN_ELEMENTWISE[name]
    x = draw_array(rng, shape, domain, kinks=(0.0,))
    (t,), out, (r,), ref, i = backward_both(f, [x], rng)
    assert np.isnan(out.data).sum() == 1, "NaN in, NaN out"
    np.testing.assert_array_equal(np.isnan(t.grad), only_at(shape, i) & depends)
    np.testing.assert_array_equal(out.data[~np.isnan(out.data)], ref.data[~np.isnan(out.data)])
    np.testing.assert_array_equal(t.grad[~only_at(shape, i)], r.grad[~only_at(shape, i)])


def test_the_nan_tests_cover_every_unary_op_and_reduction():
    assert set(UNARY) <= set(NAN_ELEMENTWISE)  # add a new op to both tables
    reductions = {n for n in dir(Tensor) if n in ("sum", "mean", "max", "min", "prod", "std",
                                                  "var", "softmax", "log_softmax")}
    assert reductions <= set(NAN_REDUCTIONS)


def test_nan_gradient_of_the_kinked_ops_is_nan_not_pytorchs():
    """PyTorch gives relu'(nan) = 1 and leaky_relu'(nan) = alpha; NaN propagates here, as in
    the scalar engine (tests/torch_deviations.py)."""
    for f in (Tensor.relu, Tensor.leaky_relu, lambda t: t.leaky_relu(0.2)):
        x = Tensor([np.nan, -1.0, 2.0])
        f(x).backward(np.ones(3))
        np.testing.assert_array_equal(np.isnan(x.grad), [True, False, False])


def axes_of(axis, ndim):
    """``axis`` as a tuple of non-negative axes (a 0-d tensor has none to reduce)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes) if ndim else ()


@st.composite
def shape_and_axis(draw, ints_only=False):
    """A shape (0-d included) and a valid axis for it: None, an int (negative ones too) or a
    tuple of distinct ints."""
    shape = draw(shapes)
    n = max(len(shape), 1)  # a 0-d tensor takes axis 0 and -1
    one = st.integers(-n, n - 1)
    if ints_only:
        return shape, draw(one)
    many = st.lists(st.integers(0, n - 1), unique=True, max_size=len(shape)).flatmap(
        lambda axes: st.tuples(*[st.sampled_from([a, a - n]) for a in axes]))
    return shape, draw(st.one_of(st.none(), one, many))


NAN_REDUCTIONS = ["sum", "mean", "max", "softmax", "log_softmax"]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", NAN_REDUCTIONS)
@given(shape_axis=st.data(), keepdims=st.booleans(), seed=seeds)
def test_nan_propagates_through_every_reduction(name, shape_axis, keepdims, seed):
    shape, axis = shape_axis.draw(shape_and_axis(ints_only="softmax" in name))
    rng = np.random.default_rng(seed)
    x = distinct_array(rng, shape)
    if "softmax" in name:
        fn = softmax if name == "softmax" else log_softmax

        def f(t):
            return fn(t, axis)
    else:

        def f(t):
            return getattr(t, name)(axis=axis, keepdims=keepdims)

    (t,), out, (r,), _, i = backward_both(f, [x], rng)
    axes = axes_of(axis, len(shape))
    group = np.broadcast_to(only_at(shape, i).any(axis=axes, keepdims=True), shape)
    if "softmax" in name:  # the whole group of the NaN is NaN, values and gradients
        np.testing.assert_array_equal(np.isnan(out.data), group)
        np.testing.assert_array_equal(np.isnan(t.grad), group)
    else:  # one result per group: NaN for the NaN's group
        nan_out = only_at(shape, i).any(axis=axes, keepdims=keepdims)
        np.testing.assert_array_equal(np.isnan(out.data), nan_out)
        # max: which entry won is undefined at the NaN; sum, mean: d/dx is 1 (or 1/n) anyway
        np.testing.assert_array_equal(np.isnan(t.grad), only_at(shape, i) & (name == "max"))
    others = ~group
    np.testing.assert_array_equal(t.grad[others], r.grad[others])  # other groups: unchanged
    if name in ("sum", "mean"):  # d/dx is 1 (or 1/n) for every entry: NaN does not change it
        np.testing.assert_array_equal(t.grad[~only_at(shape, i)], r.grad[~only_at(shape, i)])
    if name == "max":  # NaN wins (as in np.max): the group's other entries get 0
        assert np.all(t.grad[group & ~only_at(shape, i)] == 0)


@pytest.mark.filterwarnings("error")
@given(n=st.integers(1, 4), c=st.integers(2, 4), seed=seeds, one_hot=st.booleans())
def test_nan_propagates_through_cross_entropy(n, c, seed, one_hot):
    rng, z, _, target = logits_and_targets(seed, n, c, one_hot)
    (t,), out, (r,), _, (row, _) = backward_both(lambda u: cross_entropy(u, target), [z], rng)
    assert np.isnan(out.item())
    nan_row = only_at((n,), row)
    assert np.all(np.isnan(t.grad[nan_row])) and not np.any(np.isnan(t.grad[~nan_row]))
    np.testing.assert_array_equal(t.grad[~nan_row], r.grad[~nan_row])  # other rows: as before


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("side", ["a", "b"])
@given(shape=shapes, seed=seeds)
def test_nan_propagates_through_binary_ops(name, side, shape, seed):
    rng = np.random.default_rng(seed)
    da, db = domain_of(name).interval(0), domain_of(name).interval(1)
    a, b = draw_array(rng, shape, da), draw_array(rng, shape, db)
    f = APPLY[name] if side == "a" else (lambda u, v, g=APPLY[name]: g(v, u))
    arrays = [a, b] if side == "a" else [b, a]  # the NaN goes into the first one
    ts, out, refs, _, i = backward_both(f, arrays, rng)
    at = only_at(shape, i)
    np.testing.assert_array_equal(np.isnan(out.data), at)
    values = [Value(t.data[i]) for t in ts]  # the same entry in the scalar engine
    f(*values).backward()
    for t, v in zip(ts, values):  # NaN where the scalar engine's derivative is NaN
        assert np.isnan(t.grad[i]) == math.isnan(v.grad), (name, side, t.grad[i], v.grad)
    for t, r in zip(ts, refs):  # every other position is untouched by the NaN
        np.testing.assert_array_equal(t.grad[~at], r.grad[~at])


@pytest.mark.filterwarnings("error")
@given(n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), seed=seeds)
def test_nan_propagates_through_matmul(n, k, m, seed):
    rng = np.random.default_rng(seed)
    x, w = draw_array(rng, (n, k)), draw_array(rng, (k, m))
    (tx, tw), out, (rx, _), _, (row, col) = backward_both(lambda a, b: a @ b, [x, w], rng)
    rows = np.broadcast_to(only_at((n,), row)[:, None], (n, m))  # row `row` of X @ W
    np.testing.assert_array_equal(np.isnan(out.data), rows)
    np.testing.assert_array_equal(tx.grad, rx.grad)  # dX = dZ·Wᵀ does not depend on X
    w_row = np.broadcast_to(only_at((k,), col)[:, None], (k, m))  # X[row, col] met W[col, :]
    np.testing.assert_array_equal(np.isnan(tw.grad), w_row)  # dW = Xᵀ·dZ does


@pytest.mark.filterwarnings("error")
def test_nan_reaches_only_the_entries_an_index_picks():
    x = Tensor([np.nan, 1.0, np.nan])
    y = x[[0, 1, 0]]
    y.backward(np.ones(3))
    np.testing.assert_array_equal(np.isnan(y.data), [True, False, True])
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0])  # picking has slope 1; 2: not picked


@pytest.mark.filterwarnings("error")
def test_nan_inside_a_graph_comes_back_as_nan_where_it_was_used():
    x = Tensor([np.nan, 1.0, -2.0])
    (x.relu() * 3.0 + x).sum().backward()  # relu is not the output here
    np.testing.assert_array_equal(np.isnan(x.grad), [True, False, False])
    np.testing.assert_array_equal(x.grad[1:], [4.0, 1.0])

    x = Tensor([[np.nan, 1.0], [2.0, 3.0]])  # one NaN pixel in the first sample
    w = Tensor([[1.0, -1.0], [0.5, 2.0]])
    cross_entropy((x @ w).relu(), [0, 1]).backward()
    assert np.isnan(x.grad[0]).all() and np.isfinite(x.grad[1]).all()  # the samples apart
    assert np.isnan(w.grad).all()  # every weight met the NaN sample: no finite update

    x = Tensor([np.nan, 1.0])
    (x * 2.0)[1].backward()  # the NaN is not used: its gradient is exactly 0
    v = [Value(np.nan), Value(1.0)]
    (v[1] * 2.0).backward()  # the scalar engine: v[0] is not even in the graph
    assert x.grad.tolist() == [v[0].grad, v[1].grad] == [0.0, 2.0]


@pytest.mark.filterwarnings("error")
def test_log_of_nan_is_nan_not_a_domain_error():
    x = Tensor([np.nan, 2.0])
    y = x.log()
    y.backward(np.ones(2))
    assert np.isnan(y.data[0]) and y.data[1] == np.log(2.0)
    assert np.isnan(x.grad[0]) and x.grad[1] == 0.5
    with pytest.raises(DomainError, match=r"log: 1 of 3 entries are not positive \(the first is "
                                          r"-1.0\)"):
        Tensor([np.nan, -1.0, 2.0]).log()  # a NaN does not hide the negative entry


# ----------------------------------------------------------------------------- ** at the edges

POW_EDGES = [  # (base, exponent): the classes where x ** y or its derivatives are special
    (0.0, 0.0), (1.5, 0.0), (-2.0, 0.0),  # exponent 0: d/dx = 0 (PyTorch masks it)
    (0.0, 0.3), (0.0, 0.5), (0.0, 0.9),  # base 0, exponent in (0, 1): d/dx = inf
    (0.0, 1.0), (0.0, 2.0), (0.0, 1.5), (0.0, 3.0),  # base 0, exponent >= 1
    (-2.0, 3.0), (-1.5, 2.0), (2.0, -1.0),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("base, exponent", POW_EDGES)
def test_pow_at_the_edges_matches_the_scalar_engine(base, exponent):
    x = Tensor([base, 1.0])
    y = x**exponent
    y.backward(np.ones(2))
    v = Value(base)
    u = v**exponent
    u.backward()
    assert y.data[0] == u.data and x.grad[0] == v.grad


@requires_torch
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("base, exponent, tensor_exponent", [
    *((b, e, False) for b, e in POW_EDGES),
    *((b, e, True) for b, e in POW_EDGES if b >= 0),  # d(a**b)/db needs a >= 0
])
def test_pow_at_the_edges_matches_torch(base, exponent, tensor_exponent):
    x, e = Tensor([base]), Tensor([exponent])
    y = x ** (e if tensor_exponent else exponent)
    y.backward(np.ones(1))
    tx, te = (torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in (base,
                                                                                  exponent))
    ty = tx ** (te if tensor_exponent else exponent)
    ty.backward(torch.ones(1, dtype=torch.float64))
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    if tensor_exponent:  # d/dy = x**y · ln x, taken as 0 at x = 0
        np.testing.assert_array_equal(e.grad, te.grad.numpy())


def test_nan_to_the_power_0_is_1_as_in_ieee_but_its_gradient_is_nan():
    x = Tensor([np.nan, 2.0])
    y = x**0
    y.backward(np.ones(2))
    np.testing.assert_array_equal(y.data, [1.0, 1.0])  # IEEE, Python and the scalar engine
    assert np.isnan(x.grad[0]) and x.grad[1] == 0.0


def test_pow_pairs_each_base_with_its_own_exponent():
    x = Tensor([-2.0, 4.0])
    y = x ** np.array([2.0, 0.5])  # PyTorch: [4, 2]
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [4.0, 2.0])
    np.testing.assert_array_equal(x.grad, [-4.0, 0.25])
    y = np.array([-2.0, 4.0]) ** Tensor([2.0, 0.5])  # a constant base: fine forward
    np.testing.assert_array_equal(y.data, [4.0, 2.0])
    with pytest.raises(DomainError, match=r"needs a > 0, but 1 bases are negative \(the first "
                                          r"is -2.0\)"):
        y.sum().backward()  # d/dy = x**y·ln x has no real value for x = -2
    base = Tensor([[-2.0], [4.0], [-3.0]])
    exponent = np.array([[2.0, 0.5, 1.5]])  # broadcast: 3×3 pairs, 2 of them bad
    with pytest.raises(DomainError, match=r"^\*\*: a negative base with a non-integer exponent "
                                          r"is not a real number, in 4 of 9 entries \(the first "
                                          r"is \(-2.0\) \*\* 0.5\)"):
        base**exponent


@given(shapes=pairs, seed=seeds)
def test_pow_domain_error_exactly_when_a_negative_base_meets_a_fraction(shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    x = draw_array(rng, sa, (-2.5, 2.5), kinks=(0.0,)) + 0.0
    x = np.where(np.abs(x) < 0.5, 0.5, x)  # |x| >= 0.5: derivatives stay O(1)
    e = rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 0.5, 1.5], size=sb)
    bx, be = np.broadcast_arrays(x, e)
    bad = (bx < 0) & (be != np.round(be))
    if bad.any():
        first = f"({float(bx[bad][0])!r}) ** {float(be[bad][0])!r}"
        with pytest.raises(DomainError, match=re.escape(
                f"in {bad.sum()} of {bad.size} entries (the first is {first})")):
            Tensor(x) ** e
    else:
        check(lambda t: t**e, lambda v: v**e, [x], rng)


def test_zero_to_a_negative_power_and_overflow_raise_as_in_the_scalar_engine():
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to a negative power, in 1 "
                                                r"of 3 entries \(the first is \(0.0\) \*\* "
                                                r"-1.0\)"):
        Tensor([1.0, 0.0, 2.0]) ** -1
    with pytest.raises(OverflowError, match=r"too large for float64, in 1 of 2 entries \(the "
                                            r"first is \(10.0\) \*\* 400.0\)"):
        Tensor([10.0, 1.0]) ** 400
    with pytest.raises(OverflowError, match=r"too large for float32"):
        Tensor([10.0], dtype=np.float32) ** 40
    with pytest.raises(OverflowError, match=r"exp: 1 of 2 entries are too large for float64 "
                                            r"\(the first is 710.0; inputs above about 709.78"):
        Tensor([710.0, 1.0]).exp()
    with pytest.raises(OverflowError, match=r"above about 88.72"):
        Tensor([89.0], dtype=np.float32).exp()
    assert Tensor([np.inf, -np.inf]).exp().data.tolist() == [np.inf, 0.0]  # no overflow there


# ----------------------------------------------------------------------------- reductions


@given(shape_axis=st.data(), keepdims=st.booleans(), seed=seeds, name=st.sampled_from(
    ["sum", "mean", "max"]))
def test_reductions_take_any_valid_axis_on_any_shape(shape_axis, keepdims, seed, name):
    """0-d tensors included (axis 0 and -1, as in PyTorch), negative axes, tuples, None."""
    shape, axis = shape_axis.draw(shape_and_axis())
    rng = np.random.default_rng(seed)
    x = distinct_array(rng, shape) if name == "max" else draw_array(rng, shape)
    axes = axes_of(axis, len(shape))

    def scalar(v):
        if name == "max":
            return np.max(v, axis=axes, keepdims=keepdims)
        total = np.sum(v, axis=axes, keepdims=keepdims)
        return total / (v.size // np.size(total)) if name == "mean" else total

    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), scalar, [x], rng)


def test_reductions_of_a_0d_tensor_with_axis_0_and_minus_1():
    for axis in (0, -1, (0,), (-1,), None):
        for name in ("sum", "mean", "max"):
            x = Tensor(3.0)
            y = getattr(x, name)(axis=axis)
            y.backward()
            assert y.shape == () and y.item() == 3.0 and x.grad.item() == 1.0


BAD_AXES = {  # what is called: (the call, the error, its message)
    "x.sum(axis=2)": (lambda x: x.sum(axis=2), ValueError,
                      r"^sum: axis 2 does not exist in a tensor of shape \(2×3\); its axes are "
                      r"-2..1"),
    "x.mean(axis=(0, -3))": (lambda x: x.mean(axis=(0, -3)), ValueError,
                             r"^mean: axis -3 does not exist"),
    "x.max(axis=(1, -1))": (lambda x: x.max(axis=(1, -1)), ValueError,
                            r"^max: axis \(1, -1\) names the same axis more than once"),
    "0-d sum(axis=1)": (lambda x: x.sum(axis=(0, 1)).sum(axis=1), ValueError,
                        r"^sum: axis 1 does not exist in a tensor of shape \(\); its axes are "
                        r"-1..0"),
    "x.sum(axis=0.5)": (lambda x: x.sum(axis=0.5), TypeError,
                        r"^sum: axis must be an int, a tuple of ints or None"),
    "softmax(x, 2)": (lambda x: softmax(x, 2), ValueError, r"^softmax: axis 2 does not exist"),
}


@pytest.mark.parametrize("name", sorted(BAD_AXES))
def test_reductions_refuse_axes_that_do_not_exist(name):
    call, error, message = BAD_AXES[name]
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))


def test_mean_and_max_of_nothing_raise_sum_of_nothing_is_0():
    x = Tensor(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"^mean: over axis 0 of a tensor of shape \(0×3\) there "
                                         r"are no entries to combine, and the mean of no"):
        x.mean(axis=0)
    with pytest.raises(ValueError, match=r"^max: over axis None .* no numbers have a largest"):
        x.max()
    assert x.mean(axis=1).shape == (0,) and x.max(axis=1).shape == (0,)  # no groups at all
    s = x.sum(axis=0)
    s.backward(np.ones(3))
    assert s.data.tolist() == [0.0, 0.0, 0.0] and x.grad.shape == (0, 3)


# ----------------------------------------------------------------------------- comparisons


def test_comparisons_are_elementwise_and_outside_the_graph():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 5.0, 0.0])
    for result, expected in [
        (a == b, [True, False, False]), (a != b, [False, True, True]),
        (a < b, [False, True, False]), (a <= b, [True, True, False]),
        (a > b, [False, False, True]), (a >= b, [True, False, True]),
        (a == 2, [False, True, False]), (2 < a, [False, False, True]),
        (a >= np.array([3.0, 2.0, 1.0]), [False, True, True]),
        (np.array([3.0, 2.0, 1.0]) == a, [False, True, False]),
        (a[None, :] < a[:, None], [[False, False, False], [True, False, False],
                                   [True, True, False]]),  # [i, j]: a[j] < a[i]
    ]:
        assert type(result) is np.ndarray and result.dtype == bool
        np.testing.assert_array_equal(result, expected)
    assert type(Tensor(1.0) == 1.0) is np.ndarray  # 0-d: still an array
    assert not (Tensor([np.nan]) == Tensor([np.nan])).any()  # NaN equals nothing
    with pytest.raises(ValueError, match=r"^<: \(3\) < \(2\): shapes do not broadcast"):
        assert a < np.ones(2)
    with pytest.raises(TypeError, match=r"the other operand of == needs real numbers, got str"):
        assert a == "1.0"


def test_tensors_hash_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])  # equal entries, different tensors
    assert len({a, b}) == 2 and {a: "a", b: "b"}[b] == "b"
    y = a * b + a
    y.backward(np.ones(1))
    assert walk(y)[-1] is y and a.grad.tolist() == [2.0] and b.grad.tolist() == [1.0]


def test_bool_needs_one_element():
    assert bool(Tensor([2.0])) and not bool(Tensor(0.0)) and bool(Tensor([[np.nan]]))
    assert (Tensor([1.0, 2.0]) < 3).all()
    for shape in [(2,), (0,), (2, 3)]:
        with pytest.raises(ValueError, match=rf"^bool: a tensor of shape "
                                             rf"\({'×'.join(map(str, shape))}\) has"):
            bool(Tensor(np.ones(shape)))


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
