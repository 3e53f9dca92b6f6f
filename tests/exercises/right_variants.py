"""Right answers written otherwise: for every exercise and every stage of the track, forms a
learner may honestly write besides the model answer (another formula of the same rule,
another algorithm, another way to loop). Each must pass at every grading, whatever the seed
the inputs and the exact points are drawn from (``test_drawn_afresh.py``): where
two forms of a rule differ by the rounding of the inputs they read (``1 - tanh²`` and
``1/cosh²`` at x = 10, 1e-8 apart), the grader's tolerance follows the rule's conditioning.

``VARIANTS[name]`` is a list of (what, source): the source defines the exercise's function
(or class) under its name, with ``math`` and ``numpy as np`` imported.
"""

import inspect

from tinygrad_edu.exercises import lecture

HEAD = "import math\n\nimport numpy as np\n\n"


OWN_OPS = '''class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._prev = _children
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        def _b():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _b
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        def _b():
            self.grad += (other * out.grad).data
            other.grad += (self * out.grad).data
        out._backward = _b
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,))
        def _b():
            self.grad += (k * self ** (k - 1) * out.grad).data
        out._backward = _b
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))
        def _b():
            self.grad += ((1 - out ** 2) * out.grad).data
        out._backward = _b
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,))
        def _b():
            self.grad += (out * out.grad).data
        out._backward = _b
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,))
        def _b():
            self.grad += (self.data > 0) * out.grad
        out._backward = _b
        return out

    def __neg__(self): return self * -1
    def __radd__(self, o): return self + o
    def __sub__(self, o): return self + (-o)
    def __rsub__(self, o): return (-self) + o
    def __rmul__(self, o): return self * o
    def __truediv__(self, o): return self * o ** -1
    def __rtruediv__(self, o): return Value(o) * self ** -1

    def backward(self):
        topo, visited = [], set()
        stack = [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                for c in v._prev:
                    stack.append((c, False))
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
'''
"""A micrograd Value whose local derivatives are written with its own ops, the style second
derivatives need (``self.grad += (other * out.grad).data``), in every rule but + and relu
(an attacker's honest file, issue 65: failed as "runs the forward pass again (__init__ ...)"
on every route, its gradients right to the last digit)."""


def _changed(source, *changes):
    for old, new in changes:
        assert old in source, old
        source = source.replace(old, new)
    return source


_TIMES_PLAIN = ("self.grad += (other * out.grad).data\n"
                "            other.grad += (self * out.grad).data",
                "self.grad += other.data * out.grad\n"
                "            other.grad += self.data * out.grad")
_POW_PLAIN = ("self.grad += (k * self ** (k - 1) * out.grad).data",
              "self.grad += k * self.data ** (k - 1) * out.grad")
_TANH_PLAIN = ("self.grad += ((1 - out ** 2) * out.grad).data",
               "self.grad += (1 - t * t) * out.grad")
_EXP_PLAIN = ("self.grad += (out * out.grad).data", "self.grad += e * out.grad")
_LECTURE = inspect.getsource(lecture.Value)

VARIANTS = {
    "d_mul": [("named", "def d_mul(a, b, y):\n    da, db = b, a\n    return da, db\n"),
              ("times one", "def d_mul(a, b, y):\n    return 1.0 * b, 1.0 * a\n")],
    "chain_rule": [
        ("expanded", "def chain_rule(x, y):\n    return 2 * x, -2 * y\n"),
        ("product rule", "def chain_rule(x, y):\n    a, b = x + y, x - y\n"
                         "    return b + a, b - a\n")],
    "d_exp": [("exp of x", "def d_exp(x, y):\n    return math.exp(x)\n"),
              ("y", "def d_exp(x, y):\n    return y * 1.0\n")],
    "d_log": [("power", "def d_log(x, y):\n    return x ** -1\n"),
              ("exp of -y", "def d_log(x, y):\n    return math.exp(-y)\n")],
    "d_tanh": [("squared", "def d_tanh(x, y):\n    return 1 - y ** 2\n"),
               ("factored", "def d_tanh(x, y):\n    return (1 - y) * (1 + y)\n"),
               ("sech", "def d_tanh(x, y):\n    return 1 / math.cosh(x) ** 2\n"),
               ("tanh again", "def d_tanh(x, y):\n    return 1 - math.tanh(x) ** 2\n")],
    "d_sigmoid": [("expanded", "def d_sigmoid(x, y):\n    return y - y * y\n"),
                  ("from x", "def d_sigmoid(x, y):\n    s = 1 / (1 + math.exp(-x))\n"
                             "    return s * (1 - s)\n")],
    "d_relu": [("bool", "def d_relu(x, y):\n    return float(x > 0)\n"),
               ("from y", "def d_relu(x, y):\n    return 1.0 if y > 0 else 0.0\n")],
    "d_div": [("from y", "def d_div(a, b, y):\n    return 1 / b, -y / b\n"),
              ("product", "def d_div(a, b, y):\n    return 1 / b, -a / (b * b)\n")],
    "d_pow": [("from y", "def d_pow(a, b, y):\n    return b * y / a, y * math.log(a)\n"),
              ("exp", "def d_pow(a, b, y):\n    return b * a ** (b - 1), math.log(a) * "
                      "math.exp(b * math.log(a))\n")],
    "central_difference": [
        ("halved", "def central_difference(f, x, h):\n    return (f(x + h) - f(x - h)) / h / 2\n"),
        ("named", "def central_difference(f, x, h):\n    up, down = f(x + h), f(x - h)\n"
                  "    return (up - down) / (2 * h)\n")],
    "relative_error": [
        ("hypot", "def relative_error(analytic, numeric):\n"
                  "    d = math.sqrt(sum((a - n) ** 2 for a, n in zip(analytic, numeric)))\n"
                  "    return d / (math.sqrt(sum(a ** 2 for a in analytic))"
                  " + math.sqrt(sum(n ** 2 for n in numeric)))\n"),
        ("numpy", "def relative_error(analytic, numeric):\n"
                  "    a, n = np.array(analytic, float), np.array(numeric, float)\n"
                  "    return float(np.linalg.norm(a - n) / (np.linalg.norm(a)"
                  " + np.linalg.norm(n)))\n")],
    "sgd_step": [("assigned", "def sgd_step(params, lr):\n    for p in params:\n"
                              "        p.data = p.data - lr * p.grad\n")],
    "backward_step": [
        ("assigned", "def backward_step(node):\n"
                     "    for parent, local in zip(node.parents, node.local_grads):\n"
                     "        parent.grad = parent.grad + node.grad * local\n"),
        ("indexed", "def backward_step(node):\n    for i in range(len(node.parents)):\n"
                    "        node.parents[i].grad += node.local_grads[i] * node.grad\n")],
    "topological_sort": [
        ("iterative", "def topological_sort(root):\n"
                      "    order, seen, stack = [], set(), [(root, False)]\n"
                      "    while stack:\n        node, done = stack.pop()\n"
                      "        if done:\n            order.append(node)\n"
                      "        elif node not in seen:\n            seen.add(node)\n"
                      "            stack.append((node, True))\n"
                      "            stack.extend((p, False) for p in node.parents)\n"
                      "    return order\n"),
        ("Kahn", "def topological_sort(root):\n    nodes, todo = [], [root]\n    seen = {root}\n"
                 "    while todo:\n        node = todo.pop()\n        nodes.append(node)\n"
                 "        for p in node.parents:\n            if p not in seen:\n"
                 "                seen.add(p)\n                todo.append(p)\n"
                 "    users = {n: 0 for n in nodes}\n    for n in nodes:\n"
                 "        for p in n.parents:\n            users[p] += 1\n"
                 "    ready, order = [root], []\n    while ready:\n"
                 "        node = ready.pop()\n        order.append(node)\n"
                 "        for p in node.parents:\n            users[p] -= 1\n"
                 "            if users[p] == 0:\n                ready.append(p)\n"
                 "    return order[::-1]\n")],
    "backward": [
        ("recursive sort", "def backward(root):\n    order, seen = [], set()\n\n"
                           "    def visit(node):\n        if node not in seen:\n"
                           "            seen.add(node)\n            for p in node.parents:\n"
                           "                visit(p)\n            order.append(node)\n\n"
                           "    visit(root)\n    root.grad = 1.0\n"
                           "    for node in reversed(order):\n"
                           "        for p, local in zip(node.parents, node.local_grads):\n"
                           "            p.grad += local * node.grad\n")],
    "d_softmax_cross_entropy": [
        ("in place", "def d_softmax_cross_entropy(Z, Y):\n"
                     "    p = np.exp(Z - np.max(Z, axis=1, keepdims=True))\n"
                     "    p /= np.sum(p, axis=1, keepdims=True)\n    return p - Y\n")],
    "dense_backward": [
        ("dot", "def dense_backward(X, W, b, dZ):\n"
                "    return (np.dot(dZ, W.T), np.dot(X.T, dZ),\n"
                "            np.sum(dZ, axis=0, keepdims=True))\n")],
    "sum_over_paths": [
        ("recursive", "def sum_over_paths(root, x):\n    memo = {}\n\n    def paths(node):\n"
                      "        if node is x:\n            return 1, 1.0\n"
                      "        if node in memo:\n            return memo[node]\n"
                      "        count, total = 0, 0.0\n"
                      "        for p, local in zip(node.parents, node.local_grads):\n"
                      "            c, t = paths(p)\n            count += c\n"
                      "            total += local * t\n"
                      "        memo[node] = count, total\n        return count, total\n\n"
                      "    return paths(root)\n")],
    "Value": [("micrograd's lecture", _LECTURE),
              ("tanh with its own ops", _changed(OWN_OPS, _TIMES_PLAIN, _POW_PLAIN, _EXP_PLAIN))],
}
"""The honest forms of each exercise besides its model answer (which is tried too)."""

LONG_VARIANTS = {
    "Value": [
        ("rules with its own ops", OWN_OPS),
        ("* with its own ops", _changed(OWN_OPS, _POW_PLAIN, _TANH_PLAIN, _EXP_PLAIN)),
        ("the lecture's rules recomputed with its own ops", _changed(
            _LECTURE,
            ("self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
             "self.grad += (other * out.grad).data\n"
             "            other.grad += (self * out.grad).data"),
            ("self.grad += other * (self.data ** (other - 1)) * out.grad",
             "self.grad += (other * self ** (other - 1) * out.grad).data"),
            ("self.grad += (1 - t**2) * out.grad",
             "self.grad += ((1 - self.tanh() ** 2) * out.grad).data"),
            ("self.grad += out.data * out.grad", "self.grad += (self.exp() * out.grad).data")))],
}
"""More honest forms, graded under the long tier's seeds only (a Value whose backward does
its arithmetic with its own ops takes 1 to 2 s a grading)."""

STAGE_VARIANTS = {
    "linear": [("loops", "def linear(x, w):\n    out = []\n    for row in w:\n"
                         "        total = 0\n        for wi, xi in zip(row, x):\n"
                         "            total = total + wi * xi\n        out.append(total)\n"
                         "    return out\n")],
    "softmax": [("divided once", "def softmax(logits):\n"
                                 "    top = max(v.data for v in logits)\n"
                                 "    exps = [(v - top).exp() for v in logits]\n"
                                 "    inverse = sum(exps) ** -1\n"
                                 "    return [e * inverse for e in exps]\n")],
    "rmsnorm": [("mean first", "def rmsnorm(x):\n"
                               "    ms = sum(xi ** 2 for xi in x) / len(x)\n"
                               "    return [xi / (ms + 1e-5) ** 0.5 for xi in x]\n")],
    "nll": [("log of probabilities", "def nll(logits, target):\n"
                                     "    probs = softmax(logits)\n"
                                     "    return -(probs[target].log())\n")],
}
"""The honest forms of some stages of the track besides their references (each stage's
reference is tried, as a learner's file holds it, for every stage)."""
