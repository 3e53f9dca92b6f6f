"""The warning that a number read from outside changed names the line that used that
number (``args.wd * W``), not the line that first read the object holding it
(``args.noise``). Before (a64f's L3), it named the holder's first line."""

import argparse
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W, B = Value(0.5), Value(0.1)
ARGS = argparse.Namespace(noise=0.0, wd=0.01)


def loss():
    x = W * (1.0 + ARGS.noise)
    error = (x + B - 1.0) ** 2
    return error + ARGS.wd * W * W  # (the line the warning names)


@pytest.mark.parametrize("native", [True, False])
def test_the_warning_names_the_line_that_used_the_number_changed(native):
    step = compile(loss, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            for wd in (0.01, 0.02):
                ARGS.wd = wd
                assert step().data == loss().data
        finally:
            ARGS.wd = 0.01
    said = [str(w.message) for w in said if w.category is ProgramWarning]
    assert len(said) == 1, said
    assert "because ARGS.wd is not what it was, read at " in said[0], said
    assert "return error + ARGS.wd * W * W" in said[0], said
