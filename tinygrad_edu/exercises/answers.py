"""Reference solutions, and solutions that make the common mistakes on purpose.

Try the exercises before you read this file: it holds the answers. The grader compares your
answers with the references below, and with the deliberate mistakes to diagnose yours.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from tinygrad_edu import Value, walk

if TYPE_CHECKING:  # the answers on arrays import it when they run
    import numpy as np

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises

# ----------------------------------------------------------------------------- local derivatives


def d_mul(a: float, b: float, y: float) -> tuple[float, float]:
    return b, a


def d_exp(x: float, y: float) -> float:
    return y


def d_log(x: float, y: float) -> float:
    return 1 / x


def d_tanh(x: float, y: float) -> float:
    return 1 - y * y


def d_sigmoid(x: float, y: float) -> float:
    return y * (1 - y)


def d_relu(x: float, y: float) -> float:
    return 1.0 if x > 0 else 0.0


def d_div(a: float, b: float, y: float) -> tuple[float, float]:
    return 1 / b, -a / b**2


def d_pow(a: float, b: float, y: float) -> tuple[float, float]:
    return b * a ** (b - 1), y * math.log(a)


def chain_rule(x: float, y: float) -> tuple[float, float]:
    a, b = x + y, x - y  # f = a * b
    df_da, df_db = b, a
    return df_da * 1 + df_db * 1, df_da * 1 + df_db * -1


# ----------------------------------------------------------------------------- numbers


def central_difference(f: Any, x: float, h: float) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def relative_error(analytic: list[float], numeric: list[float]) -> float:
    difference = [a - n for a, n in zip(analytic, numeric)]
    return _over(_norm(difference), _norm(analytic) + _norm(numeric))


def _norm(v: list[float]) -> float:
    """The Euclidean norm, sqrt(sum of v_i²)."""
    return math.hypot(*v)


def _over(x: float, y: float) -> float:
    """x / y for x, y >= 0, as NumPy divides (a learner's answer may be NumPy's): inf for
    x / 0, NaN for 0 / 0."""
    return x / y if y else math.inf if x > 0 else math.nan


def sgd_step(params: list[Value], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


# ----------------------------------------------------------------------------- graphs


def backward_step(node: Value) -> None:
    for parent, local in zip(node.parents, node.local_grads):
        parent.grad += local * node.grad


def topological_sort(root: Value) -> list[Value]:
    return walk(root)


def backward(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(walk(root)):
        backward_step(node)


# ----------------------------------------------------------------------------- matrices


def _softmax(Z: np.ndarray, axis: int | None = 1) -> np.ndarray:
    import numpy as np

    e = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def d_softmax_cross_entropy(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return _softmax(Z) - Y


def dense_backward(X: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """With the tensor engine: build Z = X·W + b, send dZ back, read the three gradients."""
    from tinygrad_edu.tensor import Tensor

    x, w, bias = Tensor(X), Tensor(W), Tensor(b)
    (x @ w + bias).backward(dZ)
    assert x.grad is not None and w.grad is not None and bias.grad is not None
    return x.grad, w.grad, bias.grad


# ----------------------------------------------------------------------------- the mistakes
# Each function below has the exercise's signature and makes exactly one mistake.


def mul_swapped(a: float, b: float, y: float) -> tuple[float, float]:
    return a, b


def chain_path_a_only(x: float, y: float) -> tuple[float, float]:
    b = x - y  # df/da = b; x and y reach f through a only
    return b * 1, b * 1


def chain_path_b_only(x: float, y: float) -> tuple[float, float]:
    a = x + y  # df/db = a; x and y reach f through b only
    return a * 1, a * -1


def chain_no_upstream(x: float, y: float) -> tuple[float, float]:
    return 1 + 1, 1 + -1  # the local derivatives of a and b, not multiplied by df/da, df/db


def tanh_factor_missing(x: float, y: float) -> float:
    return 1 - y


def sigmoid_without_one_minus_y(x: float, y: float) -> float:
    return y


def sigmoid_without_y(x: float, y: float) -> float:
    return 1 - y


def sigmoid_plus_y(x: float, y: float) -> float:
    return y * (1 + y)


def relu_sides_swapped(x: float, y: float) -> float:
    return 1.0 if x < 0 else 0.0


def div_without_a(a: float, b: float, y: float) -> tuple[float, float]:
    return 1 / b, -1 / b**2


def div_one_power_of_b(a: float, b: float, y: float) -> tuple[float, float]:
    return 1 / b, -a / b


def pow_without_b(a: float, b: float, y: float) -> tuple[float, float]:
    return a ** (b - 1), y * math.log(a)


def pow_exponent_not_lowered(a: float, b: float, y: float) -> tuple[float, float]:
    return b * a**b, y * math.log(a)


def pow_without_log(a: float, b: float, y: float) -> tuple[float, float]:
    return b * a ** (b - 1), y


def pow_without_y(a: float, b: float, y: float) -> tuple[float, float]:
    return b * a ** (b - 1), math.log(a)


def pow_power_rule_for_exponent(a: float, b: float, y: float) -> tuple[float, float]:
    return b * a ** (b - 1), b * a ** (b - 1)


def forward_difference(f: Any, x: float, h: float) -> float:
    return (f(x + h) - f(x)) / h


def backward_difference(f: Any, x: float, h: float) -> float:
    return (f(x) - f(x - h)) / h


def difference_not_divided(f: Any, x: float, h: float) -> float:
    return f(x + h) - f(x - h)


EXACT_SLOPES: dict[str, Any] = {
    "sin": math.cos,
    "exp": math.exp,
    "cube (x**3)": lambda x: 3 * x * x,
    "tanh": lambda x: 1 - math.tanh(x) ** 2,
    "log(1 + x**2)": lambda x: 2 * x / (1 + x * x),
}
"""The exact derivative of each function the finite-difference exercise hands a solution
(``learner/number_cases.FUNCTIONS``, by name), kept in the grader's process only."""


def difference_ignoring_h(f: Any, x: float, h: float) -> float:
    # what a step of one's own, far smaller than h, comes close to
    return float(EXACT_SLOPES[f.name](x))


def difference_with_h_1e4(f: Any, x: float, h: float) -> float:
    return (f(x + 1e-4) - f(x - 1e-4)) / (2 * 1e-4)


def difference_precedence(f: Any, x: float, h: float) -> float:
    return (f(x + h) - f(x - h)) / 2 * h


def error_norm_of_sum(analytic: list[float], numeric: list[float]) -> float:
    difference = [a - n for a, n in zip(analytic, numeric)]
    return _over(_norm(difference), _norm([a + n for a, n in zip(analytic, numeric)]))


def error_with_squared_norms(analytic: list[float], numeric: list[float]) -> float:
    squares = sum((a - n) ** 2 for a, n in zip(analytic, numeric))
    return _over(squares, sum(a * a for a in analytic) + sum(n * n for n in numeric))


def absolute_error(analytic: list[float], numeric: list[float]) -> float:
    return _norm([a - n for a, n in zip(analytic, numeric)])


def error_relative_to_analytic(analytic: list[float], numeric: list[float]) -> float:
    return _over(_norm([a - n for a, n in zip(analytic, numeric)]), _norm(analytic))


def error_with_l1_norms(analytic: list[float], numeric: list[float]) -> float:
    difference = sum(abs(a - n) for a, n in zip(analytic, numeric))
    return _over(difference, sum(map(abs, analytic)) + sum(map(abs, numeric)))


def sgd_ascent(params: list[Value], lr: float) -> None:
    for p in params:
        p.data += lr * p.grad


def sgd_without_lr(params: list[Value], lr: float) -> None:
    for p in params:
        p.data -= p.grad


def sgd_assigns(params: list[Value], lr: float) -> None:
    for p in params:
        p.data = -lr * p.grad


def sgd_doubled_lr(params: list[Value], lr: float) -> None:
    for p in params:
        p.data -= 2 * lr * p.grad


def sgd_first_only(params: list[Value], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad
        return  # a return inside the loop: only the first parameter moves


def sgd_nothing_moves(params: list[Value], lr: float) -> None:
    for p in params:
        p = p.data - lr * p.grad  # rebinds the loop variable, as learners do


def sgd_with_data(params: list[Value], lr: float) -> None:
    for p in params:
        p.data -= lr * p.data


def step_assigns(node: Value) -> None:
    for parent, local in zip(node.parents, node.local_grads):
        parent.grad = local * node.grad


def step_without_upstream(node: Value) -> None:
    for parent, local in zip(node.parents, node.local_grads):
        parent.grad += local


def step_without_local(node: Value) -> None:
    for parent in node.parents:
        parent.grad += node.grad


def step_with_data(node: Value) -> None:
    for parent, local in zip(node.parents, node.local_grads):
        parent.grad += local * node.data


def backward_assigns(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(walk(root)):
        step_assigns(node)


def backward_without_upstream(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(walk(root)):
        step_without_upstream(node)


def backward_without_local(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(walk(root)):
        step_without_local(node)


def backward_in_forward_order(root: Value) -> None:
    root.grad = 1.0
    for node in walk(root):
        backward_step(node)


def _preorder(root: Value, flip: bool) -> list[Value]:
    """Every node the first time a depth-first search meets it: a node before its parents
    (``flip``: the parents taken last operand first)."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack = [root]
    while stack:  # the recursive search, written with a stack
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            order.append(node)
            parents = node.parents if flip else tuple(reversed(node.parents))
            stack.extend(parents)
    return order


def _breadth_first(root: Value, flip: bool) -> list[Value]:
    """Every node by its distance from the root, the nearest first (``flip``: the parents
    taken last operand first)."""
    order, seen = [root], {root}
    for node in order:  # the list grows while it is read: a queue
        for parent in reversed(node.parents) if flip else node.parents:
            if parent not in seen:
                seen.add(parent)
                order.append(parent)
    return order


def backward_in_preorder(root: Value) -> None:
    root.grad = 1.0
    for node in _preorder(root, flip=False):
        backward_step(node)


def backward_in_preorder_flipped(root: Value) -> None:
    root.grad = 1.0
    for node in _preorder(root, flip=True):
        backward_step(node)


def backward_breadth_first(root: Value) -> None:
    root.grad = 1.0
    for node in _breadth_first(root, flip=False):
        backward_step(node)


def backward_breadth_first_flipped(root: Value) -> None:
    root.grad = 1.0
    for node in _breadth_first(root, flip=True):
        backward_step(node)


def _repeated(root: Value, flip: bool) -> list[Value]:
    """A sort with no set of visited nodes (``build_topo`` without ``visited``): a node
    after its parents every time a path reaches it (``flip``: the parents taken last
    operand first, as a stack that pushes them in order takes them)."""
    order: list[Value] = []
    stack = [(root, False)]
    while stack:  # build_topo(v): build_topo(each parent); append v, with a stack
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            parents = node.parents if flip else tuple(reversed(node.parents))
            stack.extend((parent, False) for parent in parents)
    return order


def backward_with_repeats(root: Value) -> None:
    """Its own sort with no visited set: a node listed once per path passes its gradient
    on once for each listing."""
    root.grad = 1.0
    for node in reversed(_repeated(root, flip=False)):
        backward_step(node)


def backward_with_repeats_flipped(root: Value) -> None:
    root.grad = 1.0
    for node in reversed(_repeated(root, flip=True)):
        backward_step(node)


def backward_once_per_path(root: Value) -> None:
    """A node passes its gradient on every time a path reaches it, with whatever it holds
    by then: recursion with no topological order."""
    root.grad = 1.0
    stack = [root]
    while stack:  # visit(node): backward_step(node); visit(each parent), with a stack
        node = stack.pop()
        backward_step(node)
        stack.extend(reversed(node.parents))


def backward_once_per_path_interleaved(root: Value) -> None:
    """As ``backward_once_per_path``, with the recursion inside the loop over the parents:
    for each parent, add its share, then visit it."""
    root.grad = 1.0
    stack = [(root, 0)]
    while stack:  # (node, k): the node's parents before k are done
        node, k = stack.pop()
        if k < len(node.parents):
            stack.append((node, k + 1))
            parent = node.parents[k]
            parent.grad += node.local_grads[k] * node.grad
            stack.append((parent, 0))


def backward_past_hand_made(root: Value) -> None:
    """Local derivatives worked out from each node's op: a node made by hand
    (``Value(data, children, local_grads)``), whose op has no derivative to work out,
    passes nothing on."""
    root.grad = 1.0
    for node in reversed(walk(root)):
        if node.op != "node":
            backward_step(node)


def backward_without_seed(root: Value) -> None:
    for node in reversed(walk(root)):
        backward_step(node)


def softmax_ce_without_y(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return _softmax(Z)


def softmax_ce_averaged(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return (_softmax(Z) - Y) / len(Z)


def softmax_ce_wrong_axis(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return _softmax(Z, axis=0) - Y


def softmax_ce_whole_batch(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return _softmax(Z, axis=None) - Y


def softmax_ce_sums_not_kept(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    import numpy as np

    e = np.exp(Z)
    return e / e.sum(axis=1) - Y  # sums of shape (batch,) line up with the columns


def dense_no_batch_sum(X: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray) -> Any:
    return dZ @ W.T, X.T @ dZ, dZ


def dense_bias_wrong_axis(X: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray) -> Any:
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1, keepdims=True)


def dense_bias_averaged(X: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray) -> Any:
    return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0, keepdims=True)


def dense_weights_averaged(X: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray) -> Any:
    return dZ @ W.T, X.T @ dZ / len(X), dZ.sum(axis=0, keepdims=True)


def dense_w_not_transposed(X: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray) -> Any:
    return dZ @ W, X.T @ dZ, dZ.sum(axis=0, keepdims=True)


# ----------------------------------------------------------------------------- paths


def sum_over_paths(root: Value, x: Value) -> tuple[int, float]:
    """Graded on ``tinygrad_edu.paths``: the number of paths from x up to root, and the sum
    of their products, df/dx."""
    from tinygrad_edu import paths

    found = paths(root, x, limit=0)  # counted, not listed
    return found.count, found.total


def _search(root: Value, x: Value, parents: Any, carry: Any, start: float = 1.0
            ) -> tuple[int, float]:
    """The search a learner writes, from root down to x, with a mistake plugged in:
    ``parents(node)`` the (parent, local) pairs it follows, ``carry(so_far, local)`` what a
    step hands on."""
    count, total = 0, 0.0
    stack = [(root, start)]
    while stack:
        node, so_far = stack.pop()
        if node is x:
            count += 1
            total += so_far
            continue
        stack.extend((parent, carry(so_far, local)) for parent, local in parents(node))
    return count, total


def _pairs(node: Value) -> list[tuple[Value, float]]:
    return list(zip(node.parents, node.local_grads))


def paths_each_operand_once(root: Value, x: Value) -> tuple[int, float]:
    """A node's parents made a dict, ``dict(zip(node.parents, node.local_grads))``: x * x is
    followed once (with the local derivative of its last use)."""
    def once(node: Value) -> list[tuple[Value, float]]:
        return list(dict(_pairs(node)).items())

    return _search(root, x, once, lambda so_far, local: so_far * local)


def paths_adding_locals(root: Value, x: Value) -> tuple[int, float]:
    """Along a path the local derivatives added, not multiplied."""
    return _search(root, x, _pairs, lambda so_far, local: so_far + local, 0.0)


def paths_last_local_only(root: Value, x: Value) -> tuple[int, float]:
    """Each path's last step only: what came from above not multiplied in."""
    return _search(root, x, _pairs, lambda so_far, local: local)


def paths_visited_once(root: Value, x: Value) -> tuple[int, float]:
    """A search that visits every node once, as a topological sort does: a node reached
    along a second path is skipped, and so is every path through it. (Depth first, each
    node's first parent first, as the recursion a learner writes goes.)"""
    count, total, seen = 0, 0.0, set()
    stack: list[tuple[Value, float]] = [(root, 1.0)]
    while stack:
        node, so_far = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node is x:
            count, total = count + 1, total + so_far
            continue
        stack.extend((parent, so_far * local) for parent, local in reversed(_pairs(node)))
    return count, total


def paths_to_every_leaf(root: Value, x: Value) -> tuple[int, float]:
    """Every path from root down to any leaf, not only those ending at x."""
    count, total = 0, 0.0
    stack: list[tuple[Value, float]] = [(root, 1.0)]
    while stack:
        node, so_far = stack.pop()
        if not node.parents:
            count, total = count + 1, total + so_far
        stack.extend((parent, so_far * local) for parent, local in _pairs(node))
    return count, total
