"""Run the benchmarks: ``python benchmarks/run_all.py [scalar|tensor|exercises|all] [options]``.

``scalar`` (the default) compares the scalar engine with micrograd and PyTorch
(bench_scalar.py); ``tensor`` trains the Fashion-MNIST MLP with the tensor engine and with
PyTorch (bench_tensor.py, several minutes); ``exercises`` times the grading of every
exercise (bench_exercises.py); ``all`` runs all three. Options after the name go to
that script (``--quick`` for a smoke test). Nothing is installed here: ``./run.sh bench``
installs the ``bench`` extra first.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"scalar": ["bench_scalar.py"], "tensor": ["bench_tensor.py"],
           "exercises": ["bench_exercises.py"],
           "all": ["bench_scalar.py", "bench_tensor.py", "bench_exercises.py"]}


def main(argv: list[str]) -> int:
    which = argv[0] if argv and not argv[0].startswith("-") else "scalar"
    options = argv[1:] if argv and argv[0] == which else argv
    if which not in SCRIPTS:
        print(f"run_all.py: unknown benchmark {which!r}; choose one of {', '.join(SCRIPTS)}",
              file=sys.stderr)
        return 2
    for name in SCRIPTS[which]:
        print(f"\n=== {name} {' '.join(options)}\n", flush=True)
        sys.argv = [str(HERE / name), *options]
        try:
            runpy.run_path(str(HERE / name), run_name="__main__")
        except SystemExit as done:
            if done.code not in (0, None):
                return int(done.code) if isinstance(done.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
