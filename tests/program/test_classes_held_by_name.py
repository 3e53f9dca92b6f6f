"""A class held as a class attribute or a module's attribute (``class Cfg: act = Tanh``,
``helpers.Act = Tanh``), or a function of the learner's held by another module than its own
(``helpers.act = my_tanh``), rebound after the capture: the program is captured again, said,
never run with the old one. Before, the walk skipped a class at class level (taken for a
method) and a class or function at a module's level, so none was guarded: ``Cfg.act =
Relu`` kept the capture's Tanh, silently (``(Cfg.act()(W * 0.5 + B) * 3.0 - 1.0) ** 2`` at
w = 2, b = 1: the engine's 25.0, grads 15.0, 30.0 after the rebinding, the program's 3.58,
0.401, 0.802 at every call)."""

import sys
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W, B = Value(2.0, label="w"), Value(1.0, label="b")


class Tanh:
    def __call__(self, x):
        return x.tanh()


class Relu:
    def __call__(self, x):
        return x.relu()


class Twice:
    @staticmethod
    def apply(x):
        return x * 2.0


class Thrice:
    @staticmethod
    def apply(x):
        return x * 3.0


class Cfg:
    act = Tanh
    lay = Twice
    cast = float


class Model:
    act = Tanh

    def __call__(self, x):
        return (self.act()(W * x + B) * 3.0 - 1.0) ** 2


MODEL = Model()


def _tanh(x):
    return x.tanh()


def _relu(x):
    return x.relu()


@pytest.fixture
def helpers(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "helpers_classes_held.py").write_text("act = None\nAct = None\n")
    import helpers_classes_held

    helpers_classes_held.act, helpers_classes_held.Act = _tanh, Tanh
    yield helpers_classes_held
    sys.modules.pop("helpers_classes_held", None)


def _cases(module):
    return {  # (the function, the rebinding, the putting back)
        "a class on a class": (lambda x: (Cfg.act()(W * x + B) * 3.0 - 1.0) ** 2,
                               lambda: setattr(Cfg, "act", Relu),
                               lambda: setattr(Cfg, "act", Tanh)),
        "a class on a class, through self": (MODEL, lambda: setattr(Model, "act", Relu),
                                             lambda: setattr(Model, "act", Tanh)),
        "a class of static methods on a class": (lambda x: (Cfg.lay.apply(W * x + B) - 1.0) ** 2,
                                                 lambda: setattr(Cfg, "lay", Thrice),
                                                 lambda: setattr(Cfg, "lay", Twice)),
        "Python's class on a class": (lambda x: W * Cfg.cast(2.7) + B * x,
                                      lambda: setattr(Cfg, "cast", int),
                                      lambda: setattr(Cfg, "cast", float)),
        "a class on a module": (lambda x: (module.Act()(W * x + B) * 3.0 - 1.0) ** 2,
                                lambda: setattr(module, "Act", Relu), lambda: None),
        "a function of another module on a module": (
            lambda x: (module.act(W * x + B) * 3.0 - 1.0) ** 2,
            lambda: setattr(module, "act", _relu), lambda: None),
    }


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", ["a class on a class", "a class on a class, through self",
                                   "a class of static methods on a class",
                                   "Python's class on a class", "a class on a module",
                                   "a function of another module on a module"])
def test_a_class_held_by_name_rebound_is_captured_again(which, native, helpers):
    f, rebind, put_back = _cases(helpers)[which]
    step = compile(f, native=native)
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k, x in enumerate((-0.5, 0.25, -0.75)):
                if k == 1:
                    rebind()
                same(step, f, [W, B], x)
    finally:
        put_back()
    assert step.captures == 2
    assert any("is not what it was" in str(m.message) for m in said
               if m.category is ProgramWarning), [str(m.message) for m in said]


def test_type_held_by_a_module_the_code_reads_is_not_refused(helpers):
    """``type`` held at a module's level (``T = type``) is no class the walk guards: the
    capture refuses ``type`` where the code holds it (``held_calls.type_held``), not where a
    module it reads does (a fuzzer's case read its own module through sys.modules)."""
    helpers.T = type
    f = lambda x: W * helpers.act(x)
    step = compile(f)
    for x in (Value(0.5), Value(-0.25)):
        same(step, f, [W], x)
    assert step.captures == 1
