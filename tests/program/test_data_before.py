"""A Value's ``_data_before`` (the number it held before its last ``.data =``, kept by the
engine for drawings) read inside a compiled function (an attacker's, a64): the capture's
number was a constant of the program, where the engine's changes at every optimizer step
(0.9456 where the engine gave 0.8977, silently). Refused, naming the line; the engine's own
code (its ``.data =``, a drawing) keeps it as before."""

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.75)


def moved(x):
    step_size = W.data - W._data_before  # (how far did the last update move W?)
    return W * x * (1.0 + step_size)


def moved_by_name(x, name="_data_before"):
    return W * x * getattr(W, name)


@pytest.mark.parametrize("f", [moved, moved_by_name])
@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_data_before_read_inside_is_refused_with_the_line(f, native):
    W.data = 0.8
    with pytest.raises(RuntimeError, match=r"reads a Value's _data_before .* at "
                                           r"test_data_before\.py:\d+: "):
        compile(f, native=native)(1.3)
    assert f(1.3).data == f(1.3).data  # (the engine, outside a capture: as before)
    W.data = 0.7
    assert W._data_before == 0.8
