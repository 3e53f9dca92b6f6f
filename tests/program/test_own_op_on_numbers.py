"""An op of one's own (``unary_op``, ``binary_op``) applied to plain numbers inside a compiled
function gives a plain number, which a program would keep as a constant; its forward function
may read what changes between calls (a temperature annealed in a dict). Before, the first
change was seen (captured again) and the setting then read at every call, but the op's result
stayed the capture's: the engine's loss 0.0091, the program's 0.0013, silently (an attacker's,
a64j S2). Now it is refused, naming the line; the same op on a Value is a step of the program,
its forward called at every run."""

import math
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.custom_ops import unary_op
from tinygrad_edu.program import compile

W = Value(2.0)
T = {"t": 1.0}
soft = unary_op("soft_test_own_op_on_numbers",
                lambda x: math.log1p(math.exp(x / T["t"])) * T["t"],
                lambda x, y: 1.0 / (1.0 + math.exp(-x / T["t"])), register_op=False)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_an_op_of_ones_own_on_plain_numbers_is_refused_at_its_line(native):
    step = compile(lambda x, target: (W * x - soft(target)) ** 2, native=native)
    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: it applies the "
                       r"op 'soft_test_own_op_on_numbers' \(an op of your own\) to plain "
                       r"numbers.* at test_own_op_on_numbers\.py:\d+: "):
        step(0.3, 1.0)


def test_on_a_value_it_is_a_step_that_reads_the_setting_at_every_run():
    step = compile(lambda x, target: (W * x - soft(Value(target))) ** 2, native=False)
    for t in (1.0, 0.5, 0.5, 0.25):
        T["t"] = t
        want = (W * 0.3 - soft(Value(1.0))) ** 2
        assert step(0.3, 1.0).data == want.data
    T["t"] = 1.0


scale = unary_op("scale_test_own_op_on_numbers", lambda x, a: x * a, lambda x, y, a: a,
                 param=0.5, register_op=False)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_an_ops_default_setting_changed_is_captured_again(native):
    """An op with a setting called with its default, the default changed between calls
    (``scale.__defaults__``, a schedule): before, the capture's alpha at every call (2.0
    where the engine gave 5.0), silently (a64j S3); now captured again, said once."""
    step = compile(lambda x: scale(W * x) + 1.0, native=native)
    try:
        for alpha in (0.5, 1.5, 2.5):
            scale.__defaults__ = (alpha,)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = step(1.5).data
            assert got == (scale(W * 1.5) + 1.0).data == 3.0 * alpha + 1.0
    finally:
        scale.__defaults__ = (0.5,)
