"""How long a teacher waits for the report of a class: ``python benchmarks/bench_report.py
[--students N] [--jobs N] [--quick]``.

Writes a class's submissions (200 by default) for an assignment of five exercises (d_tanh,
d_div, sgd_step, backward and the class Value), each answer right or one of the mistakes
learners make, a few left unstarted, and a few files that do not run at all: not valid
Python, a crash, an import of the answers, an endless loop as the file runs, and answers
that loop forever (each stopped by the time limit, which makes it the slow case). Then runs
``python -m tinygrad_edu exercises report DIR -o report.csv`` in a fresh process, as a
teacher runs it, and reports the wall time and the CPU time (the grading processes
included), and checks every student's statuses against what was written. ``--quick``: 8
students, one of whose files is not valid Python (a smoke test).
"""

from __future__ import annotations

import argparse
import csv
import inspect
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tinygrad_edu.exercises import lecture  # noqa: E402 (after the path is set)

VALUE = inspect.getsource(lecture.Value)

NAMES = ["d_tanh", "d_div", "sgd_step", "backward", "Value"]

RIGHT = {
    "d_tanh": "def d_tanh(x, y):\n    return 1 - y * y\n",
    "d_div": "def d_div(a, b, y):\n    return 1 / b, -a / b**2\n",
    "sgd_step": "def sgd_step(params, lr):\n    for p in params:\n        p.data -= lr * p.grad\n",
    "backward": ("def backward(root):\n    root.grad = 1.0\n    for node in reversed(walk(root)):"
                 "\n        for parent, local in zip(node.parents, node.local_grads):\n"
                 "            parent.grad += local * node.grad\n"),
    "Value": VALUE,
}

WRONG = {
    "d_tanh": ["def d_tanh(x, y):\n    return 1 - x * x\n",
               "def d_tanh(x, y):\n    return 1 - y\n",
               "def d_tanh(x, y):\n    return y * y - 1\n"],
    "d_div": ["def d_div(a, b, y):\n    return 1 / b, a / b**2\n",
              "def d_div(a, b, y):\n    return -a / b**2, 1 / b\n",
              "def d_div(a, b, y):\n    return 1 / b, -1 / b**2\n"],
    "sgd_step": [RIGHT["sgd_step"].replace("-=", "+="),
                 RIGHT["sgd_step"].replace("lr * p.grad", "p.grad"),
                 RIGHT["sgd_step"].replace("p.data -= lr * p.grad", "p.data = lr * p.grad")],
    "backward": [RIGHT["backward"].replace("+=", "="),
                 RIGHT["backward"].replace("    root.grad = 1.0\n", ""),
                 RIGHT["backward"].replace("reversed(walk(root))", "walk(root)")],
    "Value": [VALUE.replace("grad +=", "grad ="),
              VALUE.replace("        self.grad = 1.0\n", ""),
              VALUE.replace("return other + (-self)", "return self + (-other)")],
}

LOOP = "def {name}(*args):\n    while True:\n        pass\n"

PROBLEMS = {  # what the file does, and the kind the report must give it
    "syntax": ("def d_tanh(x, y)\n    return 1 - y * y\n", "is not valid Python"),
    "crash": ("raise RuntimeError('oops')\n", "raises an error when it runs"),
    "import": ("from tinygrad_edu.exercises import answers\n", "imports what it may not"),
    "loop": ("while True:\n    pass\n", "does not finish"),
}


def write_class(folder: Path, students: int, seed: int = 0
                ) -> tuple[dict[str, dict[str, str]], int]:
    """Write the submissions; return each student's expected status per exercise (or the
    problem of their file, as {"problem": label}), and how many answers loop forever."""
    rng = random.Random(seed)
    expected: dict[str, dict[str, str]] = {}
    problems = ["syntax"] * 3 + ["crash"] * 2 + ["import"] * 2 + ["loop"]
    looping = 2  # students with one answer that loops forever
    for i in range(students):
        student = f"student{i:03d}"
        parts = ["import math\n", "from tinygrad_edu import walk\n"]
        statuses: dict[str, str] = {}
        kind = problems[i // 20] if i % 20 == 7 and i // 20 < len(problems) else None
        for name in NAMES:
            roll = rng.random()
            if looping and i % 50 == 13 and name == "d_div":
                parts.append(LOOP.format(name=name))
                statuses[name] = "failed"
                looping -= 1
            elif roll < 0.04:
                parts.append(f"def {name}(*args):\n    raise NotImplementedError\n"
                             if name != "Value" else
                             "class Value:\n    def __init__(self, data, _children=(), "
                             "_op=''):\n        raise NotImplementedError\n")
                statuses[name] = "not started"
            elif roll < 0.6:
                parts.append(RIGHT[name])
                statuses[name] = "passed"
            else:
                parts.append(rng.choice(WRONG[name]))
                statuses[name] = "failed"
        if kind is not None:
            source, label = PROBLEMS[kind]
            parts.insert(0, source)
            statuses = {"problem": label}
        (folder / f"{student}.py").write_text("\n\n".join(parts), encoding="utf-8")
        expected[student] = statuses
    return expected, 2 - looping


def run_report(folder: Path, output: Path, jobs: int | None
               ) -> tuple[float, float, float, str]:
    """The command in a fresh process: wall and CPU seconds (its children's included), the
    machine's load average when it ended (other work on the cores stretches the wall time),
    and what it printed."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    command = [sys.executable, "-m", "tinygrad_edu", "exercises", "report", str(folder),
               *NAMES, "-o", str(output)] + (["--jobs", str(jobs)] if jobs else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"the report failed:\n{done.stdout}\n{done.stderr}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load, done.stdout


def check_report(output: Path, expected: dict[str, dict[str, str]]) -> None:
    """Every student's statuses in the report are those written."""
    with output.open(encoding="utf-8") as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    assert sorted(rows) == sorted(expected), "a submission is missing from the report"
    for student, statuses in expected.items():
        row = rows[student]
        if "problem" in statuses:
            assert row["problem"].startswith(statuses["problem"]), (student, row["problem"])
            assert all(row[name] == "not graded" for name in NAMES), student
        else:
            got = {name: row[name] for name in NAMES}
            assert got == statuses, (student, got, statuses)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, help="grading processes at once (default: one "
                        "per core)")
    parser.add_argument("--quick", action="store_true", help="8 students")
    args = parser.parse_args(argv)
    students = 8 if args.quick else args.students
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "class")
        folder.mkdir()
        expected, loops = write_class(folder, students)
        output = Path(tmp, "report.csv")
        wall, cpu, load, printed = run_report(folder, output, args.jobs)
        check_report(output, expected)
    problems = sum("problem" in s for s in expected.values())
    statuses = [s for e in expected.values() if "problem" not in e for s in e.values()]
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores; {students} submissions of {len(NAMES)} exercises "
          f"({', '.join(NAMES)})\n")
    print(f"{statuses.count('passed')} answers right, {statuses.count('failed')} wrong "
          f"({loops} of them endless loops), {statuses.count('not started')} not started; "
          f"{problems} files that do not run. The report agrees with each one.\n")
    print("| submissions | exercises | wall time | CPU time | load average |")
    print("|---|---|---|---|---|")
    print(f"| {students} | {len(NAMES)} | {wall:.1f} s | {cpu:.1f} s | {load:.1f} |")
    print(f"\n{printed.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
