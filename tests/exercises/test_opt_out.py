"""Where a teacher's route refuses to grade (a protection missing), its one line says how to
grade anyway in that route's own place: a flag of a command, nbgrader's configuration,
Otter's plugin configuration, PrairieLearn's run.sh (before: "add --allow-unsandboxed" on
every route, a flag no Otter or nbgrader teacher passes anywhere). What it names is what the
assignment made with --allow-unsandboxed writes."""

import pytest

from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.boundary import ALLOW, ALLOW_ENV, ROUTES, decide
from tinygrad_edu.exercises.classroom.assignment import template
from tinygrad_edu.exercises.classroom.for_otter import master_notebook

MISSING = {"Landlock": "the kernel has no Landlock", "seccomp": "no seccomp filter"}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_routes_refusal_names_its_own_way_to_grade_anyway(route):
    refused = decide(route, missing=MISSING).refused
    assert refused.startswith(f"not grading: {ROUTES[route].how} needs ")
    assert f"to grade anyway, with what there is, {ROUTES[route].opt_out} (every result " \
        "then says so)" in refused
    assert ALLOW in refused  # (the command that writes it, or the flag itself)
    assert decide(route, allow_unsandboxed=True, missing=MISSING).refused == ""


def test_what_nbgrader_and_otter_are_told_to_set_is_what_the_assignment_writes():
    config = template("nbgrader_config.py.in", {"NAME": "ps1", "PARTIAL": "False",
                                                "UNSANDBOXED": "True"})
    assert "c.GradeOutside.allow_unsandboxed = True" in ROUTES["nbgrader"].opt_out
    assert "c.GradeOutside.allow_unsandboxed = True" in config
    notebook = master_notebook([EXERCISES["d_mul"]], {"d_mul": 1.0}, "week1", False, "w.whl",
                               unsandboxed=True)
    assert "allow_unsandboxed: true" in ROUTES["otter"].opt_out
    assert "allow_unsandboxed: true" in "".join(notebook["cells"][0]["source"])
    assert f"{ALLOW_ENV}=1" in ROUTES["prairielearn"].opt_out
