"""tinygrad_edu.exercises: references pass, correct solutions written differently pass, every
diagnosis is proven by submitting exactly that mistake, wrong answers that match no mistake
are not misnamed, verdicts are deterministic, and the command line never shows a traceback."""

import inspect
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tinygrad_edu import Value, walk
from tinygrad_edu.exercises import (
    EXERCISES,
    ExerciseError,
    check,
    get_exercise,
    load_progress,
    make_op,
    progress_path,
)
from tinygrad_edu.exercises.cli import main as cli

from .test_exercise_paths import WRONG_PATHS


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every test keeps its progress in a temporary file, never in the real home."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(path))
    return path


# ----------------------------------------------------------------------------- the catalog


def test_at_least_twelve_exercises_from_easy_to_hard():
    exercises = list(EXERCISES.values())
    assert len(exercises) >= 12
    assert [ex.number for ex in exercises] == list(range(1, len(exercises) + 1))
    assert [ex.level for ex in exercises] == sorted(ex.level for ex in exercises)
    names = set(EXERCISES)
    for needed in ("d_mul", "d_div", "d_pow", "d_exp", "d_log", "d_tanh", "d_sigmoid", "d_relu",
                   "d_softmax_cross_entropy", "dense_backward", "topological_sort", "sgd_step",
                   "central_difference"):
        assert needed in names


@pytest.mark.parametrize("name", list(EXERCISES))
def test_statement_and_starter(name):
    ex = EXERCISES[name]
    assert len(ex.statement.split()) > 30
    namespace = {}
    exec(ex.starter, namespace)  # the starter compiles and defines the function asked for
    stub = namespace[name]
    with pytest.raises(NotImplementedError):
        stub(*range(len(ex.params.split(","))))
    shown = ex.describe()
    assert ex.definition.removesuffix(" ...") in shown
    # the answer is not shown with the exercise: no line of the reference's code is in it
    code = [line.strip() for line in inspect.getsource(ex.reference).splitlines()[1:]]
    assert [line for line in code if line and line[0] not in "#\"" and line in shown] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_reference_passes(name):
    verdict = EXERCISES[name].check(EXERCISES[name].reference)
    assert verdict.passed, str(verdict)
    assert verdict.examples >= 50
    assert str(verdict).startswith(f"✓ {name} passed")


# ----------------------------------------------------------------------------- correct answers


def _topo_recursive(root):  # micrograd's way: a different order from walk's
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for p in reversed(v.parents):
                visit(p)
            order.append(v)

    visit(root)
    return order


def _topo_kahn(root):
    nodes = walk(root)
    waiting = {v: len(set(v.parents)) for v in nodes}
    children = {v: [] for v in nodes}
    for v in nodes:
        for p in set(v.parents):
            children[p].append(v)
    ready = [v for v in nodes if waiting[v] == 0]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for c in children[v]:
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    return order


def _backward_own(root):
    root.grad = 1
    for node in reversed(_topo_recursive(root)):
        for i in range(len(node.parents)):
            node.parents[i].grad = node.parents[i].grad + node.local_grads[i] * node.grad


def _step_indexed(node):
    for i, parent in enumerate(node.parents):
        parent.grad += node.grad * node.local_grads[i]


def _sgd_rebinding(params, lr):
    for p in params:
        p.data = p.data - lr * p.grad


def _relative_pure(analytic, numeric):
    top = math.sqrt(sum((a - n) ** 2 for a, n in zip(analytic, numeric)))
    return top / (math.sqrt(sum(a * a for a in analytic)) + math.sqrt(sum(n * n for n in numeric)))


def _softmax_naive(Z, Y):
    e = np.exp(Z)
    return e / e.sum(axis=-1, keepdims=True) - Y


def _dense_numpy(X, W, b, dZ):
    return np.dot(dZ, W.T), np.dot(X.T, dZ), np.ones((1, len(X))) @ dZ


def _dense_loops(X, W, b, dZ):
    dX, dW, db = np.zeros_like(X), np.zeros_like(W), np.zeros_like(b)
    for i in range(X.shape[0]):
        for j in range(W.shape[1]):
            db[0, j] += dZ[i, j]
            for k in range(W.shape[0]):
                dW[k, j] += X[i, k] * dZ[i, j]
                dX[i, k] += W[k, j] * dZ[i, j]
    return dX, dW, db


def _topo_iterative(root):  # a post-order search with a stack of (node, parents done)
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents)
    return order


def _backward_kahn(root):
    root.grad = 1.0
    for node in reversed(_topo_kahn(root)):
        node._backward()


def _backward_iterative(root):
    root.grad = 1.0
    for node in reversed(_topo_iterative(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad


def _backward_sum_over_paths(root):
    """Right, if slow: every path from the root adds the product of its local derivatives."""
    def visit(node, g):
        node.grad += g
        for parent, local in zip(node.parents, node.local_grads):
            visit(parent, g * local)

    visit(root, 1.0)


def _softmax_shifted(Z, Y):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - Y


def _softmax_log_sum_exp(Z, Y):
    m = Z.max(axis=1, keepdims=True)
    log_sum = m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return np.exp(Z - log_sum) - Y


def _dense_einsum(X, W, b, dZ):
    return (np.einsum("bo,io->bi", dZ, W), np.einsum("bi,bo->io", X, dZ),
            np.einsum("bo->o", dZ)[None, :])


def _sgd_indexed(params, lr):
    for i in range(len(params)):
        params[i].data = params[i].data - lr * params[i].grad


CORRECT = [
    ("d_mul", lambda a, b, y: [b * 1.0, a + 0.0]),
    ("chain_rule", lambda x, y: (2 * x, -2 * y)),
    ("d_exp", lambda x, y: math.exp(x)),
    ("d_log", lambda x, y: x**-1),
    ("d_tanh", lambda x, y: 1 - math.tanh(x) ** 2),
    ("d_tanh", lambda x, y: 1 / math.cosh(x) ** 2),
    ("d_sigmoid", lambda x, y: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ("d_relu", lambda x, y: x > 0),
    ("d_relu", lambda x, y: 1 if y > 0 else 0),
    ("d_div", lambda a, b, y: (1 / b, -y / b)),
    ("d_pow", lambda a, b, y: (b * y / a, math.log(a) * a**b)),
    ("central_difference", lambda f, x, h: (f(x + h) - f(x - h)) / h / 2),
    ("relative_error", _relative_pure),
    ("sgd_step", _sgd_rebinding),
    ("backward_step", _step_indexed),
    ("topological_sort", _topo_recursive),
    ("topological_sort", _topo_kahn),
    ("backward", _backward_own),
    ("topological_sort", _topo_iterative),
    ("backward", _backward_kahn),
    ("backward", _backward_iterative),
    ("backward", _backward_sum_over_paths),
    ("sgd_step", _sgd_indexed),
    ("relative_error", lambda a, n: math.dist(a, n) / (math.hypot(*a) + math.hypot(*n))),
    ("d_softmax_cross_entropy", _softmax_naive),
    ("d_softmax_cross_entropy", _softmax_shifted),
    ("d_softmax_cross_entropy", _softmax_log_sum_exp),
    ("dense_backward", _dense_numpy),
    ("dense_backward", _dense_loops),
    ("dense_backward", _dense_einsum),
]


@pytest.mark.parametrize("name, solution", CORRECT,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CORRECT)])
def test_a_correct_solution_written_differently_passes(name, solution):
    verdict = check(name, solution)
    assert verdict.passed, str(verdict)


# ----------------------------------------------------------------------------- wrong answers
# The catalog of wrong answers, written as learners write them. Every one is rejected by the
# default check, every time, and already by the examples each exercise always tries. Each
# level-2 and level-3 exercise has at least five.

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
        ("visited list", """
            def topological_sort(root):
                order, visited = [], []
                def build(v):
                    if v not in visited:
                        visited.append(v)
                        for p in v.parents:
                            build(p)
                        order.append(v)
                build(root)
                return order
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
        ("visited list", """
            def backward(root):
                order, visited = [], []
                def build(v):
                    if v not in visited:
                        visited.append(v)
                        for p in v.parents:
                            build(p)
                        order.append(v)
                build(root)
                root.grad = 1.0
                for node in reversed(order):
                    node._backward()
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
# ----------------------------------------------------------------------------- your own Value
# micrograd's lecture Value (with tanh, exp, relu and the reverse forms), as a learner types
# it; the right answers and the wrong ones below are this class with one change each.

LECTURE_VALUE = """
import math


class Value:
    def __init__(self, data, _children=(), _op='', label=''):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')
        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**other, (self,), f'**{other}')
        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1

    def __neg__(self):  # -self
        return self * -1

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __radd__(self, other):  # other + self
        return self + other

    def tanh(self):
        x = self.data
        t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)
        out = Value(t, (self, ), 'tanh')
        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        x = self.data
        out = Value(math.exp(x), (self, ), 'exp')
        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')
        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
"""


def lecture(*changes):
    """The lecture's Value with each (old, new) change made (each old must be in it)."""
    source = LECTURE_VALUE
    for old, new in changes:
        assert old in source, old
        source = source.replace(old, new)
    return source


ITERATIVE_SORT = ("""        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)""", """        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            v, children_done = stack.pop()
            if children_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)""")
DIRECT_SUB_DIV = ("""    def __truediv__(self, other):  # self / other
        return self * other**-1
""", """    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), '/')
        def _backward():
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out
"""), ("""    def __sub__(self, other):  # self - other
        return self + (-other)
""", """    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), '-')
        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out
""")
ASSIGN_EVERYWHERE = [("self.grad +=", "self.grad ="), ("other.grad +=", "other.grad =")]
PRE_ORDER = ("""                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)""", """                visited.add(v)
                topo.append(v)
                for child in v._prev:
                    build_topo(child)""")

CORRECT_VALUES = {
    "the lecture's (a recursive sort)": lecture(),
    "an iterative sort": lecture(ITERATIVE_SORT),
    "- and / as ops of their own, _prev a tuple": lecture(
        ITERATIVE_SORT, *DIRECT_SUB_DIV, ("self._prev = set(_children)",
                                          "self._prev = tuple(_children)")),
    "relu with max, tanh with math.tanh": lecture(
        ("out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')",
         "out = Value(max(0.0, self.data), (self,), 'ReLU')"),
        ("t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)", "t = math.tanh(x)")),
}

WRONG["Value"] = [
    ("= for += everywhere", lecture(*ASSIGN_EVERYWHERE)),
    ("= for += in + only", lecture(("""            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad""", """            self.grad = 1.0 * out.grad
            other.grad = 1.0 * out.grad"""))),
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

WRONG["sum_over_paths"] = WRONG_PATHS  # (tests/test_exercise_paths.py)

WRONG_ANSWERS = [(name, label, source) for name, entries in WRONG.items()
                 for label, source in entries]


def test_the_catalog_of_wrong_answers_has_at_least_five_for_every_harder_exercise():
    counts = {name: len(entries) for name, entries in WRONG.items()}
    assert counts == {
        "d_div": 6, "d_pow": 6, "central_difference": 7, "relative_error": 6, "sgd_step": 8,
        "backward_step": 6, "topological_sort": 7, "backward": 10,
        "d_softmax_cross_entropy": 8, "dense_backward": 8, "Value": 18, "sum_over_paths": 6,
    }
    harder = {name for name, ex in EXERCISES.items() if ex.level >= 2}
    assert harder == set(counts) and min(counts.values()) >= 5
    with open(os.path.join(os.path.dirname(__file__), os.pardir, "docs", "guides",
                           "exercises.md"), encoding="utf-8") as file:
        guide = file.read()
    assert f"of {sum(counts.values())} wrong answers" in " ".join(guide.split())


@pytest.mark.parametrize("name, label, source", WRONG_ANSWERS,
                         ids=[f"{n}-{label}" for n, label, _ in WRONG_ANSWERS])
@pytest.mark.slow
def test_every_wrong_answer_is_rejected_and_by_the_examples_alone(name, label, source):
    """Rejected by the default check; and by the inputs always tried, so that no draw of
    random inputs is needed to reject it."""
    from tinygrad_edu.exercises.core import attempt

    learner = solution(source, name)
    assert not check(name, learner).passed
    ex = EXERCISES[name]
    assert not all(attempt(ex, learner, case).ok for case in ex.examples), label



def drawn(strategy, n=200):
    """n inputs drawn from an exercise's strategy, the same every run."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    cases = []

    @seed(0)
    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(case):
        cases.append(case)

    collect()
    return cases


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRONG))
def test_every_wrong_answer_fails_on_many_of_the_random_inputs(name):
    """The power of the random inputs, measured: each wrong answer of the catalog fails on at
    least 15% of them, so the 100 a check draws miss it with a chance below 0.85**100, about
    1e-7, even without the examples."""
    from tinygrad_edu.exercises.core import attempt

    ex = EXERCISES[name]
    cases = drawn(ex.cases)
    for label, source in WRONG[name]:
        learner = solution(source, name)
        failing = sum(not attempt(ex, learner, case).ok for case in cases)
        assert failing >= 0.15 * len(cases), (label, failing)


def _graph_facts(graph):
    """What a drawn graph holds, among the nodes its root depends on."""
    parents = graph.parents()
    root = len(parents) - 1
    depths = {root: {0}}
    for i in range(root, -1, -1):  # steps come after their operands: a reverse walk
        for p in parents[i] if i in depths else ():
            depths.setdefault(p, set()).update(d + 1 for d in depths[i])
    needed = set(depths)
    children = {i: {j for j in needed if i in parents[j]} for i in needed}
    inner = [i for i in needed if parents[i]]
    return {
        "a node used twice by one op": any(len(set(parents[i])) < len(parents[i])
                                           for i in inner),
        "an inner node used at two depths": any(len(depths[i]) > 1 for i in inner),
        "a diamond": any(len(children[i]) >= 2 for i in inner),
        "a deep chain (20 steps or more)": max(max(d) for d in depths.values()) >= 20,
        "a wide fan (a node used by 4 or more)": any(len(c) >= 4 for c in children.values()),
        "a negative leaf": min(graph.leaves) < 0,
    }


@pytest.mark.slow
def test_the_graphs_drawn_hold_every_kind_that_matters():
    facts = [_graph_facts(g) for g in drawn(EXERCISES["backward"].cases)]
    for fact in facts[0]:
        share = sum(f[fact] for f in facts) / len(facts)
        assert share >= 0.15, (fact, share)
    examples = [_graph_facts(g) for g in EXERCISES["backward"].examples]
    for fact in ("a node used twice by one op", "an inner node used at two depths",
                 "a diamond"):
        assert any(f[fact] for f in examples), fact


@pytest.mark.slow
def test_the_matrices_drawn_have_batch_1_and_more_square_and_not():
    logits = [dict(c.arrays)["Z"].shape for c in drawn(EXERCISES["d_softmax_cross_entropy"]
                                                        .cases)]
    dense = [(dict(c.arrays)["X"].shape[0], *dict(c.arrays)["W"].shape)
             for c in drawn(EXERCISES["dense_backward"].cases)]
    kinds = {
        "batch 1": [b == 1 for b, _ in logits] + [b == 1 for b, _, _ in dense],
        "batch > 1": [b > 1 for b, _ in logits] + [b > 1 for b, _, _ in dense],
        "classes = batch": [b == c for b, c in logits],
        "classes != batch": [b != c for b, c in logits],
        "square W": [i == o for _, i, o in dense],
        "W not square": [i != o for _, i, o in dense],
    }
    for kind, seen in kinds.items():
        assert sum(seen) >= 0.15 * len(seen), kind


@pytest.mark.parametrize("name", ["d_mul", "d_div", "d_tanh", "d_relu", "chain_rule"])
def test_the_numbers_drawn_have_both_signs_and_come_near_the_kinks(name):
    values = [v for case in drawn(EXERCISES[name].cases) for v in case.values]
    assert sum(v < 0 for v in values) >= 0.15 * len(values)
    assert sum(v > 0 for v in values) >= 0.15 * len(values)
    if name == "d_relu":  # within 0.01 of the kink at 0 (never closer than 0.001)
        assert any(0.001 <= abs(v) < 0.01 for v in values)
        assert min(abs(v) for v in values) >= 0.001

SCALED = [name for name, ex in EXERCISES.items() if ex.judge is None]


@pytest.mark.parametrize("name", SCALED)
def test_an_answer_one_percent_off_fails(name):
    """The tolerance is tight: 1.01 times the right answer never passes."""
    ex = EXERCISES[name]

    def one_percent_off(*args):
        if name in ("sgd_step", "backward_step", "backward"):  # they change their inputs
            ex.reference(*args)
            for v in walk(args[0]) if name == "backward" else args[0] if name == "sgd_step" \
                    else args[0].parents:
                if name == "sgd_step":
                    v.data *= 1.01
                else:
                    v.grad *= 1.01
            return None
        answer = ex.reference(*args)
        if isinstance(answer, tuple):
            return tuple(1.01 * np.asarray(a) for a in answer)
        return 1.01 * np.asarray(answer)

    verdict = check(name, one_percent_off)
    assert not verdict.passed


# ----------------------------------------------------------------------------- diagnoses

RULES = "\n".join([
    "import math",
    "import numpy as np",
    "from tinygrad_edu import walk",
])


def solution(source, name):
    """The function ``name`` from learner-style source code."""
    namespace = {}
    exec(RULES + "\n" + textwrap.dedent(source), namespace)
    return namespace[name]


# (exercise, the learner's code, the diagnosed key, words of the title, the part or None)
def wrong(name, label):
    """A wrong answer of the catalog, by its exercise and label: the diagnoses are proven on
    the same sources that the catalog shows are rejected."""
    return dict(WRONG[name])[label]


MISTAKES = [
    ("d_mul", "def d_mul(a, b, y): return a, b", "swapped", "swapped", None),
    ("d_mul", "def d_mul(a, b, y): return -b, a", "sign", "sign flipped", "dy/da"),
    ("d_mul", "def d_mul(a, b, y): return b, 2 * a", "factor", "doubled", "dy/db"),
    ("chain_rule", """
        def chain_rule(x, y):
            a, b = x + y, x - y
            dx = b * 1      # through a
            dx = a * 1      # through b: = where += was needed
            dy = b * 1
            dy = a * -1
            return dx, dy
     """, "assign", "`=` instead of `+=`", "df/dx, df/dy"),
    ("chain_rule", """
        def chain_rule(x, y):
            a, b = x + y, x - y
            dx = a * 1      # through b
            dx = b * 1      # through a: = where += was needed
            dy = a * -1
            dy = b * 1
            return dx, dy
     """, "assign", "`=` instead of `+=`", "df/dx, df/dy"),
    ("chain_rule", """
        def chain_rule(x, y):
            dx = 0.0
            dy = 0.0
            dx += 1          # da/dx, without df/da
            dx += 1          # db/dx, without df/db
            dy += 1
            dy += -1
            return dx, dy
     """, "upstream", "upstream gradient not multiplied", "df/dx, df/dy"),
    # from f = x² - y², with rounding unlike the reference's (b + a, b - a): the generic
    # diagnoses compare within the tolerance, not exactly
    ("chain_rule", "def chain_rule(x, y): return 2 * x, 2 * y", "sign", "sign flipped",
     "df/dy"),
    ("chain_rule", "def chain_rule(x, y): return 4 * x, -4 * y", "factor", "doubled",
     "df/dx, df/dy"),
    ("d_exp", "def d_exp(x, y): return x", "in_out", "input x used where the output", None),
    ("d_exp", "def d_exp(x, y): return -y", "sign", "sign flipped", None),
    ("d_log", "def d_log(x, y): return 1 / y", "in_out", "output y used where the input",
     None),
    ("d_log", "def d_log(x, y): return math.log(x)", "value", "value instead of its slope", None),
    ("d_tanh", "def d_tanh(x, y): return 1 - x**2", "in_out", "input x used where the output",
     None),
    # the rule written with x, given y: the slope at the output
    ("d_tanh", "def d_tanh(x, y): return 1 - math.tanh(y) ** 2", "in_out",
     "output y used where the input", None),
    ("d_exp", "def d_exp(x, y): return math.exp(y)", "in_out", "output y used where the input",
     None),
    ("d_sigmoid", """
        def d_sigmoid(x, y):
            s = 1 / (1 + math.exp(-y))
            return s * (1 - s)
     """, "in_out", "output y used where the input", None),
    ("d_tanh", "def d_tanh(x, y): return 1 - y", "factor", "a factor y missing", None),
    ("d_tanh", "def d_tanh(x, y): return 2 * (1 - y * y)", "factor", "doubled", None),
    ("d_tanh", "def d_tanh(x, y): return y * y - 1", "sign", "sign flipped", None),
    ("d_tanh", "def d_tanh(x, y): return math.tanh(x)", "value", "value instead of its slope",
     None),
    ("d_sigmoid", "def d_sigmoid(x, y): return x * (1 - x)", "in_out",
     "input x used where the output", None),
    ("d_sigmoid", "def d_sigmoid(x, y): return y", "factor", "missing: (1 - y)", None),
    ("d_sigmoid", "def d_sigmoid(x, y): return 1 - y", "factor", "missing: y", None),
    ("d_sigmoid", "def d_sigmoid(x, y): return y * (1 - y) / 2", "factor", "halved", None),
    ("d_relu", "def d_relu(x, y): return 1.0 if x < 0 else 0.0", "sides", "sides", None),
    ("d_relu", "def d_relu(x, y): return -1.0 if x > 0 else 0.0", "sign", "sign flipped", None),
    ("d_div", wrong("d_div", "factor a missing"), "factor", "factor a missing",
     "dy/db"),
    ("d_div", wrong("d_div", "b not squared"), "factor", "factor 1/b missing",
     "dy/db"),
    ("d_div", wrong("d_div", "sign of dy/db"), "sign", "sign flipped", "dy/db"),
    ("d_pow", wrong("d_pow", "factor b missing"), "factor",
     "factor b missing", "dy/da"),
    ("d_pow", wrong("d_pow", "power not lowered"), "factor",
     "a factor a too many", "dy/da"),
    ("d_pow", wrong("d_pow", "ln a missing"), "factor", "ln a missing",
     "dy/db"),
    ("d_pow", wrong("d_pow", "y missing"), "factor",
     "y = a**b missing", "dy/db"),
    ("d_pow", wrong("d_pow", "power rule for the exponent"), "rule",
     "power rule used for the exponent", "dy/db"),
    ("central_difference", wrong("central_difference", "forward"),
     "one_sided", "forward", None),
    ("central_difference", wrong("central_difference", "backward"),
     "one_sided", "backward", None),
    ("central_difference", wrong("central_difference", "not divided"),
     "factor", "not divided by 2h", None),
    ("central_difference", "def central_difference(f, x, h): return (f(x+h) - f(x-h)) / h",
     "factor", "doubled", None),
    ("central_difference", """
        def central_difference(f, x, h):
            eps = 1e-5  # a step of one's own
            return (f(x + eps) - f(x - eps)) / (2 * eps)
     """, "step", "a step of your own", None),
    ("central_difference", """
        def central_difference(f, x, h):
            h = 1e-4  # a step of its own
            return (f(x + h) - f(x - h)) / (2 * h)
     """, "step", "a step of your own", None),
    ("relative_error", """
        def relative_error(analytic, numeric):
            return np.linalg.norm(np.array(analytic) - np.array(numeric))
     """, "denominator", "absolute error", None),
    ("relative_error", wrong("relative_error", "over the analytic norm"),
     "denominator", "‖analytic‖ only", None),
    ("relative_error", """
        def relative_error(analytic, numeric):
            a, n = np.array(analytic), np.array(numeric)
            return np.sum(np.abs(a - n)) / (np.sum(np.abs(a)) + np.sum(np.abs(n)))
     """, "norm", "absolute values", None),
    ("sgd_step", wrong("sgd_step", "uphill"), "sign", "uphill", None),
    ("sgd_step", wrong("sgd_step", "no lr"), "factor", "learning rate missing", None),
    ("sgd_step", wrong("sgd_step", "= for -="), "assign", "old value is lost", None),
    ("sgd_step", wrong("sgd_step", "grad moved"), "no_change", "no parameter moved", None),
    ("backward_step", wrong("backward_step", "= for +="),
     "assign", "a reused node loses a path", None),
    ("backward_step", wrong("backward_step", "no upstream"),
     "upstream", "upstream gradient not multiplied", None),
    ("backward_step", wrong("backward_step", "data for grad"), "data_grad", "node.data used", None),
    ("topological_sort", wrong("topological_sort", "no visited set"),
     "duplicates", "more than once", None),
    ("topological_sort", wrong("topological_sort", "reversed"), "reversed", "reversed", None),
    ("topological_sort", """
        def topological_sort(root):
            return [v for v in walk(root) if v.parents]   # the leaves forgotten
     """, "missing", "missing", None),
    ("topological_sort", """
        def topological_sort(root):
            order, seen = [], set()
            def visit(v):
                if v in seen:
                    return
                seen.add(v)
                order.append(v)   # appended before its parents
                for p in v.parents:
                    visit(p)
            visit(root)
            return order[::-1]
     """, "order", "before one of its parents", None),
    ("backward", wrong("backward", "= for +="), "assign", "a reused node loses a path", None),
    ("backward", wrong("backward", "no upstream"),
     "upstream", "upstream gradient not multiplied", None),
    ("backward", wrong("backward", "not reversed"), "order", "not reversed", None),
    ("backward", wrong("backward", "root never seeded"), "seed", "not seeded", None),
    # micrograd's depth-first search with a list of visited nodes: `in` on a list compares
    # Values by their numbers, so a node equal in number to a visited one is skipped
    ("topological_sort", wrong("topological_sort", "visited list"), "missing", "missing", None),
    ("backward", """
        def backward(root):
            order, visited = [], []
            def build(v):
                if v not in visited:
                    visited.append(v)
                    for p in v.parents:
                        build(p)
                    order.append(v)
            build(root)
            root.grad = 1.0
            for node in reversed(order):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local * node.grad
     """, "visited_list", "visited nodes kept in a list", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "Y not subtracted"),
     "term", "Y not subtracted", None),
    ("d_softmax_cross_entropy", """
        def d_softmax_cross_entropy(Z, Y):
            e = np.exp(Z)
            return (e / e.sum(axis=1, keepdims=True) - Y) / Z.shape[0]
     """, "factor", "batch size", None),
    ("d_softmax_cross_entropy", """
        def d_softmax_cross_entropy(Z, Y):
            e = np.exp(Z)
            return e / e.sum(axis=0, keepdims=True) - Y
     """, "axis", "columns", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "the whole batch"),
     "axis", "whole batch", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "keepdims forgotten"),
     "shape", "keepdims", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "sign"),
     "sign", "sign flipped", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "transposed"),
     "shape", "transposed", None),
    ("dense_backward", wrong("dense_backward", "batch sum forgotten"),
     "batch_sum", "batch sum forgotten", "db"),
    ("dense_backward", wrong("dense_backward", "dW transposed"), "shape", "transposed", "dW"),
    ("dense_backward", wrong("dense_backward", "keepdims forgotten"),
     "shape", "right numbers, wrong shape", "db"),
    ("dense_backward", wrong("dense_backward", "wrong axis"), "shape", "wrong axis", "db"),
    ("dense_backward", wrong("dense_backward", "a mean for a sum"), "factor", "averaged", "db"),
    ("dense_backward", wrong("dense_backward", "dW over the batch size"),
     "factor", "batch size", "dW"),
    ("dense_backward", """
        def dense_backward(X, W, b, dZ):
            return dZ @ W.T, (X.T @ dZ)[:1], dZ.sum(axis=0, keepdims=True)
     """, "shape", "wrong shape", "dW"),
    ("dense_backward", wrong("dense_backward", "W not transposed"), "shape", "", None),
]


def _wrong(name, label):
    return dict(WRONG[name])[label]


# the diagnoses added for the wrong answers of the catalog, proven on them
MISTAKES += [
    ("sgd_step", _wrong("sgd_step", "doubled lr"), "factor", "a step twice too long", None),
    ("sgd_step", _wrong("sgd_step", "return in the loop"), "first_only",
     "only the first parameter moved", None),
    ("sgd_step", _wrong("sgd_step", "loop variable rebound"), "no_change",
     "no parameter moved", None),
    ("sgd_step", _wrong("sgd_step", "data for grad"), "data_grad", "p.data used", None),
    ("central_difference", _wrong("central_difference", "precedence"), "precedence",
     "multiplied by h instead of divided by 2h", None),
    ("relative_error", _wrong("relative_error", "the norm of the sum"), "denominator",
     "‖analytic + numeric‖", None),
    ("relative_error", _wrong("relative_error", "squared norms"), "norm", "squared norms",
     None),
    ("backward", _wrong("backward", "pre-order"), "order", "pre-order", None),
    ("backward", _wrong("backward", "pre-order, last parent first"), "order", "pre-order",
     None),
    ("backward", _wrong("backward", "no topological order"), "order", "pre-order", None),
    ("backward", _wrong("backward", "breadth-first"), "order", "breadth-first", None),
    ("backward", _wrong("backward", "recursion once per path"), "order", "once per path",
     None),
]


@pytest.mark.parametrize("name, source, key, title, part", MISTAKES,
                         ids=[f"{m[0]}-{m[2]}-{i}" for i, m in enumerate(MISTAKES)])
@pytest.mark.slow
def test_each_mistake_is_named(name, source, key, title, part):
    verdict = check(name, solution(source, name))
    assert not verdict.passed
    text = str(verdict)
    assert verdict.keys and verdict.keys[0] == key, text
    assert title in verdict.diagnosis.title, text
    assert verdict.diagnosis.everywhere, text
    if part is not None:
        assert verdict.diagnosis.part == part, text
    assert "diagnosis" in text and verdict.diagnosis.title in text
    assert "No common mistake" not in text


@pytest.mark.parametrize("name, source", [(m[0], m[1]) for m in MISTAKES],
                         ids=[f"{m[0]}-{m[2]}-{i}" for i, m in enumerate(MISTAKES)])
def test_the_examples_alone_catch_every_diagnosed_mistake(name, source):
    """Every exercise always tries the smallest input on which each of its classic mistakes
    shows: those alone reject every mistake it diagnoses."""
    from tinygrad_edu.exercises.core import attempt

    ex = EXERCISES[name]
    learner = solution(source, name)
    assert not all(attempt(ex, learner, case).ok for case in ex.examples)


def test_a_list_of_visited_nodes_is_explained_where_nodes_go_missing():
    """micrograd's search with a list of visited nodes: `in` compares Values by number."""
    learner = solution("""
        def topological_sort(root):
            order, visited = [], []
            def build(v):
                if v not in visited:
                    visited.append(v)
                    for p in v.parents:
                        build(p)
                    order.append(v)
            build(root)
            return order
     """, "topological_sort")
    text = str(check("topological_sort", learner))
    assert "compares Values with ==, which compares their numbers" in text
    assert "Keep the visited nodes in a set" in text
    forgot_leaves = solution("""
        def topological_sort(root):
            return [v for v in walk(root) if v.parents]
     """, "topological_sort")
    verdict = check("topological_sort", forgot_leaves)
    assert verdict.keys == ("missing",) and verdict.diagnosis.everywhere


def test_the_dx_w_not_transposed_mistake_is_a_shape_error_or_the_named_one():
    """dZ @ W has the wrong shape unless in = out, where it gives the wrong numbers: both are
    named as shape mistakes, never as something else."""
    verdict = check("dense_backward", solution(_wrong("dense_backward", "W not transposed"),
                                               "dense_backward"))
    assert verdict.diagnosis.title in ("wrong shape", "W not transposed"), str(verdict)


def test_two_mistakes_in_two_parts_are_both_named():
    verdict = check("dense_backward", solution("""
        def dense_backward(X, W, b, dZ):
            return dZ @ W.T, dZ.T @ X, dZ
    """, "dense_backward"))
    assert [(d.part, d.key) for d in verdict.diagnoses] == [("dW", "shape"), ("db", "batch_sum")]
    # the input shown has both parts wrong (hypothesis's simplest has db right: batch 1)
    assert "dW: expected  ✗" in str(verdict) and "db: expected  ✗" in str(verdict)


@pytest.mark.parametrize("name, wrong", [
    ("d_tanh", lambda x, y: 1 - y**3),
    # right on part of the domain, and there unlike the mistake it matches elsewhere
    ("d_tanh", lambda x, y: 1 - x * x if x > 1 else 1 - y * y),
    ("d_relu", lambda x, y: 0.0),  # agrees with "sides swapped" only where it is wrong
    ("d_sigmoid", lambda x, y: y * (1 - y) + 0.01 * x),
    ("d_mul", lambda a, b, y: (b, a + 1)),
    ("d_mul", lambda a, b, y: (b, b)),  # dy/db = b as in "swapped", but dy/da is not a
    ("d_div", lambda a, b, y: (1 / b, -a / b**3)),
    ("backward", lambda root: [setattr(v, "grad", 1.0) for v in walk(root)]),
    ("dense_backward", lambda X, W, b, dZ: (dZ @ W.T, X.T @ dZ + 1, dZ.sum(0, keepdims=True))),
])
def test_a_wrong_answer_that_matches_no_mistake_is_not_misnamed(name, wrong):
    verdict = check(name, wrong)
    assert not verdict.passed and verdict.diagnoses == ()
    assert "No common mistake matches" in str(verdict)


def test_where_nothing_matches_the_verdict_says_which_parts_differ():
    """d_mul returning (b, b): dy/db = b is what "the two derivatives swapped" gives, but that
    mistake also gives dy/da = a, and this answer's dy/da is right: no mistake is named, and
    the verdict says which part differs."""
    text = str(check("d_mul", lambda a, b, y: (b, b)))
    assert "swapped" not in text and "diagnosis" not in text
    assert "No common mistake matches dy/db (dy/da is right on every input tried)" in text


def test_a_mistake_in_one_part_is_named_and_the_other_part_said_to_match_nothing():
    verdict = check("d_div", lambda a, b, y: (-1 / b, -a / b**3))
    assert [(d.part, d.key) for d in verdict.diagnoses] == [("dy/da", "sign")], str(verdict)
    assert "No common mistake matches dy/db;" in str(verdict)


def test_the_issues_pre_order_backward_fails_where_x_grad_is_20_not_36():
    """v1 = x·x, v2 = v1 + 1, f = v1·v2 at x = 2: a pre-order backward gives 20, not 36."""
    from tinygrad_edu.exercises.core import attempt

    learner = solution(_wrong("backward", "pre-order"), "backward")
    case = next(c for c in EXERCISES["backward"].examples if str(c).startswith("x = 2.0; c"))
    outcome = attempt(EXERCISES["backward"], learner, case)
    assert (outcome.expected[0][0], outcome.got[0][0]) == (36.0, 20.0)
    assert check("backward", learner).keys == ("order",)


def test_a_rule_one_percent_off_is_named_as_a_constant_factor():
    verdict = check("d_tanh", lambda x, y: 1.01 * (1 - y * y))
    assert verdict.keys == ("factor",) and "1.01" in verdict.diagnosis.title




def value_class(source):
    return solution(source, "Value")


@pytest.mark.slow
@pytest.mark.parametrize("label", list(CORRECT_VALUES))
def test_a_right_value_written_as_learners_do_passes(label):
    verdict = check("Value", value_class(CORRECT_VALUES[label]))
    assert verdict.passed, str(verdict)
    recursive = "def build_topo" in CORRECT_VALUES[label]
    assert bool(verdict.notes) == recursive, str(verdict)


def test_a_recursive_sort_passes_and_the_verdict_says_plainly_why_and_its_limit():
    text = str(check("Value", value_class(lecture())))
    assert text.startswith("✓ Value passed")
    assert "One limit, which does not fail the exercise" in text
    assert "raised RecursionError" in text and "a sum of 2001 terms" in text
    assert f"sys.getrecursionlimit() = {sys.getrecursionlimit()}" in text
    assert "a limit of depth, not a wrong number" in text and "so the exercise passes" in text
    assert "stack.extend((child, False) for child in v._prev)" in text  # the way out


def test_the_engines_own_value_passes_but_check_refuses_it_as_the_learners():
    assert EXERCISES["Value"].check(Value).passed  # the reference
    with pytest.raises(ExerciseError, match="tinygrad_edu's own Value"):
        check("Value", Value)
    verdict = check("Value", lambda data: Value(data))
    assert not verdict.passed and "pass the class itself" in str(verdict)


# (the change, the diagnosed key, words of the title, words of the hint, the stage)
VALUE_MISTAKES = [
    ("= for += everywhere", "assign", "`=` instead of `+=`",
     "the step of v1 = x0 + x0 sets x0.grad with `=`", "backward"),
    ("= for += in + only", "assign", "`=` instead of `+=`", "With `+=` in its place",
     "backward"),
    ("no __radd__", "reverse", "__radd__ missing", "x.__radd__(2.0)", "forward"),
    ("no __rmul__", "reverse", "__rmul__ missing", "x.__rmul__(2.0)", "forward"),
    ("__rsub__ the wrong way round", "reverse", "__rsub__ the wrong way round",
     "other - self", "forward"),
    ("__rtruediv__ the wrong way round", "reverse", "__rtruediv__ the wrong way round",
     "other / self", "forward"),
    ("a number not wrapped in +", "wrap", "not wrapped in a Value: x + 2.0 fails",
     "isinstance(other, Value)", "forward"),
    ("root never seeded", "seed", "root not seeded", "self.grad = 1.0", "backward"),
    ("topological order not reversed", "order", "wrong order",
     "the step of v1 = x0.tanh() ran before the step of v2 = v1.tanh()", "backward"),
    ("pre-order", "order", "wrong order", "which is made from it", "backward"),
    ("no visited set: once per path", "order", "more than once", "ran 2 times", "backward"),
    ("only the root and the Values it was made from", "order", "never pass their gradient on",
     "never ran: backward() must run the step of every node", "backward"),
    ("tanh's slope at the input", "local", "dv1/dx0 is wrong",
     "the step of v1 = x0.tanh() gives dv1/dx0 = 0.75", "backward"),
    ("* takes its own data", "local", "is wrong", "Run on its own", "backward"),
]


@pytest.mark.parametrize("label, key, title, hint, stage", VALUE_MISTAKES,
                         ids=[m[0] for m in VALUE_MISTAKES])
def test_each_value_mistake_is_named(label, key, title, hint, stage):
    verdict = check("Value", value_class(dict(WRONG["Value"])[label]))
    text = str(verdict)
    assert not verdict.passed and verdict.keys[:1] == (key,), text
    assert title in verdict.diagnosis.title and hint in text, text
    shown = "the forward pass" if stage == "forward" else "backward: every node's grad"
    assert text.startswith(f"✗ Value: not yet ({shown}"), text
    assert "failing input:\n    x0 = Value(" in text


def test_the_smallest_failing_expression_for_a_plus_a():
    text = str(check("Value", value_class(lecture(*ASSIGN_EVERYWHERE))))
    assert "    x0 = Value(1.5)\n    v1 = x0 + x0\n    v1.backward()\n" in text
    assert "x0.grad  2.0       1.0  ✗" in text


def test_a_missing_rmul_shows_2_times_x_and_pythons_error():
    text = str(check("Value", value_class(dict(WRONG["Value"])["no __rmul__"])))
    assert "    x0 = Value(1.5)\n    v1 = 2.0 * x0\n" in text and "backward()" not in text
    assert "TypeError: unsupported operand type(s) for *: 'float' and 'Value'" in text


def _own_names(source):
    """The class with its own names: operands in .inputs (a tuple), the step in .step."""
    return (source.replace("set(_children)", "tuple(_children)").replace("_prev", "inputs")
            .replace("_backward", "step"))


@pytest.mark.parametrize("changes, key, title", [
    (ASSIGN_EVERYWHERE, "assign", "`=` instead of `+=` in the backward of +, *, **, tanh"),
    ([("        self.grad = 1.0\n        for node", "        for node")], "seed",
     "every gradient 0: the root not seeded"),
])
def test_a_value_with_names_of_its_own_is_diagnosed_by_a_fitted_model(changes, key, title):
    """Without micrograd's _prev and _backward, the learner's steps cannot be run again;
    the lecture's Value with the mistake seen on tiny expressions must then give the
    learner's answers on every input tried."""
    right = _own_names(lecture(ITERATIVE_SORT))
    assert check("Value", value_class(right)).passed
    verdict = check("Value", value_class(_own_names(lecture(ITERATIVE_SORT, *changes))))
    assert verdict.keys == (key,) and title in verdict.diagnosis.title, str(verdict)


def test_two_mistakes_at_once_in_the_steps_and_the_order_are_both_named():
    verdict = check("Value", value_class(lecture(*ASSIGN_EVERYWHERE, PRE_ORDER)))
    assert verdict.keys == ("assign", "order"), str(verdict)


def test_mistakes_that_no_change_explains_are_not_named():
    """= for += together with a wrong tanh: neither change alone, nor the order, gives the
    right answers; the tanh step measured on its own is wrong, and that is what is said."""
    verdict = check("Value", value_class(lecture(*ASSIGN_EVERYWHERE, (
        "(1 - t**2) * out.grad", "(1 - x**2) * out.grad"))))
    assert verdict.keys in ((), ("local",)), str(verdict)
    assert "assign" not in verdict.keys


@pytest.mark.slow
def test_value_verdicts_are_deterministic_across_processes():
    """The same verdict in two processes. A class whose wrong answers hang on the order of a
    set (micrograd's _prev) gives different numbers from run to run, but the examples, tried
    first, fail whatever that order is: the failing input and the diagnosis stay the same."""
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})
        from tests.test_exercises import WRONG, value_class
        from tinygrad_edu.exercises import check
        for label, source in WRONG["Value"]:
            if label in ("= for += in + only", "no visited set: once per path"):
                ordered = source.replace("set(_children)", "tuple(_children)")
                print(check("Value", value_class(ordered)))
                verdict = check("Value", value_class(source))
                print(verdict.failure.case, verdict.keys, verdict.diagnosis.title)
    """)
    runs = []
    for hashseed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        runs.append(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   text=True, env=env, check=True).stdout)
    assert runs[0] == runs[1] and runs[0].count("✗ Value") == 2


def test_cli_check_finds_the_class_value_in_the_file(tmp_path, capsys):
    path = write(tmp_path, lecture(*ASSIGN_EVERYWHERE))
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✗ Value: not yet" in out and "`=` instead of `+=`" in out
    assert "0 of 1 attempted exercises pass" in out
    path.write_text(lecture(ITERATIVE_SORT))
    assert cli(["check", str(path), "Value"]) == 0
    assert "✓ Value passed" in capsys.readouterr().out


def test_cli_an_imported_value_is_not_the_learners(tmp_path, capsys):
    path = write(tmp_path, "from tinygrad_edu import Value\n\ndef d_exp(x, y):\n    return y\n")
    assert cli(["check", str(path)]) == 0
    captured = capsys.readouterr()
    assert "Value is imported from tinygrad_edu.engine, so it is not yours" in captured.err
    assert "Value passed" not in captured.out and "1 of 1 attempted" in captured.out
    renamed = write(tmp_path, lecture().replace("class Value:", "class MyValue:"), "mine.py")
    assert cli(["check", str(renamed), "Value"]) == 1
    err = capsys.readouterr().err
    assert "has no class Value" in err and "add Value = MyValue" in err


def test_cli_the_value_starter_counts_as_not_started(tmp_path, capsys):
    path = tmp_path / "mine.py"
    assert cli(["start", str(path), "Value"]) == 0
    assert "class Value:" in path.read_text()
    assert cli(["check", str(path)]) == 1
    assert "1 not started" in capsys.readouterr().out


# ----------------------------------------------------------------------------- verdicts


def test_the_verdict_shows_the_simplest_failing_input_expected_and_got():
    verdict = check("d_tanh", lambda x, y: 1 - x**2)
    text = str(verdict)
    assert verdict.failure is not None
    x = verdict.failure.case.values[0]
    assert f"failing input: x = {x!r}, y = tanh(x) = {math.tanh(x)!r}" in text
    assert f"expected {1 - math.tanh(x) ** 2:.10g}" in text
    assert repr(verdict) == text and not verdict


def test_backward_verdicts_show_every_node_as_a_table():
    verdict = check("backward", solution(MISTAKES[[m[0] for m in MISTAKES].index("backward")][1],
                                         "backward"))
    lines = str(verdict).splitlines()
    header = next(i for i, line in enumerate(lines) if "expected" in line and "got" in line)
    assert lines[header + 1].lstrip().split()[0].endswith(".grad")
    assert any(line.rstrip().endswith("✗") for line in lines)


@pytest.mark.slow
def test_verdicts_are_deterministic_across_runs_and_processes():
    code = textwrap.dedent("""
        from tinygrad_edu.exercises import check
        print(check("d_sigmoid", lambda x, y: x * (1 - x)))
        print(check("backward_step", lambda node: [setattr(p, "grad", l * node.grad)
                                                  for p, l in zip(node.parents,
                                                                  node.local_grads)]))
        print(check("dense_backward", lambda X, W, b, dZ: (dZ @ W.T, X.T @ dZ, dZ)))
    """)
    runs = []
    for hashseed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        runs.append(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   text=True, env=env, check=True).stdout)
    assert runs[0] == runs[1]
    again = check("d_sigmoid", lambda x, y: x * (1 - x))
    assert str(again) == runs[0].split("\n✗ backward_step")[0].strip()


def test_an_exception_in_the_solution_is_shown_not_raised():
    def d_log(x, y):
        if x > 1:
            raise ValueError("oops, too big")
        return 1 / x

    verdict = check("d_log", d_log)
    text = str(verdict)
    assert not verdict.passed and "your function raised an error" in text
    assert "ValueError: oops, too big" in text
    assert "test_exercises.py, line" in text and 'raise ValueError("oops, too big")' in text


def test_an_error_deep_in_the_engine_points_at_the_learners_line():
    from tinygrad_edu import log

    def d_log(x, y):  # log(0) at x = 1: the engine raises DomainError
        return 1 / x + 0 * log(y)

    verdict = check("d_log", d_log)
    text = str(verdict)
    assert "DomainError: log: got 0.0" in text and "in d_log  (return 1 / x + 0 * log(y))" in text


def test_exit_inside_a_solution_is_a_failure_not_an_exit():
    verdict = check("d_exp", lambda x, y: sys.exit(3))
    assert not verdict.passed and "SystemExit: 3" in str(verdict)


def test_a_shape_error_raised_by_numpy_is_diagnosed_as_a_wrong_shape():
    def dense_backward(X, W, b, dZ):
        dW = np.ones((X.shape[1] + 1, 1)) @ np.ones((2, W.shape[1]))  # never fits
        return dZ @ W.T, dW, dZ.sum(axis=0, keepdims=True)

    verdict = check("dense_backward", dense_backward)
    assert verdict.failure.error is not None and verdict.keys == ("shape",), str(verdict)
    assert "NumPy could not combine two of your arrays" in str(verdict)


@pytest.mark.parametrize("wrong, words", [
    (lambda x, y: None, "missing `return`"),
    (lambda x, y: "1 - y*y", "not a number"),
    (lambda x, y: (1 - y * y, 0.0), "should be one number"),
    (lambda x, y: Value(1 - y * y), "return a plain number"),
])
def test_an_answer_of_the_wrong_kind_says_what_is_wrong(wrong, words):
    verdict = check("d_tanh", wrong)
    assert not verdict.passed and words in str(verdict)


def test_the_pair_exercises_say_how_many_values_to_return():
    verdict = check("d_mul", lambda a, b, y: b)
    assert "should return 2 things, (dy/da, dy/db)" in str(verdict)


def test_the_wrong_number_of_parameters_is_reported_before_running():
    verdict = check("d_tanh", lambda y: 1 - y * y)
    assert "d_tanh should take 2 argument(s), d_tanh(x, y)" in str(verdict)


def test_printing_is_captured_and_shown_for_the_failing_input(capsys):
    def d_exp(x, y):
        print("x is", x)
        return x

    verdict = check("d_exp", d_exp)
    assert capsys.readouterr().out == ""  # nothing printed while grading
    assert f"it printed:\n    x is {verdict.failure.case.values[0]}" in str(verdict)


def test_what_a_failing_solution_printed_is_shown_even_when_it_raised_and_kept_short():
    def d_log(x, y):
        for k in range(1000):
            print("step", k)
        return 1 / (x - 1)  # ZeroDivisionError at x = 1

    text = str(check("d_log", d_log))
    assert "ZeroDivisionError" in text
    assert "it printed:\n    step 0\n    step 1\n" in text
    assert "step 11 …" in text and "step 12" not in text


@pytest.fixture
def short_time_limit(monkeypatch):
    from tinygrad_edu.exercises import core

    monkeypatch.setattr(core, "TIME_LIMIT", 0.3)


# Solutions of d_log that never end for x > 1, each catching what it can. `started` counts the
# calls that began the loop: the first one stopped ends the grading, so it must end at 1.
ENDLESS = {
    # Calls nothing in the loop: Python 3.10 never ran a signal's handler there.
    "except Exception": """
        while x > 1:
            try:
                x += 0
            except Exception:
                pass
    """,
    "bare except": """
        while x > 1:
            try:
                x += 0
            except:
                pass
    """,
    "bare except around a call": """
        while x > 1:
            try:
                x = same(x)
            except:
                pass
    """,
    "except BaseException, continue": """
        while x > 1:
            try:
                x = same(x)
            except BaseException:
                continue
    """,
    "bare except around a sleep": """
        while x > 1:
            try:
                time.sleep(0.01)
            except:
                pass
    """,
    "with suppress(BaseException)": """
        while x > 1:
            with contextlib.suppress(BaseException):
                x = same(x)
    """,
    "catches the stop and returns": """
        try:
            while True:
                pass
        except BaseException:
            return 0.0
    """,
    "catches the stop and raises another error": """
        try:
            while True:
                pass
        except BaseException:
            raise ValueError("not me")
    """,
    "two bare excepts, one inside the other": """
        while x > 1:
            try:
                while True:
                    try:
                        x = same(x)
                    except:
                        pass
            except:
                pass
    """,
}

STOPPED_BY_3_10 = set(ENDLESS) - {"two bare excepts, one inside the other"}  # see limit.py


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.skipif(
        sys.version_info < (3, 11) and name not in STOPPED_BY_3_10,
        reason="Python 3.10 cannot stop this loop (tinygrad_edu.exercises.limit says why)"))
    for name in ENDLESS])
def test_an_endless_loop_is_stopped_whatever_it_catches(tmp_path, name):
    loop = textwrap.indent(textwrap.dedent(ENDLESS[name]).strip(), " " * 8)
    path = tmp_path / "solutions.py"
    path.write_text(textwrap.dedent("""\
        import contextlib
        import time

        started = 0

        def same(x):
            return x

        def d_log(x, y):
            global started
            if x > 1:
                started += 1
        {loop}
            return 1 / x
        """).format(loop=loop), encoding="utf-8")
    # In a process of its own: a loop that is not stopped fails this test instead of hanging
    # the suite. The 0.5 s limit is the grader's; 120 s only bounds a grader that hangs.
    code = textwrap.dedent("""\
        import sys
        from tinygrad_edu.exercises import check, core
        from tinygrad_edu.exercises.cli import load_solutions

        core.TIME_LIMIT = 0.5
        solutions = load_solutions(sys.argv[1])
        print(check("d_log", solutions["d_log"]))
        print("calls that began the loop:", solutions["started"])
        """)
    try:
        run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the grader did not stop a loop with {name} (Python "
                    f"{sys.version.split()[0]})")
    text = run.stdout
    assert run.returncode == 0, run.stderr
    assert "✗ d_log: not yet" in text and "failing input: x = 1." in text, text
    assert "your function did not finish" in text and "still running after 0.5 s" in text, text
    assert "An endless loop?" in text and "calls that began the loop: 1\n" in text, text
    where = re.search(r"in solutions.py, line (\d+), in (\w+)", text)
    assert where, text
    line, function = int(where[1]), where[2]
    assert (function == "same" and line in (6, 7)) or (function == "d_log" and line >= 12), text


def test_the_time_limit_leaves_another_timer_running(short_time_limit):
    signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        check("d_exp", lambda x, y: y)
        check("d_exp", lambda x, y: x)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    assert 50 < left < 60


def test_a_stopped_loop_leaves_the_signal_handler_and_the_trace_function_as_they_were(
        short_time_limit):
    def d_log(x, y):
        while x > 1:
            try:
                x += 0
            except:  # noqa: E722 (what the stop must get through)
                pass
        return 1 / x

    handler, trace = signal.getsignal(signal.SIGALRM), sys.gettrace()
    assert "did not finish" in str(check("d_log", d_log))
    assert signal.getsignal(signal.SIGALRM) is handler and sys.gettrace() is trace
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_cli_an_endless_loop_fails_that_exercise_only(tmp_path, capsys, short_time_limit):
    path = write(tmp_path, """
        def d_exp(x, y):
            while True:
                pass

        def d_tanh(x, y):
            return 1 - y * y
    """)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✗ d_exp: not yet" in out and "did not finish" in out
    assert re.search(r"line [34], in d_exp  \((while True:|pass)\)", out), out  # in the loop
    assert "✓ d_tanh passed" in out and "1 of 2 attempted exercises pass" in out


def test_a_solution_that_gives_different_answers_fails_without_crashing():
    import random

    rng = random.Random(0)
    verdict = check("d_exp", lambda x, y: y * (1 + rng.choice([0, 0, 0, 0.5])))
    assert not verdict.passed


def test_a_starter_not_filled_in_says_so():
    namespace = {}
    exec(EXERCISES["d_tanh"].starter, namespace)
    verdict = check("d_tanh", namespace["d_tanh"])
    assert verdict.keys == ("todo",) and "NotImplementedError" in str(verdict)


def test_exercises_by_name_number_or_object_and_helpful_errors():
    assert get_exercise(5) is get_exercise("d_tanh") is get_exercise(EXERCISES["d_tanh"])
    with pytest.raises(ExerciseError, match="did you mean 'd_tanh'"):
        check("d_tahn", lambda x, y: 0.0)
    with pytest.raises(ExerciseError, match="numbered 1 to"):
        get_exercise(99)
    with pytest.raises(TypeError, match="must be a function"):
        check("d_tanh", 0.42)


# ----------------------------------------------------------------------------- plugging in


def test_a_passing_rule_becomes_an_op_that_backward_steps_and_drawing_use():
    from tinygrad_edu.viz import draw_dot

    my_tanh = make_op("d_tanh", lambda x, y: 1 - y * y)
    x = Value(0.5, label="x")
    out = my_tanh(x * 2)
    out.backward()
    assert out.data == math.tanh(1.0)
    assert x.grad == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), rel=1e-15)
    x.grad = 0.0
    steps = list(out.backward_steps())
    assert "my_tanh" in str(steps[0]) and x.grad == pytest.approx(2 * (1 - math.tanh(1) ** 2))
    assert "my_tanh" in draw_dot(out).source
    assert my_tanh(0.5) == math.tanh(0.5)  # a plain number in, a plain number out


def test_training_with_your_own_derivative_matches_the_built_in_one():
    from tinygrad_edu.data import make_moons
    from tinygrad_edu.nn import MLP, hinge_loss
    from tinygrad_edu.optim import SGD
    from tinygrad_edu.train import fit

    X, y = make_moons(40, noise=0.1, seed=0)
    y = 2 * y - 1
    histories = []
    for activation in ("tanh", make_op("d_tanh", lambda x, y: 1 - y * y)):
        model = MLP(2, [8, 1], activation=activation, seed=0)
        optimizer = SGD(model.parameters(), lr=0.1)
        histories.append(fit(model, X, y, hinge_loss, optimizer, epochs=15, seed=0,
                             progress=False))
    assert histories[0].loss == histories[1].loss
    assert histories[1].loss[-1] < histories[1].loss[0]


def test_a_binary_rule_becomes_an_op_too():
    my_div = make_op("d_div", lambda a, b, y: (1 / b, -y / b))
    a, b = Value(3.0), Value(2.0)
    my_div(a, b).backward()
    assert (a.grad, b.grad) == (0.5, -0.75)


def test_a_rule_that_does_not_pass_is_not_plugged_in():
    with pytest.raises(ExerciseError, match="does not pass yet") as failure:
        make_op("d_tanh", lambda x, y: 1 - x * x)
    assert "input x used where the output y was meant" in str(failure.value)
    with pytest.raises(ExerciseError, match="not a derivative rule"):
        make_op("backward", lambda root: None)


# ----------------------------------------------------------------------------- progress and CLI


def test_progress_lives_where_the_environment_says(private_progress, monkeypatch, tmp_path):
    assert progress_path() == private_progress
    monkeypatch.delenv("TINYGRAD_EDU_PROGRESS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert progress_path() == tmp_path / "xdg" / "tinygrad_edu" / "progress.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert progress_path() == tmp_path / "home" / ".local/share/tinygrad_edu/progress.json"


def test_check_records_progress_only_when_asked(private_progress):
    check("d_exp", lambda x, y: x)
    assert not private_progress.exists()
    check("d_exp", lambda x, y: x, record_progress=True)
    check("d_exp", lambda x, y: y, record_progress=True)
    check("d_exp", lambda x, y: x, record_progress=True)  # a pass is never forgotten
    status = load_progress()["d_exp"]
    assert (status.attempts, status.passed) == (3, True)
    assert json.loads(private_progress.read_text())["exercises"]["d_exp"]["passed"] is True


def test_check_still_returns_the_verdict_when_progress_cannot_be_saved(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(blocker / "progress.json"))
    with pytest.warns(UserWarning, match="progress not saved: cannot read the progress file"):
        verdict = check("d_exp", lambda x, y: y, record_progress=True)
    assert verdict.passed


def write(tmp_path, text, name="solutions.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_cli_lists_the_exercises_with_progress(capsys):
    check("d_exp", lambda x, y: y, record_progress=True)
    check("d_log", lambda x, y: x, record_progress=True)
    assert cli([]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines()
             if line[:1].isdigit() and "(" in line.split()[1]}
    assert len(lines) == len(EXERCISES)
    assert "✓ passed" in lines["d_exp(x,"] and "✗ 1 attempt" in lines["d_log(x,"]
    assert f"1 of {len(EXERCISES)} passed" in out


def test_cli_start_then_check_a_file(tmp_path, capsys, private_progress):
    path = tmp_path / "mine.py"
    assert cli(["start", str(path)]) == 0
    assert cli(["start", str(path)]) == 1  # never overwrites without --force
    assert "exists already" in capsys.readouterr().err
    assert cli(["check", str(path)]) == 1  # nothing written yet
    assert "Nothing to grade yet" in capsys.readouterr().out
    source = path.read_text().replace(
        'def d_exp(x, y):\n    """x is the input, y = exp(x) the output. Return dy/dx."""\n'
        '    raise NotImplementedError("d_exp: not written yet")',
        "def d_exp(x, y):\n    return y")
    path.write_text(source)
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "✓ d_exp passed" in out and "1 of 1 attempted exercises pass" in out
    assert load_progress()["d_exp"].passed


def test_cli_check_grades_what_the_file_defines_and_exits_1_on_a_failure(tmp_path, capsys):
    path = write(tmp_path, """
        def d_exp(x, y):
            return y

        def d_tanh(x, y):
            return 1 - x**2

        if __name__ == "__main__":
            raise SystemExit("this does not run when graded")
    """)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✓ d_exp passed" in out and "✗ d_tanh: not yet" in out
    assert "input x used where the output y was meant" in out
    assert "1 of 2 attempted exercises pass" in out
    assert cli(["check", str(path), "d_exp"]) == 0  # only the ones named


def test_cli_syntax_error_names_the_line_without_a_traceback(tmp_path, capsys):
    path = write(tmp_path, """
        def d_exp(x, y):
            return y

        def d_tanh(x, y)
            return 1 - y * y
    """)
    assert cli(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}, line 5: SyntaxError" in err and "def d_tanh(x, y)" in err
    assert "Traceback" not in err


def test_cli_an_error_while_the_file_runs_names_the_line(tmp_path, capsys):
    path = write(tmp_path, "import math\nx = math.sqrt(-1)\n")
    assert cli(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}, line 2: running the file raised ValueError" in err
    assert "x = math.sqrt(-1)" in err


@pytest.mark.parametrize("content, words", [
    (b"# caf\xe9 in Latin-1\ndef d_exp(x, y):\n    return y\n",
     "is not UTF-8 text (byte 0xe9 at position 5"),
    # the same message on every Python (3.10 raised ValueError, 3.11 SyntaxError)
    (b"def d_exp(x, y):\n    return y\n\x00", "solutions.py, line 3: a null byte (\\x00) at "
     "column 1, which Python code cannot contain; delete it, or save the file again as UTF-8"),
    ("def d_exp(x, y):\n    return y\n".encode("utf-16-le"), "line 1: a null byte (\\x00) "
     "at column 2, which Python code cannot contain; delete it, or save the file again as "
     "UTF-8 text (a file saved as UTF-16 has one after every letter)"),
    (b"import sys\nsys.exit()\n", "line 2: the file exits when it runs; put the code"),
], ids=["latin-1", "a null byte", "utf-16", "exits"])
def test_cli_a_file_that_cannot_be_read_or_run_is_a_message(tmp_path, capsys, content, words):
    path = tmp_path / "solutions.py"
    path.write_bytes(content)
    assert cli(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_cli_missing_functions_are_named_with_their_signature(tmp_path, capsys):
    path = write(tmp_path, "def helper():\n    return 1\n")
    assert cli(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "defines none of the exercises' functions" in err and "def d_tanh(x, y): ..." in err
    assert "class Value: ..." in err
    assert cli(["check", str(path), "d_tanh"]) == 1
    err = capsys.readouterr().err
    assert f"{path} has no function d_tanh; exercise 5 expects\n    def d_tanh(x, y): ..." in err


def test_cli_an_exception_inside_a_solution_fails_that_exercise_only(tmp_path, capsys):
    path = write(tmp_path, """
        def d_exp(x, y):
            return y

        def d_log(x, y):
            return 1 / (x - 1)
    """)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✓ d_exp passed" in out and "ZeroDivisionError" in out
    assert "line 6, in d_log  (return 1 / (x - 1))" in out


def test_cli_a_name_that_is_not_a_function(tmp_path, capsys):
    path = write(tmp_path, "d_exp = 3\n")
    assert cli(["check", str(path)]) == 1
    assert "it is a int, not a function" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["check", "no_such_file.py"], "there is no file no_such_file.py"),
    (["show", "d_tahn"], "did you mean 'd_tanh'"),
    (["check", ".", "d_tanh"], "is a directory"),
    (["check"], "the following arguments are required: file\n"),  # not "file, exercise"
])
def test_cli_user_errors_are_messages_not_tracebacks(argv, words, capsys, tmp_path,
                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = cli(argv)
    except SystemExit as exit_:  # argparse's usage errors exit with 2
        code = exit_.code
    assert code != 0
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_cli_show_prints_the_statement_and_starter(capsys):
    assert cli(["show", "5"]) == 0
    out = capsys.readouterr().out
    assert "Exercise 5 (level 1): the derivative of tanh" in out and "def d_tanh(x, y):" in out


def test_cli_a_damaged_progress_file_is_a_warning(private_progress, capsys):
    private_progress.write_text("{not json")
    assert cli([]) == 0
    assert "is damaged" in capsys.readouterr().err


def test_the_module_entry_point_runs_exercises(tmp_path):
    env = {**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")}
    run = subprocess.run([sys.executable, "-m", "tinygrad_edu", "exercises", "show", "d_mul"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "def d_mul(a, b, y):" in run.stdout
    run = subprocess.run([sys.executable, "-m", "tinygrad_edu", "exercises", "--help"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "check" in run.stdout


def test_without_hypothesis_the_import_and_the_command_say_how_to_install_it(tmp_path):
    block = "import sys; sys.modules['hypothesis'] = None; "
    run = subprocess.run([sys.executable, "-c", block + "import tinygrad_edu.exercises"],
                         capture_output=True, text=True)
    assert run.returncode != 0 and "pip install hypothesis" in run.stderr
    run = subprocess.run(
        [sys.executable, "-c", block + "from tinygrad_edu.__main__ import main; "
         "raise SystemExit(main(['exercises']))"],
        capture_output=True, text=True,
        env={**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "pip install hypothesis" in run.stderr
