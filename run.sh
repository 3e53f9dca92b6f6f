#!/usr/bin/env bash
# One entry point that sets everything up on a fresh Debian/Ubuntu machine (Python >= 3.10).
#
#   ./run.sh demo     train a small network on moons; pictures and a page land in ./demo_output/
#   ./run.sh test     the whole test suite: unit and property tests, notebooks, PyTorch parity;
#                     then the suite again under every other Python it finds (see below)
#   ./run.sh test --long  the same, and the long tier too (see below)
#   ./run.sh test ARGS    pytest ARGS, with the main Python only (--long among them: with
#                     the long tier)
#   ./run.sh bench    the benchmarks against micrograd and PyTorch
#   ./run.sh docs     the documentation site, built into ./site/ (open site/index.html);
#                     ARGS go to mkdocs build (the build is --strict: a warning fails it);
#                     --serve then serves it on 127.0.0.1 and prints the address: the pages
#                     that run Python in the browser (playground, exercises) need a server
#   ./run.sh notebooks    JupyterLab on ./notebooks/, with everything the notebooks and the
#                     guides' notebook steps use (ipywidgets for step_slider, matplotlib,
#                     a Graphviz renderer, hypothesis); ARGS go to jupyter lab
#   ./run.sh pythons  the other Pythons the test job uses, and the promised ones not found
#
# It creates ./.venv on first use and installs only what the chosen job needs. System
# packages (Graphviz's `dot`, Debian's Fashion-MNIST, Chromium for the browser tests) are
# installed with apt-get when the test job needs them and we are root or have password-less
# sudo; otherwise it says how.
# Set TINYGRAD_EDU_NO_TORCH=1 to skip installing PyTorch (its parity tests then skip).
#
# Other Pythons: the package promises Python 3.10 or newer, so `./run.sh test` also runs the
# tests (not the notebooks, nor the tests marked slow: subprocesses, trainings, many random
# programs; without PyTorch, the browser and matplotlib, whose tests then skip) under every
# Python from 3.10 up to the newest this machine has, besides .venv's: pyenv's
# (~/.pyenv/versions/3.X.Y, the newest patch of each) or python3.X on the PATH. Each gets its
# own .venv-3.X. A version it cannot find (or set up) is named at the end, and does not fail
# the job; a failing test under any Python does. There each property test tries 10 examples
# (100 under .venv's Python). TINYGRAD_EDU_NO_OTHER_PYTHONS=1 skips them;
# TINYGRAD_EDU_OTHER_PYTHONS="3.10 3.13" tests only those (CI: the oldest promised, 3.10);
# TINYGRAD_EDU_ONLY_OTHER_PYTHONS=1 tests them alone (.ci/run: beside the main set-up).
#
# Two tiers. `./run.sh test`, which CI runs, is the whole suite but the long tier: the tests
# marked `long` (the long sweeps and the many-seed runs) are collected and reported as
# skipped. `./run.sh test --long` runs them too, under the main Python (their time on 2
# cores: docs/development.md); each has a short sibling in the main tier that runs the same
# code. The tests marked `slow` are in the main tier (CI runs them), under the main Python
# only.
set -euo pipefail
cd "$(dirname "$0")"

job="${1:-}"
[ $# -gt 0 ] && shift
case "$job" in
  demo|test|bench|docs|notebooks|pythons) ;;
  *) echo "usage: ./run.sh demo|test|bench|docs|notebooks|pythons [args...]" >&2; exit 2 ;;
esac

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

apt_updated=""
apt_install() {  # apt_install PACKAGE... ; returns 1 if we may not install system packages
  command -v apt-get >/dev/null || return 1
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_python() {  # the system's python3 first, where it can make a virtual environment
                 # (Debian's and Ubuntu's is built with profile-guided optimization, its
                 # interpreter not through a shared libpython, and runs Python code about 35%
                 # faster than pyenv's default build); then the first on the PATH (which
                 # make_venv gives the venv module if need be)
  if /usr/bin/python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' \
       2>/dev/null; then
    echo /usr/bin/python3; return 0
  fi
  for py in python3 python3.13 python3.12 python3.11 python3.10 python; do
    if command -v "$py" >/dev/null &&
       "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

make_venv() {  # make_venv DIR PYTHON: the virtual environment DIR, made with PYTHON if need be
  local dir=$1 py=$2 ver
  "$dir/bin/python" -c '' 2>/dev/null && return 0  # (its Python may have been removed)
  rm -rf "$dir"
  say "creating $dir with $("$py" --version 2>&1)"
  if ! "$py" -m venv "$dir" 2>/dev/null; then
    rm -rf "$dir"
    ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    say "installing python$ver-venv (Debian splits venv out of Python)"
    apt_install "python$ver-venv" || apt_install python3-venv || {
      echo "Please run: sudo apt-get install python$ver-venv   and then ./run.sh again" >&2
      return 1; }
    "$py" -m venv "$dir"
  fi
}

pip_install() {  # pip_install DIR -e ".[EXTRAS]": this project and its EXTRAS installed into
                 # the virtual environment DIR, unless it has them already: its .installed
                 # keeps each extra installed, with a checksum of pyproject.toml (pip, even
                 # with nothing to do, takes 5-10 s; a changed pyproject.toml installs again,
                 # and so does removing .installed). With uv (PyPI's, put into DIR by pip
                 # first: 4 s), which installs the same packages as pip 9 times sooner (the
                 # test job's: 14 s against 2 minutes); with pip where uv cannot be had, or
                 # fails, or TINYGRAD_EDU_NO_UV=1
  local dir=$1 sum extra missing="" options=() cert
  shift
  sum=$(cksum < pyproject.toml | cut -d" " -f1)
  [[ "$*" =~ ^-e\ \.\[([a-z,]+)\]$ ]] || { echo "pip_install: not -e .[EXTRAS]: $*" >&2; return 2; }
  local extras=${BASH_REMATCH[1]}
  for extra in ${extras//,/ }; do
    grep -qxF "$sum $extra" "$dir/.installed" 2>/dev/null || missing+=" $extra"
  done
  [ -n "$missing" ] || return 0
  say "installing Python packages into $dir: $*"
  if [ "${TINYGRAD_EDU_NO_UV:-}" != 1 ] &&
     { [ -x "$dir/bin/uv" ] || "$dir/bin/python" -m pip install --quiet \
         --disable-pip-version-check uv >/dev/null 2>&1; } &&
     mapfile -t options < <(uv_options "$dir") && cert=$(pip_setting "$dir" cert) &&
     ( [ -z "$cert" ] || export SSL_CERT_FILE=$cert
       exec "$dir/bin/uv" pip install --quiet --python "$dir/bin/python" \
         --index-strategy unsafe-best-match "${options[@]}" "$@" ); then
    :
  else
    [ "${TINYGRAD_EDU_NO_UV:-}" = 1 ] || say "uv could not install them: pip installs them"
    # shellcheck disable=SC2086  # (TINYGRAD_EDU_PIP_ARGS: more pip options, .ci/run's)
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
      ${TINYGRAD_EDU_PIP_ARGS:-} "$@" || return 1
  fi
  printf "$sum %s\n" ${extras//,/ } >> "$dir/.installed"
}

# pip's settings for `pip install`, from its configuration files (merged: `pip config list`
# shows each section's value) and PIP_* variables, as pip takes them (a variable over the
# files' [install] over their [global]), for uv, which reads none of them: uv_options DIR,
# the options for its indexes and constraints, one word a line (with pip's choice among
# indexes, the newest release any of them has: --index-strategy unsafe-best-match);
# pip_setting DIR NAME, one setting's value (or nothing)
pip_settings() {
  "$1/bin/python" -m pip config list 2>/dev/null | "$1/bin/python" -c '
import ast, sys
rank, found = {"global": 0, "install": 1, ":env:": 2}, {}
for line in sys.stdin:
    name, _, value = line.strip().partition("=")
    scope, _, key = name.rpartition(".")
    if value and scope in rank and rank[scope] >= found.get(key, (-1,))[0]:
        found[key] = (rank[scope], ast.literal_eval(value))
for key, (_, value) in sorted(found.items()):
    print(key, " ".join(value.split()))'
}

pip_setting() {
  pip_settings "$1" | sed -n "s/^$2 //p"
}

uv_options() {
  local key value item
  while read -r key value; do
    case "$key" in
      index-url|extra-index-url|find-links|constraint)
        for item in $value; do printf -- '--%s\n%s\n' "$key" "$item"; done ;;
      trusted-host)
        for item in $value; do printf -- '--allow-insecure-host\n%s\n' "$item"; done ;;
      no-index)
        case "${value,,}" in 1|t|true|y|yes|on) echo --no-index ;; esac ;;
    esac
  done < <(pip_settings "$1")
}

minor_of() {  # minor_of PYTHON: its minor version (10 for 3.10); fails if it does not run
  "$1" -c 'import sys; assert sys.version_info[0] == 3; print(sys.version_info[1])' 2>/dev/null
}

python_plan() {  # "3.X PYTHON" for each Python from 3.10 to the newest found, .venv's excepted;
                 # "3.X not-found" for one this machine does not have
  local root=${PYENV_ROOT:-$HOME/.pyenv} main found=() py m newest
  main=$(minor_of .venv/bin/python)
  newest=$main
  # pyenv's, the newest patch of each minor version, then python3.X on the PATH (a pyenv
  # shim there runs only if pyenv has that version selected)
  for py in $(ls -d "$root"/versions/3.* 2>/dev/null | grep -E '/3\.[0-9]+\.[0-9]+$' | sort -rV); do
    m=$(minor_of "$py/bin/python") && [ "$m" -ge 10 ] && [ -z "${found[m]:-}" ] &&
      found[m]=$py/bin/python
  done
  for m in $(seq 10 30); do
    py=$(command -v "python3.$m") && [ -z "${found[m]:-}" ] && [ "$(minor_of "$py")" = "$m" ] &&
      found[m]=$py
  done
  for m in "${!found[@]}"; do [ "$m" -gt "$newest" ] && newest=$m; done
  for m in $(seq 10 "$newest"); do
    [ "$m" = "$main" ] || echo "3.$m ${found[m]:-not-found}"
  done
}

# A worker per core and one more, each taking a whole file at a time, in the order of the
# collection (the files that take long first: tests/conftest.py), so that none waits long for
# the others at the end. The one more: a worker waits (for a learner's process to end at its
# limit, a real tool's round trip, a browser's page) about a seventh of its time, and a core
# stood idle then (CI's suite, 2 workers on 2 cores: 1,310 core-seconds in 753 s)
xdist=(-n "$(( $(nproc) + 1 ))" --dist loadfile --no-loadscope-reorder)
suite=()  # one line per run of the suite: the Python and pytest's last line
run_suite() {  # run_suite VENV ARGS...: pytest ARGS with VENV's Python; fails if pytest fails
  local dir=$1 log status=0 color=()
  shift
  [ -t 1 ] && color=(--color=yes)
  log=$(mktemp)
  "$dir/bin/python" -m pytest "${xdist[@]}" "${color[@]}" "$@" 2>&1 | tee "$log" || status=$?
  suite+=("$("$dir/bin/python" --version) ($dir): $([ $status = 0 ] || echo "FAILED: ")$(
    tail -n1 "$log" | sed 's/\x1b\[[0-9;]*m//g; s/^=* *//; s/ *=*$//')")
  rm -f "$log"
  return $status
}

chosen() {  # chosen 3.X: whether this run tests Python 3.X besides .venv's
  [ -z "${TINYGRAD_EDU_OTHER_PYTHONS:-}" ] || [[ " $TINYGRAD_EDU_OTHER_PYTHONS " == *" $1 "* ]]
}

set_up_other_pythons() {  # .venv-3.X for each other Python chosen and found, each installed;
                          # a line "3.X ready" on stdout for each that is
  local version py
  while read -r version py; do
    if chosen "$version" && [ "$py" != not-found ] && make_venv ".venv-$version" "$py" &&
       pip_install ".venv-$version" -e ".[test,render]"; then
      echo "$version ready"
    fi
  done < <(python_plan)
}

# The other Pythons' virtual environments are set up beside the main one's install (each
# install keeps one core busy, and the machine has two or more); test_other_pythons waits.
others_ready=""  # the file of set_up_other_pythons' lines, once it has started
others_log=""    # what it printed meanwhile
start_setting_up_other_pythons() {
  others_ready=$(mktemp)
  others_log=$(mktemp)
  set_up_other_pythons >"$others_ready" 2>"$others_log" &
  others_pid=$!
}

test_other_pythons() {  # the tests under every other Python found; fails if any run fails
  local version py dir status=0 missing=()
  if [ -z "$others_ready" ]; then start_setting_up_other_pythons; fi
  wait "$others_pid" || true
  cat "$others_log" >&2  # (its creating and installing, said when its results are)
  while read -r version py; do
    if ! chosen "$version"; then
      suite+=("Python $version: not tested (TINYGRAD_EDU_OTHER_PYTHONS=$TINYGRAD_EDU_OTHER_PYTHONS)")
      continue
    fi
    if [ "$py" = not-found ]; then missing+=("$version"); continue; fi
    dir=.venv-$version
    say "the tests under Python $version ($py), without the slow and long ones, PyTorch," \
        "the browser, matplotlib and the notebooks"
    if grep -qx "$version ready" "$others_ready"; then
      # (TINYGRAD_EDU_OTHER_PYTHON_ARGS: more pytest arguments for these runs; CI's leaves out
      # the exercises' grading, which runs the learner's code under the main Python too)
      # The page's Python (tinygrad_edu.viz.page_python) is left out: the page runs it under
      # Pyodide's Python, never these, and what it puts back after a learner's change to
      # the builtins or the recursion limit rests on the standard library of the Python it
      # runs under (3.13's signal.signal calls isinstance where 3.11's calls type; 3.10
      # counts calls from C against the limit); the main Python's run and the browser's
      # tests (Pyodide) keep it.
      # shellcheck disable=SC2086
      TINYGRAD_EDU_HYPOTHESIS_PROFILE=other-python run_suite "$dir" -q -m "not slow" \
        --ignore=tests/viz/test_page_python.py ${TINYGRAD_EDU_OTHER_PYTHON_ARGS:-} tests \
        || status=1
    else  # like a missing Python: said, but no failure of the job
      suite+=("Python $version ($py): NOT TESTED: $dir could not be set up (see above)")
    fi
  done < <(python_plan)
  if [ ${#missing[@]} -gt 0 ]; then
    suite+=("Python ${missing[*]}: NOT TESTED: not found on this machine (the package promises
    3.10 or newer; install it with pyenv or apt-get to test it too)")
  fi
  rm -f "$others_ready" "$others_log"
  return $status
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "Python >= 3.10 is needed: sudo apt-get install python3" >&2; exit 1; }
  make_venv .venv "$py" || exit 1
fi
case "$job" in
  demo)
    pip_install .venv -e ".[plot,render]"  # render: draws the graphs without a system Graphviz
    exec .venv/bin/python -m tinygrad_edu demo "$@"
    ;;
  test)
    if [ "${TINYGRAD_EDU_ONLY_OTHER_PYTHONS:-}" = 1 ]; then
      status=0
      test_other_pythons || status=1
      say "the test suite under each other Python"
      printf '  %s\n' "${suite[@]}" >&2
      exit $status
    fi
    extras="dev,plot,render,docs"  # docs: the site's browser test builds the site
    [ "${TINYGRAD_EDU_NO_TORCH:-}" = 1 ] || extras="$extras,torch"
    # the Python packages install while the system's do (pip downloads and unpacks while apt
    # does: on a fresh machine, each took about half of the set-up alone)
    pip_install .venv -e ".[$extras]" &
    pip=$!
    missing=()
    command -v dot >/dev/null || missing+=(graphviz)
    [ -d /usr/share/datasets/fashion-mnist ] || missing+=(dataset-fashion-mnist)
    if [ ${#missing[@]} -gt 0 ]; then
      say "installing system packages: ${missing[*]}"
      apt_install "${missing[@]}" ||
        echo "Could not install ${missing[*]} (needs root); the tests that need them will be skipped." \
             "To run them: sudo apt-get install ${missing[*]}" >&2
    fi
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
      say "installing Chromium for the browser tests of the replay page"
      apt_install chromium ||  # on its own: where it is missing, the rest still installs
        echo "Could not install chromium; the browser tests will be skipped." \
             "To run them: sudo apt-get install chromium" >&2
    fi
    long=()
    if [ "$*" = --long ]; then long=(--long); set --; fi
    if [ $# -eq 0 ] && [ "${TINYGRAD_EDU_NO_OTHER_PYTHONS:-}" != 1 ]; then
      start_setting_up_other_pythons
    fi
    wait "$pip"
    [ $# -eq 0 ] || exec .venv/bin/python -m pytest "${xdist[@]}" --nbmake "$@"
    say "running the test suite with $(.venv/bin/python --version)${long:+, the long tier too}"
    status=0
    run_suite .venv --nbmake ${long[@]+"${long[@]}"} tests notebooks || status=1
    if [ "${TINYGRAD_EDU_NO_OTHER_PYTHONS:-}" = 1 ]; then
      suite+=("other Pythons: not tested (TINYGRAD_EDU_NO_OTHER_PYTHONS=1)")
    else
      test_other_pythons || status=1
    fi
    say "the test suite under each Python"
    printf '  %s\n' "${suite[@]}" >&2
    exit $status
    ;;
  pythons)
    python_plan
    ;;
  bench)
    pip_install .venv -e ".[bench]"
    exec .venv/bin/python benchmarks/run_all.py "$@"
    ;;
  notebooks)
    pip_install .venv -e ".[notebooks]"
    say "opening the notebooks in JupyterLab: it prints the address to open if no browser" \
        "opens; Ctrl-C here stops it"
    root=()
    [ "$(id -u)" = 0 ] && root=(--allow-root)  # a container's root: Jupyter refuses without it
    exec .venv/bin/python -m jupyter lab notebooks "${root[@]}" "$@"
    ;;
  docs)
    serve=""
    args=()
    for arg in "$@"; do
      if [ "$arg" = --serve ]; then serve=1; else args+=("$arg"); fi
    done
    pip_install .venv -e ".[docs]"
    if ! command -v npm >/dev/null; then  # fetches Pyodide and viz-js for the live pages
      say "installing npm (Debian's package), which fetches Python and Graphviz for the browser"
      apt_install npm || { echo "Please run: sudo apt-get install npm   and then ./run.sh docs" \
                                "again" >&2; exit 1; }
    fi
    say "building the documentation site"
    # (NO_MKDOCS_2_WARNING: the Material theme's notice about MkDocs' future, not about us)
    NO_MKDOCS_2_WARNING=1 .venv/bin/python -m mkdocs build --strict ${args[@]+"${args[@]}"}
    if [ -n "$serve" ]; then
      exec .venv/bin/python docs/hooks/serve.py site
    fi
    say "the site is in $PWD/site/: open file://$PWD/site/index.html in a browser; the" \
        "playground and the exercises run Python in the browser, which needs a server:" \
        "./run.sh docs --serve"
    ;;
esac
