"""An assignment for PrairieLearn: ``DIR/NAME/``, a question folder with external grading.

The folder holds ``info.json`` (``"gradingMethod": "External"``, the Python grader's image,
``tests/run.sh`` its entrypoint), ``question.html`` (the statements, and a
``pl-file-editor`` for ``user_code.py``, which starts as ``initial_code.py``, the starters),
and ``tests/``: ``run.sh``, which installs the wheels the question carries (tinygrad_edu's,
and any given with ``--wheels``) where the image lacks them, then runs
``test_tinygrad_edu.py`` with pytest-prairielearn-grader and copies its results to
``/grade/results/results.json``; the tests grade ``/grade/student/user_code.py`` with
tinygrad_edu's grader, outside the student's process, a test per exercise worth its points,
whose message is the verdict with its diagnosis (``gradable``, ``score`` in [0, 1], per test
``name``, ``points``, ``max_points``, ``message``).
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

from tinygrad_edu.exercises.boundary import ALLOW_ENV
from tinygrad_edu.exercises.classroom.assignment import points_text, template
from tinygrad_edu.exercises.classroom.wheel import project_wheel
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import starter_file

__all__ = ["prairielearn_assignment"]

PLUGIN_VERSION = "0.3.1"
"""The version of pytest-prairielearn-grader the question's tests are written for."""


def prairielearn_assignment(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                            folder: Path, name: str, wheel: Path | None = None,
                            partial: bool = False, unsandboxed: bool = False) -> list[Path]:
    """Write the question folder ``folder/NAME`` (see the module's docstring); return the
    paths of the files written."""
    question = folder / name
    tests = question / "tests"
    (tests / "wheels").mkdir(parents=True, exist_ok=True)
    carried = project_wheel(tests / "wheels", wheel)
    info = question / "info.json"
    info.write_text(json.dumps({
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tinygrad_edu/{name}")),
        "title": f"{name}: {', '.join(ex.name for ex in exercises)}",
        "topic": "Backpropagation", "tags": ["tinygrad_edu"], "type": "v3",
        "singleVariant": True, "gradingMethod": "External",
        "externalGradingOptions": {"enabled": True, "image": "prairielearn/grader-python",
                                   "entrypoint": "/grade/tests/run.sh", "timeout": 300}},
        indent=2) + "\n", encoding="utf-8")
    page = question / "question.html"
    statements = "\n".join(
        f"<h3>{ex.number}. {html.escape(ex.title)} ({points_text(points[ex.name])} point"
        f"{'s' * (points[ex.name] != 1)})</h3>\n<pre>{html.escape(ex.statement.strip())}"
        f"</pre>\n<p>Graded on: {html.escape(ex.domain)}.</p>" for ex in exercises)
    page.write_text(
        f"<pl-question-panel>\n<p>Write your answers in <code>user_code.py</code>; each is "
        f"graded by tinygrad_edu's grader, which shows the simplest input where an answer is "
        f"wrong and names the mistake.</p>\n{statements}\n</pl-question-panel>\n\n"
        '<pl-file-editor file-name="user_code.py" ace-mode="ace/mode/python" '
        'source-file-name="initial_code.py"></pl-file-editor>\n\n'
        "<pl-submission-panel>\n<pl-external-grader-results></pl-external-grader-results>\n"
        "<pl-file-preview></pl-file-preview>\n</pl-submission-panel>\n", encoding="utf-8")
    initial = question / "initial_code.py"
    initial.write_text(starter_file("user_code.py", exercises), encoding="utf-8")
    run = tests / "run.sh"
    run.write_text(template("prairielearn-run.sh", {
        "WHEEL": carried.name, "PLUGIN": _plugin_version(),
        "PARTIAL": ("TINYGRAD_EDU_PARTIAL_CREDIT=1 " if partial else "")
        + (f"{ALLOW_ENV}=1 " if unsandboxed else "")}) + "\n",
        encoding="utf-8")
    run.chmod(0o755)
    test = tests / "test_tinygrad_edu.py"
    worth = "{" + ", ".join(f"{ex.name!r}: {points[ex.name]!r}" for ex in exercises) + "}"
    test.write_text(template("prairielearn-test.py.in", {
        "POINTS": worth, "TESTS": "\n\n".join(
            f"@pytest.mark.grading_data(name={f'{ex.number}. {ex.name}'!r}, "
            f"points={points[ex.name]!r})\ndef test_{ex.name.lower()}(marks, feedback):\n"
            f"    grade(marks, {ex.name!r}, feedback)\n" for ex in exercises)}) + "\n",
        encoding="utf-8")
    return [info, page, initial, run, test, carried]


def _plugin_version() -> str:
    """pytest-prairielearn-grader's version: the one installed here, else ``PLUGIN_VERSION``."""
    try:
        return metadata.version("pytest-prairielearn-grader")
    except metadata.PackageNotFoundError:
        return PLUGIN_VERSION
