"""A rule exercise is graded on the rule: the complex step and finite differences, which get
every rule exercise's numbers from the function's values alone, earn no points and are
named, in this process (``check``) and in the learner's own (``grade_apart``); rules written
in other honest forms (``math``'s functions, NumPy's, with x or with y) still pass. The
routes around the check are closed: every call of a rule is watched alike (a file cannot
tell the points where it is tried for exactness by how it is called), an error, a loop or
an answer of another shape there fails, and the rule's code is read for complex numbers
and exact arithmetic anywhere in its file (a complex step on numbers made plain first)."""

import json
import textwrap

import pytest

from tinygrad_edu.exercises import EXERCISES, cases, check, drawn_graphs
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.cases import draw_exact
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner import wire
from tinygrad_edu.exercises.loading import load_solutions
from tinygrad_edu.exercises.remote import LearnerProcess
from tinygrad_edu.exercises.rule_reading import RuleReading
from tinygrad_edu.exercises.text_blocks import at_lines

HEAD = "import cmath\nimport math\n\nimport numpy as np\n\nH = 1e-20\n"

COMPLEX_STEP = {
    "d_mul": ("def d_mul(a, b, y):\n"
              "    return ((a + 1j * H) * b).imag / H, (a * (b + 1j * H)).imag / H"),
    "chain_rule": ("def chain_rule(x, y):\n    f = lambda x, y: (x + y) * (x - y)\n"
                   "    return f(x + 1j * H, y).imag / H, f(x, y + 1j * H).imag / H"),
    "d_exp": "def d_exp(x, y):\n    return cmath.exp(x + 1j * H).imag / H",
    "d_log": "def d_log(x, y):\n    return cmath.log(x + 1j * H).imag / H",
    "d_tanh": "def d_tanh(x, y):\n    return cmath.tanh(1j * H + x).imag / H",  # (complex first)
    "d_sigmoid": "def d_sigmoid(x, y):\n    return (1 / (1 + cmath.exp(-(x + 1j * H)))).imag / H",
    "d_relu": ("def d_relu(x, y):\n    z = x + (-1) ** 0.5 * H\n"  # (no 1j, no cmath)
               "    return (z if z.real > 0 else 0 * z).imag / H"),
    "d_div": ("def d_div(a, b, y):\n"
              "    return ((a + 1j * H) / b).imag / H, (a / (b + 1j * H)).imag / H"),
    "d_pow": ("def d_pow(a, b, y):\n    return ((a + 1j * H) ** b).imag / H, "
              "(a ** (b + 1j * H)).imag / H"),
    "d_softmax_cross_entropy": """
def d_softmax_cross_entropy(Z, Y):
    def loss(Zc):
        e = np.exp(Zc - Zc.real.max(axis=1, keepdims=True))
        return -(Y * np.log(e / e.sum(axis=1, keepdims=True))).sum()
    dZ = np.zeros(Z.shape)
    for i in np.ndindex(Z.shape):
        E = np.zeros(Z.shape)
        E[i] = H
        dZ[i] = loss(Z + 1j * E).imag / H
    return dZ""",
    "dense_backward": """
def dense_backward(X, W, b, dZ):
    loss = lambda X, W, b: ((X @ W + b) * dZ).sum()
    grads = []
    for k, A in enumerate((X, W, b)):
        G = np.zeros(A.shape)
        for i in np.ndindex(A.shape):
            E = np.zeros(A.shape, dtype=complex)
            E[i] = 1j * H
            args = [X, W, b]
            args[k] = A + E
            G[i] = loss(*args).imag / H
        grads.append(G)
    return tuple(grads)""",
}
"""Every rule exercise answered by the complex step, Im f(x + ih) / h: exact, no rule."""

FINITE = {
    "d_tanh": ("def d_tanh(x, y):\n    h = 1e-6\n"
               "    return (math.tanh(x + h) - math.tanh(x - h)) / (2 * h)"),
    "d_mul": ("def d_mul(a, b, y):\n    h = 2.0 ** -20\n"  # (a power of two: exact steps)
              "    return (((a + h) * b - (a - h) * b) / (2 * h),\n"
              "            (a * (b + h) - a * (b - h)) / (2 * h))"),
    "d_pow": ("def d_pow(a, b, y):\n    h = 1e-5\n"
              "    return (((a + h) ** b - (a - h) ** b) / (2 * h),\n"
              "            (a ** (b + h) - a ** (b - h)) / (2 * h))"),
    "dense_backward": """
def dense_backward(X, W, b, dZ):
    loss = lambda X, W, b: ((X @ W + b) * dZ).sum()
    h, grads = 1e-5, []
    for k, A in enumerate((X, W, b)):
        G = np.zeros(A.shape)
        for i in np.ndindex(A.shape):
            up, down = [X, W, b], [X, W, b]
            E = np.zeros(A.shape)
            E[i] = h
            up[k], down[k] = A + E, A - E
            G[i] = (loss(*up) - loss(*down)) / (2 * h)
        grads.append(G)
    return tuple(grads)""",
}
"""Finite differences, (f(x + h) - f(x - h)) / 2h: within the tolerance, but not exact."""

HONEST = {
    "d_tanh": "def d_tanh(x, y):\n    return 1 / math.cosh(x) ** 2",
    "d_exp": "def d_exp(x, y):\n    return math.exp(x)",
    "d_log": "def d_log(x, y):\n    return x ** -1",
    "d_sigmoid": "def d_sigmoid(x, y):\n    return math.exp(-x) / (1 + math.exp(-x)) ** 2",
    "d_relu": "def d_relu(x, y):\n    return float(np.heaviside(x, 0.0))",
    "d_div": "def d_div(a, b, y):\n    return 1 / b, -y / b",
    "d_pow": "def d_pow(a, b, y):\n    return b * y / a, np.log(a) * a ** b",
    "chain_rule": "def chain_rule(x, y):\n    return 2 * x, -2 * y",
    "d_softmax_cross_entropy": """
def d_softmax_cross_entropy(Z, Y):
    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True) - Y""",
    "dense_backward": """
def dense_backward(X, W, b, dZ):
    return np.dot(dZ, W.T), np.einsum("bi,bo->io", X, dZ), np.sum(dZ, axis=0)[None, :]""",
}
"""Rules in other forms than the references': each passes."""


def solutions(tmp_path, bodies):
    path = tmp_path / "solutions.py"
    path.write_text(HEAD + "\n\n" + "\n\n\n".join(textwrap.dedent(b).strip()
                                                    for b in bodies.values()) + "\n")
    return path


def test_every_rule_exercise_is_tried_for_exactness():
    rules = {n for n, ex in EXERCISES.items() if ex.exact}
    assert rules == set(COMPLEX_STEP), rules


@pytest.mark.parametrize("name", sorted(COMPLEX_STEP))
def test_the_complex_step_earns_no_points(name, tmp_path):
    found = load_solutions(solutions(tmp_path, {name: COMPLEX_STEP[name]}))
    verdict = check(name, found[name])
    assert not verdict.passed and "computes with complex numbers" in str(verdict), verdict


@pytest.mark.parametrize("name", sorted(FINITE))
def test_a_finite_difference_earns_no_points(name, tmp_path):
    found = load_solutions(solutions(tmp_path, {name: FINITE[name]}))
    verdict = check(name, found[name])
    assert not verdict.passed and "a finite difference" in str(verdict), verdict


@pytest.mark.parametrize("name", sorted(HONEST))
def test_a_rule_in_another_form_passes(name, tmp_path):
    found = load_solutions(solutions(tmp_path, {name: HONEST[name]}))
    verdict = check(name, found[name])
    assert verdict.passed, verdict


def test_graded_apart_the_same(tmp_path):
    """In the learner's own process: every shortcut of the complex step named, the honest
    forms passing."""
    shortcuts = grade_apart(solutions(tmp_path, COMPLEX_STEP),
                            [EXERCISES[n] for n in COMPLEX_STEP])
    assert shortcuts.problem is None and not shortcuts.reported, shortcuts
    for name, verdict in shortcuts.verdicts.items():
        assert "computes with complex numbers" in str(verdict), (name, verdict)
    honest = grade_apart(solutions(tmp_path, HONEST), [EXERCISES[n] for n in HONEST])
    assert all(v.passed for v in honest.verdicts.values()), honest.verdicts


# ----------------------------------------------------------------------------- the routes
# around the check, each closed: an answer that knows when it is watched, one that fails on
# the points where it is tried for exactness, and a complex step on numbers made plain first


SEED = 53
"""The grading's seed when the draw is the test's (``known``): a grading draws its own,
which no file can know before it is graded."""


@pytest.fixture
def known(monkeypatch):
    """The grading's seed is ``SEED`` (``--seed``), as if a file knew it: the points where
    d_tanh is tried for exactness then (at a real grading the seed comes from os.urandom)."""
    monkeypatch.setenv(cases.SEED, str(SEED))
    cases.begin(SEED)
    yield sorted(p.values[0] for p in draw_exact(EXERCISES["d_tanh"]))
    cases.begin()


WATCH_AWARE = """
import math

def d_tanh(x, y):
    if type(x) is not float:  # (the grader's watched numbers: refuse them)
        raise ValueError("math domain error")
    h = 1e-5
    return (math.tanh(x + h) - math.tanh(x - h)) / (2 * h)
"""


def test_every_call_of_a_rule_is_watched_so_a_file_that_refuses_them_fails(tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text(WATCH_AWARE)
    verdict = check("d_tanh", load_solutions(path)["d_tanh"])
    assert not verdict.passed and "ValueError: math domain error" in str(verdict), verdict
    verdict = grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"]
    assert not verdict.passed and "ValueError: math domain error" in str(verdict), verdict


def test_a_call_on_the_exact_points_is_asked_as_every_other_call(tmp_path, monkeypatch, known):
    """What the learner's process is asked for the points where a rule is tried for
    exactness is what it is asked for every other input: the same kind of call, the same
    parts (only the numbers differ)."""
    asked = []
    real = LearnerProcess.ask

    def ask(self, message):
        if message.get("op") == "call":
            asked.append(message)
        return real(self, message)

    monkeypatch.setattr(LearnerProcess, "ask", ask)
    path = tmp_path / "solutions.py"
    path.write_text("def d_tanh(x, y):\n    return 1 - y * y\n")
    assert grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"].passed
    assert {(m["kind"], tuple(m["parts"]), m["exercise"]) for m in asked} == {
        (EXERCISES["d_tanh"].call.kind, ("answer",), "d_tanh")}
    exact = [wire.encode(p) for p in draw_exact(EXERCISES["d_tanh"])]
    assert all(p in [m["case"] for m in asked] for p in exact)  # (they were asked too)
    assert len(asked) > len(exact)


@pytest.mark.parametrize("odd, words", [
    ("raise ValueError('math domain error')", "raised ValueError: math domain error"),
    ("return (1 - y * y, 0.0)", "gave an answer of the wrong kind"),
    ("return float('nan')", "gave an answer far from the rule's"),
], ids=["raises", "another shape", "NaN"])
def test_a_rule_that_fails_on_the_exact_points_fails(odd, words, tmp_path, known):
    """Right on every other input, wrong on the points where a rule is tried for exactness
    (which a file can know, and single out): no rule does that, and the verdict says so."""
    path = tmp_path / "solutions.py"
    path.write_text(f"EXACT = {known!r}\n\ndef d_tanh(x, y):\n"
                    f"    if float(x) in EXACT:\n        {odd}\n    return 1 - y * y\n")
    here = check("d_tanh", load_solutions(path)["d_tanh"])
    apart = grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"]
    for verdict in (here, apart):
        text = str(verdict)
        assert not verdict.passed and "on the exact numbers it was given" in text, text
        assert words in text and "a rule works on every number of its domain" in text, text


def test_a_rule_that_loops_on_the_exact_points_fails(tmp_path, short_time_limit, known):
    path = tmp_path / "solutions.py"
    path.write_text(f"EXACT = {known!r}\n\ndef d_tanh(x, y):\n"
                    "    while float(x) in EXACT:\n        pass\n    return 1 - y * y\n")
    verdict = grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"]
    assert not verdict.passed and "did not finish within its time limit" in str(verdict)


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
            "apart relative to their size, called on line 25" in said), said
        kind = "more digits than a float has" if name in ("d_sigmoid", "d_div") else \
            "complex numbers"
        assert (f"your {name} computes with {kind}" in said or f"(it met {name[2:]}(1e-30j)"
                in said or "a function of your own, at two numbers" in said) and \
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
"""A finite difference made exact in Python's own integers, scaled by 10^120 (the attacker's
fd/bigint.py: 1/1 on every route before): the input's exact form taken
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
    assert "(int() of an input scaled up to" in said["d_exp"] and "on line 32" in said["d_exp"]
    assert "(<lambda>, a function of your own, at two numbers 2e-50 apart relative to their " \
           "size, called on line 40" in said["d_sigmoid"]
    for text in said.values():
        assert "earns no points" in text, text
    # the reading sees it too, in the file: the scale and the exact form
    reading = RuleReading(path)
    assert "it uses 10 ** 120, an integer of 121 digits" in reading.why(EXERCISES["d_tanh"])
    assert reading.why(EXERCISES["backward"]).startswith("your file computes with more digits")


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


BACKWARD_IN_INTEGERS = '''\
from tinygrad_edu import walk

S = 10 ** 45
FORWARD = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b // S}


def _exp(a):
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


FORWARD["exp"] = _exp
FORWARD["tanh"] = lambda a: (_exp(2 * a) - S) * S // (_exp(2 * a) + S)


def _again(order, numbers, start):
    for node in order[start:]:
        if node.op in FORWARD:  # (a node made by hand: its number as it was)
            numbers[node] = FORWARD[node.op](*(numbers[p] for p in node.parents))
    return numbers


def backward(root):
    order = walk(root)
    base = {n: int(float(n.data) * 10 ** 15) * 10 ** 30 for n in order}
    h = 10 ** 27
    for k, node in enumerate(order):
        up, down = dict(base), dict(base)
        up[node] += h
        down[node] -= h
        node.grad = (_again(order, up, k + 1)[root] - _again(order, down, k + 1)[root]) \\
            * S // (2 * h) / S
'''
"""``backward`` with no chain rule: each node nudged by ±h and the forward pass worked out
again in integers scaled by 10^45, reading each node's op (the attacker's fd/bw.py, 1/1 on
the report and Otter before): the graphs graded hold nodes made by hand, whose local
derivatives are given, those of no op."""

BY_OP = '''\
from tinygrad_edu import walk

def backward(root):
    root.grad = 1.0
    for node in reversed(walk(root)):
        p = node.parents
        local = {"+": (1.0, 1.0), "-": (1.0, -1.0), "tanh": (1 - node.data ** 2,),
                 "exp": (node.data,)}.get(node.op, ())
        if node.op == "*":
            local = (p[1].data, p[0].data)
        for parent, d in zip(p, local):
            parent.grad += d * node.grad
'''
"""A chain rule whose local derivatives are worked out from each node's op, as micrograd's
``_backward`` closures do: right on every op, nothing passed on at a node made by hand."""


def test_a_backward_that_runs_the_forward_pass_again_gets_a_node_made_by_hand_wrong(tmp_path):
    """Every grading tries the graph of ``drawn_graphs.by_hand_graph``, whatever it draws."""
    path = tmp_path / "backward.py"
    path.write_text(BACKWARD_IN_INTEGERS)
    ex = EXERCISES["backward"]
    graph = drawn_graphs.by_hand_graph()
    assert graph in ex.examples
    again = load_solutions(path)["backward"]
    expected, got = (ex.call(solution, graph)[0] for solution in (ex.reference, again))
    assert list(expected) == [5.0, 1.8, 3.0, 2.0, 1.0]  # (x, y, v1, v2, f)
    assert list(got) == [0.0, 0.3, 0.0, 2.0, 1.0], got  # (nothing through v2, made by hand)
    found = load_solutions(solutions(tmp_path, {"backward": BY_OP}))
    verdict = check("backward", found["backward"])
    said = str(verdict)
    assert not verdict.passed and "diagnosis: a node made by hand passes nothing on" in said
    assert "pass on what node.local_grads says" in said, said


@pytest.mark.slow
def test_a_backward_that_runs_the_forward_pass_again_earns_nothing(tmp_path):
    path = tmp_path / "backward.py"
    path.write_text(BACKWARD_IN_INTEGERS)
    verdict = grade_apart(path, [EXERCISES["backward"]]).verdicts["backward"]
    assert not verdict.passed and "made by hand" in str(verdict), verdict


FORWARD_AGAIN = '''\
import math
from tinygrad_edu import walk

F = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
     "tanh": math.tanh, "exp": math.exp}


def _again(order, numbers, start, base):
    for node in order[start:]:
        if node.op in F:
            numbers[node] = F[node.op](*(numbers[p] for p in node.parents))
        elif node.parents:  # (made by hand: moved along its local derivatives)
            numbers[node] = node.data + sum(g * (numbers[p] - base[p])
                                            for p, g in zip(node.parents, node.local_grads))
    return numbers


def backward(root):
    order = walk(root)
    base = {n: n.data for n in order}
    for k, node in enumerate(order):
        h = 1e-4 * max(1.0, abs(node.data))
        ends = []
        for step in (2, 1, -1, -2):
            numbers = dict(base)
            numbers[node] += step * h
            ends.append(_again(order, numbers, k + 1, base)[root])
        node.grad = (-ends[0] + 8 * ends[1] - 8 * ends[2] + ends[3]) / (12 * h)
'''
"""``backward`` by a fourth-order finite difference in floats, the forward pass worked out
again through math's functions held in a dict, a node made by hand moved along its local
derivatives (within 1e-10 of the chain rule: 1/1 with nodes made by hand)."""


def test_a_backward_that_runs_the_forward_pass_again_in_floats_fails_naming_the_line(tmp_path):
    found = load_solutions(solutions(tmp_path, {"backward": FORWARD_AGAIN}))
    said = str(check("backward", found["backward"]))
    assert "your answer runs the forward pass again (" in said, said
    assert " numbers next to " in said and "the number a node of the graph took it at" in said
    assert " on line 19, at " in said and "earn no points" in said, said


NUDGED_THEN_LONG = '''\
import math
from tinygrad_edu import walk


def backward(root):
    order = walk(root)
    nudged = False
    for node in order:
        if node.op in ("tanh", "exp"):
            f, x = getattr(math, node.op), node.parents[0].data
            h = 1e-6 * max(1.0, abs(x))
            nudged = (f(x + h) - f(x - h)) / (2 * h) is not None
    while nudged:  # (what takes long: the forward pass again, for each node of a chain)
        pass
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
'''
"""A backward that evaluates tanh or exp at two numbers next to an operand of the graph, then
runs long (as the forward pass run again for every node of a chain of 150 does on a loaded
machine); the chain rule where the graph has neither."""


def test_a_forward_pass_run_again_is_stopped_when_it_is_seen(tmp_path, short_time_limit):
    """The watch stops a backward as soon as it has evaluated an op's function at two numbers
    next to an operand: before, it said so only once the backward had returned, and one that
    ran past its time limit first got the time limit's verdict (test_shortcuts failed now
    and then under two workers: a fourth-order difference on a chain of 150)."""
    found = load_solutions(solutions(tmp_path, {"backward": NUDGED_THEN_LONG}))
    said = str(check("backward", found["backward"]))
    assert "your answer runs the forward pass again (" in said, said
