"""The conformance suite (tinygrad_edu.testing.conform): no false alarm on the engines we know
to be right (micrograd 0.1.0, microgpt's Value, ours, a small one written here, the same in
float32), and each planted bug of the engines beside it found, named and located.

The CI runs the fast mode; the many-seed sweeps in full mode are the long tier."""

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import torch
from tests.tiers import sampled
from tinygrad_edu.testing import conform

ROOT = Path(__file__).resolve().parents[2]
ENGINES = Path(__file__).resolve().parent / "engines"
RIGHT = ["micrograd.engine:Value", "tinygrad_edu:Value",
         "tinygrad_edu.exercises.microgpt.reference:Value", f"{ENGINES}/right.py:Value",
         f"{ENGINES}/float32.py:Value"]
CACHE: dict = {}


def engine(name: str) -> str:
    return f"{ENGINES}/{name}.py:Value"


def report_of(target, **options):
    """conform's report, once per module run (several tests read the same one)."""
    key = (target, tuple(sorted((k, str(v)) for k, v in options.items())))
    if key not in CACHE:
        CACHE[key] = conform(target, fast=True, **options)
    return CACHE[key]


def findings(report, kind):
    return [f for f in report.findings if f.kind == kind]


@pytest.mark.parametrize("target", sampled(
    RIGHT, ["micrograd.engine:Value", "tinygrad_edu:Value", f"{ENGINES}/float32.py:Value"],
    "test_no_false_alarm_on_a_right_engine"))
def test_no_false_alarm_on_a_right_engine(target):
    report = report_of(target)
    assert report.ok, str(report)
    assert not findings(report, "differs") and not findings(report, "crash")
    assert report.rows["+"]["nodes"] == "conforms"  # (it ran)


def test_what_micrograd_lacks_is_missing_and_its_limits_are_limits():
    report = report_of("micrograd.engine:Value")
    missing = {f.row for f in findings(report, "missing")}
    assert {"exp", "tanh", "log"} <= missing and "relu" not in missing
    assert report.rows["**"]["nodes"] == "missing"  # v ** w: micrograd asserts a number
    assert report.rows["chain of 10,000"]["graph"] == "limit"  # its recursive sort
    assert report.rows["backward twice"]["graph"] == "semantics"
    chain = next(f for f in report.findings if f.row == "chain of 10,000")
    assert "RecursionError" in chain.got and "recursion" in chain.cause
    assert chain.line.endswith("micrograd/engine.py:59")  # def build_topo(v):


def test_our_value_has_every_op_and_no_semantics_of_its_own():
    report = report_of("tinygrad_edu:Value")
    assert not findings(report, "missing") and not findings(report, "semantics")
    assert report.rows["chain of 10,000"]["graph"] == "conforms"


PLANTED = [  # engine, row, column, kind, the cause's words, the file to look at
    ("assign", "+", "v ⊕ v", "differs", "`=` where `+=`", "assign.py:12"),
    ("assign", "diamond", "graph", "differs", "`=` where `+=`", "assign.py:12"),
    ("wrong_node", "training step", "graph", "differs", "wrong node", "wrong_node.py:15"),
    ("large", "exp", "edges", "differs", "", ""),
    ("swapped", "-", "2 ⊕ v", "differs", "operands swapped", "swapped.py:7"),
    ("tanh_input", "tanh", "nodes", "differs", "from the input", "tanh_input.py:9"),
    ("no_visited", "used twice", "graph", "differs", "visited set", "no_visited.py:10"),
    ("no_visited", "many paths", "graph", "crash", "visited set", "no_visited.py:10"),
    ("recursive", "chain of 10,000", "graph", "limit", "recursion", "recursive.py:10"),
    ("recursive", "diamond", "graph", "conforms", "", ""),
    ("returns_node", "*", "nodes", "differs", "a node where a number", "returns_node.py"),
    ("mutates", "neg", "nodes", "differs", "changes its operands", "mutates.py:7"),
    ("crashes", "+", "2 ⊕ v", "crash", "", ""),
    ("convention", "relu", "edges", "convention", "", ""),
    ("convention", "relu", "nodes", "conforms", "", ""),
    ("corrupts", "sigmoid", "nodes", "crash", "", ""),
]


def planted(name):
    """The report of an engine with a planted bug, on the rows the bugs are expected in."""
    return report_of(engine(name), only=sorted({p[1] for p in PLANTED if p[0] == name}))


@pytest.mark.parametrize(("name", "row", "column", "kind", "cause", "line"),
                         sampled(PLANTED, 6, "test_a_planted_bug_is_found_named_and_located",
                                 several=True),
                         ids=[f"{p[0]}-{p[1]}" for p in PLANTED])
def test_a_planted_bug_is_found_named_and_located(name, row, column, kind, cause, line):
    if kind == "convention" and torch is None:
        pytest.skip("a kink's convention is PyTorch's to say; central differences cannot")
    report = planted(name)
    if kind == "conforms":  # (a right part of the same engine)
        assert report.rows[row][column] == "conforms", str(report)
        return
    here = [f for f in report.findings if (f.row, f.column, f.kind) == (row, column, kind)]
    assert here, f"no {kind} finding at {row} · {column}:\n{report}"
    assert report.rows[row][column] == kind
    assert cause in here[0].cause and line in here[0].line, here[0].text()
    assert here[0].program  # the smallest program, as Python
    if kind in ("differs", "crash"):
        assert not report.ok and report.exit_code() == 1


def test_a_bug_only_at_large_inputs_is_found_by_hypothesis_past_the_cap():
    """exp's derivative capped at x = 50: the ordinary numbers conform, hypothesis's large
    ones differ."""
    report = planted("large")
    assert report.rows["exp"]["nodes"] == "conforms"
    found = next(f for f in report.findings if (f.row, f.column) == ("exp", "large"))
    x = float(found.program.splitlines()[0].split("(")[1].rstrip(")"))
    assert x > 50, found.text()  # (just past the cap, as a rule; which case is hypothesis's)


def test_a_crash_is_one_finding_and_the_checks_go_on():
    report = report_of(engine("crashes"), only=["+", "*"])
    crash = next(f for f in findings(report, "crash") if f.row == "+")
    assert "SIGSEGV" in crash.summary and "crashes.py" in crash.summary  # faulthandler's stack
    assert "1.5 + x0" in crash.program  # (the op's sample numbers)
    assert report.rows["*"]["nodes"] == "conforms"  # checked after the crash
    report = report_of(engine("corrupts"), only=["sigmoid", "tanh"])
    corrupt = next(f for f in findings(report, "crash"))
    assert "no longer computes" in corrupt.summary
    assert report.rows["tanh"]["nodes"] == "conforms"


def test_a_bug_is_found_against_central_differences_too():
    assert conform(engine("right"), fast=True, reference="differences").ok
    report = conform(engine("swapped"), fast=True, reference="differences", only=["-"])
    assert report.rows["-"]["2 ⊕ v"] == "differs"
    assert report.reference == "central differences"


def test_a_class_defined_in_a_script_is_sent_as_its_source(tmp_path):
    """A class with no module to import (a notebook's, a script's) runs apart all the same."""
    script = tmp_path / "mine.py"
    source = (ENGINES / "right.py").read_text().replace('"""A small', '"""My')
    script.write_text(source + textwrap.dedent("""
        from tinygrad_edu.testing import conform
        report = conform(Value, fast=True, only=["tanh", "+"])
        print(report.summary())
        assert report.ok and report.rows["tanh"]["nodes"] == "conforms"
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "__main__.Value conforms" in done.stdout


def test_the_command_line_writes_the_table_the_card_and_junit(tmp_path):
    card, junit, found = tmp_path / "card.html", tmp_path / "junit.xml", tmp_path / "f.json"
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "conform", engine("swapped"), "--fast",
         "--only", "-", "--only", "diamond", "--html", str(card), "--junit", str(junit),
         "--json", str(found)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "DIFFERS" in done.stdout and "operands swapped" in done.stdout
    suite = ElementTree.parse(junit).getroot()
    assert int(suite.get("failures")) >= 1 and int(suite.get("tests")) == 7  # (6 and 1)
    assert "operands swapped" in card.read_text()
    assert json.loads(found.read_text())["ok"] is False
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "conform", "no_such_engine"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "no_such_engine" in done.stderr


def test_the_pytest_plugin_is_opt_in(tmp_path):
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "pytest11" not in pyproject  # never loaded by itself
    plugins = entry_points(group="pytest11")  # (what pytest loads by itself: none of ours)
    assert plugins and not [p for p in plugins if p.value.startswith("tinygrad_edu")]
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir",
            str(tmp_path)]
    # (the other plugins left out below, for time: nbmake's alone takes seconds to import)
    done = subprocess.run([*base, "-p", "tinygrad_edu.conform", "--conform-fast",
                           "--conform-only", "-", "--conform-only", "+",
                           "--conform-engine", engine("swapped")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 1, done.stdout[-3000:]
    assert "1 failed, 2 passed" in done.stdout and "operands swapped" in done.stdout


@pytest.mark.skipif(torch is None, reason="the fast mode's time is PyTorch's comparisons")
def test_the_fast_mode_is_fast():
    report = report_of("tinygrad_edu:Value")
    assert report.seconds < 30  # (under 10 s alone; the 2 shared cores of CI run others too)


@pytest.mark.long(sibling="test_no_false_alarm_on_a_right_engine")
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("target", [*RIGHT, engine("recursive")])
def test_no_false_alarm_under_many_seeds_in_full_mode(target, seed):
    report = conform(target, seed=seed)
    assert report.ok, str(report)


@pytest.mark.long(sibling="test_a_planted_bug_is_found_named_and_located")
@pytest.mark.parametrize("seed", range(4))
def test_the_planted_bugs_are_found_under_many_seeds(seed):
    for name, row, column, kind, cause, line in PLANTED:
        report = conform(engine(name), fast=True, seed=seed, only=[row])
        if kind == "conforms":
            assert report.rows[row][column] == "conforms"
            continue
        here = [f for f in report.findings if (f.row, f.column, f.kind) == (row, column, kind)]
        assert here and cause in here[0].cause and line in here[0].line, (name, row)


def test_a_class_with_no_source_runs_here_and_a_hang_is_stopped():
    """A class made by exec (no source to send apart) is checked in this process, said so
    in the report, and a backward that never ends is stopped by its time limit."""
    source = (ENGINES / "right.py").read_text().replace(
        "elif id(node) not in seen:", "elif True:  # (no visited set)")
    namespace: dict = {}
    exec(compile(source, "<no file>", "exec"), namespace)
    report = conform(namespace["Value"], fast=True, only=["used twice", "many paths"])
    assert "ran in this process" in report.summary()
    assert report.rows["used twice"]["graph"] == "differs"
    assert report.rows["many paths"]["graph"] == "crash"  # (stopped after 5 s)
    assert "did not answer within 5 s" in next(
        f for f in report.findings if f.row == "many paths").summary
