"""A node's local derivatives read inside a compiled function by another way than
``.local_grads`` (found by an independent attacker, a64): ``grad()``, ``jacobian()`` and
``gradients()`` without ``create_graph`` (which read them), microgpt's ``_local_grads``
(an alias of ``local_grads``), the engine's fields ``_da``, ``_db``, ``_list_grads``, and
``local_grads``' getter held before the call. Each was a constant of the program: the
capture's slope at every call (the engine's 0.3275 at x=1.3 was the program's 0.6172,
silently). Each is refused now, as ``.local_grads`` is, naming the learner's line; the
engine, outside a capture, gives its numbers as before."""

import math
import operator

import pytest

from tinygrad_edu import Value, dot, grad, jacobian
from tinygrad_edu.autograd.gradients import gradients
from tinygrad_edu.program import compile

W = Value(0.75)
B = Value(-0.2)
HELD = Value.local_grads.fget
ALIAS = Value._local_grads
SLOPE = operator.attrgetter("_da")


def by_grad(x):
    loss = ((W * x + B).tanh() - 1.0) ** 2
    gw, gb = grad(loss, [W, B])  # (like torch.autograd.grad: plain numbers)
    return loss, math.sqrt(gw * gw + gb * gb)


def by_jacobian(x):
    return W * jacobian(lambda v: (v * x).tanh(), W)


def by_gradients(x):
    z = (W * x).tanh()
    return z * gradients([z], [1.0])[W]


def by_alias(x):
    z = (W * x).tanh()
    return z * z._local_grads[0]  # (microgpt's name)


def by_getattr(x):
    z = (W * x).tanh()
    return z * getattr(z, "_local_grads")[0]  # noqa: B009 (the name in a text)


def by_a_name_given(x, name="_da"):  # (the name in a default, not in the code)
    z = (W * x).tanh()
    return z * getattr(z, name)


def by_the_class(x):
    z = (W * x).tanh()
    return z * type(z)._local_grads.__get__(z)[0]


def by_da(x):
    z = (W * x).tanh()
    return z * z._da


def by_db(x):
    z = W * (B * x)
    return z * z._db


def by_list_grads(x):
    z = dot([W, B], [x, x])
    return z * z._list_grads[0]


def by_held_getter(x):
    z = (W * x).tanh()
    return z * HELD(z)[0]


def by_held_alias(x):
    z = (W * x).tanh()
    return z * ALIAS.__get__(z)[0]


def by_held_attrgetter(x):
    z = (W * x).tanh()
    return z * SLOPE(z)


CASES = [by_grad, by_jacobian, by_gradients, by_alias, by_getattr, by_a_name_given,
         by_the_class, by_da, by_db, by_list_grads, by_held_getter, by_held_alias,
         by_held_attrgetter]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_local_derivatives_read_another_way_are_refused_with_the_line(f, native):
    step = compile(f, native=native)
    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: it (reads a "
                                           r"node's|holds Value's own field).*local.* at "
                                           r"test_local_derivatives_read\.py:\d+: "):
        step(1.3)
    first = f(1.3)  # (the engine, outside a capture: its numbers as before)
    answer = first[0] if isinstance(first, tuple) else first
    assert math.isfinite(answer.data)


def test_the_engines_grad_outside_a_capture_is_unchanged():
    z = (W * 1.3).tanh()
    assert grad(z, [W])[0] == z._local_grads[0] * 1.3
