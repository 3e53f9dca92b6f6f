"""right.py whose sigmoid overwrites the small integer 7 (as a C extension writing past its
buffer can): the interpreter goes on, computing wrong."""

import ctypes

from tests.conform.engines.right import Value as Right


class Value(Right):
    def sigmoid(self):
        ctypes.c_uint32.from_address(id(7) + 24).value = 8  # (CPython's int: the first digit)
        return super().sigmoid()
