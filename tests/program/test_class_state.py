"""A class's state as model code keeps it: a counter the call itself makes on the class
(``if not hasattr(Layer, "step"): Layer.step = 0``), a number it sets on a subclass once
(``if "lr" not in vars(Leaf)``), the defaults of a static or a class method. Each was the
first call's at every later call, silently (an attacker's a64e F2: a lazy counter, engine
0.7, 1.4, 2.1, program 0.7 each time, the class's counter left at 1; F1: a static
method's ``lr`` default changed, engine 0.56, program 0.14): the names a class holds were
taken after the capture's call, which had made the counter, and a static or class method's
function was not walked."""

import struct
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile


def bits(x):
    return struct.pack("<d", x)


def _lazy_counter():
    class Layer:
        pass

    w = Value(0.7)

    def f():
        if not hasattr(Layer, "step"):
            Layer.step = 0
        Layer.step += 1
        return w * Layer.step

    return f, w, Layer, lambda k: None


def _set_once():
    class Base:
        lr = 0.4

    class Leaf(Base):
        pass

    w = Value(0.7)

    def f():
        if "lr" not in vars(Leaf):
            Leaf.lr = Base.lr * 2
        Leaf.lr *= 0.5
        return w * Leaf.lr

    return f, w, Leaf, lambda k: None


def _method_defaults():
    class Opt:
        @staticmethod
        def update(g, lr=0.1):
            return g * lr

        @classmethod
        def decay(cls, g, wd=0.1):
            return g * wd

    w = Value(0.7)

    def change(k):
        if k == 2:
            Opt.update.__defaults__ = (0.5,)
            Opt.decay.__func__.__defaults__ = (0.3,)

    return (lambda: Opt.update(w) + Opt.decay(w)), w, Opt, change


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("world", [_lazy_counter, _set_once, _method_defaults],
                         ids=["a lazy counter", "set once on a subclass", "method defaults"])
def test_a_classs_state_is_the_engines_at_every_call(world, native):
    f, w, cls, change = world()  # (the engine's, and the program's, apart)
    g, v, theirs, their_change = world()
    step = compile(g, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (captured again: said)
        for k in range(4):
            change(k)
            their_change(k)
            w.grad = v.grad = 0.0
            want, got = f(), step()
            want.backward()
            got.backward()
            assert (bits(got.data), bits(v.grad)) == (bits(want.data), bits(w.grad)), k
            assert {n: x for n, x in vars(theirs).items() if not n.startswith("__")} == \
                {n: x for n, x in vars(cls).items() if not n.startswith("__")} or \
                world is _method_defaults, k
