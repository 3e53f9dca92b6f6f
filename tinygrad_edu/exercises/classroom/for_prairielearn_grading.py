"""PrairieLearn's results.json, finished from what the question's tests wrote (``tests/run.sh``
runs ``python -I -m tinygrad_edu.exercises.classroom.for_prairielearn_grading TESTS RESULTS``
after pytest-prairielearn-grader).

PrairieLearn's conventions: a submission that could not be graded through no answer's fault
(not valid Python, no ``user_code.py``, a grader that could not run, a machine without a
protection the route needs) is ``"gradable": false``, which spends none of the student's
attempts, with a message saying what to do; every other submission is graded, and a file
that runs but imports what it may not, raises or does not finish earns 0 as its verdict
says. The file stays under PrairieLearn's limit of 1 MB. What pytest printed stays in the
grading job's log, for the course staff, never in the student's feedback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.classroom.written import write_whole

__all__ = ["HOW", "NOT_COUNTED", "finish"]

PLUGIN_RESULTS = "autograder_results.json"
"""What pytest-prairielearn-grader writes in the tests' folder."""
NOT_GRADED = "not_graded.json"
"""What the question's tests write beside it when the file could not be graded: the
``Problem``'s ``kind`` and ``message``."""

HOW = "how_graded.json"
"""What the question's tests write beside it of how the file was graded: ``student``, what
the student's feedback says (the seed), and ``staff``, what the job's log says (the
protections found, the command that grades it again)."""

NOT_COUNTED = {
    "syntax": "Your code is not valid Python, so nothing was graded and this submission "
              "does not count: fix the line named here and submit again.",
    "unreadable": "Your user_code.py could not be read, so this submission does not count: "
                  "save it again and submit.",
    "not a file": "Your user_code.py is not a regular file, so this submission does not "
                  "count: submit it again from the editor.",
    "none": "There was no user_code.py to grade, so this submission does not count: write "
            "your answers in user_code.py and submit.",
    "killed": "The grader stopped before it could grade your code, so this submission does "
              "not count: submit again, and if it happens again tell your course staff.",
    "unprotected": "The grader refused to grade on this machine, so this submission does not "
                   "count: tell your course staff (the reason is below).",
}
"""The kinds of ``results.PROBLEMS`` that spend no attempt (``"gradable": false``), each with
what it tells the student; every other kind is graded, and earns 0."""

LIMIT = 1_000_000
"""PrairieLearn's limit on results.json, in bytes."""
MESSAGE_LIMIT = 20_000
"""A test's message is cut to this many characters where the whole would pass ``LIMIT``."""

COULD_NOT_RUN = ("The autograder could not run, so this submission does not count: tell "
                 "your course staff (the grading job's log says why).")


def finish(tests: Path, output: Path) -> dict[str, Any]:
    """Write ``output`` (PrairieLearn's results.json) from what the tests wrote in ``tests``;
    return it."""
    results = _finished(tests)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if len(text.encode("utf-8")) > LIMIT:
        for test in results.get("tests", []):
            message = test.get("message", "")
            if len(message) > MESSAGE_LIMIT:
                test["message"] = message[:MESSAGE_LIMIT] + "\n… (cut: the feedback was longer " \
                                                            "than PrairieLearn takes)"
        text = json.dumps(results, indent=2, ensure_ascii=False)
    if len(text.encode("utf-8")) > LIMIT:
        results = {"gradable": False, "message": COULD_NOT_RUN}
        text = json.dumps(results)
    write_whole(output, text + "\n")
    return results


def _finished(tests: Path) -> dict[str, Any]:
    problem = _read(tests / NOT_GRADED)
    if isinstance(problem, dict) and problem.get("kind") in NOT_COUNTED:
        said = f"{NOT_COUNTED[problem['kind']]}\n{problem.get('message', '')}".strip()
        results: dict[str, Any] = {"gradable": False, "message": said}
        if problem["kind"] == "syntax":
            results["format_errors"] = [str(problem.get("message", ""))]
        print(f"tinygrad_edu: not gradable (\"gradable\": false, no attempt spent; the "
              f"table's grade above does not count): {said}")  # (the job's log)
        return results
    results = _read(tests / PLUGIN_RESULTS)
    if not isinstance(results, dict) or not results.get("gradable") or \
            not isinstance(results.get("tests"), list) or not results["tests"]:
        print(f"tinygrad_edu: {tests / PLUGIN_RESULTS} is missing, not gradable or has no "
              "tests: the question's tests did not run (pytest's output above says why)")
        return {"gradable": False, "message": COULD_NOT_RUN}
    how = _read(tests / HOW)
    if isinstance(how, dict):
        if how.get("staff"):
            print(f"tinygrad_edu's grading of user_code.py: {how['staff']}")  # (the job's log)
        if how.get("student"):
            results["message"] = str(how["student"])
    return results


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    finish(Path(sys.argv[1]), Path(sys.argv[2]))
