"""What a class's metaclass of the learner's holds is walked as a class is (a place of its own
under the class, ``__class__``): its attribute read through the class (``type(p).wd``), a
number its property or its ``__getattr__`` gives from its own data, a name added to it later
(``getattr(type(p), "wd", 0.1)``) are guarded, and captured again once changed, said. Before,
a metaclass reached only through ``type(p)`` was never walked (one named as a global was, as
any class): ``type(p).wd`` set on a metaclass made in a function kept the capture's number,
silently (an attacker's a64d, p3 i: the engine's 36.0, then 38.5, the program's 36.5)."""

import warnings
from typing import ClassVar

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning


def _made():  # (each metaclass made in a function: reached only through ``type(...)``)
    class Held(type):
        wd = 0.1

    class Given(type):
        _wd = 0.1

        @property
        def wd(cls):
            return type(cls)._wd

    class Asked(type):
        defaults: ClassVar[dict[str, float]] = {"wd": 0.1}

        def __getattr__(cls, name):
            if name in type(cls).defaults:
                return type(cls).defaults[name]
            raise AttributeError(name)

    class Later(type):
        pass

    class ValueHeld(type(Value)):
        wd = 0.1

    class Param(Value, metaclass=ValueHeld):
        pass

    return {"an attribute of the metaclass": (Held("C", (), {})(), "wd"),
            "its property over its own data": (Given("C", (), {})(), "_wd"),
            "its __getattr__ over its dict": (Asked("C", (), {})(), "defaults"),
            "a name added to it later": (Later("C", (), {})(), "wd"),
            "a subclass of Value's metaclass": (Param(1.5, label="p"), "wd")}


CASES = _made()


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", sorted(CASES))
def test_what_a_metaclass_holds_is_guarded(which, native):
    held, name = CASES[which]
    meta = type(type(held))
    w, b = Value(2.0, label="w"), Value(1.0, label="b")

    def f(x):
        wd = getattr(type(held), "wd", 0.1)
        return (w * x + b - 1.0) ** 2 + wd * w * b

    def set_to(v):
        if name == "defaults":
            meta.defaults["wd"] = v
        else:
            setattr(meta, name, v)

    step = compile(f, native=native)
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k, x in enumerate((3.0, 0.5, -1.0, 2.0)):
                if k >= 2:
                    set_to((0.0, 0.5)[k - 2])
                same(step, f, [w, b], x)
    finally:
        if name == "defaults":
            meta.defaults["wd"] = 0.1
        elif which == "a name added to it later":
            delattr(meta, "wd")
        else:
            setattr(meta, name, 0.1)
    assert step.captures >= 2
    assert any("captured again" in str(m.message) for m in said
               if m.category is ProgramWarning), [str(m.message) for m in said]
