"""Run the benchmarks: ``python benchmarks/run_all.py [NAME] [options]``, NAME one of scalar,
gpt, heart, program, tensor, before-after, exercises, report, live and all.

``scalar`` (the default) compares the scalar engine with micrograd and PyTorch
(bench_scalar.py), then times a GPT's training step against a plain microgpt-style Value
(bench_gpt.py; ``gpt`` runs that one alone); ``tensor`` trains the Fashion-MNIST MLP with
the tensor engine and with PyTorch (bench_tensor.py, several minutes); ``exercises`` times
the grading of every exercise (bench_exercises.py); ``report`` the report of a class of 200
(bench_report.py); ``all`` runs them all. ``live`` (not in ``all``: it needs the built site
and Chromium) times the playground in a browser (bench_live.py) and measures how deep its
Python may recurse (bench_live_stack.py); ``before-after`` (not in
``all`` either: it compares two versions) times the tensor engine's training epoch against
an earlier version, ``--baseline REF`` (default main; bench_tensor_baseline.py), and ``heart``
(not in ``all``) the scalar engine's training steps against an earlier version and against
microgpt's and micrograd's Values, collector on and off (bench_heart.py); ``program``
a graph as a program at each level, interpreted, Python, native and PyTorch
(bench_program.py). Options
after the name go to each of its scripts (``--quick`` for a smoke test). Each script runs in
a process of its own, so that what one imports (PyTorch's objects, which the garbage
collector walks) does not slow the next. Nothing is installed here: ``./run.sh bench``
installs the ``bench`` extra first.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"scalar": ["bench_scalar.py", "bench_gpt.py"], "gpt": ["bench_gpt.py"],
           "tensor": ["bench_tensor.py"], "exercises": ["bench_exercises.py"],
           "report": ["bench_report.py"],
           "live": ["bench_live.py", "bench_live_stack.py"],
           "before-after": ["bench_tensor_baseline.py"],
           "heart": ["bench_heart.py"], "program": ["bench_program.py"],
           "all": ["bench_scalar.py", "bench_gpt.py", "bench_tensor.py", "bench_exercises.py",
                   "bench_report.py", "bench_program.py"]}


def main(argv: list[str]) -> int:
    which = argv[0] if argv and not argv[0].startswith("-") else "scalar"
    options = argv[1:] if argv and argv[0] == which else argv
    if which not in SCRIPTS:
        print(f"run_all.py: unknown benchmark {which!r}; choose one of {', '.join(SCRIPTS)}",
              file=sys.stderr)
        return 2
    for name in SCRIPTS[which]:
        print(f"\n=== {name} {' '.join(options)}\n", flush=True)
        code = subprocess.run([sys.executable, str(HERE / name), *options], check=False).returncode
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
