"""Answers as learners write them, and what the tests expect their verdicts to show.

``solution`` turns learner-style source into the function it defines; ``lecture`` is micrograd's
lecture Value (``tinygrad_edu/exercises/lecture.py``, graded as a learner's file) with changes
made; ``Shows`` is what a verdict must show, checked by ``assert_shows``.
"""

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinygrad_edu.exercises import Verdict
from tinygrad_edu.exercises import lecture as lecture_module

RULES = "\n".join([
    "import math",
    "import numpy as np",
    "from tinygrad_edu import walk",
])


def said_at_exact_points(name, answer, seed=3):
    """What the grader says of ``answer`` on the points where it is tried for exactness,
    drawn from ``seed``, watched as every other input is (and cheaper to reach than all of
    them: the verdict of ``check`` says the same on its first input); "" if nothing."""
    import random

    from tinygrad_edu.exercises import EXERCISES
    from tinygrad_edu.exercises.cases import draw_exact
    from tinygrad_edu.exercises.shortcuts import shortcut

    exercise = EXERCISES[name]
    return shortcut(exercise, answer, draw_exact(exercise, random.Random(seed)))


def solution(source, name):
    """The function ``name`` from learner-style source code."""
    namespace = {}
    exec(RULES + "\n" + textwrap.dedent(source), namespace)
    return namespace[name]


def value_class(source):
    return solution(source, "Value")


def write(tmp_path, text, name="solutions.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# micrograd's lecture Value (with tanh, exp, relu and the reverse forms), as a learner types
# it (tinygrad_edu/exercises/lecture.py, graded as a learner's file); the right answers here
# and the wrong ones in wrong_answers.py are that file with one change each.

LECTURE_VALUE = Path(lecture_module.__file__).read_text(encoding="utf-8")


def lecture(*changes):
    """The lecture's Value with each (old, new) change made (each old must be in it)."""
    source = LECTURE_VALUE
    for old, new in changes:
        assert old in source, old
        source = source.replace(old, new)
    return source


ITERATIVE_SORT = ("""        topo = []
        visited = set()
        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)""", """        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            v, children_done = stack.pop()
            if children_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)""")
DIRECT_SUB_DIV = ("""    def __truediv__(self, other):  # self / other
        return self * other**-1
""", """    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), '/')
        def _backward():
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out
"""), ("""    def __sub__(self, other):  # self - other
        return self + (-other)
""", """    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), '-')
        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out
""")
ASSIGN_EVERYWHERE = [("self.grad +=", "self.grad ="), ("other.grad +=", "other.grad =")]
PRE_ORDER = ("""                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)""", """                visited.add(v)
                topo.append(v)
                for child in v._prev:
                    build_topo(child)""")

CORRECT_VALUES = {
    "the lecture's (a recursive sort)": lecture(),
    "an iterative sort": lecture(ITERATIVE_SORT),
    "- and / as ops of their own, _prev a tuple": lecture(
        ITERATIVE_SORT, *DIRECT_SUB_DIV, ("self._prev = set(_children)",
                                          "self._prev = tuple(_children)")),
    "relu with max, tanh with math.tanh": lecture(
        ("out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')",
         "out = Value(max(0.0, self.data), (self,), 'ReLU')"),
        ("t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)", "t = math.tanh(x)")),
}


def drawn(strategy, n=200):
    """n inputs drawn from an exercise's strategy, the same every run."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    cases = []

    @seed(0)
    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(case):
        cases.append(case)

    collect()
    return cases


def in_two_processes(code):
    """What ``code`` prints, run in two processes with different hash seeds; the two runs
    must print the same."""
    runs = []
    for hashseed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        runs.append(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   text=True, env=env, check=True).stdout)
    assert runs[0] == runs[1]
    return runs[0]


REPOSITORY = str(Path(__file__).resolve().parents[2])
"""The checkout, for a process of its own to import ``tests`` from."""


@dataclass(frozen=True)
class Shows:
    """What a verdict must show: ``passed`` or not; the ``keys`` of its diagnoses, exactly;
    the (part, key) of each diagnosis (``diagnosed``); words of the first diagnosis's
    ``title``; ``words`` its text holds and words it ``never`` holds; and ``also``, anything
    else, as a test of the verdict. None (or empty) checks nothing."""

    passed: bool = False
    keys: tuple[str, ...] | None = None
    diagnosed: list[tuple[str | None, str]] | None = None
    title: str = ""
    words: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    also: Callable[[Verdict], bool] | None = None


def assert_shows(verdict, shows):
    text = str(verdict)
    assert verdict.passed is shows.passed, text
    if shows.keys is not None:
        assert verdict.keys == shows.keys, text
    if shows.diagnosed is not None:
        assert [(d.part, d.key) for d in verdict.diagnoses] == shows.diagnosed, text
    if shows.title:
        assert shows.title in verdict.diagnosis.title, text
    for words in shows.words:
        assert words in text, (words, text)
    for words in shows.never:
        assert words not in text, (words, text)
    if shows.also is not None:
        assert shows.also(verdict), text
