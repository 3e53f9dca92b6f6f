"""``python -m tinygrad_edu exercises assignment NAME... --for ROUTE -o DIR``: an assignment
to hand out, for nbgrader (``for_nbgrader.py``), Gradescope (``for_gradescope.py``), GitHub
Classroom (``for_github.py``), Otter-Grader (``for_otter.py``) or PrairieLearn
(``for_prairielearn.py``), and what to do next."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from tinygrad_edu.exercises.classroom.assignment import AssignmentError, check_name
from tinygrad_edu.exercises.classroom.for_github import github_assignment
from tinygrad_edu.exercises.classroom.for_gradescope import gradescope_assignment
from tinygrad_edu.exercises.classroom.for_nbgrader import nbgrader_assignment
from tinygrad_edu.exercises.classroom.for_otter import otter_assignment
from tinygrad_edu.exercises.classroom.for_prairielearn import prairielearn_assignment
from tinygrad_edu.exercises.classroom.results import points_for
from tinygrad_edu.exercises.exercise import ExerciseSpec

__all__ = ["make_assignment"]

MADE = {
    "nbgrader": lambda folder, name: [folder / "source" / name / f"{name}.ipynb"],
    "gradescope": lambda folder, name: [folder / "autograder.zip", folder / f"{name}.py"],
    "github": lambda folder, name: [folder / f"{name}.py", folder / "README.md",
                                    folder / ".github" / "workflows" / "classroom.yml"],
    "otter": lambda folder, name: [folder / f"{name}.ipynb"],
    "prairielearn": lambda folder, name: [folder / name / "question.html",
                                          folder / name / "tests" / "test_tinygrad_edu.py"],
}
"""The files each route writes that may hold a teacher's work: never overwritten silently."""

NEXT = {
    "nbgrader": "next, in {folder}: nbgrader generate_assignment {name}, and the students' "
                "notebook is in release/{name}/ (nbgrader autograde {name} grades their "
                "work, generate_feedback shows each one the verdicts)",
    "gradescope": "next: upload {folder}/autograder.zip as the assignment's autograder "
                  "(Configure Autograder, zip file), and hand out {folder}/{name}.py",
    "github": "next: push {folder} to a new repository, mark it as a template, and choose "
              "it as the starter code of a GitHub Classroom assignment (the workflow in "
              ".github/workflows/classroom.yml grades each push)",
    "otter": "next, in {folder}: otter assign {name}.ipynb dist, which writes the students' "
             "notebook (dist/student/{name}.ipynb) and the autograder (dist/autograder/"
             "{name}-autograder_*.zip: upload it to Gradescope, or grade a submission with "
             "otter run -a ZIP SUBMISSION.ipynb)",
    "prairielearn": "next: copy {folder}/{name} into your course's questions/ folder; "
                    "PrairieLearn's external grader runs its tests/run.sh on each submission "
                    "(what run.sh prints is in the grading job's log, for the course staff)",
}


def make_assignment(chosen: Sequence[ExerciseSpec], route: str, folder: Path, name: str,
                    points: Sequence[str], wheel: Path | None = None,
                    wheels: Path | None = None, force: bool = False,
                    partial: bool = False, unsandboxed: bool = False,
                    network: bool = False) -> int:
    """Make the assignment of ``chosen`` for ``route`` in ``folder``; print the files written
    and what to do next. ``unsandboxed``: its grader grades even where the machine lacks a
    protection the route needs (``boundary.py``), saying so in every result. Exits with 1
    (a message on stderr) if it cannot be made, or if it would overwrite a file of an
    earlier one (unless ``force``)."""
    exercises = sorted(dict.fromkeys(chosen), key=lambda ex: ex.number)
    try:
        check_name(name)
        there = [path for path in MADE[route](folder, name) if path.exists()]
        if there and not force:
            raise AssignmentError(f"{there[0]} exists already (an assignment made before, "
                                  "maybe edited since); pass --force to overwrite it, or give "
                                  "another --name or -o")
        worth = points_for(exercises, points)
        if wheels is not None and route not in ("gradescope", "prairielearn"):
            raise AssignmentError("--wheels goes with --for gradescope or --for prairielearn "
                                  "(their graders' images install them offline)")
        if network and route != "prairielearn":
            raise AssignmentError("--network goes with --for prairielearn (info.json's "
                                  "enableNetworking)")
        if route == "nbgrader":
            written = nbgrader_assignment(exercises, worth, folder, name, partial,
                                          unsandboxed)
        elif route == "gradescope":
            written = gradescope_assignment(exercises, worth, folder, name, wheel, wheels,
                                            partial, unsandboxed)
        elif route == "github":
            written = github_assignment(exercises, worth, folder, name, wheel, partial,
                                        unsandboxed)
        elif route == "otter":
            written = otter_assignment(exercises, worth, folder, name, partial, wheel,
                                       unsandboxed)
        else:
            written = prairielearn_assignment(exercises, worth, folder, name, wheel, partial,
                                              unsandboxed, wheels, network)
    except (AssignmentError, ValueError, OSError) as error:
        print(f"assignment: {error}", file=sys.stderr)
        return 1
    total = sum(worth.values())
    print(f"{route} assignment {name}: {len(exercises)} exercises "
          f"({', '.join(ex.name for ex in exercises)}), {total:g} points"
          + (", with partial credit" if partial else "")
          + (", graded even without the protections it needs (--allow-unsandboxed)"
             if unsandboxed else ""))
    for path in written:
        print(f"  wrote {path}")
    print(NEXT[route].format(folder=folder, name=name))
    return 0
