"""``benchmarks/bench_tensor.py --quick`` runs, and both engines, trained from the same weights
on the same batches, end up with nearly the same model."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import requires_git, requires_torch
from tinygrad_edu.training import idx as idx_data

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # whole benchmark runs: under the main Python only (run.sh)


@requires_torch
@pytest.mark.skipif(not idx_data.DEBIAN_FASHION_MNIST.is_dir(),
                    reason="Debian's Fashion-MNIST is not installed: "
                           "sudo apt-get install dataset-fashion-mnist")
@pytest.mark.long(sibling="test_the_before_and_after_benchmark_trains_two_versions_alike")
def test_quick_benchmark_trains_both_engines_alike():
    """In the long tier (10 s of a worker): the main tier trains the same tensor engine on
    the same data, before and after, in the next test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(idx_data.FASHION_MNIST_ENV, None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_tensor.py"), "--quick", "--epochs",
         "1"], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "torch.set_num_threads(1); NumPy BLAS threads: 1" in out
    assert "10000 training and 10000 test images, 1 epochs" in out
    row = re.search(r"^\| 1 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| "
                    r"([\d.]+)% \| ([\d.]+)% \|$", out, re.MULTILINE)
    assert row, out
    ours, theirs = float(row[6]), float(row[7])
    assert ours > 70 and abs(ours - theirs) < 1.0  # 77.58% for both on this machine
    line = re.search(r"^ +1 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+% +[\d.]+% +"
                     r"([\d.]+) +([\d.]+)$", out, re.MULTILINE)
    assert line and abs(float(line[1]) - float(line[2])) < 1e-3  # the same mean loss
    assert "| mean |" in out and "Final test accuracy" in out
    assert re.search(r"Hessian-vector product, .*: tinygrad_edu [\d.]+ ms, PyTorch [\d.]+ ms",
                     out)


@requires_git
@pytest.mark.skipif(not idx_data.DEBIAN_FASHION_MNIST.is_dir(),
                    reason="Debian's Fashion-MNIST is not installed: "
                           "sudo apt-get install dataset-fashion-mnist")
def test_the_before_and_after_benchmark_trains_two_versions_alike():
    """``benchmarks/bench_tensor_baseline.py --quick`` loads an earlier version from git (here
    HEAD itself), trains both on the same batches and finds the same losses."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(idx_data.FASHION_MNIST_ENV, None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_tensor_baseline.py"), "--quick",
         "--baseline", "HEAD"], capture_output=True, text=True, env=env, timeout=300,
        check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "10000 images, 2 epochs each" in result.stdout
    assert re.search(r"^\| before \(HEAD, [0-9a-f]+\) \| [\d.]+ \| [\d.]+ \|$", result.stdout,
                     re.MULTILINE), result.stdout
    assert "The losses differ by at most 0.0e+00." in result.stdout


@pytest.mark.long(sibling="test_every_mistake_the_exercises_benchmark_makes_is_in_a_model_answer")
def test_the_exercises_benchmark_grades_a_right_and_a_wrong_file():
    """``benchmarks/bench_exercises.py --quick`` runs: its right answers all pass, its wrong
    ones all fail (the times it prints are not checked: tests never time anything)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_exercises.py"), "--quick"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "| every answer right | 3 | 3 of 3 pass |" in result.stdout
    assert "| every answer wrong | 3 | 0 of 3 pass |" in result.stdout
    assert "| Value |" in result.stdout


def test_every_mistake_the_exercises_benchmark_makes_is_in_a_model_answer():
    """The whole benchmark's wrong files are written as --quick's are, from every model
    answer: each stage's classic mistake (``WRONG_STAGES``) is made in its own reference
    (``track_file`` asserts it), and each mistake of ``WRONG`` in some exercise's answer."""
    from tinygrad_edu.exercises import EXERCISES, TRACK
    from tinygrad_edu.exercises.starters import model_answer_body

    spec = importlib.util.spec_from_file_location("bench_exercises",
                                                  ROOT / "benchmarks" / "bench_exercises.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.track_file(True, list(TRACK)) != bench.track_file(False, list(TRACK))
    bodies = [model_answer_body(ex) for ex in EXERCISES.values() if ex.kind != "class"]
    for old, _ in bench.WRONG:
        assert any(old in body for body in bodies), old
    assert "grad =" in bench.solutions_file(True, ["Value"])


@pytest.mark.long(sibling="tests/exercises/test_report.py::"
                         "test_the_report_counts_who_passed_and_who_made_each_mistake")
def test_the_report_benchmark_grades_a_class_and_checks_the_report():
    """``benchmarks/bench_report.py --quick`` runs: the report it times agrees with the
    status of every answer it wrote (the times are not checked)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_report.py"), "--quick"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "The report agrees with each one." in result.stdout
    assert re.search(r"^\| 8 \| 5 \| [\d.]+ s \| [\d.]+ s \|", result.stdout, re.M), \
        result.stdout


def test_the_gpt_benchmark_runs_three_engines_on_the_same_gpt():
    """``benchmarks/bench_gpt.py --quick`` (what ``./run.sh bench`` runs after the scalar
    benchmark, in small): the three engines start from the same loss, every row of the table
    is there, and the whole run on the plain microgpt-style Value imports no NumPy. The times
    and ratios it prints are not checked: tests never time anything."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "gpt", "--quick"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    first = re.search(r"first step's loss: ([\d.]+) \(a\), ([\d.]+) \(b\), ([\d.]+) \(c\); "
                      r"largest difference ([\d.e+-]+)", out)
    assert first and abs(float(first[1]) - 3.3) < 0.3 and float(first[4]) <= 1e-12, out
    for row in (r"training step, default GC \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+x \|",
                r"training step, GC disabled \|", r"bytes per node \(tracemalloc\) \| \d+ B \|",
                r"memory of one step's graph \|",
                r"peak memory of a whole run \(2 steps, 2 samples\), own process \| [\d.]+ MiB, "
                r"no NumPy \| [\d.]+ MiB, (NumPy imported|no NumPy) \|"):
        assert re.search(row, out), (row, out)
    nodes = re.search(r"nodes of one step's graph \('(\w+)'\) \| ([\d,]+) \| ([\d,]+) \|", out)
    assert nodes and int(nodes[2].replace(",", "")) > 10 * int(nodes[3].replace(",", ""))


@requires_git
def test_the_heart_benchmark_times_before_and_after_against_microgpt_and_micrograd():
    """``benchmarks/bench_heart.py --quick`` (``./run.sh bench heart``): the version at a git
    ref (here HEAD itself) and this one, beside microgpt's and micrograd's Values, compute the
    same first losses, and every row of the table is there, collector on and off. The times
    and ratios are not checked: tests never time anything."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "heart", "--quick",
         "--baseline", "HEAD"], capture_output=True, text=True, env=env, timeout=600,
        check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert re.search(r"before: before \(HEAD, [0-9a-f]+\)", out), out
    workloads = ["microgpt's training step", "micrograd's nn.py, demo step",
                 "our own nn, demo step"]
    for workload in workloads:
        for gc in ("off", "on"):
            assert re.search(rf"\| {re.escape(workload)} × 1, collector {gc} \| [\d.]+ s \| "
                             r"[\d.]+x \| [\d.]+x \| [\d.]+ s \| [\d.]+ s \| [\d.]+x \|", out), \
                (workload, gc, out)
        assert re.search(rf"\| peak memory of one {re.escape(workload)} \(tracemalloc\) \| "
                         r"[\d.]+ MiB \|", out), (workload, out)


@pytest.mark.long(sibling="tests/program/test_native_program.py::test_micrograd_demo_steps_"
                          "natively_give_the_engines_numbers_step_after_step")
def test_the_program_benchmark_checks_every_program_against_the_engine():
    """In the long tier (23 s of a worker, most of it compiling; the main tier checks each
    kind of program against the engine: tests/program).
    ``benchmarks/bench_program.py --quick`` (``./run.sh bench program``): every program's
    gradients are checked against the engine's before it is timed (the script fails
    otherwise), and every row and column of the table is there. Times are not checked."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "program", "--quick"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert "| step | micrograd | microgpt Value | interpreted | Python program | native " \
           "program | PyTorch | capture + build, per structure |" in out, out
    for step in ("micrograd's demo step, per op", "the same step, our nn",
                 "microgpt's step, the name", "a deep chain"):
        line = next((row for row in out.splitlines() if row.startswith(f"| {step}")), "")
        assert re.search(r"\| [\d.]+ / [\d.]+ ms, \d+ ns/node, \*\*[\d.]+×\*\* \| "
                         r"[\d.]+ / [\d.]+ ms, \d+ ns/node, \*\*[\d.]+×\*\* \|", line), (step, out)
