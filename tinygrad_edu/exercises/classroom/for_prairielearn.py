"""An assignment for PrairieLearn: ``DIR/NAME/``, a question folder with external grading.

The folder holds ``info.json`` (``"gradingMethod": "External"``, the Python grader's image,
``tests/run.sh`` its entrypoint), ``question.html`` (the statements, and a
``pl-file-editor`` for ``user_code.py``, which starts as ``initial_code.py``, the starters),
and ``tests/``: ``run.sh``, which installs what the image lacks (and the question's wheel
in place of another tinygrad_edu: ``installed.py`` compares the files), then runs
``test_tinygrad_edu.py`` with pytest-prairielearn-grader (under the question's own
``pytest.ini``: no configuration of a folder above is read) and finishes
``/grade/results/results.json`` from its results (``for_prairielearn_grading.py``); the tests
grade ``/grade/student/user_code.py`` with tinygrad_edu's grader, outside the student's
process, a test per exercise worth its points, whose message is the verdict with its
diagnosis (``gradable``, ``score`` in [0, 1], per test ``name``, ``points``, ``max_points``,
``message``).

PrairieLearn's grader image (``prairielearn/grader-python``: Python 3.13 in a ``uv venv``)
has no pytest, hypothesis or pytest-prairielearn-grader, and its containers have no network
unless ``info.json`` sets ``enableNetworking``. So the teacher chooses: ``wheels``, a folder
of wheels for that Python (``pip download`` fills it: ``DOWNLOAD``), carried in
``tests/wheels`` and installed from there offline; or ``network``, which sets
``enableNetworking`` and installs from PyPI at each grading. tinygrad_edu's own wheel is
carried either way.
"""

from __future__ import annotations

import html
import json
import math
import re
import shlex
import shutil
import textwrap
import uuid
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

from tinygrad_edu.exercises.boundary import ALLOW_ENV
from tinygrad_edu.exercises.classroom.assignment import AssignmentError, points_text, template
from tinygrad_edu.exercises.classroom.isolation import LOAD_DEADLINE, STUCK_DEADLINE
from tinygrad_edu.exercises.classroom.wheel import project_wheel
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import starter_file

__all__ = ["prairielearn_assignment"]

PLUGIN_VERSION = "0.3.1"
"""The version of pytest-prairielearn-grader the question's tests are written for."""

IMAGE_PYTHON = "3.13"
"""The Python of PrairieLearn's grader image (``uv venv --python 3.13 /venv``)."""

NEEDED = ("hypothesis", "numpy", "tqdm", "graphviz", "pytest", "pytest-prairielearn-grader",
          "networkx", "pandas", "plot-serializer")
"""What the question's tests import beyond tinygrad_edu (networkx, pandas and
plot-serializer: pytest-prairielearn-grader imports them without declaring them)."""

GRADE_HERE = ("PrairieLearn's Save & Grade button, below the editor: each exercise's verdict\n"
              "shows under the question (the simplest input where an answer is wrong, what\n"
              "was expected and what yours gave, and the mistake's name), and a file that is\n"
              "not valid Python is not counted as an attempt.")
"""How the students grade ``user_code.py`` where they write it (they have no command line)."""

DOWNLOAD = (f"pip download --only-binary=:all: --python-version {IMAGE_PYTHON} --platform "
            "manylinux2014_x86_64 -d DIR 'hypothesis>=6.90' numpy tqdm graphviz pytest "
            f"pytest-prairielearn-grader=={PLUGIN_VERSION} networkx pandas plot-serializer")
"""The command that fills a folder with the wheels the question carries (DIR: the folder)."""


SET_UP = 60.0
"""Seconds ``run.sh`` may take before grading: installing what the image lacks (about half
a minute with uv) and starting Python."""


def timeout_for(exercises: int) -> int:
    """The question's timeout in seconds (info.json's): the set-up, and for each exercise
    the file's load (a grading process stopped at an exercise is started again, loading the
    file again) and the longest the grader lets it take (``isolation.STUCK_DEADLINE``: an
    answer slow on every input, or a process that will not answer), rounded up to 10 s. A fixed
    300 s let a file slow at every call (80 s an exercise) outlast it from four exercises
    on: PrairieLearn then killed the grading, and showed no verdict (an attacker's,
    issue 65)."""
    return int(math.ceil((SET_UP + exercises * (LOAD_DEADLINE + STUCK_DEADLINE)) / 10) * 10)

def prairielearn_assignment(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                            folder: Path, name: str, wheel: Path | None = None,
                            partial: bool = False, unsandboxed: bool = False,
                            wheels: Path | None = None, network: bool = False) -> list[Path]:
    """Write the question folder ``folder/NAME`` (see the module's docstring); return the
    paths of the files written."""
    if (wheels is None) == (not network):
        raise AssignmentError(
            "PrairieLearn's grader image lacks pytest, hypothesis and pytest-prairielearn-"
            "grader, and has no network unless the question asks for it: choose --wheels DIR "
            "(the question carries them, installed offline; fill DIR first with: "
            f"{DOWNLOAD.replace('DIR', shlex.quote(str(wheels or 'pl-wheels')))}) or --network "
            "(info.json sets enableNetworking: they come from PyPI at each grading)"
            if wheels is None else "--wheels and --network: choose one")
    extra = _checked(wheels) if wheels is not None else []
    question = folder / name
    tests = question / "tests"
    (tests / "wheels").mkdir(parents=True, exist_ok=True)
    carried = project_wheel(tests / "wheels", wheel)
    for path in extra:
        if path.name != carried.name:
            shutil.copy2(path, tests / "wheels" / path.name)
    info = question / "info.json"
    info.write_text(json.dumps({
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tinygrad_edu/{name}")),
        "title": f"{name}: {', '.join(ex.name for ex in exercises)}",
        "topic": "Backpropagation", "tags": ["tinygrad_edu"], "type": "v3",
        "singleVariant": True, "gradingMethod": "External",
        "externalGradingOptions": {"enabled": True, "image": "prairielearn/grader-python",
                                   "entrypoint": "/grade/tests/run.sh",
                                   "timeout": timeout_for(len(exercises)),
                                   **({"enableNetworking": True} if network else {})}},
        indent=2) + "\n", encoding="utf-8")
    page = question / "question.html"
    statements = "\n".join(
        f"<h3>{html.escape(ex.heading)} ({points_text(points[ex.name])} point"
        f"{'s' * (points[ex.name] != 1)})</h3>\n{statement_html(ex.statement)}\n"
        f"<p>Graded on: {html.escape(ex.domain)}.</p>" for ex in exercises)
    page.write_text(
        f"<pl-question-panel>\n<p>Write your answers in <code>user_code.py</code>; each is "
        f"graded by tinygrad_edu's grader, which shows the simplest input where an answer is "
        f"wrong and names the mistake.</p>\n{statements}\n</pl-question-panel>\n\n"
        '<pl-file-editor file-name="user_code.py" ace-mode="ace/mode/python" '
        'source-file-name="initial_code.py"></pl-file-editor>\n\n'
        "<pl-submission-panel>\n<pl-external-grader-results></pl-external-grader-results>\n"
        "<pl-file-preview></pl-file-preview>\n</pl-submission-panel>\n", encoding="utf-8")
    initial = question / "initial_code.py"
    initial.write_text(starter_file("user_code.py", exercises, grade_with=GRADE_HERE),
                       encoding="utf-8")
    run = tests / "run.sh"
    run.write_text(template("prairielearn-run.sh", {
        "WHEEL": carried.name, "PLUGIN": _plugin_version(),
        "INDEX": '--find-links "$wheels"' if network else '--no-index --find-links "$wheels"',
        "FROM": ("tinygrad_edu from its wheel in tests/wheels, the rest from PyPI\n# (info.json "
                 "sets enableNetworking)" if network else "all of it from the wheels in "
                 "tests/wheels, offline\n# (PrairieLearn's grader has no network by default)"),
        "PARTIAL": ("TINYGRAD_EDU_PARTIAL_CREDIT=1 " if partial else "")
        + (f"{ALLOW_ENV}=1 " if unsandboxed else "")}) + "\n",
        encoding="utf-8")
    run.chmod(0o755)
    installed = tests / "installed.py"  # (run.sh's: is the image's tinygrad_edu the wheel?)
    installed.write_text(template("prairielearn-installed.py.in", {}), encoding="utf-8")
    config = tests / "pytest.ini"  # (run.sh's -c: no pytest configuration of a folder above)
    config.write_text("[pytest]\n# The question's own pytest configuration (run.sh passes it "
                      "with -c): none of a folder\n# above /grade/tests is read.\n",
                      encoding="utf-8")
    test = tests / "test_tinygrad_edu.py"
    worth = "{" + ", ".join(f"{ex.name!r}: {points[ex.name]!r}" for ex in exercises) + "}"
    test.write_text(template("prairielearn-test.py.in", {
        "POINTS": worth, "TESTS": "\n\n".join(
            f"@pytest.mark.grading_data(name={f'{ex.number}. {ex.name}'!r}, "
            f"points={points[ex.name]!r})\ndef test_{ex.name.lower()}(marks, feedback):\n"
            f"    grade(marks, {ex.name!r}, feedback)\n" for ex in exercises)}) + "\n",
        encoding="utf-8")
    return [info, page, initial, run, installed, config, test, carried]


def statement_html(text: str) -> str:
    """An exercise's statement as HTML: each paragraph a ``<p>``, a list's items ``<li>``, an
    indented block (a formula) ``<pre>``, and ````code```` as ``<code>`` (the statements are
    written for a terminal, in reStructuredText's way)."""
    def inline(part: str) -> str:
        return re.sub(r"``(.+?)``", r"<code>\1</code>", html.escape(" ".join(part.split())),
                      flags=re.S)

    blocks = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        lines = paragraph.splitlines()
        if all(line.startswith(" ") for line in lines):
            blocks.append(f"<pre>{html.escape(textwrap.dedent(paragraph))}</pre>")
        elif lines[0].startswith("- "):
            items = re.split(r"\n(?=- )", paragraph)
            blocks.append("<ul>\n" + "\n".join(f"<li>{inline(item[2:])}</li>"
                                                 for item in items) + "\n</ul>")
        else:
            blocks.append(f"<p>{inline(paragraph)}</p>")
    return "\n".join(blocks)


def _checked(wheels: Path) -> list[Path]:
    """The wheels in ``wheels``, once each name in ``NEEDED`` has one and each compiled one
    is for the image's Python on x86_64 Linux; else an ``AssignmentError`` saying what to
    fetch."""
    found = sorted(wheels.glob("*.whl"))
    names = {path.name.split("-")[0].lower().replace("_", "-") for path in found}
    missing = [name for name in NEEDED if name not in names]
    wrong = [path.name for path in found if not _fits(path.name)]
    if missing or wrong:
        raise AssignmentError(
            f"--wheels {wheels}: " + (f"no wheel of {', '.join(missing)}" if missing else "")
            + ("; " if missing and wrong else "") + (
                f"not for the grader's Python {IMAGE_PYTHON} on x86_64 Linux: "
                f"{', '.join(wrong[:3])}" if wrong else "")
            + f". Fill it with: {DOWNLOAD.replace('DIR', shlex.quote(str(wheels)))}")
    return found


def _fits(wheel: str) -> bool:
    """Whether a wheel (by its file's name) installs on the image: pure Python, or built for
    its Python (or the stable ABI) on x86_64 Linux."""
    _, abi, platform = wheel[:-len(".whl")].split("-")[-3:]
    cp = "cp" + IMAGE_PYTHON.replace(".", "")
    return platform == "any" or ("linux" in platform and "x86_64" in platform
                                 and abi in ("none", "abi3", cp))


def _plugin_version() -> str:
    """pytest-prairielearn-grader's version: the one installed here, else ``PLUGIN_VERSION``."""
    try:
        return metadata.version("pytest-prairielearn-grader")
    except metadata.PackageNotFoundError:
        return PLUGIN_VERSION
