"""right.py whose reflected sum crashes the interpreter, as a C extension may on 2.0 + v."""

import ctypes

from tests.conform.engines.right import Value as Right


class Value(Right):
    def __radd__(self, other):
        ctypes.string_at(0)  # reads address 0: a segmentation fault
        return self + other
