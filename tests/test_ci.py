"""The CI scripts: the seed sweep runs every property-test file; the test job finds every
Python the package promises; the long tier runs only when asked for, and a run where no
test ran fails."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALONE = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""The environment of the pytest runs below: no plugin installed here loads by itself (nbmake's
and PrairieLearn's take seconds to import, at every run); hypothesis is imported all the same."""

# A file is a property test if hypothesis draws inputs in it: a test decorated with given,
# or a call of a helper of tinygrad_edu.testing that runs hypothesis inside. (The brackets
# keep this file itself from matching.)
PROPERTY = re.compile(r"@give[n]\b|\bcheck_o[p]\(|\bassert_op_derivative[s]\(")


def test_the_seed_sweep_runs_every_property_test_file():
    wanted = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py")
                    if PROPERTY.search(p.read_text(encoding="utf-8")))
    listed = subprocess.run(["bash", str(ROOT / ".ci" / "seed-sweep"), "--list"], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert sorted(listed) == wanted
    assert {"tests/nn/test_functional.py", "tests/tensor/test_engine.py",
            "tests/test_teeth.py"} <= set(listed)  # in sub-folders, or hypothesis inside a helper


def test_the_test_job_finds_every_other_python_and_names_the_missing_ones(tmp_path):
    """`./run.sh pythons` lists what `./run.sh test` runs the tests under besides .venv's
    Python: from 3.10 to the newest found, pyenv's newest patch of each version or python3.X
    on the PATH if it runs (a pyenv shim of an unselected version does not), and names the
    versions in between that are missing."""
    main = ROOT / ".venv" / "bin" / "python"
    if not main.exists():
        pytest.skip("needs .venv, which ./run.sh test makes")

    def stub(path, minor):  # a "Python" that answers run.sh's question, or fails like a shim
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/sh\necho {minor}\n" if minor else "#!/bin/sh\nexit 127\n")
        path.chmod(0o755)
        return str(path)

    pyenv = tmp_path / "pyenv" / "versions"
    ten = stub(pyenv / "3.10.12" / "bin" / "python", 10)
    stub(pyenv / "3.10.2" / "bin" / "python", 10)  # an older patch: 3.10.12 is newer
    stub(pyenv / "3.9.18" / "bin" / "python", 9)  # older than promised
    stub(pyenv / "3.13.0t" / "bin" / "python", 13)  # free-threaded: not this name
    thirteen = stub(pyenv / "3.13.0" / "bin" / "python", 13)
    stub(pyenv / "3.16.0" / "bin" / "python", None)  # broken
    bin_ = tmp_path / "bin"
    fourteen = stub(bin_ / "python3.14", 14)
    stub(bin_ / "python3.15", None)  # a pyenv shim for a version pyenv has not selected
    for tool in ("dirname", "ls", "grep", "sort", "seq", "nproc"):  # (no other Python there)
        (bin_ / tool).symlink_to(shutil.which(tool))
    run = subprocess.run([shutil.which("bash"), str(ROOT / "run.sh"), "pythons"],
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": str(bin_), "PYENV_ROOT": str(tmp_path / "pyenv"),
                              "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    main_minor = int(subprocess.run([str(main), "-c", "import sys; print(sys.version_info[1])"],
                                    capture_output=True, text=True, check=True).stdout)
    found = {10: ten, 13: thirteen, 14: fourteen}
    assert run.stdout.splitlines() == [f"3.{m} {found.get(m, 'not-found')}"
                                       for m in range(10, max(14, main_minor) + 1)
                                       if m != main_minor]


def test_the_notebooks_job_installs_jupyter_and_what_the_notebooks_use():
    """`./run.sh notebooks` installs the `notebooks` extra and opens notebooks/ in
    JupyterLab: Jupyter itself, ipywidgets (without it step_slider returns a list), and what
    the notebooks import (matplotlib, a Graphviz renderer, hypothesis)."""
    tomllib = pytest.importorskip("tomllib")  # (Python 3.11 and newer)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    wanted = " ".join(extras["notebooks"])
    for requirement in ("jupyterlab", "ipywidgets", "ipykernel", "plot", "render", "testing"):
        assert requirement in wanted
    job = re.search(r"^  notebooks\)\n(.*?)^    ;;", (ROOT / "run.sh").read_text(), re.S | re.M)
    assert job and 'pip_install .venv -e ".[notebooks]"' in job.group(1)
    assert "jupyter lab notebooks" in job.group(1)
    usage = subprocess.run(["bash", str(ROOT / "run.sh"), "nonsense"], capture_output=True,
                           text=True, timeout=60)
    assert usage.returncode == 2 and "notebooks" in usage.stderr


def test_each_extra_installs_under_every_python_the_package_promises():
    """A requirement of an extra pinned to a version whose Requires-Python refuses a
    Python the package promises (3.10 and later) is marked for the Pythons it takes (read
    off the pinned distributions installed here; an unpinned one finds an older version
    where the newest refuses). Before: nbgrader 0.9.6 and
    pytest-prairielearn-grader 0.3.1 need 3.11, and under 3.10 `pip install -e .[dev]`
    failed: "No matching distribution found for nbgrader==0.9.6; extra == "dev""."""
    tomllib = pytest.importorskip("tomllib")  # (Python 3.11 and newer)
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    promised = [f"3.{m}" for m in range(10, 14)
                if f"3.{m}" in SpecifierSet(project["requires-python"])]
    checked = 0
    for extra, requirements in project["optional-dependencies"].items():
        for text in requirements:
            requirement = Requirement(text)
            pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            try:
                installed = metadata.metadata(requirement.name)
            except metadata.PackageNotFoundError:
                continue
            if pins != [installed["Version"]]:
                continue
            needs = installed["Requires-Python"]
            checked += 1
            for version in promised:
                taken = requirement.marker is None or requirement.marker.evaluate(
                    {"python_version": version, "extra": extra})
                if taken and needs and version + ".0" not in SpecifierSet(needs):
                    raise AssertionError(f"{extra}: {text} under Python {version}, which its "
                                         f"distribution refuses (Requires-Python {needs}): "
                                         f"add ; python_version >= ... to it")
    if not checked:
        pytest.skip("no pinned requirement of an extra is installed for this Python")


# ----------------------------------------------------------------------------- the long tier

def tiers_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in ``folder`` with the suite's settings (pyproject.toml: --strict-markers and
    the markers) and the two tiers' plugin, tests/tiers.py, which tests/conftest.py loads:
    without the conftest, which imports PyTorch (that took most of each run's seconds)."""
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.tiers", "-p",
                           "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"), "--rootdir",
                           str(folder), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=ALONE)


TIERED_TESTS = """import pytest


def test_short():
    pass


@pytest.mark.slow
def test_slow():
    pass


@pytest.mark.long(sibling="test_short")
def test_the_probe(request):
    assert request.config.getoption("--long")
"""


def test_a_test_marked_long_is_skipped_unless_the_long_tier_is_asked_for(tmp_path):
    """A test marked long is collected and reported as skipped (saying how to run it)
    without --long, and runs with it: the probe. (The markers are registered: pytest runs
    with --strict-markers.)"""
    (tmp_path / "test_tiered.py").write_text(TIERED_TESTS)
    main = tiers_pytest(tmp_path, "-q", "-rs", str(tmp_path / "test_tiered.py"))
    assert main.returncode == 0, main.stdout + main.stderr
    assert "2 passed, 1 skipped" in main.stdout and "./run.sh test --long" in main.stdout, \
        main.stdout
    long = tiers_pytest(tmp_path, "-q", "--long", str(tmp_path / "test_tiered.py"))
    assert long.returncode == 0 and "3 passed" in long.stdout, long.stdout + long.stderr


def stand_in_repo(tmp_path):
    """A copy of run.sh (and pyproject.toml) whose .venv's Python and uv are stand-ins that
    write down each call of pytest, pip and uv (in the file ``calls``, returned with the
    copy; uv's exit code is $UV_EXIT, and pip's configuration is a find-links and a
    constraint, set by a file and by a variable), and tools found on the PATH, so that
    nothing is installed with apt-get."""
    repo, bin_ = tmp_path / "repo", tmp_path / "bin"
    (repo / ".venv" / "bin").mkdir(parents=True)
    bin_.mkdir()
    shutil.copy(ROOT / "run.sh", repo / "run.sh")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")  # (what run.sh installs)
    calls = tmp_path / "calls"
    python = repo / ".venv" / "bin" / "python"
    python.write_text(f"""#!/bin/sh
case "$1 $2" in
  "-m pytest") echo "$*" >> {calls}; echo "== no tests ran =="; exit "$PYTEST_EXIT" ;;
  "-m pip") echo "$*" >> {calls}
    if [ "$3 $4" = "config list" ]; then
      echo "global.find-links='/machine/wheels'"
      echo ":env:.find-links='/wheels  /more'"
      echo "install.constraint='/pins.txt'"
      echo "global.constraint='/not-these.txt'"
      echo "download.index-url='/not-for-install'"
      echo "global.no-index='True'"
    fi ;;
  "--version "*) echo "Python 3.11.0" ;;
  "-c "*) exec {sys.executable} "$@" ;;
esac
exit 0
""")
    python.chmod(0o755)
    uv = repo / ".venv" / "bin" / "uv"
    uv.write_text(f"#!/bin/sh\necho uv \"$*\" >> {calls}\nexit ${{UV_EXIT:-0}}\n")
    uv.chmod(0o755)
    for tool in ("dot", "chromium"):  # found, so nothing is installed
        (bin_ / tool).write_text("#!/bin/sh\n")
        (bin_ / tool).chmod(0o755)
    for tool in ("dirname", "mktemp", "tee", "tail", "sed", "rm", "cksum", "cut", "grep", "nproc"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    return repo, calls


def run_job(repo, tmp_path, *args, **env):
    """``run.sh ARGS`` in the stand-in ``repo``, with only its tools on the PATH."""
    return subprocess.run([shutil.which("bash"), str(repo / "run.sh"), *args],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path),
                               "TINYGRAD_EDU_NO_OTHER_PYTHONS": "1", "PYTEST_EXIT": "0", **env})


def test_the_test_job_asks_for_the_long_tier_only_with_long_and_fails_when_no_test_ran(
        tmp_path):
    """`./run.sh test` (CI's command, through .ci/run) runs pytest on the tests and the
    notebooks without --long; `./run.sh test --long` with it; and pytest's exit code 5 (no
    test collected) fails the job. run.sh runs here in a copy of the repository whose
    .venv's Python is a stand-in that writes down how pytest was called
    (``stand_in_repo``)."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    calls = re.findall(r"^[^#\n]*\./run\.sh test(.*)$", ci, re.M)  # (the 3.10 run, the main)
    assert calls and all(re.fullmatch(r"( +(--version|>\S+|2>&1|&|\|\| status=\$\?))*", rest)
                         for rest in calls), ci  # no --long: only redirections (--version:
    # the install alone, then pytest --version)
    repo, calls = stand_in_repo(tmp_path)

    def job(*args, exit_code=0):
        calls.unlink(missing_ok=True)
        done = run_job(repo, tmp_path, "test", *args, PYTEST_EXIT=str(exit_code))
        pytest_ = [c for c in calls.read_text().splitlines() if c.startswith("-m pytest")]
        return done.returncode, pytest_[-1].split(), done.stderr

    code, called, err = job()
    assert code == 0, err
    cores = len(os.sched_getaffinity(0))  # (nproc's count)
    assert called[:4] == ["-m", "pytest", "-n", str(cores + 1)] and "--long" not in called
    assert called[4:7] == ["--dist", "loadfile", "--no-loadscope-reorder"]  # (files in order)
    assert called[-2:] == ["tests", "notebooks"] and "--nbmake" in called
    code, called, err = job("--long")
    assert code == 0, err
    assert "--long" in called and called[-2:] == ["tests", "notebooks"]
    for args in ((), ("--long",)):
        code, called, err = job(*args, exit_code=5)
        assert code != 0 and "FAILED: " in err, err


def test_a_job_installs_only_what_the_virtual_environment_lacks(tmp_path):
    """pip runs for the extras a job needs the first time, not again for the same or fewer
    (the demo's plot and render are among the test job's), and again once pyproject.toml
    has changed."""
    repo, calls = stand_in_repo(tmp_path)

    def pips(*args):
        calls.unlink(missing_ok=True)
        done = run_job(repo, tmp_path, *args)
        assert done.returncode == 0, done.stderr
        return [c for c in calls.read_text().splitlines()
                if c.startswith(("-m pip install", "uv pip install"))] \
            if calls.exists() else []

    first = pips("test", "--version")
    assert len(first) == 1 and first[0].endswith(" -e .[dev,plot,render,docs,torch]"), first
    assert pips("test", "--version") == [] and pips("demo") == []
    bench = pips("bench")
    assert len(bench) == 1 and bench[0].endswith(" -e .[bench]")
    with (repo / "pyproject.toml").open("a", encoding="utf-8") as file:
        file.write("# changed\n")
    assert len(pips("demo")) == 1 and pips("demo") == []


def test_uv_installs_with_pips_settings_and_pip_does_where_uv_fails(tmp_path):
    """uv installs with pip's indexes and constraints, which it does not read itself (pip's
    variable over its files, as pip takes them); where uv fails, or is not wanted, pip
    installs, and the extras are recorded as installed only once one of them has."""
    repo, calls = stand_in_repo(tmp_path)

    def install(**env):
        calls.unlink(missing_ok=True)
        (repo / ".venv" / ".installed").unlink(missing_ok=True)
        done = run_job(repo, tmp_path, "demo", **env)
        return done, [c for c in calls.read_text().splitlines() if " install " in c]

    done, called = install()
    assert done.returncode == 0 and called == [
        "uv pip install --quiet --python .venv/bin/python --index-strategy unsafe-best-match "
        "--constraint /pins.txt --find-links /wheels --find-links /more --no-index "
        "-e .[plot,render]"], called
    done, called = install(UV_EXIT="2")
    assert done.returncode == 0 and len(called) == 2 and called[1].startswith(
        "-m pip install --quiet --disable-pip-version-check ") and "-e .[plot,render]" in called[1]
    done, called = install(TINYGRAD_EDU_NO_UV="1")
    assert done.returncode == 0 and [c.split()[:3] for c in called] == [["-m", "pip", "install"]]
    (repo / ".venv" / "bin" / "uv").unlink()  # (not there yet: pip installs it first)
    done, called = install()
    assert done.returncode == 0 and called[0].startswith("-m pip install") and \
        called[0].endswith(" uv"), called
    assert [line.split()[1] for line in (repo / ".venv" / ".installed").read_text().splitlines()] \
        == ["plot", "render"]


def test_the_files_that_take_long_come_first(tmp_path):
    """The collection puts the files with a test marked slow first, each file's tests together
    and in their order: run.sh's workers take a whole file at a time in that order, so the
    last files to run are short ones."""
    (tmp_path / "test_quick.py").write_text("def test_one():\n    pass\n\n\n"
                                            "def test_two():\n    pass\n")
    (tmp_path / "test_tiered.py").write_text(TIERED_TESTS)
    done = tiers_pytest(tmp_path, "--collect-only", "-q", str(tmp_path / "test_quick.py"),
                        str(tmp_path / "test_tiered.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    tests = [line.rpartition("/")[2] for line in done.stdout.splitlines() if "::" in line]
    assert tests == ["test_tiered.py::test_short", "test_tiered.py::test_slow",
                     "test_tiered.py::test_the_probe", "test_quick.py::test_one",
                     "test_quick.py::test_two"], done.stdout


SITE_TESTS = """import pytest


@pytest.fixture
def site():
    return None


@pytest.mark.slow
def test_on_the_site(site):
    pass
"""


def test_while_the_site_builds_the_files_that_open_it_come_after_the_other_long_ones(tmp_path):
    """.ci/run builds the site beside the suite (TINYGRAD_EDU_SITE_STATUS set): a long file
    whose tests open it (the fixture ``site``) comes after the other long files, by when it
    is built; without the build beside, the order is the files' own."""
    (tmp_path / "test_a_site.py").write_text(SITE_TESTS)
    (tmp_path / "test_tiered.py").write_text(TIERED_TESTS)
    (tmp_path / "test_quick.py").write_text("def test_one():\n    pass\n")
    files = [str(tmp_path / name) for name in ("test_a_site.py", "test_tiered.py",
                                               "test_quick.py")]
    orders = []
    for building in ("", str(tmp_path / "status")):
        env = {**ALONE, "TINYGRAD_EDU_SITE_STATUS": building}
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.tiers", "-p",
                               "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
                               "--rootdir", str(tmp_path), "--collect-only", "-q", *files],
                              cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        orders.append([line.rpartition("/")[2].split("::")[0] for line in
                       done.stdout.splitlines() if "::" in line])
    assert orders[0][:2] == ["test_a_site.py", "test_tiered.py"], orders
    assert orders[1][:4] == ["test_tiered.py"] * 3 + ["test_a_site.py"], orders
    assert orders[1][-1] == "test_quick.py", orders


def test_the_site_built_beside_the_suite_is_waited_for_and_a_failed_build_fails(tmp_path):
    """The fixture ``site`` waits for the exit status .ci/run's build writes, and fails,
    naming ./run.sh docs, when it is not 0."""
    import threading

    from tests.conftest import wait_for_the_sites_build

    status = tmp_path / "status"
    writer = threading.Timer(0.6, lambda: status.write_text("0\n"))
    writer.start()
    wait_for_the_sites_build(str(status))  # (returns once written)
    writer.join()
    status.write_text("2\n")
    with pytest.raises(AssertionError, match=r"./run.sh docs failed \(exit status 2\)"):
        wait_for_the_sites_build(str(status))
    with pytest.raises(AssertionError, match=r"took over 1\.0 s"):
        wait_for_the_sites_build(str(tmp_path / "never"), timeout_s=1.0)
    wait_for_the_sites_build(None)  # (nothing built beside: nothing to wait for)


LONG_TESTS = """import pytest


@pytest.mark.long
def test_no_sibling():
    pass


@pytest.mark.long(sibling="test_nowhere")
def test_a_missing_sibling():
    pass


@pytest.mark.long(sibling="test_no_sibling")
def test_a_long_sibling():
    pass


@pytest.mark.long(sibling="other.py::test_short")
def test_a_sibling_elsewhere():
    pass


def test_short():
    pass
"""


def test_a_long_test_names_a_short_sibling_of_the_main_tier_or_nothing_runs(tmp_path):
    """A long test without a short sibling, or whose sibling is missing or long itself, stops
    the run before any test runs, each named; a sibling in another file is found there."""
    (tmp_path / "test_long.py").write_text(LONG_TESTS)
    (tmp_path / "other.py").write_text("def test_short():\n    pass\n")
    done = tiers_pytest(tmp_path, str(tmp_path / "test_long.py"))
    said = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, said
    assert "test_long.py::test_no_sibling is marked long but names no short sibling" in said
    assert "its sibling test_nowhere is not a test function in test_long.py" in said
    assert "and so is its sibling test_no_sibling: a sibling is in the main tier" in said
    assert "test_a_sibling_elsewhere" not in said and " passed" not in said
