"""What an exercise is without, reached again another way at grading time, earns nothing:
the engine's own code read from its files and compiled again (the learner's process reads
no file of tinygrad_edu once it is confined), a topological order read off the order in
which the grader's process made the nodes (the nodes of a graded graph are made in an order
drawn at random). The attacker's files of issue 65's second round, each with the audit
hook switched off first (``AUDIT_OFF``): only the kernel, and what the grader hands the
process, stand.
"""

import textwrap

import pytest

from tinygrad_edu.exercises import EXERCISES, syscall_filter
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.learner.sandbox import offered

AUDIT_OFF = '''
import typing

def _n(*codes):
    return "".join(map(chr, codes))

sys = typing.sys
_b = sys.modules["builtins"]
_gc = sys.modules.get("gc") or getattr(_b, "__import__")("gc")
_cl, _ce = _n(*map(ord, "__clo")) + _n(*map(ord, "sure__")), _n(*map(ord, "cell_")) + \\
    _n(*map(ord, "contents"))
for _o in _gc.get_objects():
    if type(_o).__name__ == "function" and _o.__name__ == "hook" and \\
            "audit" in (_o.__module__ or ""):
        for _c in getattr(_o, _cl) or ():
            if type(getattr(_c, _ce)) is list:
                getattr(_c, _ce).append(True)
_exec, _compile = getattr(_b, _n(101, 120, 101, 99)), getattr(_b, _n(99, 111, 109, 112, 105,
                                                                   108, 101))
'''
"""The attacker's prelude: ``sys`` through ``typing``, the audit hook off (its guard
against itself is a list in its closure, found with ``gc``), names made with ``chr()`` so
that the grader's reading of the file sees no ``exec`` and no ``__closure__``."""

ENGINE_AGAIN = '''
def _compiled(module, start, end):
    """A function of the engine's file, compiled again from its source (indented: a method)."""
    path = sys.modules[module].__file__
    text = open(path).read()
    if start is None:
        space = {"__name__": "again"}
        _exec(_compile(text, path, "exec"), space)
        return space[end]
    at = text.index(start)
    body = "\\n".join(line[4:] for line in text[at:text.index(end, at + 10)].splitlines())
    space = {}
    _exec(_compile(body, path, "exec"), space)
    return space["_backward"]


def backward(root):
    step = _compiled("tinygrad_edu.engine", "    def _backward(self)", "    def ")
    for node in reversed(sys.modules["tinygrad_edu.graph"].seeded_order(root, 1.0)):
        if node._row is not None:
            step(node)


def backward_step(node):
    _compiled("tinygrad_edu.engine", "    def _backward(self)", "    def ")(node)


def topological_sort(root):
    return _compiled("tinygrad_edu.graph", None, "walk")(root)
'''
"""A03, A03c, A04: ``backward``, ``backward_step`` and ``topological_sort`` as the engine's
own code, read from ``engine.py`` and ``graph.py`` (which Landlock granted in those
exercises' processes, each file alone) and compiled again: 1/1 each on every route before
(the report, nbgrader 3/3, Otter 3/3, Classroom, ``check``)."""


def landlock_or_skip():
    missing = offered(syscall_filter.kernel())["Landlock"]
    if missing:
        pytest.skip(f"no Landlock here: {missing}")


def graded(tmp_path, source, names):
    path = tmp_path / "solutions.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return grade_apart(path, [EXERCISES[n] for n in names])


def test_the_engines_files_cannot_be_read_to_compile_again(tmp_path):
    """The engine's ``_backward`` and ``walk``, compiled again from its files at grading
    time: the files are refused by the kernel (EACCES), and each exercise fails, the
    learner's own line named (its traceback still shows the learner's source)."""
    landlock_or_skip()
    names = ["backward", "backward_step", "topological_sort"]
    result = graded(tmp_path, AUDIT_OFF + ENGINE_AGAIN, names)
    for name in names:
        verdict = str(result.verdicts[name])
        assert not result.verdicts[name].passed, (name, verdict)
        assert "PermissionError" in verdict and "text = open(path).read()" in verdict, verdict


CREATION_ORDER = '''
import typing


def _reachable(root):
    seen, stack = set(), [root]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(n.parents)
    return seen


def topological_sort(root):
    """No sort: the nodes in the order the grader's process made them."""
    seen = _reachable(root)
    gc = typing.sys.modules.get("gc") or typing.sys.modules["builtins"].__import__("gc")
    ids = {id(n) for n in seen}
    rank = {}
    for g in (2, 1, 0):
        for o in gc.get_objects(g):
            if id(o) in ids:
                rank[id(o)] = len(rank)
    return sorted(seen, key=lambda n: rank.get(id(n), -1))
'''
"""A12: the reachable nodes, as a set, listed by their place in the garbage collector's
lists: the order the objects were made in."""


def test_a_sort_by_the_order_the_nodes_were_made_in_fails(tmp_path):
    """Before, a graph's nodes were made parents first, so that the order of Python's memory
    was a topological order: 1/1 on every route. They are made in an order drawn with the
    case now (``inputs.made_apart``): the sort with no sort fails."""
    result = graded(tmp_path, CREATION_ORDER, ["topological_sort"])
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed and "a node before one of its parents" in str(verdict), verdict


def test_a_graphs_nodes_are_made_in_an_order_of_their_own():
    """``Graph.build``: the nodes of a chain, made in the order drawn from the case, are not
    in Python's memory in the graph's order; the graph itself is the one the case says
    (numbers, labels, parents, the op of each node), and the same case makes the same
    order."""
    import gc

    from tinygrad_edu.exercises.learner.inputs import Graph

    case = Graph(leaves=(0.5, -1.25), steps=(("*", (0, 1)), ("tanh", (2,)), ("+", (3, 0)),
                                             ("exp", (4,)), ("node", (5, 1)), ("-", (6, 2))),
                 labels=(3, 0, 5, 1, 4, 2), given=((0.75, (2.0, -1.0)),))
    def allocation_order(nodes):
        where = {id(o): k for k, o in enumerate(gc.get_objects(0))}
        return sorted(range(len(nodes)), key=lambda k: where[id(nodes[k])])

    gc.collect()
    gc.disable()  # (a collection would move the nodes made so far to another list)
    try:
        nodes, again = case.build(), case.build()
        made, made_again = allocation_order(nodes), allocation_order(again)
    finally:
        gc.enable()
    assert [n.label for n in nodes] == case.node_names()
    assert [n.op for n in nodes[2:]] == ["*", "tanh", "+", "exp", "node", "-"]
    assert nodes[2].data == 0.5 * -1.25 and nodes[3].parents == (nodes[2],)
    assert nodes[6].parents == (nodes[5], nodes[1]) and nodes[6].local_grads == (2.0, -1.0)
    assert made != list(range(len(nodes))) and made == made_again, (made, made_again)
