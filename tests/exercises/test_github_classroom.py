"""``exercises assignment NAME... --for github``, tried for real: GitHub Classroom's workflow
parsed, and each grading step's command run against right and wrong answers; the students'
starter."""

import shlex
import shutil
import sys

import pytest

from tests.exercises.assignment_runs import (
    NAMES,
    POINTS,
    POINTS_OPTION,
    WRONG,
    run,
    workflow,
)
from tests.exercises.class_work import IMPORTS, answer
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cli import main as cli


@pytest.fixture(scope="module")
def template(tmp_path_factory, wheel):
    folder = tmp_path_factory.mktemp("template")
    assert cli(["assignment", *NAMES, "--for", "github", "-o", str(folder), "--name", "hw1",
                "--points", POINTS_OPTION, "--wheel", str(wheel)]) == 0
    return folder



def test_the_classroom_workflow_has_a_graded_step_per_exercise(template, wheel):
    flow = workflow(template)
    assert flow["on"] == ["push", "workflow_dispatch", "repository_dispatch"]
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    install = steps[2]["run"]
    assert install == f'python -I -m pip install "./.github/grader/{wheel.name}[testing]"'
    # (-I: a pip/ folder of the student's repository, first on the path of python -m pip
    # run from its root, took the install step and every point, an attacker's a65b f2)
    assert (template / ".github" / "grader" / wheel.name).read_bytes() == wheel.read_bytes()
    graders = [s for s in steps if s.get("uses") ==
               "classroom-resources/autograding-command-grader@v1"]
    assert [s["id"] for s in graders] == NAMES
    for step, name in zip(graders, NAMES):
        assert step["with"]["test-name"] == step["name"] == f"{EXERCISES[name].number}. {name}"
        assert step["with"]["command"] == \
            f"python -I -m tinygrad_edu exercises check hw1.py {name} --route classroom"
        assert step["with"]["max-score"] == POINTS[name] and step["with"]["timeout"] == 5
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == ",".join(NAMES)
    assert reporter["env"] == {f"{n.upper()}_RESULTS": f"${{{{steps.{n}.outputs.result}}}}"
                               for n in NAMES}
    readme = (template / "README.md").read_text("utf-8")
    assert f'python -m pip install "./.github/grader/{wheel.name}[testing]"' in readme
    assert "python -m tinygrad_edu exercises check hw1.py" in readme
    assert "| 15 | `backward(root)` | the whole backward pass | 3 |" in readme


@pytest.mark.slow
def test_each_steps_command_passes_exactly_when_its_exercise_does(template, tmp_path):
    graders = [s for s in workflow(template)["jobs"]["run-autograding-tests"]["steps"]
               if "autograding-command-grader" in s.get("uses", "")]
    for kind, text in [("right", IMPORTS + "\n\n".join(answer(n) for n in NAMES)),
                       ("wrong", IMPORTS + "\n\n".join(WRONG.get(n, answer(n))
                                                       for n in NAMES))]:
        clone = tmp_path / kind
        shutil.copytree(template, clone)
        (clone / "hw1.py").write_text(text, encoding="utf-8")
        for step in graders:
            command = shlex.split(step["with"]["command"])
            assert command[0] == "python"
            done = run([sys.executable, *command[1:]], clone,
                       TINYGRAD_EDU_PROGRESS=str(tmp_path / "progress.json"))
            name = step["id"]
            passes = kind == "right" or name not in WRONG
            assert (done.returncode == 0) is passes, (kind, name, done.stdout, done.stderr)
            assert (f"✓ {name} passed" if passes else f"✗ {name}: not yet") in done.stdout


def test_the_students_starter_has_no_answer(template):
    starter = (template / "hw1.py").read_text("utf-8")
    assert starter.count("raise NotImplementedError") == 3
    assert "python -m tinygrad_edu exercises check hw1.py" in starter
