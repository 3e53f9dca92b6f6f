"""right.py with tanh's backward attached to its operand instead of its output: one op at a
time is right, a node that feeds tanh and another op loses a path."""

import math

from tests.conform.engines.right import Value as Right


class Value(Right):
    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,))

        def _backward():
            self.grad += (1 - out.data ** 2) * out.grad
        self._backward = _backward
        return out
