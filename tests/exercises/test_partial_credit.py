"""Partial credit, an option of every route (off by default, issue 58): the share of an
exercise's graded parts right (Gradescope's results.json, ``check --json`` of a track's
stages), nbgrader's score from the graded cell's outputs, a step of GitHub Classroom's
workflow per graded part."""

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.exercises.assignment_runs import env
from tests.exercises.route_assignment import (
    source,
)
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cli import main as cli


def test_partial_credit_is_the_share_of_the_parts_right(tmp_path, capsys):
    """dense_backward with db not summed: 2 of its 3 graded parts right; with --partial it
    earns 2 of 3 points (Gradescope's results.json), and without it 0."""
    path = tmp_path / "hw.py"
    path.write_text(source(wrong={"dense_backward"}), encoding="utf-8")
    for partial, earned in ((False, 0.0), (True, 2.0)):
        out = tmp_path / f"results-{partial}.json"
        assert cli(["check", str(path), "dense_backward", "--format", "gradescope",
                    "--points", "3", "-o", str(out), *(["--partial"] if partial else [])]) == 1
        test = json.loads(out.read_text("utf-8"))["tests"][0]
        assert test["score"] == earned and test["status"] == "failed", test
    assert "partial credit: 2 of its 3 graded parts right (dX, dW), 2 of 3 points" in \
        test["output"]


def test_a_class_graded_in_stages_earns_its_stages(tmp_path):
    """The node stage of the track: its four graded parts are its stages (data, structure,
    grads, long chain); a Value whose backward is wrong has the first two right."""
    from tests.exercises.gpt_answers import SLIPS, with_slip
    from tinygrad_edu.exercises import TRACK

    node = TRACK["node"]
    assert len(node.graded_parts) == 4
    path = tmp_path / "gpt.py"
    path.write_text(with_slip(*SLIPS["node"][0][1:]), encoding="utf-8")
    out = tmp_path / "results.json"
    assert cli(["check", str(path), "node", "--json", "--points", "4", "--partial",
                "-o", str(out)]) == 1
    mark = json.loads(out.read_text("utf-8"))["exercises"][0]
    assert mark["points"] == 2.0, mark["verdict"]


def test_nbgrader_takes_a_partial_score_from_the_cells_value():
    """The graded cell's outputs as tinygrad_edu's preprocessor writes them, scored by
    nbgrader's own ``determine_grade`` (in a Python of its own: importing nbgrader here, after
    other tests, trips setuptools' distutils shim)."""
    if importlib.util.find_spec("nbgrader") is None:
        pytest.skip("nbgrader is not installed (the dev extra has it)")
    script = """
import nbformat
from nbgrader.utils import determine_grade
from tinygrad_edu.exercises.classroom.for_nbgrader_autograde import _outputs
from tinygrad_edu.exercises.classroom.results import Mark
mark = Mark("dense_backward", 17, "failed", 2.0, 3.0, "x")
cell = nbformat.v4.new_code_cell("graded_cell('dense_backward', globals())")
cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 3,
                             "grade_id": "dense", "locked": True}
cell.outputs = _outputs("dense_backward", mark, partial=True)
print(determine_grade(cell))
cell.outputs = _outputs("dense_backward", mark, partial=False)
print(determine_grade(cell))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env(), timeout=120)
    assert done.stdout.split("\n")[:2] == ["(2.0, 3.0)", "(0, 3.0)"], done.stderr


def test_github_classroom_gives_each_part_a_step(tmp_path):
    """With --partial, a step per graded part, each exiting with 0 exactly when its part is
    right."""
    from tinygrad_edu.exercises.classroom.for_github import _steps

    steps = _steps(EXERCISES["dense_backward"], 3, partial=True)
    assert [(s[1], s[2], s[3]) for s in steps] == [
        ("dense_backward-1", "dense_backward --part 1", 1),
        ("dense_backward-2", "dense_backward --part 2", 1),
        ("dense_backward-3", "dense_backward --part 3", 1)]
    path = tmp_path / "hw.py"
    path.write_text(source(wrong={"dense_backward"}), encoding="utf-8")
    codes = [cli(["check", str(path), "dense_backward", "--part", str(k)]) for k in (1, 2, 3)]
    assert codes == [0, 0, 1]
