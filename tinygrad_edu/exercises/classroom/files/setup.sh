#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image from this zip
# (unpacked in /autograder/source). It installs, with pip, for python3 (or $PYTHON):
#   - tinygrad_edu, from the wheel in this zip (@@WHEEL@@): the grader, the exercises and
#     the engine, the very version the assignment was made with;
#   - what grading needs: hypothesis (it draws the inputs the grader tries), NumPy, tqdm and
#     graphviz (the Python package only: grading draws nothing).
# From the wheels in wheels/ when the zip carries them (then nothing is downloaded: make the
# assignment with --wheels DIR), else from PyPI. If python3 or its pip is missing (Python
# 3.10 or newer is needed), apt-get installs them first, and libseccomp2 where the image
# lacks it (the grader builds the filter of each learner's process with it).
# Made by: python -m tinygrad_edu exercises assignment ... --for gradescope
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "installing python3 and pip with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-pip
fi
if ! "$python" -c 'import ctypes; ctypes.CDLL("libseccomp.so.2")' 2>/dev/null; then
  # (the grader builds each learner's process's seccomp filter with it: learner/sandbox.py)
  echo "installing libseccomp2 with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libseccomp2
fi
# (an image of its own: pip may install beside the system's packages)
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
wheel=./@@WHEEL@@
echo "installing tinygrad_edu from $wheel"
"$python" -m pip install --no-deps --ignore-installed "$wheel"
echo "installing what grading needs: hypothesis, NumPy, tqdm, graphviz"
if ls wheels/*.whl >/dev/null 2>&1 &&
   "$python" -m pip install --no-index --find-links wheels "$wheel[testing]"; then
  echo "(all of it from the wheels in this zip)"
elif [ -d wheels ]; then  # (the zip's wheels first, what they lack from PyPI)
  "$python" -m pip install --find-links wheels "$wheel[testing]"
else  # (no wheels/: pip would warn that it ignores the location, once per package)
  "$python" -m pip install "$wheel[testing]"
fi
"$python" -I -m tinygrad_edu exercises show 1 >/dev/null  # the grader imports: grading can run
# The grader's files (the references among them) and this folder: root's only. Gradescope
# runs the autograder as root; the grader runs each submission's code in a process of its
# own, which reads what it needs as root and then goes on as the user nobody, who can read
# none of them.
package=$("$python" -c 'import os, tinygrad_edu; print(os.path.dirname(tinygrad_edu.__file__))')
chmod -R go-rwx "$package" "$PWD"
echo "ready to grade: $("$python" --version), tinygrad_edu $("$python" -c \
  'import importlib.metadata as m; print(m.version("tinygrad-edu"))')"
