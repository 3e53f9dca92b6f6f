"""The tensor engine: every op's gradient against the scalar engine (element by element, on the
same numbers) and against central differences; PyTorch parity; a 2-layer
network against its closed forms; errors; no reference cycles."""

import gc
import weakref

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
    # the fused gradient is dZ = A - Y (A the softmax, Y one-hot), divided by N for the mean
    t = Tensor(z)
    cross_entropy(t, target).backward()
    a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(t.grad, (a - np.eye(c)[labels]) / n, **SAME)


def test_cross_entropy_is_stable_for_huge_logits():
    z = Tensor([[1000.0, -1000.0, 0.0]])
    loss = cross_entropy(z, [0])
    loss.backward()
    assert loss.item() == 0.0 and np.all(np.isfinite(z.grad))


# ----------------------------------------------------------------------------- a 2-layer network


def test_two_layer_network_against_its_closed_forms():
    """X (10×3) → W1 (3×4), ReLU → W2 (4×2) → softmax + cross-entropy. The tensor gradients
    are the closed forms below and the scalar engine's, entry by entry."""
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

    # The closed forms, for a loss summed over the batch (ours is the mean: /10)
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
