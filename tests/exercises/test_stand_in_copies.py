"""A route's stand-in for Landlock (the learner's code run as nobody, the package root's only)
holds only if nobody can read any copy of the package the grader knows of: the wheel a
PrairieLearn question ships (tests/wheels), the one Otter's zip holds (files/, copied
beside the submission), a zip that holds tinygrad_edu under another name. Before, only the
installed package was looked at, and a submission on PrairieLearn without Landlock opened
/grade/tests/wheels/tinygrad_edu-*.whl and ran the model answers out of it: 4/4."""

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest

from tinygrad_edu.exercises import boundary, package_copies

NO_LANDLOCK = {"Landlock": "the kernel has no Landlock"}


@pytest.fixture
def grade_root(monkeypatch):
    """A tool's folder (PrairieLearn's /grade) that nobody may enter, as /grade is, with the
    question's wheel as copied from the course (644); the package the grader runs, root's
    only (as run.sh leaves it), and no other install of it on this machine."""
    if os.geteuid() != 0:
        pytest.skip("needs root (the stand-in runs the learner's code as nobody)")
    top = Path(tempfile.mkdtemp(prefix="tinygrad-edu-copies-"))  # (pytest's own folder is
    top.chmod(0o755)                                              # root's only)
    package = top / "site-packages" / "tinygrad_edu"
    (package / "exercises").mkdir(parents=True)
    (package / "exercises" / "model_answers.py").write_text("ANSWER = 1\n", encoding="utf-8")
    for folder in (package.parent, package, package / "exercises"):
        folder.chmod(0o700)
    root = top / "grade"
    (root / "student").mkdir(parents=True)
    (root / "student" / "user_code.py").write_text("", encoding="utf-8")
    wheels = root / "tests" / "wheels"
    wheels.mkdir(parents=True)
    with zipfile.ZipFile(wheels / "tinygrad_edu-0.1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("tinygrad_edu/exercises/model_answers.py", "ANSWER = 1\n")
    for made in (root, root / "student", root / "tests", wheels):
        made.chmod(0o755)
    (wheels / "tinygrad_edu-0.1.0-py3-none-any.whl").chmod(0o644)
    monkeypatch.setattr(boundary, "PACKAGE", package)
    monkeypatch.setattr(package_copies, "_installed", lambda: [])
    yield root
    shutil.rmtree(top, ignore_errors=True)


def decided(root):
    return boundary.decide("prairielearn", missing=NO_LANDLOCK, around=[root])


def test_a_wheel_nobody_can_read_is_found_and_the_route_refuses(grade_root):
    decision = decided(grade_root)
    wheel = grade_root / "tests" / "wheels" / "tinygrad_edu-0.1.0-py3-none-any.whl"
    assert decision.refused, decision
    assert f"nobody can read a copy of the package: {wheel}" in decision.refused
    (grade_root / "tests").chmod(0o700)  # (run.sh's chmod -R go-rwx of tests/)
    decision = decided(grade_root)
    assert not decision.refused and "Landlock" in decision.held, decision


def test_a_zip_holding_the_package_under_another_name_is_a_copy(grade_root):
    """A wheel renamed, and Otter's autograder zip (which holds the wheel), are copies by
    what they hold; a zip of something else is not."""
    (grade_root / "tests").chmod(0o700)
    files = grade_root / "source" / "files"
    files.mkdir(parents=True)
    files.parent.chmod(0o755)
    files.chmod(0o755)
    with zipfile.ZipFile(files / "renamed.whl", "w") as renamed:
        renamed.writestr("tinygrad_edu/__init__.py", "")
    with zipfile.ZipFile(files / "week3-autograder.zip", "w") as otter:
        otter.writestr("files/tinygrad_edu-0.1.0-py3-none-any.whl", b"")
    with zipfile.ZipFile(files / "data.zip", "w") as other:
        other.writestr("points.csv", "1,2\n")
    for made in files.iterdir():
        made.chmod(0o644)
    found, unsure = package_copies.copies(boundary.PACKAGE, [grade_root])
    assert unsure is None
    assert {Path(p).name for p in found} >= {"renamed.whl", "week3-autograder.zip"}
    assert "data.zip" not in {Path(p).name for p in found}
    assert "renamed.whl" in decided(grade_root).refused


def test_a_folder_too_large_to_walk_is_not_taken_as_closed(grade_root, monkeypatch):
    (grade_root / "tests").chmod(0o700)
    monkeypatch.setattr(package_copies, "MOST", 3)
    decision = decided(grade_root)
    assert "not walked to the end" in decision.refused, decision


def test_otters_plugin_closes_the_copies_otters_image_leaves_open(monkeypatch):
    """Otter's image on Gradescope unpacks the zip in /autograder/source (its wheel in
    files/, 644) and installs the package from that wheel, and has no setup step of the
    teacher's to close them: the plugin closes both before it grades (as Gradescope's
    setup.sh does), so its stand-in for Landlock holds; a package installed from elsewhere
    (a teacher's own, under ``otter run``) is left as it is. Before: refused, naming the
    zip's wheel, whatever the teacher did."""
    pytest.importorskip("otter")
    if os.geteuid() != 0:
        pytest.skip("needs root (the stand-in runs the learner's code as nobody)")
    from tinygrad_edu.exercises.classroom.for_otter_grading import GradeOutside

    top = Path(tempfile.mkdtemp(prefix="tinygrad-edu-otter-"))
    try:
        top.chmod(0o755)
        autograder = top / "autograder"
        wheel = autograder / "source" / "files" / "tinygrad_edu-0.1.0-py3-none-any.whl"
        wheel.parent.mkdir(parents=True)
        (autograder / "submission").mkdir()
        (autograder / "submission" / "week3.ipynb").write_text("{}", encoding="utf-8")
        with zipfile.ZipFile(wheel, "w") as packed:
            packed.writestr("tinygrad_edu/exercises/model_answers.py", "ANSWER = 1\n")
        package = top / "site-packages" / "tinygrad_edu"
        (package / "exercises").mkdir(parents=True)
        (package / "exercises" / "model_answers.py").write_text("ANSWER = 1\n")
        meta = package.parent / "tinygrad_edu-0.1.0.dist-info"
        meta.mkdir()
        monkeypatch.setattr(boundary, "PACKAGE", package)
        monkeypatch.setattr(package_copies, "_installed", lambda: [])
        plugin = GradeOutside(str(autograder / "submission" / "week3.ipynb"), None, {})
        for installed_from, closed in (("/elsewhere/" + wheel.name, False), (wheel, True)):
            (meta / "direct_url.json").write_text(f'{{"url": "file://{installed_from}"}}')
            for where, _, files in os.walk(top):  # (as unzipped and installed: 755, 644)
                os.chmod(where, 0o755)
                for name in files:
                    os.chmod(os.path.join(where, name), 0o644)
            plugin.before_grading(None)
            decision = boundary.decide("otter", missing=NO_LANDLOCK, around=[autograder])
            assert (package.stat().st_mode & 0o077 == 0) is closed, installed_from
            assert wheel.stat().st_mode & 0o077 == 0
            if closed:
                assert not decision.refused and "Landlock" in decision.held, decision
            else:
                assert f"chmod -R go-rwx {package}" in decision.refused, decision
    finally:
        shutil.rmtree(top, ignore_errors=True)
