"""Second derivatives of Tensors: grad(..., create_graph=True) and backward(create_graph=True),
and the bad inputs around them (a seed of the wrong shape, a rule returning the wrong shape).
The rules themselves are property-tested op by op in test_rules.py."""

import numpy as np
import pytest

from tinygrad_edu import grad
from tinygrad_edu.tensor import Tensor, cross_entropy
from tinygrad_edu.tensor.engine import OPS, tensor_op


def test_a_seed_of_the_wrong_shape_is_refused_with_or_without_create_graph():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    for create_graph in (False, True):
        for seed in (np.ones((1, 2)), Tensor(np.ones((1, 2))), np.ones(3)):
            # (1×2) broadcasts to (2×2): without the check it would quietly weigh both rows
            with pytest.raises(ValueError, match=r"grad\(grad_outputs\): grad has shape "
                                                 r"\((1×2|3)\) but the output has shape "
                                                 r"\(2×2\); they must match"):
                grad(y, [x], grad_outputs=seed, create_graph=create_graph)
            with pytest.raises(ValueError, match=r"backward: grad has shape \((1×2|3)\) but "
                                                 r"the output has shape \(2×2\)"):
                y.backward(seed, create_graph=create_graph)
    assert x.grad is None
    z = x.sum(axis=0)
    with pytest.raises(ValueError, match=r"grad\(grad_outputs\[1\]\): grad has shape \(3\) "
                                         r"but the output has shape \(2\)"):
        grad([y, z], [x], grad_outputs=[np.ones((2, 2)), np.ones(3)])


def test_grad_outputs_as_a_list_of_one_gradient_per_output_as_in_pytorch():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    v = np.array([[1.0, -1.0], [0.5, 2.0]])
    expected = 2 * x.data * v
    for given in (v, [v], (v,), Tensor(v), [Tensor(v)], v.tolist()):
        (g,) = grad(x * x, [x], grad_outputs=given)
        np.testing.assert_array_equal(g, expected)
        (g,) = grad(x * x, [x], grad_outputs=given, create_graph=True)
        np.testing.assert_array_equal(g.data, expected)


def test_a_seed_with_a_graph_is_differentiated_through():
    # d/dv of <grad(x*x, x, grad_outputs=v), 1> = 2x: the seed is part of the graph
    x, v = Tensor([1.0, -2.0]), Tensor([3.0, 0.5])
    (g,) = grad(x * x, [x], grad_outputs=v, create_graph=True)
    dx, dv = grad(g.sum(), [x, v])
    np.testing.assert_array_equal(dv, 2 * x.data)
    np.testing.assert_array_equal(dx, 2 * v.data)


def test_transpose_with_negative_axes_sends_the_gradient_back_transposed():
    # the rule undid the permutation with argsort((-1, 0)) = (0, 1), the identity: a square
    # matrix got its gradient untransposed, silently, and any other one a shape error
    rng = np.random.default_rng(0)
    for shape, axes in (((3, 3), (-1, 0)), ((2, 3), (-1, -2)), ((2, 3, 4), (0, -1, 1))):
        x = Tensor(rng.normal(size=shape))
        y = x.transpose(*axes)
        np.testing.assert_array_equal(y.data, x.data.transpose(axes))
        c = rng.normal(size=y.shape)
        (y * c).sum().backward()
        np.testing.assert_array_equal(x.grad, c.transpose(np.argsort([a % len(shape)
                                                                       for a in axes])))


def test_the_cross_entropy_row_applies_cross_entropy():
    logits = Tensor([[1.0, 2.0, 0.5]])
    out = OPS["cross_entropy"](logits, [1])
    assert isinstance(out, Tensor) and out.op == "cross_entropy"
    assert out.item() == cross_entropy(logits, [1]).item()


def test_a_user_rule_returning_the_wrong_shape_names_the_op_the_operand_and_both_shapes():
    # the VJP of an outer product forgot which side it is on: u's gradient gets v's shape
    outer = tensor_op("outer_wrong", np.outer, [lambda g, u, v, y: u @ g,
                                                lambda g, u, v, y: u @ g], register_op=False)
    u, v = Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0])
    with pytest.raises(ValueError, match=r"outer_wrong: the gradient rule for operand 0 "
                                         r"returned shape \(2\), but the operand has shape "
                                         r"\(3\); a VJP must return an array of its operand's "
                                         r"shape"):
        outer(u, v).sum().backward()
    with pytest.raises(ValueError, match=r"outer_wrong: the gradient rule for operand 0 "
                                         r"returned shape \(2\)"):
        grad(outer(u, v).sum(), [u, v], create_graph=True)  # on Tensors too
    elementwise_too_big = tensor_op("stretch", lambda x: x * 2,
                                    [lambda g, x, y: np.ones((4, *np.shape(x)))],
                                    register_op=False)
    with pytest.raises(ValueError, match=r"stretch: the gradient rule for operand 0 returned "
                                         r"shape \(4×3\), but the operand has shape \(3\)"):
        elementwise_too_big(u).sum().backward()  # not elementwise: the engine sums nothing


def test_where_of_tensors_records_a_node_whose_gradient_goes_to_the_chosen_side():
    # where_op was never made Tensor-aware: np.where took the Tensors apart and returned a
    # plain array, so a rule written with where lost its graph without a word
    from tinygrad_edu.tensor.engine import where

    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([[4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    cond = np.array([True, False, True])
    y = where(cond, a, b)
    assert isinstance(y, Tensor) and y.op == "where"
    np.testing.assert_array_equal(y.data, np.where(cond, a.data, b.data))
    ga, gb = grad((y * y).sum(), [a, b])
    np.testing.assert_array_equal(ga, 2 * 2 * a.data * cond)  # a is used by both rows
    np.testing.assert_array_equal(gb, 2 * b.data * ~cond)
    np.testing.assert_array_equal(where(cond, np.ones(3), 3.0), [1.0, 3.0, 1.0])


def test_second_derivative_of_pow_at_a_zero_base_goes_through_where():
    # d(a**b)/da is written with where() where a base is 0: it must stay a graph
    a = Tensor([0.0, 2.0, 1.5])
    (d1,) = grad((a**3).sum(), [a], create_graph=True)
    np.testing.assert_array_equal(d1.data, 3 * a.data**2)
    (d2,) = grad(d1.sum(), [a])
    np.testing.assert_allclose(d2, 6 * a.data, rtol=1e-15)
