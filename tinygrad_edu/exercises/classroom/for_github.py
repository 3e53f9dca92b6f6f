"""An assignment for GitHub Classroom: ``DIR/`` as a template repository.

It holds the starter file ``NAME.py``, the wheel of tinygrad_edu (``.github/grader/``), a
``README.md`` for the students, and ``.github/workflows/classroom.yml``: a step of
``classroom-resources/autograding-command-grader@v1`` per exercise, whose command, ``python
-m tinygrad_edu exercises check NAME.py EXERCISE``, exits with 0 exactly when that exercise
passes (its log is the verdict, with the diagnosis of a mistake), worth the exercise's
points; then ``classroom-resources/autograding-grading-reporter@v1`` with every step's result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from tinygrad_edu.exercises.classroom.assignment import AssignmentError, points_text, template
from tinygrad_edu.exercises.classroom.wheel import project_wheel
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import starter_file

__all__ = ["github_assignment"]

WHEELS = ".github/grader"
"""Where the template repository keeps the wheel of tinygrad_edu."""


def github_assignment(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                      folder: Path, name: str, wheel: Path | None = None,
                      partial: bool = False, unsandboxed: bool = False) -> list[Path]:
    """Write the template repository in ``folder`` (see the module's docstring); return the
    paths of the files written. With ``partial``, an exercise of several graded parts has a
    step per part (``check FILE NAME --part K``), its points shared between them."""
    for ex in exercises:
        if points[ex.name] != int(points[ex.name]):
            raise AssignmentError(f"--points {ex.name}={points_text(points[ex.name])}: GitHub "
                                  "Classroom counts whole points; give a whole number")
    file = f"{name}.py"
    folder.mkdir(parents=True, exist_ok=True)
    carried = project_wheel(folder / WHEELS, wheel)
    wheel_path = carried.relative_to(folder).as_posix()
    graders = [grader for ex in exercises for grader in _steps(ex, int(points[ex.name]),
                                                               partial)]
    steps = "\n".join(template("classroom-step.yml", {
        "TEST": test, "ID": id_, "FILE": file,
        "NAME": command + (" --allow-unsandboxed" if unsandboxed else ""),
        "POINTS": str(worth)}).rstrip("\n") for test, id_, command, worth in graders)
    results = "\n".join(f"          {id_.upper()}_RESULTS: "
                        f'"${{{{steps.{id_}.outputs.result}}}}"' for _, id_, _, _ in graders)
    workflow = folder / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(template("classroom.yml", {
        "FILE": file, "WHEEL": wheel_path, "STEPS": steps, "RESULTS": results,
        "RUNNERS": ",".join(id_ for _, id_, _, _ in graders)}), encoding="utf-8")
    table = "\n".join(f"| {ex.number} | `{ex.signature}` | {ex.title} | "
                      f"{points_text(points[ex.name])} |" for ex in exercises)
    count = f"{len(exercises)} exercise{'s' * (len(exercises) != 1)}"
    readme = folder / "README.md"
    readme.write_text(template("README-github.md", {
        "TITLE": name, "COUNT": count, "FILE": file, "WHEEL": wheel_path,
        "FIRST": exercises[0].name, "TABLE": table}), encoding="utf-8")
    starter = folder / file
    starter.write_text(starter_file(file, exercises), encoding="utf-8")
    return [starter, readme, workflow, carried]


def _steps(ex: ExerciseSpec, points: int, partial: bool) -> list[tuple[str, str, str, int]]:
    """The workflow's steps for an exercise, as (test name, id, what check grades, points):
    one, or with ``partial`` one per graded part (its points shared evenly between them)."""
    parts = ex.graded_parts
    if not partial or len(parts) < 2:
        return [(f"{ex.number}. {ex.name}", step_id(ex), ex.name, points)]
    if points % len(parts):
        raise AssignmentError(f"--points {ex.name}={points}: with --partial, GitHub Classroom "
                              f"gives each of its {len(parts)} graded parts a step of whole "
                              f"points; give a multiple of {len(parts)}")
    return [(f"{ex.number}. {ex.name}, {part}".replace('"', "'"), f"{step_id(ex)}-{k}",
             f"{ex.name} --part {k}", points // len(parts))
            for k, part in enumerate(parts, 1)]


def step_id(ex: ExerciseSpec) -> str:
    """The workflow step's id for an exercise (the reporter reads ID_RESULTS)."""
    return ex.name.lower()
