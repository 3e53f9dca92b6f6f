"""A shortcut is found in the code and named by its line: the rule's code is read for complex
numbers and exact arithmetic anywhere in its file (a complex step on numbers made plain
first), the op evaluated at shifted points and a finite difference in integers are named
with their line, in a file and in a notebook's cell (the routes around the check of
``test_shortcuts.py``, the last of them)."""

import json
import random

import pytest

from tests.exercises.shortcut_answers import HONEST
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.cases import draw_exact
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.loading import load_solutions
from tinygrad_edu.exercises.rule_reading import RuleReading
from tinygrad_edu.exercises.shortcuts import shortcut
from tinygrad_edu.exercises.text_blocks import at_lines

PLAIN_COMPLEX_STEP = """\
import cmath as cm
import math
from decimal import Decimal, getcontext
from fractions import Fraction


def step(f, x):
    return f(complex(x, 1e-30)).imag / 1e-30


def d_tanh(x, y):
    x = float(x)  # (a plain float: nothing watches it any more)
    return step(cm.tanh, x)


def d_exp(x, y):
    return cm.exp(float(x) + 1e-30j).imag / 1e-30


def d_sigmoid(x, y):
    getcontext().prec = 60
    s = lambda t: 1 / (1 + (-t).exp())
    h = Decimal(10) ** -25
    x = Decimal(float(x))
    return float((s(x + h) - s(x - h)) / (2 * h))


def d_div(a, b, y):
    h, a, b = Fraction(1, 10**20), Fraction(float(a)), Fraction(float(b))
    return (float(((a + h) / b - (a - h) / b) / (2 * h)),
            float((a / (b + h) - a / (b - h)) / (2 * h)))


def d_mul(a, b, y):  # a rule, in a file that imports cmath: no points either
    return b, a
"""


def test_a_complex_step_on_plain_floats_is_read_in_the_code(tmp_path, capsys):
    """``float(x)`` makes a watched number plain, and complex(x, h) is then no watched
    number's: the grader reads the function (and what it calls) for complex numbers and for
    exact arithmetic, never running it, and names the line; where the op's own function is
    called on a complex number (``cmath.tanh``, ``cm.exp``), the run sees it too (issue 65)
    and names the line it was called on."""
    path = tmp_path / "solutions.py"
    path.write_text(PLAIN_COMPLEX_STEP)
    names = ["d_tanh", "d_exp", "d_sigmoid", "d_div", "d_mul"]
    assert cli(["check", str(path), *names]) == 1
    out = capsys.readouterr().out
    for name, line, what in [("d_tanh", 8, "complex and .imag"), ("d_exp", 17, "cm (cmath), "
                             "the complex number 1e-30j and .imag"), ("d_sigmoid", 21,
                             "getcontext (decimal.getcontext)"), ("d_div", 29, "Fraction "
                             "(fractions.Fraction)")]:
        said = next(block for block in out.split("\n\n") if block.startswith(f"✗ {name}:"))
        assert f"at solutions.py, line {line}, it uses {what}" in said or (
            name in ("d_tanh", "d_exp") and "your answer computes with complex numbers (it "
            f"met {name[2:]}(1e-30j) on line {line}" in said) or (
            name == "d_sigmoid" and "(<lambda>, a function of your own, at two numbers 2e-25 "
            "apart relative to their size, called on line 25" in said) or (
            name == "d_sigmoid" and "computes with far more digits than a float has (a decimal "
            "number, held in h, on line 24" in said) or (
            name == "d_div" and "computes with far more digits than a float has (a fraction, "
            "held in a, on line 30" in said), said
        kind = "more digits than a float has" if name in ("d_sigmoid", "d_div") else \
            "complex numbers"
        assert (f"your {name} computes with {kind}" in said or f"(it met {name[2:]}(1e-30j)"
                in said or "a function of your own, at two numbers" in said or
                "computes with far more digits than a float has" in said) and \
            "earns no points" in said
    said = next(block for block in out.split("\n\n") if block.startswith("✗ d_mul:"))
    assert said.startswith("✗ d_mul: your file computes with complex numbers (at solutions.py, "
                           "line 1, it uses cmath: `import cmath as cm`), and d_mul is graded "
                           "on the rule"), said


def test_a_class_report_reads_the_rules_code_before_a_mark_is_sent(tmp_path):
    """A class's grading sends each exercise's mark as it is done (``grade_file``'s
    ``marked``): the mark sent is already the one of the code read."""
    path = tmp_path / "ada.py"
    path.write_text(PLAIN_COMPLEX_STEP)
    exercises = [EXERCISES[n] for n in ("d_tanh", "d_mul")]
    sent = []
    result = grade_file(path, exercises, {"d_tanh": 1.0, "d_mul": 1.0}, marked=sent.append)
    assert [(m.name, m.status) for m in sent] == [("d_tanh", "failed"), ("d_mul", "failed")]
    assert [(m.name, m.status) for m in result.marks] == [("d_tanh", "failed"),
                                                          ("d_mul", "failed")]
    assert "your d_tanh computes with complex numbers" in result.marks[0].text or \
        "your answer computes with complex numbers (it met tanh(" in result.marks[0].text
    assert "your file computes with complex numbers" in result.marks[1].text  # (a rule: b, a)


@pytest.mark.parametrize("source", [
    "import numpy as np\n\ndef d_tanh(x, y):\n    return np.complex128(x).real * 0 + 1 - y * y",
    "import numpy\n\ndef d_tanh(x, y):\n    return 1 - y * y + 0 * numpy.emath.sqrt(-1).real",
    "def d_tanh(x, y):\n    import cmath\n    return 1 - y * y",
    "def d_tanh(x, y):\n    return 1 - y * y + 0 * __import__('cmath').pi",
    "from numpy import complex64 as c\n\ndef d_tanh(x, y):\n    return 1 - y * y + 0 * c(1).real",
    "H = 1e-30j\n\ndef d_tanh(x, y):\n    return 1 - y * y + 0 * H.real",
], ids=["numpy's complex", "emath", "an import inside", "__import__", "from import as",
        "a constant of the file"])
def test_the_reading_finds_complex_numbers_however_they_are_named(source, tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text(source + "\n")
    why = RuleReading(path).why(EXERCISES["d_tanh"])
    assert why.startswith("your d_tanh computes with complex numbers (at solutions.py, "), why


@pytest.mark.parametrize("source", [
    HONEST["d_tanh"],
    "def d_tanh(x, y):\n    imag = 1.0\n    return imag - y * y",  # (a name, not .imag)
    "def d_tanh(x, y):\n    '''Not complex: 1 - y * y.'''\n    return 1 - y * y",
], ids=["honest", "a variable named imag", "a docstring"])
def test_the_reading_leaves_a_rule_alone(source, tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text("import math\n\nimport numpy as np\n\n" + source + "\n")
    assert RuleReading(path).why(EXERCISES["d_tanh"]) == ""


def test_a_file_with_complex_numbers_elsewhere_fails_its_rules_too(tmp_path):
    """Complex numbers in a helper the rule does not call: the file is read whole (a rule's
    file has no use for them, and what the grader reads of a rule need not be what runs)."""
    path = tmp_path / "solutions.py"
    path.write_text("import cmath\nimport math\n\ndef helper(x):\n    return cmath.exp(x)\n\n"
                    "def d_tanh(x, y):\n    return 1 - y * y\n")
    why = RuleReading(path).why(EXERCISES["d_tanh"])
    assert why.startswith("your file computes with complex numbers (at solutions.py, line 1, "
                          "it uses cmath: `import cmath`), and d_tanh is graded on the rule"), why


def test_the_reading_names_the_cell_of_a_notebook(tmp_path):
    cells = ["import cmath", "def d_tanh(x, y):\n    x = float(x)\n"
             "    return cmath.tanh(x + 1e-30j).imag / 1e-30"]
    path = tmp_path / "hw.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {},
                                           "outputs": [], "execution_count": None}
                                          for c in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    why = RuleReading(path).why(EXERCISES["d_tanh"])
    assert "at hw.ipynb, the cell that begins `def d_tanh(x, y):`, line 3, it uses cmath" \
        in why, why


SHIFTED_POINTS = '''
import math


def _fd(f, x):
    x = float(x)
    h = 1e-3
    return (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)


def d_tanh(x, y):
    return _fd(math.tanh, x)


def d_exp(x, y):
    return _fd(math.exp, x)


def d_mul(a, b, y):
    return ((a + 1) * b - (a - 1) * b) / 2, (a * (b + 1) - a * (b - 1)) / 2


def chain_rule(x, y):
    f = lambda p, q: (p + q) * (p - q)
    return (f(x + 1, y) - f(x - 1, y)) / 2, (f(x, y + 1) - f(x, y - 1)) / 2


def d_div(a, b, y):
    return ((a + 1) / b - (a - 1) / b) / 2, -a / (b * b)
'''
"""The guide's shortcuts of issue 65: a fourth-order difference on a number made plain
(within about 1e-13 of the rule: 2 of these 3 passed), a central difference with a step of 1
on a product and on a quotient's numerator, which is exact there (all 3 passed)."""


def test_the_op_evaluated_at_shifted_points_fails_naming_the_line(tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text(SHIFTED_POINTS)
    names = ["d_tanh", "d_exp", "d_mul", "chain_rule", "d_div"]
    graded = grade_apart(path, [EXERCISES[n] for n in names])
    for name in names:
        said = str(graded.verdicts[name])
        assert not graded.verdicts[name].passed, said
        assert "your answer evaluates the function at a point shifted from its input" in said
        assert " on line " in said and "earns no points" in said, said


IN_INTEGERS = '''\
S = 10 ** 120


def _exp(a):
    # e ** (a / S), a an integer scaled by S
    k = 0
    while abs(a) > S // 2:
        a //= 2
        k += 1
    term, total, i = S, S, 1
    while term:
        term = term * a // (S * i)
        total += term
        i += 1
    for _ in range(k):
        total = total * total // S
    return total


def _th(a):
    e = _exp(2 * a)
    return (e - S) * S // (e + S)


def d_tanh(x, y):
    n, d = x.as_integer_ratio()
    a, h = n * S // d, S // 10 ** 50
    return ((_th(a + h) - _th(a - h)) * S // (2 * h)) / S


def d_exp(x, y):
    a, h = int(x * 1e30) * 10 ** 90, S // 10 ** 50
    return ((_exp(a + h) - _exp(a - h)) * S // (2 * h)) / S


def d_sigmoid(x, y):
    n, d = float(x).as_integer_ratio()
    a, h = n * S // d, S // 10 ** 50
    s = lambda b: S * S // (S + _exp(-b))
    return ((s(a + h) - s(a - h)) * S // (2 * h)) / S
'''
"""A finite difference made exact in Python's own integers, scaled by 10^120 (1/1 on
every route before): the input's exact form taken
(``as_integer_ratio``, ``int`` of the input scaled up), or, on a number made plain first,
a function of the file's own evaluated at two numbers a step of 1e-50 apart."""


def test_a_finite_difference_in_integers_fails_naming_the_line(tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text(IN_INTEGERS)
    names = ["d_tanh", "d_exp", "d_sigmoid"]
    graded = grade_apart(path, [EXERCISES[n] for n in names])
    said = {n: str(graded.verdicts[n]) for n in names}
    assert not any(v.passed for v in graded.verdicts.values()), said
    assert "takes its input's exact form (as_integer_ratio() of the input" in said["d_tanh"]
    assert "on line 26" in said["d_tanh"]
    for name, line in (("d_exp", 32), ("d_sigmoid", 37)):  # (at x = 0 first, where the
        assert f"(an integer of 121 digits, held in S, on line {line}, at x = 0.0" in \
            said[name]  # scaled input is 0 and the two points no step apart: the global
    # scale its code reads, at its first line, ``fixed_point.long_held``); at the points
    # where it is tried for exactness, away from 0, the input scaled up, and the helper
    # called at two points a step apart, are seen first
    found = load_solutions(path)
    said["d_exp"], said["d_sigmoid"] = (
        shortcut(EXERCISES[n], found[n], draw_exact(EXERCISES[n], random.Random(3)))
        for n in ("d_exp", "d_sigmoid"))
    assert "(int() of an input scaled up to" in said["d_exp"] and "on line 32" in said["d_exp"]
    assert "(<lambda>, a function of your own, at two numbers 1e-50 apart relative to their " \
           "size, called on line 40" in said["d_sigmoid"]
    for text in said.values():
        assert "earns no points" in text, text
    # the reading sees it too, in the file: the scale and the exact form
    reading = RuleReading(path)
    assert "it uses 10 ** 120, an integer of 121 digits" in reading.why(EXERCISES["d_tanh"])
    assert reading.why(EXERCISES["backward"]).startswith("your file computes with more digits")


def test_an_exact_form_taken_inside_statistics_mean_is_an_honest_average(tmp_path):
    """statistics.mean computes with its inputs' exact fractions (``as_integer_ratio``) and
    gives back one float, correctly rounded: the fractions never reach the rule, which gets
    no more digits than ``math.fsum`` gives. A rule that averages with it passes (before, an
    honest d_mul was refused as a finite difference's start: a65g's h2, g6); a private
    function of statistics that hands the fractions back (``statistics._sum``) is told, naming
    the function and the line."""
    path = tmp_path / "solutions.py"
    for name in ("mean", "median_grouped"):  # (a65i's h2: harmonic_mean's family refused)
        path.write_text(f"import statistics\n\n\ndef d_mul(a, b, y):\n"
                        f"    return (statistics.{name}([b, b]), statistics.{name}([a, a]))\n")
        graded = grade_apart(path, [EXERCISES["d_mul"]])
        assert graded.verdicts["d_mul"].passed, graded.verdicts["d_mul"]
    path.write_text("import statistics\n\n\ndef d_mul(a, b, y):\n"
                    "    return (float(statistics._sum([b])[1]), float(statistics._sum([a])[1]))\n")
    said = str(grade_apart(path, [EXERCISES["d_mul"]]).verdicts["d_mul"])
    assert "(as_integer_ratio() of the input" in said and "inside statistics._sum" in said \
        and "on line 5" in said, said


def test_a_shortcut_in_a_notebook_is_said_in_its_cell(tmp_path):
    """A shortcut's line in a notebook is said in its cell, as every other verdict there says
    a line (before: "shifted by 1e-06 on line 9" of a cell of 3 lines, a line of the
    notebook's cells put together, on Otter and nbgrader: an independent teacher's walk,
    issue 67); a function of the learner's own called a step apart, on two lines, too."""
    cells = ["import math",
             "def d_tanh(x, y):\n    h = 1e-6\n    return (math.tanh(x + h) - math.tanh(x - h))"
             " / (2 * h)"]
    path = tmp_path / "hw.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {},
                                           "outputs": [], "execution_count": None}
                                          for c in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    said = str(grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"])
    assert "shifted by 1e-06 in the cell that begins `def d_tanh(x, y):`, line 3, at x = " \
        in said and " on line" not in said, said
    code = ["# cell 1", "import math", "# cell 2", *cells[1].splitlines()]  # (loading's)
    assert at_lines([[1, 1, 2], [2, 3, 6]], [5, 6], code) == \
        "in the cell that begins `def d_tanh(x, y):`, lines 2 and 3"
    assert at_lines([], [9, 10], code) == "on lines 9 and 10"
