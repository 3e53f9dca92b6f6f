"""The teaching guide's commands work as printed: docs/guides/teaching.md says that everything
runs in a clone with the grader installed in it (``pip install -e '.[testing]'``); here a
copy of the clone gets a virtual environment of its own, exactly as the page's first block
makes it, and each route's command to make an assignment runs as the page prints it (the
Gradescope and GitHub routes build the wheel they carry with nothing more installed). That
install is in the long tier (./run.sh test --long); the main tier runs the same commands
with this suite's Python."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.exercises.classroom.for_prairielearn import NEEDED

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guides" / "teaching.md"
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def blocks() -> list[str]:
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def commands(block: str) -> list[str]:
    """The block's commands, a line continued with a backslash joined to the next."""
    joined = block.replace("\\\n", " ")
    return [line.split("  #")[0].strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


EVERY_BLOCK = re.compile(r"^( *)```bash\n(.*?)^\1```", re.S | re.M)
"""A bash block of the page, one in a list item (indented) too: ``BLOCK`` finds those at the
left margin only, the blocks the tests below run."""


def test_no_command_of_the_page_writes_over_what_one_before_it_made():
    """The page's commands that make an assignment, in every block (the offline Gradescope
    one, in a list item, too), run one after the other as a teacher runs them: one that
    makes again a folder and name made before says ``--force`` (before: the offline
    command, after the first, exited 1 with "week3-gradescope/autograder.zip exists
    already ...; pass --force to overwrite it": an independent teacher's walk, issue 67)."""
    import shlex

    def option(words: list[str], name: str) -> str | None:
        return words[words.index(name) + 1] if name in words else None

    made: set[tuple[str | None, str | None]] = set()
    for _, block in EVERY_BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        for command in commands(block):
            if " exercises assignment " not in command:
                continue
            words = shlex.split(command)
            target = (option(words, "-o"), option(words, "--name"))
            assert target not in made or "--force" in words, command
            made.add(target)
    assert ("week3-gradescope", "week3") in made, made


def test_the_page_shows_the_setup_and_a_command_for_each_route():
    first = commands(blocks()[0])
    assert first[:2] == ["python -m venv .venv && . .venv/bin/activate",
                         "pip install -e '.[testing]'"]
    made = [c for b in blocks() for c in commands(b) if " exercises assignment " in c]
    assert {re.search(r"--for (\w+)", c)[1] for c in made} == {
        "nbgrader", "gradescope", "github", "otter", "prairielearn"}


def run_in_a_copy_of_the_clone(tmp_path, setup):
    """The page's ``setup`` commands, then each route's command to make an assignment, as
    printed, in a copy of the clone (what git tracks, but the notebooks, the docs and the
    benchmarks), with this suite's Python first on the PATH: the copy, with what it made."""
    clone = tmp_path / "clone"
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not in a git clone")
    for name in listed.stdout.splitlines():
        source = ROOT / name
        if source.is_file() and not name.startswith(("notebooks/", "docs/", "benchmarks/")):
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    routes = [c for b in blocks() for c in commands(b) if " exercises assignment " in c]
    wheels = clone / "pl-wheels"  # (what the page's pip download fetches, by name alone:
    wheels.mkdir()  # the wheels themselves are tried in test_tool_images.py)
    for name in NEEDED:
        (wheels / f"{name.replace('-', '_')}-1.0-py3-none-any.whl").touch()
    script = "\n".join(["set -e", *setup, *routes])
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
           "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"):
        if name in os.environ:
            env[name] = os.environ[name]
    done = subprocess.run(["bash", "-c", script], cwd=clone, capture_output=True, text=True,
                          timeout=900, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Exercise 15" in done.stdout  # show backward
    assert (clone / "my-course" / "source" / "week3" / "week3.ipynb").is_file()
    assert (clone / "week3-gradescope" / "autograder.zip").is_file()
    assert (clone / "week3-template" / ".github" / "workflows" / "classroom.yml").is_file()
    assert (clone / "week3-otter" / "week3.ipynb").is_file()
    for folder in ("week3-prairielearn", "week3-prairielearn-network"):  # (each route in
        # its own folder: before, the second refused to write over the first)
        assert (clone / folder / "week3" / "tests" / "run.sh").is_file()
    return clone


@pytest.mark.slow
def test_the_pages_commands_run_as_printed_in_a_clone_set_up_already(tmp_path):
    """The short sibling of the next test (in the long tier: a virtual environment made and
    installed into, as the page's first two lines do, which downloads hypothesis and NumPy):
    everything the page runs after them, as printed, with this suite's Python (which has
    what the page installs), in a copy of the clone."""
    setup = commands(blocks()[0])
    assert setup[0].startswith("python -m venv") and setup[1].startswith("pip install")
    run_in_a_copy_of_the_clone(tmp_path, setup[2:])


@pytest.mark.long(sibling="test_the_pages_commands_run_as_printed_in_a_clone_set_up_already")
def test_the_pages_commands_run_as_printed_in_a_clone(tmp_path):
    run_in_a_copy_of_the_clone(tmp_path, commands(blocks()[0]))


AS_ROOT = '$([ "$(id -u)" = 0 ] || echo sudo) '
"""How the page's grading lines run as root: with sudo unless it is root already."""


@pytest.mark.slow
@pytest.mark.long(sibling="tests/exercises/test_gradescope.py::"
                          "test_gradescope_grades_right_and_wrong_answers")
def test_the_gradescope_try_it_grades_as_gradescope_will(tmp_path, wheel, monkeypatch):
    """The page's "Try it before uploading" block for Gradescope, as printed, beside the zip
    its command makes (here carrying the suite's wheel, ``--wheels``, and its first line's
    venv given this suite's packages, so that setup.sh installs offline): d_tanh answered in
    the starter earns its point, backward and Value "not yet"; the protections in what
    run_autograder prints (the staff's), not in results.json (the student's). In the long
    tier (7 s of CPU): the main tier runs the same zip's setup.sh and run_autograder as
    Gradescope does (test_gradescope.py) and the page's other blocks as printed."""
    import json
    import shlex

    from tinygrad_edu.exercises.cli import main as cli

    (block,) = [b for b in blocks() if "GRADESCOPE_ROOT" in b]
    venv, *lines = commands(block)
    assert venv.startswith("python -m venv gs-image/venv"), venv
    made = next(c for b in blocks() for c in commands(b)
                if "--for gradescope" in c and "--wheels" not in c)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    shutil.copy2(wheel, wheels / wheel.name)
    monkeypatch.chdir(tmp_path)
    assert cli([*shlex.split(made)[4:], "--wheel", str(wheel), "--wheels", str(wheels)]) == 0
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
           "HOME": str(tmp_path), "LANG": "C.UTF-8", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(["bash", "-c", venv], cwd=tmp_path, env=env, check=True, timeout=300)
    purelib = subprocess.run([tmp_path / "gs-image" / "venv" / "bin" / "python3", "-c",
                              "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    mine = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    Path(purelib, "this_pythons_packages.pth").write_text("\n".join(mine) + "\n")
    if os.geteuid() != 0:  # (as printed, it asks sudo)
        lines = [c.replace(AS_ROOT, "") for c in lines]
    done = subprocess.run(["bash", "-c", "\n".join(["set -e", *lines])], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "(all of it from the wheels in this zip)" in done.stdout  # (offline)
    results = json.loads(done.stdout[done.stdout.index('{\n    "score"'):])
    scores = {t["name"]: t["score"] for t in results["tests"]}
    assert scores == {"5. d_tanh": 1.0, "15. backward": 0.0, "18. Value": 0.0}, results
    assert "✗ backward: not yet" in results["tests"][1]["output"]
    assert "Protections:" in done.stdout + done.stderr
    assert "Protections" not in json.dumps(results, ensure_ascii=False)
