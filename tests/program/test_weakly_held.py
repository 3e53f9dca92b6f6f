"""What a weak reference reaches (``R()`` of a ``weakref.ref``, an item of a
``weakref.WeakValueDictionary``) is held weakly by a program's guards: freed by the code
around it, it is freed, and the function is captured again, saying so. Before, the program
kept the object alive, so ``R()`` and ``"a" in REG`` kept their first answer, in the program
and in the code around it alike (engine 1.0, program 2.0, silently: a64s). A finalizer's
``alive`` is guarded as what it holds."""

import gc
import weakref

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu.program import compile


class Box:
    def __init__(self, v):
        self.v = v

    def get(self):
        return self.v


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_the_object_a_weak_reference_reaches_is_freed_and_captured_again(native):
    held = {"box": Box(1.0)}
    ref = weakref.ref(held["box"])

    def f(x):
        return W * x * (2.0 if ref() is not None else 1.0)

    step = compile(f, native=native)
    same(step, f, [W], 1.0)
    del held["box"]
    gc.collect()
    assert ref() is None  # (no program holds it)
    with pytest.warns(UserWarning, match=r"the object ref\(\) reached was freed"):
        same(step, f, [W], 2.0)
    assert step(3.0).data == f(3.0).data == W.data * 3.0


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_an_item_of_a_weak_value_dictionary_is_freed_and_captured_again(native):
    registry = weakref.WeakValueDictionary()
    held = [Box(1.0)]
    registry["a"] = held[0]

    def f(x):
        return W * x * (registry["a"].v if "a" in registry else 0.25)

    step = compile(f, native=native)
    same(step, f, [W], 1.0)
    held.clear()
    gc.collect()
    assert len(registry) == 0
    with pytest.warns(UserWarning, match=r"the object registry\['a'\] reached was freed"):
        same(step, f, [W], 2.0)
    assert step(3.0).data == f(3.0).data == W.data * 3.0 * 0.25



def test_a_weak_method_is_followed():
    """``M = weakref.WeakMethod(box.get)``; ``m = M()``: a new bound method at each call, which
    the capture took for a write of the function's (before: IndexError inside the capture).
    (The box is still kept alive by the program's guards while it lives: not yet weak.)"""
    box = Box(1.0)
    method = weakref.WeakMethod(box.get)

    def f(x):
        m = method()
        return W * x * (m() if m is not None else 3.0)

    step = compile(f)
    for x in (1.0, 2.0):
        same(step, f, [W], x)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_finalizers_alive_is_read_again(native):
    """``FIN.alive`` of a ``weakref.finalize``: kept in finalize's own registry, which no
    walk of the finalizer reaches, so the program kept its first answer once the object
    was freed (engine 2.0, program 6.0, silently); now its answer is guarded, and the
    function captured again when the object goes (and when ``FIN()`` or ``detach()`` ran)."""
    held = [Box(1.0)]
    fin = weakref.finalize(held[0], lambda: None)

    def f(x):
        return W * x * (3.0 if fin.alive else 1.0)

    step = compile(f, native=native)
    same(step, f, [W], 1.0)
    held.clear()
    gc.collect()
    assert not fin.alive
    with pytest.warns(UserWarning, match=r"captured again because fin \(a closure cell\) "
                                         r"is not what it was"):
        same(step, f, [W], 2.0)
    assert step(3.0).data == f(3.0).data == W.data * 3.0
    assert step.captures == 2


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_finalizer_detached_is_read_again(native):
    box = Box(1.0)
    fin = weakref.finalize(box, lambda: None)

    def f(x):
        return W * x * (3.0 if fin.alive else 1.0)

    step = compile(f, native=native)
    same(step, f, [W], 1.0)
    fin.detach()
    with pytest.warns(UserWarning, match="is not what it was"):
        same(step, f, [W], 2.0)
    assert box.v == 1.0
