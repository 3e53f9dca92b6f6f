"""A number on a base class that objects of two subclasses read (``m.scale`` of a ``Model``,
``LAYER.scale`` of a ``Layer``, ``scale`` set on ``Base``): once it changed it is read at
every call, and the capture's stand-in for it was put on the base, where the other
subclass's objects read it too, so both reads were wired to the one input. The learner then
gives one subclass its own number (``Layer.scale = 0.25``): engine 0.875, program 0.2625 at
every later call, silently (an attacker's a64 F1), and a compiled method wrote the old
number back onto ``Layer``. Now the stand-in is put on the class read, taken away after."""

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
