"""A number on a base class that objects of two subclasses read (``m.scale`` of a ``Model``,
``LAYER.scale`` of a ``Layer``, ``scale`` set on ``Base``): once it changed it was read at
every call, and the capture's stand-in for it was put on the base, where the other
subclass's objects read it too, so both reads were wired to the one input. The learner then
gives one subclass its own number (``Layer.scale = 0.25``): engine 0.875, program 0.2625 at
every later call, silently (an attacker's a64 F1). Now a base's number read through a
subclass stays guarded (each change captured again, said): no stand-in is put on the base,
nor on the subclass, where the function's own write through the base and its read after it
would miss it (a64d F1-F3). The learner's own write of an inherited class number
(``cls.step += 1``), replayed by the program, is on the class written, as Python's; one
that changed it through a base (``Base.decay *= 0.5``) on the base. A base's number the
subclass overrides, read through ``super()``, is guarded too (a64d F4), and a metaclass's
own ``__setattr__`` does not see the capture's writes (a64d F5)."""

import struct
import warnings

import pytest

from tests.program.against_engine import worlds_alike
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
    return (lambda: w * Warmup.tick() + w * Schedule.step), w, [Schedule, Warmup]


def _ema():
    class Base:
        step = 1.0

    class Leaf(Base):
        pass

    w = Value(0.7)

    def f():
        Leaf.step = 0.9 * Leaf.step + 0.1 * w.data
        return w * Leaf.step + w * Base.step

    return f, w, [Base, Leaf]


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("world", [_warmup, _ema], ids=["cls.step += 1", "Leaf.step = ..."])
def test_a_number_written_through_a_subclass_is_written_on_it_not_on_its_base(world, native):
    """The learner's write of a class's number it inherits (``cls.step += 1`` of a
    classmethod, ``Leaf.step = ...``) is on that class, as Python's: the program's write,
    replayed at each call, was put on the base that held the number when captured, once
    the subclass's own was deleted (a warmup restarted): the base's number changed,
    silently, every later call wrong (engine 0.35, program 1.05; an attacker's a64b F1)."""
    worlds_alike(world, native, 6, _new_epoch)


def _new_epoch(k, holders):
    if k in (2, 4):  # (the subclass's own number deleted)
        del holders[1].step


def _decay():
    class Base:
        decay = 1.0

    class Layer(Base):
        pass

    w = Value(0.7)

    def f():
        a = w * 0.5 * Layer.decay  # (read through the subclass)
        Base.decay = Base.decay * 0.5  # (a shared schedule, stepped on the base)
        return a + w * Layer.decay  # (read again: the base's new number)

    return f, w, [Base, Layer]


def _super():
    class Base:
        decay = 1.0

    class Layer(Base):
        decay = 2.0  # (its own, overriding the base's)

        def __call__(self):
            return w * 0.5 * super().decay + w * self.decay

    w = Value(0.7)
    return Layer(), w, [Base, Layer]


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("world", [_decay, _super], ids=["stepped on the base", "super()"])
def test_a_base_number_changed_in_the_call_or_read_through_super_is_the_engines(world,
                                                                                 native):
    """Before: the capture put its stand-in for ``Layer.decay`` on ``Layer``, so the read
    after ``Base.decay *= 0.5`` missed the base's new number (engine 0.35, program 0.525),
    and later calls left ``Layer`` its own number (a64d F1, F2); ``super().decay`` was not
    guarded, the base's number changed between calls kept (engine 2.45, program 1.75; F4)."""
    worlds_alike(world, native, 5, _base_changed)


def _base_changed(k, holders):
    if k == 2:
        holders[0].decay = 3.0


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_metaclasss_own_setattr_sees_only_the_learners_writes(native):
    """A metaclass that logs or checks what is set (a config registry) saw the capture put
    its stand-in on the class and take it back (log entries the engine's call never makes;
    a check of the type raised the learner's own TypeError where the engine runs: a64d F5)."""
    log = []

    class Meta(type):
        def __setattr__(cls, name, value):
            if name == "scale" and type(value) is not float:
                raise TypeError("scale must be a float")
            log.append(name)
            super().__setattr__(name, value)

    class Config(metaclass=Meta):
        scale = 1.0

    w = Value(0.7)

    def f(x):
        return w * x * Config.scale

    step = compile(f, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (captured again: said)
        for k in range(4):
            if k == 1:
                Config.scale = 2.0  # (read at every call from now on)
            del log[:]
            assert bits(step(0.5).data) == bits(f(0.5).data), k
            assert log == [], k
