"""A graded function (or class) that is the same code as an answer the package ships is flagged,
never scored differently (``copies.py``), for the teacher alone (issues 65 and 66): a mark's
``copied``, a report's CSV column and page, a test of Gradescope's hidden from students, a
hidden test case of Otter's; never a verdict's text, ``check``'s output, ``check --json``
nor any feedback a learner reads. A copy renamed, aliased, with dead code added and lightly
rewritten (a dict for a set, ``+=`` for ``append``, ``[::-1]`` for ``reversed``) is the same
code; no honest right answer of the corpus (``right_variants.py``, a learner's microgpt, the
guides' code, the catalog of wrong answers) is flagged, and neither is an answer that every
learner writes the same way or is shown: the four-line softmax of the guide, micrograd's
lecture, backward as the sort the Value exercise's note shows and backward_step's line.
(Classmates with the same code: ``test_copies_classmates.py``; code compiled at run time:
``test_copies_run_time.py``.)"""

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from tests.exercises.gpt_answers import ITERATIVE_SORT, SLIPS, with_slip
from tests.exercises.gpt_answers import RIGHT as RIGHT_GPT
from tests.exercises.right_variants import HEAD, STAGE_VARIANTS, VARIANTS
from tests.exercises.wrong_answers import WRONG_ANSWERS
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.classroom.results import (
    as_gradescope,
    for_staff,
    said,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.copies import (
    BESIDE,
    COPIED,
    CopyReading,
    answers,
)
from tinygrad_edu.exercises.microgpt.stages import TRACK

ATTACKS = Path(__file__).parent / "attacks"
COPIED_FILE = (ATTACKS / "copied.py.txt").read_text()
COPIED_GPT = (ATTACKS / "copied_gpt.py.txt").read_text()

FLAGGED = sorted(name for name in EXERCISES if any(
    where == "model_answers.py" and theirs for where, _, theirs, _, _ in answers(name)))
"""The exercises whose model answer has enough material of its own to be flagged with its
names made anonymous."""
NAMED = sorted(name for name in EXERCISES if any(
    where == "model_answers.py" and named for where, _, _, named, _ in answers(name)))
"""The exercises whose model answer has enough material of its own, its names as written."""

EDITED_PATHS = '''
def _mine(start, target):
    """Every path counted."""
    topo, been, todo = [], {}, [(start, 0)]
    debug = False
    while len(todo) > 0:
        n, ok = todo.pop()
        if ok:
            topo += [n]
            continue
        if n in been:
            continue
        been[n] = 1
        todo += [(n, 1)]
        for q in n.parents:
            todo.append((q, 0))
    cnt = {start: 1}
    tot = {start: 1.0}
    if debug:
        print(topo)
    for n in topo[::-1]:
        for q, d in zip(n.parents, n.local_grads):
            cnt[q] = cnt.get(q, 0) + cnt.get(n, 0)
            tot[q] = tot.get(q, 0.0) + d * tot.get(n, 0.0)
    return cnt.get(target, 0), tot.get(target, 0.0)
    print("never")


sum_over_paths = _mine
'''
"""model_answers.py's sum_over_paths renamed, aliased, with a docstring and dead lines of its
own, a dict for the set, ``+=`` and a loop of appends for ``append`` and ``extend``,
``[::-1]`` for ``reversed``, the ``elif`` turned into ``continue``: the same code."""

HONEST_PATHS = '''
def sum_over_paths(root, x):
    paths, total = 0, 0.0
    todo = [(root, 1, 1.0)]
    while todo:
        node, count, product = todo.pop()
        if node is x:
            paths += count
            total += product
            continue
        for parent, local in zip(node.parents, node.local_grads):
            todo.append((parent, count, product * local))
    return paths, total
'''
"""A sum over paths written otherwise (each path walked): not a copy."""

NOTE_PATHS = '''
def sum_over_paths(root, x):
    topo, visited, stack = [], set(), [(root, False)]
    while stack:
        v, children_done = stack.pop()
        if children_done:
            topo.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            stack.extend((child, False) for child in v.parents)
    counts = {root: 1}
    sums = {root: 1.0}
    for v in reversed(topo):
        for p, g in zip(v.parents, v.local_grads):
            counts[p] = counts.get(p, 0) + counts.get(v, 0)
            sums[p] = sums.get(p, 0.0) + sums.get(v, 0.0) * g
    return counts.get(x, 0), sums.get(x, 0.0)
'''
"""A sum over paths on the sort the Value exercise's note shows, its names too, then counts
and sums pushed down in two dicts as backward pushes gradients: not a copy, though with
names made anonymous it holds all of the model answer's distinctive fingerprints (issue 65,
an attacker's honest file flagged on every route)."""

GUIDE_SOFTMAX = '''
def softmax(logits):
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]
'''
"""The four lines of softmax the microgpt guide shows: what every learner writes."""


def write(tmp_path, text, name="solutions.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def flagged_in(path):
    reading = CopyReading(path)
    return [ex.name for ex in [*EXERCISES.values(), *TRACK.values()] if reading.same(ex)]


def test_the_attackers_copy_is_flagged_for_the_teacher_and_scored_as_before(tmp_path, capsys):
    """The attacker's file of every model answer copied: the two flagged (``backward`` by
    its names as written) pass, graded as any answer is (test_starters.py grades every model
    answer so), and the learner's check says nothing of the flag."""
    path = write(tmp_path, COPIED_FILE, "copied.py")
    assert cli(["check", str(path), "backward", "sum_over_paths"]) == 0  # (not zeroed)
    out = capsys.readouterr().out
    assert "2 of 2 attempted exercises pass" in out, out
    assert "⚑" not in out and COPIED not in out  # (a learner's check never shows it)
    assert FLAGGED == ["sum_over_paths"]  # (and backward by its names as written)
    assert flagged_in(path) == ["backward", "sum_over_paths"]
    assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
        "model_answers.py's sum_over_paths"


def test_a_copy_renamed_aliased_edited_and_with_dead_code_is_flagged(tmp_path):
    reading = CopyReading(write(tmp_path, EDITED_PATHS))
    assert reading.same(EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths"
    honest = CopyReading(write(tmp_path, HONEST_PATHS, "honest.py"))
    assert honest.same(EXERCISES["sum_over_paths"]) == ""
    # padded: a statement that changes nothing after each line of it
    lines = inspect.getsource(M.sum_over_paths).split("\n")
    padded = "\n".join(f"{line}\n{line[:len(line) - len(line.lstrip())]}{pad}"
                       if line.strip() and not line.rstrip().endswith(":") and "return" not in
                       line and not line.lstrip().startswith("#") else line
                       for line, pad in zip(lines, ["print(end='')", "assert True", "x = x",
                                                    "_ = len(order)"] * len(lines)))
    assert CopyReading(write(tmp_path, padded, "padded.py")).same(
        EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths"
    # the note's sort as the note writes it, put before a renamed copy, hides nothing
    sort = NOTE_PATHS[:NOTE_PATHS.index("    counts")]
    renamed = re.sub(r"\b(order|seen|node|listed|parent|local|count|total)\b",
                     lambda m: m.group(1)[::-1] + "_", inspect.getsource(M.sum_over_paths))
    noted = sort + "    print(len(topo))\n" + renamed[renamed.index("\n") + 1:]
    assert CopyReading(write(tmp_path, noted, "noted.py")).same(
        EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths"


WALKED = {
    "get": """
from tinygrad_edu import walk

def sum_over_paths(root, x):
    n_paths = {root: 1}
    total = {root: 1.0}
    for v in reversed(walk(root)):
        for p, g in zip(v.parents, v.local_grads):
            n_paths[p] = n_paths.get(p, 0) + n_paths.get(v, 0)
            total[p] = total.get(p, 0.0) + total.get(v, 0.0) * g
    return n_paths.get(x, 0), total.get(x, 0.0)
""",
    "defaultdict": """
from collections import defaultdict
from tinygrad_edu import walk

def sum_over_paths(root, x):
    counts = defaultdict(int)
    sums = defaultdict(float)
    counts[root] = 1
    sums[root] = 1.0
    for node in reversed(walk(root)):
        for parent, local in zip(node.parents, node.local_grads):
            counts[parent] += counts[node]
            sums[parent] += sums[node] * local
    return counts[x], sums[x]
""",
    "slice": """
from tinygrad_edu import walk

def sum_over_paths(root, x):
    paths = {root: 1}
    sums = {root: 1.0}
    for node in walk(root)[::-1]:
        for parent, g in zip(node.parents, node.local_grads):
            paths[parent] = paths.get(parent, 0) + paths.get(node, 0)
            sums[parent] = sums.get(parent, 0.0) + sums.get(node, 0.0) * g
    return paths.get(x, 0), sums.get(x, 0.0)
"""}
"""Honest ``sum_over_paths`` on the engine's sort, as ``backward`` is written (an attacker's,
issue 65: each flagged as the model answer's copy before, in the report and Gradescope)."""


@pytest.mark.parametrize("form", sorted(WALKED))
def test_an_answer_on_walks_order_is_not_the_model_answers_copy(form, tmp_path):
    assert CopyReading(write(tmp_path, WALKED[form])).same(EXERCISES["sum_over_paths"]) == ""
    if form == "defaultdict":  # (its accumulation is no longer the model answer's)
        return
    # the model answer's own sort put in place of walk's is its copy, renamed or not
    sort = inspect.getsource(M.sum_over_paths).split("    count, total")[0]
    renamed = re.sub(r"\b(order|seen|stack|node|listed|parent)\b",
                     lambda m: m.group(1)[::-1] + "_", sort)
    head, body = WALKED[form].split("def sum_over_paths(root, x):\n")
    loop = next(line for line in body.splitlines() if "walk(root)" in line)
    copied = head + renamed + body.replace(loop, loop.replace("walk(root)", "redro_"))
    assert "walk(root)" not in copied.split("import walk")[-1], copied
    assert CopyReading(write(tmp_path, copied, "copied.py")).same(
        EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths", copied


@pytest.mark.parametrize("name", FLAGGED)
def test_every_flagged_model_answer_is_flagged_under_other_names(name, tmp_path):
    source = inspect.getsource(getattr(M, name))
    renamed = re.sub(r"\b(order|seen|stack|node|parent|local|count|total)\b",
                     lambda m: m.group(1)[::-1] + "_", source)
    path = write(tmp_path, "import math\nimport numpy as numpy_\n\n" + renamed.replace(
        "np.", "numpy_."))
    assert CopyReading(path).same(EXERCISES[name]) == f"model_answers.py's {name}"


def honest_files():
    """Right answers written as learners write them, and the catalog's wrong ones: each as
    a file, with the exercises (or stages) it is graded on."""
    for name, entries in VARIANTS.items():
        if name != "Value":  # (micrograd's lecture itself: what exercise 18 asks for)
            for what, source in entries:
                yield f"{name}: {what}", HEAD + source
    for name, entries in STAGE_VARIANTS.items():
        for what, source in entries:
            yield f"{name}: {what}", HEAD + source
    yield "microgpt as a learner writes it", RIGHT_GPT
    yield "its sort with a stack", RIGHT_GPT.replace(*ITERATIVE_SORT)
    for stage, slips in SLIPS.items():
        for what, old, new in slips[:2]:
            yield f"{stage}: {what}", with_slip(old, new)
    for name, what, source in WRONG_ANSWERS:
        if isinstance(source, str):
            yield f"{name}: {what}", HEAD + textwrap.dedent(source)
    yield "the guide's softmax", GUIDE_SOFTMAX
    docs = Path(__file__).parents[2] / "docs"
    for page in sorted(docs.rglob("*.md")):
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S)):
            if "def " in block or "class " in block:
                yield f"{page.name}, block {i}", block
    iterative = dict(VARIANTS["topological_sort"])["iterative"]
    yield "backward on an iterative sort", HEAD + iterative + (
        "\n\ndef backward(root):\n    root.grad = 1.0\n"
        "    for node in reversed(topological_sort(root)):\n"
        "        for parent, local in zip(node.parents, node.local_grads):\n"
        "            parent.grad += local * node.grad\n")
    yield "a sum over paths walked", HONEST_PATHS
    yield "a sum over paths on the note's sort", NOTE_PATHS


def test_no_honest_answer_is_flagged(tmp_path):
    files = list(honest_files())
    assert len(files) > 160
    flagged = [(what, flagged_in(write(tmp_path, source))) for what, source in files]
    assert [f for f in flagged if f[1]] == []


def test_what_every_learner_writes_is_never_flagged(tmp_path):
    """The short and the canonical: a copy of them is the same code as honest work, flagged
    neither alone nor under its own name in a copied file (issue 66: the guide's softmax,
    flagged for a learner alone)."""
    for name in ("d_mul", "d_tanh", "backward_step", "topological_sort", "dense_backward",
                 "Value"):
        assert name not in FLAGGED + NAMED
        if name != "Value":  # (each model answer alone, as written, in a file of its own)
            alone = write(tmp_path, "import math\nimport numpy as np\n\n\n"
                          + inspect.getsource(getattr(M, name)), f"{name}.py")
            assert flagged_in(alone) == []
    assert "backward" not in FLAGGED and NAMED == ["backward", "sum_over_paths"]
    # the model answers' file copied whole: its answers long enough to flag, nothing else
    for where, flagged in (("model_answers.py", ["backward", "sum_over_paths"]),
                           ("lecture.py", [])):
        copied = write(tmp_path, (Path(M.__file__).parent / where).read_text(), where)
        assert flagged_in(copied) == flagged
    # the track's reference is microgpt's own code, which the track asks for: not compared
    assert flagged_in(write(tmp_path, COPIED_GPT, "copied_gpt.py")) == []
    assert flagged_in(write(tmp_path, GUIDE_SOFTMAX, "softmax.py")) == []


RENAMED = "import math\n\n\ndef _my_tanh(x, y):\n    return 1 - y * y\n\n\n" \
    + "d_tanh = _my_tanh\n\n\n" + re.sub(r"\broot\b", "r", inspect.getsource(M.backward)).replace(
        "def backward(r)", "def _my_backward(r)").replace(
        "    while stack:", "    print('sorting')\n    while stack:") \
    + "\n\nbackward = _my_backward\n"
"""The model answers of d_tanh and backward renamed and aliased, a dead line added (the
teacher's copy of issue 67: 2 points, flagged nowhere)."""
HONEST_BACKWARD = '''
def d_tanh(x, y):
    return 1 - y * y


def backward(root):
    topo, visited, stack = [], set(), [(root, False)]
    while stack:
        v, children_done = stack.pop()
        if children_done:
            topo.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            stack.extend((child, False) for child in v.parents)
    root.grad = 1.0
    for v in reversed(topo):
        for parent, local in zip(v.parents, v.local_grads):
            parent.grad += local * v.grad
'''
"""Right answers as a learner writes them from the statement and the Value exercise's note
(its sort with a stack, its names)."""


def test_a_renamed_copy_of_short_model_answers_is_flagged_and_honest_work_is_not(tmp_path):
    """backward's model answer, renamed and aliased with a dead line, is flagged by its names
    as written (it is the sort the note shows, too short to flag with names made anonymous);
    d_tanh's one line, renamed and aliased beside it, is flagged as such; the same right
    answers written from the note are not, nor d_tanh's line alone (issues 66 and 67)."""
    assert "r.grad = 1.0" in RENAMED and "print('sorting')" in RENAMED
    copied = CopyReading(write(tmp_path, RENAMED, "copy.py"))
    assert copied.same(EXERCISES["backward"]) == "model_answers.py's backward"
    assert copied.same(EXERCISES["d_tanh"]) == f"model_answers.py's d_tanh, {BESIDE} backward"
    assert flagged_in(tmp_path / "copy.py") == ["d_tanh", "backward"]
    assert flagged_in(write(tmp_path, HONEST_BACKWARD, "honest.py")) == []
    # d_tanh renamed and aliased with no copy beside it, or written under its name beside
    # one: not flagged
    alone = RENAMED[:RENAMED.index("def _my_backward")]
    assert flagged_in(write(tmp_path, alone, "alone.py")) == []
    direct = RENAMED.replace("def _my_tanh", "def d_tanh").replace("d_tanh = _my_tanh", "")
    assert flagged_in(write(tmp_path, direct, "direct.py")) == ["backward"]
    exercises = [EXERCISES["d_tanh"], EXERCISES["backward"]]
    result = grade_file(tmp_path / "copy.py", exercises, {"d_tanh": 1.0, "backward": 2.0})
    assert result.score == 3.0 and [m.copied for m in result.marks] == [
        f"model_answers.py's d_tanh, {BESIDE} backward", "model_answers.py's backward"]
    hidden = [t for t in as_gradescope(result)["tests"] if t["visibility"] == "hidden"]
    assert "⚑ d_tanh:" in hidden[0]["output"] and "⚑ backward:" in hidden[0]["output"]
    # the staff's log of every route (nbgrader's autograde, PrairieLearn's grading job,
    # Gradescope's and Otter's stdout): the flags, the channel nbgrader and PrairieLearn have
    staff = for_staff(result)
    assert "⚑ d_tanh: " in staff and "⚑ backward: " in staff
    assert "⚑" not in said(result, "prairielearn") + "".join(m.text for m in result.marks)


def test_the_starters_are_no_copies(tmp_path, capsys):
    for name, args in (("start.py", []), ("gpt.py", ["microgpt"])):
        assert cli(["start", str(tmp_path / name), *args]) == 0
        assert flagged_in(tmp_path / name) == []



def test_only_the_teachers_routes_read_copies():
    """The flag is never shown to a learner alone: of the package, only the classroom's
    modules import ``copies.py`` (the page and the learner's process never do); ``check``
    grades through ``submissions.py`` and prints the verdict's text, which never carries
    the flag (above), and ``check --json`` drops it."""
    package = Path(M.__file__).parents[1]
    readers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if re.search(r"^from tinygrad_edu\.exercises(\.copies| import .*\bcopies\b)",
                                  p.read_text(encoding="utf-8"), re.M))
    assert readers == [f"exercises/classroom/{name}.py" for name in (
        "for_otter_grading", "isolation", "report", "results", "submissions")], readers

