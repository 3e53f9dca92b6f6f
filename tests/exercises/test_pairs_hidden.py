"""A difference in double-double arithmetic whose helpers are given their points past what the
watches read: as ``*args`` or ``**kw`` (rules, node stage), a pair led by a tag, ``("t", a,
b)``, or kept in an ``OrderedDict`` (an attacker's a65k k5, k6, k9, k11: full marks on every
route before). Each is told it evaluates the function at shifted points."""

from pathlib import Path

import pytest

from tests.tiers import sampled
from tinygrad_edu.exercises.cli import main as cli


@pytest.mark.parametrize(("attack", "names"), sampled([
    ("rules_dd_varargs.py.txt", ["d_tanh"]),
    ("value_dd_ordereddict.py.txt", ["Value"]),
    ("node_dd_varkw.py.txt", ["node"]),
    ("node_dd_tagged_tuple.py.txt", ["node"])], 2,
    "test_points_given_past_the_named_arguments_are_seen", several=True))
def test_points_given_past_the_named_arguments_are_seen(attack, names, tmp_path, capsys):
    path = tmp_path / "solutions.py"
    path.write_text((Path(__file__).parent / "attacks" / attack).read_text(encoding="utf-8"),
                    encoding="utf-8")
    capsys.readouterr()
    assert cli(["check", str(path), *names, "--allow-unsandboxed"]) == 1
    said = capsys.readouterr().out
    assert "0 of 1 attempted" in said, said
