"""A graded function (or class) that is the same code as an answer the package ships is flagged,
never scored differently (``copies.py``), for the teacher alone (issues 65 and 66): a mark's
``copied``, a report's CSV column and page, a test of Gradescope's hidden from students, a
hidden test case of Otter's; never a verdict's text, ``check``'s output, ``check --json``
nor any feedback a learner reads. A copy renamed, aliased, with dead code added and lightly
rewritten (a dict for a set, ``+=`` for ``append``, ``[::-1]`` for ``reversed``) is the same
code; no honest right answer of the corpus (``right_variants.py``, a learner's microgpt, the
guides' code, the catalog of wrong answers) is flagged, and neither is an answer that every
learner writes the same way or is shown: the four-line softmax of the guide, micrograd's
lecture, backward as the sort the Value exercise's note shows and backward_step's line."""

import csv
import inspect
import io
import json
import marshal
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
from tinygrad_edu.exercises.classroom.report import report_csv, summary, with_classmates
from tinygrad_edu.exercises.classroom.results import (
    Result,
    as_gradescope,
    as_json,
    as_sent,
    for_staff,
    said,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.copies import (
    BESIDE,
    BUILT,
    COMPILED,
    COPIED,
    CROWD,
    SHARE,
    CopyReading,
    answers,
    classmates,
)
from tinygrad_edu.exercises.microgpt.stages import TRACK

ATTACKS = Path(__file__).parent / "attacks"
COPIED_FILE = (ATTACKS / "copied.py.txt").read_text()
COPIED_GPT = (ATTACKS / "copied_gpt.py.txt").read_text()

FLAGGED = sorted(name for name in EXERCISES if any(
    where == "model_answers.py" and theirs for where, _, theirs, _ in answers(name)))
"""The exercises whose model answer has enough material of its own to be flagged with its
names made anonymous."""
NAMED = sorted(name for name in EXERCISES if any(
    where == "model_answers.py" and named for where, _, _, named in answers(name)))
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
    path = write(tmp_path, COPIED_FILE, "copied.py")
    assert cli(["check", str(path)]) == 0  # (every answer passes: not zeroed)
    out = capsys.readouterr().out
    assert "19 of 19 attempted exercises pass" in out
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


BOBS = '''
def sum_over_paths(root, x):
    users, todo = {}, [root]
    while todo:
        node = todo.pop()
        for parent in node.parents:
            users[parent] = users.get(parent, 0) + 1
            if users[parent] == 1:
                todo.append(parent)
    ways, grads, ready = {root: 1}, {root: 1.0}, [root]
    while ready:
        node = ready.pop()
        for parent, local in zip(node.parents, node.local_grads):
            ways[parent] = ways.get(parent, 0) + ways[node]
            grads[parent] = grads.get(parent, 0.0) + grads[node] * local
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return ways.get(x, 0), grads.get(x, 0.0)
'''
"""A sum over paths of bob's own: each node's users counted, then passed on once every user
has passed to it."""

BOBS_AGAIN = '''
def sum_over_paths(start, target):
    count = {}
    stack = [start]
    while len(stack) > 0:
        v = stack.pop()
        for p in v.parents:
            count[p] = count.get(p, 0) + 1
            if count[p] == 1:
                stack += [p]
    n = {start: 1}
    g = {start: 1.0}
    go = [start]
    while go:
        v = go.pop()
        for p, d in zip(v.parents, v.local_grads):
            n[p] = n.get(p, 0) + n[v]
            g[p] = g.get(p, 0.0) + g[v] * d
            count[p] = count[p] - 1
            if count[p] == 0:
                go.append(p)
    print(n)
    return n.get(target, 0), g.get(target, 0.0)
'''
"""bob's sum_over_paths as a classmate hands it in: renamed, lightly edited, a line added."""


def test_classmates_with_the_same_code_are_flagged_in_the_report_alone(tmp_path):
    """What the package ships, what more than half of the class writes alike and what two
    share less of than ``FEWEST`` fingerprints is no pair's own; the rest is: bob's and
    dan's walk of every path, and carol's and eve's one copy of the model answer, edited
    alike."""
    class_ = {"bob": BOBS, "dan": BOBS_AGAIN, "gus": HONEST_PATHS, "carol": EDITED_PATHS,
              "eve": EDITED_PATHS.replace("debug = False", "debug = 0"), "fay": HEAD + dict(
                  VARIANTS["sum_over_paths"])["recursive"]}
    readings = {name: CopyReading(write(tmp_path, text, f"{name}.py"))
                for name, text in class_.items()}
    assert classmates(readings, EXERCISES["sum_over_paths"]) == {
        "bob": ("dan",), "dan": ("bob",), "carol": ("eve",), "eve": ("carol",)}
    assert classmates(readings, EXERCISES["backward"]) == {}
    # the suite's honest answers, one file each, from different hands: no two alike
    files = [(what, text) for what, text in honest_files() if what in dict(
        (f"{name}: {what}", 0) for name, entries in [*VARIANTS.items(), *STAGE_VARIANTS.items()]
        for what, _ in entries) or what.endswith(("writes it", "softmax", "walked")) or ", block "
        in what] + [("bob's", BOBS)]
    hands = {what: CopyReading(write(tmp_path, text, f"h{i}.py"))
             for i, (what, text) in enumerate(files)}
    assert len(hands) > 30
    assert not [ex.name for ex in [*EXERCISES.values(), *TRACK.values()]
                if classmates(hands, ex)]


def renamed(text, names):
    """``text`` with each of its names (a word) replaced as ``names`` says."""
    return re.sub(r"\b\w+\b", lambda m: names.get(m.group(), m.group()), text)


BOBS_THIRD = renamed(BOBS, {"users": "indegree", "todo": "stack", "ways": "paths",
                            "grads": "total", "ready": "queue", "local": "d"})
"""bob's sum_over_paths, a third classmate's copy: renamed."""

RECURSIVE = dict(VARIANTS["sum_over_paths"])["recursive"]
"""The short recursive sum over paths, memoised: what the lecture's sort leads to."""


def test_a_copy_ring_in_a_small_class_is_flagged(tmp_path):
    """Three copies of bob's answer among five files (an attacker, issue 65: more than half
    of the class, so their code was taken for what the class writes alike, and none was
    flagged); four among five. Code is the class's only in more than half of the files
    and in at least ``CROWD``: the ring is flagged, the two honest files are not."""
    honest = {"gus": HONEST_PATHS, "fay": HEAD + RECURSIVE}
    ring = {"bob": BOBS, "dan": BOBS_AGAIN, "eve": BOBS_THIRD}
    for copies, others in ((ring, honest), ({**ring, "ivy": BOBS_AGAIN.replace(
            "print(n)", "print(g)")}, {"gus": HONEST_PATHS})):
        class_ = {**others, **copies}
        assert len(class_) == 5 and 2 * len(copies) > len(class_)
        readings = {name: CopyReading(write(tmp_path, text, f"{name}.py"))
                    for name, text in class_.items()}
        assert classmates(readings, EXERCISES["sum_over_paths"]) == {
            name: tuple(sorted(set(copies) - {name})) for name in copies}


def test_what_most_of_a_class_writes_alike_is_no_pairs_own(tmp_path):
    """Most of a class of eight (five) writes the short recursive answer, each with names of
    their own: the same code, token for token once renamed, and no copy. It is the
    class's (in more than half of the files, and in ``CROWD``), so none of them is flagged;
    nor are the three others. (Were it any pair's own, each of the five would be flagged with
    the four others.)"""
    names = [{"memo": f"m{k}", "paths": f"walk{k}", "count": f"n{k}", "total": f"s{k}",
              "p": f"v{k}", "local": f"d{k}", "c": f"a{k}", "t": f"b{k}"} for k in range(CROWD)]
    class_ = {f"r{k}": HEAD + renamed(RECURSIVE, renamed_) for k, renamed_ in enumerate(names)}
    class_.update(bob=BOBS, gus=HONEST_PATHS, carol=EDITED_PATHS)
    assert 2 * CROWD > len(class_)  # (more than half of the class, and CROWD files)
    readings = {name: CopyReading(write(tmp_path, text, f"{name}.py"))
                for name, text in class_.items()}
    assert classmates(readings, EXERCISES["sum_over_paths"]) == {}
    assert len({readings[f"r{k}"].material(EXERCISES["sum_over_paths"])
                for k in range(CROWD)}) == 1


def test_a_class_report_and_gradescope_carry_the_flag(tmp_path):
    exercises = [EXERCISES["sum_over_paths"], EXERCISES["d_mul"]]
    points = {"sum_over_paths": 2.0, "d_mul": 1.0}
    copied = grade_file(write(tmp_path, EDITED_PATHS + "\n\ndef d_mul(a, b, y):\n"
                              "    return b, a\n", "carol.py"), exercises, points)
    honest = grade_file(write(tmp_path, BOBS + "\n\ndef d_mul(a, b, y):\n"
                              "    return b, a\n", "bob.py"), exercises, points)
    again = grade_file(write(tmp_path, BOBS_AGAIN, "dan.py"), exercises, points)
    assert again.score == 2.0
    assert copied.score == honest.score == 3.0  # (flagged, not scored differently)
    paths = copied.marks[0]
    assert paths.copied == "model_answers.py's sum_over_paths" and paths.passed
    assert paths.text.startswith("✓ sum_over_paths passed")
    assert "⚑" not in paths.text  # (the text a learner reads: never the flag)
    assert not copied.marks[1].copied and not any(m.copied for m in honest.marks)
    # the JSON a grading process sends back
    assert Result.from_json(as_json(copied)) == copied
    assert as_json(copied)["exercises"][0]["copied"] == "model_answers.py's sum_over_paths"
    # Gradescope: a test hidden from students, no points; nothing in what they see
    data = as_gradescope(copied)
    hidden = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and hidden[0]["max_score"] == 0, data["tests"]
    assert f"⚑ sum_over_paths: {COPIED} (model_answers.py's sum_over_paths;" in \
        hidden[0]["output"]
    assert hidden[0]["extra_data"]["copied"] == {
        "sum_over_paths": "model_answers.py's sum_over_paths"}
    visible = json.dumps([t for t in data["tests"] if t["visibility"] != "hidden"])
    assert "⚑" not in data["output"] and "⚑" not in visible and "copied" not in visible
    assert not any(t["visibility"] == "hidden" for t in as_gradescope(honest)["tests"])
    # the report: a column, and the page's data
    results = with_classmates([copied, honest, again], exercises, tmp_path)
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(report_csv(results,
                                                                          exercises)))}
    assert rows["carol"]["copied"] == f"sum_over_paths: {COPIED}"
    assert rows["bob"]["copied"] == rows["carol"]["alike"] == ""
    assert rows["bob"]["alike"] == "sum_over_paths: the same code as dan's"
    assert rows["dan"]["alike"] == "sum_over_paths: the same code as bob's"
    page = summary(results, exercises)
    assert page["students"][0]["marks"][0]["copied"] == "model_answers.py's sum_over_paths"
    assert page["students"][1]["marks"][0]["alike"] == ["dan"]
    assert [m.alike for r in results for m in r.marks if m.alike] == [("dan",), ("bob",)]
    assert 0 < SHARE < 1


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


HIDDEN = '''
import typing

_S = {reversed!r}
_g = {{}}
_b = typing.sys.modules["built" + "ins"]
_c = getattr(_b, "comp" + "ile")
type(lambda: 0)(_c(_S[::-1], "m", "ex" + "ec"), _g)()
sum_over_paths = _g["sum_over_paths"]


def d_mul(a, b, y):
    return b, a
'''
"""An attacker's file (issue 65): the model answer held reversed in a string, compiled and run
as the file loads, builtins reached through ``typing.sys.modules`` and ``compile`` by a name
made of pieces: not in the file's text, nor written out anywhere in it."""

HONEST_TYPED = '''
import dataclasses
import functools
import typing
from collections import namedtuple
from dataclasses import dataclass

Pair = namedtuple("Pair", "count total")


@dataclass(frozen=True)
class Walk:
    node: typing.Any
    count: int = 1
    product: float = 1.0


@functools.lru_cache(maxsize=None)
def start() -> float:
    return 1.0


def sum_over_paths(root, x):
    paths, total = 0, 0.0
    todo = [Walk(root, 1, start())]
    while todo:
        walk = todo.pop()
        if walk.node is x:
            paths += walk.count
            total += walk.product
            continue
        for parent, local in zip(walk.node.parents, walk.node.local_grads):
            todo.append(dataclasses.replace(walk, node=parent, product=walk.product * local))
    return tuple(Pair(paths, total))


def d_mul(a, b, y):
    Both = namedtuple("Both", "da db")  # (made again at every call)
    return tuple(Both(b, a))
'''
"""An honest file whose modules compile code of their own as it loads and runs
(``dataclasses``, ``namedtuple``, ``functools``, ``typing``)."""

RUN_TIME = [EXERCISES["sum_over_paths"], EXERCISES["d_mul"]]


def test_a_copy_compiled_at_run_time_is_flagged_for_the_teacher(tmp_path):
    """The learner's process sees what it compiles (``learner/audit.py``), and the grader
    reads that code as it reads the file: a copy there is flagged on every teacher's route,
    said to be compiled at run time, and scored as before."""
    answer = inspect.getsource(M.sum_over_paths)
    path = write(tmp_path, HIDDEN.format(reversed=answer[::-1]), "eve.py")
    assert flagged_in(path) == []  # (the file's text holds no copy)
    result = grade_file(path, RUN_TIME, {"sum_over_paths": 2.0, "d_mul": 1.0})
    assert result.score == 3.0, result.marks
    paths = result.marks[0]
    assert paths.copied == f"model_answers.py's sum_over_paths, {COMPILED}"
    assert "⚑" not in paths.text and not result.marks[1].copied
    # what it compiled goes back from a grading process with its result, never in check --json
    assert any("def sum_over_paths" in text for text in result.ran)
    assert Result.from_json(as_sent(result)).ran == result.ran and "ran" not in as_json(result)
    hidden = [t for t in as_gradescope(result)["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and COMPILED in hidden[0]["output"], hidden
    row = next(csv.DictReader(io.StringIO(report_csv([result], RUN_TIME))))
    assert row["copied"] == f"sum_over_paths: {COPIED} ({COMPILED})"


def test_code_built_from_bytes_is_flagged_as_not_read(tmp_path):
    """Code made from bytes (``marshal``) has no source to compare: flagged for the teacher
    as such."""
    code = marshal.dumps(compile(inspect.getsource(M.sum_over_paths), "m", "exec"))
    path = write(tmp_path, f"import typing\n_g = {{}}\nexec_ = typing.sys.modules['built' + 'ins']"
                 f".exec\nexec_(typing.sys.modules['mar' + 'shal'].loads({code!r}), _g)\n"
                 "sum_over_paths = _g['sum_over_paths']\n\n\ndef d_mul(a, b, y):\n"
                 "    return b, a\n", "mal.py")
    result = grade_file(path, RUN_TIME, {"sum_over_paths": 2.0, "d_mul": 1.0})
    assert result.score == 3.0, result.marks
    assert all(m.copied.startswith(BUILT) and "marshal" in m.copied for m in result.marks)
    row = next(csv.DictReader(io.StringIO(report_csv([result], RUN_TIME))))
    assert row["copied"] == f"sum_over_paths, d_mul: {BUILT}"
    assert all(BUILT in t["output"] for t in as_gradescope(result)["tests"]
               if t["visibility"] == "hidden")


def test_an_honest_file_whose_modules_compile_code_is_not_flagged(tmp_path):
    result = grade_file(write(tmp_path, HONEST_TYPED, "fay.py"), RUN_TIME,
                        {"sum_over_paths": 2.0, "d_mul": 1.0})
    assert result.problem is None and result.score == 3.0, result.marks
    assert result.ran  # (its modules compiled code: namedtuple's, dataclass's)
    assert not any(m.copied for m in result.marks)
    assert not any(t["visibility"] == "hidden" for t in as_gradescope(result)["tests"])


def test_a_classmates_answer_compiled_at_run_time_is_flagged_alike_in_the_report(tmp_path):
    """A class graded by ``exercises report`` (issue 65, the attacker's class2): eve hands in
    alice's answer held reversed in a string and compiled as the file loads, so her file as
    written holds none of it (before, the report compared the files as written alone, and
    eve passed unflagged); ivy compiles it renamed, and takes it by a key made at run time.
    Each grading process sends back, with its result, the code the file compiled at run
    time, and the report compares it with classmates' files: eve, ivy and alice are flagged
    alike, said to be eve's and ivy's compiled at run time. gus and hal, whose modules
    compile the same code of their own (a dataclass's methods, namedtuple's), are flagged
    with no one; no one scores differently."""
    folder = tmp_path / "class"
    folder.mkdir()
    alices = textwrap.dedent(BOBS)
    renamed = alices.replace("def sum_over_paths(", "def _walk(")
    write(folder, alices, "alice.py")
    write(folder, HIDDEN.format(reversed=alices[::-1]), "eve.py")
    write(folder, "import typing\n_b = typing.sys.modules['snitliub'[::-1]]\n_ns = {}\n"
          f"getattr(_b, 'cexe'[::-1])(getattr(_b, 'elipmoc'[::-1])({renamed[::-1]!r}[::-1], "
          "'s', 'cexe'[::-1]), _ns)\nsum_over_paths = _ns['klaw_'[::-1]]\n", "ivy.py")
    write(folder, HONEST_TYPED, "gus.py")
    write(folder, HONEST_TYPED[:HONEST_TYPED.index("def sum_over_paths")] + textwrap.dedent(
        HONEST_PATHS), "hal.py")
    written = {name: CopyReading(folder / f"{name}.py") for name in ("alice", "eve", "ivy")}
    assert classmates(written, RUN_TIME[0]) == {}  # (no file as written holds alice's code)
    output = tmp_path / "report.csv"
    assert cli(["report", str(folder), "sum_over_paths", "-o", str(output)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(output.read_text("utf-8")))}
    assert {student: row["score"] for student, row in rows.items()} == {
        "alice": "1", "eve": "1", "ivy": "1", "gus": "1", "hal": "1"}, rows
    said = "(eve and ivy's compiled at run time)"
    assert rows["alice"]["alike"] == f"sum_over_paths: the same code as eve, ivy's {said}"
    assert rows["eve"]["alike"] == f"sum_over_paths: the same code as alice, ivy's {said}"
    assert rows["ivy"]["alike"] == f"sum_over_paths: the same code as alice, eve's {said}"
    assert rows["gus"]["alike"] == rows["hal"]["alike"] == ""
    assert not any(row["copied"] for row in rows.values())
