"""Many digits where a class Value or the node stage computes: a decimal or a fraction one
level into a name, a list's, a dict's or a plain object's items, a global or what is given
back (``fixed_point.class_long_held``); integers of many bits are not looked at there (an
honest class holds them: a hash, a label, n!); and in a rule, a chain of one-item lists
costs the watch no level (an attacker's a65j j9: 3/3 on every route before)."""

import math
import sys
import types
from pathlib import Path

import pytest

from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner.fixed_point import class_long_held


def _frame_with(**names):
    """A frame whose locals are ``names`` (the watch reads a frame's)."""
    def holder():
        return sys._getframe()

    frame = holder()
    space = types.SimpleNamespace(f_locals=names, f_globals={}, f_code=frame.f_code)
    return space


@pytest.mark.parametrize("value", [
    __import__("decimal").Decimal("1.5"), [0.5, __import__("fractions").Fraction(1, 3)],
    __import__("collections").OrderedDict(S=__import__("decimal").Decimal(2)),
    types.SimpleNamespace(u=__import__("fractions").Fraction(7, 3))],
    ids=["name", "list item", "dict value", "attribute"])
def test_many_digits_one_level_down_are_seen(value):
    assert class_long_held(_frame_with(o=value), None).startswith(("a decimal", "a fraction"))


@pytest.mark.parametrize("value", [
    hash((12345, "tanh")), 1 << 67, 1 << 128, math.factorial(30),
    [math.factorial(25)], types.SimpleNamespace(n=1 << 90, h=-(1 << 63))],
    ids=["a hash", "an unmasked hash", "a 128-bit label", "30!", "n! in a list",
         "attributes"])
def test_integers_are_not_taken_for_a_scale(value):
    """An honest class holds these (a65j's h7, h8, a65k's h1, h2)."""
    assert class_long_held(_frame_with(o=value), None) == ""


def test_one_given_back_is_seen():
    assert class_long_held(_frame_with(), __import__("decimal").Decimal(3)).endswith(
        "given back by holder")


def _attack(name):
    return (Path(__file__).parent / "attacks" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("attack", "names"), [
    ("fixed_point_one_item_lists.py.txt", ["d_tanh"])])
def test_a_fixed_point_difference_earns_nothing(attack, names, tmp_path, capsys):
    path = tmp_path / "solutions.py"
    path.write_text(_attack(attack), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), *names, "--allow-unsandboxed"]) == 1
    assert "an integer of 4" in capsys.readouterr().out
