"""A learner's process that acts on processes is hostile: one that means to outlive its
grader, that changes another process's resource limits (a classmate's, the grader's, the
class's report's, where the teacher is not root), that starts threads; a grader run out of
open files. The learner's process ends with its grader, what it did is reported, and the
exercise, not the grading, fails. Each file reaches the learner's side of the grader as a
student would (hostile_files.py).
"""

import multiprocessing
import os
import signal
import textwrap
import time

import pytest

from tests.exercises.hostile_files import REACH, graded
from tests.exercises.test_boundary import (  # noqa: F401 (fixtures)
    TEACHER,
    as_teacher,
    teacher,
    teacher_python,
)
from tinygrad_edu.exercises import EXERCISES, syscall_filter
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.learner import sandbox
from tinygrad_edu.exercises.remote import LearnerProcess


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


def test_a_flood_on_the_channel_of_the_graders_check_is_stopped_and_said(tmp_path):
    """A process that writes on the audit's channel itself (``os.write``, which no audit
    event sees), without end and with no line end: the grader read it as one line, copying
    all it had at each read, and never came back to its deadlines, 115 s for the exercise
    (a PrairieLearn question of three took 6 minutes, past its timeout; an attacker's,
    issue 65). It is stopped once it wrote more than the audit ever writes, reported."""
    started = time.monotonic()
    result = graded(tmp_path, '''
        _signal = _sys.modules["signal"]

        def d_tanh(x, y):
            _signal.pthread_sigmask(_signal.SIG_BLOCK, [_signal.SIGALRM, _signal.SIGVTALRM,
                                                        _signal.SIGPROF, _signal.SIGXCPU])
            while True:
                _os.write(int(_sys.argv[4]), b"A" * 65536)
        ''', ["d_tanh"])
    assert time.monotonic() - started < 30, result
    assert "more than the audit ever writes" in result.reported, result
    assert not result.verdicts


def test_a_forged_line_longer_than_the_audit_writes_is_not_read(tmp_path):
    """One line forged as code compiled at run time, tagged as a syntax tree's data, 8 MiB,
    then its line end: the grader decoded and parsed such a line whole (an 11 MiB tree's: 18 s
    and 3 GB, a reviewer's, issue 65). A line longer than the audit's longest is reported,
    not read."""
    started = time.monotonic()
    result = graded(tmp_path, '''
        def d_tanh(x, y):
            _os.write(int(_sys.argv[4]), b"\\x00ran t" + b"A" * (8 << 20) + b"\\n")
            return 1 - y * y
        ''', ["d_tanh"])
    assert time.monotonic() - started < 30, result
    assert "more than the audit ever writes (a line over 3 MiB" in result.reported, result
