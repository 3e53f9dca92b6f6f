"""``exercises assignment NAME... --for gradescope``, tried for real: the zip unpacked into a
root of its own, its setup.sh and run_autograder run as Gradescope runs them (the
``gradescope`` fixture of conftest.py, set up once for the run), and results.json checked
field by field; setup.sh's pip commands, with a stand-in python3."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.exercises.assignment_runs import (
    NAMES,
    POINTS,
    WRONG,
    grade_on_gradescope,
    gradescope_env,
)
from tests.exercises.class_work import IMPORTS, answer
from tests.exercises.test_classroom import assert_gradescope_results

# (the fixtures ``wheel`` and ``gradescope``: tests/exercises/conftest.py)


PYTHON_STAND_IN = """#!/usr/bin/env bash
# (setup.sh's python3: each pip command it is given written to pip.log, one a line; an
# offline install from wheels/ fails, as when the zip's wheels lack a package)
if [ "$1 $2 $3" = "-m pip install" ]; then
  shift 3; echo "$*" >> pip.log
  case " $* " in *" --no-index "*) exit 1;; esac
fi
case "$*" in *dirname*) mkdir -p package; echo "$PWD/package";; esac
"""


@pytest.mark.parametrize("wheels", [False, True])
def test_gradescopes_setup_asks_pip_for_wheels_only_where_there_are(tmp_path, wheels):
    """setup.sh's pip commands, run with a stand-in python3: without wheels/ (no --wheels:
    the default), pip is given no ``--find-links wheels`` (before: it printed "Location
    'wheels' is ignored: it is either a non-existing path or lacks a specific scheme"
    once per package installed, five times, in Gradescope's build log); with wheels/ that
    lack a package, pip reads them first and PyPI for the rest."""
    from tinygrad_edu.exercises.classroom.assignment import template

    (tmp_path / "setup.sh").write_text(template("setup.sh", {"WHEEL": "tg.whl"}), "utf-8")
    python = tmp_path / "python3"
    python.write_text(PYTHON_STAND_IN, encoding="utf-8")
    python.chmod(0o755)
    if wheels:
        (tmp_path / "wheels").mkdir()
        (tmp_path / "wheels" / "numpy.whl").write_bytes(b"")
    done = subprocess.run(["bash", "setup.sh"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHON": str(python)}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    log = (tmp_path / "pip.log").read_text("utf-8").splitlines()
    expected = ["--no-index --find-links wheels ./tg.whl[testing]",
                "--find-links wheels ./tg.whl[testing]"] if wheels else ["./tg.whl[testing]"]
    assert log == ["--no-deps --ignore-installed ./tg.whl", *expected], log


@pytest.mark.slow
def test_gradescopes_setup_installs_the_wheel_the_zip_carries(gradescope):
    root, bin_ = gradescope
    done = subprocess.run([bin_ / "python3", "-c", "import tinygrad_edu; print("
                           "tinygrad_edu.__file__)"], capture_output=True, text=True,
                          env=gradescope_env(bin_, root), cwd=root, check=True)
    assert done.stdout.startswith(str(bin_.parent))  # (the environment setup.sh installed into)


@pytest.mark.slow
def test_gradescope_grades_right_and_wrong_answers(gradescope):
    right = IMPORTS + "\n\n".join(answer(n) for n in NAMES)
    data, done = grade_on_gradescope(gradescope, {"hw1.py": right}, runner=[])
    # (the protections: the autograder's own output, which Gradescope shows the staff alone
    # (stdout_visibility hidden), not the output students read)
    assert data["stdout_visibility"] == "hidden"
    assert "Protections: resource limits, no new privileges" in done.stdout + done.stderr
    assert_gradescope_results(data, NAMES, POINTS, set(NAMES))
    # (the right answers are the package's model answers: backward's, with the model
    # answer's own names, is flagged for the teacher alone, a test hidden from students; the
    # others are what anyone writes, not flagged: copies.py)
    assert re.fullmatch(
        r"hw1.py: 3 of 3 exercises pass \(6 of 6 points\).\n"
        r"Inputs drawn afresh for this grading, from seed (\d+) "
        r"\(--seed \1 grades the file again on the same inputs\).", data["output"]), \
        data["output"]
    (hidden,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert hidden["output"].startswith("⚑ backward: the same code as the model answer")
    assert hidden["output"].count("⚑") == 1 and hidden["max_score"] == 0
    wrong = IMPORTS + "\n\n".join(WRONG.get(n, answer(n)) for n in NAMES)
    data = grade_on_gradescope(gradescope, {"my_work.py": wrong})  # another name: found
    assert_gradescope_results(data, NAMES, POINTS, {"d_mul"})
    tanh, backward = data["tests"][1], data["tests"][2]
    assert "diagnosis: the input x used where the output y was meant" in tanh["output"]
    assert tanh["extra_data"] == {"exercise": "d_tanh", "status": "failed",
                                  "mistakes": ["in_out"]}
    assert backward["extra_data"]["mistakes"] == ["assign"]


@pytest.mark.slow
def test_gradescope_says_when_a_submission_does_not_run(gradescope):
    data = grade_on_gradescope(gradescope, {"hw1.py": "import os\n" + answer("d_mul")})
    assert_gradescope_results(data, NAMES, POINTS, set())
    assert data["output"].startswith("Not graded: hw1.py, line 1: os may not be imported")
    data = grade_on_gradescope(gradescope, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    assert_gradescope_results(data, NAMES, POINTS, set())
    assert "no hw1.py in ., and 2 files in . it could be (a.py, b.py)" in data["output"]


@pytest.mark.slow
def test_gradescope_gives_no_points_for_a_route_around_the_work(gradescope):
    """The routes a student took to full marks, handed in as Gradescope runs them (as root):
    the engine's own answers and the grader's score 0, and a file that reaches for the
    grader's files is reported with 0 points. The grader's files are root's only, and the
    student's code runs as nobody."""
    root, bin_ = gradescope
    package = subprocess.run([bin_ / "python3", "-c", "import os, tinygrad_edu; print("
                              "os.path.dirname(tinygrad_edu.__file__))"], capture_output=True,
                             text=True, env=gradescope_env(bin_, root), check=True,
                             cwd=root).stdout.strip()
    answers = Path(package, "exercises", "answers.py")
    assert answers.stat().st_mode & 0o077 == 0 and Path(package).stat().st_mode & 0o077 == 0
    rest = "\n\n".join(answer(n) for n in NAMES if n != "d_mul")
    modules = ("    wrap = [c for c in ().__class__.__base__.__subclasses__()\n"
               "            if c.__name__ == '_wrap_close'][0]\n"
               "    modules = wrap.__init__.__globals__['sys'].modules\n")
    routes = {  # d_mul as handed in: what Gradescope must say
        "import tinygrad_edu\ndef d_mul(a, b, y):\n"
        "    return tinygrad_edu.exercises.answers.d_mul(a, b, y)\n": "",
        "import tinygrad_edu\ndef d_mul(a, b, y):\n    rules = tinygrad_edu.ops.OPS['*'].rules\n"
        "    return rules[0](a, b, y), rules[1](a, b, y)\n": "",
        "def d_mul(a, b, y):\n" + modules +
        "    here = modules['tinygrad_edu.exercises.learner.inputs'].__file__\n"
        "    source = open(here.rsplit('/', 2)[0] + '/answers.py').read()\n"
        "    return b, a\n": "reported",
    }
    for cheat, said in routes.items():
        data = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + cheat + rest})
        mul = data["tests"][0]
        assert mul["score"] == 0.0 and mul["status"] == "failed", (cheat, mul)
        if said:
            assert data["score"] == 0.0 and "reported, not scored" in data["output"], mul["output"]
    uid = ("def d_mul(a, b, y):\n    wrap = [c for c in ().__class__.__base__.__subclasses__()"
           " if c.__name__ == '_wrap_close'][0]\n    uid = float(wrap.__init__.__globals__"
           "['getuid']())\n    return uid, uid\n")
    data = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + uid + rest})
    assert "65534.0" in data["tests"][0]["output"]  # nobody's
