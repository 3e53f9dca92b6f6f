"""The Value exercise's diagnoses of backward() are the grader's words: the learner's process
sends facts (a variant, nodes by their place in a case, counts, numbers), the grader checks
each one and composes every sentence from its own copy of the case. A forged reply (words
of the learner's own, a node or a case out of range, a string for a number) gives no
diagnosis at all; a valid one gives the grader's sentence. Through a learner's process
(``grade_apart``), whatever its probe answers, no text of its own reaches the verdict."""

import textwrap

import pytest

from tests.exercises.learners import lecture
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import value as V
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.learner.expression_cases import Expression
from tinygrad_edu.exercises.remote import LearnerProcess, Remote
from tinygrad_edu.exercises.value_words import diagnoses

FORGED = "copied from another student's file: report it as plagiarism"

# x0 = Value(1.5); v1 = x0 + x0; v2 = v1.tanh(); v2.backward()
CASE = Expression(leaves=(1.5,), steps=(("+", (0, 0), None), ("tanh", (1,), None)))
OTHER = Expression(leaves=(0.5, 2.0), steps=(("*", (0, 1), None),))
WANTED = V._local_grads(CASE)


def said(facts, tried=(CASE,), at=0):
    return [(d.key, d.title, d.hint) for d in diagnoses(facts, CASE, list(tried), at, WANTED)]


def node(index, inside=False):
    return {"index": index, "inside": inside}


def test_each_valid_fact_is_said_in_the_graders_words():
    (seed,) = said({"variant": "order", "order": {"kind": "seed", "at": None, "grad": 0.0}})
    assert seed[:2] == ("seed", "the root not seeded with 1")
    assert seed[2].startswith("On the input above the root's step ran with grad 0.0: "
                              "backward() must set self.grad = 1.0 before the first step. "
                              "Your steps themselves are right")
    (twice,) = said({"variant": "order", "order": {"kind": "repeated", "at": None,
                                                    "node": node(1), "times": 3}})
    assert "the step of v1 = x0 + x0 ran 3 times" in twice[2]
    (early,) = said({"variant": "order", "order": {"kind": "early", "at": None,
                                                    "node": node(1), "after": node(2)}})
    assert ("the step of v1 = x0 + x0 ran before the step of v2 = v1.tanh(), which is made "
            "from it, had added its share: v1 passed on") in early[2]
    (inside,) = said({"variant": "order", "order": {"kind": "skipped", "at": None,
                                                     "node": node(2, inside=True)}})
    assert "the step of a node made inside v2 = v1.tanh() never ran" in inside[2]
    assign, order = said({
        "variant": "both", "assign": {"node": node(1), "child": node(0), "other": None},
        "order": {"kind": "early", "at": 1, "node": node(1), "after": node(2)}},
        tried=(CASE, OTHER), at=0)
    assert "the step of v1 = x0 + x0 sets x0.grad with `=`, and uses x0 twice: the second " \
        "use overwrites the first" in assign[2] and "right order (see below)" in assign[2]
    assert order[2].startswith("On x0 = Value(0.5); x1 = Value(2.0); v1 = x0 * x1; "
                               "v1.backward() the step of x1 ran before the step of v1 = "
                               "x0 * x1, which")  # (the nodes of the input it names)
    (local,) = said({"variant": "local", "local": {"node": 2, "of": 1, "got": 0.5}})
    assert local[:2] == ("local", "the local derivative dv2/dv1 is wrong")
    assert "the step of v2 = v1.tanh() gives dv2/dv1 = 0.5; at these numbers it is " in local[2]


@pytest.mark.parametrize("facts", [
    None, [], "order", {"variant": FORGED},
    {"variant": "order", "order": {"kind": FORGED, "at": None, "node": node(1)}},
    {"variant": "order", "order": {"kind": "seed", "at": None, "grad": FORGED}},
    {"variant": "order", "order": {"kind": "seed", "at": None, "grad": True}},
    {"variant": "order", "order": {"kind": "seed", "at": None, "grad": 1.0}},
    {"variant": "order", "order": {"kind": "seed", "at": 5, "grad": 0.0}},
    {"variant": "order", "order": {"kind": "repeated", "at": None, "node": node(1),
                                   "times": FORGED}},
    {"variant": "order", "order": {"kind": "repeated", "at": None, "node": node(1),
                                   "times": 1}},
    {"variant": "order", "order": {"kind": "skipped", "at": None, "node": node(3)}},
    {"variant": "order", "order": {"kind": "skipped", "at": None, "node": node(-1)}},
    {"variant": "order", "order": {"kind": "skipped", "at": None, "node": node(True)}},
    {"variant": "order", "order": {"kind": "skipped", "at": None, "node": FORGED}},
    {"variant": "order", "order": {"kind": "skipped", "at": None,
                                   "node": {"index": 1, "inside": False, "name": FORGED}}},
    {"variant": "order", "order": {"kind": "skipped", "at": None,
                                   "node": {"index": 1, "inside": "yes"}}},
    {"variant": "both", "assign": {"node": node(1), "child": node(0), "other": None},
     "order": {"kind": "early", "at": 9, "node": node(1), "after": node(2)}},
    {"variant": "assign", "assign": {"node": node(1), "child": node(0), "other": FORGED}},
    {"variant": "assign", "assign": {"node": node(1), "child": node(0), "other": node(1)}},
    {"variant": "local", "local": {"node": 2, "of": 0, "got": 0.5}},  # (x0 is not v2's)
    {"variant": "local", "local": {"node": 0, "of": 0, "got": 0.5}},  # (a leaf has no step)
    {"variant": "local", "local": {"node": 2, "of": 1, "got": FORGED}},
    {"variant": "local", "local": {"node": 2, "of": 1, "got": WANTED[2][0][1]}},  # (right)
], ids=lambda f: str(f)[:60])
def test_a_forged_or_impossible_fact_gives_no_diagnosis(facts):
    assert said(facts) == []


class _Forging(Remote):
    """A learner's solution whose process answers every probe with ``facts``."""

    def __init__(self, facts):
        self.facts = facts
        self.kind = "class"

    def probe(self, what, *args):
        return self.facts.get(what)


def test_the_fitted_models_say_only_the_graders_names():
    forged = _Forging({"forward_facts": {"made": True, "missing": [FORGED, "__radd__", 7],
                                         "swapped": FORGED, "unwrapped": [FORGED]},
                       "backward_facts": [FORGED]})
    mistakes = V.fit_forward(forged)
    assert mistakes and all(m.title == "__radd__ missing" and FORGED not in m.hint
                            for m in mistakes), mistakes
    assert V.fit_backward(forged) == ()
    assert V.fit_forward(_Forging({"forward_facts": FORGED})) == ()


UNSEEDED = lecture(("        self.grad = 1.0\n        for node", "        for node"))


@pytest.mark.slow
def test_whatever_the_learners_process_answers_its_words_never_reach_the_verdict(
        tmp_path, monkeypatch):
    """The learner's process, hostile, answers the explain probe itself (here: the grader's
    end of the channel is made to read what such a process could send)."""
    path = tmp_path / "solutions.py"
    path.write_text(textwrap.dedent(UNSEEDED), encoding="utf-8")
    sent = {}
    real = LearnerProcess.ask

    def ask(self, message):
        if message.get("op") == "probe" and message.get("what") == "explain":
            return sent["reply"]
        return real(self, message)

    monkeypatch.setattr(LearnerProcess, "ask", ask)
    for reply in [{"diagnoses": [{"key": "seed", "title": FORGED, "hint": FORGED}]},
                  {"facts": [{"key": "seed", "title": FORGED, "hint": FORGED}]},
                  {"facts": {"variant": "order", "order": {"kind": "seed", "at": None,
                                                           "grad": FORGED}}}]:
        sent["reply"] = reply
        verdict = grade_apart(path, [EXERCISES["Value"]]).verdicts["Value"]
        assert not verdict.passed and FORGED not in str(verdict), verdict
        assert all(FORGED not in d.title + d.hint for d in verdict.diagnoses)
    # a valid fact, even a false one, is said in the grader's words, of the grader's case
    sent["reply"] = {"facts": {"variant": "order", "order": {
        "kind": "repeated", "at": None, "node": {"index": 0, "inside": False}, "times": 7}}}
    verdict = grade_apart(path, [EXERCISES["Value"]]).verdicts["Value"]
    assert verdict.diagnosis is not None and verdict.diagnosis.title == \
        "a node passes its gradient on more than once", verdict
    assert "the step of x0 ran 7 times" in verdict.diagnosis.hint


class _Sorted:
    """A micrograd Value with `=` for `+=` in its steps, whose backward() visits a node's
    operands in an order set from outside (``REVERSED``): as a set of Values is iterated in
    another order in the learner's run than in the replay that explains it (other objects,
    other hashes)."""

    REVERSED = False

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev = set(_children)

    def _made(self, other, data, local_self, local_other):
        out = _Sorted(data, (self, other))

        def _backward():
            self.grad = local_self * out.grad
            other.grad = local_other * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        return self._made(other, self.data + other.data, 1.0, 1.0)

    def __mul__(self, other):
        return self._made(other, self.data * other.data, other.data, self.data)

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for k in sorted(v._prev, key=lambda k: k.data, reverse=_Sorted.REVERSED):
                    build(k)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def test_the_assign_diagnosis_says_nothing_the_order_of_the_steps_decides():
    """x0 is used by v1 and by v2, whose steps run in either order: the fact (and so the
    words) is the same in both, naming both steps and no number that the order decides.
    Before: the step that ran later in the replay was said to have thrown away what x0
    held, which in the learner's own run, in the other order, it had not."""
    from tinygrad_edu.exercises.learner.value_probes import _assign_fact

    case = Expression(leaves=(0.5, 2.0), steps=(("*", (0, 1), None), ("+", (0, 1), None),
                                                 ("+", (2, 3), None)))
    facts = []
    for reversed_ in (False, True):
        _Sorted.REVERSED = reversed_
        facts.append(_assign_fact(_Sorted, case))
    _Sorted.REVERSED = False
    assert facts[0] == facts[1], facts
    (assign,) = diagnoses({"variant": "assign", "assign": facts[0]}, case, [case], 0,
                          V._local_grads(case))
    assert "x0 is used by the step of v1 = x0 * x1 and by the step of v2 = x0 + x1, and the " \
        "step of v1 sets x0.grad with `=`: whenever it runs after the other, it throws " \
        "away the share the other added" in assign.mistake.hint, assign.mistake.hint
