"""A number on a base class that objects of two subclasses read (``m.scale`` of a ``Model``,
``LAYER.scale`` of a ``Layer``, ``scale`` set on ``Base``): once it changed it is read at
every call, and the capture's stand-in for it was put on the base, where the other
subclass's objects read it too, so both reads were wired to the one input. The learner then
gives one subclass its own number (``Layer.scale = 0.25``): engine 0.875, program 0.2625 at
every later call, silently (an attacker's a64 F1), and a compiled method wrote the old
number back onto ``Layer``. Now the stand-in is put on the class read, taken away after.
And the learner's own write of an inherited class number (``cls.step += 1``), replayed by
the program, is on the class written, as Python's, never on the base it was read from."""

import struct
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile


class Base:
    scale = 1.0


class Layer(Base):
    pass


class Model(Base):
    def __call__(self, x):
        return W * x * self.scale + LAYER.scale * W


W = Value(0.7)
M, LAYER = Model(), Layer()


def _read_through_two_subclasses(x):
    return W * x * M.scale + LAYER.scale * W


def bits(x):
    return struct.pack("<d", x)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("how", ["function", "method"])
def test_a_base_number_read_through_two_subclasses_stays_two_numbers(how, native):
    f = _read_through_two_subclasses if how == "function" else M.__call__
    Base.scale = 1.0
    step = compile(f, native=native)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (captured again: said, and tested elsewhere)
            for k in range(6):
                if k == 2:
                    Base.scale = 2.0  # (the shared default: read at every call from now)
                if k == 4:
                    Layer.scale = 0.25  # (one subclass given its own)
                W.grad = 0.0
                want = f(0.5)
                want.backward()
                engine = (bits(want.data), bits(W.grad))
                W.grad = 0.0
                got = step(0.5)
                got.backward()
                assert (bits(got.data), bits(W.grad)) == engine, k
                assert vars(Layer).get("scale") == (0.25 if k >= 4 else None)  # (not written)
                assert "scale" not in vars(Model)
        assert want.data == 0.875
    finally:
        Base.scale = 1.0
        if "scale" in vars(Layer):
            del Layer.scale


def _warmup():
    class Schedule:
        step = 0

        @classmethod
        def tick(cls):
            cls.step += 1
            return 1.0 / cls.step

    class Warmup(Schedule):
        pass

    w = Value(0.7)
    return (lambda: w * Warmup.tick() + w * Schedule.step), w, Schedule, Warmup


def _ema():
    class Base:
        step = 1.0

    class Leaf(Base):
        pass

    w = Value(0.7)

    def f():
        Leaf.step = 0.9 * Leaf.step + 0.1 * w.data
        return w * Leaf.step + w * Base.step

    return f, w, Base, Leaf


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("world", [_warmup, _ema], ids=["cls.step += 1", "Leaf.step = ..."])
def test_a_number_written_through_a_subclass_is_written_on_it_not_on_its_base(world, native):
    """The learner's write of a class's number it inherits (``cls.step += 1`` of a
    classmethod, ``Leaf.step = ...``) is on that class, as Python's: the program's write,
    replayed at each call, was put on the base that held the number when captured, once
    the subclass's own was deleted (a warmup restarted): the base's number changed,
    silently, every later call wrong (engine 0.35, program 1.05; an attacker's a64b F1)."""
    f, w, base, sub = world()  # (the engine's, and the program's, apart)
    g, v, their_base, theirs = world()
    step = compile(g, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (captured again: said)
        for k in range(6):
            if k in (2, 4):  # (a new epoch: the subclass's own number deleted)
                del sub.step, theirs.step
            w.grad = v.grad = 0.0
            want, got = f(), step()
            want.backward()
            got.backward()
            assert (bits(got.data), bits(v.grad)) == (bits(want.data), bits(w.grad)), k
            assert (their_base.step, theirs.step) == (base.step, sub.step), k
