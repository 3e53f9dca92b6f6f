"""Value's own parts, as a compiled function meets them: a method that gives, compares or
formats its number replaced on the class (before the capture or after it), a Value's number
read or set through its slot's descriptor by a made name, a Value reached through a weak
reference or held where no walk leads and its fields set inside. Each gave a program other
numbers than the engine's, silently (an attacker's, a64o S3, S4, S7, S8, S9, L1, L2): now the
engine's numbers, or refused naming what."""

import inspect
import logging
import sys
import types
import warnings
import weakref

import pytest

from tests.program.against_engine import bits, same
from tinygrad_edu import Value, graph
from tinygrad_edu.program import compile

W = Value(1.5)
KEY = "_data"  # (a name the function's code does not spell)


def _calls(step, f, before=lambda k: None, n=3):
    """Each call's value and gradient, the compiled function's against the engine's, from
    the same start; W moved outside between calls (an optimizer's step)."""
    found = []
    for g in (f, step):
        W.data, got = 1.5, []
        for k in range(n):
            before(k)
            if k:
                W.data += 1.0
            W.grad = 0.0
            loss = g(2.0)
            loss.backward()
            got.append((bits(loss.data), bits(W.grad)))
        found.append(got)
    W.data = 1.5
    return found


PARTS = {  # (the method replaced, what it becomes, a function that meets it)
    "__gt__": (lambda self, o: self.data > (o + 1.0 if isinstance(o, float) else o),
               lambda x: W * x * 2.0 if W > 1.0 else W * x),
    "__bool__": (lambda self: self.data > 2.0, lambda x: W * x * 2.0 if W else W * x),
    "__int__": (lambda self: 7, lambda x: W * x * int(W)),
    "__format__": (lambda self, spec: "X", lambda x: W * x * float(len(f"{W:.3f}"))),
    "__eq__": (lambda self, o: True, lambda x: W * x * (2.0 if W == 99.0 else 1.0)),
}


@pytest.mark.parametrize("name", list(PARTS))
@pytest.mark.parametrize("native", [True, False])
def test_a_part_of_value_replaced_on_the_class_is_refused(name, native, monkeypatch):
    """(Before: the program, and the capture's own answer, followed the engine's method.)"""
    replacement, f = PARTS[name]
    monkeypatch.setattr(Value, name, replacement, raising=False)
    with pytest.raises(RuntimeError, match=rf"the engine is not its own \(Value\.{name} "):
        compile(f, native=native)(2.0)


@pytest.mark.parametrize("name", ["item", "__float__", "before_a_pass"])
@pytest.mark.parametrize("native", [True, False])
def test_a_part_of_the_engine_replaced_after_the_capture_captures_again(name, native,
                                                                         monkeypatch):
    """Quantisation switched on after a warm-up call: the next call captures again and is
    refused, saying what (before: the first program ran on, the engine's own numbers)."""
    f = {"item": lambda x: W * x + W.item(), "__float__": lambda x: W * x + float(W),
         "before_a_pass": lambda x: (W * x).tanh() * 3.0}[name]
    step = compile(f, native=native)
    step(2.0).backward()
    if name == "before_a_pass":
        monkeypatch.setattr(graph, "before_a_pass", [lambda order: None])
    else:
        monkeypatch.setattr(Value, name, lambda self: round(self.data, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"the engine is not its own"):
            step(2.0)


def _slot_read(v):
    return type(v).__dict__[KEY].__get__(v)


READS = {
    "type(w).__dict__[KEY].__get__": _slot_read,
    "inspect.getattr_static": lambda v: inspect.getattr_static(v, KEY).__get__(v),
    "builtins.__dict__['getattr']": lambda v: sys.modules["builtins"].__dict__["getattr"](
        v, KEY),
}


@pytest.mark.parametrize("how", list(READS))
@pytest.mark.parametrize("native", [True, False])
def test_data_read_through_its_slot_by_a_made_name_is_followed(how, native):
    """(Before: the capture's number at every call where the engine's moved.)"""
    read = READS[how]

    def f(x):
        return W * x + read(W)

    step = compile(f, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine, program = _calls(step, f)
    assert program == engine


@pytest.mark.parametrize("what", ["a parameter", "an inner node"])
def test_data_set_through_its_slot_and_put_back_is_refused(what):
    """A SAM-like perturbation through the slot's own setter, undone before the call ends
    (before: the program computed from the number as it was, silently)."""
    def f(x):
        v = W if what == "a parameter" else W * x
        slot = type(v).__dict__[KEY]
        was = slot.__get__(v)
        slot.__set__(v, was + 0.5)
        out = v * x
        slot.__set__(v, was)
        return out

    with pytest.raises(RuntimeError, match=r"changes a Value's \.data"):
        compile(f, native=False)(2.0)


class Layer:
    pass


def test_a_value_behind_a_weak_reference_whose_fields_are_set_inside_is_refused():
    """``BREF().p`` and a ``WeakValueDictionary`` registry: the walk goes past the weak
    reference, the Value is found before the write (before: found at build, after it, and
    the program kept the capture's local derivative, silently)."""
    u = Value(3.0)
    layer = Layer()
    layer.p = W * u
    ref, registry = weakref.ref(layer), weakref.WeakValueDictionary({"p": layer})
    for reach in (lambda: ref().p, lambda: registry["p"].p):
        def f(x, reach=reach):
            n = reach()
            n._da = 0.5 * x
            return n * 1.0

        with pytest.raises(RuntimeError, match=r"sets _da of .*a Value made outside it"):
            compile(f, native=False)(2.0)


class Holder:
    def method(self):
        return self


SETTER = setattr


@pytest.mark.parametrize("how", ["proxy", "WeakMethod", "a subclass of ref", "WeakSet",
                                 "setattr named otherwise"])
def test_a_value_reached_past_the_walk_whose_fields_are_set_is_refused(how):
    """A weak proxy, a ``WeakMethod``, a subclass of ``ref``, a ``WeakSet`` member; a setter
    held under another name (a64p S7, L3: before, the function's write lost, silently)."""
    class Ref(weakref.ref):
        pass

    holder = Holder()
    holder.p = W * Value(3.0)
    keep = weakref.WeakSet([holder])
    reach = {"proxy": lambda: weakref.proxy(holder).p,
             "WeakMethod": lambda: weakref.WeakMethod(holder.method)()().p,
             "a subclass of ref": lambda: Ref(holder)().p,
             "WeakSet": lambda: next(iter(keep)).p,
             "setattr named otherwise": lambda: weakref.proxy(holder).p}[how]

    def f(x):
        n = reach()
        if how == "setattr named otherwise":
            SETTER(n, "_da", 0.5 * x)
        else:
            n._da = 0.5 * x
        return n * 1.0

    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: it (sets _da|"
                                           r"reads \d+ Value\(s\) a capture found only)"):
        compile(f, native=False)(2.0)


class Param(Value):
    pass


@pytest.mark.parametrize("name", ["item", "__float__", "__gt__"])
def test_a_part_added_to_a_subclass_after_the_capture_captures_again(name, monkeypatch):
    """(a64p S10: before, the program kept the engine's way, silently.)"""
    p = Param(1.5)
    f = {"item": lambda x: p * x + p.item(), "__float__": lambda x: p * x + float(p),
         "__gt__": lambda x: p * x * (2.0 if p > 1.0 else 1.0)}[name]
    step = compile(f, native=False)
    step(2.0)
    monkeypatch.setattr(Param, name, {"item": lambda self: 7.0, "__float__": lambda self: 7.0,
                                      "__gt__": lambda self, o: False}[name], raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            got = step(2.0).data
        except RuntimeError as refused:
            assert f"Param.{name}" in str(refused)
        else:
            assert got == f(2.0).data


def test_a_module_put_under_the_made_name_between_calls_captures_again(monkeypatch):
    """(a64p S9: before, the program read the module found at the capture.)"""
    def module(lr):
        made = types.ModuleType("tg_edu_swapped")
        made.lr = lr
        return made

    run = {"name": "tg_edu_swapped"}
    monkeypatch.setitem(sys.modules, "tg_edu_swapped", module(0.5))

    def f(x):
        return W * x * sys.modules[run["name"]].lr

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lr in ("0.5", "3.0", "5.0"):
            sys.modules["tg_edu_swapped"] = module(float(lr))
            same(step, f, [W], 1.5)


def test_a_value_found_nowhere_with_code_that_sets_fields_is_refused():
    """A node held by a logger (no walk leads there), its ``_da`` set inside: refused, with
    what the code sets (before: said as read at every call, then silently the capture's)."""
    logging.getLogger("tg_edu_test").P = W * Value(3.0)

    def f(x):
        p = logging.getLogger("tg_edu_test").P
        p._da = 0.5 * x
        return p * 1.0

    with pytest.raises(RuntimeError, match=r"found only after the call .* \(f sets \._da\)"):
        compile(f, native=False)(2.0)


def test_sys_modules_read_by_a_name_made_as_the_code_runs_is_followed(monkeypatch):
    """``sys.modules[RUN["name"]].lr``: one module, by a name (before: refused as a read of
    sys.modules whole, in words that told the learner to write what they wrote)."""
    for name, lr in (("tg_edu_cfg_a", 0.5), ("tg_edu_cfg_b", 2.0)):
        module = types.ModuleType(name)
        module.lr = lr
        monkeypatch.setitem(sys.modules, name, module)
    run = {"name": "tg_edu_cfg_a"}

    def f(x):
        return W * x * sys.modules[run["name"]].lr

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("tg_edu_cfg_a", "tg_edu_cfg_b", "tg_edu_cfg_a"):
            run["name"] = name
            same(step, f, [W], 1.5)


def test_a_values_number_set_from_itself_is_refused_in_words():
    """``W.__init__(W.data * 2)`` in the function: the program would read the number before
    it is made; refused, saying so (an attacker's, a64r L1: before, a bare KeyError)."""
    w = Value(0.8)

    def f(x):
        w.__init__(w.data * 2)
        return w * x

    with pytest.raises(RuntimeError, match="to one computed from that Value's own number"):
        compile(f)(1.0)
