"""The scale of fixed point where a class Value or the node stage computes: an integer of more
than 64 bits that is no factorial, seen in a name, a list's or a plain object's items, a global
or what is given back (``fixed_point.class_long_held``); and in a rule, a chain of one-item
lists costs the watch no level (an attacker's a65i k9, k10, a65j j5, j9: 1/1 or 3/3 on every
route before). Honest classes holding a hash of their own or n! pass
(test_shortcuts.test_an_honest_value_holding_long_integers_passes)."""

import math
import sys
import types
from pathlib import Path

import pytest

from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner.fixed_point import CLASS_LONG, class_long_held


def _frame_with(**names):
    """A frame whose locals are ``names`` (the watch reads a frame's)."""
    def holder():
        return sys._getframe()

    frame = holder()
    space = types.SimpleNamespace(f_locals=names, f_globals={}, f_code=frame.f_code)
    return space


@pytest.mark.parametrize("value", [
    10 ** 40, [0, 1 << 80], {"S": 3 ** 60}, types.SimpleNamespace(u=7 ** 40)],
    ids=["name", "list item", "dict value", "attribute"])
def test_a_scale_of_fixed_point_is_seen(value):
    assert class_long_held(_frame_with(o=value), None).startswith("an integer of ")


@pytest.mark.parametrize("value", [
    hash((12345, "tanh")), (1 << CLASS_LONG) - 1, math.factorial(30), math.factorial(170),
    [math.factorial(25)], types.SimpleNamespace(n=math.factorial(40), h=-(1 << 63))],
    ids=["a hash", "64 bits", "30!", "170!", "n! in a list", "attributes"])
def test_a_hash_or_a_factorial_is_not(value):
    assert class_long_held(_frame_with(o=value), None) == ""


def test_one_given_back_is_seen():
    assert class_long_held(_frame_with(), 10 ** 30).endswith("given back by holder")


def _attack(name):
    return (Path(__file__).parent / "attacks" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("attack", "names"), [
    ("value_fixed_point_attrs.py.txt", ["Value"]),
    ("node_fixed_point_ints.py.txt", ["node"]),
    ("fixed_point_one_item_lists.py.txt", ["d_tanh"])])
def test_a_fixed_point_difference_earns_nothing(attack, names, tmp_path, capsys):
    path = tmp_path / "solutions.py"
    path.write_text(_attack(attack), encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), *names, "--allow-unsandboxed"]) == 1
    assert "an integer of 4" in capsys.readouterr().out
