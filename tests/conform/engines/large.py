"""right.py with exp's derivative capped "to avoid overflow": right up to x = 50, wrong above."""

import math

from tests.conform.engines.right import Value as Right


class Value(Right):
    def exp(self):
        out = type(self)(math.exp(self.data), (self,))

        def _backward():
            self.grad += math.exp(min(self.data, 50.0)) * out.grad
        out._backward = _backward
        return out
