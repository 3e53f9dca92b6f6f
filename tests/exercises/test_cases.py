"""tinygrad_edu.exercises.cases: the inputs drawn hold every kind that matters (both signs,
the kinks, diamonds and deep chains, batches of one and more), and wrong answers fail on many
of them, so that a check rejects them even without its examples."""

import pytest

from tests.exercises.learners import drawn, solution
from tests.exercises.wrong_answers import WRONG
from tests.tiers import sampled
from tinygrad_edu.exercises import EXERCISES


@pytest.mark.slow
@pytest.mark.parametrize("name", sampled(
    WRONG, ("d_div", "topological_sort", "d_softmax_cross_entropy"),
    "test_every_wrong_answer_fails_on_many_of_the_random_inputs"))
def test_every_wrong_answer_fails_on_many_of_the_random_inputs(name):
    """The power of the random inputs, measured: each wrong answer of the catalog fails on at
    least 15% of them, so the 100 a check draws miss it with a chance below 0.85**100, about
    1e-7, even without the examples. (A wrong answer's count stops at 15%: the inputs after
    that cannot change the verdict.)"""
    from tinygrad_edu.exercises.running import attempt

    ex = EXERCISES[name]
    cases = drawn(ex.cases)
    for label, source in WRONG[name]:
        learner = solution(source, name)
        failing = 0
        for case in cases:
            failing += not attempt(ex, learner, case).ok
            if failing >= 0.15 * len(cases):
                break
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
        "a node made by hand": bool(graph.given),
    }


@pytest.mark.slow
def test_the_graphs_drawn_hold_every_kind_that_matters():
    facts = [_graph_facts(g) for g in drawn(EXERCISES["backward"].cases, n=300)]
    for fact in facts[0]:
        share = sum(f[fact] for f in facts) / len(facts)
        assert share >= 0.15, (fact, share)
    examples = [_graph_facts(g) for g in EXERCISES["backward"].examples]
    for fact in ("a node used twice by one op", "an inner node used at two depths",
                 "a diamond", "a node made by hand"):
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
