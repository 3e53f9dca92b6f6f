"""A rule that computes with numbers of a class of its own earns nothing: a dual number, whose
+ and * carry a second part by the product rule, run through the op's function written with
them (exp as its series, a reciprocal by Newton's iteration), gives the exact derivative
with no rule written. A dual class with ``__slots__`` and a tuple subclass of the kind
took d_tanh, d_sigmoid, d_exp and d_div 4/4 on
every route, unflagged; each fails now, the class and the line said. A class of the file's
own that is no number (no + or *), and numbers that hold no float, are not such numbers."""

from pathlib import Path

import pytest

from tests.exercises.learners import said_at_exact_points, solution
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.loading import load_solutions

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


def at_seed_5(name, answer):  # (this file's points: drawn from seed 5)
    return said_at_exact_points(name, answer, seed=5)


PAIRS = '''
def plus(a, b):
    return (a[0] + b[0], a[1] + b[1])


def times(a, b):
    return (a[0] * b[0], a[0] * b[1] + a[1] * b[0])


def of(r, e=0.0):
    return (r, e)
'''
"""A dual number written as a plain pair, its product a function of the file's own (the
guide's "what remains" before: nothing told it from a rule's own arithmetic on pairs)."""
PAIR_SERIES = """
def series_exp(z):
    k = 0
    while abs(z[0]) / 2 ** k > 0.25:
        k += 1
    w = times(z, of(0.5 ** k))
    term = total = of(1.0)
    for n in range(1, 30):
        term = times(times(term, w), of(1.0 / n))
        total = plus(total, term)
    for _ in range(k):
        total = times(total, total)
    return total


def recip(u):
    r = of(1.0 / u[0])
    for _ in range(4):
        r = times(r, plus(of(2.0), times(of(-1.0), times(u, r))))
    return r


def d_tanh(x, y):
    e2 = series_exp(times(of(x, 1.0), of(2.0)))
    return times(plus(e2, of(-1.0)), recip(plus(e2, of(1.0))))[1]


def d_sigmoid(x, y):
    return recip(plus(of(1.0), series_exp(times(of(-1.0), of(x, 1.0)))))[1]


def d_exp(x, y):
    return series_exp(of(x, 1.0))[1]


def d_div(a, b, y):
    return times(of(a, 1.0), recip(of(b)))[1], times(of(a), recip(of(b, 1.0)))[1]
"""
"""``SERIES`` on dual numbers written as plain pairs (``PAIRS``, below), multiplied by a
function of the file's own."""


@pytest.mark.parametrize("source", [SLOTS, TUPLE, PAIRS + PAIR_SERIES],
                         ids=["slots", "tuple", "pairs"])
@pytest.mark.parametrize("name", ["d_tanh", "d_sigmoid", "d_exp", "d_div"])
def test_a_rule_by_dual_numbers_earns_nothing(source, name):
    """As a class's numbers, or as plain pairs multiplied by a function of the file's own
    (before: the guide's "what remains", nothing told pairs from a rule's arithmetic)."""
    said = at_seed_5(name, solution(source, name))
    given = "(pairs of numbers, multiplied as dual numbers are " if source.startswith(PAIRS) \
        else "(a number of your class D, given to "
    assert said.startswith("your answer computes with numbers of a class of your own "
                           + given), said
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
    assert at_seed_5("d_tanh", answer) == ""


AS_CLASS = '''
def plus(a, b):
    return a + b


def times(a, b):
    return a * b


def of(r, e=0.0):
    return D.of(r, e)
'''
"""The same through a dual class's own + and * (``TUPLE``'s or ``SLOTS``' ``D``)."""
OPS = '''
    def _made(self, f, kids):
        kids = tuple(k if isinstance(k, Value) else Value(float(k)) for k in kids)
        xs = [k.data for k in kids]
        local = [f(*[of(x, float(i == j)) for j, x in enumerate(xs)])[1]
                 for i in range(len(xs))]
        return Value(f(*[of(x) for x in xs])[0], kids, local)

    def __add__(self, other): return self._made(plus, (self, other))
    def __mul__(self, other): return self._made(times, (self, other))
    def tanh(self):
        def f(z):
            e = of(math.exp(2 * z[0]), 2 * math.exp(2 * z[0]) * z[1])
            r = of(1.0 / (e[0] + 1.0))
            for _ in range(3):
                r = plus(r, times(r, plus(of(1.0), times(of(-1.0), times(plus(e, of(1.0)), r)))))
            return plus(of(1.0), times(of(-2.0), r))
        return self._made(f, (self,))
'''
"""The ops' local derivatives from their forward function run on dual numbers (tanh by
Newton's reciprocal of e^{2x} + 1, as ``dual_value5.py``): no rule written."""
DUAL_VALUES = {
    "Value": '''
class Value:
    def __init__(self, data, _children=(), _local=()):
        self.data, self.grad, self._prev, self._local = data, 0.0, tuple(_children), _local
''' + OPS + '''
    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
            elif id(n) not in seen:
                seen.add(id(n))
                stack += [(n, True)] + [(k, False) for k in n._prev]
        self.grad = 1.0
        for n in reversed(order):
            for k, d in zip(n._prev, n._local):
                k.grad += d * n.grad
''',
    "node": '''
class Value:
    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0
        self._children, self._local_grads = children, tuple(local_grads)
''' + OPS.replace("_made(", "_by(") + '''
    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
            elif id(n) not in seen:
                seen.add(id(n))
                stack += [(n, True)] + [(k, False) for k in n._children]
        self.grad = 1
        for n in reversed(order):
            for k, d in zip(n._children, n._local_grads):
                k.grad += d * n.grad
'''}
"""A class Value (the Value exercise's, the microgpt track's node) whose ``backward()`` is
the chain rule, on local derivatives that dual numbers gave."""


def _by_duals(stage, numbers):
    """The Value of ``stage`` (``Value``, ``node``) with its dual numbers ``numbers``."""
    defs = {"pairs": PAIRS, "tuple": TUPLE.split("\ndef series_exp")[0] + AS_CLASS,
            "slots": SLOTS.split("\ndef series_exp")[0] + AS_CLASS}[numbers]
    if numbers != "pairs":  # (a dual class's parts read as a pair's are)
        defs = defs.replace("class D:", "class D:\n    __getitem__ = lambda self, k: "
                            "(self.r, self.e)[k]") if numbers == "slots" else defs
    return solution(defs + DUAL_VALUES[stage], "Value")


@pytest.mark.parametrize("numbers", ["pairs", "tuple", "slots"])
@pytest.mark.parametrize("stage", ["Value", "node"])
def test_a_value_by_dual_numbers_earns_nothing(stage, numbers):
    """In the Value exercise and the node stage, a second number class, or pairs multiplied
    as dual numbers are, fails the expression it is seen on, said with the function and the
    line (before, a Value and a node stage written so took 1/1 on every route:
    the guide's "what remains" said so)."""
    from tinygrad_edu.exercises.learner.expression_cases import Expression
    from tinygrad_edu.exercises.learner.watched import OwnNumbers
    from tinygrad_edu.exercises.microgpt.node import NODE

    exercise = EXERCISES["Value"] if stage == "Value" else NODE
    case = Expression(leaves=(0.5, 2.0), steps=(("*", (0, 1), None), ("tanh", (2,), None),
                                                 ("+", (3, 1), None)))
    with pytest.raises(OwnNumbers) as raised:
        exercise.call(_by_duals(stage, numbers), case)
    said = str(raised.value)
    words = "pairs of numbers, multiplied as dual numbers are" if numbers == "pairs" else \
        "a number of your class D, given to "
    assert said.startswith(words) and ", called on line " in said, said


ATTACKS = Path(__file__).parent / "attacks"


@pytest.mark.parametrize("name, what", [("d_exp", "(a number of your class D, given to "),
                                        ("d_tanh", "(a number of your class E, given to "),
                                        ("d_mul", "(pairs of numbers, multiplied as dual ")])
def test_dual_numbers_whose_arithmetic_is_no_function_of_the_file_are_seen(name, what):
    """A dual class whose + and * are ``functools.partialmethod`` of module functions (a
    tuple subclass of three items), one made by ``type(...)`` with its arithmetic set after,
    and records with no arithmetic multiplied by a function of the file: each is a class
    the learner's code made, and each is seen (before: d_tanh, d_sigmoid, d_exp, d_div and
    d_mul full marks on every route, unflagged)."""
    found = load_solutions(ATTACKS / "dual_hidden.py.txt")
    said = at_seed_5(name, found[name])
    assert said.startswith(f"your answer computes with numbers of a class of your own {what}"), \
        said


def test_a_value_by_dual_numbers_of_three_items_earns_nothing():
    """The Value exercise with every local derivative from the op's forward function run on
    a tuple subclass of three items whose arithmetic is ``functools.partialmethod`` (before:
    1/1, unflagged)."""
    from tinygrad_edu.exercises.learner.expression_cases import Expression
    from tinygrad_edu.exercises.learner.watched import OwnNumbers

    found = load_solutions(ATTACKS / "value_partial_dual.py.txt")
    case = Expression(leaves=(0.5, 2.0), steps=(("*", (0, 1), None), ("tanh", (2,), None),
                                                 ("+", (3, 1), None)))
    with pytest.raises(OwnNumbers) as raised:
        EXERCISES["Value"].call(found["Value"], case)
    assert str(raised.value).startswith("a number of your class D, given to "), raised.value


@pytest.mark.slow
def test_dual_numbers_made_by_the_file_are_seen_in_its_own_process(tmp_path, capsys):
    """``check`` grades in a process of the learner's own: the classes there before the file
    runs are noted there (a tuple subclass of three, its + and * partialmethods: before, full
    marks)."""
    path = tmp_path / "solutions.py"
    path.write_text((ATTACKS / "dual_hidden.py.txt").read_text(), encoding="utf-8")
    assert cli(["check", str(path), "d_exp"]) == 1
    assert "✗ d_exp: your answer computes with numbers of a class of your own (a number of " \
        "your class D, given to " in capsys.readouterr().out


def test_dual_numbers_written_as_lists_of_three_are_seen():
    """Parts of a dual number in a list of three (a tag, the value, the derivative), multiplied
    by a function of the file's own (before: only pairs of two were looked at)."""
    said = at_seed_5("d_exp", solution('''
def plus(a, b):
    return ["dual", a[1] + b[1], a[2] + b[2]]


def times(a, b):
    return ["dual", a[1] * b[1], a[1] * b[2] + a[2] * b[1]]


def d_exp(x, y):
    z, k = ["dual", x, 1.0], 0
    while abs(z[1]) > 0.5:
        z, k = times(z, ["dual", 0.5, 0.0]), k + 1
    s = t = ["dual", 1.0, 0.0]
    for n in range(1, 30):
        t = times(times(t, z), ["dual", 1.0 / n, 0.0])
        s = plus(s, t)
    for _ in range(k):
        s = times(s, s)
    return s[2]
''', "d_exp"))
    assert said.startswith("your answer computes with numbers of a class of your own (pairs of "
                           "numbers, multiplied as dual numbers are "), said
