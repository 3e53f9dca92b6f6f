"""An object of the learner's class held inside one of Python's that a capture does not look
into: per-model settings in a ``weakref.WeakKeyDictionary`` (``SETTINGS[model].wd``), a
``weakref.WeakSet`` of layers, a ``queue.Queue``'s item (``Q.queue[0].reward``, a dataclass's
too, a ``LifoQueue`` of lists of them, one of yours in another past the depth kept:
``Q.queue[0][0].sub.lr``), an attribute set on a logger (``LOG.hp.lr``), and a sub-object of
a class with its own ``__getattribute__`` (``CFG.optim.lr``). Each was kept by its identity
alone (``states.py``): its attributes changed between calls, the program gave the capture's
number at every call (wd 0.25: engine 0.8074..., program 0.9260...; lr 2.0: engine 1.25,
program 0.5), silently; written by the function (an Adam-style step counter, ``s =
STATE[m]; s.t += 1``), the write was done once (engine 0.025, 0.0475, 0.06775; program 0.025
at each call, ``t`` staying 1). Now its attributes are kept (past the depth too, three steps
more): a change is seen, the function captured again; a write inside, said, and captured
again at each call: the engine's numbers, native and Python."""

import dataclasses
import logging
import queue
import warnings
import weakref

import pytest

from tests.program.against_engine import bits, same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.5)


class Hp:
    def __init__(self):
        self.lr = 0.5


@dataclasses.dataclass
class Reward:
    lr: float = 0.5


class Model:
    pass


class Section:
    pass


class Outer:
    def __init__(self):
        self.sub = Hp()


class Config:
    def __getattribute__(self, name):
        return object.__getattribute__(self, name)


MODEL = Model()
SETTINGS = weakref.WeakKeyDictionary({MODEL: Hp()})
LAYERS = [Hp()]
REGISTRY = weakref.WeakSet(LAYERS)
QUEUE = queue.Queue()
QUEUE.put(Hp())
DATACLASSES = queue.Queue()
DATACLASSES.put(Reward())
LIFO = queue.LifoQueue()
LIFO.put([Hp()])
NESTED = queue.LifoQueue()  # (past the depth: the learner's objects lead on)
NESTED.put([Outer()])
LOG = logging.getLogger("tests.program.learners_held_by_libraries")
LOG.hp = Hp()
CFG = Config()
CFG.optim = Section()
CFG.optim.lr = 0.5


def _set(lr):
    SETTINGS[MODEL].lr = LAYERS[0].lr = QUEUE.queue[0].lr = DATACLASSES.queue[0].lr = lr
    LIFO.queue[0][0].lr = NESTED.queue[0][0].sub.lr = LOG.hp.lr = CFG.optim.lr = lr


READS = {
    "WeakKeyDictionary": lambda x: W * x * SETTINGS[MODEL].lr + W * W,
    "WeakSet": lambda x: W * x * sum(h.lr for h in REGISTRY) + W * W,
    "Queue item": lambda x: W * x * QUEUE.queue[0].lr + W * W,
    "Queue of a dataclass": lambda x: W * x * DATACLASSES.queue[0].lr + W * W,
    "LifoQueue of lists": lambda x: W * x * LIFO.queue[0][0].lr + W * W,
    "past the depth, one of yours in another": lambda x: W * x * NESTED.queue[0][0].sub.lr + W * W,
    "a logger's attribute": lambda x: W * x * LOG.hp.lr + W * W,
    "__getattribute__'s sub-object": lambda x: W * x * CFG.optim.lr + W * W,
}


@pytest.mark.filterwarnings("ignore:<lambda>. captured")
@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("name", READS)
def test_a_learners_object_inside_a_library_object_is_guarded(name, native):
    f = READS[name]
    _set(0.5)
    try:
        step = compile(f, native=native)
        for lr in (0.5, 0.5, 0.25, 2.0):
            _set(lr)
            same(step, f, [W], 1.0)
        assert step.captures >= 2  # (captured again: the first number was not kept)
    finally:
        _set(0.5)


class Counter:
    def __init__(self):
        self.t = 0


def _counted(held):
    """An Adam-style bias correction whose step counter is in ``held()`` (a learner's object
    inside a library's), counted by the function itself."""
    def f():
        s = held()
        s.t += 1
        return W * W * (1.0 - 0.9 ** s.t)
    return f


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("holder", ["WeakKeyDictionary", "Queue"])
def test_a_write_to_a_learners_object_inside_a_library_object_is_done_at_each_call(
        holder, native):
    if holder == "WeakKeyDictionary":
        state = weakref.WeakKeyDictionary()
        model = Model()
        f = _counted(lambda: state[model])
        start = lambda: state.__setitem__(model, Counter())
        counter = lambda: state[model].t
    else:
        box = queue.Queue()
        f = _counted(lambda: box.queue[0])
        start = lambda: (box.queue.clear(), box.put(Counter()))
        counter = lambda: box.queue[0].t
    start()
    want = _calls(f, 4, counter)
    start()
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        got = _calls(step, 4, counter)
    assert got == want  # (before: 0.025 at each call, t staying 1)
    assert any("which a program does not change again" in str(w.message) for w in said)


def _calls(f, n, counter):
    """``n`` calls of ``f`` (the engine's function or its program), each its loss's number,
    W's gradient and what ``counter()`` reads after it, to the bit."""
    seen = []
    for _ in range(n):
        W.grad = 0.0
        out = f()
        out.backward()
        seen.append((bits(out.data), bits(W.grad), counter()))
    return seen


class Optimizer:
    def __init__(self):
        self.t = 0


OPTIMIZER = Optimizer()
TRAIN_LOG = logging.getLogger("tests.program.learners_held_by_libraries.train")
TRAIN_LOG.optimizer = OPTIMIZER  # (also held by a name the function reads: walked)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_learners_object_also_walked_is_written_by_the_program_not_captured_again(native):
    """Its attributes are places the walk guards and the program writes again: the logger's
    state lets them go (before this, its step counter written inside was taken for a change no
    program does, the function captured again at each call, run as the engine after five)."""
    def f():
        OPTIMIZER.t += 1
        return W * W * (1.0 - 0.9 ** OPTIMIZER.t) * (2.0 if TRAIN_LOG.disabled else 1.0)

    OPTIMIZER.t = 0
    want = _calls(f, 6, lambda: OPTIMIZER.t)
    OPTIMIZER.t = 0
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        got = _calls(step, 6, lambda: OPTIMIZER.t)
    assert got == want
    assert not any("which a program does not change again" in str(w.message) for w in said)
    assert step.captures <= 2  # (the counter, read at every call once it changed)
