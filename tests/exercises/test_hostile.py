"""What a learner's process sends the grader is hostile: a file that rewrites the grader's own
code inside its process, or writes to the grader's channel itself, gets no marks for it, and
harms neither the grader nor the class.

Each file here reaches the learner's side of the grader (``learner/serve.py``, its modules)
as a student would: through ``object.__subclasses__()``, no import. ``test_earned.py`` has
the routes to the references; this file has what comes back over the channel: answers of
the wrong shape, questions about the stage being graded, messages that are not messages, a
process that means to outlive its grader, errors too large to read, exceptions named to
stop the grader, a forged word about the protections.
"""

import multiprocessing
import os
import signal
import textwrap
import time

import pytest

from tests.exercises.test_boundary import (  # noqa: F401 (fixtures)
    TEACHER,
    as_teacher,
    teacher,
    teacher_python,
)
from tinygrad_edu.exercises import EXERCISES, TRACK, syscall_filter
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.learner import sandbox
from tinygrad_edu.exercises.remote import LearnerProcess

REACH = '''
def _class(name, module_end):
    seen, todo = set(), [().__class__.__base__]
    while todo:
        c = todo.pop()
        try:
            below = type.__subclasses__(c)
        except TypeError:
            continue
        for s in below:
            if s not in seen:
                seen.add(s)
                todo.append(s)
                if s.__name__ == name and str(s.__module__).endswith(module_end):
                    return s
    raise LookupError(name)

_serve = _class("Context", "learner.serve").load.__globals__
_sys, _os = _serve["sys"], _serve["os"]
_wire = _sys.modules["tinygrad_edu.exercises.learner.wire"]
_REQUESTS, _ANSWERS = int(_sys.argv[2]), int(_sys.argv[3])
'''
"""The prelude of the files below: the learner's side of the grader, reached from the
file's own code."""


def graded(tmp_path, source, names, file="solutions.py"):
    path = tmp_path / file
    path.write_text(REACH + textwrap.dedent(source), encoding="utf-8")
    return grade_apart(path, [(TRACK | EXERCISES)[n] for n in names])


def test_an_answer_of_no_parts_is_not_a_right_one(tmp_path):
    """The grader's call rewritten to answer () whatever the solution: before, nothing in an
    empty answer was wrong, and every exercise passed."""
    result = graded(tmp_path, '''
        _call = _class("Call", "learner.inputs")
        _call.__call__ = lambda self, solution, case, node=None: ()

        def d_mul(a, b, y):
            return 0.0

        def d_tanh(x, y):
            return 0.0

        def backward(root):
            pass
        ''', ["d_mul", "d_tanh", "backward"])
    assert not any(v.passed for v in result.verdicts.values()), result.verdicts
    assert "the answer has 0 part(s) where the exercise reads 2: dy/da, dy/db" in str(
        result.verdicts["d_mul"])


def test_an_answer_the_judge_cannot_read_fails(tmp_path):
    """A topological order of names the graph does not have, written by the rewritten call:
    the judge refuses it, and the exercise fails (before: the judge's error ended the
    grading process)."""
    result = graded(tmp_path, '''
        _call = _class("Call", "learner.inputs")
        _call.__call__ = lambda self, solution, case, node=None: (("report this",),)

        def topological_sort(root):
            return []
        ''', ["topological_sort"])
    verdict = result.verdicts["topological_sort"]
    assert not verdict.passed and "could not be read as order" in str(verdict), verdict


def test_the_grader_answers_only_for_an_earlier_stage_given(tmp_path):
    """A track's file with no Value of its own: its later stages are graded on the grader's
    node, and the grader answers the process's questions about that node only; a stage
    that asks for itself (linear, softmax) is refused and fails."""
    result = graded(tmp_path, '''
        _answered = _sys.modules["tinygrad_edu.exercises.learner.answered"]
        _ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)

        def linear(x, w):
            return _answered.answered_call("linear", _ask, globals()["Value"])(x, w)

        def softmax(logits):
            return _answered.answered_call("softmax", _ask, globals()["Value"])(logits)
        ''', ["linear", "softmax"], file="gpt.py")
    for name in ("linear", "softmax"):
        verdict = str(result.verdicts[name])
        assert not result.verdicts[name].passed, verdict
        assert "refused" in verdict and "the grader answers here for Value" in verdict, verdict


def test_a_stage_that_asks_for_nothing_earlier_is_answered_nothing(tmp_path):
    """The node stage, graded first, with nothing given: a question about backward (the
    grader's reference doing the chain rule) is refused."""
    result = graded(tmp_path, '''
        _ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)

        class Value:
            def __init__(self, data, children=(), local_grads=()):
                self.data, self.grad = data, 0
                self._children, self._local_grads = tuple(children), tuple(local_grads)

            def __add__(self, other):
                reply = _ask({"kind": "backward", "root": 0, "nodes": [
                    [self.data, 0.0, [], {"local": []}]]})
                raise RuntimeError(str(reply))
        ''', ["node"], file="gpt.py")
    verdict = str(result.verdicts["node"])
    assert not result.verdicts["node"].passed
    assert "the grader answers nothing here" in verdict, verdict


def test_what_is_not_a_message_fails_the_exercise_and_leaves_nothing(tmp_path, monkeypatch):
    """A file that holds memory, tries a thread meant to outlive its process, then writes the
    grader a message nested deeper than Python reads: the exercise fails saying so, the
    others are graded, and no process, no folder of it is left."""
    from tinygrad_edu.exercises import remote

    started = []
    original = LearnerProcess.__init__

    def recording(self, *args, **kwargs):
        started.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(LearnerProcess, "__init__", recording)
    monkeypatch.setattr(remote, "FOLDERS", str(tmp_path / "folders"))
    (tmp_path / "folders").mkdir()
    result = graded(tmp_path, '''
        _threading, _time = _sys.modules["threading"], _serve["time"]
        _held = bytearray(50 * 2**20)
        try:  # (the kernel refuses it: test_a_thread_is_refused_and_said)
            _threading.Thread(target=lambda: _time.sleep(3600)).start()
        except RuntimeError:
            pass
        _deep = b'{"a":' + b"[" * 100000 + b"]" * 100000 + b"}"
        _os.write(_ANSWERS, len(_deep).to_bytes(4, "big") + _deep)

        def d_tanh(x, y):
            return 1 - y * y

        def d_mul(a, b, y):
            return b, a
        ''', ["d_tanh", "d_mul"])
    verdict = str(result.verdicts["d_tanh"])
    assert "not a message" in verdict and "writes to the grader" in verdict, verdict
    assert not result.verdicts["d_tanh"].passed and not result.verdicts["d_mul"].passed
    assert started and all(p.process.poll() is not None for p in started)
    assert list((tmp_path / "folders").iterdir()) == []


def _start_and_die(source_path, told):
    """In a child process (a grading process): start a learner's process, say its number,
    and be killed, as the class's grader kills a grading process that is stuck."""
    source = open(source_path, encoding="utf-8").read()
    process = LearnerProcess(source, source_path, "numbers", [EXERCISES["d_tanh"]])
    told.send(process.process.pid)
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only")
def test_a_learners_process_ends_with_the_grading_process_that_started_it(tmp_path):
    """Its grading process killed (SIGKILL: no ``close``), the learner's process ends too,
    busy in a thread that is not a daemon where it may start one (where there is no seccomp
    filter: elsewhere it is refused), idle otherwise (that it cannot undo it:
    ``test_sandbox_confined.py``)."""
    path = tmp_path / "lingers.py"
    path.write_text(REACH + textwrap.dedent('''
        _threading, _time = _sys.modules["threading"], _serve["time"]
        try:  # (the kernel refuses it where it can: test_a_thread_is_refused_and_said)
            _threading.Thread(target=lambda: _time.sleep(3600)).start()
        except RuntimeError:
            pass

        def d_tanh(x, y):
            return 1 - y * y
        '''), encoding="utf-8")
    context = multiprocessing.get_context("fork")
    mine, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_start_and_die, args=(str(path), theirs))
    child.start()
    pid = mine.recv()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    for _ in range(200):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                state = next(line for line in status if line.startswith("State:"))
        except FileNotFoundError:
            break
        if "Z" in state.split()[1]:  # (ended: a zombie until init reaps it)
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"the learner's process {pid} outlived its grading process")


def test_an_error_too_large_to_read_is_cut_short(tmp_path):
    """A solution that raises an error of 60 MB: the verdict holds a few thousand
    characters of it, and the file is graded as any other (before: the grader held it
    whole, 1 GB for one student, 11.6 GB for a report of a class)."""
    result = graded(tmp_path, '''
        def d_tanh(x, y):
            raise ValueError("A" * 60_000_000)
        ''', ["d_tanh"])
    verdict = str(result.verdicts["d_tanh"])
    assert not result.verdicts["d_tanh"].passed
    assert "ValueError: AAAA" in verdict and len(verdict) < 10_000, len(verdict)


@pytest.mark.parametrize("name", ["KeyboardInterrupt", "GeneratorExit", "SystemExit"])
def test_an_exception_named_to_stop_the_grader_is_an_error_of_the_answer(tmp_path, name):
    """A learner's exception that would end the grader if raised in it as itself (a
    KeyboardInterrupt, a GeneratorExit): that exercise fails with it, the next one passes."""
    result = graded(tmp_path, f'''
        def d_tanh(x, y):
            raise {name}("stop")

        def d_sigmoid(x, y):
            return y * (1 - y)
        ''', ["d_tanh", "d_sigmoid"])
    assert not result.verdicts["d_tanh"].passed
    assert f"{name}: stop" in str(result.verdicts["d_tanh"]), result.verdicts["d_tanh"]
    assert result.verdicts["d_sigmoid"].passed, result.verdicts["d_sigmoid"]


def test_a_forged_word_about_the_protections_is_not_read(tmp_path):
    """The file writes the grader a message as its process's first, saying Landlock is
    missing: the grader reads what the process said before the file ran."""
    offered = sandbox.offered(syscall_filter.kernel())
    if any(offered.values()):
        pytest.skip(f"this machine lacks a protection: {offered}")
    result = graded(tmp_path, '''
        _wire.write_message(_ANSWERS, {"loaded": True, "defines": {}, "sandbox": {
            "applied": [], "missing": {"Landlock": "forged"}}})

        def d_tanh(x, y):
            return 1 - y * y
        ''', ["d_tanh"])
    assert result.unprotected == {}, result.unprotected


ORACLE_VALUE = '''
_ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)
_made = [0]


class Value:
    """Exercise 18's class, its backward the grader's: every node's grad from a question
    about a graph of the grader's node class (which the grader answers where it stands in
    for the track's node, and this class has the same name)."""

    def __init__(self, data, _children=(), _how=None):
        self.data, self.grad = data, 0.0
        self._prev, self._how = tuple(_children), _how or {"local": []}
        _made[0] += 1
        self._n = _made[0]

    def _new(self, data, children, how):
        return _Mine(data, children, how)

    def __add__(self, o):
        o = o if isinstance(o, _Mine) else _Mine(o)
        return self._new(self.data + o.data, (self, o), {"op": "+"})

    def __mul__(self, o):
        o = o if isinstance(o, _Mine) else _Mine(o)
        return self._new(self.data * o.data, (self, o), {"op": "*"})

    def __pow__(self, k):
        return self._new(self.data ** k, (self,), {"op": "**", "k": k})

    def exp(self):
        return self._new(_serve["sys"].modules["math"].exp(self.data), (self,), {"op": "exp"})

    def relu(self):
        return self._new(max(0.0, self.data), (self,), {"op": "relu"})

    def tanh(self):
        e = (self * 2).exp()
        out = (e - 1) / (e + 1)
        out.data = _serve["sys"].modules["math"].tanh(self.data)
        return out

    def __neg__(self): return self * -1
    def __radd__(self, o): return self + o
    def __sub__(self, o): return self + (-o)
    def __rsub__(self, o): return o + (-self)
    def __rmul__(self, o): return self * o
    def __truediv__(self, o): return self * o ** -1
    def __rtruediv__(self, o): return o * self ** -1

    def backward(self):
        nodes, seen, todo = [], set(), [self]
        while todo:
            v = todo.pop()
            if id(v) not in seen:
                seen.add(id(v))
                nodes.append(v)
                todo.extend(v._prev)
        nodes.sort(key=lambda v: v._n)
        at = {id(v): k for k, v in enumerate(nodes)}
        reply = _ask({"kind": "backward", "root": at[id(self)],
                      "nodes": [[v.data, 0.0, [at[id(c)] for c in v._prev], v._how]
                                for v in nodes]})
        if "grads" not in reply:
            raise RuntimeError(str(reply))
        for v, g in zip(nodes, reply["grads"]):
            v.grad = g


_Mine = Value


def linear(x, w):
    return [sum((wi * xi for wi, xi in zip(row, x)), 0) for row in w]
'''
"""A file of the track's ``linear`` (graded first: the grader stands in for the track's
node, ``Value``) and of exercise 18's ``Value``, whose backward asks the grader."""


def test_what_the_grader_stood_in_for_answers_in_that_exercise_alone(tmp_path):
    """Exercise 18 (``Value``) graded after the track's linear, in the same process: before,
    the grader still answered questions about ``Value`` (it had stood in for the track's
    node, named so too), and its reference did exercise 18's backward: 2 of 2. Now what it
    stands in for holds for the exercise being graded, never for that exercise's own
    name: linear passes, exercise 18 is refused and fails."""
    result = graded(tmp_path, ORACLE_VALUE, ["linear", "Value"])
    assert result.verdicts["linear"].passed, result.verdicts["linear"]
    verdict = str(result.verdicts["Value"])
    assert not result.verdicts["Value"].passed, verdict
    assert "the grader answers nothing here" in verdict, verdict


def test_a_class_of_ones_own_named_as_a_stage_is_ones_own_again(tmp_path):
    """The honest control: exercise 18's Value (the lecture's, whose operations make
    ``Value``s by that name) graded after linear: the name is the learner's own again in
    its module (before, it was still the grader's stand-in, and exercise 18 failed)."""
    from tests.exercises.class_work import answer
    from tests.exercises.gpt_answers import RIGHT

    linear = RIGHT[RIGHT.index("def linear("):RIGHT.index("def softmax(")]
    path = tmp_path / "solutions.py"
    path.write_text("import math\n\n" + answer("Value") + "\n\n" + linear, encoding="utf-8")
    result = grade_apart(path, [TRACK["linear"], EXERCISES["Value"]])
    assert result.verdicts["linear"].passed, result.verdicts["linear"]
    assert result.verdicts["Value"].passed, result.verdicts["Value"]


def _linear_question(inputs, rows):
    """A question for the grader's linear: ``inputs`` nodes, ``rows`` rows that each name
    every one of them (a 15 MiB question of 1100 by 1000 cost the grader 66 s and 778 MB)."""
    row = {"list": [{"node": i} for i in range(inputs)]}
    return {"kind": "call", "name": "linear", "kwargs": {},
            "args": {"list": [row, {"list": [row] * rows}]},
            "leaves": [[0.5, 0.0]] * inputs}


def test_a_question_too_large_is_not_read_further():
    """Its parts counted before anything runs (each reference to a node, however often the
    same one is named): refused as the process's problem, at once; one of the track's size
    is answered as the reference answers it."""
    from tinygrad_edu.exercises.microgpt import answering
    from tinygrad_edu.exercises.microgpt import reference as R

    began = time.process_time()
    reply = answering.answer(_linear_question(1100, 200))
    assert reply == {"refused": "a question of more than 200000 parts", "oversized": True}
    assert time.process_time() - began < 2
    small = answering.answer(_linear_question(3, 2))
    expected = R.linear([R.Value(0.5)] * 3, [[R.Value(0.5)] * 3] * 2)
    assert [out[0] for out in small["outputs"]] == [v.data for v in expected]


def test_a_question_that_makes_too_many_nodes_is_refused():
    """A small question whose answer grows as the square of its size (attention over a
    sequence of 400): refused once the references have made ``MADE`` nodes."""
    from tinygrad_edu.exercises.microgpt import answering

    t, d = 400, 2
    leaves = [[0.1 * (k % 7), 0.0] for k in range(t * d)]
    rows = {"list": [{"list": [{"node": r * d + j} for j in range(d)]} for r in range(t)]}
    question = {"kind": "call", "name": "attention", "kwargs": {}, "leaves": leaves,
                "args": {"list": [rows, rows, rows]}}
    began = time.process_time()
    reply = answering.answer(question)
    assert reply == {"refused": f"a question whose answer makes more than {answering.MADE} "
                                "nodes"}, str(reply)[:300]
    assert time.process_time() - began < 5


def test_a_process_that_asks_too_large_a_question_fails_its_exercise(tmp_path):
    """softmax graded alone (the grader stands in for the node and linear): a question of
    220,000 references to linear ends the learner's process and fails the exercise, in
    seconds (before: the grader built every node and ran backward from each output)."""
    began = time.monotonic()
    result = graded(tmp_path, '''
        _ask = _serve["_asking"](_REQUESTS, _ANSWERS, _wire)

        def softmax(logits):
            row = {"list": [{"node": i} for i in range(1100)]}
            return _ask({"kind": "call", "name": "linear", "kwargs": {},
                         "args": {"list": [row, {"list": [row] * 200}]},
                         "leaves": [[0.5, 0.0]] * 1100})
        ''', ["softmax"], file="gpt.py")
    verdict = str(result.verdicts["softmax"])
    assert not result.verdicts["softmax"].passed
    assert "asked the grader a question of more than 200000 parts" in verdict, verdict
    assert time.monotonic() - began < 30


def test_another_processes_limits_are_refused_and_reported(tmp_path):
    """The standard library's resource module, reached through the learner's side of the
    grader: its prlimit on the grading process (where the grader is not root, the same
    user's) is reported, never scored, and the kernel refuses it (``test_sandbox_confined.py``);
    its own limits it may read."""
    result = graded(tmp_path, '''
        _resource = _sys.modules["resource"]
        _own = _resource.prlimit(0, _resource.RLIMIT_NOFILE)
        _resource.prlimit(_os.getppid(), _resource.RLIMIT_NOFILE, (5, 5))

        def d_tanh(x, y):
            return 1 - y * y
        ''', ["d_tanh"])
    assert "changed or read another process's resource limits (resource.prlimit" in \
        result.reported, result
    assert not result.verdicts
    import resource

    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 5


def test_a_thread_is_refused_and_said(tmp_path):
    """A thread started through ``_thread`` (no import needed: ``dataclasses._thread`` up to
    3.12, the learner's side of the grader here): the kernel refuses it (before: threads with
    32 KiB stacks by the thousand filled a non-root teacher's limit of processes, and an
    honest classmate got 0, "took longer than 115 s"), and the verdict says what happened
    and what to do."""
    missing = sandbox.offered(syscall_filter.kernel()).get(sandbox.SECCOMP)
    if missing:
        pytest.skip(f"no seccomp filter here: {missing}")
    result = graded(tmp_path, '''
        _thread = _sys.modules["_thread"]

        def d_tanh(x, y):
            done, out = _thread.allocate_lock(), []
            done.acquire()
            _thread.start_new_thread(lambda: (out.append(1 - y * y), done.release()), ())
            done.acquire()
            return out[0]
        ''', ["d_tanh"])
    verdict = result.verdicts["d_tanh"]
    assert not verdict.passed, verdict
    assert "can't start new thread" in str(verdict) and "Your code started a thread" in str(
        verdict), verdict


def test_a_grader_out_of_files_fails_the_exercise_not_the_grading(tmp_path, monkeypatch):
    """No folder, no pipe for a learner's process (the grader's open files used up: by a
    process of the same user that lowered its limits, where the kernel lacks the filter):
    the exercise is not graded, saying why, and grading goes on (before: the OSError ended
    the grading)."""
    import errno as codes

    from tinygrad_edu.exercises import remote

    def out_of_files(*args, **kwargs):
        raise OSError(codes.EMFILE, os.strerror(codes.EMFILE))

    monkeypatch.setattr(remote.tempfile, "mkdtemp", out_of_files)
    path = tmp_path / "hw.py"
    path.write_text("def d_tanh(x, y):\n    return 1 - y * y\n", encoding="utf-8")
    result = grade_apart(path, [EXERCISES["d_tanh"]])
    verdict = str(result.verdicts["d_tanh"])
    assert not result.verdicts["d_tanh"].passed
    assert "the grader could not start a process for the code (OSError: Too many open " \
        "files)" in verdict, verdict


CLASS_OUT_OF_FILES = '''
import json, os, resource, sys
from pathlib import Path
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.classroom.isolation import grade_all

folder = Path(sys.argv[1])

def done(result):
    if result.student == "ada":  # (then this process can open one file more, no pipe)
        used = len(os.listdir("/proc/self/fd"))
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (used, hard))

results = grade_all([(name, folder / f"{name}.py") for name in ("ada", "bob", "cy")],
                    [EXERCISES["d_tanh"]], {"d_tanh": 1}, jobs=1, done=done)
print(json.dumps([[r.student, r.score, r.problem and r.problem.message] for r in results]))
'''
"""A class graded by ``grade_all`` whose grader runs out of open files after the first
student (as a student's prlimit on it would do)."""


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="Linux only")
def test_a_class_whose_grader_runs_out_of_files_is_reported_all_the_same(tmp_path):
    """The class's grader cannot start a grading process any more: the students left are
    not graded, each saying why, and the results come out (before: the OSError ended the
    whole class's run, with no report)."""
    import json
    import subprocess
    import sys

    for name in ("ada", "bob", "cy"):
        (tmp_path / f"{name}.py").write_text("def d_tanh(x, y):\n    return 1 - y * y\n",
                                             encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CLASS_OUT_OF_FILES, str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout.splitlines()[-1])
    assert rows[0] == ["ada", 1.0, None]
    for student, score, problem in rows[1:]:
        assert score == 0 and "the grader could not start a process to grade it " \
            "(OSError: Too many open files)" in problem, (student, problem)


LIMITS = '''
_resource, _time = _sys.modules["resource"], _serve["time"]
{audit_off}
_me, _parent = _os.getpid(), _os.getppid()
_end = _time.monotonic() + 4
while _time.monotonic() < _end:  # (every process of the teacher's started after it)
    for _pid in range(_parent - 50, _parent + 500):
        if _pid != _me:
            try:
                _resource.prlimit(_pid, _resource.RLIMIT_AS, (1 << 20, 1 << 20))
                _resource.prlimit(_pid, _resource.RLIMIT_NOFILE, (5, 5))
            except Exception:
                pass
'''
"""A file that lowers the memory and open files of every process near its own: the class's
report and the other students' grading and learner's processes, where the teacher is not
root (they are all the teacher's)."""

AUDIT_OFF = '''
_gc = _sys.modules["builtins"].__import__("gc")
for _f in _gc.get_objects():
    if type(_f).__name__ == "function" and _f.__name__ == "hook" and _f.__closure__:
        for _cell in _f.__closure__:
            if type(_cell.cell_contents) is list:
                _cell.cell_contents.append(True)
'''
"""The audit hook switched off (its guard against itself is a list in its closure): only
the kernel stands."""

RULES = ("def d_tanh(x, y):\n    return 1 - y * y\n\n\ndef d_sigmoid(x, y):\n"
         "    return y * (1 - y)\n\n\ndef d_exp(x, y):\n    return y\n")


@pytest.mark.slow
def test_a_student_cannot_lower_the_limits_of_the_class(teacher):  # noqa: F811
    """``exercises report`` by a teacher who is not root: two students lower the limits of
    every process of the teacher's they can find (one with the audit hook switched off);
    the report is written, the honest students keep every point (before: no report, or
    0 for the students graded beside them, "does your answer end Python, or fill the
    memory?"), the one the hook saw is reported."""
    import csv
    import shutil
    import subprocess

    home, _, entry = teacher
    class_ = home / "limits"
    class_.mkdir()
    files = {"aaron": REACH + LIMITS.format(audit_off="") + RULES,
             "abel": REACH + LIMITS.format(audit_off=AUDIT_OFF) + RULES,
             "carol": RULES, "dave": RULES, "erin": RULES}
    for student, text in files.items():
        (class_ / f"{student}.py").write_text(text, encoding="utf-8")
    shutil.chown(class_, entry.pw_uid, entry.pw_gid)
    report = home / "limits.csv"
    done = as_teacher(teacher, "exercises", "report", str(class_), "d_tanh", "d_sigmoid",
                      "d_exp", "-o", str(report))
    assert done.returncode == 0 and report.exists(), done.stdout + done.stderr
    rows = {row["student"]: row for row in csv.DictReader(
        report.read_text("utf-8").splitlines())}
    assert {s: float(rows[s]["score"]) for s in ("carol", "dave", "erin")} == dict.fromkeys(
        ("carol", "dave", "erin"), 3.0), rows
    assert float(rows["aaron"]["score"]) == 0 and "resource limits" in rows["aaron"]["problem"]
    subprocess.run(["pkill", "-KILL", "-u", TEACHER], check=False)  # (none left, if it failed)


def test_a_message_over_4_mib_is_not_read(tmp_path):
    """5 MiB written to the grader as an answer: not read, the exercise fails (the largest
    message the grader's own code sends is under 200 KB; 16 MiB of small parts, the limit
    before, cost the grader 250 MB to decode)."""
    result = graded(tmp_path, '''
        def d_tanh(x, y):
            big = b'{"answer": [' + b"0," * (5 * 2**19) + b'0]}'
            _os.write(_ANSWERS, len(big).to_bytes(4, "big") + big)
            return 1 - y * y
        ''', ["d_tanh"])
    verdict = str(result.verdicts["d_tanh"])
    assert not result.verdicts["d_tanh"].passed
    assert "(at most 4194304 are read)" in verdict, verdict
