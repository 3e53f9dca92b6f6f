"""The grader's code in a learner's process, rewritten by the learner's file as it loads,
earns nothing: a graph is sent to that process scattered (``inputs._scattered``: its nodes
listed by their labels' numbers, drawn shuffled, each with its number and its parents by
place) and each of its nodes is built alone, on stand-ins of its parents, in an order
drawn at random. Whatever a file replaces through ``sys.modules`` before the case is built
(``Graph.build``, ``wire.decode``, ``Once``, ``made_apart``, the engine's ``apply``, a
``Value``'s ``__setattr__``, ``random``'s shuffles), what it keeps holds no order in which
each node comes after its parents: a topological sort with no sort, and a backward that
skips the sort, fail. Each route took 1/1 before (issue 65: the file of
``REWRITES["build"]`` on ``check``, the class report and Gradescope)."""

import csv
import json
import subprocess
import sys
import textwrap

import pytest

from tinygrad_edu.exercises import EXERCISES, syscall_filter
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.learner.graph_cases import Graph, Scattered
from tinygrad_edu.exercises.learner.sandbox import offered
from tinygrad_edu.exercises.starters import model_answer_body

REACH = '''
import typing

_m = typing.sys.modules
_inputs = _m["tinygrad_edu.exercises.learner.inputs"]


def _reach(root):
    keep, todo, seen = [root], [root], {id(root)}
    while todo:
        for p in todo.pop().parents:
            if id(p) not in seen:
                seen.add(id(p))
                keep.append(p)
                todo.append(p)
    return keep


def _fitting(lists, keep):
    """The reached nodes in the order of the first list of labels kept in which every one
    comes after its parents (no sort of the graph: a place looked up); else []."""
    labels = {n.label for n in keep}
    for seq in reversed(lists):
        place = {}
        for k, x in enumerate(seq):
            place.setdefault(x, k)
        if labels <= set(place) and all(place[p.label] < place[n.label]
                                        for n in keep for p in n.parents):
            return sorted(keep, key=lambda n: place[n.label])
    return []


def _labels(case):
    """Every list of labels a kept case holds: its names, its nodes' names."""
    found = [case.node_names()] if hasattr(case, "node_names") else []
    return found + ([[t[0] for t in case.nodes]] if hasattr(case, "nodes") else [])


KEPT = []


def topological_sort(root):
    got = _fitting(KEPT, _reach(root))
    del KEPT[:]
    return got
'''
"""What every route shares: the nodes the root reaches (a membership walk, no sort), listed
in the order of a list of labels the route kept, if it is a topological order."""

REWRITES = {
    "build": '''
_build = _inputs.Graph.build
def _keeping(self):
    KEPT.append(self.node_names())
    return _build(self)
_inputs.Graph.build = _keeping
''',
    "decode": '''
_wire = _m["tinygrad_edu.exercises.learner.wire"]
_decode = _wire.decode
def _keeping(x, **kw):
    got = _decode(x, **kw)
    KEPT.extend(_labels(got))
    return got
_wire.decode = _keeping
''',
    "once": '''
_init = _inputs.Once.__init__
def _keeping(self, case):
    KEPT.extend(_labels(case))
    _init(self, case)
_inputs.Once.__init__ = _keeping
''',
    "made_apart": '''
_apart = getattr(_inputs, "made_apart", None)
def _keeping(nodes, order):
    KEPT.append([n.label for n in nodes])
    return _apart(nodes, order)
if _apart is not None:
    _inputs.made_apart = _keeping
''',
    "engine": '''
_engine = _m["tinygrad_edu.engine"]
_made = []
def _wrapped(f):
    def made(*args, **kwargs):
        got = f(*args, **kwargs)
        _made.append(got if got is not None else args[0])
        return got
    return made
for _name in ("apply", "made_by_hand", "fill"):
    if callable(getattr(_engine, _name, None)):
        setattr(_engine, _name, _wrapped(getattr(_engine, _name)))
_set = _engine.Value.__setattr__
_labelled = []
def _setting(self, name, value):
    if name == "label":
        _labelled.append(value)
    _set(self, name, value)
_engine.Value.__setattr__ = _setting
_sort = topological_sort
def topological_sort(root):
    KEPT[:] = [_labelled[:], [getattr(n, "__dict__", {}).get("label") for n in _made]]
    del _made[:], _labelled[:]
    return _sort(root)
''',
    "random": '''
_random = _m["random"]
_random.Random.sample = lambda self, population, k, **kw: list(population)[:k]
_random.Random.shuffle = lambda self, x, *a: None
_gc = _m.get("gc") or _m["builtins"].__import__("gc")
_sort = topological_sort
def topological_sort(root):
    keep = {id(n) for n in _reach(root)}
    KEPT[:] = [[o.label for g in (2, 1, 0) for o in _gc.get_objects(g) if id(o) in keep]]
    return _sort(root)
''',
}
"""Each route's rewriting, done as the file loads (before any case is built): ``build``,
the attacker's own file (Graph.build, the case kept: its names in the order its steps are
made); ``decode`` and ``once``, the case as it arrives; ``made_apart``, the nodes it was
given (in the graph's order); ``engine``, the nodes the engine's ops make, and the labels
set, in turn; ``random``, every shuffle made the identity, then the nodes by their places
in memory."""

BACKWARD = '''
def backward(root):
    """The chain rule, with no sort: the nodes in the order of the case kept."""
    order = _fitting(KEPT, _reach(root))
    del KEPT[:]
    if order:
        root.grad = 1.0
    for node in reversed(order):
        for p, g in zip(node.parents, node.local_grads):
            p.grad += g * node.grad
'''
"""The same for ``backward``: the chain rule done in the reversed order of the kept case,
no topological sort written (``REWRITES["decode"]``, ``["build"]``)."""


NO_FORWARD = '''
import typing

_m = typing.sys.modules
_wire = _m["tinygrad_edu.exercises.learner.wire"]
_decode = _wire.decode
_case = {"values": [], "k": 0}


def _keeping(x, **kw):
    got = _decode(x, **kw)
    if hasattr(got, "steps") and hasattr(got, "values"):
        _case["values"], _case["k"] = list(got.values), 0
    elif hasattr(got, "n") and hasattr(got, "x"):   # SumChain: x, then s = s + x
        _case["values"], _case["k"] = [], 0
    return got


_wire.decode = _keeping


class Value:
    """No forward arithmetic: an op's number is the case's own; the backward is honest."""

    def __init__(self, data, _children=(), _local=()):
        k = _case["k"]
        _case["k"] = k + 1
        vals = _case["values"]
        self.data = vals[k] if _children and k < len(vals) else data
        self.grad = 0.0
        self._prev = _children
        self._local = _local

    def _made(self, parents, local):
        out = Value(0.0, parents)
        if not _case["values"]:   # (no numbers kept: the SumChain)
            out.data = sum(p.data for p in parents) if len(parents) == 2 else 0.0
        out._local = local(out)
        return out

    def __add__(self, o):
        if isinstance(o, Value):
            return self._made((self, o), lambda out: (1.0, 1.0))
        return self._made((self,), lambda out: (1.0,))
    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Value):
            return self._made((self, o), lambda out: (1.0, -1.0))
        return self._made((self,), lambda out: (1.0,))

    def __rsub__(self, o):
        return self._made((self,), lambda out: (-1.0,))

    def __mul__(self, o):
        if isinstance(o, Value):
            return self._made((self, o), lambda out: (o.data, self.data))
        return self._made((self,), lambda out: (o,))
    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Value):
            return self._made((self, o), lambda out: (1 / o.data, -self.data / o.data ** 2))
        return self._made((self,), lambda out: (1 / o,))

    def __rtruediv__(self, o):
        return self._made((self,), lambda out: (-o / self.data ** 2,))

    def __pow__(self, k):
        return self._made((self,), lambda out: (k * self.data ** (k - 1),))

    def tanh(self):
        return self._made((self,), lambda out: (1 - out.data ** 2,))

    def exp(self):
        return self._made((self,), lambda out: (out.data,))

    def relu(self):
        return self._made((self,), lambda out: (1.0 if out.data > 0 else 0.0,))

    def log(self):
        return self._made((self,), lambda out: (1 / self.data,))

    def backward(self):
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            for p, g in zip(node._prev, node._local):
                p.grad += g * node.grad
'''
"""A Value class whose operators compute nothing: each node it makes takes the next number
the grader's case holds (an Expression's ``values``, every node's number as the engine
computes it, kept by a ``wire.decode`` replaced as the file loads); its backward is
honest. The whole Value exercise, 1/1, before (``wire._no_numbers_for_the_forward``)."""


def graded(tmp_path, source, names):
    path = tmp_path / "solutions.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return grade_apart(path, [EXERCISES[n] for n in names])


@pytest.mark.parametrize("route", sorted(REWRITES))
def test_a_rewritten_grader_keeps_no_order_to_sort_by(tmp_path, route):
    result = graded(tmp_path, REACH + REWRITES[route], ["topological_sort"])
    assert result.problem is None and not result.reported, (result.problem, result.reported)
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed, (route, str(verdict))


@pytest.mark.parametrize("route", ["build", "decode"])
def test_a_backward_that_skips_the_sort_by_a_kept_case_fails(tmp_path, route):
    result = graded(tmp_path, REACH + REWRITES[route] + BACKWARD, ["backward"])
    assert result.problem is None and not result.reported, (result.problem, result.reported)
    assert not result.verdicts["backward"].passed, str(result.verdicts["backward"])


def test_a_scattered_graph_is_the_graph_made_in_no_order_of_its_own():
    """``Graph.scattered``: the nodes listed by their labels' numbers; built, each node has
    the op, number, parents and local derivatives the graph says, and the order they were
    made in (their places in Python's memory) is no topological order; the same case makes
    the same order."""
    import gc

    case = Graph(leaves=(0.5, -1.25), steps=(("*", (0, 1)), ("tanh", (2,)), ("+", (3, 0)),
                                             ("exp", (4,)), ("node", (5, 1)), ("-", (6, 2))),
                 labels=(3, 0, 5, 1, 4, 2), given=((0.75, (2.0, -1.0)),))
    sent = case.scattered()
    assert [n[0] for n in sent.nodes] == ["x0", "x1"] + [f"v{k}" for k in range(1, 7)]
    assert sent.nodes[sent.root][0] == case.node_names()[-1] == "v3"

    def allocation_order(nodes):
        where = {id(o): k for k, o in enumerate(gc.get_objects(0))}
        return sorted(range(len(nodes)), key=lambda k: where[id(nodes[k])])

    gc.collect()
    gc.disable()  # (a collection would move the nodes made so far to another list)
    try:
        nodes, again = sent.build(), sent.build()
        made, made_again = allocation_order(nodes), allocation_order(again)
    finally:
        gc.enable()
    by_label = {n.label: n for n in nodes}
    for want in case.build():
        got = by_label[want.label]
        assert (got.op, got.data, got.local_grads) == (want.op, want.data, want.local_grads)
        assert [p.label for p in got.parents] == [p.label for p in want.parents]
        assert all(p is by_label[p.label] for p in got.parents)  # (no stand-in left)
    place = {id(nodes[k]): at for at, k in enumerate(made)}
    assert not all(place[id(p)] < place[id(n)] for n in nodes for p in n.parents), made
    assert made == made_again
    assert Scattered(sent.nodes, sent.root).build()[sent.root].label == "v3"
    ex = EXERCISES["backward"]  # (its grads, listed so, are shown under the right names)
    (grads,) = ex.call(ex.reference, case)
    want = case.build()
    want[-1].backward()
    grad_of = {n.label: n.grad for n in want}
    assert [grad_of[row.split(".")[0]] for row in ex.rows(case)] == list(grads)


@pytest.mark.slow
@pytest.mark.long(sibling="test_gradescope_gives_a_backward_that_skips_the_sort_nothing")
def test_a_class_report_gives_the_rewriting_files_nothing(tmp_path):
    """``exercises report`` on a class folder, as a teacher runs it (in a fresh Python): a
    student per route gets 0, an honest one full marks. (The long tier's, 7 core-seconds:
    the main tier grades a rewriting file on Gradescope's route, as the same grader.)"""
    folder = tmp_path / "class"
    folder.mkdir()
    for route, rewrite in REWRITES.items():
        (folder / f"{route}.py").write_text(REACH + rewrite, encoding="utf-8")
    (folder / "skips_the_sort.py").write_text(REACH + REWRITES["decode"] + BACKWARD,
                                              encoding="utf-8")
    (folder / "ada.py").write_text("\n\n".join(
        model_answer_body(EXERCISES[n]).join([f"def {n}(root):\n", "\n"])
        for n in ("topological_sort", "backward")), encoding="utf-8")
    report = tmp_path / "r.csv"
    unsandboxed = ["--allow-unsandboxed"] if any(
        offered(syscall_filter.kernel()).values()) else []
    done = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "report",
                           str(folder), "topological_sort", "backward", "-o", str(report),
                           *unsandboxed], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["student"]: row for row in csv.DictReader(report.read_text("utf-8")
                                                         .splitlines())}
    assert float(rows.pop("ada")["score"]) == 2, done.stdout
    assert set(rows) == {*REWRITES, "skips_the_sort"}
    for student, row in rows.items():
        assert float(row["score"]) == 0, (student, json.dumps(row))


@pytest.mark.slow
def test_gradescope_gives_a_backward_that_skips_the_sort_nothing(gradescope):
    """The same backward on Gradescope, as it runs a submission (as root): 0 of backward's
    points, where it took them all before."""
    from tests.exercises.assignment_runs import NAMES, POINTS, grade_on_gradescope
    from tests.exercises.class_work import IMPORTS, answer
    from tests.exercises.test_classroom import assert_gradescope_results

    assert NAMES == ["d_mul", "d_tanh", "backward"]
    source = IMPORTS + answer("d_mul") + "\n\n" + answer("d_tanh") + "\n\n" + \
        REACH + REWRITES["build"] + BACKWARD
    data = grade_on_gradescope(gradescope, {"hw1.py": source})
    assert_gradescope_results(data, NAMES, POINTS, {"d_mul", "d_tanh"})


def test_a_value_class_with_no_forward_pass_earns_nothing(tmp_path):
    """A forward-only case crosses without its numbers: the class fails the forward stage,
    and with partial credit earns no stage at all."""
    result = graded(tmp_path, NO_FORWARD, ["Value"])
    assert result.problem is None and not result.reported, (result.problem, result.reported)
    verdict = result.verdicts["Value"]
    assert not verdict.passed and verdict.earned == 0, str(verdict)
    assert "the forward pass" in str(verdict), str(verdict)
