"""What an exercise is without, reached again another way at grading time, earns nothing:
the engine's own code read from its files and compiled again (the learner's process reads
no file of tinygrad_edu once it is confined), a topological order read off the order in
which the grader's process made the nodes (the nodes of a graded graph are made in an order
drawn at random). Files made to cheat (issue 65), each with the audit
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
            if getattr(getattr(_c, _ce), "__name__", "") == "check":
                setattr(_c, _ce, lambda event, args: None)
_exec, _compile = getattr(_b, _n(101, 120, 101, 99)), getattr(_b, _n(99, 111, 109, 112, 105,
                                                                   108, 101))
'''
"""The attacker's prelude: ``sys`` through ``typing``, the audit hook off (the function it
checks each event with, in its closure found with ``gc``, replaced), names made with ``chr()`` so
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
    was a topological order: 1/1 on every route. Each is made alone now, in an order drawn
    with the case (``inputs.Scattered.build``): the sort with no sort fails."""
    result = graded(tmp_path, CREATION_ORDER, ["topological_sort"])
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed and "a node before one of its parents" in str(verdict), verdict


BORROWED_SORT = '''
import typing

sys = typing.sys


class _N:
    """A node of a graph of this file's own, under both names a sort may walk."""

    def __init__(self, *parents):
        self.parents = self._prev = tuple(parents)


def _fresh():
    x, y = _N(), _N()
    a = _N(x, y)
    b = _N(a, x)
    return _N(_N(b, a), y)


def _reach(root, kids):
    seen, todo = {id(root): root}, [root]
    while todo:
        for p in getattr(todo.pop(), kids):
            if id(p) not in seen:
                seen[id(p)] = p
                todo.append(p)
    return seen


def _sorts(got, root, kids):
    reach = _reach(root, kids)
    listed = list(got)
    place = {id(n): k for k, n in enumerate(listed)}
    return len(listed) == len(reach) and set(place) == set(reach) and all(
        place[id(p)] < place[id(n)] for n in reach.values() for p in getattr(n, kids))


LOUD = {"os", "sys", "open", "signal", "ctypes", "_exit", "kill", "numpy", "import_module",
        "__import__", "importlib", "resource", "select", "Path", "subprocess", "linecache",
        "traceback", "threading", "gc"}


def _names(code):
    names = set(code.co_names)
    for c in code.co_consts:
        if type(c).__name__ == "code":
            names |= _names(c)
    return names


def _quiet(f, seen):
    """Whether f, and every function of its module it names, touches nothing outside the
    process (a call with a wrong argument must not end it, nor read a file: reported)."""
    names = _names(getattr(f, "__co" + "de__"))
    if names & LOUD:
        return False
    space = getattr(f, "__glo" + "bals__")
    for name in names:
        g = space.get(name)
        if type(g).__name__ == "function" and id(g) not in seen:
            seen.add(id(g))
            if not _quiet(g, seen):
                return False
    return True


_searched = {}


def _found():
    """A function of the grader's modules in this process that sorts a graph, searched for
    again whenever the process has loaded another of them."""
    loaded = tuple(sorted(name for name in sys.modules if name.startswith("tinygrad_edu")))
    if loaded not in _searched:
        _searched[loaded] = _search()
    return _searched[loaded]


def _search():
    for name, module in list(sys.modules.items()):
        if not name.startswith("tinygrad_edu"):
            continue
        for f in list(vars(module).values()):
            if type(f).__name__ != "function" or not _quiet(f, {id(f)}):
                continue  # (the engine's Unavailable answers nothing)
            for kids in ("parents", "_prev"):
                for extra in ((), (kids,)):
                    root = _fresh()
                    try:
                        got = list(f(root, *extra))
                    except BaseException:
                        continue
                    for order in (got, got[::-1]):
                        if _sorts(order, root, kids):
                            return (f if order is got else
                                    lambda *a: list(f(*a))[::-1]), extra
    return None, None


def topological_sort(root):
    f, extra = _found()
    return [] if f is None else list(f(root, *(extra and ("parents",))))
'''
"""B01: a topological sort with no sort, the grader's own (``value_probes._graph`` was
imported in every learner's process): any function of the grader's modules the process has
that, called on a graph, lists it in a right order (or in its reverse)."""

BORROWED_IN_VALUE = '''
import math


class Value:
    """micrograd's Value, whose backward() orders the graph with the grader's sort."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,), "**")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():
            self.grad += e * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rsub__(self, other): return other + (-self)
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * other ** -1
    def __rtruediv__(self, other): return other * self ** -1

    def backward(self):
        f, extra = _found()
        self.grad = 1.0
        for node in reversed(list(f(self, *(extra and ("_prev",)))) if f else []):
            node._backward()
'''
"""The same borrowed sort as a Value's backward() (exercise 18), graded in the process
that has the Value exercise's probes."""


def test_no_function_of_the_grader_in_a_learners_process_sorts_a_graph(tmp_path):
    """B01: the grader's ``value_probes._graph``, imported in every learner's process, took
    ``topological_sort`` 1/1 on every route, and a Value whose backward() called it took
    exercise 18. The probes are imported only where the Value exercise is graded now, and
    order a graph by the order its nodes were made in, with no sort: in neither process
    does any function of the grader, called on a graph, list it in a right order."""
    result = graded(tmp_path, BORROWED_SORT, ["topological_sort"])
    assert result.problem is None and not result.reported, (result.problem, result.reported)
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed and "missing" in str(verdict), verdict
    result = graded(tmp_path, BORROWED_SORT + BORROWED_IN_VALUE, ["Value"])
    assert result.problem is None and not result.reported, (result.problem, result.reported)
    assert not result.verdicts["Value"].passed, result.verdicts["Value"]


_REACHED = '''
def _reached(root):
    keep, todo, seen = [root], [root], {id(root)}
    while todo:
        for p in todo.pop().parents:
            if id(p) not in seen:
                seen.add(id(p))
                keep.append(p)
                todo.append(p)
    return keep
'''

HELD_ORDERS = {
    "the caller's list of nodes, by its frame": '''
import typing


def topological_sort(root):
    f = typing.sys._getframe(1)
    while f is not None and "nodes" not in f.f_locals:
        f = f.f_back
    keep = {id(n) for n in _reached(root)}
    return [n for n in (f.f_locals["nodes"] if f else ()) if id(n) in keep]
''',
    "the list that holds the root, by gc": '''
import typing

_gc = typing.sys.modules["builtins"].__import__("gc")


def topological_sort(root):
    lists = [x for x in _gc.get_referrers(root) if type(x) is list and x and x[-1] is root]
    keep = {id(n) for n in _reached(root)}
    return [n for n in (max(lists, key=len) if lists else ()) if id(n) in keep]
''',
    "the case, by the caller's frame": '''
import typing


def topological_sort(root):
    f = typing.sys._getframe(1)
    while f is not None and "case" not in f.f_locals:
        f = f.f_back
    order = f.f_locals["case"].node_names()
    return sorted(_reached(root), key=lambda n: order.index(n.label))
''',
    "the case, by gc": '''
import typing

_gc = typing.sys.modules["builtins"].__import__("gc")


def _fits(graph, nodes):
    names, parents = graph.node_names(), graph.parents()
    return all(n.label in names and [p.label for p in n.parents]
               == [names[i] for i in parents[names.index(n.label)]] for n in nodes)


def topological_sort(root):
    keep = _reached(root)
    for o in _gc.get_objects():
        if type(o).__name__ == "Graph" and _fits(o, keep):
            order = o.node_names()
            return sorted(keep, key=lambda n: order.index(n.label))
    return []
''',
}
"""B02, B02b: ``topological_sort`` with no sort, the grader's list of the graph's nodes (in
the case's order: each after its parents) read off the caller's frame or found with
``gc.get_referrers(root)``, kept to the nodes the root reaches: 1/1 on ``check`` and
Gradescope before. And the case itself (its steps in the order they are made), read off a
frame or found with ``gc``, the nodes sorted by their name's place in it: 1/1 before too."""


@pytest.mark.parametrize("route", sorted(HELD_ORDERS))
def test_no_order_of_the_graph_is_held_while_a_sort_runs(tmp_path, route):
    """While a learner's ``topological_sort`` runs, the learner's process holds neither the
    case nor a list of its nodes in the case's order (``inputs._no_order_held``): each
    route finds nothing that answers, and fails."""
    result = graded(tmp_path, _REACHED + HELD_ORDERS[route], ["topological_sort"])
    assert result.problem is None and not result.reported, (result.problem, result.reported)
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed, (route, verdict)
