"""Grade where the big courses grade (issue 58): PrairieLearn, tried for real (the
question's tests/run.sh run as its external grader runs it, its results.json checked
against a schema of PrairieLearn's documented fields); the points come from tinygrad_edu's
grader on the submitted source. The question's folder and statements, the teaching
guide's commands, what is not counted, and PrairieLearn on a kernel without Landlock (the
long tier)."""

import html
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.exercises.assignment_runs import REPOSITORY
from tests.exercises.class_work import answer
from tests.exercises.route_assignment import (
    NAMES,
    POINTS,
    POINTS_OPTION,
    SCHEMA,
    source,
)
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cli import main as cli

PLUGIN_IMPORTS = ("pytest_prairielearn_grader", "networkx", "pandas", "plot_serializer")
"""What the question's run.sh finds in this suite's Python, or installs into it (the plugin
imports the last three without declaring them): it must find them here."""

needs_plugin = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in PLUGIN_IMPORTS),
    reason="pytest-prairielearn-grader and what it imports (networkx, pandas, plot-serializer) "
           "are not all installed (the dev extra has them, under Python 3.11 or later)")


@pytest.fixture(scope="module")
def question(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prairielearn")
    assert cli(["assignment", *NAMES, "--for", "prairielearn", "-o", str(folder / "questions"),
                "--name", "week3", "--points", POINTS_OPTION, "--network"]) == 0
    return folder / "questions" / "week3"


def test_the_question_folder_is_what_prairielearn_reads(question):
    info = json.loads((question / "info.json").read_text("utf-8"))
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    assert info["externalGradingOptions"]["entrypoint"] == "/grade/tests/run.sh"
    # long enough for the slowest grading the grader allows (before: 300 s, whatever the
    # number of exercises; the grader lets each take up to STUCK_DEADLINE)
    from tinygrad_edu.exercises.classroom.isolation import LOAD_DEADLINE, STUCK_DEADLINE
    assert info["externalGradingOptions"]["timeout"] >= \
        60 + len(NAMES) * (LOAD_DEADLINE + STUCK_DEADLINE)  # (a grading process stopped at
    # an exercise is started again for the next, loading the file again: isolation.py)
    page = (question / "question.html").read_text("utf-8")
    assert '<pl-file-editor file-name="user_code.py"' in page
    assert 'source-file-name="initial_code.py"' in page and "<pl-external-grader-results>" in page
    initial = (question / "initial_code.py").read_text("utf-8")
    assert initial.count("NotImplementedError") >= 3
    # how to grade it where the students write it (PrairieLearn has no command line for them)
    assert "python -m" not in initial and "Save & Grade" in initial.split('"""')[1], initial
    assert os.access(question / "tests" / "run.sh", os.X_OK)
    for name in NAMES:
        assert answer(name).split("\n", 2)[2].strip() not in page  # (no model answer)
    # the statements' ``code`` shown as code, not as its backquotes (d_mul's has some)
    assert "``" not in page and "<code>" in page


def test_the_statements_are_html_with_their_code_as_code():
    """Every exercise's and stage's statement, as question.html shows it: no reStructuredText
    backquotes left, each ``name`` a <code> of its own, a formula's indented block kept as
    it is laid out, a list a list."""
    import re

    from tinygrad_edu.exercises import TRACK
    from tinygrad_edu.exercises.classroom.for_prairielearn import statement_html

    for ex in [*EXERCISES.values(), *TRACK.values()]:
        shown = statement_html(ex.statement)
        assert "``" not in shown, (ex.name, shown)
        for code in re.findall(r"``(.+?)``", " ".join(ex.statement.split())):
            assert f"<code>{html.escape(code)}</code>" in shown, (ex.name, code)
    assert "<pre>df/dx = df/da * da/dx + df/db * db/dx</pre>" in statement_html(
        EXERCISES["chain_rule"].statement)
    assert statement_html(EXERCISES["Value"].statement).count("<li>") == 5


def prairielearn_grades(question, tmp_path, text, prefix=()):
    """The question graded as PrairieLearn's external grader grades it: its tests in
    /grade/tests, the student's file at /grade/student/user_code.py (here under a root of
    their own), run.sh run as root (under ``prefix``): results.json, checked against the
    schema, and the job's log. Above the tests, a pytest configuration and a conftest.py
    that would break the grading if they were read (before: run.sh's pytest read them, and
    ``PYTEST_ADDOPTS``)."""
    import jsonschema

    root = tmp_path / "grade"
    shutil.copytree(question / "tests", root / "tests")
    (root / "pytest.ini").write_text("[pytest]\naddopts = --collect-only\n", encoding="utf-8")
    (root / "conftest.py").write_text("raise SystemExit('a conftest.py above the tests')\n",
                                      encoding="utf-8")
    (root / "student").mkdir()
    if text is not None:  # (None: the student's folder empty)
        (root / "student" / "user_code.py").write_text(text, encoding="utf-8")
    done = subprocess.run([*prefix, "bash", str(root / "tests" / "run.sh")],
                          capture_output=True, text=True, timeout=600, env={
                              "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                              "PL_GRADE_ROOT": str(root), "PYTHON": sys.executable,
                              "PYTHONPATH": str(REPOSITORY), "HOME": str(tmp_path),
                              "PYTEST_ADDOPTS": "--collect-only"})
    assert done.returncode == 0, done.stdout + done.stderr
    # (run.sh installs into this suite's Python only if it lacks something: never here)
    assert "tinygrad_edu: installing" not in done.stdout, done.stdout
    results = json.loads((root / "results" / "results.json").read_text("utf-8"))
    jsonschema.validate(results, json.loads(SCHEMA.read_text("utf-8")))
    return results, done.stdout + done.stderr


@needs_plugin
@pytest.mark.slow
def test_prairielearn_grades_with_tinygrad_edus_grader(question, tmp_path):
    """One round trip (right, wrong, partial and cheating files on the grader's own image:
    tests/exercises/test_tool_images.py, in the long tier): d_mul and dense_backward right,
    d_tanh wrong: 4 of 6 points; a failed exercise reads "not yet" with its diagnosis,
    never as a crash; every message states the protections; pytest's output is in the
    job's log."""
    results, log = prairielearn_grades(question, tmp_path, source(wrong={"d_tanh"}))
    assert results["gradable"] and results["score"] == pytest.approx(4 / 6), results
    tests = {t["name"]: t for t in results["tests"]}
    assert [tests[n]["points"] for n in ("1. d_mul", "5. d_tanh", "17. dense_backward")] == \
        [1, 0, 3]
    assert "✗ d_tanh: not yet" in tests["5. d_tanh"]["message"]
    assert "diagnosis: the input x used where the output y was meant" in \
        tests["5. d_tanh"]["message"]
    for test in tests.values():
        assert "failed with an exception" not in test["message"], test["message"]
        # (the staff's details in the job's log, not in what students read: an independent
        # teacher's walk found the protections said three times in the feedback)
        assert "Protections" not in test["message"] and "seed" not in test["message"]
    assert "1 failed, 2 passed" in log, log  # (pytest's summary, for the staff)
    # the seed, once, in what students can act on (no command line there): the staff's log
    # has the protections and the command that grades the file again on those inputs
    seed = re.fullmatch(r"Inputs drawn afresh for this grading, from seed (\d+)\.",
                        results["message"])
    assert seed, results["message"]
    assert "Protections: resource limits, no new privileges, Landlock and seccomp" in log
    # (whole: before, "--seed N" alone, the command it belongs to unsaid)
    assert (f"`python -m tinygrad_edu exercises check user_code.py d_mul d_tanh dense_backward "
            f"--seed {seed[1]}` grades the file again") in log, log


PYTHON_STAND_IN = """#!/usr/bin/env bash
# (run.sh's Python: installed.py answers $BEFORE, then, once an install ran, $AFTER (exit 1
# where empty: nothing imports); the installs succeed and say what they were given in
# $PACKAGE/installs; tinygrad_edu is found at $PACKAGE; pytest and the finishing step do
# nothing)
case "$*" in
  *installed.py*) if [ -e "$PACKAGE/installs" ]; then answer=$AFTER; else answer=$BEFORE; fi
                  [ -n "$answer" ] || exit 1; echo "$answer";;
  *"pip install"*) echo "$*" >>"$PACKAGE/installs";;
  *dirname*) echo "$PACKAGE";;
esac
"""


def run_sh_with(tmp_path, where, before="", after="wheel"):
    """run.sh run with ``PYTHON_STAND_IN`` for its Python, tinygrad_edu at ``where`` (under
    ``tmp_path``), what the question's installed.py says before and after an install:
    the package, the question's root and run.sh's output."""
    from tinygrad_edu.exercises.classroom.assignment import template

    package = tmp_path / where / "tinygrad_edu"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    os.chmod(package, 0o755)
    root = tmp_path / "grade"
    (root / "tests" / "wheels").mkdir(parents=True)
    wheel = root / "tests" / "wheels" / "tg.whl"
    wheel.write_bytes(b"")
    for made in (root / "tests", wheel.parent, wheel):
        made.chmod(0o755 if made.is_dir() else 0o644)  # (as copied from the course's folder)
    (root / "tests" / "run.sh").write_text(template("prairielearn-run.sh", {
        "WHEEL": "tg.whl", "PLUGIN": "0.3.1", "INDEX": '--find-links "$wheels"', "FROM": "",
        "PARTIAL": ""}), encoding="utf-8")
    python = tmp_path / "python3"
    python.write_text(PYTHON_STAND_IN, encoding="utf-8")
    python.chmod(0o755)
    done = subprocess.run(["bash", str(root / "tests" / "run.sh")], capture_output=True,
                          text=True, timeout=60, env={
                              "PATH": "/usr/bin:/bin", "PL_GRADE_ROOT": str(root),
                              "PYTHON": str(python), "PACKAGE": str(package),
                              "BEFORE": before, "AFTER": after})
    return package, root, done.stdout + done.stderr


@pytest.mark.parametrize("where", ["venv/lib/python3.13/site-packages", "checkout"])
def test_run_sh_closes_an_installed_package_never_a_checkout(tmp_path, where):
    """After installing, run.sh closes the package it installed to other users, and the
    question's own files (its wheels: without Landlock a submission read the model answers
    out of tests/wheels, 4/4, before); a tinygrad_edu that is a checkout (a Python where it
    is installed editable, whose pip kept it: "already satisfied") is left as it is, said in
    the log. Before: this suite's
    PrairieLearn tests, under a Python that lacked networkx (3.12 without PyTorch), made
    run.sh install into that Python and chmod -R go-rwx the developer's checkout, whose
    package no other user could then read (the sandbox's tests as nobody skipped after)."""
    package, root, log = run_sh_with(tmp_path, where, after=(
        "wheel" if where != "checkout" else f"checkout {tmp_path / where / 'tinygrad_edu'}"))
    assert "tinygrad_edu: installing" in log, log
    mode = package.stat().st_mode & 0o777
    if where == "checkout":
        assert mode == 0o755, oct(mode)
        assert f"tinygrad_edu: {package} is not an installed package" in log
    else:
        assert mode == 0o700, oct(mode)
        assert "not an installed package" not in log
        assert "grading with this question's wheel, tg.whl, installed" in log, log
    # (the question's wheel, another copy of the package: root's only too, installed or not)
    wheel = root / "tests" / "wheels" / "tg.whl"
    assert [m.stat().st_mode & 0o777 for m in (root / "tests", wheel)] == [0o700, 0o600]


def test_run_sh_grades_with_the_questions_wheel_never_an_older_one_in_the_image(tmp_path):
    """An image built with another tinygrad_edu (an older one, or one changed since): run.sh
    installs the question's wheel in its place, forced (pip keeps an install of the same
    version), and says so; the image's own is kept only when it is the wheel, file for
    file. Before: run.sh installed only when ``import tinygrad_edu`` failed, so an image
    holding an older tinygrad_edu graded with that older grader, without a word (an
    attacker's two shortcuts, fixed since, scored 3/3 that way)."""
    site = tmp_path / "venv/lib/python3.13/site-packages"
    old = f"other 0.0.9 {site / 'tinygrad_edu'}"
    package, root, log = run_sh_with(tmp_path, site.relative_to(tmp_path), before=old)
    assert f"the image's tinygrad_edu ({old[6:]}) is not this question's wheel" in log, log
    installs = (package / "installs").read_text("utf-8")
    assert "--force-reinstall" in installs and installs.rstrip().endswith("tg.whl"), installs
    assert "grading with this question's wheel, tg.whl, installed" in log, log
    # the image's own, when it is the wheel: nothing installed
    shutil.rmtree(tmp_path / "venv")
    shutil.rmtree(tmp_path / "grade")
    package, root, log = run_sh_with(tmp_path, site.relative_to(tmp_path), before="wheel")
    assert not (package / "installs").exists() and "installing" not in log, log
    assert "grading with the image's tinygrad_edu, installed from this question's wheel" in log
    # an install that leaves another in place grades nothing
    shutil.rmtree(tmp_path / "venv")
    shutil.rmtree(tmp_path / "grade")
    package, root, log = run_sh_with(tmp_path, site.relative_to(tmp_path), before=old,
                                     after=old)
    results = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert results["gradable"] is False, results
    assert "after the install, tinygrad_edu is not this question's wheel (other 0.0.9" in log


@pytest.mark.long(sibling="test_prairielearn_grades_with_tinygrad_edus_grader")
def test_installed_py_knows_the_questions_wheel_file_for_file(question, tmp_path):
    """The question's installed.py, on real files: the question's wheel unpacked as an
    installer lays it out is ``wheel``; the same with one file changed is ``other``, with
    its version; this suite's tinygrad_edu, a source folder, is ``checkout``."""
    import zipfile

    (wheel,) = (question / "tests" / "wheels").glob("tinygrad_edu-*.whl")
    site = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as unpacked:
        unpacked.extractall(site)
    script = question / "tests" / "installed.py"

    def says(*isolated):
        done = subprocess.run([sys.executable, *isolated, str(script), str(wheel)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(site)}, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip()

    assert says() == "wheel"
    from importlib import metadata
    rule = site / "tinygrad_edu" / "exercises" / "answers.py"
    rule.write_text(rule.read_text("utf-8") + "\n# changed\n", encoding="utf-8")
    assert says() == f"other {metadata.version('tinygrad-edu')} {site / 'tinygrad_edu'}"
    checkout = says("-I")  # (the suite's: the clone's, installed editable)
    assert checkout.startswith("checkout /") and checkout.endswith("/tinygrad_edu"), checkout


def test_the_guides_download_is_the_one_the_image_is_tried_with():
    """The teaching guide's ``pip download`` for PrairieLearn is the command the refusal
    prints and the emulated image runs (test_tool_images.py), word for word."""
    from tests.exercises.test_teaching_page import blocks, commands
    from tinygrad_edu.exercises.classroom.for_prairielearn import DOWNLOAD

    (download,) = [c for b in blocks() for c in commands(b) if c.startswith("pip download")
                   and "prairielearn" in c]
    assert " ".join(download.split()) == DOWNLOAD.replace("DIR", "pl-wheels")


AS_ROOT = '$([ "$(id -u)" = 0 ] || echo sudo) '
"""How the guide's grading line runs as root: with sudo unless it is root already."""


def test_the_guides_try_it_runs_offline_and_without_sudo_as_root():
    """The block names uv's Python by its path (a version alone sends uv to download one,
    which fails offline) and runs its grading line as root whether or not sudo exists."""
    from tests.exercises.test_tool_images import try_it_block

    lines = try_it_block()
    (venv,) = [c for c in lines if c.startswith("uv venv")]
    assert '--python "$(command -v python3.13)"' in venv, venv
    (grading,) = [c for c in lines if "run.sh" in c]
    assert grading.startswith(AS_ROOT + "env PATH="), grading
    as_root = AS_ROOT.strip()
    for user, expected in (("0", ""), ("1000", "sudo")):
        said = subprocess.run(["bash", "-c", f"id() {{ echo {user}; }}; echo {as_root}"],
                              capture_output=True, text=True)
        assert said.stdout.strip() == expected, (user, said)


@needs_plugin
@pytest.mark.slow
@pytest.mark.long(sibling="test_prairielearn_grades_with_tinygrad_edus_grader")
def test_the_guides_try_it_grades_the_questions_own_files(question, tmp_path):
    """The teaching guide's "Try it before uploading" block, with this suite's Python in
    place of the image's venv (test_tool_images.py makes that venv, in the long tier): its
    paths are the question's, its sed answers d_tanh in the starter, and run.sh as it runs
    it grades that: d_tanh's points, the rest not yet. In the long tier (5 s of CPU): the
    main tier grades the same question's files with the same run.sh
    (test_prairielearn_grades_with_tinygrad_edus_grader) and reads the block for what it
    runs (test_the_guides_try_it_runs_offline_and_without_sudo_as_root)."""
    from tests.exercises.test_tool_images import try_it_block

    (tmp_path / "week3-prairielearn").symlink_to(question.parent)
    lines = [c for c in try_it_block() if not c.startswith(("pip install uv", "uv venv"))]
    (tmp_path / "pl-image" / "venv" / "bin").mkdir(parents=True)
    venv_python = tmp_path / "pl-image" / "venv" / "bin" / "python3"
    venv_python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    venv_python.chmod(0o755)
    if os.geteuid() != 0 or shutil.which("unshare") is None:  # (as printed, it asks sudo)
        lines = [c.replace(AS_ROOT, "").replace("unshare -n ", "") for c in lines]
    done = subprocess.run(["bash", "-c", "\n".join(["set -e", *lines])], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, env={
                              "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                              "PYTHONPATH": str(REPOSITORY), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "pl-image" / "grade" / "results" / "results.json")
                         .read_text("utf-8"))
    assert results["gradable"], (results, done.stdout[-3000:])
    points = {t["name"]: t["points"] for t in results["tests"]}
    assert points == {"1. d_mul": 0, "5. d_tanh": POINTS["d_tanh"],
                      "17. dense_backward": 0}, results


@needs_plugin
@pytest.mark.slow
@pytest.mark.long(sibling="test_prairielearn_grades_with_tinygrad_edus_grader")
def test_prairielearn_names_no_folder_of_the_grader(question, tmp_path):
    """No user_code.py: not counted, and the message names the student's file, not the
    grading folder's path (before: "no user_code.py in /grade/student, and no .py or .ipynb
    file in /grade/student to grade")."""
    results, _ = prairielearn_grades(question, tmp_path, None)
    assert results["gradable"] is False, results
    assert "no user_code.py in your submission" in results["message"], results["message"]
    assert str(tmp_path) not in results["message"] and "/grade" not in results["message"]


def test_prairielearn_does_not_count_what_could_not_be_graded(tmp_path, capsys):
    """results.json as run.sh finishes it: a file that is not valid Python, a grader that did
    not run, feedback longer than PrairieLearn takes."""
    from tinygrad_edu.exercises.classroom.for_prairielearn_grading import finish

    (tmp_path / "not_graded.json").write_text(json.dumps(
        {"kind": "syntax", "message": "user_code.py: line 3: invalid syntax"}), "utf-8")
    results = finish(tmp_path, tmp_path / "out" / "results.json")
    assert results["gradable"] is False and "line 3" in results["message"], results
    # (the job's log says so after the plugin's table, whose "Final Grade: 0.0/3" it was)
    assert "not gradable" in capsys.readouterr().out
    assert "does not count" in results["message"] and results["format_errors"]
    (tmp_path / "not_graded.json").unlink()
    results = finish(tmp_path, tmp_path / "out" / "results.json")  # (no results at all)
    assert results == {"gradable": False, "message": results["message"]}
    assert "tell your course staff" in results["message"]
    long = {"gradable": True, "score": 0.0, "tests": [
        {"name": f"t{k}", "points": 0, "max_points": 1, "message": "x" * 400_000}
        for k in range(3)]}
    (tmp_path / "autograder_results.json").write_text(json.dumps(long), "utf-8")
    results = finish(tmp_path, tmp_path / "out" / "results.json")
    assert results["gradable"] and (tmp_path / "out" / "results.json").stat().st_size < 1e6
    assert results["tests"][0]["message"].endswith("than PrairieLearn takes)")



# ------------------------------------------------------------------------- fail closed


@needs_plugin
@pytest.mark.long(sibling="tests/exercises/test_boundary.py::test_without_landlock_the_teachers_routes_refuse")
def test_prairielearn_without_landlock_grades_nothing(question, tmp_path):
    """PrairieLearn's external grader on a kernel without Landlock, tinygrad_edu readable
    by others (an image that has it built in, here): not graded, and not counted (a fault
    of the grader's machine, not the student's: ``"gradable": false``), the message saying
    why and to tell the staff."""
    from tests.exercises.test_boundary import NO_LANDLOCK, without

    results, _ = prairielearn_grades(question, tmp_path, source(),
                                     prefix=without(*NO_LANDLOCK))
    assert results["gradable"] is False and "tests" not in results, results
    assert "not grading: PrairieLearn's external grader needs Landlock" in \
        results["message"], results["message"]
    assert "tell your course staff" in results["message"]

