"""A rule exercise is graded on the rule: the complex step and finite differences, which get
every rule exercise's numbers from the function's values alone, earn no points and are
named, in this process (``check``) and in the learner's own (``grade_apart``); rules written
in other honest forms (``math``'s functions, NumPy's, with x or with y) still pass. The
routes around the check are closed: every call of a rule is watched alike (a file cannot
tell the points where it is tried for exactness by how it is called), an error, a loop or
an answer of another shape there fails, and the rule's code is read for complex numbers
and exact arithmetic anywhere in its file (a complex step on numbers made plain first:
``test_shortcuts_in_code.py``; a backward that runs the forward pass again:
``test_forward_again.py``)."""

import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.exercises.learners import CORRECT_VALUES, lecture, value_class
from tests.exercises.shortcut_answers import COMPLEX_STEP, FINITE, HONEST, solutions
from tests.tiers import sampled
from tinygrad_edu.exercises import EXERCISES, cases, check
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.cases import draw_exact
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner import wire
from tinygrad_edu.exercises.loading import load_solutions
from tinygrad_edu.exercises.remote import LearnerProcess
from tinygrad_edu.exercises.shortcuts import shortcut


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
# (test_shortcuts_in_code.py)


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


ASKED_FOR_ITS_NUMBER = '''
import math

_IM = "im" + "ag"


def d_tanh(x, y):
    u = getattr(x, "value", x)  # (a plain float, where the watched number gave one)
    z = u + 1e-30 * float("-1") ** 0.5
    t = (math.e ** (2 * z) - 1) / (math.e ** (2 * z) + 1)
    return getattr(t, _IM) / 1e-30


def d_mul(a, b, y):
    p, q = getattr(a, "value", a), getattr(b, "value", b)
    i = float("-1") ** 0.5
    return getattr((p + 1e-30 * i) * q, _IM) / 1e-30, getattr(p * (q + 1e-30 * i), _IM) / 1e-30
'''


def test_a_watched_number_has_only_a_floats_attributes(tmp_path):
    """The complex step on what a rule's input gave as its ``.value`` (1/1 on every route
    before): a float has no ``.value``, and neither has the
    number the rule is given, so the step is taken on the watched number itself, and seen."""
    path = tmp_path / "solutions.py"
    path.write_text(ASKED_FOR_ITS_NUMBER)
    found = load_solutions(path)
    for name in ("d_tanh", "d_mul"):
        verdict = check(name, found[name])
        assert not verdict.passed and "computes with complex numbers" in str(verdict), verdict


IN_FIXED_POINT = """\
import math


def d_tanh(x, y):
    m, e = math.frexp(float(x))  # (made plain: the watch no longer follows it)
    M = int(m * 9007199254740992.0)
    P = 0
    for _ in range(40):  # (400, made at run time: no constant for the reading)
        P += 10
    S = 1 << P
    X = M << (P - 53 + e) if P - 53 + e >= 0 else M >> (53 - e - P)
    H = 1 << (P - 120)
    vals = []
    for X1 in (X + H, X - H):  # (inline: no function of the file called at two points)
        Z = (2 * X1) >> 30
        term = acc = S
        for n in range(1, 40):
            term = term * Z // (S * n)
            acc += term
        for _ in range(30):
            acc = acc * acc // S
        vals.append((acc - S) * S // (acc + S))
    return (vals[0] - vals[1]) / (2 * H)


def d_pow(a, b, y):  # (a rule that makes a small int of its exponent: left alone)
    n = int(b) if b == int(b) else b
    return n * a ** (n - 1), y * math.log(a) if a > 0 else 0.0
"""
"""A finite difference in 400-bit fixed point, inline, on a number made plain by
``float(x)`` and ``math.frexp`` and scaled by a shift of a run-time amount (a65c's e1: 1/1 on
d_tanh, d_exp and d_sigmoid on every route, unflagged, before): exact to the last bit of a
float, with no function called at two points and nothing the reading flags."""


def test_a_finite_difference_in_fixed_point_earns_nothing(tmp_path):
    """The integers of more bits than a float has that its code holds are seen as it runs
    (``fixed_point.long_held``), the name and the first line they are seen on said (the one
    after ``S = 1 << P``); a rule's small ints are not."""
    path = tmp_path / "solutions.py"
    path.write_text(IN_FIXED_POINT)
    found = load_solutions(path)
    said = shortcut(EXERCISES["d_tanh"], found["d_tanh"],
                    draw_exact(EXERCISES["d_tanh"], random.Random(3)))
    assert "computes with far more digits than a float has (an integer of 121 " \
           "digits, held in S, on line 11, at x = " in said, said
    assert "that is a numerical derivative" in said and "earns no points" in said, said
    assert shortcut(EXERCISES["d_pow"], found["d_pow"],
                    draw_exact(EXERCISES["d_pow"], random.Random(3))) == ""


FIXED_POINT = {"fixed_point_dict.py.txt": "held in R, on line 12",
               "fixed_point_wiped.py.txt": "held in S, on line 16",
               "fixed_point_range.py.txt": "held in S, on line 16",
               "fixed_point_deque.py.txt": "held in R, on line 26"}
"""The same difference in fixed point, its long integers kept as a dict's values (R["S"]), in
plain names cleared before the return with no builtin called while they are held, as a
range's stop (``S = range(1 << P)``, read back as ``S.stop``: a65e's e5) or as a deque's
items (``R[_S] = 1 << R[_P]``: a65e's e6, a type of C's under 3.10 and 3.11) (3/3 on every
route, unflagged, before): seen at each line of the rule's own code, in what its names hold,
the name and the first line it is seen on said."""
FIXED_POINT_WORDS = "computes with far more digits than a float has (an integer of " \
    "121 digits, "


def _attack(name):
    return (Path(__file__).parent / "attacks" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("attack", sorted(FIXED_POINT))
def test_long_integers_held_in_a_dict_a_range_a_deque_or_cleared_names_are_seen(attack, tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text(_attack(attack), encoding="utf-8")
    found = load_solutions(path)
    for name in ("d_tanh", "d_exp", "d_sigmoid"):
        said = shortcut(EXERCISES[name], found[name],
                        draw_exact(EXERCISES[name], random.Random(5)))
        assert FIXED_POINT_WORDS + FIXED_POINT[attack] + ", at x = " in said, (name, said)


DECIMALS = {"decimal_statistics.py.txt": {"d_tanh": "TWO, on line 11",
                                           "d_exp": "H, on line 18",
                                           "d_sigmoid": "ONE, on line 23"},
            "decimal_run_time.py.txt": {"d_tanh": "h, on line 10", "d_exp": "h, on line 18",
                                        "d_sigmoid": "h, on line 24"},
            "longdouble_run_time.py.txt": dict.fromkeys(("d_tanh", "d_exp", "d_sigmoid"),
                                                        "WEIGHTS, on line 12"),
            "longdouble_record.py.txt": dict.fromkeys(("d_tanh", "d_exp", "d_sigmoid"),
                                                      "w, on line 12"),
            "longdouble_byte_view.py.txt": dict.fromkeys(("d_tanh", "d_exp", "d_sigmoid"),
                                                         "w, on line 11")}
"""The difference in 28-digit decimals, Decimal reached as ``statistics.Decimal`` (a65f's e7:
3/3 on d_tanh, d_exp and d_sigmoid on every route, unflagged, before; the reading refuses it
now too) and by a name made at run time, which no reading sees, and in NumPy's long double
named at run time (a65g's f5: 3/3 on every route tried, before), and those long doubles kept
in the fields of a structured array or in a uint8 view of an array of them (a65h's k5 and k7:
3/3 before, the dtype's kind "V" and "u"): the many-digit numbers its code holds are seen as
it runs, the name and the first line said."""


@pytest.mark.parametrize("attack", sorted(DECIMALS))
def test_a_difference_in_decimals_however_their_class_was_reached_is_seen(attack, tmp_path):
    path = tmp_path / "solutions.py"
    path.write_text(_attack(attack), encoding="utf-8")
    found = load_solutions(path)
    what = "a decimal number" if not attack.startswith("longdouble") else \
        "a long double" if attack.endswith("run_time.py.txt") else "an array of long doubles"
    for name, where in DECIMALS[attack].items():
        said = shortcut(EXERCISES[name], found[name],
                        draw_exact(EXERCISES[name], random.Random(5)))
        assert f"computes with far more digits than a float has ({what}, held in " \
            f"{where}, at x = " in said, (name, said)


@pytest.mark.parametrize("attack", sampled(
    ["longdouble_bytes_frombuffer.py.txt", "longdouble_bytes_uint8.py.txt"], 1,
    "test_long_doubles_kept_as_bytes_round_as_floats_in_the_learners_process"))
def test_long_doubles_kept_as_bytes_round_as_floats_in_the_learners_process(
        attack, tmp_path, capsys):
    """f65h's neighbours of a65h's k7 (3/3 before): long doubles kept in a bytearray read
    back with ``np.frombuffer``, or in a ``uint8`` array read through views of it, which no
    watch sees. The learner's process computes long doubles at a double's precision
    (``learner/float_unit.py``), so the central difference is as far from the rule as one in
    floats (about 1e-13), which the exact points refuse."""
    if os.uname().machine not in ("x86_64", "i386", "i686"):
        pytest.skip("NumPy's long double is the x87 unit's on x86 only")
    path = tmp_path / "solutions.py"
    path.write_text(_attack(attack), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), "d_tanh", "d_exp", "--allow-unsandboxed"]) == 1
    out = capsys.readouterr().out
    for name in ("d_tanh", "d_exp"):
        assert f"✗ {name}: your answer agrees with the rule only to about " in out, out


def test_the_learners_process_computes_long_doubles_at_a_doubles_precision():
    """1 + 2^-60 in long doubles is 1 at a double's 53 bits, and more than 1 at the x87
    unit's 64 (this process's, as Python starts)."""
    if os.uname().machine not in ("x86_64", "i386", "i686"):
        pytest.skip("NumPy's long double is the x87 unit's on x86 only")
    check = ("import numpy as np\nfrom tinygrad_edu.exercises.learner import float_unit\n"
             "tiny = np.longdouble(2.0) ** -60\nbefore = (1 + tiny) - 1 > 0\n"
             "print(before, float_unit.double_precision(), (1 + tiny) - 1 > 0)\n")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["True", "True", "False"], done


@pytest.mark.parametrize("attack, name, said", sampled([
    ("value_decimal_fd.py.txt", "Value", "your backward() runs the forward pass again (a "
     "decimal number, held in "),
    ("node_decimal_fd.py.txt", "node", "your forward pass takes finite differences as it "
     "makes each node (a decimal number, held in H, in __add__ on line "),
    ("value_longdouble_record.py.txt", "Value", "your backward() runs the forward pass again "
     "(an array of long doubles, held in w, in _d on line 15"),
    ("node_double_double_flat.py.txt", "node", "your forward pass takes finite differences "
     "as it makes each node ("),
    ("value_decimal_in_list.py.txt", "Value", "(a decimal number, held in w, in _slope"),
    ("value_double_double_nested.py.txt", "Value", "your backward() runs the forward pass "
     "again ("),
    ("node_double_double_dict.py.txt", "node", "your forward pass takes finite differences "
     "as it makes each node ("),
    ("node_double_double_flat_args.py.txt", "node", "your forward pass takes finite "
     "differences as it makes each node ("),
    ("node_double_double_unmirrored.py.txt", "node", "your forward pass takes finite "
     "differences as it makes each node ("),
    ("value_double_double_dict.py.txt", "Value", "your backward() runs the forward pass "
     "again ("),
    ("node_dd_kwonly.py.txt", "node", "your forward pass takes finite differences as it makes "
     "each node ("),
    ("value_dd_kwonly.py.txt", "Value", "your backward() runs the forward pass again ("),
    ("node_dd_tuple_subclass.py.txt", "node", "your forward pass takes finite differences as "
     "it makes each node (")], 5,
    "test_a_value_whose_local_derivatives_are_differences_in_decimals_earns_nothing",
    several=True),
    ids=["Value", "node", "Value-longdouble-record", "node-double-double-apart",
         "Value-decimal-in-list", "Value-double-double-nested", "node-dd-dict",
         "node-dd-flat-args", "node-dd-unmirrored", "Value-dd-dict", "node-dd-kwonly",
         "Value-dd-kwonly", "node-dd-tuple-subclass"])
def test_a_value_whose_local_derivatives_are_differences_in_decimals_earns_nothing(
        attack, name, said, tmp_path, capsys):
    """A class Value whose _backward takes each local derivative as a central difference in
    28-digit decimals, and microgpt's node that does so as it makes each node, Decimal
    reached by a name made at run time (a65g's v1 and n1: 1/1 on check, report, Gradescope
    and PrairieLearn before): the class's watch (``learner/rerun.py``) sees the decimals
    its code holds, as a rule's does; and long doubles kept in a structured array's fields
    (a65h's k8: 1/1 before), and double-double helpers given their numbers in nested tuples
    (a65h's k3: 1/1 before; ``nested.nested_items`` looks ``NESTED`` levels down); and the
    node's local derivatives as a double-double difference whose step stays in the pairs'
    low parts, ``_ex((x, h))`` and ``_ex((x, -h))``, no float ever x + h (a65h's k6: 1/1
    before; ``rerun._kept_apart``), its pairs given in a dict or as two float arguments, its
    two steps of other sizes, in ``_backward`` too (a65i's k4, k1, k6, k5: 1/1 before)."""
    path = tmp_path / "value.py"
    path.write_text(_attack(attack), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), name, "--allow-unsandboxed"]) == 1
    out = capsys.readouterr().out
    assert said in out and "earn no points here" in out, out


@pytest.mark.slow
@pytest.mark.long(
    sibling="test_long_integers_held_in_a_dict_a_range_a_deque_or_cleared_names_are_seen")
def test_long_integers_held_anywhere_looked_earn_nothing_on_check_and_report(
        tmp_path, capsys):
    """Graded as a teacher grades a class (the decimals' too): 0 of 3 each, the line said; an
    honest file beside
    them passes; and as a learner checks a file, the one kept in a range (each attack is
    graded in the learner's process by the report here, and in this process, at every rule,
    by test_long_integers_held_in_a_dict_a_range_a_deque_or_cleared_names_are_seen: the
    command line's check of each of the four took 9 of this test's 13 s)."""
    folder = tmp_path / "class"
    folder.mkdir()
    students = {"dora": "fixed_point_dict.py.txt", "wade": "fixed_point_wiped.py.txt",
                "rhea": "fixed_point_range.py.txt", "dean": "fixed_point_deque.py.txt",
                "dana": "decimal_run_time.py.txt"}
    for student, attack in students.items():
        (folder / f"{student}.py").write_text(_attack(attack), encoding="utf-8")
    (folder / "hana.py").write_text(HONEST_RULES, encoding="utf-8")
    rules = ["d_tanh", "d_exp", "d_sigmoid"]
    capsys.readouterr()
    cli(["check", str(folder / "rhea.py"), *rules, "--json", "--allow-unsandboxed"])
    data = json.loads(capsys.readouterr().out)
    assert data["score"] == 0, data
    for graded in data["exercises"]:
        assert FIXED_POINT_WORDS + FIXED_POINT[students["rhea"]] in graded["verdict"], graded
    report = tmp_path / "report.csv"
    assert cli(["report", str(folder), *rules, "-o", str(report), "--allow-unsandboxed"]) == 0
    rows = {r["student"]: r for r in csv.DictReader(report.read_text("utf-8").splitlines())}
    assert {s: r["score"] for s, r in rows.items()} == {"dora": "0", "wade": "0", "rhea": "0",
                                                        "dean": "0", "dana": "0", "hana": "3"}, rows
    for student, attack in students.items():
        for name in rules:
            assert rows[student][name] == "failed", rows[student]
            said = FIXED_POINT_WORDS + FIXED_POINT[attack] if attack in FIXED_POINT else \
                f"(a decimal number, held in {DECIMALS[attack][name]}"
            assert said in rows[student][f"{name} mistakes"], rows[student]


HONEST_RULES = """\
import math


def d_tanh(x, y):
    return 1 - y * y


def d_exp(x, y):
    return y


def d_sigmoid(x, y):
    s = 1 / (1 + math.exp(-x))
    return s * (1 - s)
"""


# ----------------------------------------------------------------------------- a class Value
# whose local derivatives are finite differences (Richardson's in backward(), uneven
# points in the forward pass: 1/1 on every route before), tried on the expressions where
# its gradients must be exact (exact_graphs.py)

RICHARDSON = [(  # (in backward, inline: no function of the file at nudged numbers; tanh as
    "        self.grad += (1 - t**2) * out.grad",  # sinh / cosh, no watched function)
    """        d = []
            for s in (1e-2, 5e-3, 2.5e-3):
                h = s * abs(x)
                d.append((math.sinh(x + h) / math.cosh(x + h)
                          - math.sinh(x - h) / math.cosh(x - h)) / (2 * h))
            r1, r2 = (4 * d[1] - d[0]) / 3, (4 * d[2] - d[1]) / 3
            self.grad += (16 * r2 - r1) / 15 * out.grad""")]
UNEVEN = [(  # (in the forward pass, at u - h, u, u + 1.5h: no midpoint the watch sees)
    "        out = Value(t, (self, ), 'tanh')",
    """        h = 1e-4 * (abs(x) + 1)
        f0, f2 = math.tanh(x - h), math.tanh(x + 1.5 * h)
        d = -0.6 / h * f0 + (1 / (3 * h)) * t + (1 / (3.75 * h)) * f2
        out = Value(t, (self, ), 'tanh')"""),
    ("self.grad += (1 - t**2) * out.grad", "self.grad += d * out.grad")]


@pytest.mark.parametrize("changes, error", [(RICHARDSON, "e-1"), (UNEVEN, "e-0")],
                         ids=["Richardson in backward", "uneven points in the forward pass"])
def test_a_value_whose_local_derivatives_are_finite_differences_earns_nothing(changes, error):
    exercise = EXERCISES["Value"]
    said = shortcut(exercise, value_class(lecture(*changes)),
                    draw_exact(exercise, random.Random(3)))
    assert "your gradients agree with the chain rule only to about" in said, said
    assert error in said.split("about ")[1][:6], said  # (1e-12 or so; 1e-8 or so)


def test_right_values_are_exact_on_the_expressions_drawn():
    """Every right class of the corpus, and micrograd's lecture (tanh from exponentials,
    the furthest from the engine's rounding), passes on every draw."""
    exercise = EXERCISES["Value"]
    classes = [value_class(s) for s in CORRECT_VALUES.values()]
    for seed in range(8):
        drawn = draw_exact(exercise, random.Random(seed))
        for cls in classes:
            assert shortcut(exercise, cls, drawn) == "", (seed, cls)


HONEST_PAIRS = """\
import math


def _two_prod(p):
    (a, b), = p
    m = a * b
    c = 134217729.0 * a
    ah = c - (c - a)
    al = a - ah
    c = 134217729.0 * b
    bh = c - (c - b)
    bl = b - bh
    return m, ((ah * bh - m) + ah * bl + al * bh) + al * bl


def _two_sum(p):
    (a, b), = p
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def d_tanh(x, y):
    m, e = _two_prod(((y, y),))
    s, t = _two_sum(((1.0, -m),))
    return s + (t - e)


def d_exp(x, y):
    return y


def d_sigmoid(x, y):
    s = 1 / (1 + math.exp(-x))
    m, e = _two_prod(((s, s),))
    d, t = _two_sum(((s, -m),))
    return d + (t - e)


def d_div(a, b, y):
    q = 1 / b
    m, e = _two_prod(((y, q),))
    return [q, -(m + e)]
"""
"""Honest rules whose error-free helpers (TwoProduct, TwoSum) are given their numbers in
nested tuples, as k1's are: each is called at the rule's own numbers, never at two a tiny
step apart."""


@pytest.mark.parametrize("name", sampled(
    ["d_tanh", "d_exp", "d_sigmoid"], 1,
    "test_a_difference_in_double_double_arithmetic_is_seen_where_honest_pairs_are_not"))
def test_a_difference_in_double_double_arithmetic_is_seen_where_honest_pairs_are_not(
        name, tmp_path, capsys):
    """a65h's k1 (3/3 before): its helpers are given the points x + h and x - h as the first
    numbers of their pairs (``stepped.first_number`` looks ``NESTED`` levels into a list or a
    tuple given first), and the honest rules whose helpers are given pairs so pass (d_div's
    with d_tanh's). The main tier grades d_tanh (each grading of these helpers, 2 core-seconds),
    the long tier d_exp and d_sigmoid too."""
    path = tmp_path / "solutions.py"
    path.write_text(_attack("double_double_fd.py.txt"), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), name, "--allow-unsandboxed"]) == 1
    said = next(block for block in capsys.readouterr().out.split("\n\n")
                if block.startswith(f"✗ {name}:"))
    assert "your answer evaluates the function at a point shifted from its input (_ts, a " \
        "function of your own, at two numbers " in said, said
    honest = tmp_path / "honest.py"
    honest.write_text(HONEST_PAIRS, encoding="utf-8")
    names = [name, "d_div"] if name == "d_tanh" else [name]
    assert cli(["check", str(honest), *names, "--allow-unsandboxed"]) == 0, \
        capsys.readouterr().out


@pytest.mark.parametrize("name", ["d_tanh", "d_exp", "d_sigmoid"])
def test_a_sixth_order_difference_in_floats_is_not_exact_enough(name, tmp_path):
    """a65h's c8 (3/3 before, within 1e-12 of the rule at nearly every point): the exact
    points ask 5e-15 of a rule on numbers (``EXACT_NUMBERS``), and it is over that at one of
    the four on every seed (measured over 2,000); the right forms stay within it
    (test_drawn_afresh, right_variants.py)."""
    path = tmp_path / "solutions.py"
    path.write_text(_attack("float_sixth_order.py.txt"), encoding="utf-8")
    found = load_solutions(path)
    for seed in range(6):
        said = shortcut(EXERCISES[name], found[name],
                        draw_exact(EXERCISES[name], random.Random(seed)))
        assert said.startswith("your answer agrees with the rule only to about "), (seed, said)


@pytest.mark.parametrize("attack", sampled(
    ["honest_value_hash.py.txt", "honest_value_taylor_exp.py.txt",
     "honest_value_hash_unmasked.py.txt", "honest_value_uid128.py.txt"], 2,
    "test_an_honest_value_holding_long_integers_passes"))
def test_an_honest_value_holding_long_integers_passes(attack, tmp_path, capsys):
    """A Value whose ``__hash__`` is ``hash((id(self), self._op))`` (19 digits) or the old
    tuple hash written out unmasked (67 bits), one whose ``exp()`` is its own Taylor series
    with n! kept as an int (31 digits), one labelling nodes ``random.getrandbits(128)``:
    honest, passed (a65j's h7, h8, a65k's h1, h2: refused a while as a fixed-point
    difference)."""
    path = tmp_path / "value.py"
    path.write_text(_attack(attack), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), "Value", "--allow-unsandboxed"]) == 0, \
        capsys.readouterr().out


def test_an_honest_value_whose_tanh_adds_pairs_passes(tmp_path, capsys):
    """tanh written as sinh / cosh, each the sum of a pair, ``_sum((e, -f))`` and ``_sum((e,
    f))`` with e = exp(x), f = exp(-x): a number and its opposite at one number, as a
    double-double difference has them, but f differs at every number (a65i's h4: 0/1 on
    every seed before, told it took finite differences)."""
    path = tmp_path / "value.py"
    path.write_text(_attack("honest_value_sinh_cosh.py.txt"), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), "Value", "--allow-unsandboxed"]) == 0, \
        capsys.readouterr().out


@pytest.mark.parametrize("honest, seed", sampled(
    [("helpers", "1"), ("helpers", "2"), ("helpers", "3"), ("dispatcher", "1"),
     ("dispatcher", "3"), ("sub_by_mul", "3"), ("sub_by_mul", "5")],
    [("helpers", "1"), ("helpers", "3"), ("dispatcher", "1"), ("sub_by_mul", "5")],
    "test_an_honest_value_whose_helpers_serve_forward_and_backward_passes", several=True))
def test_an_honest_value_whose_helpers_serve_forward_and_backward_passes(honest, seed,
                                                                        tmp_path, capsys):
    """Plain helpers of the class's file, called by the forward pass and by each
    ``_backward`` alike: honest, passed. ``_add(a, b)`` and ``_mul(a, b)`` (``self.grad =
    _add(self.grad, ...)``, tanh's ``_add(1.0, -_mul(t, t))``): at seeds 1 and 2 it was told
    it ran the forward pass again, the backward's small gradients within 1e-3 of a node's
    1e-9, and tanh's -t² next to the -1.0 of ``v7 - x0``, each next to numbers the forward
    pass gave ``_add``, though at no one call's (a65 h3, h4); at seed 3, for two numbers of
    its backward next to a saturated tanh's -0.9999991 that the forward pass gave ``_add``
    (not on either side of it: no central difference), and the a65t tester's other helper
    classes for ``_mul(1.0, g)`` and ``_mul(1.0, -g)`` then ``_mul(2.0, g)``, the small grads
    of a saturated tanh "kept apart" as a double-double's step is. One
    dispatcher, ``_binary("+", g, 1.0)``, the op named by its symbol: told so at seeds 1 and
    3, its 1.0 next to a tanh's 0.9993 that the forward pass gave it for another op (a65t's
    h2). A subtraction
    ``_add(a, _mul(-1.0, b))``: at seed 5, ``_mul(-1.0, t * t)`` at two numbers below the
    forward pass's ``_mul(-1.0, 1.0)``; at seed 3, ``_mul(2.0, x)`` of a pow at a small x of
    either sign (a65t's h1)."""
    path = tmp_path / "value.py"
    path.write_text(_attack(f"honest_value_{honest}.py.txt"), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), "Value", "--allow-unsandboxed", "--seed", seed]) == 0, \
        capsys.readouterr().out


@pytest.mark.parametrize("attack", ["double_double_leading_none.py.txt",
                                    "rules_dd_leading_zero.py.txt"])
def test_a_double_double_difference_given_none_first_is_seen(attack, tmp_path, capsys):
    """a65h's k1 with every helper given ``None`` before its numbers (``_ts(None, a, b)``):
    the step check reads a function's first argument that is a number (a65i's k3: 3/3
    before)."""
    path = tmp_path / "solutions.py"
    path.write_text(_attack(attack), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), "d_tanh", "--allow-unsandboxed"]) == 1
    assert "your answer evaluates the function at a point shifted from its input (_ts, a " \
        "function of your own, at two numbers " in capsys.readouterr().out


def test_a_fixed_point_difference_kept_deep_in_lists_is_seen(tmp_path, capsys):
    """Every integer of a fixed-point difference kept four lists deep (``W[0][0][0][i]``):
    the integer watch looks ``DEPTH`` levels down, bounded by its budget of values (a65i's
    k12: 3/3 on every route before, the watch looking 3 deep)."""
    path = tmp_path / "solutions.py"
    path.write_text(_attack("fixed_point_deep.py.txt"), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), "d_tanh", "--allow-unsandboxed"]) == 1
    assert "your answer computes with far more digits than a float has (an integer of " in \
        capsys.readouterr().out
