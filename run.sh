#!/usr/bin/env bash
# One entry point that sets everything up on a fresh Debian/Ubuntu machine (Python >= 3.10).
#
#   ./run.sh demo     train a small network on moons; pictures and a page land in ./demo_output/
#   ./run.sh test     the whole test suite: unit and property tests, notebooks, PyTorch parity
#   ./run.sh bench    the benchmarks against micrograd and PyTorch
#
# It creates ./.venv on first use and installs only what the chosen job needs. System
# packages (Graphviz's `dot`, Debian's Fashion-MNIST, Chromium for the browser tests) are
# installed with apt-get when the test job needs them and we are root or have password-less
# sudo; otherwise it says how.
# Set TINYGRAD_EDU_NO_TORCH=1 to skip installing PyTorch (its parity tests then skip).
set -euo pipefail
cd "$(dirname "$0")"

job="${1:-}"
[ $# -gt 0 ] && shift
case "$job" in
  demo|test|bench) ;;
  *) echo "usage: ./run.sh demo|test|bench [args...]" >&2; exit 2 ;;
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

find_python() {
  for py in python3 python3.13 python3.12 python3.11 python3.10 python; do
    if command -v "$py" >/dev/null &&
       "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

make_venv() {
  [ -x .venv/bin/python ] && return 0
  py=$(find_python) || { echo "Python >= 3.10 is needed: sudo apt-get install python3" >&2; exit 1; }
  say "creating .venv with $($py --version)"
  if ! "$py" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    ver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    say "installing python$ver-venv (Debian splits venv out of Python)"
    apt_install "python$ver-venv" || apt_install python3-venv || {
      echo "Please run: sudo apt-get install python3-venv   and then ./run.sh again" >&2; exit 1; }
    "$py" -m venv .venv
  fi
}

pip_install() {
  say "installing Python packages: $*"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"
}

make_venv
case "$job" in
  demo)
    pip_install -e ".[plot,render]"  # render: draws the graphs without a system Graphviz
    exec .venv/bin/python -m tinygrad_edu demo "$@"
    ;;
  test)
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
    extras="dev,plot,render"
    [ "${TINYGRAD_EDU_NO_TORCH:-}" = 1 ] || extras="$extras,torch"
    pip_install -e ".[$extras]"
    say "running the test suite"
    [ $# -gt 0 ] || set -- tests notebooks
    exec .venv/bin/python -m pytest -n auto --nbmake "$@"
    ;;
  bench)
    pip_install -e ".[bench]"
    exec .venv/bin/python benchmarks/run_all.py "$@"
    ;;
esac
