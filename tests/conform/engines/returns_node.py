"""right.py with the product's rule computed with the operand, not its data: a gradient that is
a node."""

from tests.conform.engines.right import Value as Right


class Value(Right):
    def __mul__(self, other):
        other = self._node(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward():
            self.grad += other * out.grad
            other.grad += self * out.grad
        out._backward = _backward
        return out
