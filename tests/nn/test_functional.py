"""softmax, log_softmax, logsumexp and the losses: values, gradients against central
differences (float64, rtol 1e-5, on domains where the derivative is of order one), exact
closed-form gradients, stability at ±1000, errors, and PyTorch parity when installed."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from tests.conftest import requires_torch, torch
from tests.test_engine import assert_close, numeric_partials
from tinygrad_edu import DomainError, Value, grad

logit = st.floats(-3, 3, allow_nan=False)
logit_lists = st.lists(logit, min_size=1, max_size=6)
probability_target = st.floats(0, 1)


def values(xs):
    return [Value(x) for x in xs]


def check_gradient(f, xs, what):
    """f maps a list of Values to a Value; its gradient must match central differences."""
    vs = values(xs)
    f(vs).backward()
    numeric = numeric_partials(lambda *ts: f(values(ts)).data, xs)
    for i, (v, n) in enumerate(zip(vs, numeric)):
        assert_close(v.grad, n, f"{what}: d/dx{i} at {xs!r}")


def reference_softmax(xs):
    m = max(xs)
    es = [math.exp(x - m) for x in xs]
    return [e / math.fsum(es) for e in es]


# ----------------------------------------------------------------------------- softmax family


@given(logit_lists)
def test_softmax_values_sum_to_one(xs):
    ps = [p.data for p in F.softmax(values(xs))]
    assert ps == pytest.approx(reference_softmax(xs), rel=1e-12)
    assert math.fsum(ps) == pytest.approx(1.0, abs=1e-12)


@given(logit_lists)
def test_logsumexp_and_log_softmax_values(xs):
    lse = math.log(math.fsum(math.exp(x) for x in xs))
    assert F.logsumexp(values(xs)).data == pytest.approx(lse, rel=1e-12, abs=1e-12)
    assert [v.data for v in F.log_softmax(values(xs))] == pytest.approx(
        [x - lse for x in xs], rel=1e-12, abs=1e-12)


@given(logit_lists)
def test_logsumexp_gradient_is_softmax(xs):
    vs = values(xs)
    F.logsumexp(vs).backward()
    assert [v.grad for v in vs] == pytest.approx(reference_softmax(xs), rel=1e-12, abs=1e-15)
    check_gradient(F.logsumexp, xs, "logsumexp")


@given(logit_lists, st.data())
def test_softmax_and_log_softmax_gradients(xs, data):
    i = data.draw(st.integers(0, len(xs) - 1), label="output index")
    check_gradient(lambda vs: F.softmax(vs)[i], xs, f"softmax[{i}]")
    check_gradient(lambda vs: F.log_softmax(vs)[i], xs, f"log_softmax[{i}]")


def test_softmax_family_is_stable_at_plus_minus_1000():
    xs = [1000.0, -1000.0, 999.0]
    ps = [p.data for p in F.softmax(values(xs))]
    assert ps == pytest.approx([1 / (1 + math.exp(-1)), 0.0, math.exp(-1) / (1 + math.exp(-1))])
    assert F.logsumexp(values(xs)).data == pytest.approx(1000 + math.log1p(math.exp(-1)))
    assert [v.data for v in F.log_softmax(values([1000.0, -1000.0]))] == [0.0, -2000.0]
    assert F.logsumexp(values([-1000.0, -1000.0])).data == pytest.approx(-1000 + math.log(2))


def test_logsumexp_second_derivative_is_the_softmax_jacobian():
    xs = [0.3, -1.2, 2.0]
    vs = values(xs)
    gradient = grad(F.logsumexp(vs), vs, create_graph=True)
    p = reference_softmax(xs)
    for i in range(3):
        row = grad(gradient[i], vs, allow_unused=True)
        expected = [(p[i] if i == j else 0.0) - p[i] * p[j] for j in range(3)]
        assert [r or 0.0 for r in row] == pytest.approx(expected, abs=1e-12)


def test_functional_ops_accept_plain_numbers_and_refuse_empty_lists():
    assert F.logsumexp([0.0, 0.0]).data == pytest.approx(math.log(2))
    for f in (F.softmax, F.log_softmax, F.logsumexp):
        with pytest.raises(ValueError, match="empty list"):
            f([])


# ----------------------------------------------------------------------------- cross-entropy


@given(logit_lists.filter(lambda xs: len(xs) >= 2), st.data())
def test_cross_entropy_gradient_is_softmax_minus_one_hot(zs, data):
    t = data.draw(st.integers(0, len(zs) - 1), label="target")
    vs = values(zs)
    loss = F.cross_entropy(vs, t)
    loss.backward()
    p = reference_softmax(zs)
    assert loss.data == pytest.approx(-math.log(p[t]), rel=1e-12, abs=1e-12)
    one_hot = [1.0 if j == t else 0.0 for j in range(len(zs))]
    for j, v in enumerate(vs):
        assert abs(v.grad - (p[j] - one_hot[j])) <= 1e-12
    check_gradient(lambda vs: F.cross_entropy(vs, t), zs, "cross_entropy")


@pytest.mark.parametrize("zs, t", [([1000.0, -1000.0], 0), ([1000.0, -1000.0], 1),
                                   ([-1000.0, 1000.0, 0.0], 2), ([1000.0, 1000.0], 0)])
def test_cross_entropy_at_plus_minus_1000(zs, t):
    vs = values(zs)
    loss = F.cross_entropy(vs, t)
    loss.backward()
    p = reference_softmax(zs)
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(max(zs) - zs[t] + math.log(sum(
        math.exp(z - max(zs)) for z in zs)))
    for j, v in enumerate(vs):
        assert abs(v.grad - (p[j] - (j == t))) <= 1e-12


def test_cross_entropy_matches_the_teaching_texts_dz():
    # dL/dz = ŷ - y: predicted [0.2, 0.7, 0.1] for true class 1 gives [0.2, -0.3, 0.1].
    zs = [math.log(0.2), math.log(0.7), math.log(0.1)]
    vs = values(zs)
    F.cross_entropy(vs, 1).backward()
    assert [v.grad for v in vs] == pytest.approx([0.2, -0.3, 0.1], abs=1e-12)


def test_cross_entropy_batches_and_reductions():
    batch = [values([0.5, -0.3, 1.2]), values([2.0, 0.1, -1.0])]
    targets = [2, 0]
    each = [F.cross_entropy(z, t).data for z, t in zip(batch, targets)]
    assert F.cross_entropy(batch, targets).data == pytest.approx(sum(each) / 2)
    assert F.cross_entropy(batch, targets, reduction="sum").data == pytest.approx(sum(each))
    assert [v.data for v in F.cross_entropy(batch, targets, reduction="none")] == \
        pytest.approx(each)
    mean = F.cross_entropy(batch, targets)
    mean.backward()
    p = reference_softmax([0.5, -0.3, 1.2])
    assert [v.grad for v in batch[0]] == pytest.approx([p[0] / 2, p[1] / 2, (p[2] - 1) / 2])


def test_cross_entropy_errors_name_the_problem():
    with pytest.raises(IndexError, match="target class 3 is out of range for 3 logits"):
        F.cross_entropy(values([0.0, 1.0, 2.0]), 3)
    with pytest.raises(TypeError, match="class index"):
        F.cross_entropy(values([0.0, 1.0]), 1.0)
    with pytest.raises(ValueError, match="2 rows of logits but 1 targets"):
        F.cross_entropy([values([0.0, 1.0]), values([1.0, 0.0])], [0])
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy([values([0.0, 1.0])], [0], reduction="avg")


# ----------------------------------------------------------------------------- binary losses


@given(st.lists(st.tuples(logit, probability_target), min_size=1, max_size=5))
def test_bce_with_logits_gradient(pairs):
    zs, ys = [z for z, _ in pairs], [y for _, y in pairs]
    check_gradient(lambda vs: F.binary_cross_entropy_with_logits(vs, ys), zs, "bce logits")
    vs = values(zs)
    F.binary_cross_entropy_with_logits(vs, ys).backward()
    for v, z, y in zip(vs, zs, ys):  # d/dz = (σ(z) - y) / n
        assert v.grad == pytest.approx((1 / (1 + math.exp(-z)) - y) / len(zs), abs=1e-12)


@given(logit, probability_target)
def test_bce_with_logits_value_matches_the_definition(z, y):
    p = 1 / (1 + math.exp(-z))
    expected = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    assert F.binary_cross_entropy_with_logits(Value(z), y).data == pytest.approx(expected,
                                                                                rel=1e-9)


@pytest.mark.parametrize("z", [0.0, 1000.0, -1000.0, 40.0, -40.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_bce_with_logits_is_exact_at_zero_and_stable_at_extremes(z, y):
    v = Value(z)
    loss = F.binary_cross_entropy_with_logits(v, y)
    loss.backward()
    sigma = 0.5 if z == 0 else (1.0 if z > 0 else 0.0) if abs(z) > 500 else 1 / (1 + math.exp(-z))
    assert abs(v.grad - (sigma - y)) <= 1e-12  # at z = 0 too: 0.5 - y, not -y
    expected = math.log1p(math.exp(-abs(z))) + max(z, 0) - z * y
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(st.floats(0.05, 0.95), probability_target)
def test_bce_on_probabilities_gradient(p, y):
    check_gradient(lambda vs: F.binary_cross_entropy(vs[0], y), [p], "bce")
    v = Value(p)
    F.binary_cross_entropy(v, y).backward()
    assert v.grad == pytest.approx((p - y) / (p * (1 - p)), rel=1e-12)


def test_bce_on_probabilities_clamps_logs_like_pytorch():
    assert F.binary_cross_entropy(Value(0.0), 1.0).data == 100.0
    assert F.binary_cross_entropy(Value(1.0), 1.0).data == 0.0
    assert F.binary_cross_entropy(Value(0.0), 0.0).data == 0.0


def test_binary_losses_refuse_bad_labels_and_probabilities():
    with pytest.raises(ValueError, match=r"target -1 is not in \[0, 1\].*\(y \+ 1\) / 2"):
        F.binary_cross_entropy_with_logits(values([0.3, 0.1]), [-1, 1])
    with pytest.raises(ValueError, match=r"1\.5 is not a probability.*with_logits"):
        F.binary_cross_entropy(Value(1.5), 1.0)
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        F.binary_cross_entropy_with_logits(values([0.3, 0.1, 0.2]), [0, 1])


# ----------------------------------------------------------------------------- mse, hinge, l2


@given(st.lists(st.tuples(logit, logit), min_size=1, max_size=5),
       st.sampled_from(["mean", "sum"]))
def test_mse_gradient(pairs, reduction):
    ps, ts = [p for p, _ in pairs], [t for _, t in pairs]
    check_gradient(lambda vs: F.mse_loss(vs, ts, reduction), ps, f"mse {reduction}")
    vs = values(ps)
    F.mse_loss(vs, ts, reduction).backward()
    n = len(ps) if reduction == "mean" else 1
    assert [v.grad for v in vs] == pytest.approx([2 * (p - t) / n for p, t in pairs],
                                                 rel=1e-12, abs=1e-12)


def test_mse_shapes():
    assert F.mse_loss(Value(3.0), 1.0).data == 4.0
    nested = F.mse_loss([values([1.0, 2.0]), values([0.0, 0.0])], [[1.0, 0.0], [1.0, 1.0]])
    assert nested.data == pytest.approx((0 + 4 + 1 + 1) / 4)
    assert [v.data for v in F.mse_loss(values([1.0, 3.0]), [0.0, 0.0], "none")] == [1.0, 9.0]


@st.composite
def active_hinge_pairs(draw):
    """(score, label) with the margin active: 1 - y·s well above 0 (relu's kink excluded)."""
    y = draw(st.sampled_from([-1, 1]))
    s = draw(st.floats(-3, 1 - 1e-3)) * y
    return s, y


@given(st.lists(active_hinge_pairs(), min_size=1, max_size=5))
def test_hinge_gradient_where_the_margin_is_active(pairs):
    ss, ys = [s for s, _ in pairs], [y for _, y in pairs]
    check_gradient(lambda vs: F.hinge_loss(vs, ys), ss, "hinge")
    vs = values(ss)
    F.hinge_loss(vs, ys).backward()
    assert [v.grad for v in vs] == pytest.approx([-y / len(ys) for y in ys])


def test_hinge_is_flat_beyond_the_margin_and_matches_micrograds_form():
    s = Value(2.5)
    loss = F.hinge_loss(s, 1)
    loss.backward()
    assert (loss.data, s.grad) == (0.0, 0.0)
    scores, labels = values([0.3, -2.0, 0.8]), [1, -1, -1]
    expected = sum((1 + -y * s).relu().data for y, s in zip(labels, scores)) / 3
    assert F.hinge_loss(scores, labels).data == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"target 0 is not in \{-1, \+1\}.*y\*2 - 1"):
        F.hinge_loss(values([0.3]), [0])


@given(st.lists(logit, min_size=1, max_size=6), st.floats(1e-4, 1.0))
def test_l2_penalty_value_and_gradient(ps, alpha):
    vs = values(ps)
    penalty = F.l2_penalty(vs, alpha)
    penalty.backward()
    assert penalty.data == pytest.approx(alpha * math.fsum(p * p for p in ps), rel=1e-12,
                                         abs=1e-15)
    assert [v.grad for v in vs] == pytest.approx([2 * alpha * p for p in ps], rel=1e-12)
    check_gradient(lambda vs: F.l2_penalty(vs, alpha), ps, "l2_penalty")


# ----------------------------------------------------------------------------- PyTorch


def tensor(xs):
    return torch.tensor(xs, dtype=torch.float64, requires_grad=True)


@requires_torch
@given(st.lists(logit_lists.filter(lambda xs: len(xs) == 4), min_size=1, max_size=3),
       st.data())
def test_cross_entropy_and_softmax_match_torch(rows, data):
    targets = data.draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows)))
    batch = [values(r) for r in rows]
    loss = F.cross_entropy(batch, targets)
    loss.backward()
    t = tensor(rows)
    reference = torch.nn.functional.cross_entropy(t, torch.tensor(targets))
    reference.backward()
    assert loss.data == pytest.approx(reference.item(), rel=1e-12)
    assert [v.grad for r in batch for v in r] == pytest.approx(t.grad.flatten().tolist(),
                                                               abs=1e-12)
    assert [p.data for p in F.log_softmax(batch[0])] == pytest.approx(
        torch.log_softmax(torch.tensor(rows[0], dtype=torch.float64), 0).tolist(), abs=1e-12)


@requires_torch
@given(st.lists(st.tuples(logit, probability_target, st.floats(0.05, 0.95)), min_size=1,
                max_size=4))
def test_binary_losses_and_mse_match_torch(triples):
    zs, ys, ps = (list(column) for column in zip(*triples))
    cases = [
        (F.binary_cross_entropy_with_logits, torch.nn.functional.binary_cross_entropy_with_logits,
         zs),
        (F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, ps),
        (F.mse_loss, torch.nn.functional.mse_loss, zs),
    ]
    for ours, theirs, xs in cases:
        vs = values(xs)
        loss = ours(vs, ys)
        loss.backward()
        t = tensor(xs)
        reference = theirs(t, torch.tensor(ys, dtype=torch.float64))
        reference.backward()
        assert loss.data == pytest.approx(reference.item(), rel=1e-10, abs=1e-12), ours.__name__
        assert [v.grad for v in vs] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-12)



INF = math.inf


def same(a, b):
    """Equal to within rounding, or both NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("xs, value, slopes", [
    ([INF, 0.0], INF, [math.nan, 0.0]), ([INF, -INF], INF, [math.nan, 0.0]),
    ([-INF, 0.0], 0.0, [0.0, 1.0]), ([INF, INF], INF, [math.nan, math.nan]),
    ([INF, 800.0], INF, [math.nan, 0.0]),
    ([-INF, 1.0, 2.0], math.log(math.e + math.e**2), [0.0, 1 / (1 + math.e), 1 / (1 + 1 / math.e)]),
])
def test_logsumexp_of_infinities_is_what_pytorch_gives(xs, value, slopes):
    vs = [Value(x) for x in xs]
    out = F.logsumexp(vs)
    out.backward()
    assert same(out.data, value) and all(same(v.grad, s) for v, s in zip(vs, slopes))
    if torch is not None:
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        lse = torch.logsumexp(t, 0)
        lse.backward()
        assert same(out.data, lse.item())
        assert all(same(v.grad, g) for v, g in zip(vs, t.grad.tolist()))


def test_logsumexp_of_nothing_but_minus_infinity_says_why_it_cannot_be_computed():
    with pytest.raises(DomainError, match=r"logsumexp: every input is -inf.*log\(0\)"):
        F.logsumexp([Value(-INF), Value(-INF)])
    assert math.isnan(F.logsumexp([Value(math.nan), Value(-INF)]).data)


@pytest.mark.parametrize("loss", ["mse_loss", "cross_entropy", "hinge_loss"])
def test_a_scalar_loss_given_a_tensor_says_where_the_tensor_one_is(loss):
    """Not "0 predictions but 1 targets": the message says which engine's loss to use."""
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    pred = Tensor(np.ones((3, 1)))
    with pytest.raises(TypeError, match=f"{loss}: got a Tensor") as caught:
        getattr(F, loss)(pred, [1, 1, 1])
    if loss == "hinge_loss":
        assert "the tensor engine has no hinge_loss" in str(caught.value)
    else:
        assert f"from tinygrad_edu.tensor import {loss}" in str(caught.value)
