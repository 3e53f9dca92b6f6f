"""Each route's artefact installed and graded as its tool's own image does it, with the tool's
defaults, emulated here without Docker (issue 67):

- PrairieLearn (``prairielearn/grader-python``: amazonlinux:2023, Python 3.13 in a ``uv
  venv`` at /venv, first on PATH, no pip; the container has no network unless info.json
  sets ``enableNetworking``): the wheels fetched by the command the guide prints, a question
  made with ``--wheels``, then per submission a fresh ``uv venv`` of pyenv's Python 3.13 and
  a fresh /grade laid out as the grader lays it out, and the question's run.sh run as root
  with no network (``unshare -n``);
- Otter-Grader on Gradescope (its setup.sh: ``mamba env create -f
  /autograder/source/environment.yml``, whose pip section installs the requirements): the
  zip unpacked as /autograder/source, the pip requirements of its environment.yml installed
  offline into a fresh virtual environment.

Not covered here: Docker itself and amazonlinux's userland (its glibc, its libseccomp, the
container's capabilities and Docker's seccomp profile, which decide whether Landlock,
seccomp and the drop to ``nobody`` work there: a protection found missing makes grading
refuse, not gradable, saying so);
uv's own build of Python 3.13 (pyenv's here); the image's other preinstalled packages;
PrairieLearn's handling of results.json beyond its documented fields (the schema); for
Otter, mamba and Gradescope's Ubuntu image (its apt-get steps, otter-grader installed from
PyPI with network).

These build images: the long tier. Their short siblings, in the main tier, grade with this
suite's Python and read the zip's paths (tests/exercises/test_otter.py and
test_prairielearn.py).
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.exercises.route_assignment import (
    NAMES,
    POINTS,
    POINTS_OPTION,
    SCHEMA,
    WRONG,
    source,
)
from tests.exercises.test_otter import (
    needs_otter,
    otter,  # noqa: F401  (a fixture)
    otter_requirements,
)
from tinygrad_edu.exercises.classroom.for_prairielearn import (
    DOWNLOAD,
    IMAGE_PYTHON,
    PLUGIN_VERSION,
)
from tinygrad_edu.exercises.cli import main as cli

MODEL_ANSWER = "from tinygrad_edu.exercises.model_answers import MODEL_ANSWERS\n"
"""A submission that reaches for the package's model answers."""

SUBMISSIONS = {  # name: (the file, its score, gradable)
    "right": (source(), 1.0, True),
    "wrong": (source(wrong=set(WRONG)), 1 / 6, True),
    "partial": (source(wrong={"dense_backward"}), 3 / 6, True),
    "cheating": (source(head=MODEL_ANSWER), 0.0, True),
    "syntax": (source() + "\ndef oops(:\n    pass\n", None, False),
}


def _pyenv_python(minor):
    found = sorted(Path.home().glob(f".pyenv/versions/{minor}.*/bin/python3"))
    return found[-1] if found else None


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """What the emulated image is made of: pyenv's Python 3.13, uv (from PyPI) and the
    question made with the wheels the guide's command fetches."""
    python = _pyenv_python(IMAGE_PYTHON)
    if python is None:
        pytest.skip(f"no Python {IMAGE_PYTHON} in pyenv (~/.pyenv/versions/{IMAGE_PYTHON}.*)")
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("the grader's container runs run.sh as root, without network: this "
                    "needs root and unshare")
    root = tmp_path_factory.mktemp("pl-image")
    fetched = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                              str(root / "uv"), "uv"], capture_output=True, text=True,
                             timeout=600)
    if fetched.returncode != 0:
        pytest.skip(f"uv could not be installed from PyPI: {fetched.stderr[-500:]}")
    wheels = root / "wheels"
    command = shlex.split(DOWNLOAD.replace("DIR", str(wheels)))
    assert command[:2] == ["pip", "download"]
    fetched = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True,
                             timeout=900)
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    assert cli(["assignment", *NAMES, "--for", "prairielearn", "-o", str(root / "questions"),
                "--name", "week3", "--points", POINTS_OPTION, "--wheels", str(wheels)]) == 0
    return python, root / "uv" / "bin", root / "questions" / "week3", wheels


IMAGE_HAS = ("numpy", "pandas", "networkx", "matplotlib")
"""What of the question's wheels the image's own requirements.txt installs already."""


def graded_on_the_image(image, folder, text, built=False, question=None, network=False,
                        with_uv=True, holds=None):
    """``text`` as user_code.py, graded as PrairieLearn's grader grades it in a fresh
    container (see the module's docstring): (results.json, the job's log). ``built``: the
    image's venv holds what the image's requirements.txt puts there (``IMAGE_HAS``), else
    Python alone; ``question``: another question folder; ``network``: the container has
    network (``enableNetworking``); ``with_uv=False``: an image without uv (run.sh falls
    back on the pip Python carries, ensurepip); ``holds``: the image was built with the
    question's tinygrad_edu and what grading needs ("wheel"), or with that, then one of
    tinygrad_edu's files changed ("changed": as an older tinygrad_edu)."""
    import jsonschema

    python, uv, made_with_wheels, wheels = image
    question = question or made_with_wheels
    folder.mkdir()
    # (the image's Dockerfile sets LANG, PYTHONIOENCODING, UV_NO_CACHE, UV_COMPILE_BYTECODE
    # and PYTHONPATH=/grade/serverFilesCourse/; its LANG's locale need not be installed)
    env = {"PATH": f"{folder / 'venv' / 'bin'}:{uv}:/usr/bin:/bin", "HOME": str(folder),
           "LANG": "en_US.UTF-8", "UV_NO_CACHE": "1", "UV_COMPILE_BYTECODE": "1",
           "UV_PYTHON_DOWNLOADS": "never", "PYTHONIOENCODING": "UTF-8",
           "PYTHONPATH": "/grade/serverFilesCourse/",
           "SSL_CERT_FILE": os.environ.get("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")}
    made = subprocess.run(["uv", "venv", "--python", str(python), str(folder / "venv")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    if built:  # (the image's build, which has network: from the wheels fetched already)
        made = subprocess.run(["uv", "pip", "install", "--python", str(folder / "venv" / "bin"
                                                                       / "python"),
                               "--no-index", "--find-links", str(wheels), *IMAGE_HAS],
                              env=env, capture_output=True, text=True, timeout=600)
        assert made.returncode == 0, made.stderr
    if holds:
        (wheel,) = (question / "tests" / "wheels").glob("tinygrad_edu-*.whl")
        made = subprocess.run(["uv", "pip", "install", "--python", str(folder / "venv" / "bin"
                                                                       / "python"),
                               "--no-index", "--find-links", str(wheels),
                               f"tinygrad-edu[testing] @ file://{wheel}",
                               f"pytest-prairielearn-grader=={PLUGIN_VERSION}", "networkx",
                               "pandas", "plot-serializer"],
                              env=env, capture_output=True, text=True, timeout=600)
        assert made.returncode == 0, made.stderr
        if holds == "changed":
            (rule,) = (folder / "venv").glob("lib/python3*/site-packages/tinygrad_edu/"
                                             "exercises/answers.py")
            rule.write_text(rule.read_text("utf-8") + "\n# an older grader\n", "utf-8")
    assert not (folder / "venv" / "bin" / "pip").exists()  # (as the image: no pip)
    if not with_uv:
        env["PATH"] = f"{folder / 'venv' / 'bin'}:/usr/bin:/bin"
    grade = folder / "grade"
    shutil.copytree(question / "tests", grade / "tests")
    (grade / "student").mkdir()
    (grade / "student" / "user_code.py").write_text(text, encoding="utf-8")
    done = subprocess.run([*([] if network else ["unshare", "-n"]), "bash",
                           str(grade / "tests" / "run.sh")],
                          env={**env, "PL_GRADE_ROOT": str(grade)}, capture_output=True,
                          text=True, timeout=900)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    path = grade / "results" / "results.json"
    assert path.stat().st_size < 1_000_000
    results = json.loads(path.read_text("utf-8"))
    jsonschema.validate(results, json.loads(SCHEMA.read_text("utf-8")))
    return results, log


@pytest.mark.long(sibling="tests/exercises/test_prairielearn.py::"
                          "test_prairielearn_grades_with_tinygrad_edus_grader")
def test_prairielearn_grades_on_its_image_with_its_defaults(image, tmp_path):
    """Right, wrong, partial and cheating submissions earn 6, 1, 3 and 0 of 6 points; one
    that is not valid Python is not gradable (no attempt spent) and says where; no network,
    no pip, on the image as built (its numpy, pandas, networkx and matplotlib kept) and on
    Python alone, and on an image without uv (the pip of ensurepip); the job's log holds
    pytest's output, the student's feedback does not."""
    info = json.loads((image[2] / "info.json").read_text("utf-8"))
    assert "enableNetworking" not in info["externalGradingOptions"]
    seen = {}
    for name, (text, score, gradable) in SUBMISSIONS.items():
        # (right and wrong on the image as built, the others on Python alone)
        results, log = graded_on_the_image(image, tmp_path / name, text,
                                           built=name in ("right", "wrong"))
        seen[name] = results
        print(name, results["gradable"], results.get("score"))
        assert results["gradable"] is gradable, (name, results, log[-3000:])
        if not gradable:
            assert "not valid Python" in results["message"] and "line" in results["message"]
            assert "does not count" in results["message"], results
            continue
        assert results["score"] == pytest.approx(score), (name, results, log[-3000:])
        for test in results["tests"]:
            message = test.get("message", "")
            assert "grading failed with an exception" not in message, message
            assert "passed" in message or "not" in message, message
        assert "passed" in log or "failed" in log  # (pytest's summary, for the staff)
        assert "tinygrad_edu: installing" in log
    assert "diagnosis: the input x used where the output y was meant" in \
        json.dumps(seen["wrong"], ensure_ascii=False)
    assert "may not be imported by a submission" in json.dumps(seen["cheating"],
                                                                ensure_ascii=False)
    # an image without uv: the pip Python carries (ensurepip), offline too
    results, log = graded_on_the_image(image, tmp_path / "without-uv", source(),
                                       with_uv=False)
    assert results["gradable"] and results["score"] == 1.0, (results, log[-3000:])
    assert "Successfully installed pip" in log


@pytest.mark.long(sibling="tests/exercises/test_prairielearn.py::"
                          "test_run_sh_grades_with_the_questions_wheel_never_an_older_one_in_"
                          "the_image")
def test_prairielearn_grades_with_the_questions_wheel_whatever_the_image_holds(image,
                                                                             tmp_path):
    """An image built with the question's own tinygrad_edu grades with it, installing
    nothing; one built with another (here: one of its files changed, as an older
    tinygrad_edu) has the question's wheel installed in its place, said in the log, and
    grades with that: the changed file is the wheel's again."""
    results, log = graded_on_the_image(image, tmp_path / "same", source(), holds="wheel")
    assert results["gradable"] and results["score"] == 1.0, (results, log[-3000:])
    assert "installing" not in log and "grading with the image's tinygrad_edu, installed " \
        "from this question's wheel" in log, log[-3000:]
    results, log = graded_on_the_image(image, tmp_path / "older", source(), holds="changed")
    assert results["gradable"] and results["score"] == 1.0, (results, log[-3000:])
    assert "is not this question's wheel: installing the wheel in its place" in log, log
    assert "grading with this question's wheel, tinygrad_edu-" in log, log[-3000:]
    (rule,) = (tmp_path / "older" / "venv").glob("lib/python3*/site-packages/tinygrad_edu/"
                                                "exercises/answers.py")
    assert "an older grader" not in rule.read_text("utf-8")


# ------------------------------------------------------------------- Otter on Gradescope


@needs_otter
@pytest.mark.long(sibling="tests/exercises/test_otter.py::"
                          "test_otters_zip_names_the_wheel_where_it_holds_it")
def test_otters_zip_installs_as_gradescope_builds_it(otter, tmp_path):  # noqa: F811
    """The zip unpacked as /autograder/source (here under a folder of its own), its
    environment.yml's pip requirements installed offline into a fresh virtual environment
    that sees this suite's packages (where Gradescope's mamba environment has Otter's):
    tinygrad_edu installs from the zip's wheel, and its grader imports."""
    _, zip_, _ = otter
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_) as packed:
        packed.extractall(root / "source")
    requirements = [r.replace("file:///autograder/", f"file://{root}/")
                    for r in otter_requirements(zip_)]
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "env")], check=True,
                   timeout=300)
    python = tmp_path / "env" / "bin" / "python"
    inside = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                             "['purelib'])"], capture_output=True, text=True, check=True)
    # (what Gradescope's environment has besides, Otter and its own: this suite's packages)
    Path(inside.stdout.strip(), "suite.pth").write_text(sysconfig.get_paths()["purelib"])
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-index",
                           "--disable-pip-version-check", *requirements],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    where = subprocess.run([str(python), "-I", "-c", "import tinygrad_edu.exercises.classroom."
                            "for_otter_grading as m; print(m.__file__)"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert where.returncode == 0 and str(tmp_path / "env") in where.stdout, where.stderr


@pytest.mark.long(sibling="tests/exercises/test_prairielearn.py::"
                          "test_prairielearn_grades_with_tinygrad_edus_grader")
def test_prairielearn_grades_with_networking_when_the_teacher_chooses_it(image, tmp_path):
    """A question made with --network: info.json sets enableNetworking, it carries
    tinygrad_edu's wheel alone, and run.sh installs the rest from PyPI with the image's uv: a
    right submission earns every point."""
    assert cli(["assignment", *NAMES, "--for", "prairielearn", "-o", str(tmp_path / "made"),
                "--name", "week3", "--points", POINTS_OPTION, "--network"]) == 0
    question = tmp_path / "made" / "week3"
    info = json.loads((question / "info.json").read_text("utf-8"))
    assert info["externalGradingOptions"]["enableNetworking"] is True
    assert [p.name for p in (question / "tests" / "wheels").iterdir()] == [
        "tinygrad_edu-0.1.0-py3-none-any.whl"]
    results, log = graded_on_the_image(image, tmp_path / "right", source(), built=True,
                                       question=question, network=True)
    assert results["gradable"] and results["score"] == 1.0, (results, log[-3000:])


def try_it_block():
    """The teaching guide's block that grades a file as PrairieLearn's grader will, before
    uploading (its "Try it before uploading")."""
    from tests.exercises.test_teaching_page import blocks, commands

    (block,) = [b for b in blocks() if "PL_GRADE_ROOT" in b]
    return commands(block)


@pytest.mark.long(sibling="tests/exercises/test_prairielearn.py::"
                          "test_prairielearn_grades_with_tinygrad_edus_grader")
def test_the_guides_try_it_grades_as_the_image_does(image, tmp_path):
    """The guide's commands, as printed, in a folder beside a question made with its
    wheels (its ``pip install uv``: the fixture's uv; run as root, so without sudo): d_tanh
    answered in the starter earns its points, the rest "not yet"; the log has the
    protections, the student's results.json does not."""
    python, uv, question, _ = image
    (tmp_path / "week3-prairielearn").symlink_to(question.parent)
    lines = [c for c in try_it_block() if c != "pip install uv"]
    assert any("env PATH=" in c and "unshare -n bash" in c for c in lines), lines
    env = {"PATH": f"{uv}:{python.parent}:{Path(sys.executable).parent}:/usr/bin:/bin",
           "HOME": str(tmp_path), "LANG": "C.UTF-8", "UV_PYTHON_DOWNLOADS": "never",
           "UV_NO_CACHE": "1"}
    done = subprocess.run(["bash", "-c", "\n".join(["set -e", *lines])], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=900)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    results = json.loads((tmp_path / "pl-image" / "grade" / "results" / "results.json")
                         .read_text("utf-8"))
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["5. d_tanh"]["points"] == POINTS["d_tanh"], tests
    assert results["score"] == pytest.approx(POINTS["d_tanh"] / sum(POINTS.values()))
    assert all("not yet" in t["message"] for n, t in tests.items() if n != "5. d_tanh")
    assert "Protections: resource limits" in log and "Protections" not in json.dumps(results)
