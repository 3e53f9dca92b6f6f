"""Code a file compiles at run time (``learner/audit.py``: the model answer held reversed in
a string, compiled as the file loads, or made from bytes) is read as the file is: a copy
there is flagged for the teacher, said to be compiled at run time; an honest file whose
modules compile code of their own is not; a classmate's answer compiled at run time is
flagged alike in the report (issue 65). (``test_copies.py`` holds the rest.)"""

import csv
import inspect
import io
import marshal
import sys
import textwrap

import pytest

from tests.exercises.test_copies import (
    HONEST_PATHS,
    flagged_in,
    write,
)
from tests.exercises.test_copies_classmates import BOBS
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.classroom.report import report_csv
from tinygrad_edu.exercises.classroom.results import (
    Result,
    as_gradescope,
    as_json,
    as_sent,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.copies import (
    BUILT,
    COMPILED,
    COPIED,
    CopyReading,
    classmates,
)
from tinygrad_edu.exercises.machinery import MACHINERY
from tinygrad_edu.exercises.module_made import shaped

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
    assert result.made == ()  # (the file's own code compiled it, no module's: audit.BY_MODULE)
    assert Result.from_json(as_sent(result)).ran == result.ran and "ran" not in as_json(result)
    hidden = [t for t in as_gradescope(result)["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 2 and COMPILED in hidden[0]["output"], hidden
    assert MACHINERY in hidden[1]["output"] and COMPILED not in hidden[1]["output"], hidden
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
               if t["visibility"] == "hidden" and "same code" in t["name"])


def test_an_honest_file_whose_modules_compile_code_is_not_flagged(tmp_path):
    result = grade_file(write(tmp_path, HONEST_TYPED, "fay.py"), RUN_TIME,
                        {"sum_over_paths": 2.0, "d_mul": 1.0})
    assert result.problem is None and result.score == 3.0, result.marks
    assert result.ran  # (its modules compiled code: namedtuple's, dataclass's)
    assert result.made and all("def __create_fn__" in text for text in result.made)
    assert all(shaped(text) for text in result.made)  # (the module's, as it writes them)
    assert all(text.startswith("lambda _cls") for text in set(result.ran) - set(
        result.made))  # (namedtuple's, called by the file itself: a lambda, nothing defined)
    assert Result.from_json(as_sent(result)).made == result.made  # (from a grading process)
    assert not any(m.copied for m in result.marks)
    assert not any(t["visibility"] == "hidden" for t in as_gradescope(result)["tests"])


def test_a_classmates_answer_compiled_at_run_time_is_flagged_alike_in_the_report(tmp_path):
    """A class graded by ``exercises report`` (issue 65): eve hands in
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


def written_by_dataclasses(monkeypatch, *classes):
    """The texts ``dataclasses`` compiles as it makes each of ``classes`` a dataclass (its
    ``exec`` seen as it is called), with the classes made."""
    import dataclasses

    texts = []

    def seen(text, *rest):
        texts.append(text)
        return exec(text, *rest)

    monkeypatch.setattr(dataclasses, "exec", seen, raising=False)
    made = [dataclasses.dataclass(**options)(cls) for cls, options in classes]
    monkeypatch.undo()
    return texts, made


def test_a_pairs_answer_compiled_at_run_time_is_theirs_however_many_compile_it(
        tmp_path, monkeypatch):
    """A pair that holds the same answer encoded, each file compiling it at run time with its
    own code (a65's m3): no file holds it as written, but the code is theirs, not a module's,
    and they are alike; what modules' code wrote (a dataclass's methods), two files or more
    having it, is still no pair's (before, the pair went unflagged: both were taken for the
    modules' own). Said to be a module's, an answer is the pair's all the same: it is not of
    the shape the standard library writes (a65b's d1, below)."""
    answer = textwrap.dedent(BOBS)
    for name in ("eve", "frank"):
        write(tmp_path, "_ns = {}\n", f"{name}.py")
    write(tmp_path, HONEST_PATHS, "gus.py")
    gus = CopyReading(tmp_path / "gus.py")
    pair = {"eve": ("frank",), "frank": ("eve",)}
    ran = {name: CopyReading(tmp_path / f"{name}.py", ran=[answer]) for name in ("eve", "frank")}
    assert classmates({**ran, "gus": gus}, RUN_TIME[0]) == pair
    made = {name: CopyReading(tmp_path / f"{name}.py", ran=[answer], made=[answer])
            for name in ("eve", "frank")}
    assert classmates({**made, "gus": gus}, RUN_TIME[0]) == pair
    three = type("Walk", (), {"__annotations__": {"node": object, "count": int,
                                                   "product": float}})
    methods, _ = written_by_dataclasses(monkeypatch, (three, {"frozen": True, "order": True}))
    ran = {name: CopyReading(tmp_path / f"{name}.py", ran=methods) for name in ("eve", "frank")}
    assert classmates({**ran, "gus": gus}, RUN_TIME[0]) == pair  # (enough to pair, if theirs)
    made = {name: CopyReading(tmp_path / f"{name}.py", ran=methods, made=methods)
            for name in ("eve", "frank")}
    assert classmates({**made, "gus": gus}, RUN_TIME[0]) == {}


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="3.13's dataclasses write their "
                    "functions otherwise: this field's name makes the class raise TypeError "
                    "as it is made, so the route is closed there")
def test_a_pairs_answer_carried_by_a_dataclass_fields_name_is_theirs(tmp_path, monkeypatch):
    """a65b's d1: a field's name written by hand in ``__annotations__`` closes the header of
    the function ``dataclasses`` writes and carries the pair's answer into it; the module's
    code compiled it, but the text holds more than the module writes (``module_made``), so
    the answer is the pair's and they are alike (before: 2/2 each, no flag, taken for the
    modules' own). A dataclass's methods as the module writes them are still the module's."""
    answer = textwrap.dedent(BOBS)
    name = (f"a):\n pass\n{answer}\ndef __create_fn__(_a=sum_over_paths, **k):\n"
            " def __init__(self):\n  self.f = _a\n return __init__\ndef _z(b")
    import dataclasses

    carrier = type("D", (), {"__annotations__": {name: int}, name: dataclasses.field(
        init=False)})
    plain = type("P", (), {"__annotations__": {"x": int, "y": float}, "y": 0.0})
    texts, (made, _) = written_by_dataclasses(
        monkeypatch, (carrier, {"repr": False, "eq": False}), (plain, {"frozen": True}))
    assert made().f.__name__ == "sum_over_paths"  # (the field's name carried the answer)
    carried = [text for text in texts if "def sum_over_paths" in text]
    assert carried and not any(shaped(text) for text in carried)
    assert all(shaped(text) for text in texts if text not in carried)
    for student in ("eve", "frank"):
        write(tmp_path, "import dataclasses\n", f"{student}.py")
    write(tmp_path, HONEST_PATHS, "gus.py")
    readings = {student: CopyReading(tmp_path / f"{student}.py", ran=texts, made=texts)
                for student in ("eve", "frank")}
    assert classmates({**readings, "gus": CopyReading(tmp_path / "gus.py")}, RUN_TIME[0]) == {
        "eve": ("frank",), "frank": ("eve",)}
