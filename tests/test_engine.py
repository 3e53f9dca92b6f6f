"""The scalar engine: every derivative rule, graph bookkeeping, accumulation, errors."""

import copy
import gc
import math
import operator
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import (
    OPS,
    DomainError,
    Value,
    binary_op,
    dot,
    grad,
    no_grad,
    unary_op,
    vsum,
    walk,
)
from tinygrad_edu.nn import MLP, hinge_loss
from tinygrad_edu.testing import (
    ATOL,
    RTOL,
    assert_grads_close,
    assert_op_derivatives,
    call_op,
    domain_of,
    expressions,
    op_inputs,
)


def numeric_partials(f, xs):
    """Central differences of f (a function of floats) at xs, one partial per argument."""
    partials = []
    for i, x in enumerate(xs):
        h = 1e-6 * max(1.0, abs(x))
        up = list(xs)
        down = list(xs)
        up[i] += h
        down[i] -= h
        partials.append((f(*up) - f(*down)) / (2 * h))
    return partials


def assert_close(analytic, numeric, what):
    assert abs(analytic - numeric) <= ATOL + RTOL * abs(numeric), (
        f"{what}: analytic {analytic!r} vs numeric {numeric!r}"
    )


def test_registry_covers_every_operator_and_method():
    expected = {"+", "-", "*", "/", "**", "neg", "exp", "log", "tanh", "sigmoid", "relu",
                "leaky_relu", "sqrt", "abs", "sin", "cos", "dot", "vsum"}
    assert expected <= set(OPS)


# Every op in the registry, read at collection time: registering an op makes it tested here.
@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_derivatives_match_central_differences(name, data):
    """Values on both sides and, for two-input ops, a plain number on either side."""
    op = OPS[name]
    assert_op_derivatives(op, *data.draw(op_inputs(op), label="xs"), second_order=False)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_local_grads_are_the_gradients_of_one_node(name, data):
    op = OPS[name]
    values = [Value(x) for x in data.draw(op_inputs(op), label="xs")]
    out = call_op(op, values)
    out.backward()
    assert out.parents == tuple(values) and out._fn is op
    assert out.local_grads == tuple(v.grad for v in values)


@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=1, max_size=8))
def test_dot_derivatives(pairs):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    out = dot(ws, xs)
    out.backward()
    for (w, x), vw, vx in zip(pairs, ws, xs):
        assert vw.grad == x and vx.grad == w  # exact: the local derivative is the other factor
    assert math.isclose(out.data, math.fsum(w * x for w, x in pairs), rel_tol=1e-12, abs_tol=1e-12)


@given(st.lists(st.floats(-3, 3), min_size=1, max_size=8), st.floats(-3, 3))
def test_vsum_derivatives_and_plain_numbers(xs, c):
    vs = [Value(x) for x in xs]
    out = vsum([*vs, c])
    out.backward()
    assert all(v.grad == 1.0 for v in vs)
    assert out.parents == tuple(vs)
    assert math.isclose(out.data, math.fsum([*xs, c]), abs_tol=1e-12)


def test_negative_base_with_integer_constant_exponent():
    x = Value(-1.5)
    y = x**3
    y.backward()
    assert y.data == pytest.approx(-3.375) and x.grad == pytest.approx(3 * 1.5**2)


# ----------------------------------------------------------------------------- the seeds


def test_seed_product():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.backward()
    assert (c.data, a.grad, b.grad) == (6.0, 3.0, 2.0)


def test_seed_sum_times_difference():
    x, y = Value(3.0), Value(2.0)
    a, b = x + y, x - y
    f = a * b
    f.backward()
    assert (a.data, b.data, f.data) == (5.0, 1.0, 5.0)
    assert (a.grad, b.grad) == (1.0, 5.0)  # df/da = b, df/db = a
    assert (x.grad, y.grad) == (6.0, -4.0)


@given(st.floats(-3, 3))
def test_seed_chain_rule_polynomial(x):
    v = Value(x)
    ((v**2 + 1) ** 3).backward()
    expected = 6 * x * (x * x + 1) ** 2
    assert v.grad == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_seed_limit_definition_of_the_derivative():
    x = Value(3.0)
    (x**2).backward()
    assert x.grad == 6.0
    approximations = [((3 + h) ** 2 - 9) / h for h in (0.1, 0.01, 0.001)]
    assert approximations == pytest.approx([6.1, 6.01, 6.001])


# ----------------------------------------------------------------------------- graphs


def test_diamond_reuse_counts_every_path():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert b.parents == (a, a) and a.grad == 4.0


def test_square_via_self_product_has_two_edges():
    a = Value(3.0)
    c = a * a
    c.backward()
    assert c.parents == (a, a) and a.grad == 6.0


def path_sum(node, leaf, memo):
    """d(node)/d(leaf) as the sum over every path of the product of local derivatives."""
    if node is leaf:
        return 1.0
    if node not in memo:
        memo[node] = math.fsum(
            local * path_sum(p, leaf, memo) for p, local in zip(node.parents, node.local_grads)
        )
    return memo[node]


@given(expressions())
def test_random_graphs_match_path_sums_and_central_differences(expr):
    """Every registered op with a fixed number of operands, each inside its domain."""
    leaves, out = expr.build()
    out.backward()
    for v in leaves:
        assert v.grad == pytest.approx(path_sum(out, v, {}), rel=1e-9, abs=1e-12)
    assert_grads_close(expr, expr.inputs)


def test_walk_is_topological_and_lists_each_node_once():
    x, y = Value(3.0), Value(2.0)
    a, b = x + y, x - y
    f = a * b * a
    order = walk(f)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(set(order)) == 6
    assert all(position[p] < position[n] for n in order for p in n.parents)
    assert order[-1] is f


@pytest.mark.slow
def test_million_node_chain_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(500_000):
        y = y * 1.0001 + 0.0001  # two nodes per step: a chain of a million
    y.backward()
    assert len(walk(y)) == 1_000_001
    assert x.grad == pytest.approx(1.0001**500_000, rel=1e-6)
    del y  # freeing a deep chain must not overflow the C stack either


# ----------------------------------------------------------------------------- accumulation


def test_gradients_accumulate_across_backward_calls_like_pytorch():
    a, b = Value(2.0), Value(-3.0)
    h = a * b
    out = h.tanh()
    out.backward()
    first = (a.grad, b.grad, h.grad)
    out.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * first[0], 2 * first[1]))
    assert h.grad == pytest.approx(first[2])  # inner nodes show the latest pass only


def test_gradients_from_two_outputs_add_up():
    x = Value(1.5)
    h = x * x
    (h * 3.0).backward()
    (h + 1.0).backward()
    assert x.grad == pytest.approx(3.0 * 3.0 + 3.0)


def test_backward_with_a_seed_gradient():
    x = Value(2.0)
    (x * 5.0).backward(0.5)
    assert x.grad == 2.5


def test_zero_grad_clears_every_node_in_the_graph():
    a, b = Value(1.0), Value(2.0)
    c = (a * b).exp()
    c.backward()
    c.zero_grad()
    assert all(node.grad == 0.0 for node in walk(c))


# ----------------------------------------------------------------------------- detach


def test_detach_cuts_history():
    a = Value(2.0)
    b = (a * 3).detach()
    (b * 2).backward()
    assert b.parents == () and a.grad == 0.0


# ----------------------------------------------------------------------------- Value basics


def test_repr_and_attributes():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    assert repr(c) == "Value(data=6.0, grad=1.0, label='c', op='*')"
    assert repr(Value(1)) == "Value(data=1.0, grad=0.0)"
    assert c.op == "*" and a.op == "" and c.parents == (a, b)
    assert f"{c:.2f}" == "6.00" and c.item() == 6.0


@pytest.mark.parametrize("number", [2, 2.5, True, -0.0])
def test_value_stores_floats(number):
    assert type(Value(number).data) is float


def test_numpy_scalars_work_on_either_side():
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    y = np.int64(-1) * x + np.float64(0.5) * x - x * np.float32(2.0)
    y.backward()
    assert isinstance(y, Value) and x.grad == pytest.approx(-1 + 0.5 - 2)
    assert type(Value(np.float64(1.5)).data) is float


def test_relu_returns_float_and_its_derivative_at_the_kink_is_zero():
    for x in (-2.0, 0.0):
        v = Value(x)
        r = v.relu()
        r.backward()
        assert type(r.data) is float and r.data == 0.0 and v.grad == 0.0


def test_kink_conventions_match_pytorch():
    for method, expected in (("abs", 0.0), ("leaky_relu", 0.01)):
        v = Value(0.0)
        getattr(v, method)().backward()
        assert v.grad == expected


def test_leaky_relu_alpha():
    v = Value(-2.0)
    y = v.leaky_relu(0.2)
    y.backward()
    assert y.data == pytest.approx(-0.4) and v.grad == 0.2


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e308, -1e308])
def test_sigmoid_and_tanh_are_stable_for_any_float(x):
    for method, limit in (("sigmoid", 1.0 if x > 0 else 0.0), ("tanh", math.copysign(1.0, x))):
        v = Value(x)
        y = getattr(v, method)()
        y.backward()
        assert y.data == limit and v.grad == 0.0


def test_values_compare_with_numbers_by_their_numbers_and_with_values_as_nodes():
    a, b = Value(1.0), Value(1.0)
    assert a < 2 and b >= a and max(a, Value(3.0)).data == 3.0  # order: by the numbers
    assert sorted([Value(3.0), a])[0] is a
    assert a == 1 and 1.0 == a and a != 2 and not (a != 1.0)  # with a number: the number
    assert a == a and not (a != a) and a != b and not (a == b)  # two Values: the same node?
    assert a in [a] and a not in [b] and [a, b].index(b) == 1  # as micrograd's list searches
    assert (a == "1") is False and (a != None) is True  # noqa: E711
    assert bool(Value(0.0)) is False and bool(Value(-0.0)) is False
    assert bool(Value(-0.5)) is True and bool(Value(math.nan)) is True  # as bool(float)
    assert len({a, b}) == 2 and {a: "a", b: "b"}[b] == "b"  # hashing is by node


def test_a_rule_that_compares_gives_one_answer_with_and_without_create_graph():
    rules = {  # a derivative written with ==, and one with a truth test on the output
        "cmp_eq": lambda x, y: 7.0 if x == 0 else 2 * x,
        "cmp_truth": lambda x, y: 2 * x if y else 5.0,
    }
    for name, rule in rules.items():
        square = unary_op(name, lambda x: x * x, rule, register_op=False)
        for x0 in (0.0, 1.5, -2.0):
            v = Value(x0)
            (plain,) = grad(square(v), [v])
            (graphed,) = grad(square(v), [v], create_graph=True)
            assert plain == graphed.data == rule(x0, x0 * x0), (name, x0)


def test_dropped_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        before = sum(type(o) is Value for o in gc.get_objects())
        x = Value(0.5)
        y = x
        for _ in range(200):
            y = (y * x).tanh() + y.sigmoid()
        y.backward()
        del y
        after = sum(type(o) is Value for o in gc.get_objects())
        assert after == before + 1  # only x survives, with no collector run
        assert gc.collect() == 0  # and no cycles were left behind for the collector
    finally:
        gc.enable()


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("bad, words", [
    ("abc", "got str 'abc'"), (None, "got NoneType None"), ([1.0], "got list [1.0]"),
    (1 + 2j, "got complex (1+2j)"),
])
def test_non_numeric_data_is_rejected_with_what_was_passed(bad, words):
    with pytest.raises(TypeError, match="Value needs a real number") as info:
        Value(bad)
    assert words in str(info.value)


def test_a_value_inside_a_value_gets_a_hint():
    with pytest.raises(TypeError, match=r"v\.data"):
        Value(Value(1.0))


@pytest.mark.parametrize("make, error, words", [
    (lambda: Value(-2.0).log(), DomainError, "log: got -2.0"),
    (lambda: Value(0.0).log(), DomainError, "log: got 0.0"),
    (lambda: Value(-1.0).sqrt(), DomainError, "sqrt: got -1.0"),
    (lambda: Value(3.0) / 0, ZeroDivisionError, r"/: division by zero in 3\.0 / 0\.0"),
    (lambda: 3.0 / Value(0.0), ZeroDivisionError, "division by zero"),
    (lambda: Value(-2.0) ** Value(2.0), DomainError, r"base -2\.0 is negative"),
    (lambda: 2.0 ** Value(-2.0) * 0 + (-2.0) ** Value(2.0), DomainError, "exponent is a Value"),
    (lambda: Value(-8.0) ** (1 / 3), DomainError, "not a real number"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "negative power"),
    (lambda: Value(10.0) ** 400, OverflowError, r"\*\*: 10\.0 \*\* 400"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp: exp\(1000\.0\) is too large"),
])
def test_numeric_errors_name_the_op_and_the_value(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_unsupported_operand_types_raise_type_error():
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="unsupported operand"):
        "a" - Value(2.0)


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match="dot: 2 weights but 3 inputs"):
        dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_backward_rejects_a_non_numeric_seed():
    with pytest.raises(TypeError, match=r"backward\(grad\) needs a real number"):
        Value(1.0).backward("1")


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


# ----------------------------------------------------------------------------- NaN


def _inside(op, i):
    """A point inside the op's domain for operand i, away from 0 and 1 (where pow(1, nan)
    and pow(nan, 0) are 1 by IEEE 754) and from kinks."""
    lo, hi = domain_of(op).interval(i)
    return lo + 0.6 * (hi - lo) + 0.123


@pytest.mark.parametrize("name", sorted(OPS))
def test_nan_propagates_through_every_op_and_every_local_derivative_that_depends_on_it(name):
    op = OPS[name]
    n = op.arity or 2
    for position in range(n):
        operands = [_inside(op, i) for i in range(n)]
        operands[position] = math.nan
        leaves = [Value(x) for x in operands]
        out = call_op(op, leaves)
        assert math.isnan(out.data), (name, operands)
        if op.arity == 1 and name != "neg":  # -x has slope -1 whatever x is
            out.backward()
            assert math.isnan(leaves[0].grad), (name, leaves[0].grad)


NAN = math.nan


@pytest.mark.parametrize("make, slopes", [
    (lambda a, b: a * b, [3.0, NAN]),  # d/da = b, d/db = a (NaN)
    (lambda a, b: b * a, [3.0, NAN]),
    (lambda a, b: b / a, [NAN, NAN]),  # d/da = -b/a², d/db = 1/a
    (lambda a, b: a / b, [1 / 3, NAN]),  # d/da = 1/b, d/db = -a/b²
    (lambda a, b: a + b, [1.0, 1.0]),  # slopes that do not depend on a stay numbers
    (lambda a, b: b**a, [NAN, NAN]),
    (lambda a, b: dot([a, b], [b, 2.0]), [3.0, NAN]),  # d/da = b, d/db = a + 2
    (lambda a, b: vsum([a, b, 1.0]), [1.0, 1.0]),
])
def test_nan_reaches_exactly_the_slopes_that_depend_on_it(make, slopes):
    a, b = Value(NAN), Value(3.0)
    out = make(a, b)
    out.backward()
    assert math.isnan(out.data)
    assert [repr(a.grad), repr(b.grad)] == [repr(s) for s in slopes]


@pytest.mark.parametrize("base", [math.inf, -math.inf, 0.0, -0.0, 2.0, -3.0, math.nan])
def test_the_slope_of_x_to_the_zero_is_zero_except_at_nan_in_both_engines(base):
    """x**0 is 1 for every x (IEEE 754), so its slope is 0, but a NaN base keeps its NaN
    (tests/torch_deviations.py: PyTorch gives 0)."""
    from tinygrad_edu.tensor import Tensor

    x = Value(base)
    (x**0).backward()
    t = Tensor([base, 1.0])
    (t**0).sum().backward()
    assert (x**0).data == 1.0
    if math.isnan(base):
        assert math.isnan(x.grad) and math.isnan(t.grad[0])
    else:
        assert x.grad == 0.0 and t.grad[0] == 0.0


@pytest.mark.parametrize("method, kwargs", [("relu", {}), ("abs", {}), ("leaky_relu", {}),
                                            ("leaky_relu", {"alpha": 0.2})])
def test_kinked_ops_keep_nan_in_value_and_gradient(method, kwargs):
    x = Value(math.nan)
    y = getattr(x, method)(**kwargs)
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad)


def test_a_diverged_model_shows_nan_instead_of_a_fine_looking_loss():
    assert math.isnan(hinge_loss(Value(math.nan), 1).data)
    model = MLP(2, [4, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = math.nan
    loss = hinge_loss([model([1.0, 2.0]), model([-1.0, 0.5])], [1, -1])
    loss.backward()
    assert math.isnan(loss.data)


def test_sums_overflow_and_cancel_as_float_arithmetic_does_and_stay_exact_otherwise():
    assert vsum([1e308, 1e308]).data == math.inf
    assert vsum([-1e308, -1e308]).data == -math.inf
    assert math.isnan(vsum([math.inf, -math.inf]).data)
    assert vsum([1e308, 1e308, -1e308]).data == 1e308  # only a partial sum overflowed
    assert dot([1e200, -1e200], [1e200, 1e200]).data == 0.0  # the products overflow, w·x is 0
    assert dot([1e200, 1e200], [1e200, 1e200]).data == math.inf
    assert math.isnan(dot([math.inf, 1.0], [1.0, math.nan]).data)
    w = [Value(1e308), Value(1e308)]
    s = vsum(w)
    s.backward()
    assert [v.grad for v in w] == [1.0, 1.0]


# ----------------------------------------------------------------------------- errors name the op


@pytest.mark.parametrize("method", ["sin", "cos"])
@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_trig_of_an_infinity_names_the_op_and_the_value(method, x):
    with pytest.raises(DomainError, match=rf"{method}: not defined at {x!r} .*earlier step"):
        getattr(Value(x), method)()


def test_a_user_op_that_overflows_names_itself():
    grow = unary_op("grow", math.exp, lambda x, y: y, register_op=False)
    with pytest.raises(OverflowError, match=r"grow: the result or its derivative at 1000\.0 is "
                                            "too large for a float"):
        grow(Value(1000.0))
    with pytest.raises(OverflowError, match="grow: "):
        grow(1000.0)


# ----------------------------------------------------------------------------- registry


def test_redefining_a_user_op_replaces_it_and_built_in_ops_are_protected():
    try:
        first = unary_op("twice_for_test", lambda x: 2 * x, lambda x, y: 2.0)
        second = unary_op("twice_for_test", lambda x: 2 * x, lambda x, y: 2.0)  # a re-run cell
        assert OPS["twice_for_test"] is second.op is not first.op
    finally:
        OPS.pop("twice_for_test", None)
    with pytest.raises(ValueError, match="'tanh' is a built-in op"):
        unary_op("tanh", math.tanh, lambda x, y: 1 - y * y)
    assert OPS["tanh"] is Value(1.0).tanh()._fn


@pytest.mark.parametrize("name", [None, "", "   ", 3, "step", "sign"])
def test_an_op_needs_a_name_of_its_own(name):
    before = dict(OPS)
    with pytest.raises((TypeError, ValueError), match=r"non-empty string|is a built-in op"):
        unary_op(name, math.exp, lambda x, y: y)
    assert OPS == before  # nothing registered half-way


def _key_error(x):
    return {}["missing"]


@pytest.mark.parametrize("make, call, error, words", [
    (lambda: unary_op("u_arity", math.exp, lambda x: x), None, TypeError,
     r"u_arity: its derivative must take 2 arguments \(x, y\); <lambda>\(x\) does not"),
    (lambda: unary_op("u_fwd", lambda: 1.0, lambda x, y: y), None, TypeError,
     r"u_fwd: its forward function must take 1 argument \(x\)"),
    (lambda: binary_op("b_arity", operator.mul, lambda a, b: b, lambda a, b, y: a), None,
     TypeError, r"b_arity: its derivative d_left must take 3 arguments \(a, b, y\)"),
    (lambda: unary_op("u_none", math.exp, lambda x, y: None), lambda f: f(Value(1.0)),
     TypeError, r"u_none: its derivative returned NoneType None, not a number"),
    (lambda: unary_op("u_fnone", lambda x: None, lambda x, y: 1.0), lambda f: f(2.0),
     TypeError, r"u_fnone: its forward function returned NoneType None"),
    (lambda: binary_op("b_str", operator.mul, lambda a, b, y: "b", lambda a, b, y: a),
     lambda f: f(Value(1.0), Value(2.0)), TypeError, r"b_str: its derivative d_left returned str"),
    (lambda: unary_op("u_math", math.sin, lambda x, y: math.cos(x)),
     lambda f: (lambda x: grad(f(x), [x], create_graph=True))(Value(1.0)), TypeError,
     r"u_math: its derivative rule does not run on Values.*tinygrad_edu's functions"),
])
def test_a_rule_of_your_own_that_fails_is_named_with_what_to_do(make, call, error, words):
    try:
        with pytest.raises(error, match=words):
            call(make()) if call else make()
    finally:
        for name in ("u_arity", "u_fwd", "b_arity", "u_none", "u_fnone", "b_str", "u_math"):
            OPS.pop(name, None)


@pytest.mark.skipif(not hasattr(BaseException, "add_note"), reason="notes need Python 3.11")
def test_any_other_error_of_a_rule_says_which_op_raised_it():
    keyed = unary_op("keyed", _key_error, lambda x, y: 1.0, register_op=False)
    with pytest.raises(KeyError) as raised:
        keyed(Value(1.5))
    assert raised.value.__notes__ == ["(raised by the op 'keyed' at 1.5)"]


@pytest.mark.parametrize("call, error, words", [
    (lambda: vsum(3.0), TypeError, r"vsum needs a list of Values and numbers.*got float 3.0"),
    (lambda: dot(3, 4), TypeError, r"dot needs a list.*dot\(\[w1, w2\], \[x1, x2\]\)"),
    (lambda: Value(10**400), OverflowError, r"Value: an int of 1329 bits is too large"),
    (lambda: Value(1.0) + 10**400, OverflowError, r"\+: an int of 1329 bits is too large"),
    (lambda: 10**400 * Value(1.0), OverflowError, r"\*: an int of 1329 bits"),
    (lambda: walk(3.0), TypeError, r"walk needs Values or Tensors, got float 3.0"),
])
def test_public_functions_explain_wrong_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_generators_are_lists_enough_for_dot_and_vsum():
    xs = [Value(2.0), Value(3.0)]
    assert dot((w for w in xs), (x for x in xs)).data == 13.0
    assert vsum(x for x in xs).data == 5.0


# ----------------------------------------------------------------------------- copy and pickle


def _graph_rows(root):
    """The graph as rows; a parent is found by identity, not with ``list.index``, which
    compares Values by their numbers and so would not see two equal nodes swapped."""
    order = walk(root)
    position = {id(n): i for i, n in enumerate(order)}
    return [(n.data, n.grad, n.label, n.op, n.local_grads,
             [x for x in n._operands if not isinstance(x, Value)],
             [position[id(p)] for p in n.parents]) for n in order]


def test_a_graph_pickles_and_copies_with_its_numbers_ops_and_shared_leaves():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    f = (a * b).tanh() + a.relu() * a - 3 / b + a.leaky_relu(0.2)
    f.backward()
    for a2, f2 in (pickle.loads(pickle.dumps((a, f))), copy.deepcopy((a, f))):
        assert _graph_rows(f2) == _graph_rows(f)
        assert any(node is a2 for node in walk(f2))  # the leaf pickled beside it is the same
        f2.zero_grad()
        f2.backward()
        assert a2.grad == a.grad
    twin = copy.copy(f)
    assert twin is not f and twin.parents == f.parents and twin.op == f.op


@pytest.mark.slow
def test_deep_graphs_pickle_and_copy_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0001 + 0.0
    for z in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        assert z.data == y.data and len(walk(z)) == len(walk(y))


def test_gradients_with_a_graph_pickle_too():
    x = Value(1.5)
    (x**3).backward(create_graph=True)
    x2 = pickle.loads(pickle.dumps(x))
    assert isinstance(x2.grad, Value) and x2.grad.data == x.grad.data


def test_a_graph_of_an_unregistered_op_says_why_it_cannot_be_pickled():
    private = unary_op("private_for_test", lambda x: 3 * x, lambda x, y: 3.0, register_op=False)
    with pytest.raises(pickle.PicklingError, match="'private_for_test': it is not registered"):
        pickle.dumps(private(Value(1.0)))


def test_a_graph_of_an_op_defined_again_since_says_so_when_pickled():
    try:
        old = unary_op("again_for_test", lambda x: 3 * x, lambda x, y: 3.0)(Value(1.0))
        unary_op("again_for_test", lambda x: 3 * x, lambda x, y: 3.0)  # the cell, run again
        with pytest.raises(pickle.PicklingError, match="'again_for_test': the op was defined "
                                                       "again after this graph was built"):
            pickle.dumps(old)
    finally:
        OPS.pop("again_for_test", None)


def test_plain_numbers_in_dot_are_constants_not_leaves():
    w = [Value(0.5, label="w1"), Value(-2.0, label="w2")]
    z = dot(w, [3.0, 1])
    z.backward()
    assert z.data == -0.5 and z.parents == tuple(w) and [v.grad for v in w] == [3.0, 1.0]
    assert walk(z) == [*w, z]  # no hidden leaves for the numbers
    mixed = dot([2.0, w[0]], [w[1], 4.0])  # 2·w2 + w1·4
    mixed.backward()
    assert mixed.data == -2.0 and mixed.parents == (w[0], w[1])
    assert mixed.local_grads == (4.0, 2.0)
    (g0, g1) = grad(mixed, [w[0], w[1]], create_graph=True)
    assert (g0.data, g1.data) == (4.0, 2.0)
    from tinygrad_edu import text_graph
    assert "dot([2.0, w1], [w2, 4.0])" in text_graph(mixed)
    steps = list(mixed.backward_steps())
    assert "dv1/dw1 = 4.0" in str(steps[0]) and "dv1/dw2 = 2.0" in str(steps[0])


# ----------------------------------------------------------------------------- _backward by hand
# micrograd's lecture calls _backward() node by node.


def test_manual_backward_of_a_neuron_matches_backward():
    # The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), done one node at a time.
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.grad = 1.0
    for node in reversed(walk(o)):
        node._backward()
    by_hand = [v.grad for v in (x1, x2, w1, w2, b)]
    assert abs(o.data - 0.7071) < 1e-4
    assert abs(n.grad - 0.5) < 1e-6  # 1 - tanh(n)^2 = 1 - 0.5
    for v in (x1, x2, w1, w2, b):
        v.grad = 0.0
    o.backward()
    assert by_hand == [v.grad for v in (x1, x2, w1, w2, b)]
    assert abs(by_hand[0] + 1.5) < 1e-9  # do/dx1 = w1 * (1 - o²) = -3 * 0.5


def test_one_step_moves_gradient_to_the_parents_only():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.grad = 1.0
    d._backward()
    assert (c.grad, a.grad, b.grad) == (1.0, 1.0, 0.0)
    c._backward()
    assert (a.grad, b.grad) == (1.0 + 3.0, 2.0)


def test_leaky_relu_takes_alpha_by_keyword_as_documented():
    x = Value(-2.0)
    y = x.leaky_relu(alpha=0.2)
    y.backward()
    assert (y.data, x.grad) == (-0.4, 0.2)
    assert Value(-2.0).leaky_relu(0.2).data == -0.4


# ----------------------------------------------------------------------------- dots
# A layer's weighted sums read the inputs' numbers once for all the rows (listops.dots); each
# row must be the very node dot makes.


def node_facts(v):
    """Everything a node holds, NaN made comparable; its operands by identity."""
    def same(x):
        return "nan" if isinstance(x, float) and math.isnan(x) else x

    return (type(v), same(v.data), v.grad, v.label, v.parents, tuple(map(same, v.local_grads)),
            v._fn, tuple(id(x) if isinstance(x, Value) else same(x) for x in v._operands),
            v.requires_grad)


specials = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0])


def reference_dot(ws, xs):
    """dot the general way, as for operands with constants among them: every operand through
    listops._list_node."""
    from tinygrad_edu import checked
    from tinygrad_edu.listops import DOT, _list_node

    operands, n = [*ws, *xs], len(ws)
    kept = [isinstance(v, Value) for v in operands]
    numbers = [v.data if k else float(v) for v, k in zip(operands, kept)]
    return _list_node(DOT, checked.dot(numbers[:n], numbers[n:]), operands, kept, numbers,
                      numbers[n:] + numbers[:n])


layer_operand = st.one_of(st.builds(Value, st.floats(-2, 2)), st.floats(-2, 2),
                          st.integers(-2, 2), specials)


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
           st.lists(st.lists(layer_operand, min_size=n, max_size=n), min_size=1, max_size=3),
           st.lists(layer_operand, min_size=n, max_size=n))),
       st.sampled_from(["as drawn", "a layer of Values", "a layer reading floats"]))
def test_dots_builds_the_nodes_the_general_dot_builds(rows_and_inputs, kind):
    from tinygrad_edu.listops import dots

    rows, xs = rows_and_inputs
    numbers = [float(x.data if isinstance(x, Value) else x) for x in xs]
    if kind != "as drawn":  # what a layer has: Values as weights, inputs all alike
        rows = [[w if isinstance(w, Value) else Value(float(w)) for w in row] for row in rows]
        xs = numbers if kind == "a layer reading floats" else [Value(x) for x in numbers]
    expected = [node_facts(reference_dot(ws, xs)) for ws in rows]
    assert [node_facts(z) for z in dots(rows, xs)] == expected
    assert [node_facts(dot(ws, xs)) for ws in rows] == expected
    with no_grad():
        assert [node_facts(z) for z in dots(rows, xs)] == [
            node_facts(reference_dot(ws, xs)) for ws in rows]


@st.composite
def graph_recipes(draw):
    """A random graph as a recipe (so that it can be built twice): leaves, then steps that
    apply +, -, *, tanh, relu, dot or vsum to earlier nodes and to plain numbers."""
    leaves = draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
    steps = []
    for k in range(draw(st.integers(0, 14))):
        n = len(leaves) + k
        node = st.integers(0, n - 1)
        kind = draw(st.sampled_from(["+", "-", "*", "tanh", "relu", "c*", "*c", "c+",
                                     "dot", "dot-floats", "vsum"]))
        if kind in ("dot", "vsum"):
            args = draw(st.lists(node, min_size=1, max_size=4))
        elif kind == "dot-floats":
            args = (draw(st.lists(node, min_size=1, max_size=3)),
                    draw(st.lists(st.floats(-2, 2), min_size=3, max_size=3)))
        else:
            args = (draw(node), draw(node), draw(st.floats(-2, 2)))
        steps.append((kind, args))
    return leaves, steps, draw(st.sampled_from([1.0, 1.5, -0.5]))


def build(recipe):
    leaves, steps, _ = recipe
    nodes = [Value(x) for x in leaves]
    for kind, args in steps:
        if kind == "dot":
            half = len(args) // 2 or 1
            nodes.append(dot([nodes[i] for i in args[:half]], [nodes[i] for i in args[-half:]]))
        elif kind == "dot-floats":
            picked, xs = args
            nodes.append(dot([nodes[i] for i in picked], xs[:len(picked)]))
        elif kind == "vsum":
            nodes.append(vsum([nodes[i] for i in args] + [0.5]))
        else:
            nodes.append(apply(kind, nodes[args[0]], nodes[args[1]], args[2]))
    return nodes


def apply(kind, a, b, c):
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "tanh": a.tanh,
            "relu": a.relu, "c*": lambda: c * a, "*c": lambda: a * c, "c+": lambda: c + a}[kind]()


@given(graph_recipes())
def test_backward_leaves_the_gradients_grad_returns_and_accumulates_into_leaves(recipe):
    """backward() (into .grad) and grad() (into a dict) are the same chain rule over the same
    walk: the gradients agree exactly; a second pass adds to the leaves and renews the rest."""
    nodes = build(recipe)
    root, seed = nodes[-1], recipe[2]
    leaves = [n for n in nodes if not n.parents]
    expected = [0.0 if g is None else g for g in grad(root, leaves, seed, allow_unused=True)]

    def same(x, y):
        return x == y or (math.isnan(x) and math.isnan(y))

    root.backward(seed)
    assert all(same(v.grad, g) for v, g in zip(leaves, expected))  # exactly: the same arithmetic
    inner = [n.grad for n in nodes if n.parents]
    root.backward(seed)
    for v, g in zip(leaves, expected):  # added: g + (the same sum again), in another grouping
        assert same(v.grad, 2 * g) or v.grad == pytest.approx(2 * g, rel=1e-12, abs=1e-300)
    assert all(map(same, [n.grad for n in nodes if n.parents], inner))  # the latest pass


def test_backward_of_a_leaf_adds_to_its_gradient():
    leaf = Value(2.0)
    leaf.backward()
    leaf.backward(0.5)
    assert leaf.grad == 1.5
