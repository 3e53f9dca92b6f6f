"""The package is ready for an index: ``python -m build`` makes a wheel and an sdist whose
metadata, long description and files are right, and ``twine check`` accepts them."""

import email
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if not hasattr(pytest.importorskip("build", reason="the build package is not installed: pip "
                                                   "install build (the dev extra has it)"),
               "ProjectBuilder"):  # a folder named build/ in the checkout, not the package
    pytest.skip("the build package is not installed (a folder named build/ is not it): pip "
                "install build (the dev extra has it)", allow_module_level=True)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "tinygrad_edu"
    files = tracked_files()
    for name in files:  # build from what a clone has, not from this working copy's leftovers
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                           str(source)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist, files


def tracked_files():
    if shutil.which("git") and (ROOT / ".git").exists():
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
        return [name for name in listed if (ROOT / name).is_file()]
    pytest.skip("not a git clone: the tracked files are unknown")


def test_the_wheel_holds_the_package_and_nothing_else(dist):
    wheel, _, files = dist
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    package = {name for name in files if name.startswith("tinygrad_edu/")}
    assert package <= names
    assert {name for name in names if not name.startswith("tinygrad_edu-0.1.0.dist-info/")} \
        == package
    assert "tinygrad_edu/py.typed" in names and "tinygrad_edu/datasets/digits.csv.gz" in names
    assert {f"tinygrad_edu/viz/pages/{page}.{kind}" for page in ("replay", "report")
            for kind in ("html", "css", "js")} <= names
    assert {f"tinygrad_edu/exercises/classroom/files/{name}" for name in (
        "setup.sh", "run_autograder", "classroom.yml", "nbgrader_config.py.in")} <= names


def test_the_metadata_and_the_long_description(dist):
    wheel, _, _ = dist
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("tinygrad_edu-0.1.0.dist-info/METADATA").decode("utf-8")
        metadata = email.message_from_string(text)
        assert "tinygrad_edu-0.1.0.dist-info/licenses/LICENSE" in archive.namelist()
    assert (metadata["Name"], metadata["Version"]) == ("tinygrad-edu", "0.1.0")
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "backpropagation" in metadata["Summary"]
    requires = metadata.get_all("Requires-Dist")
    for needed in ("numpy>=1.23", "graphviz>=0.20", "tqdm>=4.64"):
        assert needed in requires
    assert not any(r.startswith("torch") and "extra" not in r for r in requires)  # optional
    assert set(metadata.get_all("Provides-Extra")) >= {"plot", "render", "testing", "torch"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.split("\n\n", 1)[1].strip() == readme.strip()


def test_the_sdist_holds_what_a_clone_holds(dist):
    _, sdist, files = dist
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [name for name in files if name not in names and name != ".gitignore"]
    assert missing == []


def test_twine_accepts_both(dist):
    twine = shutil.which("twine", path=str(Path(sys.executable).parent)) or shutil.which("twine")
    if twine is None:
        pytest.skip("twine is not installed: pip install twine (the dev extra has it)")
    wheel, sdist, _ = dist
    done = subprocess.run([twine, "check", "--strict", str(wheel), str(sdist)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory):
    """The wheel installed on its own (its dependencies are this Python's)."""
    wheel, _, _ = dist
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, timeout=120)
    return target


def run_installed(installed, code, cwd):
    return subprocess.run([sys.executable, "-c", code, str(installed)], cwd=cwd,
                          env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=False)


def test_the_wheel_works_on_its_own(installed, tmp_path):
    code = ("import tinygrad_edu, sys; from tinygrad_edu import Value; "
            "assert tinygrad_edu.__file__.startswith(sys.argv[1]); "
            "x = Value(3.0); (x * x).backward(); print(x.grad)")
    done = run_installed(installed, code, tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "6.0", done.stderr


def test_the_installed_package_reads_the_replay_pages_files(installed, tmp_path):
    """replay_html puts pages/replay.html, .css and .js together at run time: from the
    installed wheel, not from this checkout."""
    code = ("import sys; from tinygrad_edu.viz import replay; "
            "assert replay.__file__.startswith(sys.argv[1]); "
            "print(replay._page('a title', '<svg></svg>', {'frames': []}))")
    done = run_installed(installed, code, tmp_path)
    assert done.returncode == 0, done.stderr
    page = done.stdout
    pages = installed / "tinygrad_edu" / "viz" / "pages"
    assert page.startswith("<!DOCTYPE html>") and "<title>a title</title>" in page
    assert "@@" not in page and '<div id="graph">\n<svg></svg>\n</div>' in page
    for part in ("replay.css", "replay.js"):
        assert (pages / part).read_text(encoding="utf-8").strip() in page
