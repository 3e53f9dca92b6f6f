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
                      folder: Path, name: str, wheel: Path | None = None) -> list[Path]:
    """Write the template repository in ``folder`` (see the module's docstring); return the
    paths of the files written."""
    for ex in exercises:
        if points[ex.name] != int(points[ex.name]):
            raise AssignmentError(f"--points {ex.name}={points_text(points[ex.name])}: GitHub "
                                  "Classroom counts whole points; give a whole number")
    file = f"{name}.py"
    folder.mkdir(parents=True, exist_ok=True)
    carried = project_wheel(folder / WHEELS, wheel)
    wheel_path = carried.relative_to(folder).as_posix()
    steps = "\n".join(template("classroom-step.yml", {
        "TEST": f"{ex.number}. {ex.name}", "ID": step_id(ex), "FILE": file, "NAME": ex.name,
        "POINTS": str(int(points[ex.name]))}).rstrip("\n") for ex in exercises)
    results = "\n".join(f"          {step_id(ex).upper()}_RESULTS: "
                        f'"${{{{steps.{step_id(ex)}.outputs.result}}}}"' for ex in exercises)
    workflow = folder / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(template("classroom.yml", {
        "FILE": file, "WHEEL": wheel_path, "STEPS": steps, "RESULTS": results,
        "RUNNERS": ",".join(step_id(ex) for ex in exercises)}), encoding="utf-8")
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


def step_id(ex: ExerciseSpec) -> str:
    """The workflow step's id for an exercise (the reporter reads ID_RESULTS)."""
    return ex.name.lower()
