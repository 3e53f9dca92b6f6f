"""A value changed between the forward and the backward pass never gives a mix of old and
new numbers: every route either gives the forward pass's gradient or raises an error that
names the value and says what to do (PyTorch: "one of the variables needed for gradient
computation has been modified by an inplace operation")."""

import math

import pytest

from tinygrad_edu import Value, grad, hessian, no_grad
from tinygrad_edu.nn import MLP
from tinygrad_edu.training.optim import SGD, Adam


def tanh_of_square(w):
    return (w * w).tanh()


def change_in_place(w):
    with no_grad():
        w -= 1


def change_data(w):
    w.data = 1.0


def change_by_micrograds_habit(w):
    w.data -= 1.0


def change_by_an_optimizer(w):
    w.grad = 1.0
    SGD([w], lr=1.0).step()


ROUTES = [change_in_place, change_data, change_by_micrograds_habit, change_by_an_optimizer]


@pytest.mark.parametrize("change", ROUTES)
def test_first_order_gives_the_forward_passs_gradient(change):
    w = Value(2.0, label="w")
    loss = tanh_of_square(w)
    (expected,) = grad(loss, [w])  # d tanh(w²)/dw at w = 2: 4 (1 - tanh(4)²) = 0.00536
    assert expected == pytest.approx(4 * (1 - math.tanh(4) ** 2), rel=1e-12)
    change(w)
    assert w.data == 1.0
    w.grad = 0.0
    loss.backward()
    assert w.grad == expected and grad(loss, [w])[0] == expected


@pytest.mark.parametrize("change", ROUTES)
def test_second_order_refuses_and_names_the_value(change):
    """tanh(w·w) at w = 2 after w -= 1 gave 0.00268: half the forward pass's 0.00536."""
    w = Value(2.0, label="w")
    loss = tanh_of_square(w)
    change(w)
    message = r"value that the \* node = 4.0 was computed from \(w\) has changed.*step\(\)"
    with pytest.raises(RuntimeError, match=message):
        grad(loss, [w], create_graph=True)
    with pytest.raises(RuntimeError, match="has changed since the forward pass"):
        loss.backward(create_graph=True)


def test_a_change_inside_a_list_op_or_deep_in_the_graph_is_seen():
    from tinygrad_edu import dot, vsum

    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    for loss in (dot([a, b], [b, 0.25]).tanh(), vsum([a * a, b]).exp(),
                 (a.sin() * 3.0 + b).tanh().tanh()):
        with no_grad():
            a += 0.125
        with pytest.raises(RuntimeError, match=r"computed from \(a"):
            grad(loss, [a, b], create_graph=True)
        with no_grad():
            a -= 0.125
        grad(loss, [a, b], create_graph=True)  # the old numbers again: fine


def test_the_usual_loop_is_untouched():
    """backward(), then step(), then a new forward pass: second derivatives work each time,
    and are right (central differences of the first derivative at the step's weights)."""
    model = MLP(2, [4, 1], "tanh", seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    p = model.parameters()[0]

    def loss_of_model():
        return (model([0.5, -1.0]) - 1.0) ** 2

    def first_derivative_at(x):  # a fresh forward pass with p at x
        kept, p.data = p.data, x
        try:
            return grad(loss_of_model(), [p])[0]
        finally:
            p.data = kept

    for _ in range(3):
        loss = loss_of_model()
        opt.zero_grad()
        loss.backward()
        (g,) = grad(loss, [p], create_graph=True)
        assert g.parents and g.data == p.grad  # the first derivative backward() gave
        (second,) = grad(g, [p])
        h = 1e-5
        numeric = (first_derivative_at(p.data + h) - first_derivative_at(p.data - h)) / (2 * h)
        assert second == pytest.approx(numeric, rel=1e-5, abs=1e-9)
        opt.step()


def test_hessians_after_a_change_refuse_too():
    w = Value(2.0, label="w")

    def f(v):
        return tanh_of_square(v) * w

    # d²/dv² 2·tanh(v²) = 4 (1 - t²)(1 - 4 v² t), t = tanh(v²): at v = 0.5, before any change
    t = math.tanh(0.25)
    assert hessian(f, 0.5) == pytest.approx(4 * (1 - t * t) * (1 - 4 * 0.25 * t), rel=1e-12)
    loss = f(w)
    with no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match="has changed"):
        grad(loss, [w], create_graph=True)


# ----------------------------------------------------------------------------- pictures
# A picture drawn after a change shows the numbers the forward pass used, beside the
# gradients it computed from them: a = 2.0, b = 3.0, c = a * b = 6.0, a.grad = 3.0 (not
# a = 1.7 beside c = 6.0, which cannot both be true).


def drawn_after(change):
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    change(a, b)
    return a, b, c


def an_optimizers_step(a, b):
    SGD([a, b], lr=0.1).step()


def adams_step(a, b):
    Adam([a, b], lr=0.3).step()


def micrograds_update(a, b):
    for p in (a, b):
        p.data -= 0.1 * p.grad


def an_update_inside_no_grad(a, b):
    with no_grad():
        a -= 0.3
        b += 1.0


@pytest.mark.parametrize("change", [an_optimizers_step, adams_step, micrograds_update,
                                    an_update_inside_no_grad])
def test_a_picture_after_a_step_shows_the_forward_pass_numbers(change):
    from tinygrad_edu import text_graph
    from tinygrad_edu.viz import draw_dot, frames, replay_html

    a, b, c = drawn_after(change)
    assert (a.data, b.data) != (2.0, 3.0)  # the step changed them
    rows = {line.split()[0]: line.split()[-2:] for line in text_graph(c).splitlines()[1:]}
    assert rows == {"a": ["2.0", "3.0"], "b": ["3.0", "2.0"], "c": ["6.0", "1.0"]}
    shown = {"a": "data 2.0 | grad 3.0", "b": "data 3.0 | grad 2.0"}
    for source in (draw_dot(c).source, frames(c)[0].source):
        assert all(f"{{ {name} | {text} }}" in source for name, text in shown.items()), source
    page = replay_html(c).html
    assert f"{a.data:g}" not in page and "2.0" in page


def test_a_picture_of_a_graph_made_after_the_step_shows_the_new_numbers():
    from tinygrad_edu import text_graph

    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    a.data = 1.5  # changed before the forward pass: that pass used 1.5
    c = a * b
    c.label = "c"
    assert text_graph(c).splitlines()[1].split()[2] == "1.5"
