"""An assignment made by ``python -m tinygrad_edu exercises assignment`` and run as each tool
runs it, for the tests of test_nbgrader.py, test_gradescope.py, test_github_classroom.py and
their neighbours (test_boundary.py, test_microgpt_classroom.py, test_rewritten.py, the
``gradescope`` fixture of conftest.py): its exercises, points and wrong answers; a command
run with this Python's environment; nbgrader's commands; Gradescope's zip set up and run as
Gradescope runs it; GitHub Classroom's workflow read.

nbgrader's commands run with this Python's bin/ first on PATH (nbgrader calls alembic)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.exercises.class_work import WRONG_BACKWARD
from tinygrad_edu.exercises.cli import main as cli

REPOSITORY = Path(__file__).resolve().parents[2]
NAMES = ["d_mul", "d_tanh", "backward"]
POINTS = {"d_mul": 1, "d_tanh": 2, "backward": 3}
POINTS_OPTION = ",".join(f"{name}={points}" for name, points in POINTS.items())
WRONG = {"d_tanh": "def d_tanh(x, y):\n    return 1 - x * x\n", "backward": WRONG_BACKWARD}
"""Wrong answers: the input for the output in d_tanh, = for += in backward."""


def env(**more):
    """This Python's environment for a command: this checkout's tinygrad_edu, this Python's
    bin/ first on PATH, the progress in a file of its own."""
    return {**os.environ, "PYTHONPATH": str(REPOSITORY),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **more}


def run(args, cwd, **more):
    done = subprocess.run(args, cwd=cwd, env=env(**more), capture_output=True, text=True,
                          timeout=600, check=False)
    return done



needs_nbgrader = pytest.mark.skipif(
    importlib.util.find_spec("nbgrader") is None,
    reason="nbgrader is not installed: pip install nbgrader==0.9.6 (the dev extra has it, "
           "under Python 3.11 or later: nbgrader 0.9.6 needs it)")

STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"


def nbgrader(course, *args):
    done = run([sys.executable, "-m", "nbgrader", *args], course)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def made_for_gradescope(tmp_path_factory, wheel):
    """The zip made by the command (which builds the wheel from this clone), carrying more
    wheels (``--wheels``: here a copy of tinygrad_edu's, whose dependencies this Python
    has, so that setup.sh installs offline), unpacked as Gradescope unpacks it, and
    setup.sh run once, with python3 a fresh virtual environment that sees this Python's
    packages but not this checkout: (root, the venv's bin)."""
    made, wheels = tmp_path_factory.mktemp("made"), tmp_path_factory.mktemp("wheels")
    shutil.copy2(wheel, wheels / wheel.name)
    assert cli(["assignment", *NAMES, "--for", "gradescope", "-o", str(made), "--name", "hw1",
                "--points", POINTS_OPTION, "--wheels", str(wheels)]) == 0
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(made / "autograder.zip") as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", wheel.name, f"wheels/{wheel.name}"} == set(names)
    assert (made / "hw1.py").read_text("utf-8").count("raise NotImplementedError") == 3
    bin_, done = set_up_gradescope(made / "autograder.zip", root)
    assert "installing tinygrad_edu from ./tinygrad_edu-" in done.stdout
    assert "(all of it from the wheels in this zip)" in done.stdout  # offline
    assert "ready to grade" in done.stdout
    return root, bin_


def set_up_gradescope(zip_file, root):
    """Gradescope's set-up: ``zip_file`` unpacked into ``root/source``, and its setup.sh run,
    with python3 a fresh virtual environment that sees this Python's packages but not this
    checkout; returns (the environment's bin/, setup.sh's completed process)."""
    with zipfile.ZipFile(zip_file) as archive:
        for info in archive.infolist():
            archive.extract(info, root / "source")
            mode = info.external_attr >> 16
            if mode:
                (root / "source" / info.filename).chmod(mode & 0o777)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print("
                              "sysconfig.get_path('purelib'))"], capture_output=True,
                             text=True, check=True).stdout.strip()
    mine = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    Path(purelib, "this_pythons_packages.pth").write_text("\n".join(mine) + "\n")
    bin_ = venv / "bin"
    done = subprocess.run(["bash", "setup.sh"], cwd=root / "source", capture_output=True,
                          text=True, timeout=600, check=False,
                          env=gradescope_env(bin_, root))
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return bin_, done


def gradescope_env(bin_, root):
    """As on Gradescope: python3 is the image's (here, the virtual environment's); no
    PYTHONPATH: tinygrad_edu is the one setup.sh installed."""
    return {"PATH": f"{bin_}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(root),
            "GRADESCOPE_ROOT": str(root), "LANG": "C.UTF-8"}


def grade_on_gradescope(gradescope, files, runner=None):
    """Gradescope's run of ``files`` (by name): results.json (with ``runner``, a command
    that runs run_autograder, also its completed process)."""
    root, bin_ = gradescope
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, text in files.items():
        (submission / name).write_text(text, encoding="utf-8")
    (root / "results" / "results.json").unlink(missing_ok=True)
    done = subprocess.run([*(runner or []), str(root / "run_autograder")], cwd=root,
                          capture_output=True, text=True, timeout=600, check=False,
                          env=gradescope_env(bin_, root))
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    return (data, done) if runner is not None else data


def workflow(template):
    yaml = pytest.importorskip("yaml", reason="reading the workflow needs PyYAML (the docs "
                               "extra has it, with MkDocs)")
    return yaml.safe_load((template / ".github" / "workflows" / "classroom.yml").read_text(
        "utf-8"))
