"""Model answers: every exercise solved as a learner would write it, for a teacher's copy of
an assignment (``python -m tinygrad_edu exercises assignment ... --for nbgrader`` puts each
function's body in the solution region of its cell). The class ``Value`` is micrograd's
lecture Value, in ``lecture.py``.

Try the exercises before you read this file: it holds the answers. Unlike the grader's
references (``answers.py``), which may use the engine itself, these use only what a learner
has: the statement, ``math``, NumPy and ``node.parents`` / ``node.local_grads``. The tests
grade this file as a learner's, and every answer in it passes.
"""

import math

import numpy as np

__all__: list[str] = []  # answers to read, not an API


def d_mul(a, b, y):
    return b, a


def chain_rule(x, y):
    a, b = x + y, x - y
    df_da, df_db = b, a
    da_dx, da_dy, db_dx, db_dy = 1, 1, 1, -1
    return df_da * da_dx + df_db * db_dx, df_da * da_dy + df_db * db_dy


def d_exp(x, y):
    return y


def d_log(x, y):
    return 1 / x


def d_tanh(x, y):
    return 1 - y * y


def d_sigmoid(x, y):
    return y * (1 - y)


def d_relu(x, y):
    return 1.0 if x > 0 else 0.0


def d_div(a, b, y):
    return 1 / b, -a / b**2


def d_pow(a, b, y):
    return b * a ** (b - 1), y * math.log(a)


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def relative_error(analytic, numeric):
    difference = math.sqrt(sum((a - n) ** 2 for a, n in zip(analytic, numeric)))
    size = math.sqrt(sum(a * a for a in analytic)) + math.sqrt(sum(n * n for n in numeric))
    return difference / size


def sgd_step(params, lr):
    for p in params:
        p.data -= lr * p.grad


def backward_step(node):
    for parent, local in zip(node.parents, node.local_grads):
        parent.grad += local * node.grad


def topological_sort(root):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


def backward(root):
    order, visited, stack = [], set(), [(root, False)]
    while stack:  # a depth-first search without recursion: a graph may be deep
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents)
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad


def d_softmax_cross_entropy(Z, Y):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - Y


def dense_backward(X, W, b, dZ):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0, keepdims=True)


def sum_over_paths(root, x):
    # the nodes in topological order (each after its parents), then every path from x up to
    # root counted and summed from the root down, the way backward runs: a node passes its
    # count and its sum (times each local derivative) on to its parents
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, listed = stack.pop()
        if listed:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents)
    count, total = {root: 1}, {root: 1.0}
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            count[parent] = count.get(parent, 0) + count.get(node, 0)
            total[parent] = total.get(parent, 0.0) + total.get(node, 0.0) * local
    return count.get(x, 0), total.get(x, 0.0)
