"""tinygrad_edu.formatting: numbers and shapes as every step, drawing, message and verdict
writes them, each style pinned to the text it gives."""

import numpy as np
import pytest

from tinygrad_edu import Value
from tinygrad_edu.formatting import (
    MAX_SHOWN,
    fmt,
    matrix_rows,
    precise,
    shape_str,
    shape_text,
    short,
    shown,
    summary,
)


@pytest.mark.parametrize(("x", "digits", "text"), [
    (3, 4, "3.0"), (3.0, 4, "3.0"), (-0.123456, 4, "-0.1235"), (1e-10, 4, "1e-10"),
    (123456.0, 4, "1.235e+05"), (float("inf"), 4, "inf"), (float("nan"), 4, "nan"),
    (0.76159416, 5, "0.76159"), (100.0, 2, "1e+02"),
])
def test_short_keeps_a_point_or_an_exponent(x, digits, text):
    assert short(x, digits) == text


def test_fmt_writes_five_digits_a_nodes_data_and_an_array_in_full_or_summarised():
    assert fmt(0.76159416) == "0.76159"
    assert fmt(2) == "2.0"
    assert fmt(Value(0.25)) == "0.25"
    assert fmt(np.array([[1.0, 2.0], [3.0, 4.0]])) == "[1.0 2.0; 3.0 4.0]"
    assert fmt(np.arange(MAX_SHOWN + 1.0)) == "min 0.0 · mean 6.0 · max 12.0"


def test_summary_and_matrix_rows():
    assert summary(np.zeros((0, 3))) == "(empty)"
    assert summary(np.array(2.5)) == "2.5"
    assert summary(np.array([1.0, -2.0, 3.0]), limit=2, digits=3) == \
        "min -2.0 · mean 0.667 · max 3.0"
    assert summary(np.array([1.0, np.nan])) == "[1.0 nan]"
    assert matrix_rows(np.array([1.0, 2.5])) == [["1.0", "2.5"]]
    assert matrix_rows(np.arange(8.0).reshape(2, 2, 2)) == [
        ["0.0", "1.0"], ["2.0", "3.0"], ["4.0", "5.0"], ["6.0", "7.0"]]


def test_precise_is_pythons_repr_unless_long():
    assert precise(1) == "1.0"
    assert precise(0.25) == "0.25"
    assert precise(0.1 + 0.2) == "0.3"  # repr has 19 characters: 10 digits, as %g writes them
    assert precise(1 / 3) == "0.3333333333"
    assert precise(1e300) == "1e+300"


def test_shown_cuts_a_long_repr_and_sizes_a_huge_int():
    assert shown([1, 2]) == "[1, 2]"
    assert shown(2 ** 1000) == "(an int of 1001 bits)"
    assert shown(list(range(100))) == repr(list(range(100)))[:57] + "..."
    assert len(shown("x" * 1000)) == 60


def test_the_two_shape_styles():
    assert [shape_text(s) for s in [(4, 5), (5,), (1, 1), ()]] == ["4×5", "5", "1×1", "scalar"]
    assert [shape_text(s, tuple_below_2d=True) for s in [(4, 5), (5,), ()]] == \
        ["4×5", "(5,)", "()"]
    assert [shape_str(s) for s in [(10, 3), (3,), ()]] == ["(10×3)", "(3)", "()"]
