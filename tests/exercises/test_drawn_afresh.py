"""Inputs drawn afresh at every grading (issue 65): from a seed the operating system gives,
recorded in the result, that grades the file again on the same inputs.

- Every right answer passes whatever the seed: the model answers and the right forms of
  ``right_variants.py`` (another formula of the rule, another algorithm), for every exercise
  and every stage of the track, each graded under many seeds (the long tier; the variants
  under a sample of seeds in the main tier, whose other files grade the rest), the exact
  points and their tolerance, which follows the rule's conditioning, included.
- What was built for one grading's inputs earns nothing at the next: a table of the answers
  to the graphs drawn with a seed of its own; a topological sort that sorts by the grader's
  labels (no longer in the order the nodes were made).
- The seed is recorded (``--json``, the report's ``seed``), and ``--seed`` draws the same
  inputs again.
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.exercises.right_variants import HEAD, LONG_VARIANTS, STAGE_VARIANTS, VARIANTS
from tinygrad_edu.exercises import EXERCISES, TRACK, cases, model_answers
from tinygrad_edu.exercises.grading import grade
from tinygrad_edu.exercises.microgpt import reference
from tinygrad_edu.exercises.starters import model_answer_body, starter_head

SAMPLE = (11,)
"""The seed the main tier tries every right answer under (the long tier: ``MANY``)."""
MANY = range(100, 130)
"""The long tier's: 30 more."""


def _defined(source, name, namespace=None):
    space = dict(namespace or {})
    exec(compile(HEAD + source, f"<{name}>", "exec"), space)
    return space[name]


def _answers():
    """(label, exercise, solution): every exercise's model answer and right variants, every
    stage's reference and right variants."""
    found = []
    for name, ex in EXERCISES.items():
        if ex.kind == "class":
            found += [(f"{name}: {what}", ex, _defined(source, ex.symbol))
                      for what, source in VARIANTS.get(name, ())]
            continue
        found.append((f"{name}: model answer", ex, getattr(model_answers, name)))
        found += [(f"{name}: {what}", ex, _defined(source, name))
                  for what, source in VARIANTS.get(name, ())]
    stages = {n: getattr(reference, n) for n in reference.__all__ if n != "source_of"}
    for name, ex in TRACK.items():
        found.append((f"{name}: reference", ex, ex.reference))
        body = model_answer_body(ex)  # (as a learner's file holds it)
        found.append((f"{name}: as written", ex, _defined(f"{starter_head(ex)}\n{body}\n",
                                                          ex.symbol, stages)))
        found += [(f"{name}: {what}", ex, _defined(source, ex.symbol, stages))
                  for what, source in STAGE_VARIANTS.get(name, ())]
    return found


ANSWERS = _answers()
MORE = [(f"{name}: {what}", EXERCISES[name], _defined(source, EXERCISES[name].symbol))
        for name, forms in LONG_VARIANTS.items() for what, source in forms]
"""The long tier's more honest forms (``right_variants.LONG_VARIANTS``)."""


def _failures(seed, answers=ANSWERS):
    cases.begin(seed)
    try:
        return [f"{label}: {grade(ex, solution)}" for label, ex, solution in answers
                if not grade(ex, solution).passed]
    finally:
        cases.begin()


GRADED_ELSEWHERE = ("model answer", "reference", "as written")
"""The right answers the main tier grades at a fresh seed in other files too
(test_starters.py, test_graded_here.py), which it leaves to them here: it tries the
variants."""


@pytest.mark.parametrize("seed", SAMPLE)
def test_right_answers_pass_whatever_the_seed(seed):
    variants = [a for a in ANSWERS if a[0].split(": ", 1)[1] not in GRADED_ELSEWHERE]
    assert len(variants) > 30
    assert _failures(seed, variants) == []


@pytest.mark.long(sibling="test_right_answers_pass_whatever_the_seed")
@pytest.mark.parametrize("seed", MANY)
def test_right_answers_pass_under_many_seeds(seed):
    assert _failures(seed, ANSWERS + MORE) == []


def test_each_grading_draws_its_own_inputs():
    """Two gradings, two seeds from the operating system; the same seed, the same inputs
    (the exact points too), and the graphs' labels shuffled."""
    from tinygrad_edu.exercises.cases import draw_exact
    from tinygrad_edu.exercises.running import probe_cases

    first, second = cases.begin(), cases.begin()
    assert first != second
    tanh, sort = EXERCISES["d_tanh"], EXERCISES["topological_sort"]
    drawn = {}
    for seed in (first, second, first):
        cases.begin(seed)
        drawn.setdefault(seed, []).append((draw_exact(tanh), [str(c) for c in probe_cases(sort)]))
    assert drawn[first][0] == drawn[first][1]
    assert drawn[first][0][0] != drawn[second][0][0]
    assert drawn[first][0][1] != drawn[second][0][1]
    graphs = [c for c in probe_cases(sort) if len(getattr(c, "labels", ())) > 2]
    assert any(list(g.labels) != sorted(g.labels) for g in graphs)
    cases.begin()


LABEL_SORT = '''
def topological_sort(root):
    """Every node root depends on, sorted by its label: x0, x1... then v1, v2..., the order
    the grader's graphs were made in (it knows nothing of the edges)."""
    seen, todo = {root}, [root]
    while todo:
        for parent in todo.pop().parents:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)

    def key(node):
        label = node.label or ""
        return (label[:1] != "x", int(label[1:]) if label[1:].isdigit() else 0)

    return sorted(seen, key=key)
'''
"""A sort that reads the grader's labels (1/1 when they were in creation order)."""


def test_a_sort_by_the_graders_labels_fails(tmp_path):
    path = tmp_path / "sort.py"
    path.write_text(LABEL_SORT, encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check",
                           str(path), "topological_sort", "--json", "--allow-unsandboxed"],
                          capture_output=True, text=True, timeout=300)
    data = json.loads(done.stdout)
    assert data["score"] == 0, data["exercises"][0]["verdict"]


def _table_for(seed):
    """A backward that looks its answers up in a table made offline for the graphs the
    grading of ``seed`` draws (no chain rule anywhere): each graph by its nodes' labels and
    numbers, parents and local derivatives, each node's gradient by its label."""
    from tinygrad_edu.exercises import running

    cases.begin(seed)
    ex = EXERCISES["backward"]
    running.search(ex, model_answers.backward)
    table = {}
    for case in [*ex.examples, *running._DRAWN[ex, False, seed], *running.probe_cases(ex)]:
        nodes = case.build()
        model_answers.backward(nodes[-1])
        reached = model_answers.topological_sort(nodes[-1])
        key = tuple(sorted((n.label, repr(n.data), tuple(p.label for p in n.parents),
                            repr(list(n.local_grads))) for n in reached))
        table[key] = {n.label: n.grad for n in reached}
    cases.begin()
    return "TABLE = " + repr(table) + """


def backward(root):
    nodes, todo = set(), [root]
    while todo:
        node = todo.pop()
        if node not in nodes:
            nodes.add(node)
            todo.extend(node.parents)
    grads = TABLE.get(tuple(sorted((n.label, repr(n.data), tuple(p.label for p in n.parents),
                                    repr(list(n.local_grads))) for n in nodes)), {})
    for node in nodes:
        node.grad = grads.get(node.label, 0.0)
"""


@pytest.mark.slow
def test_a_table_made_for_one_seed_fails_at_the_next_grading(tmp_path):
    """A table of the answers to one grading's graphs (a file made offline, when the
    inputs were the same at every grading) earns nothing at a grading of another seed;
    every result records its seed, and --seed grades the file again on the same inputs."""
    path = tmp_path / "table.py"
    path.write_text(_table_for(7), encoding="utf-8")
    made_for = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises",
                               "check", str(path), "backward", "--json", "--allow-unsandboxed",
                               "--seed", "7"], capture_output=True, text=True, timeout=300)
    assert json.loads(made_for.stdout)["score"] == 1  # (its own seed's inputs: the table)
    done = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check",
                           str(path), "backward", "--json", "--allow-unsandboxed"],
                          capture_output=True, text=True, timeout=300)
    data = json.loads(done.stdout)
    assert data["score"] == 0 and data["seed"] != 7, data
    again = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check",
                            str(path), "backward", "--json", "--allow-unsandboxed", "--seed",
                            str(data["seed"])], capture_output=True, text=True, timeout=300)
    assert json.loads(again.stdout)["exercises"][0]["verdict"] == \
        data["exercises"][0]["verdict"]
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(HEAD + "\n" + model_answer_body(EXERCISES["backward"])
                                   .join(["def backward(root):\n", "\n"]), encoding="utf-8")
    report = tmp_path / "r.csv"
    subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "report",
                    str(folder), "backward", "-o", str(report), "--allow-unsandboxed",
                    "--seed", "99"], capture_output=True, text=True, timeout=300, check=True)
    (row,) = csv.DictReader(report.read_text("utf-8").splitlines())
    assert row["seed"] == "99" and row["score"] == "1", row


DRAWS = """
import hashlib, sys
sys.path.insert(0, sys.argv[1])
if len(sys.argv) > 2:
    import {module}  # a module of the user's own, written with numbers
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.running import probe_cases, search
from tests.exercises.learners import solution
cases = probe_cases(EXERCISES["d_tanh"])
_, tried = search(EXERCISES["d_tanh"], solution("def d_tanh(x, y):\\n    return 1 - y * y\\n",
                                                "d_tanh"))
print(hashlib.sha256(repr(cases).encode()).hexdigest(), tried)
"""


def test_one_seed_draws_the_same_inputs_whatever_modules_are_loaded(tmp_path):
    """``--seed`` draws the same inputs in any process: hypothesis no longer mixes in the
    numbers written in the modules loaded that it takes for the user's own (tinygrad_edu's
    own files too, where it comes from a clone rather than a wheel). Before, a module of
    400 numbers loaded beside the grader changed every input drawn from seed 7."""
    (tmp_path / "numbers_here.py").write_text(
        "NUMBERS = [" + ", ".join(f"{0.1 + k * 0.0371:.6f}" for k in range(400)) + "]\n")
    script = DRAWS.format(module="numbers_here")
    env = {**os.environ, cases.SEED: "7"}
    runs = [subprocess.run([sys.executable, "-c", script, str(tmp_path), *extra], env=env,
                           capture_output=True, text=True, timeout=300, check=True,
                           cwd=Path(__file__).resolve().parents[2]).stdout
            for extra in ((), ("loaded",))]
    assert runs[0] == runs[1] and runs[0].strip(), runs
