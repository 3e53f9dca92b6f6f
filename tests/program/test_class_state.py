"""A class's (or a module's) state as model code keeps it: a counter the call itself makes
on the class (``if not hasattr(Layer, "step"): Layer.step = 0``), on a module or in
``globals()``, a number it sets on a subclass once (``if "lr" not in vars(Leaf)``), a global
it asks for with a default (``globals().get("LR", 0.5)``) defined later, the defaults of a
static or class method, or of a bound method held. Each was the first call's at every later
call, silently (an attacker's a64e F2: a lazy counter, engine 0.7, 1.4, 2.1, program 0.7
each time, the counter left at 1; a64e F1: a static method's ``lr`` default changed, engine
0.56, program 0.14; a64f F1, F2, F4): the names a class or module holds were taken after
the capture's call, which had made them, a missing global asked through ``globals()`` was
not guarded, and a static, class or held bound method's function was not walked."""

import types
from builtins import compile as compile_source

import pytest

from tests.program.against_engine import worlds_alike
from tinygrad_edu import Value


def _lazy_counter():
    class Layer:
        pass

    w = Value(0.7)

    def f():
        if not hasattr(Layer, "step"):
            Layer.step = 0
        Layer.step += 1
        return w * Layer.step

    return f, w, [Layer]


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

    return f, w, [Leaf]


def _method_defaults():
    class Opt:
        @staticmethod
        def update(g, lr=0.1):
            return g * lr

        @classmethod
        def decay(cls, g, wd=0.1):
            return g * wd

    w = Value(0.7)
    return (lambda: Opt.update(w) + Opt.decay(w)), w, [Opt]


def _new_defaults(k, holders):
    if k == 2:
        holders[0].update.__defaults__ = (0.5,)
        holders[0].decay.__func__.__defaults__ = (0.3,)


def _module_counter():
    cfg = types.ModuleType("cfg_of_test_class_state")
    w = Value(0.7)

    def f():
        if not hasattr(cfg, "STEP"):
            cfg.STEP = 0
        cfg.STEP += 1
        return w * cfg.STEP

    return f, w, [cfg]


_GLOBALS_COUNTER = """
def f():
    g = globals()
    if "STEP" not in g:
        g["STEP"] = 0
    g["STEP"] += 1
    return w * STEP
"""

_GLOBAL_DEFINED_LATER = """
def f():
    return w * globals().get("LR", 0.5)
"""


def _in_a_module(source):
    def world():
        held = types.ModuleType("module_of_test_class_state")
        held.w = Value(0.7)
        exec(compile_source(source, held.__name__, "exec"), vars(held))
        return held.f, held.w, [held]
    return world


def _bound_method_held():
    class Layer:
        def fwd(self, x, s=0.5):
            return x * s

    w = Value(0.7)
    fwd = Layer().fwd  # (held by the function's closure)
    return (lambda: fwd(w)), w, [Layer]


def _new_default(k, holders):
    if k == 1:
        holders[0].fwd.__defaults__ = (0.25,)


def _define_later(k, holders):
    if k == 1:
        holders[0].LR = 0.25


WORLDS = {"a lazy counter": (_lazy_counter, None), "set once on a subclass": (_set_once, None),
          "method defaults": (_method_defaults, _new_defaults),
          "a module's lazy counter": (_module_counter, None),
          "a counter in globals()": (_in_a_module(_GLOBALS_COUNTER), None),
          "globals().get of one defined later": (_in_a_module(_GLOBAL_DEFINED_LATER),
                                                 _define_later),
          "a bound method held": (_bound_method_held, _new_default)}
"""Before: a64e F2, F2b, F1; a64f F1 (a module's, globals()), F4, F2."""


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("which", sorted(WORLDS))
def test_a_classs_or_a_modules_state_is_the_engines_at_every_call(which, native):
    world, change = WORLDS[which]
    worlds_alike(world, native, 4, change)
