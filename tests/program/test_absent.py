"""A name or an attribute that was missing when the function was captured, and that the
function's code falls back on (a builtin that a global of the module shadows later, a
``NameError`` caught, ``getattr(Config, "decay", 1.0)`` on a class or a module, ``hasattr``
when a base class gains the attribute, an unset slot, a property added to the class): the
program captures again when it appears, and gives the engine's numbers bit for bit
(issue 64)."""

import types
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W = Value(1.5)
MAYBE_LR = 0.1


def test_a_builtin_shadowed_later_by_a_global_is_seen():
    def f(x):
        return abs(W * x)  # Python's abs, until the module defines its own

    g = compile(f)
    same(g, f, [W], -1.0)
    globals()["abs"] = lambda v: v * 3.0  # (a later notebook cell: def abs(v): ...)
    try:
        assert same(g, f, [W], -1.0).data == -4.5
    finally:
        del globals()["abs"]
    assert same(g, f, [W], -1.0).data == 1.5


def test_a_global_caught_as_a_name_error_is_seen_when_it_is_defined_again():
    def f(x):
        try:
            lr = MAYBE_LR
        except NameError:  # (a notebook cell that may not have run)
            lr = 0.01
        return W * x * lr

    g = compile(f)
    same(g, f, [W], 1.0)
    global MAYBE_LR
    del MAYBE_LR
    try:
        same(g, f, [W], 1.0)
    finally:
        MAYBE_LR = 0.5
    assert same(g, f, [W], 1.0).data == 0.75


class Config:  # (settings as class attributes; one added later, in a notebook cell)
    lr = 0.1


class Base:
    pass


class Opt(Base):
    __slots__ = ("momentum",)  # (and a __dict__, from Base)


OPT = Opt()
OPT.lr = 0.1
CFG = types.ModuleType("cfg_of_test_absent")  # (stands for ``import cfg``)


def test_an_attribute_a_class_gains_later_is_seen():
    def f(x):
        return W * x * Config.lr * getattr(Config, "decay", 1.0)

    g = compile(f)
    same(g, f, [W], 1.0)
    Config.decay = 0.5
    try:
        with pytest.warns(ProgramWarning, match="Config was given the attribute 'decay'"):
            assert round(same(g, f, [W], 1.0).data, 12) == 0.075
    finally:
        del Config.decay
    assert round(same(g, f, [W], 1.0).data, 12) == 0.15


def test_what_a_base_class_gains_and_a_property_added_later_are_seen():
    def f(x):
        return W * x * (OPT.momentum if hasattr(OPT, "momentum") else 1.0) * (
            getattr(OPT, "scale", 2.0)) * OPT.lr

    g = compile(f)
    same(g, f, [W], 1.0)
    try:
        Base.scale = 3.0
        with pytest.warns(ProgramWarning, match="'scale' .through its base class Base"):
            assert same(g, f, [W], 1.0).data == 0.45
        OPT.momentum = 0.5  # (an unset slot, set)
        assert same(g, f, [W], 1.0).data == 0.225
        Opt.lr = property(lambda self: 1.0)  # (wins over the instance's own)
        assert same(g, f, [W], 1.0).data == 2.25
    finally:
        del Base.scale, OPT.momentum, Opt.lr


def test_a_name_a_module_gains_later_is_seen():
    def f(x):
        return W * x * getattr(CFG, "lr", 0.1) * vars(CFG).get("decay", 1.0)

    g = compile(f)
    same(g, f, [W], 1.0)
    CFG.lr = 0.5
    assert same(g, f, [W], 1.0).data == 0.75
    CFG.decay = 0.5
    assert same(g, f, [W], 1.0).data == 0.375


def test_fit_compiled_sees_a_setting_a_callback_adds():
    from tinygrad_edu.nn import MLP
    from tinygrad_edu.training.data import make_moons
    from tinygrad_edu.training.fit import fit
    from tinygrad_edu.training.optim import SGD

    class Margin:
        pass

    def loss_fn(outputs, targets):
        margin = getattr(Margin, "margin", 1.0)
        return sum(((margin + -t * o).relu() for o, t in zip(outputs, targets))) * (
            1.0 / len(outputs))

    def on_epoch(epoch, history):
        if epoch == 1:
            Margin.margin = 0.25

    def run(compiled):
        if hasattr(Margin, "margin"):
            del Margin.margin
        X, y = make_moons(8, noise=0.1, seed=0)
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, X, 2 * y - 1, loss_fn, SGD(model.parameters(), lr=0.3), epochs=3,
                      progress=False, on_epoch=on_epoch, compile=compiled)
        return history.loss, [p.data for p in model.parameters()]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(True) == run(False)


def test_an_attribute_of_a_module_caught_as_an_attribute_error_is_seen_when_it_appears():
    def f(x):
        try:
            lr = CFG.momentum
        except AttributeError:
            lr = 0.1
        return W * x * lr

    g = compile(f)
    same(g, f, [W], 1.0)
    CFG.momentum = 0.5
    try:
        assert same(g, f, [W], 1.0).data == 0.75
    finally:
        del CFG.momentum
