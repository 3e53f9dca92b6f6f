"""A ``backward`` that runs the forward pass again (in exact integers, or in floats by a
finite difference) gets a node made by hand wrong, earns nothing and is named by its line;
the watch stops one as soon as it is seen (a shortcut of ``test_shortcuts.py``'s kind)."""

import pytest

from tests.exercises.shortcut_answers import solutions
from tinygrad_edu.exercises import EXERCISES, check, drawn_graphs
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.loading import load_solutions

BACKWARD_IN_INTEGERS = '''\
from tinygrad_edu import walk

S = 10 ** 45
FORWARD = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b // S}


def _exp(a):
    k = 0
    while abs(a) > S // 2:
        a //= 2
        k += 1
    term, total, i = S, S, 1
    while term:
        term = term * a // (S * i)
        total += term
        i += 1
    for _ in range(k):
        total = total * total // S
    return total


FORWARD["exp"] = _exp
FORWARD["tanh"] = lambda a: (_exp(2 * a) - S) * S // (_exp(2 * a) + S)


def _again(order, numbers, start):
    for node in order[start:]:
        if node.op in FORWARD:  # (a node made by hand: its number as it was)
            numbers[node] = FORWARD[node.op](*(numbers[p] for p in node.parents))
    return numbers


def backward(root):
    order = walk(root)
    base = {n: int(float(n.data) * 10 ** 15) * 10 ** 30 for n in order}
    h = 10 ** 27
    for k, node in enumerate(order):
        up, down = dict(base), dict(base)
        up[node] += h
        down[node] -= h
        node.grad = (_again(order, up, k + 1)[root] - _again(order, down, k + 1)[root]) \\
            * S // (2 * h) / S
'''
"""``backward`` with no chain rule: each node nudged by ±h and the forward pass worked out
again in integers scaled by 10^45, reading each node's op (1/1 on
the report and Otter before): the graphs graded hold nodes made by hand, whose local
derivatives are given, those of no op."""

BY_OP = '''\
from tinygrad_edu import walk

def backward(root):
    root.grad = 1.0
    for node in reversed(walk(root)):
        p = node.parents
        local = {"+": (1.0, 1.0), "-": (1.0, -1.0), "tanh": (1 - node.data ** 2,),
                 "exp": (node.data,)}.get(node.op, ())
        if node.op == "*":
            local = (p[1].data, p[0].data)
        for parent, d in zip(p, local):
            parent.grad += d * node.grad
'''
"""A chain rule whose local derivatives are worked out from each node's op, as micrograd's
``_backward`` closures do: right on every op, nothing passed on at a node made by hand."""


def test_a_backward_that_runs_the_forward_pass_again_gets_a_node_made_by_hand_wrong(tmp_path):
    """Every grading tries the graph of ``drawn_graphs.by_hand_graph``, whatever it draws."""
    path = tmp_path / "backward.py"
    path.write_text(BACKWARD_IN_INTEGERS)
    ex = EXERCISES["backward"]
    graph = drawn_graphs.by_hand_graph()
    assert graph in ex.examples
    again = load_solutions(path)["backward"]
    expected, got = (ex.call(solution, graph)[0] for solution in (ex.reference, again))
    assert list(expected) == [5.0, 1.8, 3.0, 2.0, 1.0]  # (x, y, v1, v2, f)
    assert list(got) == [0.0, 0.3, 0.0, 2.0, 1.0], got  # (nothing through v2, made by hand)
    found = load_solutions(solutions(tmp_path, {"backward": BY_OP}))
    verdict = check("backward", found["backward"])
    said = str(verdict)
    assert not verdict.passed and "diagnosis: a node made by hand passes nothing on" in said
    assert "pass on what node.local_grads says" in said, said


@pytest.mark.slow
def test_a_backward_that_runs_the_forward_pass_again_earns_nothing(tmp_path):
    path = tmp_path / "backward.py"
    path.write_text(BACKWARD_IN_INTEGERS)
    verdict = grade_apart(path, [EXERCISES["backward"]]).verdicts["backward"]
    assert not verdict.passed and "made by hand" in str(verdict), verdict


FORWARD_AGAIN = '''\
import math
from tinygrad_edu import walk

F = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
     "tanh": math.tanh, "exp": math.exp}


def _again(order, numbers, start, base):
    for node in order[start:]:
        if node.op in F:
            numbers[node] = F[node.op](*(numbers[p] for p in node.parents))
        elif node.parents:  # (made by hand: moved along its local derivatives)
            numbers[node] = node.data + sum(g * (numbers[p] - base[p])
                                            for p, g in zip(node.parents, node.local_grads))
    return numbers


def backward(root):
    order = walk(root)
    base = {n: n.data for n in order}
    for k, node in enumerate(order):
        h = 1e-4 * max(1.0, abs(node.data))
        ends = []
        for step in (2, 1, -1, -2):
            numbers = dict(base)
            numbers[node] += step * h
            ends.append(_again(order, numbers, k + 1, base)[root])
        node.grad = (-ends[0] + 8 * ends[1] - 8 * ends[2] + ends[3]) / (12 * h)
'''
"""``backward`` by a fourth-order finite difference in floats, the forward pass worked out
again through math's functions held in a dict, a node made by hand moved along its local
derivatives (within 1e-10 of the chain rule: 1/1 with nodes made by hand)."""


def test_a_backward_that_runs_the_forward_pass_again_in_floats_fails_naming_the_line(tmp_path):
    found = load_solutions(solutions(tmp_path, {"backward": FORWARD_AGAIN}))
    said = str(check("backward", found["backward"]))
    assert "your answer runs the forward pass again (" in said, said
    assert " numbers next to " in said and "the number a node of the graph took it at" in said
    assert " on line 19, at " in said and "earn no points" in said, said


NUDGED_THEN_LONG = '''\
import math
from tinygrad_edu import walk


def backward(root):
    order = walk(root)
    nudged = False
    for node in order:
        if node.op in ("tanh", "exp"):
            f, x = getattr(math, node.op), node.parents[0].data
            h = 1e-6 * max(1.0, abs(x))
            nudged = (f(x + h) - f(x - h)) / (2 * h) is not None
    while nudged:  # (what takes long: the forward pass again, for each node of a chain)
        pass
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
'''
"""A backward that evaluates tanh or exp at two numbers next to an operand of the graph, then
runs long (as the forward pass run again for every node of a chain of 150 does on a loaded
machine); the chain rule where the graph has neither."""


def test_a_forward_pass_run_again_is_stopped_when_it_is_seen(tmp_path, short_time_limit):
    """The watch stops a backward as soon as it has evaluated an op's function at two numbers
    next to an operand: before, it said so only once the backward had returned, and one that
    ran past its time limit first got the time limit's verdict (test_shortcuts failed now
    and then under two workers: a fourth-order difference on a chain of 150)."""
    found = load_solutions(solutions(tmp_path, {"backward": NUDGED_THEN_LONG}))
    said = str(check("backward", found["backward"]))
    assert "your answer runs the forward pass again (" in said, said
