"""right.py with a topological sort that keeps no set of visited nodes."""

from tests.conform.engines.right import Value as Right


class Value(Right):
    def backward(self):
        order = []

        def visit(node):
            for child in node._prev:
                visit(child)
            order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
