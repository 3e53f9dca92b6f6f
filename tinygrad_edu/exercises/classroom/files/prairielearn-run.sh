#!/usr/bin/env bash
# PrairieLearn's external grader runs this (the question's entrypoint) as root in the grader's
# image, prairielearn/grader-python, with the question's tests/ in /grade/tests and the
# student's files in /grade/student; it writes /grade/results/results.json. It grades the
# student's user_code.py with tinygrad_edu's grader, outside the student's process (its code
# runs in processes of its own, as the user nobody, behind the operating system's boundary),
# through the pytest plugin pytest-prairielearn-grader: a test per exercise, worth its
# points, whose message is the verdict with the diagnosis of the mistake.
# First it installs what the image lacks: @@FROM@@
# with uv (the image's Python is a `uv venv`, which has no pip), else pip, else the pip
# Python carries (ensurepip). What it prints is the grading job's log, for the course staff;
# the student reads results.json alone. $PL_GRADE_ROOT, when set, stands for /grade;
# $PYTHON for python3.
# Made by: python -m tinygrad_edu exercises assignment ... --for prairielearn
set -uo pipefail
root="${PL_GRADE_ROOT:-/grade}"
python=${PYTHON:-python3}
results="$root/results/results.json"
wheels="$root/tests/wheels"
mkdir -p "$root/results"
could_not_run() {  # results.json that spends none of the student's attempts
  printf '{"gradable": false, "message": "The autograder could not run, so this submission does not count: tell your course staff (the grading job'"'"'s log says why: %s)."}\n' \
    "$1" > "$results"
  echo "tinygrad_edu: not graded: $1" >&2
  exit 0
}
command -v "$python" >/dev/null || could_not_run "no $python in this image"
# The image's own tinygrad_edu grades only if it is this question's wheel, file for file
# (installed.py): an image built with an older one would grade with that older grader
found=$("$python" -I "$root/tests/installed.py" "$wheels/@@WHEEL@@" 2>/dev/null) || found=
case "$found" in
  wheel) echo "tinygrad_edu: grading with the image's tinygrad_edu, installed from this" \
              "question's wheel, @@WHEEL@@" ;;
  checkout\ *) echo "tinygrad_edu: grading with ${found#checkout }, a source folder this" \
                   "Python imports, not this question's wheel (@@WHEEL@@)" ;;
  *)
  [ -z "$found" ] || echo "tinygrad_edu: the image's tinygrad_edu (${found#other }) is not" \
                          "this question's wheel: installing the wheel in its place"
  need=("tinygrad-edu[testing] @ file://$wheels/@@WHEEL@@" "pytest-prairielearn-grader==@@PLUGIN@@"
        # (pytest-prairielearn-grader imports these without saying so)
        networkx pandas plot-serializer)
  index=(@@INDEX@@)
  echo "tinygrad_edu: installing ${need[*]} (${index[*]})"
  { command -v uv >/dev/null &&
      uv pip install --no-cache --python "$(command -v "$python")" --reinstall-package \
        tinygrad-edu "${index[@]}" "${need[@]}"; } ||
    { { "$python" -m pip --version >/dev/null 2>&1 || "$python" -m ensurepip --default-pip; } &&
      "$python" -m pip install --disable-pip-version-check --no-cache-dir "${index[@]}" \
        "${need[@]}" &&  # (then the wheel again: pip keeps an install of the same version)
      "$python" -m pip install --disable-pip-version-check --no-cache-dir --no-deps \
        --force-reinstall "$wheels/@@WHEEL@@"; } ||
    could_not_run "installing what grading needs failed"
  # The grader's files (the references among them), installed here: root's only. The
  # students' code runs as the user nobody, who can read none of them, even where the
  # kernel lacks Landlock (an image with tinygrad_edu built in: do the same when building it)
  package=$("$python" -I -c 'import os, tinygrad_edu; print(os.path.dirname(tinygrad_edu.__file__))') ||
    could_not_run "tinygrad_edu does not import after its install"
  case "$package" in
    */site-packages/tinygrad_edu|*/dist-packages/tinygrad_edu) chmod -R go-rwx "$package" ;;
    *) # (a source checkout this Python imports in place of the wheel: an editable install.
       # Closed, it would be closed to its owner's other users too: left as it is)
       echo "tinygrad_edu: $package is not an installed package (a checkout, installed" \
            "editable?): not closed to other users; the boundary decides without it" ;;
  esac
  found=$("$python" -I "$root/tests/installed.py" "$wheels/@@WHEEL@@" 2>/dev/null) || found=
  case "$found" in
    wheel) echo "tinygrad_edu: grading with this question's wheel, @@WHEEL@@, installed" ;;
    checkout\ *) ;;  # (said above)
    *) could_not_run "after the install, tinygrad_edu is not this question's wheel (${found:-it does not import})" ;;
  esac ;;
esac
# The question's own files, its wheels (a copy of the package, the references in it): root's
# only too, whether the package was installed here or built into the image (without
# Landlock a submission that opened the wheel ran the model answers out of it). Where a copy
# stays readable to nobody, the grader finds it and grades nothing (boundary.py)
chmod -R go-rwx "$root/tests" ||
  echo "tinygrad_edu: $root/tests could not be closed to other users" >&2
cd "$root/tests" || could_not_run "no $root/tests"
rm -f autograder_results.json not_graded.json how_graded.json
# (pytest.ini: the question's own configuration, so that none of a folder above is read,
# nor PYTEST_ADDOPTS or PYTEST_PLUGINS)
TINYGRAD_EDU_STUDENT="$root/student/user_code.py" @@PARTIAL@@env -u PYTEST_ADDOPTS \
    -u PYTEST_PLUGINS "$python" -I -m pytest -q -c "$root/tests/pytest.ini" \
    -p no:cacheprovider --rootdir "$root/tests" test_tinygrad_edu.py
"$python" -I -m tinygrad_edu.exercises.classroom.for_prairielearn_grading "$root/tests" \
    "$results" || could_not_run "finishing results.json failed"
