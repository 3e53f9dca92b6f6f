"""right.py with tanh's derivative taken from its input: 1 - x**2 instead of 1 - tanh(x)**2."""

import math

from tests.conform.engines.right import Value as Right


class Value(Right):
    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,))

        def _backward():
            self.grad += (1 - self.data ** 2) * out.grad
        out._backward = _backward
        return out
