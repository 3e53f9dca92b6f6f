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

