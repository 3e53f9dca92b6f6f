"""A subclass of Value that keeps its option in a slot (``__slots__ = ("wd",)``, as the
engine's own Value keeps its fields): what the slot holds is guarded where each Value reads
it, as an attribute in its ``__dict__`` is (an attacker's a64c f2: one set on a Value after
the capture, ``B.wd = 0.5``, was silent: 0.4965 where the engine gives 0.5749)."""

import warnings

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile


class Slotted(Value):
    __slots__ = ("wd",)

    def __init__(self, x, wd=0.01, **kw):
        super().__init__(x, **kw)
        self.wd = wd


def test_a_slot_of_a_value_changed_after_the_capture_is_followed():
    a, b = Slotted(0.7, label="a"), Slotted(-0.4, label="b")

    def f(x):
        loss = (a * x + b - 1.0) ** 2
        for p in (a, b):
            loss = loss + p.wd * p * p
        return loss

    for native in (True, False):
        b.wd = 0.01
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(4):
                b.wd = 0.01 if k < 2 else 0.5 + k
                same(step, f, [a, b], 1.0 + k)
        assert any("b.wd is not what it was" in str(s.message) for s in said)


def test_a_slot_of_a_value_given_picks_its_program():
    w = Value(0.3)

    def f(p, x):
        return w * x + p.wd * p * p

    for native in (True, False):
        step = compile(f, native=native)
        for k in range(3):
            p = Slotted(0.5 + k, wd=0.01 if k < 2 else 0.5)
            same(step, f, [w, p], p, 1.5)
        assert step.captures == 2
