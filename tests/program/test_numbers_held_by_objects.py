"""A number outside the arguments, held by an object of the learner's that guards it or gives
it through a protocol, changed between calls: a frozen ``slots`` dataclass (changed with
``object.__setattr__``), a class whose ``__setattr__`` checks it is given a float, an object
with ``__float__`` (a learning-rate holder: ``float(LR)``, ``math.log(LR)``, ``"%.3f" % LR``,
given as an argument too). Once the number changed, the capture put the number it follows
there through the class's own ``__setattr__``, or had ``__float__`` return it:
``FrozenInstanceError: cannot assign to field 'lr'``, ``TypeError: lr must be a float, got
Traced``, ``TypeError: Lr.__float__ returned non-float (type Traced)`` (issue
64). And a ``weakref.proxy`` to a config was refused as
"an iterator (ProxyType)" (a proxy has every slot). Now each gives the
engine's numbers: the capture's own writes pass the class's ``__setattr__``; ``float(x)`` of
such an object follows what its ``__float__`` gives; a number that meets Python's code
through ``__float__`` is no input (guarded: each change captured again); a proxy is no
iterator (the config's number found where it is held)."""

import dataclasses
import math
import sys
import types
import weakref

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)


@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    lr: float


class Checked:
    __slots__ = ("lr",)

    def __setattr__(self, name, value):
        if type(value) is not float:
            raise TypeError(f"{name} must be a float, got {type(value).__name__}")
        object.__setattr__(self, name, value)


class Lr:
    def __init__(self, v):
        self.v = v

    def __float__(self):
        return self.v


class Cfg:
    def __init__(self):
        self.lr = 0.1


FROZEN = Frozen(0.1)
CFG = Cfg()
PROXY = weakref.proxy(CFG)
CHECKED = Checked()
CHECKED.lr = 0.1
LR = Lr(0.1)


def _set(k):
    object.__setattr__(FROZEN, "lr", k / 10)
    CHECKED.lr = LR.v = CFG.lr = k / 10


CASES = {
    "frozen slots dataclass": lambda x: W * x * FROZEN.lr,
    "__setattr__ that checks for a float": lambda x: W * x * CHECKED.lr,
    "float(LR)": lambda x: W * x * float(LR),
    "math.log(LR)": lambda x: W * x * math.log(LR),
    "'%.3f' % LR": lambda x: W * x * float("%.3f" % LR),  # noqa: UP031  (as written)
    "float(lr) of an argument": lambda x, lr=LR: W * x * float(lr),
    "weakref.proxy": lambda x: W * x * PROXY.lr,  # (refused as "an iterator (ProxyType)")
}


@pytest.mark.filterwarnings("ignore:<lambda>. captured again")
@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("native", [False, True], ids=["python", "native"])
def test_a_number_an_object_guards_or_gives_is_the_engines(name, native):
    f = CASES[name]
    step = compile(f, native=native)
    for k in (1, 2, 3):
        _set(k)
        engine = f(Value(2.0)).data
        assert step(Value(2.0)).data == engine, k
    assert type(FROZEN.lr) is type(CHECKED.lr) is type(LR.v) is float  # (nothing left there)


@pytest.mark.filterwarnings("ignore:<lambda>. captured again")
def test_a_module_whose_getattr_raises_key_error_is_read_as_the_engine_does(monkeypatch):
    """A PEP 562 ``__getattr__`` that looks names up in a table (``KeyError`` for one it does
    not have): the capture asked it for ``__file__`` and raised ``KeyError: '__file__'``
    before; it reads the module's own dict now."""
    config = types.ModuleType("tg_edu_table_config")
    table = {"lr": 0.5}
    config.__getattr__ = lambda name: table[name]
    monkeypatch.setitem(sys.modules, config.__name__, config)

    def f(x):
        return W * x * config.lr

    step = compile(f)
    for lr in (0.5, 1.0, 1.5):
        table["lr"] = lr
        assert step(Value(2.0)).data == f(Value(2.0)).data == 3.0 * lr
