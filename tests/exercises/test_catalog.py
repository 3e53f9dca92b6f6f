"""tinygrad_edu.exercises.catalog: the exercises from easy to hard, each with a statement and
a starter that give nothing away, a reference that passes, and, for every harder one, at least
five wrong answers in the tests' catalog."""

import inspect
import textwrap
from pathlib import Path

import pytest

from tests.exercises.wrong_answers import WRONG
from tests.tiers import sampled
from tinygrad_edu.exercises import EXERCISES

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "exercises.md"


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
    # (a line that says something: not a bare `pass` or `return`, which prose may contain)
    code = [line.strip() for line in inspect.getsource(ex.reference).splitlines()[1:]]
    assert [line for line in code if len(line) > 8 and line[0] not in "#\"" and line in shown
            ] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", sampled(
    EXERCISES, ("d_tanh", "topological_sort", "dense_backward", "Value"),
    "test_the_reference_passes"))
def test_the_reference_passes(name):
    verdict = EXERCISES[name].check(EXERCISES[name].reference)
    assert verdict.passed, str(verdict)
    assert verdict.examples >= 50
    assert str(verdict).startswith(f"✓ {name} passed")


def test_the_catalog_of_wrong_answers_has_at_least_five_for_every_harder_exercise():
    counts = {name: len(entries) for name, entries in WRONG.items()}
    assert counts == {
        "d_div": 6, "d_pow": 6, "central_difference": 7, "relative_error": 6, "sgd_step": 8,
        "backward_step": 6, "topological_sort": 6, "backward": 11,
        "d_softmax_cross_entropy": 8, "dense_backward": 8, "Value": 19,
        "sum_over_paths": 6,
    }
    harder = {name for name, ex in EXERCISES.items() if ex.level >= 2}
    assert harder == set(counts) and min(counts.values()) >= 5
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"of {sum(counts.values())} wrong answers" in " ".join(guide.split())


def test_the_backward_statement_names_the_attributes_its_nodes_have():
    """What the statement of ``backward`` tells a learner to iterate (``node.parents`` with
    ``node.local_grads``) is there on the grader's nodes: an answer written from those words
    alone passes (an independent teacher's walk: ``parents`` was not named)."""
    import re

    ex = EXERCISES["backward"]
    named = set(re.findall(r"node\.(\w+)", ex.statement))
    assert {"parents", "local_grads", "grad"} <= named, named
    namespace = {}
    exec(textwrap.dedent("""
        from tinygrad_edu import walk

        def backward(root):
            root.grad = 1.0
            for node in reversed(walk(root)):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local * node.grad
    """), namespace)
    verdict = ex.check(namespace["backward"])
    assert verdict.passed, str(verdict)
