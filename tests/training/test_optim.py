"""Optimizers, schedules and gradient clipping on scalar ``Value`` parameters.

Each rule is checked against steps worked out by hand from its formula on a tiny example,
and, when PyTorch is installed, against ``torch.optim`` step by step on a small model.
(The tensor engine's tests check the same optimizers on NumPy-array parameters.)
"""

import math

import numpy as np
import pytest

from tests.conftest import requires_torch, torch
from tinygrad_edu import Value
from tinygrad_edu.nn import MLP
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.training.optim import SGD, Adam, LambdaLR, StepLR, clip_grad_norm


def number_of(x):
    """The number in a Value, or a plain number as it is."""
    return x.data if isinstance(x, Value) else x


def run(optimizer, param, grads):
    """Step ``optimizer`` once per gradient in ``grads`` (set by hand) and return the
    parameter's value after each step."""
    seen = []
    for g in grads:
        param.grad = g
        optimizer.step()
        seen.append(param.data)
    return seen


# ----------------------------------------------------------------------------- SGD by hand


def test_sgd_takes_a_step_against_the_gradient():
    w = Value(2.0)
    assert run(SGD([w], lr=0.1), w, [0.5, -1.0]) == pytest.approx([2.0 - 0.1 * 0.5,
                                                                     1.95 + 0.1 * 1.0])


def test_sgd_after_backward_minimises_a_quadratic():
    """loss = (w - 3)²: dloss/dw = 2(w - 3), so each step moves w 2·lr of the way to 3."""
    w = Value(0.0)
    optimizer = SGD([w], lr=0.25)
    for _ in range(3):
        loss = (w - 3) ** 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert w.data == pytest.approx(3 - 3 * 0.5**3)  # the distance halves every step


def test_sgd_momentum_accumulates_a_velocity():
    # v1 = g = 1, v2 = 0.9·1 + 1 = 1.9, v3 = 0.9·1.9 + 1 = 2.71; w -= 0.1·v each step
    w = Value(0.0)
    assert run(SGD([w], lr=0.1, momentum=0.9), w, [1.0, 1.0, 1.0]) == pytest.approx(
        [-0.1, -0.1 - 0.19, -0.1 - 0.19 - 0.271])


def test_sgd_nesterov_steps_along_gradient_plus_momentum_times_velocity():
    # step 1: v = 1, step g + 0.9·v = 1.9; step 2: v = 1.9, step 1 + 0.9·1.9 = 2.71
    w = Value(0.0)
    assert run(SGD([w], lr=0.1, momentum=0.9, nesterov=True), w, [1.0, 1.0]) == \
        pytest.approx([-0.19, -0.19 - 0.271])


def test_sgd_weight_decay_adds_decay_times_weight_to_the_gradient():
    # g' = 0.5 + 0.1·2 = 0.7, w = 2 - 0.1·0.7 = 1.93; then g' = 0 + 0.1·1.93
    w = Value(2.0)
    assert run(SGD([w], lr=0.1, weight_decay=0.1), w, [0.5, 0.0]) == pytest.approx(
        [1.93, 1.93 - 0.1 * 0.1 * 1.93])


def test_sgd_momentum_with_weight_decay():
    # g' = 1 + 0.5·1 = 1.5 = v1, w = 1 - 0.15 = 0.85; g' = 1 + 0.425 = 1.425,
    # v2 = 0.5·1.5 + 1.425 = 2.175, w = 0.85 - 0.2175
    w = Value(1.0)
    assert run(SGD([w], lr=0.1, momentum=0.5, weight_decay=0.5), w, [1.0, 1.0]) == \
        pytest.approx([0.85, 0.85 - 0.2175])


# ----------------------------------------------------------------------------- Adam by hand


def test_adam_first_step_has_size_lr_whatever_the_gradient():
    """After bias correction m̂ = g and v̂ = g², so the first step is lr·g/(|g| + ε)."""
    for g in (0.5, -30.0, 1e-3):
        w = Value(1.0)
        run(Adam([w], lr=0.1), w, [g])
        assert w.data == pytest.approx(1.0 - 0.1 * g / (abs(g) + 1e-8), rel=1e-12)


def test_adam_two_steps_by_hand():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    m1, v1 = (1 - b1) * 0.5, (1 - b2) * 0.5**2
    w1 = 1.0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    m2 = b1 * m1 + (1 - b1) * 0.25  # = 0.045 + 0.025 = 0.07
    v2 = b2 * v1 + (1 - b2) * 0.25**2  # = 0.00024975 + 0.0000625 = 0.00031225
    assert (m2, v2) == pytest.approx((0.07, 0.00031225))
    w2 = w1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    w = Value(1.0)
    assert run(Adam([w], lr=lr), w, [0.5, 0.25]) == pytest.approx([w1, w2], rel=1e-12)
    assert w2 == pytest.approx(0.9 - 0.1 * (0.07 / 0.19) / math.sqrt(0.00031225 / 0.001999))


def test_adam_weight_decay_is_l2_added_to_the_gradient():
    # g' = g + 0.1·w: 0 + 0.1·2 = 0.2, so the first step is lr·0.2/(0.2 + ε) ≈ lr
    w = Value(2.0)
    run(Adam([w], lr=0.01, weight_decay=0.1), w, [0.0])
    assert w.data == pytest.approx(2.0 - 0.01 * 0.2 / (0.2 + 1e-8), rel=1e-12)


def test_adam_custom_betas_and_eps():
    # β₁ = 0.5, β₂ = 0.75, ε = 1: m̂ = g, v̂ = g² on step 1, so the step is lr·g/(|g| + 1)
    w = Value(0.0)
    run(Adam([w], lr=1.0, betas=(0.5, 0.75), eps=1.0), w, [3.0])
    assert w.data == pytest.approx(-3.0 / 4.0)


# ----------------------------------------------------------------------------- shared rules


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
], ids=["sgd", "sgd-momentum", "adam"])
def test_parameters_whose_grad_is_none_are_skipped(make):
    used, unused = Value(1.0), Value(5.0)
    optimizer = make([used, unused])
    used.grad, unused.grad = 1.0, None
    optimizer.step()
    optimizer.step()
    assert unused.data == 5.0 and unused.grad is None  # not moved, not even by weight decay
    assert used.data < 1.0


def test_zero_grad_resets_every_parameter_it_holds():
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    optimizer.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_optimizers_keep_separate_state_per_parameter():
    a, b = Value(0.0), Value(0.0)
    optimizer = SGD([a, b], lr=1.0, momentum=0.5)
    a.grad, b.grad = 1.0, -2.0
    optimizer.step()
    optimizer.step()  # same gradients: v = 1 then 1.5 for a, -2 then -3 for b
    assert (a.data, b.data) == pytest.approx((-2.5, 5.0))


# ----------------------------------------------------------------------------- schedules


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    optimizer = SGD([Value(0.0)], lr=1.0)
    schedule = StepLR(optimizer, step_size=2, gamma=0.5)
    rates = []
    for _ in range(6):
        rates.append(optimizer.lr)
        schedule.step()
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert schedule.get_last_lr() == 0.125


def test_lambda_lr_uses_base_rate_times_the_function_from_epoch_zero():
    optimizer = SGD([Value(0.0)], lr=0.3)
    schedule = LambdaLR(optimizer, lambda epoch: 1 / (epoch + 1))
    rates = []
    for _ in range(3):
        rates.append(optimizer.lr)
        schedule.step()
    assert rates == pytest.approx([0.3, 0.15, 0.1])


def test_scheduled_rate_is_the_one_the_step_uses():
    w = Value(0.0)
    optimizer = SGD([w], lr=1.0)
    schedule = LambdaLR(optimizer, lambda epoch: 0.5**epoch)
    for _ in range(3):
        w.grad = 1.0
        optimizer.step()
        schedule.step()
    assert w.data == pytest.approx(-(1.0 + 0.5 + 0.25))


# ----------------------------------------------------------------------------- clipping


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0  # joint norm 5
    assert clip_grad_norm([a, b], max_norm=1.0) == 5.0
    assert (a.grad, b.grad) == pytest.approx((3 / (5 + 1e-6), 4 / (5 + 1e-6)), rel=1e-12)
    assert math.hypot(a.grad, b.grad) == pytest.approx(1.0)


def test_clip_grad_norm_leaves_small_gradients_and_none_alone():
    a, b, c = Value(0.0), Value(0.0), Value(0.0)
    a.grad, b.grad, c.grad = 3.0, -4.0, None
    assert clip_grad_norm([a, b, c], max_norm=10.0) == 5.0
    assert (a.grad, b.grad, c.grad) == (3.0, -4.0, None)
    assert clip_grad_norm([a, b, c], max_norm=2.5) == 5.0
    assert (a.grad, b.grad) == pytest.approx((1.5, -2.0), rel=1e-6) and c.grad is None


def grads(params):
    return [p.grad for p in params]


def test_clip_grad_norm_of_huge_finite_gradients_clips_instead_of_zeroing():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3e200, -4e200  # squares overflow: 9e400 is inf
    assert clip_grad_norm([a, b], max_norm=1.0) == pytest.approx(5e200, rel=1e-15)
    assert grads([a, b]) == pytest.approx([0.6, -0.8], rel=1e-12)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e200), (np.float32, 1e30)])
def test_clip_grad_norm_of_huge_tensor_gradients(dtype, big):
    """float32 squares overflow from 1.9e19 on: a diverging run gets there quickly."""
    w, b = Tensor(np.zeros((2, 2), dtype)), Tensor(np.zeros(3, dtype))
    w.grad = np.array([[3, 0], [0, -4]], dtype) * dtype(big)
    b.grad = np.array([0, 12, 0], dtype) * dtype(big)  # joint norm: 13·big
    norm = clip_grad_norm([w, b], max_norm=1.0)
    assert norm == pytest.approx(13 * big, rel=1e-6)
    np.testing.assert_allclose(w.grad, [[3 / 13, 0], [0, -4 / 13]], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [0, 12 / 13, 0], rtol=1e-6)
    assert w.grad.dtype == b.grad.dtype == dtype


def test_clip_grad_norm_of_ordinary_tensor_gradients_is_the_l2_norm():
    rng = np.random.default_rng(0)
    w, b = Tensor(np.zeros((3, 4))), Tensor(np.zeros(4))
    w.grad, b.grad = rng.normal(size=(3, 4)), rng.normal(size=4)
    expected = math.sqrt((w.grad**2).sum() + (b.grad**2).sum())
    assert clip_grad_norm([w, b], max_norm=100.0) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("bad, norm", [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "inf")])
def test_clip_grad_norm_leaves_non_finite_gradients_alone_or_raises(bad, norm):
    a, b, c = Value(0.0), Value(0.0), Tensor(np.zeros(2))
    a.grad, b.grad, c.grad = 3.0, bad, np.array([1.0, 2.0])
    assert f"{clip_grad_norm([a, b, c], max_norm=1.0)}" == norm
    assert a.grad == 3.0 and c.grad.tolist() == [1.0, 2.0]  # not zeroed, not rescaled
    assert grads([b]) == [bad] or math.isnan(b.grad)
    with pytest.raises(FloatingPointError, match=f"total norm of the gradients is {norm}"):
        clip_grad_norm([a, b, c], max_norm=1.0, error_if_nonfinite=True)
    assert a.grad == 3.0


def test_clip_grad_norm_a_nan_beats_an_inf():
    a, b, c = Value(0.0), Value(0.0), Tensor(np.zeros(2))
    a.grad, b.grad, c.grad = math.inf, 1.0, np.array([math.nan, 1.0])
    assert math.isnan(clip_grad_norm([a, b, c], max_norm=1.0))


# ----------------------------------------------------------------------------- create_graph


def second_order_model():
    """A small MLP after ``backward(create_graph=True)``: every grad is a Value."""
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    loss = (model([0.5, -1.0]) - 2.0) ** 2
    loss.backward(create_graph=True)
    params = model.parameters()
    assert all(isinstance(p.grad, Value) for p in params)
    return model, params


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.01, weight_decay=0.01),
], ids=["sgd", "adam"])
def test_optimizers_step_with_the_number_of_a_value_gradient(make, tmp_path):
    model, params = second_order_model()
    twin = MLP(2, [3, 1], activation="tanh", seed=0)  # the same model, plain backward
    ((twin([0.5, -1.0]) - 2.0) ** 2).backward()
    opt, twin_opt = make(params), make(twin.parameters())
    for _ in range(2):
        opt.step()
        twin_opt.step()
    assert all(type(p.data) is float for p in params)
    assert [p.data for p in params] == [p.data for p in twin.parameters()]
    model.save(tmp_path / "m.json")  # works: the parameters are numbers
    assert (model([1.0, 1.0]) * 2).data == pytest.approx(2 * twin([1.0, 1.0]).data)


def test_clip_grad_norm_scales_value_gradients_as_new_leaves():
    _, params = second_order_model()
    numbers = [p.grad.data for p in params]
    norm = clip_grad_norm(params, max_norm=0.1)
    assert norm == pytest.approx(math.hypot(*numbers), rel=1e-14)
    scale = 0.1 / (norm + 1e-6)
    assert all(isinstance(p.grad, Value) and p.grad.parents == () for p in params)
    assert [p.grad.data for p in params] == pytest.approx([g * scale for g in numbers])
    SGD(params, lr=1.0).step()
    assert all(type(p.data) is float for p in params)


# ----------------------------------------------------------------------------- overflow in Adam


@pytest.mark.filterwarnings("ignore:overflow encountered")
@pytest.mark.parametrize("param", [Value(1.0), Tensor(np.ones(2, np.float32))],
                         ids=["value", "tensor-float32"])
def test_adam_refuses_a_squared_gradient_that_overflows(param):
    """v = inf would make every later step m/√inf = 0: the parameter would freeze."""
    param.grad = 1e200 if isinstance(param, Value) else np.array([1.0, 2e20], np.float32)
    before = np.copy(param.data)
    with pytest.raises(FloatingPointError, match=r"Adam: parameter 0: the squared gradient "
                                                 r"overflowed \(largest \|g\| = .*clip_grad_norm"):
        Adam([param], lr=0.1).step()
    np.testing.assert_array_equal(param.data, before)


def test_adam_lets_nan_and_inf_gradients_propagate():
    w = Value(1.0)
    w.grad = math.inf
    Adam([w], lr=0.1).step()
    assert math.isnan(w.data)


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("make, message", [
    (lambda w: SGD([w], lr=-0.1), r"SGD: the learning rate lr must be a number > 0, got -0\.1"),
    (lambda w: SGD([w], lr=0), "learning rate lr must be a number > 0"),
    (lambda w: SGD([w], lr=float("nan")), "learning rate lr must be a number > 0, got nan"),
    (lambda w: SGD([w], lr="0.1"), "learning rate lr must be a number"),
    (lambda w: SGD([w], lr=0.1, momentum=-0.9), "SGD: momentum must be a number >= 0"),
    (lambda w: SGD([w], lr=0.1, weight_decay=-1), "SGD: weight_decay must be a number >= 0"),
    (lambda w: SGD([w], lr=0.1, nesterov=True), "nesterov=True needs a momentum > 0"),
    (lambda w: SGD([], lr=0.1), "SGD: got no parameters"),
    (lambda w: Adam([w], betas=(0.9, 1.0)), r"Adam: betas\[1\] must be a number in \[0, 1\)"),
    (lambda w: Adam([w], betas=(-0.1, 0.999)), r"betas\[0\] must be a number in \[0, 1\)"),
    (lambda w: Adam([w], betas=0.9), r"betas must be a pair \(beta1, beta2\), got 0\.9"),
    (lambda w: Adam([w], eps=-1e-8), "Adam: eps must be a number >= 0"),
    (lambda w: Adam([w], lr=-1e-3), "Adam: the learning rate lr must be a number > 0"),
    (lambda w: Adam([w], weight_decay=-0.1), "Adam: weight_decay must be a number >= 0"),
    (lambda w: StepLR(SGD([w], lr=1), step_size=0), "StepLR: step_size must be an int >= 1"),
    (lambda w: StepLR(SGD([w], lr=1), step_size=1, gamma=-1), "StepLR: gamma must be"),
    (lambda w: clip_grad_norm([w], max_norm=-1), "clip_grad_norm: max_norm must be a number > 0"),
    (lambda w: SGD([w], lr=math.inf), r"SGD: the learning rate lr must be finite, got inf"),
    (lambda w: Adam([w], lr=math.inf), r"Adam: the learning rate lr must be finite, got inf"),
    (lambda w: SGD([w], lr=0.1, momentum=math.inf), "SGD: momentum must be finite"),
    (lambda w: SGD([w], lr=0.1, weight_decay=math.inf), "SGD: weight_decay must be finite"),
    (lambda w: Adam([w], eps=math.inf), "Adam: eps must be finite"),
    (lambda w: StepLR(SGD([w], lr=1), step_size=1, gamma=math.inf), "StepLR: gamma must be fin"),
    (lambda w: clip_grad_norm([w], max_norm=math.inf), "clip_grad_norm: max_norm must be fin"),
])
def test_bad_arguments_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make(Value(1.0))


@pytest.mark.parametrize("schedule, epoch, factor", [
    (lambda k: 1 - k / 2, 3, "-0.5"),  # a linear decay run past its end
    (lambda k: math.nan if k == 1 else 1.0, 1, "nan"),
    (lambda k: math.inf if k else 1.0, 1, "inf"),
    (lambda k: "fast", 0, "'fast'"),
])
def test_a_schedule_that_gives_a_negative_or_non_finite_rate_is_refused(schedule, epoch, factor):
    optimizer = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match=rf"LambdaLR: at epoch {epoch} the schedule gives the "
                                         rf"factor {factor}, but the learning rate 0.1 × factor "
                                         "must be a finite number >= 0"):
        scheduler = LambdaLR(optimizer, schedule)
        for _ in range(epoch):
            scheduler.step()
    assert math.isfinite(optimizer.lr) and optimizer.lr >= 0  # the last good rate stays


def test_a_growing_step_schedule_that_overflows_is_refused():
    optimizer = SGD([Value(1.0)], lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=10.0)
    for _ in range(300):
        scheduler.step()  # 0.1 · 10^300 is still a float
    with pytest.raises(ValueError, match=r"StepLR: at epoch 309 the schedule gives the factor "
                                         r"inf"):
        for _ in range(10):
            scheduler.step()


def test_a_schedule_may_reach_zero():
    optimizer = SGD([Value(1.0)], lr=0.1)
    scheduler = LambdaLR(optimizer, lambda k: max(0.0, 1 - k))
    scheduler.step()
    assert optimizer.lr == 0.0


def test_passing_a_model_or_numbers_instead_of_parameters_is_explained():
    with pytest.raises(TypeError, match=r"pass model\.parameters\(\)"):
        SGD(MLP(2, [1], seed=0), lr=0.1)
    with pytest.raises(TypeError, match=r"pass model\.parameters\(\) \(or \[value\]\)"):
        Adam(Value(1.0))
    with pytest.raises(TypeError, match=r"parameter 1 is float 2\.0, not a Value or Tensor"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(TypeError, match="LambdaLR: the schedule must be a function"):
        LambdaLR(SGD([Value(1.0)], lr=0.1), 0.5)
    with pytest.raises(TypeError, match=r"StepLR needs an optimizer such as SGD\(\.\.\.\)"):
        StepLR([Value(1.0)], step_size=1)

    with pytest.raises(TypeError, match=r"clip_grad_norm needs a list of parameters: pass "
                                        r"model\.parameters\(\)"):
        clip_grad_norm(MLP(2, [1], seed=0), 1.0)
    with pytest.raises(TypeError, match=r"clip_grad_norm needs a list of parameters"):
        clip_grad_norm(Value(1.0), 1.0)
    with pytest.raises(TypeError, match=r"clip_grad_norm: parameter 0 is float 3\.0, not a "
                                        r"Value or Tensor"):
        clip_grad_norm([3.0], 1.0)


@pytest.mark.parametrize("param", [Value(1.0), Tensor([1.0, 2.0])], ids=["Value", "Tensor"])
def test_adam_with_eps_0_and_a_zero_gradient_is_explained_in_both_engines(param):
    """m/√v is 0/0 there: the scalar engine raised a bare ZeroDivisionError and the tensor
    engine silently wrote NaN into the parameter."""
    before = np.array(param.data, copy=True)
    param.grad = np.zeros_like(param.data) if isinstance(param, Tensor) else 0.0
    with pytest.raises(FloatingPointError, match=r"Adam: parameter 0: its gradient has been 0 "
                                                 r"so far and eps=0, so the step is 0/0"):
        Adam([param], lr=0.1, eps=0.0).step()
    np.testing.assert_array_equal(param.data, before)


# ----------------------------------------------------------------------------- PyTorch


START = [0.5, -1.2, 0.8]


def loss_of(a, b, c, tanh):
    """A small non-quadratic loss of three parameters (any engine's tanh)."""
    return (a * b - 1) ** 2 + tanh(c * a) + 0.5 * c * c


OURS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "sgd-momentum-decay": lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05),
    "sgd-nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.05),
    "adam-decay-betas": lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.95), eps=1e-6,
                                        weight_decay=0.1),
}
THEIRS = {
    "sgd": lambda t, ps: t.optim.SGD(ps, lr=0.1),
    "sgd-momentum-decay": lambda t, ps: t.optim.SGD(ps, lr=0.1, momentum=0.9,
                                                     weight_decay=0.05),
    "sgd-nesterov": lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    "adam": lambda t, ps: t.optim.Adam(ps, lr=0.05),
    "adam-decay-betas": lambda t, ps: t.optim.Adam(ps, lr=0.05, betas=(0.8, 0.95), eps=1e-6,
                                                   weight_decay=0.1),
}


@requires_torch
@pytest.mark.parametrize("create_graph", [False, True], ids=["", "create_graph"])
@pytest.mark.parametrize("name", sorted(OURS))
@pytest.mark.parametrize("schedule", ["constant", "step", "lambda", "clip"])
def test_steps_match_torch_optim(name, schedule, create_graph):
    """With ``create_graph=True`` our gradients are Values: the steps use their numbers."""
    ours = [Value(x) for x in START]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt, topt = OURS[name](ours), THEIRS[name](torch, theirs)
    sched = tsched = None
    if schedule == "step":
        sched = StepLR(opt, step_size=3, gamma=0.5)
        tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    elif schedule == "lambda":
        sched = LambdaLR(opt, lambda k: 1 / (1 + k))
        tsched = torch.optim.lr_scheduler.LambdaLR(topt, lambda k: 1 / (1 + k))
    for step in range(10):
        loss = loss_of(*ours, tanh=lambda v: v.tanh())
        opt.zero_grad()
        loss.backward(create_graph=create_graph)
        tloss = loss_of(*theirs, tanh=torch.tanh)
        topt.zero_grad()
        tloss.backward()
        if schedule == "clip":
            norm = clip_grad_norm(ours, max_norm=0.5)
            tnorm = torch.nn.utils.clip_grad_norm_(theirs, max_norm=0.5)
            assert norm == pytest.approx(tnorm.item(), rel=1e-12)
            assert [number_of(p.grad) for p in ours] == pytest.approx(
                [t.grad.item() for t in theirs], rel=1e-6)  # torch: coef clamped to 1
        opt.step()
        topt.step()
        if sched is not None:
            sched.step()
            tsched.step()
            assert opt.lr == pytest.approx(tsched.get_last_lr()[0], rel=1e-15)
        assert [p.data for p in ours] == pytest.approx([t.item() for t in theirs], rel=1e-9,
                                                       abs=1e-12), f"step {step}"
