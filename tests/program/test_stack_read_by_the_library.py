"""The call stack read through the standard library inside a compiled function:
``traceback.extract_stack()``, ``traceback.walk_stack(None)``, ``format_stack()``, and a
traceback's frame walked up (``e.__traceback__.tb_frame.f_back``). Above the compiled
function are the capture's frames at the capture, and its caller's names change between
calls: before, a loss that looked at who called it, or how deep, kept the capture's answer
at every call, silently (12.5 where the engine gave 8.5; an attacker's, a64j S1), where
``sys._getframe`` and ``inspect.stack()`` were refused. Now each is refused, naming the line;
a traceback printed (``traceback.format_exc()``) reads no frame above and is no reason."""

import traceback

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(2.0)


def by_extract(x):
    smoothing = 0.0 if traceback.extract_stack()[-2].name == "evaluate" else 0.1
    return W * (x * (1.0 - smoothing))


def by_walk(x):
    depth = sum(1 for _ in traceback.walk_stack(None))
    return W * (x + depth)


def by_format(x):
    return W * (x + len(traceback.format_stack()))


def by_traceback_frame(x):
    try:
        raise ValueError
    except ValueError as err:
        frame = err.__traceback__.tb_frame.f_back
    return W * (x + len(frame.f_locals))


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("f, said", [
    (by_extract, "it reads the call stack"), (by_walk, "it reads the call stack"),
    (by_format, "it reads the call stack"),
    (by_traceback_frame, r"it reads a traceback's frame \(e.__traceback__.tb_frame\)")],
    ids=["extract_stack", "walk_stack", "format_stack", "tb_frame"])
def test_the_stack_read_through_the_library_is_refused_at_its_line(f, said, native):
    with pytest.raises(RuntimeError, match=rf"cannot be captured as a program: {said}.* at "
                       r"test_stack_read_by_the_library\.py:\d+: "):
        compile(f, native=native)(3.0)


def test_a_traceback_printed_inside_is_no_reason():
    """``traceback.format_exc()`` of an error caught inside reads the frames below, not above:
    the program runs, with the engine's numbers."""
    def step(x):
        try:
            (x - x).log()
        except ValueError:
            said = traceback.format_exc()
        return W * x + len(said) * 0.0

    compiled = compile(step, native=False)
    assert compiled(Value(3.0)).data == step(Value(3.0)).data == 6.0
    assert compiled(Value(4.0)).data == 8.0 and compiled.captures == 1
