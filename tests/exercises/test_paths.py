"""The exercise sum_over_paths (why gradients add), graded on tinygrad_edu.paths: right
answers written as learners write them pass; its wrong answers (``WRONG_PATHS``, which
tests/exercises/wrong_answers.py adds to its catalog, so that every test of the catalog runs on them
too) are rejected, and each diagnosed mistake is named."""

import textwrap

import pytest

from tinygrad_edu import Value, paths
from tinygrad_edu.exercises import EXERCISES, check
from tinygrad_edu.exercises import drawn_graphs as G

NAME = "sum_over_paths"

RIGHT = {
    "recursion from the root down": """
        def sum_over_paths(root, x):
            count, total = 0, 0.0
            def down(node, carried):
                nonlocal count, total
                if node is x:
                    count += 1
                    total += carried
                    return
                for parent, local in zip(node.parents, node.local_grads):
                    down(parent, carried * local)
            down(root, 1.0)
            return count, total
     """,
    "a stack, from x's side": """
        def sum_over_paths(root, x):
            count, total = 0, 0.0
            stack = [(root, [])]
            while stack:
                node, locals_ = stack.pop()
                if node is x:
                    product = 1.0
                    for local in reversed(locals_):   # x's step first
                        product *= local
                    count += 1
                    total += product
                    continue
                for parent, local in zip(node.parents, node.local_grads):
                    stack.append((parent, locals_ + [local]))
            return count, total
     """,
    "counted as backward counts, value by value": """
        def sum_over_paths(root, x):
            count, grad = {root: 1}, {root: 1.0}
            for node in reversed(walk(root)):
                for parent, local in zip(node.parents, node.local_grads):
                    count[parent] = count.get(parent, 0) + count.get(node, 0)
                    grad[parent] = grad.get(parent, 0.0) + local * grad.get(node, 0.0)
            return count.get(x, 0), grad.get(x, 0.0)
     """,
}

# The wrong answers, as learners write them: each is one of the mistakes the exercise names.
_DOWN = """
def sum_over_paths(root, x):
    count, total = 0, 0.0
    def down(node, carried):
        nonlocal count, total
        if node is x:
            count += 1
            total += carried
            return
        for parent, local in {pairs}:
            down(parent, {carry})
    down(root, {start})
    return count, total
"""


def _down(pairs="zip(node.parents, node.local_grads)", carry="carried * local", start="1.0"):
    return _DOWN.format(pairs=pairs, carry=carry, start=start)


WRONG_PATHS = [
    ("each operand once", _down(pairs="dict(zip(node.parents, node.local_grads)).items()")),
    ("a visited set", """
        def sum_over_paths(root, x):
            count, total, visited = 0, 0.0, set()
            def down(node, carried):
                nonlocal count, total
                if node in visited:
                    return
                visited.add(node)
                if node is x:
                    count += 1
                    total += carried
                    return
                for parent, local in zip(node.parents, node.local_grads):
                    down(parent, carried * local)
            down(root, 1.0)
            return count, total
     """),
    ("locals added", _down(carry="carried + local", start="0.0")),
    ("the last local only", _down(carry="local")),
    ("every leaf", """
        def sum_over_paths(root, x):
            count, total = 0, 0.0
            def down(node, carried):
                nonlocal count, total
                if not node.parents:          # a leaf: the end of a path
                    count += 1
                    total += carried
                for parent, local in zip(node.parents, node.local_grads):
                    down(parent, carried * local)
            down(root, 1.0)
            return count, total
     """),
    ("the count only", _down(carry="carried")),
]

DIAGNOSED = [  # (the wrong answer, the mistake's key, words of its title, the part or None)
    ("each operand once", "once_per_operand", "followed once", None),
    ("a visited set", "visited", "a visited set", None),
    ("locals added", "added", "added along a path", "df/dx"),
    ("the last local only", "upstream", "only the last step", "df/dx"),
    ("every leaf", "every_leaf", "every leaf", None),
]


def learner(source):
    namespace = {}
    exec("from tinygrad_edu import walk\n" + textwrap.dedent(source), namespace)
    return namespace[NAME]


@pytest.mark.parametrize("label", list(RIGHT))
def test_a_right_answer_written_as_learners_write_it_passes(label):
    verdict = check(NAME, learner(RIGHT[label]))
    assert verdict.passed, str(verdict)


@pytest.mark.parametrize("label, key, words, part", DIAGNOSED)
def test_each_mistake_is_named(label, key, words, part):
    verdict = check(NAME, learner(dict(WRONG_PATHS)[label]))
    assert not verdict.passed
    text = str(verdict)
    assert verdict.keys and verdict.keys[0] == key, text
    assert words in verdict.diagnosis.title and verdict.diagnosis.everywhere, text
    if part is not None:
        assert verdict.diagnosis.part == part, text


def test_the_reference_is_paths_and_the_worked_example_is_the_statements():
    ex = EXERCISES[NAME]
    assert ex.level == 3 and ex.number == len(EXERCISES)
    worked = G.worked_graph()
    assert ex.call(ex.reference, worked) == (2.0, 6.0)  # as the statement says
    nodes = worked.build()
    nodes[-1].backward()
    assert nodes[0].grad == 6.0
    a = Value(3.0)
    assert ex.reference(a * a + a, a) == (3, 7.0) == (paths(a * a + a, a).count, 7.0)
    assert ex.call(ex.reference, G.paths_examples()[-1]) == (0.0, 0.0)  # x not used


def test_the_random_graphs_reach_x_along_several_paths_often():
    """The drawn graphs try what the mistakes get wrong: x used twice by one op, or reached
    along several paths, in a good share of them (each wrong answer must fail on 15% of the
    random inputs: tests/exercises checks it for the catalog)."""
    from tests.exercises.learners import drawn

    counts = [paths(*(lambda n: (n[-1], n[0]))(g.build()), limit=0).count
              for g in drawn(EXERCISES[NAME].cases)]
    assert sum(c >= 2 for c in counts) >= 0.3 * len(counts)
    assert sum(c == 0 for c in counts) >= 0.03 * len(counts)
