"""The learner's process holds no answer: no module it imports keeps, as data, a derivative of
a function an exercise hands a solution, nor a rule that agrees with an exercise's reference.

Issue 65: ``learner/number_cases.FUNCTIONS`` kept each
function's exact slope beside it (for the grader's model of an answer that ignores h), and a
file that walked its traceback's frames to it passed d_tanh on every route, unflagged. The
walk below goes through what the learner's side of the grader holds, as a solution reaching
it would: every module of ``tinygrad_edu/exercises/learner`` and the few others a learner's
process imports (``OTHERS``; the engine's files are there only where the exercise asks for
no derivative), their tables, cases and classes, and tries each function it finds there.
The file that did so is among ``test_earned.py``'s closed routes.
"""

import dataclasses
import importlib
import math
import operator
import pkgutil
import types

from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.answers import EXACT_SLOPES
from tinygrad_edu.exercises.learner import number_cases
from tinygrad_edu.exercises.learner.number_cases import Point

LEARNER = "tinygrad_edu.exercises.learner"
OTHERS = ("tinygrad_edu.exercises.limit", "tinygrad_edu.exercises.text_blocks",
          "tinygrad_edu.exercises.mistakes", "tinygrad_edu.formatting", "tinygrad_edu.arrays")
"""The modules of tinygrad_edu besides its own folder that a learner's process of the
exercises on numbers imports (``learner/__init__.py`` says which it may)."""

SETTING_UP = {"audit", "engines", "imports", "printed", "sandbox", "serve"}
"""Modules that set the process up (confine it, hook its audit events, start its serving):
their functions are not called here, only their data walked."""

PUTS_IN_PLACE = {"tinygrad_edu.exercises.learner.watched._watching_functions",
                 "tinygrad_edu.exercises.learner.given.put"}
"""The functions that put a rule's stand-ins in Python's own modules and return what puts
them back: not tried (called here, they left NumPy's, cmath's and getattr's stand-ins in
this process, and a later test of the worker met them)."""

POINTS = (0.35, 0.8, 1.3, 1.9)
HANDED = number_cases.FUNCTIONS
"""The functions the finite-difference exercise hands a solution."""


def learner_modules():
    package = importlib.import_module(LEARNER)
    names = [f"{LEARNER}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    return [importlib.import_module(name) for name in (*names, *OTHERS)]


def held(modules):
    """Every function a learner's side module holds: in its tables and cases (tuples, lists,
    dicts, dataclasses, the classes it defines), and the functions it defines itself (but
    not those of the modules in ``SETTING_UP``), with where each was found."""
    found, seen = {}, set()

    def walk(x, where, depth):
        if id(x) in seen or depth > 8 or isinstance(x, (types.ModuleType, str, bytes, int,
                                                        float, bool, type(None))):
            return
        seen.add(id(x))
        if isinstance(x, type):
            if x.__module__ in names:
                for key, value in vars(x).items():
                    if not _dunder(key):
                        walk(value, f"{where}.{key}", depth + 1)
            return
        if callable(x):
            found.setdefault(id(x), (x, where))
        if isinstance(x, dict):
            for key, value in list(x.items()):
                walk(value, f"{where}[{key!r}]", depth + 1)
        elif isinstance(x, (list, tuple, set, frozenset)):
            for k, value in enumerate(list(x)):
                walk(value, f"{where}[{k}]", depth + 1)
        elif dataclasses.is_dataclass(x):
            for field in dataclasses.fields(x):
                walk(getattr(x, field.name, None), f"{where}.{field.name}", depth + 1)
        elif isinstance(x, (staticmethod, classmethod)):
            walk(x.__func__, where, depth + 1)

    names = {m.__name__ for m in modules}
    for module in modules:
        short = module.__name__.rsplit(".", 1)[-1]
        for key, value in vars(module).items():
            if _dunder(key):
                continue  # (its builtins, its loader: Python's, not the package's)
            mine = getattr(value, "__module__", None) == module.__name__
            if (isinstance(value, types.FunctionType) and not (mine and short not in SETTING_UP)) \
                    or f"{module.__name__}.{key}" in PUTS_IN_PLACE:
                continue  # (imported, setting the process up or putting in place: not tried)
            walk(value, f"{module.__name__}.{key}", 0)
    return list(found.values())


def _dunder(name):
    return name.startswith("__") and name.endswith("__")


def _near(got, want):
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(map(_near, got, want))
    return (isinstance(got, (int, float)) and not isinstance(got, bool) and math.isfinite(want)
            and abs(got - want) <= 1e-9 * (1 + abs(want)))


OPERATORS = (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow)


def _an_operator(function):
    """Whether ``function`` is one of Python's operators on its two arguments (either way
    round), as the expressions' table of ops holds them: that a learner has already."""
    pairs = ((0.35, 1.3), (0.8, 1.9), (1.7, 0.6))
    return any(all(_near(_tried(function, a, b), op(*ab)) for a, b in pairs
                   for ab in [(a, b) if order else (b, a)])
               for op in OPERATORS for order in (True, False))


def _tried(function, *args):
    try:
        return function(*args)
    except Exception:  # (most are not functions of numbers at all)
        return None


def answers_found(functions):
    """Where a function held gives, at every point tried, an exercise function's exact
    slope or an exercise's reference rule (of x and y, or of x alone), without being the
    function itself (exp is its own slope, and a learner has exp anyway)."""
    found = []
    for f in HANDED:
        slope = EXACT_SLOPES[f.name]
        for function, where in functions:
            got = [_tried(function, x) for x in POINTS]
            if all(_near(g, slope(x)) for g, x in zip(got, POINTS)) and not all(
                    _near(g, f(x)) for g, x in zip(got, POINTS)):
                found.append(f"{where}: the slope of {f.name}")
    for name, exercise in EXERCISES.items():
        points = [p for p in exercise.examples if isinstance(p, Point)]
        if len(points) < 2:
            continue
        for function, where in functions:
            if _an_operator(function):
                continue  # (y / x is d_relu's answer where y = relu(x): the division is not)
            for args in ([p.args() for p in points], [p.values for p in points]):
                got = [_tried(function, *a) for a in args]
                if all(_near(g, exercise.reference(*p.args())) for g, p in zip(got, points)) \
                        and not all(p.y is not None and _near(g, p.y) for g, p in zip(got, points)):
                    found.append(f"{where}: {name}'s answer")
    return found


def test_the_walk_finds_a_slope_kept_beside_a_function(monkeypatch):
    """The walk below is one that can fail: a slope kept as ``FUNCTIONS`` kept it before
    (a field of each function's case) is found, and so is a reference rule in a table."""
    @dataclasses.dataclass(frozen=True)
    class WithSlope:
        name: str
        f: object
        slope: object

    monkeypatch.setattr(number_cases, "FUNCTIONS", tuple(
        WithSlope(f.name, f.f, EXACT_SLOPES[f.name]) for f in number_cases.FUNCTIONS))
    monkeypatch.setattr(number_cases, "RULES", {"tanh": lambda x, y: 1 - y * y},
                        raising=False)
    found = answers_found(held([number_cases]))
    assert "tinygrad_edu.exercises.learner.number_cases.FUNCTIONS[3].slope: the slope of " \
           "tanh" in found, found
    assert "tinygrad_edu.exercises.learner.number_cases.RULES['tanh']: d_tanh's answer" \
           in found, found
    assert not any("FUNCTIONS[1]" in f for f in found), found  # (exp: its own slope)


def test_no_module_of_the_learners_process_holds_a_slope_or_an_answer():
    functions = held(learner_modules())
    assert len(functions) > 100, len(functions)  # (the walk reaches the modules' functions)
    assert answers_found(functions) == []
