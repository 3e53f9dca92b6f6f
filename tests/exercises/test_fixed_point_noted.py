"""A class Value (or microgpt's node) that takes its local derivatives as central differences
in fixed-point integers (a65i's k9, k10, a65j's j5: 1/1 on every route, unseen) is flagged for
the teacher, never failed (``learner/scaled.py``): its code holds a number of the graph times
a large power of 2 or of 10. The honest classes that hold long integers (a hash unmasked, a
128-bit label, n! of their own exp's series) are not flagged, and a learner alone is never
told."""

import math
import random
import types

import numpy as np
import pytest

from tinygrad_edu.exercises import EXERCISES, TRACK
from tinygrad_edu.exercises.classroom.results import as_gradescope, for_staff
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner.scaled import WIDE, Scaled, scaled_held
from tinygrad_edu.exercises.machinery import noted

GRAPH = [0.7, -1.3, 2.5, 0.6043677771171636, 3.0, 1.0, 0.5, -2.0, 1e-3, 17.25,
         -2.718281828459045, 0.46211715726000974, -1.2840254166877414, 0.0012345678901234]


def _attack(name):
    from tests.exercises.test_shortcuts import _attack as read
    return read(name)


@pytest.mark.parametrize("x", [0.46211715726000974, -1.2840254166877414, 0.6043677771171636,
                               0.0012345678901234, -2.718281828459045])
@pytest.mark.parametrize("bits", [80, 200, 1000])
def test_a_number_of_the_graph_in_binary_fixed_point_is_seen(x, bits):
    scaled = Scaled(GRAPH)
    fixed = int(x * 2 ** 52) << (bits - 52)
    base, power, number = scaled.of(fixed)
    assert (base, number) == (2, abs(x)) and math.ldexp(abs(x), power) == pytest.approx(
        abs(fixed), rel=1e-11)  # (int(x * 2**52) keeps 42 bits of 0.001)
    assert scaled.of(fixed + (fixed >> 60)) is not None  # (a step of 2**-60 from it)


@pytest.mark.parametrize("x", [0.6043677771171636, -2.718281828459045])
@pytest.mark.parametrize("digits", [25, 40, 120])
def test_a_number_of_the_graph_in_decimal_fixed_point_is_seen(x, digits):
    """(A short one, 17.25 or -1.3 in decimals, is not: ``SIGNIFICANT``; a fixed-point
    difference holds the graph's other numbers too.)"""
    fixed = round(x * 10 ** 17) * 10 ** (digits - 17)
    base, power, number = Scaled(GRAPH).of(fixed)
    assert (base, number) == (10, abs(x))
    assert abs(fixed) / 10 ** power == pytest.approx(abs(x), rel=1e-12)


@pytest.mark.parametrize("held", [
    hash((12345, "tanh")) & ((1 << 64) - 1), (1 << 67) + 12345, random.Random(7).getrandbits(128),
    math.factorial(25), math.factorial(30), math.factorial(60), 1 << 200, 10 ** 40,
    (1 << 200) + 1, 10 ** 40 - 1, 3 ** 90, -(1 << 63)],
    ids=["a hash", "an unmasked hash", "a 128-bit label", "25!", "30!", "60!", "a binary scale",
         "a decimal scale", "next to a binary scale", "next to a decimal scale", "3**90",
         "a 64-bit number"])
def test_an_honest_long_integer_is_no_number_scaled(held):
    """The graph holds 1.0, 0.5 and 3.0: a scale alone, or an integer next to one, is no
    number of it scaled; nor a power of 3 (3.0 of the graph: its leading digits are
    another's). (A short number of the graph, 1.5 or 0.7, is not looked for at all:
    ``scaled._long_mantissa``.)"""
    assert Scaled(GRAPH).of(held) is None


def test_an_integer_within_a_hash_size_is_not_looked_at():
    x = 0.6043677771171636
    assert Scaled([x]).of(int(x * 2 ** 52) << (WIDE - 53)) is None
    assert Scaled([x]).of(int(x * 2 ** 52) << (WIDE - 51)) == (2, WIDE + 1, x)


@pytest.mark.parametrize("held", [
    0b11 << 2690, (1 << 300) | (1 << 280) | (1 << 17) | 1, 15 * 10 ** 59, 75 << 400],
    ids=["two nodes' bits", "four nodes' bits", "1.5 times 10**60", "0.75 times 2**407"])
def test_an_integer_of_few_significant_digits_is_no_float_scaled(held):
    """A visited set kept as a bitmask of node ids (``seen |= 1 << v.id``: a65n's h6 and
    hn1, flagged at every grading, the graph holding 1.5 or 3.0), or a short number scaled:
    no float's digits."""
    assert Scaled([*GRAPH, 0.75]).of(held) is None


class Fixed:
    """A fixed-point number kept in a slot (a65n's v1; ``dataclass(slots=True)``: v2)."""

    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw


def test_a_number_of_the_graph_scaled_by_a_long_integer_held_is_seen():
    """A scale of any base (``3**130``: a65m's a2 and n2, 1/1 unflagged before), once the
    scale itself is met: the graph's number times another long integer held."""
    scaled, scale = Scaled(GRAPH), 3 ** 130
    assert scaled.of(scale) is None  # (a scale alone)
    fixed = int(0.6043677771171636 * 2 ** 52) * scale >> 52
    assert scaled.of(fixed) == (0, 63, 0.6043677771171636)
    assert scaled.of(-int(-1.2840254166877414 * 2 ** 52) * scale >> 52) == (
        0, 63, 1.2840254166877414)


def test_long_integers_in_honest_ratios_are_no_number_scaled():
    """n! over (n - 1)! is n, and a scale over twice itself one half: no number of the
    graph, though the graph holds 3.0 and 0.5; nor are labels over one another (2,000
    pairs of 128-bit labels)."""
    scaled = Scaled(GRAPH)
    assert all(scaled.of(math.factorial(n)) is None for n in range(20, 60))
    assert scaled.of((1 << 200) + 12345) is None and scaled.of((1 << 201) + 24690) is None
    labels = random.Random(5)
    assert all(scaled.of(labels.getrandbits(128)) is None for _ in range(2000))
    seen, near_one = 0, Scaled([*GRAPH, 1.0000000000002622, 2.0000000001, 4 / 3, 5 / 7])
    for order in (random.Random(6).sample(range(4000), 300), range(3000, 0, -1)):
        for node in order:  # (a visited set as a bitmask of node ids, growing: a65n's h6,
            seen |= 1 << node  # flagged before)
            assert near_one.of(seen) is None, node


class Big(int):
    """An int of the learner's class, whose methods must never run as the watch looks."""

    def __abs__(self):
        raise AssertionError("ran the learner's __abs__")

    def __lt__(self, other):
        raise AssertionError("ran the learner's __lt__")

    def bit_length(self):
        raise AssertionError("ran the learner's bit_length")


def _frame(returned_name="f", **names):
    """A frame as the watch reads it: its locals, no globals."""
    code = types.SimpleNamespace(co_names=(), co_name=returned_name)
    return types.SimpleNamespace(f_locals=names, f_globals={}, f_code=code, f_lineno=7)


FIXED = int(-1.2840254166877414 * 2 ** 52) << 148


@pytest.mark.parametrize("held", [
    Big(FIXED), {FIXED, 5}, frozenset({FIXED}), np.array([1, FIXED], dtype=object),
    Fixed(FIXED),
    types.SimpleNamespace(t=FIXED), [0.5, FIXED], (FIXED,), {"t": FIXED}],
    ids=["an int of its own class", "a set", "a frozenset", "an array of objects", "a slot",
         "an attribute", "a list", "a tuple", "a dict"])
def test_a_number_held_in_fixed_point_is_seen_one_level_into_a_name(held):
    """a65m's a7 (``class Big(int)``), a3b (given back in a set, every name deleted before)
    and a8 (a NumPy array of objects): 1/1 unflagged before."""
    found = scaled_held(_frame(t=held), None, Scaled(GRAPH))
    assert found is not None and (found["base"], found["power"], found["number"]) == (
        2, 200, -1.2840254166877414) and found["name"] == "t", found
    found = scaled_held(_frame("_tanh_fixed"), held, Scaled(GRAPH))  # (given back)
    assert found is not None and found["name"] == "" and found["function"] == "_tanh_fixed"


FACTS = {"digits": 61, "base": 2, "power": 200, "number": 0.7, "name": "X",
         "function": "_backward", "line": 3}


def test_the_teacher_reads_the_facts_in_the_graders_words():
    said = noted(FACTS, [], "a\nb\nc\n")
    assert said.startswith("its class held the graph's number 0.7 times 2**200 (an integer of "
                           "61 digits) in X, in _backward, on line 3: fixed-point arithmetic")
    assert noted({**FACTS, "base": 0, "power": 63}, [], "a\nb\nc\n").startswith(
        "its class held the graph's number 0.7 times another integer it held, of 63 digits "
        "(an integer of 61 digits) in X, in _backward, on line 3")
    assert noted({**FACTS, "name": ""}, [], "a\nb\nc\n").startswith(
        "its class held the graph's number 0.7 times 2**200 (an integer of 61 digits) in "
        "what _backward gives back, on line 3")


@pytest.mark.parametrize("bad", [
    {"line": 99}, {"line": "3"}, {"name": "X\x1b[2J"}, {"function": "a b"}, {"base": 3},
    {"base": 0.0},
    {"number": float("nan")}, {"digits": 61.0}, {"power": True}, {"name": "x" * 61}])
def test_facts_not_of_their_kind_say_nothing(bad):
    """The learner's process sends them, and its code can change them."""
    assert noted({**FACTS, **bad}, [], "a\nb\nc\n") == ""
    assert noted("held an integer", [], "a\n") == ""


@pytest.mark.slow
def test_a_fixed_point_difference_is_flagged_for_the_teacher_on_every_route(tmp_path, capsys):
    """Scored as before (it is the chain rule, with no rules), flagged in what the teacher
    alone reads (the Value's scale 2**200, the node's 3**130); the honest class whose exp
    holds n! is not; the learner's ``check`` says nothing of it."""
    value, node = EXERCISES["Value"], TRACK["node"]
    for name, exercise, attack, what in [
            ("alice", value, "value_fixed_point_backward.py.txt", "Value"),
            ("nina", node, "node_fixed_point.py.txt", "node")]:
        path = tmp_path / f"{name}.py"
        path.write_text(_attack(attack), encoding="utf-8")
        result = grade_file(path, [exercise], {exercise.name: 1.0})
        mark = result.marks[0]
        assert mark.points == 1.0 and mark.tampered.startswith(
            "its class held the graph's number "), mark
        assert "fixed-point arithmetic, in which a finite difference comes as close as the " \
            "chain rule" in mark.tampered and "fixed-point" not in mark.text
        assert f"⚑ {what}: its class held the graph's number " in for_staff(result)
        hidden = [t for t in as_gradescope(result)["tests"] if t["visibility"] == "hidden"]
        assert any("fixed-point" in t["output"] for t in hidden), hidden
        assert not any("fixed-point" in t["output"] for t in as_gradescope(result)["tests"]
                       if t["visibility"] != "hidden")
        if what == "Value":  # (as a learner checks it alone)
            capsys.readouterr()
            assert cli(["check", str(path), what, "--allow-unsandboxed"]) == 0
            assert "fixed-point" not in capsys.readouterr().out
    honest = tmp_path / "bob.py"
    honest.write_text(_attack("honest_value_taylor_exp.py.txt"), encoding="utf-8")
    result = grade_file(honest, [value], {"Value": 1.0})
    assert result.marks[0].points == 1.0 and not result.marks[0].tampered, result.marks
