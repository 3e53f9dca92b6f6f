"""autograd.py: ``grad()``, the chain rule into a dict, and second derivatives, differentiating
the backward pass with create_graph=True (the local derivatives as Values: higher.py)."""

import gc
import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import requires_torch, torch
from tests.test_torch_parity import TORCH_OPS, leaf, with_twins
from tests.torch_deviations import hessian_deviation
from tinygrad_edu import OPS, Value, dot, enable_grad, grad, vsum
from tinygrad_edu.nn import MLP, hinge_loss
from tinygrad_edu.testing import (
    Expression,
    assert_grads_close,
    assert_op_derivatives,
    expressions,
    op_inputs,
)

# ----------------------------------------------------------------------------- grad()


def test_functional_grad_leaves_dot_grad_alone():
    x, y = Value(3.0), Value(2.0)
    f = (x + y) * (x - y)
    assert grad(f, [x, y]) == (6.0, -4.0)
    assert x.grad == 0.0 and y.grad == 0.0


def test_functional_grad_unused_input():
    x, z = Value(1.0), Value(2.0, label="z")
    with pytest.raises(ValueError, match="input 1 \\('z'\\) is not used"):
        grad(x * 2, [x, z])
    assert grad(x * 2, [x, z], allow_unused=True) == (2.0, None)


@given(st.floats(-2, 2))
def test_second_derivative_of_a_cube(x):
    v = Value(x)
    (d1,) = grad(v**3, [v], create_graph=True)
    (d2,) = grad(d1, [v])
    assert d1.data == pytest.approx(3 * x * x) and d2 == pytest.approx(6 * x, abs=1e-12)


def test_grad_checks_what_it_is_given():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"outputs must be a Value or a Tensor, or a list of them, "
                                        r"got float 3\.0; an output needs a graph"):
        grad(3.0, x)
    with pytest.raises(TypeError, match=r"inputs must be a Value or a Tensor, or a list of them, "
                                        r"got float"):
        grad(x * x, 2.0)
    with pytest.raises(TypeError, match=r"inputs\[1\] is float 2\.0, not a Value"):
        grad(x * x, [x, 2.0])
    with pytest.raises(TypeError, match=r"grad\(grad_outputs\) needs a real number"):
        grad(x * x, [x], grad_outputs=["1"])


# ----------------------------------------------------------------------------- second derivatives


def hessian(f, values):
    """Second derivatives of the scalar f(*values) with two passes of grad()."""
    out = f(*values)
    firsts = grad(out, values, create_graph=True, allow_unused=True)
    return [[None] * len(values) if g is None else list(grad(g, values, allow_unused=True))
            for g in firsts]


# Every registered op: Values on both sides and a plain number on either side; the first
# derivatives built with create_graph=True must equal backward()'s, and differentiating
# them again must match central differences of the first derivatives.
@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_second_derivatives_match_central_differences_of_the_first(name, data):
    op = OPS[name]
    assert_op_derivatives(op, *data.draw(op_inputs(op), label="xs"), second_order=True)


@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=4))
def test_dot_and_vsum_second_derivatives(pairs):
    n = len(pairs)
    values = [Value(w) for w, _ in pairs] + [Value(x) for _, x in pairs]
    h = hessian(lambda *v: dot(v[:n], v[n:]) * vsum(v[:n]), values)
    w = [p[0] for p in pairs]
    x = [p[1] for p in pairs]
    # f = (w·x)(Σw): ∂²f/∂wᵢ∂wⱼ = xᵢ + xⱼ, ∂²f/∂wᵢ∂xⱼ = wⱼ + [i = j]·Σw, ∂²f/∂xᵢ∂xⱼ = 0
    for i in range(n):
        for j in range(n):
            assert h[i][j] == pytest.approx(x[i] + x[j], abs=1e-12)
            assert h[i][n + j] == pytest.approx(w[j] + (math.fsum(w) if i == j else 0.0), abs=1e-12)
            assert h[n + i][n + j] in (None, 0.0)


def gradient_entry(expr, i):
    """x ↦ d(expr)/dx_i as a Value with a graph (0.0 where the input is unused)."""
    def f(*vs):
        with enable_grad():
            g = grad(expr(*vs), list(vs), create_graph=True, allow_unused=True)[i]
        return 0.0 if g is None else g
    return f


@given(expressions(max_nodes=10))
def test_mixed_partials_are_symmetric_and_match_numeric_hessians(expr):
    leaves, _ = expr.build()
    h = hessian(expr, leaves)
    h = [[0.0 if e is None else e for e in row] for row in h]
    for i in range(len(leaves)):
        for j in range(len(leaves)):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-12)
        assert_grads_close(gradient_entry(expr, i), expr.inputs)


def test_cube_second_and_third_derivatives():
    x = Value(2.0)
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.data, d2.data, d3) == (12.0, 12.0, 6.0)  # 3x², 6x, 6


def test_hessian_of_a_small_function():
    # f(x, y) = x²y + sin(y): H = [[2y, 2x], [2x, -sin y]]
    x, y = Value(1.5), Value(-0.5)
    h = hessian(lambda a, b: a * a * b + b.sin(), [x, y])
    assert h[0] == pytest.approx([2 * -0.5, 2 * 1.5])
    assert h[1] == pytest.approx([2 * 1.5, -math.sin(-0.5)])


def test_newton_step_on_a_one_dimensional_problem():
    # minimise f(x) = x⁴ - 3x² + x; Newton: x ← x - f'(x)/f''(x)
    x = 2.0
    for _ in range(8):
        v = Value(x)
        (d1,) = grad(v**4 - 3 * v**2 + v, [v], create_graph=True)
        (d2,) = grad(d1, [v])
        x -= d1.data / d2
    assert 4 * x**3 - 6 * x + 1 == pytest.approx(0.0, abs=1e-12)


def test_backward_create_graph_then_backward_again_accumulates_like_pytorch():
    x = Value(3.0)
    (x**3).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value) and g.data == 27.0
    g.backward()  # adds d(3x²)/dx = 6x = 18 to x.grad, as torch does
    assert x.grad.data == pytest.approx(27.0 + 18.0)


def test_create_graph_gives_every_leaf_a_value_and_inner_nodes_numbers():
    x, w, c = Value(3.0), Value(2.0), Value(1.0)
    h = x * w
    y = h + 4 * x + 5 * c  # c's gradient is the constant 5
    y.backward(create_graph=True)
    assert all(isinstance(v.grad, Value) for v in (x, w, c))
    assert (x.grad.data, w.grad.data, c.grad.data) == (6.0, 3.0, 5.0)
    assert type(h.grad) is float and type(y.grad) is float and h.grad == 1.0
    y.backward(create_graph=True)  # a second pass adds, as in PyTorch
    assert isinstance(x.grad, Value) and x.grad.data == 12.0


@pytest.mark.parametrize("engine", ["Value", "Tensor"])
@pytest.mark.parametrize("then", ["backward()", "backward() in no_grad()", "create_graph again",
                                  "backward(inputs=[x, z])"])
def test_a_plain_backward_after_create_graph_adds_to_constant_gradients_too(engine, then):
    """Issue 55, item 3: after f.backward(create_graph=True), z's gradient is a constant Value
    (3, for f = x·x + 3z), a leaf; the next backward's chain rule added to it with +=, which
    a leaf outside no_grad() refuses ("p += ... on a leaf Value"). Now each later pass adds
    to a leaf's gradient as PyTorch accumulates: (8, 6), then (12, 9)."""
    from tinygrad_edu import no_grad
    from tinygrad_edu.tensor import Tensor

    make = Value if engine == "Value" else (lambda v: Tensor([v]))
    x, z = make(2.0), make(1.0)
    f = x * x + 3 * z
    if engine == "Tensor":
        f = f.sum()
    f.backward(create_graph=True)
    for _ in range(2):
        if then == "backward() in no_grad()":
            with no_grad():
                f.backward()
        elif then == "create_graph again":
            f.backward(create_graph=True)
        else:
            f.backward(inputs=[x, z] if "inputs" in then else None)
    found = [float(np.asarray(v.grad.data).reshape(-1)[0]) for v in (x, z)]
    assert found == [12.0, 9.0]
    if torch is not None:
        tx, tz = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, 1.0))
        tf = tx * tx + 3 * tz
        tf.backward(create_graph=True)
        tf.backward(retain_graph=True)
        tf.backward()
        assert [tx.grad.item(), tz.grad.item()] == found


def test_create_graph_leaves_no_cycles_once_gradients_are_reset():
    gc.collect()
    gc.disable()
    try:
        for seed in range(5):  # a gradient penalty, PyTorch style
            model = MLP(2, [4, 1], activation="tanh", seed=seed)
            loss = hinge_loss([model([1.0, -0.5]), model([0.3, 0.8])], [1, -1])
            loss.backward(create_graph=True)
            penalty = sum(p.grad * p.grad for p in model.parameters())
            penalty.backward()
            model.zero_grad()
            del model, loss, penalty
        assert gc.collect() == 0  # everything was freed by reference counting alone
        x = Value(0.7)
        (g,) = grad((x * x).tanh() * x, [x], create_graph=True)
        (g2,) = grad(g, [x], create_graph=True)
        del x, g, g2
        assert gc.collect() == 0  # grad() stores nothing, so it never makes a cycle
    finally:
        gc.enable()


@pytest.mark.parametrize("first", [lambda x: x * 4 + 1, lambda x: x * math.inf])
def test_differentiating_a_constant_derivative_again_says_why_the_input_is_unused(first):
    x = Value(0.0, label="x")
    (g,) = grad(first(x), [x], create_graph=True)
    assert not g.parents  # 4, or inf: a constant (sqrt's inf at 0 is not: test_edges.py)
    with pytest.raises(ValueError, match=r"input 0 \('x'\) is not used .*output 0 is a "
                                         r"constant.*allow_unused=True"):
        grad(g, [x])
    assert grad(g, [x], allow_unused=True) == (None,)
    with pytest.raises(ValueError, match=r"is not used to compute the outputs; pass"):
        grad(x * 2, [Value(1.0)])  # an input that is really not used: no word of constants


@pytest.mark.parametrize("engine", ["Value", "Tensor"])
@pytest.mark.parametrize("call", ["grad", "backward", "backward(inputs=...)"])
def test_create_graph_under_no_grad_raises_and_says_what_to_do(engine, call):
    from tinygrad_edu import no_grad
    from tinygrad_edu.tensor import Tensor

    x = Value(2.0) if engine == "Value" else Tensor([1.0, 2.0])
    y = (x * x * x).sum() if engine == "Tensor" else x * x * x
    run = {"grad": lambda: grad(y, [x], create_graph=True),
           "backward": lambda: y.backward(create_graph=True),
           "backward(inputs=...)": lambda: y.backward(create_graph=True, inputs=[x])}[call]
    with no_grad(), pytest.raises(RuntimeError, match=r"create_graph=True inside no_grad\(\)"
                                  r".*outside the no_grad block, or wrap the call in "
                                  r"enable_grad\(\)"):
        run()
    assert not isinstance(x.grad, (Value, Tensor))  # nothing was stored
    with no_grad(), enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # backward's reference-cycle warning
        run()  # enable_grad inside no_grad is the way out that the message names
    with no_grad():  # without create_graph, a backward pass under no_grad is fine (PyTorch)
        np.testing.assert_allclose(grad(y, [x])[0], 3 * np.asarray(x.data) ** 2, rtol=1e-15)


def test_create_graph_warns_of_the_cycle_unless_inputs_says_which_values_to_fill():
    x, y = Value(2.0), Value(3.0)
    f = x**3 * y
    with pytest.warns(UserWarning, match=r"backward\(create_graph=True\).*reference cycle"
                      r".*inputs=\[\.\.\.\]"):
        f.backward(create_graph=True)
    assert isinstance(x.grad, Value) and isinstance(y.grad, Value)
    a, b = Value(2.0), Value(3.0)
    g = a**3 * b
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g.backward(create_graph=True, inputs=[a])
    assert a.grad.data == 36.0 and b.grad == 0.0 and g.grad == 0.0  # only a: as PyTorch


def test_backward_with_inputs_fills_only_those_as_in_pytorch():
    x, y = Value(2.0), Value(3.0)
    z = x * y
    f = z * x
    f.backward(inputs=[x, z])
    f.backward(inputs=[x, z, Value(5.0)])  # a value f does not depend on gets nothing
    assert (x.grad, z.grad, y.grad) == (24.0, 2.0, 0.0)  # x accumulates, z holds this pass
    if torch is not None:
        tx, ty = leaf(2.0), leaf(3.0)
        tz = tx * ty
        (tz * tx).backward(inputs=[tx])
        assert tx.grad.item() * 2 == x.grad and ty.grad is None
    with pytest.raises(TypeError, match=r"inputs\[0\] is float 2.0, not a Value"):
        f.backward(inputs=[2.0])


def test_a_penalty_on_value_inputs_leaves_no_cycles_with_inputs_given():
    gc.collect()
    gc.disable()
    try:
        for seed in range(5):  # inputs as Values, the case where every leaf would get a graph
            model = MLP(2, [4, 1], activation="tanh", seed=seed)
            xs = [[Value(1.0), Value(-0.5)], [Value(0.3), Value(0.8)]]
            loss = hinge_loss([model(x) for x in xs], [1, -1])
            loss.backward(create_graph=True, inputs=model.parameters())
            assert all(x.grad == 0.0 for row in xs for x in row)
            penalty = sum(p.grad * p.grad for p in model.parameters())
            penalty.backward(inputs=model.parameters())
            model.zero_grad()
            del model, loss, penalty, xs
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("method, x, slope", [
    ("relu", 2.0, 1.0), ("relu", -2.0, 0.0), ("relu", 0.0, 0.0),
    ("abs", 2.0, 1.0), ("abs", -2.0, -1.0), ("abs", 0.0, 0.0),
    ("leaky_relu", 2.0, 1.0), ("leaky_relu", -2.0, 0.01), ("leaky_relu", 0.0, 0.01),
])
def test_second_derivative_of_a_piecewise_linear_op_is_zero_as_in_pytorch(method, x, slope):
    v = Value(x)
    (g,) = grad(getattr(v, method)(), [v], create_graph=True)
    assert g.data == slope and grad(g, [v]) == (0.0,)
    if torch is not None:
        t = leaf(x)
        f = TORCH_OPS[method](t)
        (tg,) = torch.autograd.grad(f, t, create_graph=True)
        assert tg.item() == slope and torch.autograd.grad(tg, t)[0].item() == 0.0


def test_gradient_of_a_linear_function_is_a_constant_value():
    x = Value(1.0)
    (g,) = grad(x * 4.0 + 1.0, [x], create_graph=True)
    assert isinstance(g, Value) and g.data == 4.0 and grad(g, [x], allow_unused=True) == (None,)


@requires_torch
@given(with_twins())
@example(Expression((1.0, 0.0), ((OPS["**"], (0, 1)),)))  # found by hypothesis: a deviation
def test_hessians_match_torch(expr):
    values, root = expr.build()
    h = hessian(expr, values)
    if hessian_deviation(root):  # PyTorch is wrong here (see tests/torch_deviations.py):
        for i in range(len(values)):  # hold the Hessian to central differences instead
            assert_grads_close(gradient_entry(expr, i), expr.inputs)
        return
    tensors = [leaf(x) for x in expr.inputs]
    out = expr(*tensors, ops=TORCH_OPS)
    if out.grad_fn is None:
        return
    firsts = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    for i, g in enumerate(firsts):
        if g is None or g.grad_fn is None:
            continue
        row = torch.autograd.grad(g, tensors, retain_graph=True, allow_unused=True)
        for j, t in enumerate(row):
            expected = 0.0 if t is None else t.item()
            assert (h[i][j] or 0.0) == pytest.approx(expected, rel=1e-9, abs=1e-12)
