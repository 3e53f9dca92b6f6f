"""A tensor changed between the forward and the backward pass never gives a mix of old and new
numbers (issue 32, item 1): every route (in place inside no_grad(), ``t.data = ...``,
``t.data[...] = ...``, micrograd's ``t.data -= ...``, an optimizer's ``step()``,
``load_state_dict``) leaves the graph the arrays it was computed from, so ``backward()`` gives
the forward pass's gradient; ``create_graph=True``, whose rules run on the tensors themselves,
raises an error that names the tensor and says to take the gradients before the step.
Before, ``W -= 1`` between them gave [0, 2] for d(W·W)/dW at W = [1, 2]."""

import copy
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu import grad, no_grad, text_graph
from tinygrad_edu.tensor import MLP, SGD, Adam, Tensor, cross_entropy
from tinygrad_edu.tensor.engine import OPS
from tinygrad_edu.testing import tensor_samples
from tinygrad_edu.viz import draw_dot, replay_html

CHANGED = r"has changed since .*backward\(\), then step\(\)"


def in_place(t, delta):
    with no_grad():
        t += delta


def assigned(t, delta):
    t.data = t.data + delta


def written_into(t, delta):
    t.data[...] = t.data + delta


def micrograds_habit(t, delta):
    t.data += delta  # reads t.data, adds in place, assigns it back


def an_sgd_step(t, delta):
    t.grad = np.full(t.shape, -1.0) * delta
    optimizer = SGD([t], lr=1.0)
    optimizer.step()
    optimizer.zero_grad()


ROUTES = [in_place, assigned, written_into, micrograds_habit, an_sgd_step]


def by_adam(t, delta):
    t.grad = np.ones(t.shape)
    optimizer = Adam([t], lr=0.5)
    optimizer.step()
    optimizer.zero_grad()


def square_sum(w):
    return (w * w).sum()


X = np.array([[0.5, -1.0], [2.0, 0.25], [1.5, 1.0]])


def layer(w, x=X):
    """tanh(X @ W + 1), summed with weights: a matrix rule (dX = dZ Wᵀ, dW = Xᵀ dZ) and a rule
    that reads the output (tanh's 1 − y²)."""
    return ((x @ w + 1.0).tanh() * np.array([1.0, -2.0, 0.5])).sum()


@pytest.mark.parametrize("change", [*ROUTES, by_adam])
def test_the_issues_example_gives_the_forward_passs_gradient(change):
    W = Tensor([1.0, 2.0], label="W")
    L = square_sum(W)
    change(W, -1.0)  # an optimizer step taken too early
    assert not np.array_equal(W.data, [1.0, 2.0])
    L.backward()
    np.testing.assert_array_equal(W.grad, [2.0, 4.0])  # 2W of the forward pass, not [0, 2]
    np.testing.assert_array_equal(grad(L, [W])[0], [2.0, 4.0])


@pytest.mark.parametrize("change", [*ROUTES, by_adam])
def test_a_matrix_layer_gives_the_forward_passs_gradient(change):
    W = Tensor([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], label="W")
    x = Tensor(X, label="X")
    expected = grad(layer(W, x), [W, x])  # the gradients before any change
    L = layer(W, x)
    change(W, 0.5)
    L.backward()
    np.testing.assert_array_equal(W.grad, expected[0])
    np.testing.assert_array_equal(x.grad, expected[1])  # dX = dZ Wᵀ: the W of the forward pass


@pytest.mark.parametrize("change", [*ROUTES, by_adam])
def test_second_order_refuses_and_names_the_tensor(change):
    W = Tensor([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], label="W")
    L = layer(W)
    grad(L, [W], create_graph=True)  # before the change: fine
    change(W, 0.5)
    message = r"create_graph=True: W \(2×3\), which the forward pass computed the '@' node " \
              r"\(3×3\) from, has changed since \(an update inside no_grad\(\), t\.data = " \
              r"\.\.\., t\.data\[\.\.\.\] = \.\.\., a write into t\.numpy\(\) or into an array " \
              r"t\.data was set to, or an optimizer's step\(\)\).*Take the " \
              r"gradients before changing the values \(in a training loop: backward\(\), " \
              r"then step\(\)\)"
    with pytest.raises(RuntimeError, match=message):
        grad(L, [W], create_graph=True)
    with pytest.raises(RuntimeError, match=CHANGED):
        L.backward(create_graph=True)


def test_the_issues_example_to_second_order_refuses_too():
    W = Tensor([1.0, 2.0])
    L = square_sum(W)
    with no_grad():
        W -= 1
    with pytest.raises(RuntimeError, match=r"a tensor \(2\), which the forward pass computed "
                                           r"the '\*' node \(2\) from, has changed since"):
        grad(L, [W], create_graph=True)


def test_a_change_to_an_inner_tensor_is_kept_from_the_graph_too():
    x = Tensor([0.5, -1.0, 2.0], label="x")
    h = x.tanh()  # its rule reads its output: 1 − h²
    h.label = "h"
    L = (h * 3.0).sum()
    (expected,) = grad(L, [x])
    h.data[0] = 0.0  # written into h's array: h gets a copy of its own
    h.data = h.data * 2  # or a new array
    (got,) = grad(L, [x])
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(RuntimeError, match=r"h \(3\), which the forward pass computed the "
                                           r"'\*' node \(3\) from, has changed since"):
        grad(L, [x], create_graph=True)
    L.data[...] = 7.0  # the output itself
    with pytest.raises(RuntimeError, match=r"the 'sum' node \(\) has changed since the "
                                           r"forward pass computed it"):
        L.backward(create_graph=True)


def test_load_state_dict_between_forward_and_backward():
    model = MLP(2, [3, 1], "tanh", seed=0)
    other = MLP(2, [3, 1], "tanh", seed=1)
    X = np.array([[0.5, -1.0], [1.0, 2.0]])
    loss = (model(X) ** 2).sum()
    expected = grad(loss, model.parameters())
    model.load_state_dict(other.state_dict())  # writes into each parameter's array
    np.testing.assert_array_equal(model.layers[0].W.data, other.layers[0].W.data)
    for g, e in zip(grad(loss, model.parameters()), expected):
        np.testing.assert_array_equal(g, e)
    with pytest.raises(RuntimeError, match=r"layers\.1\.W \(3×1\), which the forward pass "
                                           r"computed the '@' node \(2×1\) from, has changed"):
        grad(loss, model.parameters(), create_graph=True)


def test_reading_or_writing_back_the_same_numbers_is_no_change():
    W = Tensor([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])
    L = layer(W)
    (first,) = grad(L, [W], create_graph=True)
    print(W.data, np.asarray(W), W.numpy())  # reading hands out a copy: the same numbers
    W.data[0, 0] = 0.5
    with no_grad():
        W += 1.0
        W -= 1.0
    (again,) = grad(L, [W], create_graph=True)
    np.testing.assert_array_equal(again.data, first.data)


def test_an_array_taken_before_the_forward_pass_is_the_tensors_and_never_the_graphs():
    """Issue 40, item 1: an array that shares W's memory (``W.data``, ``np.asarray(W)``,
    ``W.numpy()``, a view of one), taken before the forward pass and written after it,
    changes W, as in PyTorch, but never the graph: the graph kept a copy of its own. Before,
    the graph made W's array read-only (NumPy's error, naming nothing), and a view taken
    from it stayed writable and changed the gradient silently."""
    W = Tensor([1.0, 2.0], label="W")
    taken, seen, view = W.data, np.asarray(W), W.numpy()[1:]
    L = square_sum(W)
    taken[0] = 5.0
    seen[0] *= 2.0
    view[0] = 7.0
    np.testing.assert_array_equal(W.data, [10.0, 7.0])  # one array, W's
    assert W.data is taken
    L.backward()
    np.testing.assert_array_equal(W.grad, [2.0, 4.0])  # 2W of the forward pass
    np.testing.assert_array_equal(grad(L, [W])[0], [2.0, 4.0])
    with pytest.raises(RuntimeError, match=r"create_graph=True: W \(2\), which the forward "
                                           r"pass computed the '\*' node \(2\) from, has changed"):
        grad(L, [W], create_graph=True)


def test_an_array_set_with_data_and_written_through_its_base_after_the_forward_pass():
    """``t.data = flat[0:3]``: t shares flat's memory (no copy, as NumPy's views do), so a
    write into flat changes t; the graph computed from t kept a copy of its own."""
    flat = np.arange(6.0)
    t = Tensor([0.0, 0.0, 0.0], label="t")
    t.data = flat[0:3]
    L = (t * t).sum()
    flat[0] = 100.0
    np.testing.assert_array_equal(t.data, [100.0, 1.0, 2.0])
    L.backward()
    np.testing.assert_array_equal(t.grad, [0.0, 2.0, 4.0])  # PyTorch: [200, 2, 4]
    with pytest.raises(RuntimeError, match=r"t \(3\), which the forward pass .* has changed"):
        grad(L, [t], create_graph=True)


def test_numpy_shares_the_tensors_memory_before_and_after_the_backward_pass():
    """Issue 40, item 5: ``arr = W.numpy()``, a backward pass, then ``arr -= 0.1 * W.grad``
    raised NumPy's "output array is read-only", naming neither W nor the graph, and the array
    stayed read-only after the graph was gone. Now it updates W, as in PyTorch; no array
    handed out is ever read-only, while a graph holds W or after."""
    W = Tensor([1.0, 2.0])
    arr = W.numpy()
    L = square_sum(W)
    L.backward()
    arr -= 0.1 * W.grad
    np.testing.assert_allclose(W.data, [0.8, 1.6])  # PyTorch's numbers
    assert W.numpy() is arr
    np.testing.assert_array_equal(grad(L, [W])[0], [2.0, 4.0])  # the graph's W: [1, 2]
    V = Tensor([1.0, 2.0])
    L = square_sum(V)  # V's array: the graph's now (no one else held it)
    for array in (np.asarray(V), V.numpy(), V.data):  # taken while the graph holds it
        assert array.flags.writeable
        array[0] += 1.0
    del L
    np.testing.assert_array_equal(V.data, [4.0, 2.0])
    assert V.data.flags.writeable and np.asarray(V).flags.writeable
    V.grad = np.ones(2)
    held = V.numpy()
    square_sum(V)  # a forward pass while you hold V's array: the graph takes a copy
    for step in (SGD([V], lr=1.0), Adam([V], lr=0.5)):
        step.step()  # in place: the array you hold follows V, as in PyTorch
        assert V.numpy() is held


def test_in_place_on_an_array_no_graph_holds_changes_it_where_it_is():
    x = Tensor([1.0, 2.0])
    d = x.detach()  # the same array, as torch's detach
    with no_grad():
        d += 1.0
    np.testing.assert_array_equal(x.data, [2.0, 3.0])
    x.data[0] = 7.0
    assert d.data[0] == 7.0


def test_the_data_setter_takes_real_numbers_only():
    W = Tensor([1.0, 2.0])
    W.data = [3, 4]
    np.testing.assert_array_equal(W.data, [3.0, 4.0])
    assert W.dtype == np.float64
    W32 = Tensor([1.0, 2.0], dtype=np.float32)
    for ints in ([3, 4], np.array([3, 4]), np.array([True, False]), np.float16([3, 4])):
        W32.data = ints  # ints, bools and other floats take the tensor's dtype
        assert W32.dtype == np.float32, ints
    W32.data = np.array([5.0, 6.0])  # a float64 array is kept, as Tensor(array) keeps it
    assert W32.dtype == np.float64
    loss = (W32 * W32).sum()
    W32.data = np.array([1, 2])
    loss.backward()
    assert W32.grad.dtype == np.float64
    np.testing.assert_array_equal(W32.grad, [10.0, 12.0])  # the forward pass's 2w
    with pytest.raises(TypeError, match=r"Tensor\.data needs real numbers, got str"):
        W.data = "12"
    with pytest.raises(TypeError, match=r"Tensor\.data needs real numbers"):
        W.data = np.array([1 + 2j])


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1),
                                  lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda ps: Adam(ps, lr=0.05, weight_decay=0.01)])
def test_the_usual_loop_and_the_update_habits_after_backward(make):
    """forward, zero_grad, backward, step: the step comes after backward, so nothing is
    refused; the old graph keeps its numbers, the next forward pass uses the new ones; the
    second derivatives work at every step, and are right (H·V against central differences
    of the first derivative along V). The same for the habits written by hand."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), np.arange(8) % 2
    model = MLP(3, [4, 2], "tanh", seed=0)
    optimizer = make(model.parameters())

    def first_derivative_at(numbers):  # of the loss by the first W, on a copy of the model
        twin = copy.deepcopy(model)
        twin.parameters()[0].data = numbers
        return grad(cross_entropy(twin(X), y), [twin.parameters()[0]])[0]

    losses = []
    for _ in range(4):
        loss = cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        kept = [p.grad.copy() for p in model.parameters()]
        (g, *_) = grad(loss, model.parameters(), create_graph=True)
        assert g.parents
        np.testing.assert_allclose(g.data, kept[0], rtol=1e-12, atol=1e-15)
        V, W = rng.normal(size=g.shape), np.asarray(model.parameters()[0]).copy()
        (hv,) = grad((g * V).sum(), [model.parameters()[0]])
        h = 1e-5
        numeric = (first_derivative_at(W + h * V) - first_derivative_at(W - h * V)) / (2 * h)
        np.testing.assert_allclose(hv, numeric, rtol=1e-5, atol=1e-8)
        optimizer.step()
        for p, k in zip(model.parameters(), kept):  # the old graph: the old gradient
            np.testing.assert_array_equal(grad(loss, [p])[0], k)
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    W = model.layers[0].W
    for habit in (lambda p: p.data.__isub__(0.01 * p.grad),  # micrograd: p.data -= lr·g
                  lambda p: setattr(p, "data", p.data - 0.01 * p.grad)):
        loss = cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        before, g = W.data.copy(), W.grad.copy()
        with no_grad():  # PyTorch's habit
            W -= 0.01 * W.grad
        habit(W)
        np.testing.assert_allclose(W.data, before - 0.02 * g, rtol=1e-15, atol=1e-15)
        (again,) = grad(loss, [W])
        np.testing.assert_array_equal(again, g)


def test_an_optimizer_keeps_the_dtype_and_the_arithmetic_of_minus_equals():
    W = Tensor(np.array([1.0, 2.0], dtype=np.float32))
    W.grad = np.array([0.5, 0.25])  # a float64 gradient set by hand
    expected = W.data.copy()
    expected -= 0.1 * W.grad
    L = square_sum(W)
    SGD([W], lr=0.1).step()
    assert W.dtype == np.float32
    np.testing.assert_array_equal(W.data, expected)
    L.backward()
    np.testing.assert_array_equal(W.grad, [0.5 + 2.0, 0.25 + 4.0])


def test_stepping_and_drawing_show_the_forward_passs_numbers_after_a_step():
    W = Tensor([1.0, 2.0], label="W")
    L = square_sum(W)
    L.backward()
    table = text_graph(L)
    W.grad = np.array([1.0, 1.0])
    SGD([W], lr=10.0).step()  # W = [-9, -8]
    assert text_graph(L) == table.replace("[2.0 4.0]", "[1.0 1.0]")  # only W.grad differs
    assert re.search(r"^W +\(leaf\) +2 +\[1\.0 2\.0\]", table, re.MULTILINE)
    source = draw_dot(L).source  # as L = 5 was computed from W = [1, 2]
    assert "data [1.0 2.0]" in source and "-9" not in source
    assert "[1.0 2.0]" in replay_html(L).html
    W.grad = None
    steps = list(L.backward_steps())
    np.testing.assert_array_equal(W.grad, [2.0, 4.0])
    assert "W.grad += dv1 ⊙ W" in str(steps[-1])


# ----------------------------------------------------------------------------- every op

NAMES = sorted(OPS)  # the registry itself


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_op_gives_the_forward_passs_gradient_after_any_route(name, data):
    """For each op of the registry and any operands: y = op(...), L = Σ y²; then every Tensor
    operand changes by a route drawn at random. backward() and grad() give exactly the
    gradients of a fresh graph at the old numbers; create_graph=True raises, and works again
    once the old numbers are back."""
    op = OPS[name]
    sample = data.draw(tensor_samples(op))

    def loss_of(tensors):
        y = op(*tensors, *sample.args)
        return (y * y).sum()

    def leaves():
        return [Tensor(x) if vjp else x for x, vjp in zip(sample.operands, op.rules)]

    fresh = leaves()
    fresh_tensors = [t for t in fresh if isinstance(t, Tensor)]
    expected = grad(loss_of(fresh), fresh_tensors)
    # create_graph=True computes the gradients with the tensor ops themselves, another
    # computation, which may round another way (a product's factors in another order): it is
    # compared with the same computation on a fresh graph, bit for bit
    expected_with_graph = [g.data for g in grad(loss_of(fresh), fresh_tensors, create_graph=True)]
    operands = leaves()
    tensors = [t for t in operands if isinstance(t, Tensor)]
    loss = loss_of(operands)
    for t in tensors:
        route = data.draw(st.sampled_from(ROUTES))
        route(t, data.draw(st.sampled_from([0.5, -0.25, 1.0])))
    for got, want in zip(grad(loss, tensors), expected):
        np.testing.assert_array_equal(got, want)
    loss.backward()
    for t, want in zip(tensors, expected):
        np.testing.assert_array_equal(t.grad, want)
    if any(t.size for t in tensors):  # (an empty array has nothing to change)
        with pytest.raises(RuntimeError, match=CHANGED):
            grad(loss, tensors, create_graph=True)
    for t, x in zip(tensors, [x for x, vjp in zip(sample.operands, op.rules) if vjp]):
        t.data = x
    for got, want in zip(grad(loss, tensors, create_graph=True), expected_with_graph):
        np.testing.assert_array_equal(got.data, want)

