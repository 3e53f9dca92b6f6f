"""A rule that computes with numbers of a class of its own earns nothing: a dual number, whose
+ and * carry a second part by the product rule, run through the op's function written with
them (exp as its series, a reciprocal by Newton's iteration), gives the exact derivative
with no rule written. h-attack65w's ``dual_eve.py`` (a class with ``__slots__``) and the
tuple subclass of its ``dual_value5.py`` took d_tanh, d_sigmoid, d_exp and d_div 4/4 on
every route, unflagged; each fails now, the class and the line said. A class of the file's
own that is no number (no + or *), and numbers that hold no float, are not such numbers."""

import random

import pytest

from tests.exercises.learners import solution
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cases import draw_exact
from tinygrad_edu.exercises.shortcuts import shortcut

SERIES = '''
def series_exp(z):
    k = 0
    while abs(z[0] if isinstance(z, tuple) else z.r) / 2 ** k > 0.25:
        k += 1
    w = z * (0.5 ** k)
    term = total = D.of(1.0)
    for n in range(1, 30):
        term = term * w * (1.0 / n)
        total = total + term
    for _ in range(k):
        total = total * total
    return total


def recip(u):
    r = D.of(1.0 / u.real)
    for _ in range(4):
        r = r * (2 - u * r)
    return r


def d_tanh(x, y):
    e2 = series_exp(D.of(x, 1.0) * 2)
    return ((e2 - 1) * recip(e2 + 1)).dual


def d_sigmoid(x, y):
    return recip(1 + series_exp(-D.of(x, 1.0))).dual


def d_exp(x, y):
    return series_exp(D.of(x, 1.0)).dual


def d_div(a, b, y):
    return (D.of(a, 1.0) * recip(D.of(b))).dual, (D.of(a) * recip(D.of(b, 1.0))).dual
'''
"""The op's functions written with a dual number's + and * alone (``D.of(x, 1.0)`` is x with
a unit second part); ``D`` is one of the classes below."""

SLOTS = '''
class D:
    __slots__ = ("r", "e")

    def __init__(self, r, e=0.0):
        self.r, self.e = r, e

    of = classmethod(lambda cls, r, e=0.0: cls(r, e))
    real = property(lambda self: self.r)
    dual = property(lambda self: self.e)

    def __add__(self, o):
        o = o if isinstance(o, D) else D(o)
        return D(self.r + o.r, self.e + o.e)

    __radd__ = __add__

    def __neg__(self):
        return D(-self.r, -self.e)

    def __sub__(self, o):
        return self + (-(o if isinstance(o, D) else D(o)))

    def __rsub__(self, o):
        return D(o) - self

    def __mul__(self, o):
        o = o if isinstance(o, D) else D(o)
        return D(self.r * o.r, self.r * o.e + self.e * o.r)

    __rmul__ = __mul__
''' + SERIES
"""``dual_eve.py``'s dual number: two slots, and its own ``__init__``."""

TUPLE = '''
class D(tuple):
    __slots__ = ()
    of = classmethod(lambda cls, r, e=0.0: cls((r, e)))
    real = property(lambda self: self[0])
    dual = property(lambda self: self[1])

    def __add__(self, o):
        o = o if isinstance(o, D) else D((o, 0.0))
        return D((self[0] + o[0], self[1] + o[1]))

    __radd__ = __add__

    def __neg__(self):
        return D((-self[0], -self[1]))

    def __sub__(self, o):
        return self + (-(o if isinstance(o, D) else D((o, 0.0))))

    def __rsub__(self, o):
        return D((o, 0.0)) - self

    def __mul__(self, o):
        o = o if isinstance(o, D) else D((o, 0.0))
        return D((self[0] * o[0], self[0] * o[1] + self[1] * o[0]))

    __rmul__ = __mul__
''' + SERIES
"""``dual_value5.py``'s: a tuple subclass with no ``__init__`` of its own."""


def _shortcut(name, answer):
    """What the grader says of ``answer`` on the points where it is tried for exactness,
    watched as every other input is (the verdict of ``check`` says the same on its first
    input)."""
    exercise = EXERCISES[name]
    return shortcut(exercise, answer, draw_exact(exercise, random.Random(5)))


@pytest.mark.parametrize("source", [SLOTS, TUPLE], ids=["slots", "tuple"])
@pytest.mark.parametrize("name", ["d_tanh", "d_sigmoid", "d_exp", "d_div"])
def test_a_rule_by_dual_numbers_earns_nothing(source, name):
    said = _shortcut(name, solution(source, name))
    assert said.startswith("your answer computes with numbers of a class of your own (a "
                           "number of your class D, given to "), said
    assert " on line " in said and "automatic differentiation" in said, said


def test_a_class_of_the_files_own_that_is_no_number_is_not_one():
    """A rule may keep its steps in a class of its own (no + or *), or numbers that hold no
    float: it is graded as any rule."""
    answer = solution('''
class Steps:
    def __init__(self, y):
        self.y = y

    def square(self):
        return self.y * self.y


class Count:
    def __init__(self):
        self.n = 0

    def __add__(self, other):
        return self


def _one_minus(steps, count):
    return 1 - steps.square()


def d_tanh(x, y):
    return _one_minus(Steps(y), Count() + 1)
''', "d_tanh")
    assert _shortcut("d_tanh", answer) == ""
