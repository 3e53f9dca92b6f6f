"""The catalog of wrong answers, written as learners write them. Every one is rejected by the
default check, every time, and already by the examples each exercise always tries. Each
level-2 and level-3 exercise has at least five."""

from tests.exercises.learners import ASSIGN_EVERYWHERE, PRE_ORDER, lecture
from tests.exercises.test_paths import WRONG_PATHS

SGD_LOOP = "def sgd_step(params, lr):\n    for p in params:\n        "

WRONG = {
    "d_div": [
        ("factor a missing", "def d_div(a, b, y): return 1 / b, -1 / b**2"),
        ("b not squared", "def d_div(a, b, y): return 1 / b, -a / b"),
        ("sign of dy/db", "def d_div(a, b, y): return 1 / b, a / b**2"),
        ("swapped", "def d_div(a, b, y): return -a / b**2, 1 / b"),
        ("as for a product", "def d_div(a, b, y): return b, a"),
        ("dy/da = 1", "def d_div(a, b, y): return 1.0, -a / b**2"),
    ],
    "d_pow": [
        ("factor b missing", "def d_pow(a, b, y): return a ** (b - 1), y * math.log(a)"),
        ("power not lowered", "def d_pow(a, b, y): return b * a**b, y * math.log(a)"),
        ("ln a missing", "def d_pow(a, b, y): return b * a ** (b - 1), y"),
        ("y missing", "def d_pow(a, b, y): return b * a ** (b - 1), math.log(a)"),
        ("power rule for the exponent",
         "def d_pow(a, b, y): return b * a ** (b - 1), b * a ** (b - 1)"),
        ("an extra factor b", "def d_pow(a, b, y): return b * a ** (b - 1), b * y * math.log(a)"),
    ],
    "central_difference": [
        ("forward", "def central_difference(f, x, h): return (f(x + h) - f(x)) / h"),
        ("backward", "def central_difference(f, x, h): return (f(x) - f(x - h)) / h"),
        ("not divided", "def central_difference(f, x, h): return f(x + h) - f(x - h)"),
        ("divided by h", "def central_difference(f, x, h): return (f(x + h) - f(x - h)) / h"),
        ("precedence", "def central_difference(f, x, h): return (f(x + h) - f(x - h)) / 2 * h"),
        ("a step of its own", """
            def central_difference(f, x, h):
                eps = 1e-5
                return (f(x + eps) - f(x - eps)) / (2 * eps)
         """),
        ("h = 1e-4", """
            def central_difference(f, x, h):
                h = 1e-4
                return (f(x + h) - f(x - h)) / (2 * h)
         """),
    ],
    "relative_error": [
        ("absolute", """
            def relative_error(analytic, numeric):
                return np.linalg.norm(np.subtract(analytic, numeric))
         """),
        ("over the analytic norm", """
            def relative_error(analytic, numeric):
                a, n = np.array(analytic), np.array(numeric)
                return np.linalg.norm(a - n) / np.linalg.norm(a)
         """),
        ("L1 norms", """
            def relative_error(analytic, numeric):
                a, n = np.array(analytic), np.array(numeric)
                return np.abs(a - n).sum() / (np.abs(a).sum() + np.abs(n).sum())
         """),
        ("the norm of the sum", """
            def relative_error(analytic, numeric):
                a, n = np.array(analytic), np.array(numeric)
                return np.linalg.norm(a - n) / np.linalg.norm(a + n)
         """),
        ("squared norms", """
            def relative_error(analytic, numeric):
                a, n = np.array(analytic), np.array(numeric)
                return ((a - n) ** 2).sum() / ((a ** 2).sum() + (n ** 2).sum())
         """),
        ("largest entries", """
            def relative_error(analytic, numeric):
                a, n = np.array(analytic), np.array(numeric)
                return np.abs(a - n).max() / (np.abs(a).max() + np.abs(n).max())
         """),
    ],
    "sgd_step": [
        ("uphill", SGD_LOOP + "p.data += lr * p.grad"),
        ("no lr", SGD_LOOP + "p.data -= p.grad"),
        ("= for -=", SGD_LOOP + "p.data = -lr * p.grad"),
        ("grad moved", SGD_LOOP + "p.grad -= lr * p.grad"),
        ("doubled lr", """
            def sgd_step(params, lr):
                for p in params:
                    p.data -= 2 * lr * p.grad
         """),
        ("return in the loop", """
            def sgd_step(params, lr):
                for p in params:
                    p.data -= lr * p.grad
                    return
         """),
        ("loop variable rebound", """
            def sgd_step(params, lr):
                for p in params:
                    p = p.data - lr * p.grad
         """),
        ("data for grad", """
            def sgd_step(params, lr):
                for p in params:
                    p.data -= lr * p.data
         """),
    ],
    "backward_step": [
        ("= for +=", """
            def backward_step(node):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad = local * node.grad
         """),
        ("no upstream", """
            def backward_step(node):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local
         """),
        ("data for grad", """
            def backward_step(node):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local * node.data
         """),
        ("first parent only", """
            def backward_step(node):
                node.parents[0].grad += node.local_grads[0] * node.grad
         """),
        ("no local derivative", """
            def backward_step(node):
                for parent in node.parents:
                    parent.grad += node.grad
         """),
        ("the parent's grad upstream", """
            def backward_step(node):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local * parent.grad
         """),
    ],
    "topological_sort": [
        ("no visited set", """
            def topological_sort(root):
                order = []
                def visit(v):
                    for p in v.parents:
                        visit(p)
                    order.append(v)
                visit(root)
                return order
         """),
        ("reversed", "def topological_sort(root):\n    return list(reversed(walk(root)))"),
        ("leaves forgotten", """
            def topological_sort(root):
                return [v for v in walk(root) if v.parents]
         """),
        ("root forgotten", "def topological_sort(root):\n    return walk(root)[:-1]"),
        ("pre-order, reversed", """
            def topological_sort(root):
                order, seen = [], set()
                def visit(v):
                    if v not in seen:
                        seen.add(v)
                        order.append(v)
                        for p in v.parents:
                            visit(p)
                visit(root)
                return order[::-1]
         """),
        ("breadth-first, reversed", """
            from collections import deque

            def topological_sort(root):
                order, seen, queue = [], {root}, deque([root])
                while queue:
                    v = queue.popleft()
                    order.append(v)
                    for p in v.parents:
                        if p not in seen:
                            seen.add(p)
                            queue.append(p)
                return order[::-1]
         """),
    ],
    "backward": [
        ("= for +=", """
            def backward(root):
                root.grad = 1.0
                for node in reversed(walk(root)):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad = local * node.grad
         """),
        ("no upstream", """
            def backward(root):
                root.grad = 1.0
                for node in reversed(walk(root)):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local
         """),
        ("not reversed", """
            def backward(root):
                root.grad = 1.0
                for node in walk(root):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
         """),
        ("root never seeded", """
            def backward(root):
                for node in reversed(walk(root)):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
         """),
        ("pre-order", """
            def backward(root):
                order, seen = [], set()
                def visit(v):
                    if v not in seen:
                        seen.add(v)
                        order.append(v)
                        for p in v.parents:
                            visit(p)
                visit(root)
                root.grad = 1.0
                for node in order:
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
         """),
        ("pre-order, last parent first", """
            def backward(root):
                order, seen = [], set()
                def visit(v):
                    if v not in seen:
                        seen.add(v)
                        order.append(v)
                        for p in reversed(v.parents):
                            visit(p)
                visit(root)
                root.grad = 1.0
                for node in order:
                    node._backward()
         """),
        ("breadth-first", """
            from collections import deque

            def backward(root):
                root.grad = 1.0
                seen, queue = {root}, deque([root])
                while queue:
                    node = queue.popleft()
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
                        if parent not in seen:
                            seen.add(parent)
                            queue.append(parent)
         """),
        ("no topological order", """
            def backward(root):
                root.grad = 1.0
                seen = set()
                def visit(node):
                    seen.add(node)
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
                    for parent in node.parents:
                        if parent not in seen:
                            visit(parent)
                visit(root)
         """),
        ("recursion once per path", """
            def backward(root):
                root.grad = 1.0
                def visit(node):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
                        visit(parent)
                visit(root)
         """),
        ("a sort of its own with no visited set", """
            def backward(root):
                topo = []
                def build_topo(v):
                    for child in v.parents:
                        build_topo(child)
                    topo.append(v)
                build_topo(root)
                root.grad = 1.0
                for node in reversed(topo):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
         """),
        ("a sort with a stack and no visited set", """
            def backward(root):
                topo, stack = [], [(root, False)]
                while stack:
                    v, done = stack.pop()
                    if done:
                        topo.append(v)
                    else:
                        stack.append((v, True))
                        for child in v.parents:
                            stack.append((child, False))
                root.grad = 1.0
                for node in reversed(topo):
                    for parent, local in zip(node.parents, node.local_grads):
                        parent.grad += local * node.grad
         """),
    ],
    "d_softmax_cross_entropy": [
        ("Y not subtracted", """
            def d_softmax_cross_entropy(Z, Y):
                e = np.exp(Z)
                return e / e.sum(axis=1, keepdims=True)
         """),
        ("a mean over the batch", """
            def d_softmax_cross_entropy(Z, Y):
                e = np.exp(Z)
                return (e / e.sum(axis=1, keepdims=True) - Y) / len(Z)
         """),
        ("down the columns", """
            def d_softmax_cross_entropy(Z, Y):
                e = np.exp(Z - Z.max(axis=0))
                return e / e.sum(axis=0) - Y
         """),
        ("the whole batch", """
            def d_softmax_cross_entropy(Z, Y):
                e = np.exp(Z)
                return e / e.sum() - Y
         """),
        ("keepdims forgotten", """
            def d_softmax_cross_entropy(Z, Y):
                return np.exp(Z) / np.sum(np.exp(Z), axis=1) - Y
         """),
        ("sign", """
            def d_softmax_cross_entropy(Z, Y):
                e = np.exp(Z)
                return Y - e / e.sum(axis=1, keepdims=True)
         """),
        ("transposed", """
            def d_softmax_cross_entropy(Z, Y):
                e = np.exp(Z)
                return (e / e.sum(axis=1, keepdims=True) - Y).T
         """),
        ("not normalised", "def d_softmax_cross_entropy(Z, Y):\n    return np.exp(Z) - Y"),
    ],
    "dense_backward": [
        ("batch sum forgotten", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W.T, X.T @ dZ, dZ
         """),
        ("dW transposed", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0, keepdims=True)
         """),
        ("keepdims forgotten", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W.T, X.T @ dZ, np.sum(dZ, axis=0)
         """),
        ("wrong axis", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1, keepdims=True)
         """),
        ("a mean for a sum", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0, keepdims=True)
         """),
        ("dW over the batch size", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W.T, X.T @ dZ / len(X), dZ.sum(axis=0, keepdims=True)
         """),
        ("W not transposed", """
            def dense_backward(X, W, b, dZ):
                return dZ @ W, X.T @ dZ, dZ.sum(axis=0, keepdims=True)
         """),
        ("dX transposed", """
            def dense_backward(X, W, b, dZ):
                return W @ dZ.T, X.T @ dZ, dZ.sum(axis=0, keepdims=True)
         """),
    ],
}

WRONG["Value"] = [
    ("= for += everywhere", lecture(*ASSIGN_EVERYWHERE)),
    ("= for += in + only", lecture(("""            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad""", """            self.grad = 1.0 * out.grad
            other.grad = 1.0 * out.grad"""))),
    # (before, no mistake was named: in x * x, the first write an `=`, the second a `+=`)
    ("= for += in * (self only)", lecture(("            self.grad += other.data * out.grad",
                                           "            self.grad = other.data * out.grad"))),
    ("no __radd__", lecture(("    def __radd__(self, other):  # other + self\n"
                             "        return self + other\n", ""))),
    ("no __rmul__", lecture(("    def __rmul__(self, other):  # other * self\n"
                             "        return self * other\n", ""))),
    ("__rsub__ the wrong way round", lecture(("return other + (-self)", "return self - other"))),
    ("__rtruediv__ the wrong way round", lecture(("return other * self**-1",
                                                  "return self / other"))),
    ("a number not wrapped in +", lecture((
        "        other = other if isinstance(other, Value) else Value(other)\n"
        "        out = Value(self.data + other.data",
        "        out = Value(self.data + other.data"))),
    ("root never seeded", lecture(("        self.grad = 1.0\n        for node",
                                   "        for node"))),
    ("topological order not reversed", lecture(("for node in reversed(topo):",
                                                "for node in topo:"))),
    ("pre-order", lecture(PRE_ORDER)),
    ("no visited set: once per path", lecture(("""            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)""", """            for child in v._prev:
                build_topo(child)
            topo.append(v)"""))),
    ("only the root and the Values it was made from", lecture(("""        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)""", """        topo = [*self._prev, self]"""),
        ("self._prev = set(_children)", "self._prev = tuple(_children)"))),
    ("tanh's slope at the input", lecture(("self.grad += (1 - t**2) * out.grad",
                                           "self.grad += (1 - x**2) * out.grad"))),
    ("exp's slope is x", lecture(("self.grad += out.data * out.grad",
                                  "self.grad += x * out.grad"))),
    ("relu passes every gradient", lecture(("self.grad += (out.data > 0) * out.grad",
                                            "self.grad += out.grad"))),
    ("the power not lowered", lecture(("self.grad += other * (self.data ** (other - 1)) * "
                                       "out.grad", "self.grad += other * self.data ** other * "
                                       "out.grad"))),
    ("* takes its own data", lecture(("self.grad += other.data * out.grad",
                                      "self.grad += self.data * out.grad"))),
    ("grad starts at 1", lecture(("        self.grad = 0.0\n        self._backward",
                                  "        self.grad = 1.0\n        self._backward"))),
]

WRONG["sum_over_paths"] = WRONG_PATHS  # (tests/exercises/test_paths.py)

WRONG_ANSWERS = [(name, label, source) for name, entries in WRONG.items()
                 for label, source in entries]


def wrong(name, label):
    """A wrong answer of the catalog, by its exercise and label: the diagnoses are proven on
    the same sources that the catalog shows are rejected."""
    return dict(WRONG[name])[label]
