"""``python -m tinygrad_edu exercises assignment NAME... --for ROUTE -o DIR``: what is wrong
with its options, said; an assignment made before is not overwritten without --force. Each
route is tried for real in a file of its own: test_nbgrader.py (nbgrader's whole round
trip), test_gradescope.py (Gradescope's zip set up and run as Gradescope runs it),
test_github_classroom.py (GitHub Classroom's workflow, each step's command run), and
test_otter.py and test_prairielearn.py."""


import pytest

from tinygrad_edu.exercises.cli import main as cli


@pytest.mark.parametrize("argv, words", [
    (["d_tanh", "--for", "github", "--points", "1.5"], "GitHub Classroom counts whole points"),
    (["d_tanh", "--for", "nbgrader", "--name", "my work"], "an assignment's name starts"),
    (["d_tanh", "--for", "gradescope", "--wheel", "nowhere.whl"], "not a wheel of tinygrad_edu"),
    (["d_tanh", "--for", "nbgrader", "--wheels", "."], "--wheels goes with --for gradescope"),
    (["d_tanh", "--for", "nbgrader", "--points", "d_mul=2"], "d_mul is not one of this"),
    (["d_tanh", "--for", "gradescope", "--wheels", "{tmp}"], "no .whl file there; fill it with"),
    (["d_tanh", "--for", "prairielearn"], "choose --wheels DIR"),
    (["d_tanh", "--for", "prairielearn", "--wheels", "{tmp}"], "no wheel of hypothesis, numpy"),
    (["d_tanh", "--for", "gradescope", "--network"], "--network goes with --for prairielearn"),
])
def test_the_command_says_what_is_wrong(argv, words, tmp_path, capsys):
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    assert cli(["assignment", *argv, "-o", str(tmp_path / "out")]) == 1
    assert words in capsys.readouterr().err


def test_an_assignment_made_before_is_not_overwritten_without_force(tmp_path, capsys):
    args = ["assignment", "d_tanh", "--for", "nbgrader", "-o", str(tmp_path)]
    assert cli(args) == 0
    notebook = tmp_path / "source" / "assignment" / "assignment.ipynb"
    notebook.write_text("edited by the teacher")
    assert cli(args) == 1
    assert "assignment.ipynb exists already" in capsys.readouterr().err
    assert notebook.read_text() == "edited by the teacher"
    assert cli([*args, "--force"]) == 0 and notebook.read_text() != "edited by the teacher"
