"""The learner's process under the newest Python this machine has, installed where only root
may enter (pyenv's, in /root), graded as root: the process becomes another user before the
learner's code runs, and can then read nothing of that installation. Python 3.12 and later
import some modules only when first used (a text seed's sha512, which the inputs of a graph
exercise are drawn with): what the grading uses must be loaded before (learner/serve.py).
Before: `backward`'s model answer, checked as root under pyenv's 3.13, failed with
"ModuleNotFoundError: No module named 'hashlib'"."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.starters import imports_for, model_answer_body, starter_head

ROOT = Path(__file__).resolve().parents[2]


def newest_python_in_a_closed_home():
    found = sorted(Path.home().glob(".pyenv/versions/3.1[2-9].*/bin/python3"),
                   key=lambda p: tuple(int(n) for n in p.parts[-3].split(".")))
    return found[-1] if found else None


@pytest.mark.slow
@pytest.mark.long(sibling="tests/exercises/test_cli.py::"
                          "test_cli_check_grades_what_the_file_defines_and_exits_1_on_a_failure")
def test_a_graph_exercise_grades_under_a_newer_python_in_roots_home(tmp_path):
    python = newest_python_in_a_closed_home()
    if python is None or os.geteuid() != 0:
        pytest.skip("needs root and pyenv's Python 3.12 or later in root's home")
    if stat.S_IMODE(Path.home().stat().st_mode) & 0o005:
        pytest.skip(f"{Path.home()} is open to others: nothing to show here")
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", "-e", f"{ROOT}[testing]"], check=True,
                   capture_output=True)
    ex = EXERCISES["backward"]
    answer = tmp_path / "hw.py"
    answer.write_text(f"{imports_for([ex])}\n\n{starter_head(ex)}\n{model_answer_body(ex)}\n",
                      encoding="utf-8")
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "tinygrad_edu", "exercises",
                           "check", str(answer), "backward"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600, check=False,
                          env={**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")})
    assert "1 of 1 attempted exercises pass" in done.stdout, done.stdout + done.stderr
