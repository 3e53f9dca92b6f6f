"""Second derivatives of the tensor engine against PyTorch's double backward (float64).

Each case is one function written once for both engines (``E`` is our engine or PyTorch,
through the small adapters below). hypothesis draws its inputs and a direction v; both
engines compute the gradient with create_graph=True, then the gradient of <grad, v>: a
Hessian-vector product. The values, the gradients and the products must agree to 1e-9.
Where PyTorch deviates from the mathematics (tests/torch_deviations.py) the product is
compared with central differences of our gradient instead. These run only where the
pinned torch extra is installed; test_rules.py checks every rule on its own.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

from tests.conftest import requires_torch, torch
from tests.torch_deviations import DEVIATIONS, pow_mixed_partial_deviation
from tinygrad_edu import grad
from tinygrad_edu.tensor import MLP, Tensor, cross_entropy

pytestmark = requires_torch

RTOL, ATOL = 1e-9, 1e-11

OURS = SimpleNamespace(
    name="ours",
    sum=lambda t, axis=None: t.sum(axis=axis),
    mean=lambda t, axis=None: t.mean(axis=axis),
    max=lambda t, axis=None: t.max(axis=axis),
    softmax=lambda t, axis: t.softmax(axis),
    log_softmax=lambda t, axis: t.log_softmax(axis),
    relu=lambda t: t.relu(), tanh=lambda t: t.tanh(), sigmoid=lambda t: t.sigmoid(),
    exp=lambda t: t.exp(), log=lambda t: t.log(),
    reshape=lambda t, shape: t.reshape(shape),
    transpose=lambda t, axes: t.transpose(*axes),
    index=lambda t, index: t[index],
    cross_entropy=cross_entropy,
    const=lambda a: a,  # a plain array is a constant
)


def _torch_index(index):
    if isinstance(index, tuple):
        return tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    return torch.as_tensor(index) if isinstance(index, np.ndarray) else index


def _torch_reduce(method, t, axis):
    return getattr(t, method)() if axis is None else getattr(t, method)(dim=axis)


THEIRS = SimpleNamespace(
    name="torch",
    sum=lambda t, axis=None: _torch_reduce("sum", t, axis),
    mean=lambda t, axis=None: _torch_reduce("mean", t, axis),
    max=lambda t, axis=None: _torch_reduce("amax", t, axis),  # shares ties, as ours does
    softmax=lambda t, axis: t.softmax(axis),
    log_softmax=lambda t, axis: t.log_softmax(axis),
    relu=lambda t: t.relu(), tanh=lambda t: t.tanh(), sigmoid=lambda t: t.sigmoid(),
    exp=lambda t: t.exp(), log=lambda t: t.log(),
    reshape=lambda t, shape: t.reshape(shape),
    transpose=lambda t, axes: t.permute(*axes),
    index=lambda t, index: t[_torch_index(index)],
    cross_entropy=lambda z, y: torch.nn.functional.cross_entropy(z, torch.as_tensor(y)),
    const=lambda a: torch.as_tensor(a),
) if torch is not None else None


def hvp_ours(f, xs, vs):
    """f's value, its gradients and the Hessian-vector product, all as arrays."""
    leaves = [Tensor(x) for x in xs]
    out = f(OURS, *leaves)
    firsts = grad(out, leaves, create_graph=True)
    total = sum((g * v).sum() for g, v in zip(firsts, vs))
    products = grad(total, leaves, allow_unused=True)
    return (out.data, [g.data for g in firsts],
            [np.zeros_like(x) if p is None else p for x, p in zip(xs, products)])


def hvp_torch(f, xs, vs):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(THEIRS, *leaves)
    firsts = torch.autograd.grad(out, leaves, create_graph=True)
    total = sum((g * torch.as_tensor(v)).sum() for g, v in zip(firsts, vs))
    products = torch.autograd.grad(total, leaves, allow_unused=True)
    return (out.detach().numpy(), [g.detach().numpy() for g in firsts],
            [np.zeros_like(x) if p is None else p.numpy() for x, p in zip(xs, products)])


def hvp_numeric(f, xs, vs, h=1e-6):
    """(∇f(x + h·v) − ∇f(x − h·v)) / 2h with our plain gradients: the product by central
    differences, for the cases where PyTorch is not the truth."""
    def gradient(at):
        leaves = [Tensor(a) for a in at]
        return grad(f(OURS, *leaves), leaves)

    ahead = gradient([x + h * v for x, v in zip(xs, vs)])
    behind = gradient([x - h * v for x, v in zip(xs, vs)])
    return [(a - b) / (2 * h) for a, b in zip(ahead, behind)]


def assert_same_second_derivatives(f, xs, vs, deviation=None):
    value, firsts, products = hvp_ours(f, xs, vs)
    t_value, t_firsts, t_products = hvp_torch(f, xs, vs)
    np.testing.assert_allclose(value, t_value, rtol=RTOL, atol=ATOL)
    for ours, theirs in zip(firsts, t_firsts):
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    reference = t_products if deviation is None else hvp_numeric(f, xs, vs)
    tolerance = dict(rtol=RTOL, atol=ATOL) if deviation is None else dict(rtol=1e-5, atol=1e-7)
    for ours, theirs in zip(products, reference):
        np.testing.assert_allclose(ours, theirs, **tolerance)
    return products, t_products


def floats(lo=-2.0, hi=2.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def array(data, shape, lo=-2.0, hi=2.0):
    return data.draw(arrays(np.float64, shape, elements=floats(lo, hi)))


def directions(data, xs):
    return [array(data, x.shape, -1.0, 1.0) for x in xs]


def dims(data, lo=1, hi=3):
    return data.draw(st.integers(lo, hi))


# ----------------------------------------------------------------------------- op by op


@given(data=st.data())
def test_matmul(data):
    n, k, m = dims(data), dims(data), dims(data)
    left = data.draw(st.sampled_from([(n, k), (k,)]))
    right = data.draw(st.sampled_from([(k, m), (k,)]))
    xs = [array(data, left), array(data, right)]

    def f(E, a, b):
        return E.sum(E.tanh(a @ b))  # tanh: d²/da db has a term through tanh'' too

    assert_same_second_derivatives(f, xs, directions(data, xs))


@given(data=st.data())
def test_broadcasting_add_and_mul(data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    xs = [array(data, s) for s in shapes.input_shapes]

    def f(E, a, b, c):
        return E.sum(E.tanh(a * b + c) * (a + c))

    assert_same_second_derivatives(f, xs, directions(data, xs))


@pytest.mark.parametrize("reduction", ["sum", "mean", "max"])
@given(data=st.data())
def test_reductions(reduction, data):
    shape = (dims(data), dims(data))
    axis = data.draw(st.sampled_from([None, 0, 1, -1]))
    xs = [array(data, shape)]

    def f(E, x):
        reduced = getattr(E, reduction)(x * x, axis)  # max: ties share, as torch.amax
        return E.sum(E.tanh(reduced) * reduced)

    assert_same_second_derivatives(f, xs, directions(data, xs))


@pytest.mark.parametrize("softmax", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_and_log_softmax(softmax, data):
    shape = (dims(data), dims(data))
    axis = data.draw(st.sampled_from([0, 1, -1]))
    weights = array(data, shape)
    xs = [array(data, shape, -3.0, 3.0)]

    def f(E, x):
        return E.sum(getattr(E, softmax)(x, axis) * E.const(weights))

    assert_same_second_derivatives(f, xs, directions(data, xs))


@given(data=st.data())
def test_indexing_with_repeated_indices(data):
    n, m = dims(data, 1, 4), dims(data)
    picks = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))
    index = data.draw(st.sampled_from([np.array(picks), (np.array(picks), slice(None, None, 2)),
                                       (slice(None), m - 1)]))
    xs = [array(data, (n, m))]

    def f(E, x):
        picked = E.index(x, index)  # an entry picked twice gets both gradients
        return E.sum(E.sigmoid(picked) * picked)

    assert_same_second_derivatives(f, xs, directions(data, xs))


@given(data=st.data())
def test_reshape_and_transpose(data):
    a, b, c = dims(data), dims(data), dims(data)
    axes = data.draw(st.permutations([0, 1, 2]))
    xs = [array(data, (a, b * c)), array(data, (a, b))]

    def f(E, x, w):
        cube = E.transpose(E.reshape(x, (a, b, c)), axes)
        flat = E.reshape(cube, (-1, a))
        return E.sum(E.tanh(flat @ w))

    assert_same_second_derivatives(f, xs, directions(data, xs))


UNARY = {"relu": (-2.0, 2.0), "tanh": (-2.0, 2.0), "sigmoid": (-3.0, 3.0),
         "exp": (-2.0, 2.0), "log": (0.2, 3.0)}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_elementwise(name, data):
    shape = (dims(data), dims(data))
    xs = [array(data, shape, *UNARY[name])]
    weights = array(data, shape)

    def f(E, x):
        y = getattr(E, name)(x)
        return E.sum(y * y * E.const(weights))  # relu: (relu x)² has second derivative 2 for x > 0

    assert_same_second_derivatives(f, xs, directions(data, xs))


@given(data=st.data())
def test_pow_of_two_tensors(data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    base, exponent = shapes.input_shapes
    xs = [array(data, base, 0.5, 2.5), array(data, exponent, -2.0, 2.0)]

    def f(E, a, b):
        return E.sum(a**b + a**2.5)

    # PyTorch drops the mixed partial where an exponent is 0 (tests/torch_deviations.py)
    deviation = pow_mixed_partial_deviation.name if (xs[1] == 0).any() else None
    assert_same_second_derivatives(f, xs, directions(data, xs), deviation)


def test_where_pytorch_drops_pows_mixed_partial_we_match_central_differences():
    # the deviation on a whole array: only the entry with exponent 0 differs
    xs = [np.array([2.0, 1.5]), np.array([0.0, 1.0])]
    vs = [np.array([1.0, 1.0]), np.array([0.0, 0.0])]  # along a: H·v's b part is ∂²f/∂b∂a

    def f(E, a, b):
        return E.sum(a**b)

    products, t_products = assert_same_second_derivatives(f, xs, vs,
                                                          pow_mixed_partial_deviation.name)
    # d/db of d(a**b)/da = a**(b-1)·(1 + b·ln a): 1/2 at a = 2, b = 0
    assert products[1][0] == pytest.approx(0.5, rel=1e-15) and t_products[1][0] == 0.0
    assert products[1][1] == pytest.approx(t_products[1][1], rel=1e-12)  # elsewhere: equal
    # and along b, PyTorch's d/da of d(a**b)/db is right: its Hessian is not symmetric
    _, along_b = assert_same_second_derivatives(f, xs, vs[::-1])
    assert along_b[0][0] == pytest.approx(0.5, rel=1e-15)


@given(data=st.data())
def test_cross_entropy(data):
    n, c = dims(data), dims(data, 2, 4)
    probabilities = data.draw(st.booleans())
    targets = array(data, (n, c), 0.0, 1.0) if probabilities else np.array(
        data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    xs = [array(data, (n, 3)), array(data, (3, c))]

    def f(E, x, w):
        return E.cross_entropy(x @ w, targets)

    assert_same_second_derivatives(f, xs, directions(data, xs))


# ----------------------------------------------------------------------------- networks


def two_layer(activation):
    def f(E, x, w1, b1, w2, b2, *, labels):
        hidden = getattr(E, activation)(E.const(x) @ w1 + b1)
        return E.cross_entropy(hidden @ w2 + b2, labels)

    return f


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@given(data=st.data())
def test_hessian_vector_product_of_a_two_layer_network(activation, data):
    # a 2-layer network: Z1 = X W1 + b1, A1 = act(Z1), Z2 = A1 W2 + b2, cross entropy
    n, d, h, c = dims(data, 2, 4), dims(data, 2, 3), dims(data, 2, 4), dims(data, 2, 3)
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    x = array(data, (n, d))
    params = [array(data, (d, h)), array(data, (1, h)), array(data, (h, c)),
              array(data, (1, c))]
    f = two_layer(activation)

    def loss(E, w1, b1, w2, b2):
        return f(E, x, w1, b1, w2, b2, labels=labels)

    if activation == "relu":  # off relu's kink by a margin: NumPy's BLAS and PyTorch round
        # x @ W1 differently (x = [[-2 + 2⁻⁵², 2 - 2⁻⁵²]] and W1 = 3.6e-177: 7.7e-194 against 0)
        z = x @ params[0] + params[1]
        scale = np.abs(x) @ np.abs(params[0]) + np.abs(params[1])
        assume(np.all((scale == 0) | (np.abs(z) > 1e-9 * scale)))
    assert_same_second_derivatives(loss, params, directions(data, params))


@given(data=st.data())
def test_gradient_penalty_of_a_two_layer_network(data):
    # P = Σ ||dL/dθ||² over the parameters θ, then dP/dθ: a double backward through every op
    n, d, h, c = 3, 2, 4, 3
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    x = array(data, (n, d))
    params = [array(data, (d, h)), array(data, (1, h)), array(data, (h, c)),
              array(data, (1, c))]
    loss = two_layer("tanh")

    leaves = [Tensor(p) for p in params]
    firsts = grad(loss(OURS, x, *leaves, labels=labels), leaves, create_graph=True)
    penalty = sum((g * g).sum() for g in firsts)
    ours = grad(penalty, leaves)

    t_leaves = [torch.tensor(p, requires_grad=True) for p in params]
    t_firsts = torch.autograd.grad(loss(THEIRS, x, *t_leaves, labels=labels),
                                   t_leaves, create_graph=True)
    t_penalty = sum((g * g).sum() for g in t_firsts)
    theirs = torch.autograd.grad(t_penalty, t_leaves)
    np.testing.assert_allclose(penalty.item(), t_penalty.item(), rtol=RTOL, atol=ATOL)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=RTOL, atol=ATOL)


def test_hessian_vector_product_of_the_tensor_mlp():
    # the library's own MLP and cross_entropy, HVP against torch with the same weights
    model = MLP(4, [5, 3], activation="tanh", seed=0)
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(6, 4)), np.array([0, 2, 1, 1, 0, 2])
    params = model.parameters()
    loss = cross_entropy(model(Tensor(x)), labels)
    firsts = grad(loss, params, create_graph=True)
    vs = [rng.normal(size=p.shape) for p in params]
    products = grad(sum((g * v).sum() for g, v in zip(firsts, vs)), params)

    t_params = [torch.tensor(p.data, requires_grad=True) for p in params]
    hidden = torch.as_tensor(x)
    for i in range(0, len(t_params), 2):
        hidden = hidden @ t_params[i] + t_params[i + 1]
        if i + 2 < len(t_params):
            hidden = hidden.tanh()
    t_loss = torch.nn.functional.cross_entropy(hidden, torch.as_tensor(labels))
    t_firsts = torch.autograd.grad(t_loss, t_params, create_graph=True)
    t_products = torch.autograd.grad(
        sum((g * torch.as_tensor(v)).sum() for g, v in zip(t_firsts, vs)), t_params)
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-12)
    for a, b in zip(products, t_products):
        np.testing.assert_allclose(a, b.numpy(), rtol=RTOL, atol=ATOL)


def test_the_recorded_pow_deviation_is_among_the_deviations():
    assert pow_mixed_partial_deviation in DEVIATIONS
