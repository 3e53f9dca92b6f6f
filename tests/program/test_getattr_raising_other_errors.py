"""A ``__getattr__`` of the learner's that raises another error than ``AttributeError`` for a
name it does not hold (``return cls._table[name]``: a ``KeyError``), on a metaclass, a class or
a module, gives the engine's numbers: the capture asks a class about ``__next__``, ``__hash__``,
``EMPTY_GRAD`` as Python finds a special method (in the dicts of its classes, never through
``__getattr__``: ``asking.static``), and an argument about ``shape`` taking any error for "it
has none" (``asking.attribute``). Before, the capture crashed with the learner's
``KeyError: '__next__'`` (a metaclass's, read as ``type(c).lr``), ``KeyError: 'EMPTY_GRAD'``
(any function of a module holding such a class), ``KeyError: 'shape'`` (an object given), where
the engine computes. A question that still reaches one is refused with the learner's line
(``asking.asked``), not the capture's own error."""

import types
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.asking import asked


class Table(type):
    def __getattr__(cls, name):
        return cls._table[name]


class Cfg(metaclass=Table):
    _table = {"lr": 0.5}  # noqa: RUF012


class Bag:
    def __init__(self):
        self.__dict__["table"] = {"lr": 0.5}

    def __getattr__(self, name):
        return self.table[name]


W = Value(2.0, label="w")
CFG = Cfg()
BAG = Bag()
LAZY = types.ModuleType("lazy")
LAZY.table = {"lr": 0.5}
LAZY.__getattr__ = lambda name: LAZY.table[name]

CASES = {
    "a metaclass's, type(c).lr": (lambda: W * type(CFG).lr + 1.0, Cfg._table),
    "a metaclass's, Cfg.lr": (lambda: W * Cfg.lr + 1.0, Cfg._table),
    "an object's": (lambda: W * BAG.lr, BAG.table),
    "a module's": (lambda: W * LAZY.lr, LAZY.table),
    "none read (a class held by the module)": (lambda: W * 3.0, {"lr": 0.5}),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", sorted(CASES))
def test_a_getattr_raising_a_key_error_gives_the_engines_numbers(which, native):
    f, table = CASES[which]
    step = compile(f, native=native)
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for lr in (0.5, 3.0, -1.25):
                table["lr"] = lr
                same(step, f, [W])
    finally:
        table["lr"] = 0.5


@pytest.mark.parametrize("native", [True, False])
def test_an_object_given_whose_getattr_raises_a_key_error_is_an_argument(native):
    def f(x):
        return W * x.lr

    step = compile(f, native=native)
    given = Bag()
    for lr in (0.5, 3.0):
        given.table["lr"] = lr
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            same(step, f, [W], given)


def test_a_question_that_reaches_such_a_getattr_is_said_with_the_learners_line():
    def ask():  # (this package's code, as the capture's: ``asked`` looks for its file)
        return hasattr(Cfg, "__next__")

    ask.__code__ = ask.__code__.replace(co_filename=asked.__code__.co_filename)
    with pytest.raises(KeyError) as raised:
        ask()
    said = asked(raised.value)
    assert said is not None and "'__next__'" in said and "KeyError" in said
    assert "return cls._table[name]" in said
    assert asked(KeyError("lr")) is None  # (the learner's own error: raised as it is)
