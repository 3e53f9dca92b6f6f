"""Classmates with the same code (``copies.classmates``): flagged alike in a class's report,
for the teacher alone, never a pair for what the package ships, what more than half of the
class writes alike or what two share too little of; a copy ring in a small class is flagged;
and a class report and Gradescope carry the flag. (``test_copies.py`` holds the copies of the
package's answers, and the corpus of honest work these read.)"""

import csv
import io
import json
import re

from tests.exercises.right_variants import HEAD, STAGE_VARIANTS, VARIANTS
from tests.exercises.test_copies import (
    EDITED_PATHS,
    HONEST_PATHS,
    honest_files,
    write,
)
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.classroom.report import report_csv, summary, with_classmates
from tinygrad_edu.exercises.classroom.results import (
    Result,
    as_gradescope,
    as_json,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.copies import (
    COPIED,
    CROWD,
    SHARE,
    CopyReading,
    classmates,
)
from tinygrad_edu.exercises.microgpt.stages import TRACK

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



FAYS = '''
def sum_over_paths(root, x):
    cache = {}

    def paths(node):
        if node is x:
            return 1, 1.0
        if node in cache:
            return cache[node]
        n, g = 0, 0.0
        for up, slope in zip(node.parents, node.local_grads):
            k, s = paths(up)
            n += k
            g += slope * s
        cache[node] = n, g
        return n, g

    return paths(root)
'''
"""The memoised recursion as fay wrote it, by herself: the first answer that comes to mind,
written so by many."""


def test_two_hands_writing_the_first_recursion_that_comes_to_mind_are_no_pair(tmp_path):
    """Two students who each wrote the memoised recursion by themselves, differing in names
    and in a tuple's brackets, in a class of four: no pair (``idioms.py``). Before, flagged
    alike in both rows (an attacker's h5, issue 65: two honest students accused)."""
    class_ = {"alice": HEAD + RECURSIVE, "fay": HEAD + FAYS, "bob": BOBS, "gus": HONEST_PATHS}
    readings = {name: CopyReading(write(tmp_path, text, f"{name}.py"))
                for name, text in class_.items()}
    assert classmates(readings, EXERCISES["sum_over_paths"]) == {}
