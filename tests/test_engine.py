"""The scalar engine (engine.py): every derivative rule of its table, worked
examples by hand, graphs and accumulation, a Value's basics, NaN, and micrograd's ``_backward`` by
hand. The modules beside it have files of their own: test_graph.py (the walk and the chain
rule's loop), test_ops.py and test_making.py (the rows, ops of your own), test_listops.py,
test_copying.py, test_autograd.py and test_higher.py, test_checked.py and test_errors.py."""

import gc
import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import (
    OPS,
    Value,
    dot,
    grad,
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
    assert out.parents == tuple(values) and out._row is op
    assert out.local_grads == tuple(v.grad for v in values)


def test_negative_base_with_integer_constant_exponent():
    x = Value(-1.5)
    y = x**3
    y.backward()
    assert y.data == pytest.approx(-3.375) and x.grad == pytest.approx(3 * 1.5**2)


# ----------------------------------------------------------------------------- worked examples


def test_worked_product():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.backward()
    assert (c.data, a.grad, b.grad) == (6.0, 3.0, 2.0)


def test_worked_sum_times_difference():
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


# ----------------------------------------------------------------------------- errors
# (the messages themselves: tests/test_errors.py and tests/test_safe_math.py)


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
    # what each leaf is sent (|local derivative × the node's gradient|, summed): a second pass
    # adds the same terms to g in another grouping, off by at most a few roundings of them
    # (+1, -1 and +c sum to c starting from 0, to 0 + c from c: 1 + c rounds to 1)
    sent = {id(v): 0.0 for v in leaves}
    for n in nodes:
        for parent, local in zip(n.parents, n.local_grads):
            if id(parent) in sent:
                sent[id(parent)] += abs(local * n.grad)
    root.backward(seed)
    for v, g in zip(leaves, expected):  # added: g + (the same sum again), in another grouping
        bound = 4 * len(nodes) * sys.float_info.epsilon * (abs(g) + sent[id(v)])
        assert same(v.grad, 2 * g) or abs(v.grad - 2 * g) <= bound, (v.grad, g, bound)
    assert all(map(same, [n.grad for n in nodes if n.parents], inner))  # the latest pass


def test_backward_of_a_leaf_adds_to_its_gradient():
    leaf = Value(2.0)
    leaf.backward()
    leaf.backward(0.5)
    assert leaf.grad == 1.5
