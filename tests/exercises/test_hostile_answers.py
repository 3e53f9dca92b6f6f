"""What a learner's process answers, and asks, the grader is hostile: answers of the wrong
shape (the grader's call rewritten inside the process), questions about the stage being
graded (the grader answers only for an earlier stage it stands in for, and only in that
exercise), questions too large to answer (refused before anything runs). Each file reaches
the learner's side of the grader as a student would (hostile_files.py).
"""

import time

from tests.exercises.hostile_files import graded
from tinygrad_edu.exercises import EXERCISES, TRACK
from tinygrad_edu.exercises.apart import grade_apart


def test_an_answer_of_no_parts_is_not_a_right_one(tmp_path):
    """The grader's call rewritten to answer () whatever the solution: before, nothing in an
    empty answer was wrong, and every exercise passed."""
    result = graded(tmp_path, '''
        _call = _class("Call", "learner.inputs")
        _call.__call__ = lambda self, solution, case, node=None: ()

        def d_mul(a, b, y):
            return 0.0

        def d_tanh(x, y):
            return 0.0

        def backward(root):
            pass
        ''', ["d_mul", "d_tanh", "backward"])
    assert not any(v.passed for v in result.verdicts.values()), result.verdicts
    assert "the answer has 0 part(s) where the exercise reads 2: dy/da, dy/db" in str(
        result.verdicts["d_mul"])


def test_an_answer_the_judge_cannot_read_fails(tmp_path):
    """A topological order of names the graph does not have, written by the rewritten call:
    the judge refuses it, and the exercise fails (before: the judge's error ended the
    grading process)."""
    result = graded(tmp_path, '''
        _call = _class("Call", "learner.inputs")
        _call.__call__ = lambda self, solution, case, node=None: (("report this",),)

        def topological_sort(root):
            return []
        ''', ["topological_sort"])
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed and "could not be read as order" in str(verdict), verdict


def test_the_grader_answers_only_for_an_earlier_stage_given(tmp_path):
    """A track's file with no Value of its own: its later stages are graded on the grader's
    node, and the grader answers the process's questions about that node only; a stage
    that asks for itself (linear, softmax) is refused and fails."""
    result = graded(tmp_path, '''
        _answered = _sys.modules["tinygrad_edu.exercises.learner.answered"]
        _ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)

        def linear(x, w):
            return _answered.answered_call("linear", _ask, globals()["Value"])(x, w)

        def softmax(logits):
            return _answered.answered_call("softmax", _ask, globals()["Value"])(logits)
        ''', ["linear", "softmax"], file="gpt.py")
    for name in ("linear", "softmax"):
        verdict = str(result.verdicts[name])
        assert not result.verdicts[name].passed, verdict
        assert "refused" in verdict and "the grader answers here for Value" in verdict, verdict


def test_a_stage_that_asks_for_nothing_earlier_is_answered_nothing(tmp_path):
    """The node stage, graded first, with nothing given: a question about backward (the
    grader's reference doing the chain rule) is refused."""
    result = graded(tmp_path, '''
        _ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)

        class Value:
            def __init__(self, data, children=(), local_grads=()):
                self.data, self.grad = data, 0
                self._children, self._local_grads = tuple(children), tuple(local_grads)

            def __add__(self, other):
                reply = _ask({"kind": "backward", "root": 0, "nodes": [
                    [self.data, 0.0, [], {"local": []}]]})
                raise RuntimeError(str(reply))
        ''', ["node"], file="gpt.py")
    verdict = str(result.verdicts["node"])
    assert not result.verdicts["node"].passed
    assert "the grader answers nothing here" in verdict, verdict


ORACLE_VALUE = '''
_ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)
_made = [0]


class Value:
    """Exercise 18's class, its backward the grader's: every node's grad from a question
    about a graph of the grader's node class (which the grader answers where it stands in
    for the track's node, and this class has the same name)."""

    def __init__(self, data, _children=(), _how=None):
        self.data, self.grad = data, 0.0
        self._prev, self._how = tuple(_children), _how or {"local": []}
        _made[0] += 1
        self._n = _made[0]

    def _new(self, data, children, how):
        return _Mine(data, children, how)

    def __add__(self, o):
        o = o if isinstance(o, _Mine) else _Mine(o)
        return self._new(self.data + o.data, (self, o), {"op": "+"})

    def __mul__(self, o):
        o = o if isinstance(o, _Mine) else _Mine(o)
        return self._new(self.data * o.data, (self, o), {"op": "*"})

    def __pow__(self, k):
        return self._new(self.data ** k, (self,), {"op": "**", "k": k})

    def exp(self):
        return self._new(_serve["sys"].modules["math"].exp(self.data), (self,), {"op": "exp"})

    def relu(self):
        return self._new(max(0.0, self.data), (self,), {"op": "relu"})

    def tanh(self):
        e = (self * 2).exp()
        out = (e - 1) / (e + 1)
        out.data = _serve["sys"].modules["math"].tanh(self.data)
        return out

    def __neg__(self): return self * -1
    def __radd__(self, o): return self + o
    def __sub__(self, o): return self + (-o)
    def __rsub__(self, o): return o + (-self)
    def __rmul__(self, o): return self * o
    def __truediv__(self, o): return self * o ** -1
    def __rtruediv__(self, o): return o * self ** -1

    def backward(self):
        nodes, seen, todo = [], set(), [self]
        while todo:
            v = todo.pop()
            if id(v) not in seen:
                seen.add(id(v))
                nodes.append(v)
                todo.extend(v._prev)
        nodes.sort(key=lambda v: v._n)
        at = {id(v): k for k, v in enumerate(nodes)}
        reply = _ask({"kind": "backward", "root": at[id(self)],
                      "nodes": [[v.data, 0.0, [at[id(c)] for c in v._prev], v._how]
                                for v in nodes]})
        if "grads" not in reply:
            raise RuntimeError(str(reply))
        for v, g in zip(nodes, reply["grads"]):
            v.grad = g


_Mine = Value


def linear(x, w):
    return [sum((wi * xi for wi, xi in zip(row, x)), 0) for row in w]
'''
"""A file of the track's ``linear`` (graded first: the grader stands in for the track's
node, ``Value``) and of exercise 18's ``Value``, whose backward asks the grader."""


def test_what_the_grader_stood_in_for_answers_in_that_exercise_alone(tmp_path):
    """Exercise 18 (``Value``) graded after the track's linear, in the same process: before,
    the grader still answered questions about ``Value`` (it had stood in for the track's
    node, named so too), and its reference did exercise 18's backward: 2 of 2. Now what it
    stands in for holds for the exercise being graded, never for that exercise's own
    name: linear passes, exercise 18 is refused and fails."""
    result = graded(tmp_path, ORACLE_VALUE, ["linear", "Value"])
    assert result.verdicts["linear"].passed, result.verdicts["linear"]
    verdict = str(result.verdicts["Value"])
    assert not result.verdicts["Value"].passed, verdict
    assert "the grader answers nothing here" in verdict, verdict


def test_a_class_of_ones_own_named_as_a_stage_is_ones_own_again(tmp_path):
    """The honest control: exercise 18's Value (the lecture's, whose operations make
    ``Value``s by that name) graded after linear: the name is the learner's own again in
    its module (before, it was still the grader's stand-in, and exercise 18 failed)."""
    from tests.exercises.class_work import answer
    from tests.exercises.gpt_answers import RIGHT

    linear = RIGHT[RIGHT.index("def linear("):RIGHT.index("def softmax(")]
    path = tmp_path / "solutions.py"
    path.write_text("import math\n\n" + answer("Value") + "\n\n" + linear, encoding="utf-8")
    result = grade_apart(path, [TRACK["linear"], EXERCISES["Value"]])
    assert result.verdicts["linear"].passed, result.verdicts["linear"]
    assert result.verdicts["Value"].passed, result.verdicts["Value"]


def _linear_question(inputs, rows):
    """A question for the grader's linear: ``inputs`` nodes, ``rows`` rows that each name
    every one of them (a 15 MiB question of 1100 by 1000 cost the grader 66 s and 778 MB)."""
    row = {"list": [{"node": i} for i in range(inputs)]}
    return {"kind": "call", "name": "linear", "kwargs": {},
            "args": {"list": [row, {"list": [row] * rows}]},
            "leaves": [[0.5, 0.0]] * inputs}


def test_a_question_too_large_is_not_read_further():
    """Its parts counted before anything runs (each reference to a node, however often the
    same one is named): refused as the process's problem, at once; one of the track's size
    is answered as the reference answers it."""
    from tinygrad_edu.exercises.microgpt import answering
    from tinygrad_edu.exercises.microgpt import reference as R

    began = time.process_time()
    reply = answering.answer(_linear_question(1100, 200))
    assert reply == {"refused": "a question of more than 200000 parts", "oversized": True}
    assert time.process_time() - began < 2
    small = answering.answer(_linear_question(3, 2))
    expected = R.linear([R.Value(0.5)] * 3, [[R.Value(0.5)] * 3] * 2)
    assert [out[0] for out in small["outputs"]] == [v.data for v in expected]


def test_a_question_that_makes_too_many_nodes_is_refused():
    """A small question whose answer grows as the square of its size (attention over a
    sequence of 400): refused once the references have made ``MADE`` nodes."""
    from tinygrad_edu.exercises.microgpt import answering

    t, d = 400, 2
    leaves = [[0.1 * (k % 7), 0.0] for k in range(t * d)]
    rows = {"list": [{"list": [{"node": r * d + j} for j in range(d)]} for r in range(t)]}
    question = {"kind": "call", "name": "attention", "kwargs": {}, "leaves": leaves,
                "args": {"list": [rows, rows, rows]}}
    began = time.process_time()
    reply = answering.answer(question)
    assert reply == {"refused": f"a question whose answer makes more than {answering.MADE} "
                                "nodes"}, str(reply)[:300]
    assert time.process_time() - began < 5


def test_a_process_that_asks_too_large_a_question_fails_its_exercise(tmp_path):
    """softmax graded alone (the grader stands in for the node and linear): a question of
    220,000 references to linear ends the learner's process and fails the exercise, in
    seconds (before: the grader built every node and ran backward from each output)."""
    began = time.monotonic()
    result = graded(tmp_path, '''
        _ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)

        def softmax(logits):
            row = {"list": [{"node": i} for i in range(1100)]}
            return _ask({"kind": "call", "name": "linear", "kwargs": {},
                         "args": {"list": [row, {"list": [row] * 200}]},
                         "leaves": [[0.5, 0.0]] * 1100})
        ''', ["softmax"], file="gpt.py")
    verdict = str(result.verdicts["softmax"])
    assert not result.verdicts["softmax"].passed
    assert "asked the grader a question of more than 200000 parts" in verdict, verdict
    assert time.monotonic() - began < 30
