"""The exercises' tests keep their progress in a temporary file, never in the real home, and
some of them grade with a short time limit. tinygrad_edu's wheel is built, and the Gradescope
assignment of tests/exercises/assignment_runs.py set up, once for the whole run (by the
first of pytest-xdist's workers that needs it), for the tests of every file that uses them."""

import contextlib
import json
import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module", autouse=True)
def complex_operators_watched():
    """The complex type's operators (and a float's power) watched, as a learner's process
    has them (``complex_arithmetic.install``): what these tests grade in their own process
    is graded as there, the honest answers' corpus included; put back after each file (the
    other folders' tests run in the same workers)."""
    from tinygrad_edu.exercises.learner import complex_arithmetic

    complex_arithmetic.install()
    yield
    complex_arithmetic.remove()


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every test keeps its progress in a temporary file, never in the real home."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(path))
    return path


@pytest.fixture
def short_time_limit(monkeypatch):
    from tinygrad_edu.exercises import running

    monkeypatch.setattr(running, "TIME_LIMIT", 0.3)


def _shared(tmp_path_factory) -> Path:
    """A folder every worker of this run shares (pytest-xdist's workers each have one of
    their own, side by side), else this run's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _once(tmp_path_factory, name: str):
    """Held by one worker of the run at a time (a lock on a file of the shared folder)."""
    try:
        import fcntl
    except ImportError:  # (no file locks: the folder is this worker's own)
        yield
        return
    with open(_shared(tmp_path_factory) / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """tinygrad_edu's wheel, built from this clone once for the run: by the first worker
    that asks for it, the others waiting, then reading it (never changing it)."""
    from tinygrad_edu.exercises.classroom.wheel import project_wheel

    with _once(tmp_path_factory, "wheel"):
        folder = _shared(tmp_path_factory) / "tinygrad-edu-wheel"
        built = sorted(folder.glob("tinygrad_edu-*.whl"))
        return built[0] if built else project_wheel(folder)


@pytest.fixture(scope="session")
def gradescope(tmp_path_factory, wheel):
    """The assignment of tests/exercises/assignment_runs.py (``NAMES``, ``POINTS``) for
    Gradescope, set up as Gradescope sets it up (as root), once for the run: (a root, the
    bin/ of the environment setup.sh installed into). Each worker grades in a root of its
    own (its run_autograder, submission/ and results/: ``GRADESCOPE_ROOT``), with that one
    environment; each test in turn (``grade_on_gradescope`` empties the submission)."""
    from tests.exercises.assignment_runs import made_for_gradescope

    with _once(tmp_path_factory, "gradescope"):
        made = _shared(tmp_path_factory) / "tinygrad-edu-gradescope.json"
        if not made.exists():
            root, bin_ = made_for_gradescope(tmp_path_factory, wheel)
            made.write_text(json.dumps([str(root), str(bin_)]), encoding="utf-8")
            return root, bin_
        first, bin_ = map(Path, json.loads(made.read_text(encoding="utf-8")))
    root = tmp_path_factory.mktemp("autograder")
    shutil.copy2(first / "run_autograder", root / "run_autograder")
    return root, bin_
