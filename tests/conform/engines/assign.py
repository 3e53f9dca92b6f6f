"""right.py with `=` where `+=` is needed in the sum's rule: a node used twice loses a path."""

from tests.conform.engines.right import Value as Right


class Value(Right):
    def __add__(self, other):
        other = self._node(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward():
            self.grad = out.grad
            other.grad = out.grad
        out._backward = _backward
        return out
