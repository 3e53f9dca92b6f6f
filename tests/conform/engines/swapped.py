"""right.py with the reflected subtraction's operands swapped: 2 - v computes v - 2."""

from tests.conform.engines.right import Value as Right


class Value(Right):
    def __rsub__(self, other):
        return self + (-other)
