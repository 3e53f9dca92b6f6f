#!/usr/bin/env bash
# PrairieLearn's external grader runs this (the question's entrypoint) as root in the grader's
# image, with the question's tests/ in /grade/tests and the student's files in
# /grade/student; it writes /grade/results/results.json. It grades the student's
# user_code.py with tinygrad_edu's grader, outside the student's process (its code runs in
# processes of its own, as the user nobody, behind the operating system's boundary), through
# the pytest plugin pytest-prairielearn-grader: a test per exercise, worth its points, whose
# message is the verdict with the diagnosis of the mistake. $PL_GRADE_ROOT, when set, stands
# for /grade; $PYTHON for python3.
# Made by: python -m tinygrad_edu exercises assignment ... --for prairielearn
set -uo pipefail
root="${PL_GRADE_ROOT:-/grade}"
python=${PYTHON:-python3}
mkdir -p "$root/results"
if ! "$python" -I -c 'import tinygrad_edu.exercises, pytest_prairielearn_grader' 2>/dev/null; then
  # (the grader's image has no network: the wheels this question carries, else PyPI)
  "$python" -m pip install --quiet --no-index --find-links "$root/tests/wheels" \
      "$root/tests/wheels/@@WHEEL@@[testing]" "pytest-prairielearn-grader==@@PLUGIN@@" \
      plot-serializer 2>/dev/null ||
    "$python" -m pip install --quiet --find-links "$root/tests/wheels" \
      "$root/tests/wheels/@@WHEEL@@[testing]" "pytest-prairielearn-grader==@@PLUGIN@@" \
      plot-serializer  # (which pytest-prairielearn-grader 0.3.1 imports without saying so)
  # The grader's files (the references among them), installed here: root's only. The
  # students' code runs as the user nobody, who can read none of them, even where the
  # kernel lacks Landlock (an image with tinygrad_edu built in: do the same when building it)
  package=$("$python" -I -c 'import os, tinygrad_edu; print(os.path.dirname(tinygrad_edu.__file__))')
  chmod -R go-rwx "$package"
fi
cd "$root/tests" || exit 1
rm -f autograder_results.json
TINYGRAD_EDU_STUDENT="$root/student/user_code.py" @@PARTIAL@@"$python" -I -m pytest -q \
    -p no:cacheprovider --rootdir "$root/tests" test_tinygrad_edu.py >/dev/null 2>&1
if [ -s autograder_results.json ]; then
  cp autograder_results.json "$root/results/results.json"
else  # the grader itself could not run: say so to the student
  printf '{"gradable": false, "message": "The autograder could not run: tell your course staff."}\n' \
    > "$root/results/results.json"
fi
