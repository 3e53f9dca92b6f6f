"""What a compiled function writes outside itself (a step counter, a Value's ``.grad``, a Value
put in a global, a list appended to, a print) and what it says: a capture again said once,
with why and the line; ``verify=`` compares with the engine, names what differs, and puts back
the random streams and what the program writes."""

import random
import types
import warnings

import pytest

from tests.program.parameters import PARAMS, W
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

LR = 0.5
STEP = 0
HISTORY: list = []


def test_a_step_counter_written_inside_is_written_at_every_call():
    global STEP

    class Optimizer:
        t = 0

    opt = Optimizer()

    def make():
        calls = 0

        def f():
            global STEP
            nonlocal calls
            STEP += 1
            calls += 1
            opt.t += 1
            return W * (1.0 / STEP) + W * calls - W * opt.t

        return f

    f = make()
    engine = make()
    step = compile(f)
    for _ in range(6):
        before = (STEP, opt.t)
        ours = step().data
        after = (STEP, opt.t)
        STEP, opt.t = before
        assert ours == engine().data
        assert after == (STEP, opt.t)
    assert step.captures <= 3
    STEP = 0


def test_zeroing_gradients_inside_is_refused_with_the_line():
    def f():
        for p in PARAMS:
            p.grad = 0.0  # (the engine's call zeroes them at every call: a program would not)
        t = PARAMS[0] * 2.0
        t.grad = 0.0  # (a node made inside: nothing outside changes)
        return t * PARAMS[1]

    with pytest.raises(RuntimeError, match=r"sets the \.grad of a Value made outside it.*"
                       r"at test_written_and_said\.py:\d+: p\.grad = 0\.0.*; zero the gradients"):
        compile(f)()


def test_writing_a_value_to_a_global_is_refused_with_the_line():
    def f():
        global LR
        LR = W * 2.0  # (a Value, where a number was)
        return W * 3.0

    with pytest.raises(RuntimeError, match=r"writes Value to LR .*test_written_and_said\.py:\d+"):
        compile(f)()


def test_a_capture_again_is_said_once_with_why_and_the_line():
    global LR
    x = Value(1.0)

    def f():
        if x.data > 0:
            return W * LR
        return W * 2.0

    step = compile(f)
    step()
    with pytest.warns(ProgramWarning, match=r"f: captured again because a guard failed at "
                      r"test_written_and_said\.py:\d+: if x\.data > 0:.*explain\(\)"):
        x.data = -1.0
        step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (said once per function)
        x.data = 1.0
        LR = 3.0
        step()
    LR, x.data = 0.5, 1.0
    assert step.captures == 3 and "2. a guard failed at test_written_and_said.py:" in step.explain()
    other = compile(lambda: W * LR)
    other()
    with pytest.warns(ProgramWarning, match=r"LR is not what it was, read at "
                      r"test_written_and_said\.py:\d+: other = compile\(lambda: W \* LR\)"):
        LR = 2.0
        other()
    LR = 0.5
    holder = types.SimpleNamespace(t=2.0)
    third = compile(lambda: W * holder.t)
    third()
    holder.extra = 1.0
    with pytest.warns(ProgramWarning, match=r"holder \(a closure cell\) was given the "
                      "attribute 'extra'"):
        third()


def test_prints_are_said_once_and_appends_make_it_the_engines(capsys):
    def prints():
        loss = W * 3.0
        print(loss.data, loss)
        return loss

    def appends():
        loss = W * 3.0
        HISTORY.append(loss.data)  # (a program does not append: each call is the engine's)
        return loss

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        step = compile(prints)
        for _ in range(3):
            step()
        other = compile(appends)
        for _ in range(6):
            other()
    assert capsys.readouterr().out.count("6.0") == 2  # (printed once, by the capture)
    assert step.captures == 1 and [type(x) for x in HISTORY] == [float] * 6  # (no leak)
    text = [str(w.message) for w in said if w.category is ProgramWarning]
    assert sum("prints" in t for t in text) == 1
    assert sum("changes HISTORY (a" in t for t in text) == 1  # (the capture again says why)
    assert any("runs as the engine" in t for t in text) and other.engine_calls == 1
    HISTORY.clear()


def _reordering(kind):
    """A function that moves what a list, a dict or an object holds, in place, and a world
    of its own to do it in (the engine's twin: the same function on its own objects)."""
    w = Value(2.0)
    xs = [1.0, 2.0, 3.0]
    ps = [Value(1.0), Value(2.0), Value(3.0)]
    box = types.SimpleNamespace(a=1.0, b=2.0)

    def numbers():  # (read before and after the reverse)
        first = xs[0]
        xs.reverse()
        return w * first + w * xs[0] * 10.0

    def rotated():
        xs.insert(0, xs.pop())
        return w * xs[0]

    def values():
        ps[0], ps[1] = ps[1], ps[0]
        return ps[0] * w

    def attributes():
        box.a, box.b = box.b, box.a
        return w * box.a

    return {"a reverse": numbers, "a rotation": rotated, "Values swapped": values,
            "attributes swapped": attributes}[kind], w


@pytest.mark.parametrize("kind", ["a reverse", "a rotation", "Values swapped",
                                  "attributes swapped"])
def test_what_it_moves_in_place_is_moved_again_or_captured_again(kind):
    """A list reversed or rotated, Values or attributes swapped, inside the function: the
    engine's numbers at every call. Before, the numbers read at every call were moved by the
    capture but not by the program, and Values moved back by a second call matched the
    first program's guards again: from the third call on, the first numbers, silently."""
    f, w = _reordering(kind)
    engine, v = _reordering(kind)
    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for _ in range(6):
            w.grad = v.grad = 0.0
            ours = step()
            ours.backward()
            theirs = engine()
            theirs.backward()
            assert (ours.data, w.grad) == (theirs.data, v.grad)


def test_verify_compares_with_the_engine_and_names_what_differs():
    import hashlib

    from tinygrad_edu.program.capture import ProgramMismatch

    digest = hashlib.sha256(b"seed")  # (a state Python does not show: no guard reads it)

    def f():
        return W * (digest.digest()[0] / 64)

    step = compile(f, verify=1)
    first = step().data
    assert "unknown origin" in step.explain()
    digest.update(b"more")
    engine = f().data
    assert engine != first
    with pytest.raises(ProgramMismatch, match=rf"the loss: the engine's {engine!r}.*unknown "
                       r"origin.*, at test_written_and_said\.py:\d+: return W \* \(digest\.digest"):
        step()
    good = compile(lambda: W * LR, verify=1)
    for _ in range(3):
        good()
    assert good.checked == 2


def test_verify_puts_back_the_streams_and_what_the_program_writes():
    global STEP

    def make():
        def f():
            global STEP
            STEP += 1
            return W * random.gauss(0.0, 1.0) * (1.0 / STEP)

        return f

    checked, engine = compile(make(), verify=1), make()
    for seed in range(5):
        random.seed(seed)
        before = STEP
        ours = checked().data
        after, stream = STEP, random.getstate()
        random.seed(seed)
        STEP = before
        assert ours == engine().data
        assert (after, stream) == (STEP, random.getstate())
    assert checked.checked >= 3
    STEP = 0
