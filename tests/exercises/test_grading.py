"""tinygrad_edu.exercises.grading: right answers written in other ways pass, every wrong
answer of the catalog is rejected (already by the examples), a solution that cannot be graded
as it is fails with a message, and verdicts are the same in every run and process."""

import math
import random
import textwrap

import numpy as np
import pytest

from tests.exercises.learners import Shows, assert_shows, in_two_processes, solution
from tests.exercises.wrong_answers import WRONG_ANSWERS
from tinygrad_edu import walk
from tinygrad_edu.exercises import EXERCISES, check

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


WRONG_IDS = [f"{n}-{label}" for n, label, _ in WRONG_ANSWERS]
CHECKED = [k for k, (name, _, _) in enumerate(WRONG_ANSWERS)
           if [n for n, _, _ in WRONG_ANSWERS[:k]].count(name) < 2]
"""The wrong answers CI puts through the whole check: each exercise's first two (the
examples alone reject every one, below; the long tier checks every one)."""


@pytest.mark.parametrize("name, label, source", WRONG_ANSWERS, ids=WRONG_IDS)
def test_every_wrong_answer_is_rejected_by_the_examples_alone(name, label, source):
    """Rejected by the inputs always tried, so that no draw of random inputs is needed to
    reject it (and the check, which tries them first, rejects it)."""
    from tinygrad_edu.exercises.running import attempt

    ex = EXERCISES[name]
    learner = solution(source, name)
    assert not all(attempt(ex, learner, case).ok for case in ex.examples), label


@pytest.mark.parametrize("name, label, source", [WRONG_ANSWERS[k] for k in CHECKED],
                         ids=[WRONG_IDS[k] for k in CHECKED])
@pytest.mark.slow
def test_wrong_answers_are_rejected_by_the_check(name, label, source):
    assert not check(name, solution(source, name)).passed, label


@pytest.mark.parametrize("name, label, source", WRONG_ANSWERS, ids=WRONG_IDS)
@pytest.mark.long(sibling="test_wrong_answers_are_rejected_by_the_check")
def test_every_wrong_answer_is_rejected_by_the_check(name, label, source):
    assert not check(name, solution(source, name)).passed, label


def _different_answers():
    rng = random.Random(0)
    return lambda x, y: y * (1 + rng.choice([0, 0, 0, 0.5]))


@pytest.mark.parametrize("name, answer, shows", [
    pytest.param("d_tanh", lambda y: 1 - y * y, Shows(words=(
        "d_tanh should take 2 argument(s), d_tanh(x, y)",)),
        id="the wrong number of parameters is reported before running"),
    pytest.param("d_exp", _different_answers(), Shows(),
                 id="a solution that gives different answers fails without crashing"),
])
def test_a_solution_that_cannot_be_graded_as_it_is_fails_with_a_message(name, answer, shows):
    assert_shows(check(name, answer), shows)


@pytest.mark.slow
def test_verdicts_are_deterministic_across_runs_and_processes(monkeypatch):
    """For the same grading's seed (issue 65: a new one at every grading, recorded), the same
    verdict, whatever the process and its hash seed."""
    from tinygrad_edu.exercises import cases

    monkeypatch.setenv(cases.SEED, "4242")
    cases.begin(4242)
    printed = in_two_processes(textwrap.dedent("""
        from tinygrad_edu.exercises import check
        print(check("d_sigmoid", lambda x, y: x * (1 - x)))
        print(check("backward_step", lambda node: [setattr(p, "grad", l * node.grad)
                                                  for p, l in zip(node.parents,
                                                                  node.local_grads)]))
        print(check("dense_backward", lambda X, W, b, dZ: (dZ @ W.T, X.T @ dZ, dZ)))
    """))
    again = check("d_sigmoid", lambda x, y: x * (1 - x))
    cases.begin()
    assert str(again) == printed.split("\n✗ backward_step")[0].strip()
