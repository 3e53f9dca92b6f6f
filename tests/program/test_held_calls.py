"""A C function bound before the call and held where the capture cannot put its own (a
default, a closure cell, a global): a draw of ``random.random``, the next item of an
iterator, a deque's item, a dict's number read through its bound ``get``, a file opened, the
clock, text written to a StringIO. Each was called unseen while the capture ran, and the
program gave what it gave then at every call, silently: the same draw, the same batch, the
gradient on the wrong parameter (issue 64, an attacker's S1, S5, S6, S9, S10). Each is
refused now, naming what is held and where; a pure one held so (``math.exp``) is not, and
one in a tuple is the capture's there too (``test_holders_walked_into.py``).
And ``type`` under another name (``T = type``, ``type = type``): the capture's number type
leaked, ``type(x.data) is float`` false from the first call (S2). And two found beside them:
numbers written into an array held outside (S10), a lazy module that broke a warning (L1)."""

import collections
import datetime
import io
import itertools
import math
import os
import random
import sys
import types

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.0)
CONFIG = {"optimizer": {"lr": 0.5}}


def _default_draw(x, draw=random.random):
    return W * x * draw()


def _closure(held, use):
    def f(x):
        return use(held, x)
    return f


def _opened(path):
    def f(x, opener=open):
        with opener(path) as stream:
            return W * x * float(stream.read())
    return f


CASES = {
    "random.random as a default": (lambda path: _default_draw, "'Random.random' at "),
    "an iterator's __next__": (
        lambda path: _closure(iter([0.5, 0.25]).__next__, lambda n, x: W * x * n()),
        "'list_iterator.__next__' at "),
    "a deque's popleft": (
        lambda path: _closure(collections.deque([1.0, 2.0]).popleft, lambda p, x: W * x * p()),
        "'deque.popleft' at "),
    "the Values of a cycle": (
        lambda path: _closure(itertools.cycle([Value(1.0), Value(2.0)]).__next__,
                              lambda p, x: p() * x),
        "'cycle.__next__' at "),
    "a nested dict's get": (
        lambda path: _closure(CONFIG["optimizer"].get, lambda hp, x: W * x * hp("lr")),
        "'dict.get' at "),
    "open as a default": (_opened, "'open' at "),
    "datetime.now in a tuple": (
        lambda path: _closure((datetime.datetime.now,),
                              lambda c, x: W * x * c[0]().microsecond),
        "'datetime.now' at "),
    "a StringIO's write": (
        lambda path: _closure(io.StringIO().write, lambda write, x: (write("1"), W * x)[1]),
        "'StringIO.write' at "),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_stateful_function_held_where_a_capture_cannot_see_it_called_is_refused(case, tmp_path):
    path = tmp_path / "lr.txt"
    path.write_text("0.5", encoding="utf-8")
    make, held = CASES[case]
    with pytest.raises(RuntimeError, match=f"it holds {held}.*, where a capture cannot see it "
                       "called, and what it gives can change at every call, which a program "
                       "cannot follow.*call it by its name inside the function"):
        compile(make(os.fspath(path)))(Value(1.0))


@pytest.mark.parametrize("native", [False, True])
def test_pure_functions_held_so_are_followed(native):
    """``math.exp`` as a default, a text's ``join`` and a float's ``hex`` held bound: no state
    to read or change, so the function is a program and gives the engine's numbers."""
    def f(x, exp=math.exp, joined=", ".join, hexed=(2.5).hex):
        tag = joined([hexed(), "a"])
        return W * x * exp(0.5) * float(len(tag))

    step = compile(f, native=native)
    for number in (1.0, 2.0, -3.0):
        assert step(Value(number)).data == f(Value(number)).data
    assert step.captures == 1


T = type


def _typed_by_another_name(x):
    return W * x * (2.0 if T(x.data) is float else 3.0)


def _typed_by_a_default(x, typ=type):
    return W * x * (2.0 if typ(x.data) is float else 3.0)


@pytest.mark.parametrize("native", [False, True])
def test_type_held_by_another_name_is_the_captures_own(native, tmp_path):
    """``T = type`` in the module, ``type = type`` at a module's top: the capture's ``type``
    there too (the engine's numbers); ``typ=type`` as a default: refused, naming it."""
    step = compile(_typed_by_another_name, native=native)
    assert [step(Value(1.0)).data for _ in range(3)] == [2.0] * 3
    path = tmp_path / "typed_here.py"
    path.write_text("type = type\nfrom tinygrad_edu import Value\nW = Value(1.0)\n"
                    "def g(x):\n    return W * x * (2.0 if type(x.data) is float else 3.0)\n",
                    encoding="utf-8")
    module = types.ModuleType("typed_here")
    module.__file__ = str(path)
    sys.modules["typed_here"] = module
    try:
        exec(compile_source(path), vars(module))
        step = compile(module.g, native=native)
        assert [step(Value(1.0)).data for _ in range(2)] == [2.0, 2.0]
    finally:
        del sys.modules["typed_here"]
    with pytest.raises(RuntimeError, match=r"it holds type at _typed_by_a_default.__defaults__"
                       r"\[0\], where a capture cannot put its own type"):
        compile(_typed_by_a_default, native=native)(Value(1.0))


def compile_source(path):
    import builtins

    return builtins.compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.parametrize("native", [False, True])
def test_numbers_written_into_an_array_held_outside_are_the_engines_at_every_call(native):
    """``OUT[0] = loss.data`` into a NumPy array or an ``array.array`` held outside: written
    at the capture only, so a caller that zeroed the buffer before each call read 0.0 from the
    second call on (an attacker's S10). Now said, and each call is the engine's."""
    import array
    import warnings

    import numpy as np

    out, kept = np.zeros(1), array.array("d", [0.0])

    def evaluate(x):
        loss = (W * x).tanh()
        out[0] = loss.data
        kept[0] = loss.data
        return loss

    step = compile(evaluate, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for number in (1.0, 1.0, 2.0):
            out[:] = 0.0
            kept[0] = 0.0
            expected = math.tanh(W.data * number)
            step(Value(number))
            assert (out[0], kept[0]) == (expected, expected)
    assert any("it changes the numbers of out" in str(w.message) for w in said)


def test_a_warning_issued_again_finds_its_module_past_a_lazy_module(tmp_path):
    """A module in ``sys.modules`` whose ``__getattr__`` raises KeyError for a name it lacks
    (``return _V[name]``), put there before the learner's: a program that issued NumPy's
    warning again looked up the modules' ``__file__`` with getattr, and the call died with
    KeyError: '__file__' where the engine runs (an attacker's L1). It reads each module's
    own dictionary now."""
    import importlib
    import warnings

    lazy = types.ModuleType("lazy_settings_here")
    exec("_V = {'lr': 0.5}\ndef __getattr__(name):\n    return _V[name]\n", vars(lazy))
    sys.modules[lazy.__name__] = lazy
    (tmp_path / "overflowing_here.py").write_text(
        "import numpy as np\nfrom tinygrad_edu import Value\nW = Value(1.0)\n"
        "def f(x):\n    n = np.int64(2) * np.int64(2**62)  # (NumPy: a RuntimeWarning)\n"
        "    return W * x * float(n)\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        learner = importlib.import_module("overflowing_here")
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            step = compile(learner.f)
            expected = learner.f(Value(1.0)).data
            assert [step(Value(1.0)).data for _ in range(3)] == [expected] * 3
    finally:
        sys.path.remove(str(tmp_path))
        del sys.modules[lazy.__name__]
        sys.modules.pop("overflowing_here", None)
