"""A fourth attacker's files (a65), graded as a teacher grades a class (``exercises report``):
the model answers (m1) or a classmate's answer (m2) compiled while the audit hook briefly let
``compile`` pass, its state reached through class patterns alone (``case
object(tb_frame=fr)``); a pair that compiles the same answer with its own code, the watch on
(m3); d_tanh by the complex step, its imaginary part read by a pattern (b1). Each earned full
marks unflagged on every route before. The static readings and the classmates' comparison
are tested fast in the main tier (test_machinery.py, test_rule_reading.py,
test_copies_run_time.py); here the routes, in the long tier."""

import csv
import io
import textwrap
from pathlib import Path

import pytest

from tests.exercises.test_copies import HONEST_PATHS, write
from tests.exercises.test_copies_run_time import HONEST_TYPED
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.machinery import MACHINERY

ATTACKS = Path(__file__).parent / "attacks"
HONEST = '''
def d_tanh(x, y):
    return 1 - y * y


def backward(root):
    topo, visited = [], set()
    def build(v):
        if v not in visited:
            visited.add(v)
            for p in v.parents:
                build(p)
            topo.append(v)
    build(root)
    for v in topo:
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(topo):
        for p, g in zip(v.parents, v.local_grads):
            p.grad += g * v.grad
'''
"""The attacker's honest control (its sum_over_paths left out: alice's is the class's)."""


def attack(name):
    return (ATTACKS / name).read_text(encoding="utf-8")


@pytest.mark.long(sibling="tests/exercises/test_machinery.py::test_an_attackers_patterns_are_flagged")
def test_the_attackers_class_is_flagged_and_the_honest_files_are_not(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, attack("match_quiet_alice.py.txt"), "alice.py")
    write(folder, HONEST, "bob.py")
    write(folder, attack("match_quiet.py.txt"), "mallory.py")
    write(folder, attack("match_quiet_classmate.py.txt"), "eve.py")
    write(folder, attack("pair_run_time.py.txt"), "pat.py")
    write(folder, "# quin's\n" + attack("pair_run_time.py.txt"), "quin.py")
    write(folder, attack("complex_step_match.py.txt"), "tom.py")
    write(folder, HONEST_TYPED, "gus.py")
    write(folder, HONEST_TYPED[:HONEST_TYPED.index("def sum_over_paths")] + textwrap.dedent(
        HONEST_PATHS), "hal.py")  # (gus's and hal's modules compile the same code)
    output = tmp_path / "report.csv"
    assert cli(["report", str(folder), "d_tanh", "backward", "sum_over_paths",
                "-o", str(output)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(output.read_text("utf-8")))}
    assert {s: r["score"] for s, r in rows.items()} == {
        "alice": "2", "bob": "2", "mallory": "0", "eve": "0", "pat": "0", "quin": "0",
        "tom": "0", "gus": "1", "hal": "1"}, rows
    for student in ("mallory", "eve", "pat", "quin"):  # (the machinery read by patterns)
        assert f": {MACHINERY} at line " in rows[student]["tampered"], rows[student]
        assert "a class pattern reading __traceback__" in rows[student]["tampered"]
    assert all(rows["mallory"][name] == "failed" for name in ("d_tanh", "backward",
                                                             "sum_over_paths")), rows["mallory"]
    # the pair's code is alice's, which their own code compiled: all three alike (alice's
    # copied by two; eve's copy, compiled while the watch let compile pass, unseen)
    said = "(pat and quin's compiled at run time)"
    assert f"sum_over_paths: the same code as alice, quin's {said}" in rows["pat"]["alike"]
    assert f"sum_over_paths: the same code as alice, pat's {said}" in rows["quin"]["alike"]
    assert rows["alice"]["alike"] == f"sum_over_paths: the same code as pat, quin's {said}"
    assert rows["alice"]["tampered"] == rows["alice"]["copied"] == ""
    for student in ("bob", "tom", "gus", "hal"):  # (honest, and b1: no flag)
        assert rows[student]["alike"] == rows[student]["tampered"] == "", rows[student]
        assert rows[student]["copied"] == "", rows[student]
    assert rows["tom"]["d_tanh"] == "failed", rows["tom"]


@pytest.mark.long(sibling="tests/exercises/test_copies_run_time.py::"
                          "test_a_pairs_answer_compiled_at_run_time_is_theirs_however_many_"
                          "compile_it")
def test_code_compiled_under_a_modules_name_or_given_to_it_is_still_the_files(tmp_path):
    """A file that compiles code of its own named as a module's file (dataclasses.py), and
    from that code compiles an answer; and one that gives an answer to a module's function
    that writes code (``dataclasses._create_fn``): each answer is the file's, not a
    module's, though a module's frame called ``exec``."""
    answer = textwrap.dedent('''
        def sum_over_paths(root, x):
            return 1, 1.0
    ''')
    import dataclasses

    path = write(tmp_path, "import typing\n_b = typing.sys.modules['built' + 'ins']\n"
                 f"_ns = {{'_b': _b, 'answer': {answer!r}}}\n"
                 "getattr(_b, 'ex' + 'ec')(getattr(_b, 'com' + 'pile')("
                 "'_b.exec(answer, globals())', "
                 f"{dataclasses.__file__!r}, 'exec'), _ns)\n"
                 "sum_over_paths = _ns['sum_over_paths']\n", "posed.py")
    result = grade_file(path, [EXERCISES["sum_over_paths"]], {"sum_over_paths": 1.0})
    assert any("def sum_over_paths" in text for text in result.ran), result
    assert result.made == (), result.made
    # a module's function that writes code, called by the file's own code: given the code
    path = write(tmp_path, "import dataclasses\n\nsum_over_paths = dataclasses._create_fn("
                 "'sum_over_paths', ['root', 'x'], ['return 1, 1.0'])\n", "given.py")
    result = grade_file(path, [EXERCISES["sum_over_paths"]], {"sum_over_paths": 1.0})
    assert any("def sum_over_paths" in text for text in result.ran), result
    assert result.made == (), result.made


@pytest.mark.long(sibling="tests/exercises/test_copies_run_time.py::"
                          "test_a_pairs_answer_carried_by_a_dataclass_fields_name_is_theirs")
def test_a_pair_whose_answer_a_dataclass_fields_name_carries_is_alike(tmp_path):
    """a65b's d1, graded as a class is: eve and frank hold the same answer in a field's name
    written by hand in ``__annotations__`` (shifted by one code point), which dataclasses
    compiles into its function; the pair is alike in both rows (before: 2/2 each, no flag),
    alice, whose file is honest, with no one; no one scores differently."""
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, attack("dataclass_field_pair_eve.py.txt"), "eve.py")
    write(folder, attack("dataclass_field_pair_frank.py.txt"), "frank.py")
    write(folder, HONEST + textwrap.dedent(HONEST_PATHS), "alice.py")
    output = tmp_path / "report.csv"
    assert cli(["report", str(folder), "d_tanh", "sum_over_paths", "-o", str(output)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(output.read_text("utf-8")))}
    assert {s: row["score"] for s, row in rows.items()} == {"eve": "2", "frank": "2",
                                                            "alice": "2"}, rows
    said = "(eve and frank's compiled at run time)"
    assert f"sum_over_paths: the same code as frank's {said}" in rows["eve"]["alike"], rows
    assert f"sum_over_paths: the same code as eve's {said}" in rows["frank"]["alike"], rows
    assert rows["alice"]["alike"] == "", rows
