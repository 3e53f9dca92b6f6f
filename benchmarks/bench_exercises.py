"""How long grading takes: ``python benchmarks/bench_exercises.py [--quick]``.

Grades every exercise at once, as ``python -m tinygrad_edu exercises check FILE`` does, on
two files written here: one where every answer is right (each check runs its examples and
100 random inputs, and passes) and one where every answer is wrong (each check also shrinks
the failing input, probes 40 more inputs and diagnoses: the slow path). Each file is graded
by the command line in a fresh process, as a learner runs it, and the wall time and the CPU
time of that process are reported, with the time of each exercise's check. Then the same
for the ten stages of Build microgpt yourself: a file where every stage is right (the
references, as a notebook holds them) and one where every stage makes one of its classic
mistakes (``WRONG_STAGES``). ``--quick`` grades three exercises, one of each way a wrong
answer is written (a number's negative, a mistake in the body, the class), and one stage:
a smoke test of this script (tests/test_benchmarks.py checks that every mistake of
``WRONG`` and ``WRONG_STAGES`` still applies to its model answer).
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tinygrad_edu.exercises import EXERCISES, TRACK, lecture  # noqa: E402 (after the path)

RIGHT_VALUE = inspect.getsource(lecture.Value)
"""micrograd's lecture Value, as a learner types it: right as it is, wrong with = for +=."""


WRONG = [("+= local * node.grad", "= local * node.grad"), ("p.data -= lr", "p.data += lr"),
         ("order.append(node)", "order.insert(0, node)")]
"""Mistakes made in the model answers' bodies (= for +=, the step's sign, the order)."""


def solutions_file(wrong: bool, names: list[str]) -> str:
    """Every exercise in ``names`` as a learner writes it: the model answer's body under the
    starter's head, or (``wrong``) the same with a classic mistake (see ``WRONG``; a
    function that returns numbers returns their negatives), each a function or class of the
    file itself."""
    from tinygrad_edu.exercises.starters import model_answer_body, starter_head

    lines = ["import math", "", "import numpy as np", "", _NEGATED, ""]
    for name in names:
        ex = EXERCISES[name]
        if ex.kind == "class":
            lines.append(RIGHT_VALUE.replace("grad +=", "grad =") if wrong else RIGHT_VALUE)
            continue
        body = model_answer_body(ex)
        changed = body
        for old, new in WRONG:
            changed = changed.replace(old, new)
        if wrong and changed == body:  # a function of numbers: the answer's negatives
            lines += [starter_head(ex).replace(f"def {name}(", f"def _right_{name}("), body,
                      "", f"def {name}({ex.params}):",
                      f"    return _negated(_right_{name}({ex.params}))", ""]
        else:
            lines += [starter_head(ex), changed if wrong else body, ""]
    return "\n".join(lines)


_NEGATED = """def _negated(answer):
    if isinstance(answer, tuple):
        return tuple(-a for a in answer)
    return -answer
"""


def grade_file(text: str, name: str = "solutions.py") -> tuple[float, float, str]:
    """Grade ``text`` (a file called ``name``) with the command line in a fresh process:
    wall and CPU seconds, and what it printed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        env = {**os.environ, "TINYGRAD_EDU_PROGRESS": str(Path(tmp) / "progress.json"),
               "PYTHONPATH": str(HERE.parent)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "tinygrad_edu", "exercises", "check",
                              str(path)], capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if run.returncode not in (0, 1) or run.stderr.strip():
        raise SystemExit(f"grading failed:\n{run.stdout}\n{run.stderr}")
    return wall, cpu, run.stdout


def per_check(names: list[str], wrong: bool, track: bool = False) -> dict[str, float]:
    """Each exercise's (or, with ``track``, each stage's) check alone, in this process (wall
    seconds), on the file of ``solutions_file`` (``track_file``)."""
    from tinygrad_edu.exercises.grading import grade
    from tinygrad_edu.exercises.loading import load_solutions

    catalog = TRACK if track else EXERCISES
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "solutions.py"
        path.write_text((track_file if track else solutions_file)(wrong, names),
                        encoding="utf-8")
        found = load_solutions(path)
        times = {}
        for name in names:
            start = time.perf_counter()
            verdict = grade(catalog[name], found[catalog[name].symbol])
            times[name] = time.perf_counter() - start
            assert verdict.passed != wrong, str(verdict)
    return times


WRONG_STAGES = {
    "node": ("child.grad += local * node.grad", "child.grad = local * node.grad"),
    "linear": ("zip(row, x)", "zip(w[0], x)"),
    "softmax": ("(v - top).exp()", "v.exp()"),
    "nll": ("return -softmax", "return softmax"),
    "rmsnorm": (" + 1e-05", ""),
    "attention": ("range(t + 1)", "range(len(q))"),
    "block": ("[z.relu() for z in", "[z for z in"),
    "gpt": ("model['wpe'][pos]", "model['wpe'][len(tokens) - 1]"),
    "adam": ("** t)", "** (t + 1))"),
    "train_step": ("p.grad = 0", "pass"),
}
"""One classic mistake per stage, made in the reference's plain body (the nbgrader answer):
= for +=, the first row only, no max subtracted, no minus, no 1e-5, a position that sees
the future, no relu, one position for every token, t + 1 in the bias correction, the
gradients not zeroed."""


def track_file(wrong: bool, names: list[str]) -> str:
    """The stages ``names`` as a notebook's answers hold them, right or each with its
    mistake of ``WRONG_STAGES``."""
    from tinygrad_edu.exercises.starters import model_answer_body, starter_head

    blocks = ["import math", ""]
    for name in names:
        body = model_answer_body(TRACK[name])
        if wrong:
            old, new = WRONG_STAGES[name]
            assert old in body, (name, old)
            body = body.replace(old, new)
        blocks += [starter_head(TRACK[name]), body, "", ""]
    return "\n".join(blocks)


def track(quick: bool) -> None:
    """The microgpt track's tables: the whole file graded as a learner grades it, then each
    stage alone."""
    names = ["softmax"] if quick else list(TRACK)
    print(f"\nBuild microgpt yourself: {len(names)} stages\n")
    print("| file | stages | verdicts | wall time | CPU time |")
    print("|---|---|---|---|---|")
    for wrong in (False, True):
        wall, cpu, out = grade_file(track_file(wrong, names), "gpt.py")
        passed = re.search(r"(\d+) of (\d+) attempted stages of microgpt pass", out)
        assert passed is not None, out
        kind = "every stage wrong" if wrong else "every stage right"
        print(f"| {kind} | {len(names)} | {passed[1]} of {passed[2]} pass | {wall:.1f} s | "
              f"{cpu:.1f} s |")
    print("\n| stage | right answer | wrong answer |")
    print("|---|---|---|")
    right, wrong_times = per_check(names, False, True), per_check(names, True, True)
    for name in names:
        print(f"| {name} | {right[name]:.2f} s | {wrong_times[name]:.2f} s |")
    print(f"| total | {sum(right.values()):.1f} s | {sum(wrong_times.values()):.1f} s |")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three exercises only")
    args = parser.parse_args(argv)
    names = ["d_tanh", "backward", "Value"] if args.quick else list(EXERCISES)
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores; {len(names)} exercises\n")
    print("| file | exercises | verdicts | wall time | CPU time |")
    print("|---|---|---|---|---|")
    for wrong in (False, True):
        wall, cpu, out = grade_file(solutions_file(wrong, names))
        passed = re.search(r"(\d+) of (\d+) attempted exercises pass", out)
        assert passed is not None, out
        verdicts = f"{passed[1]} of {passed[2]} pass"
        kind = "every answer wrong" if wrong else "every answer right"
        print(f"| {kind} | {len(names)} | {verdicts} | {wall:.1f} s | {cpu:.1f} s |")
    print("\n| exercise | right answer | wrong answer |")
    print("|---|---|---|")
    right, wrong_times = per_check(names, False), per_check(names, True)
    for name in names:
        print(f"| {name} | {right[name]:.2f} s | {wrong_times[name]:.2f} s |")
    print(f"| total | {sum(right.values()):.1f} s | {sum(wrong_times.values()):.1f} s |")
    track(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
