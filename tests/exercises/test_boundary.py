"""Grades enforced by the operating system: every route a student took to the grade, or to
another student's, tried as the real tool runs it, and the honest control beside it.

- Gradescope, as root: the zip's setup.sh, then run_autograder per submission (the
  ``gradescope`` fixture of ``conftest.py``).
- ``exercises report`` by a teacher who is not root (the user ``daemon``), on a class whose
  students try to take the grade, to zero another's, or to end the class's run.

Each route that the audit hook of the learner's process does not see (a program started
through the standard library's internals, with ``subprocess``'s ``sys.audit`` swapped for
one that says nothing) is stopped by the kernel (seccomp, Landlock, the resource limits:
``learner/sandbox.py``); each one the hook does see is reported, never scored. nbgrader's
routes are in ``test_nbgrader.py`` (its round trip).
"""

import csv
import fcntl
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.exercises.assignment_runs import (
    NAMES,
    POINTS,
    REPOSITORY,
    grade_on_gradescope,
    gradescope_env,
)
from tests.exercises.class_work import IMPORTS, answer
from tests.tiers import sampled

RIGHT = IMPORTS + "\n\n".join(answer(n) for n in NAMES)
REST = "\n\n".join(answer(n) for n in NAMES if n != "d_mul")

PROGRAM = '''
def program(*args):
    """Run a program, unseen by the audit hook: subprocess's own sys.audit made silent."""
    wrap = [c for c in ().__class__.__base__.__subclasses__()
            if c.__name__ == "_wrap_close"][0]
    real = wrap.__init__.__globals__["sys"]

    class Silent:
        def __getattr__(self, name):
            return getattr(real, name)

        def audit(self, *event):
            pass

    run = wrap.__init__.__globals__["__builtins__"]["__import__"]("subprocess")  # (the hook
    run.sys = Silent()                                               # lets the stdlib load)
    run._USE_POSIX_SPAWN = False  # (3.13's spawns through os.posix_spawn, audited in C)
    return run.run(list(args), timeout=20).returncode
'''
"""How a student's file starts a program that the audit hook does not see (3.10 to 3.13):
``subprocess``'s own ``sys.audit`` made silent, and its ``_posixsubprocess.fork_exec``
path chosen. Python 3.13's ``subprocess`` starts a program with ``os.posix_spawn`` (now
also with ``close_fds``), whose audit event C raises (``PySys_Audit``), past ``Silent``:
the hook saw it ("ran a program (os.posix_spawn /bin/sh)") and the kernel was never
reached; ``fork_exec`` raises none."""


def by_program(command):
    """A d_mul whose right answer needs ``command`` (a shell line) to have run."""
    return (PROGRAM + "\n\ndef d_mul(a, b, y):\n"
            f"    if program('/bin/sh', '-c', {command!r}) == 0:\n        return b, a\n"
            "    return 0.0, 0.0\n")


# ----------------------------------------------------------------------------- Gradescope


# (the fixture ``gradescope``, an assignment for Gradescope set up as Gradescope sets it up,
# as root: tests/exercises/conftest.py)


def mul(data):
    return data["tests"][0]


@pytest.mark.slow
@pytest.mark.parametrize("module", sampled(
    ["tinygrad_edu", "argparse", "json"], 1,
    "test_a_module_handed_in_beside_the_file_is_never_imported"))
def test_a_module_handed_in_beside_the_file_is_never_imported(gradescope, module):
    """A file named like a module the grader imports, beside the starter: before, it ran as
    root in the grader's own process (the submission folder came first on sys.path) and
    rewrote results.json with full marks. The main tier hands in the grader's own package;
    the long tier, two modules of the standard library too (one cause, the folder's place
    on sys.path: a Gradescope grading each, 3.5 s of CPU)."""
    root, _ = gradescope
    hijack = (f"import os\nopen({str(root / 'results' / 'results.json')!r}, 'w').write("
              "'{\"score\": 100}')\nos._exit(0)\n")
    data = grade_on_gradescope(gradescope, {"hw1.py": RIGHT.replace("return b, a", "return a, b"),
                                            f"{module}.py": hijack})
    assert data["score"] == sum(POINTS.values()) - POINTS["d_mul"], data
    assert "the two derivatives swapped" in mul(data)["output"]


@pytest.mark.slow
def test_a_link_to_the_answers_is_not_graded_as_the_students_work(gradescope):
    """hw1.py as a symbolic link to the package's answers.py: root would read the link."""
    root, bin_ = gradescope
    package = subprocess.run([bin_ / "python3", "-c", "import os, tinygrad_edu; print("
                              "os.path.dirname(tinygrad_edu.__file__))"], capture_output=True,
                             text=True, env=gradescope_env(bin_, root), check=True,
                             cwd=root).stdout.strip()
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    (submission / "hw1.py").symlink_to(Path(package, "exercises", "answers.py"))
    (root / "results" / "results.json").unlink(missing_ok=True)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True,
                          text=True, timeout=600, check=False, env=gradescope_env(bin_, root))
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    assert done.returncode == 0 and data["score"] == 0, data
    assert "hw1.py is a symbolic link" in data["output"], data["output"]


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    "cat /proc/$PPID/mem > /dev/null",  # the grader's memory, read by a program
    "python3 -c 'print(1)'",  # a program at all
])
def test_a_program_started_unseen_does_not_run(gradescope, command):
    """The audit hook does not see this program start; the kernel refuses it (seccomp: no
    process but threads, no program run)."""
    data = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + by_program(command) + REST})
    assert mul(data)["score"] == 0, mul(data)
    # (refused by the kernel; or, where nobody cannot read this Python's standard library,
    # a Python in root's home as pyenv's, subprocess cannot even be imported once the
    # process is nobody: 3.12 and later do not import it before)
    assert "PermissionError" in mul(data)["output"] or "No module named 'subprocess'" in \
        mul(data)["output"], mul(data)["output"]
    # (its other exercises, right, earn nothing either: the file reaches __globals__, which
    # the grader's reading of a rule's file refuses: rule_reading.py)
    assert data["score"] == 0, data
    assert all("your file binds names dynamically" in t["output"] for t in data["tests"][1:]
               if t["visibility"] != "hidden")  # (a copy's flag: the teacher's, hidden)


@pytest.mark.slow
def test_the_graders_memory_cannot_be_opened(gradescope):
    read = ("def d_mul(a, b, y):\n"
            "    wrap = [c for c in ().__class__.__base__.__subclasses__()\n"
            "            if c.__name__ == '_wrap_close'][0]\n"
            "    g = wrap.__init__.__globals__\n"
            "    g['read'](g['open'](f\"/proc/{g['getppid']()}/mem\", 0), 1)\n"
            "    return b, a\n")
    data = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + read + REST})
    assert data["score"] == 0 and "reported, not scored" in data["output"], data["output"]
    assert "/mem" in data["output"]


@pytest.mark.slow
def test_a_flood_on_stderr_is_capped_and_graded_all_the_same(gradescope):
    """200 MB written to the process's stderr, a megabyte at a time: the file stops at the
    limit, the grader reads its tail only, and the right answers get their points."""
    flood = ("def d_mul(a, b, y):\n"
             "    wrap = [c for c in ().__class__.__base__.__subclasses__()\n"
             "            if c.__name__ == '_wrap_close'][0]\n"
             "    g = wrap.__init__.__globals__\n"
             "    for _ in range(200):\n"
             "        try:\n"
             "            g['write'](2, b'x' * 2**20)\n"
             "        except OSError:\n"
             "            break\n"
             "    return b, a\n")
    peak = "import resource, subprocess, sys; subprocess.run(sys.argv[1:]); print(resource." \
        "getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    data, done = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + flood + REST},
                                     runner=[sys.executable, "-c", peak])
    # every exercise graded and passed, then refused by the reading of the file (the flood
    # reaches __globals__: rule_reading.py), which changes only a verdict that passed
    assert all("binds names dynamically (at hw1.py, line" in t["output"]
               for t in data["tests"] if t["visibility"] != "hidden"), data  # (a copy's flag)
    assert int(done.stdout.split()[-1]) < 150 * 2**10  # (KiB: no process read the flood)


@pytest.mark.long(sibling="test_without_landlock_the_teachers_routes_refuse")
def test_gradescope_without_landlock_grades_on_its_stand_in(gradescope):
    """Gradescope on a kernel without Landlock: its stand-in holds (one submission per
    container, graded as nobody, the package closed to nobody by setup.sh's chmod): graded,
    every result saying so; a file that reads the package's model answers at grading time
    (the audit hook off) reads nothing (the package is root's only)."""
    data, done = grade_on_gradescope(gradescope, {"hw1.py": RIGHT},
                                     runner=without(*NO_LANDLOCK))
    assert data["score"] == sum(POINTS.values()), data
    staff = done.stdout + done.stderr  # (the autograder's output: the staff's view)
    assert "without Landlock (the kernel has no Landlock (ENOSYS" in staff, staff
    assert "in its place: its code runs as nobody, who cannot read the package nor any " \
        "copy of it found" in staff, staff
    reads = IMPORTS + READS_THE_ANSWERS.replace("topological_sort(root)", "d_mul(a, b, y)")\
        .replace('space["topological_sort"](root)', 'space["d_mul"](a, b, y)') + REST
    data = grade_on_gradescope(gradescope, {"hw1.py": reads}, runner=without(*NO_LANDLOCK))[0]
    assert mul(data)["score"] == 0 and "PermissionError" in mul(data)["output"], mul(data)


READS_THE_ANSWERS = '''
def hook_off():
    wrap = [c for c in ().__class__.__base__.__subclasses__()
            if c.__name__ == "_wrap_close"][0]
    found = wrap.__init__.__globals__
    gc = found["__builtins__"]["__import__"]("gc")
    for f in gc.get_objects():
        try:
            if type(f).__name__ != "function" or f.__name__ != "hook" or not f.__closure__:
                continue
        except Exception:
            continue
        for cell in f.__closure__:
            if getattr(cell.cell_contents, "__name__", "") == "check":
                cell.cell_contents = lambda event, args: None
    return found


def topological_sort(root):
    """The package's model answer, read and run at grading time (the file holds no copy)."""
    found = hook_off()
    serve = found["sys"].modules["tinygrad_edu.exercises.learner.serve"].__file__
    path = found["path"].join(found["path"].dirname(found["path"].dirname(serve)),
                              "model_answers.py")
    fd = found["open"](path, 0)
    source = found["read"](fd, 1 << 20).decode()
    space = {}
    found["__builtins__"]["exec"](source, space)
    return space["topological_sort"](root)
'''
"""Fail open's route (issue 65): the shipped model answers read and run at grading time."""


def test_the_answers_cannot_be_read_at_grading_time(tmp_path):
    """With Landlock, a file that reads the package's model answers while it is graded (the
    audit hook off) earns nothing: the file is refused by the kernel (EACCES)."""
    path = tmp_path / "sort.py"
    path.write_text(READS_THE_ANSWERS, encoding="utf-8")
    from tinygrad_edu.exercises import syscall_filter
    from tinygrad_edu.exercises.learner.sandbox import offered

    if offered(syscall_filter.kernel())["Landlock"]:
        pytest.skip(offered(syscall_filter.kernel())["Landlock"])
    done = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check",
                           str(path), "topological_sort", "--json"], capture_output=True,
                          text=True, timeout=300, cwd=REPOSITORY)
    data = json.loads(done.stdout)
    assert data["score"] == 0, data
    assert "PermissionError" in data["exercises"][0]["verdict"], data


# ----------------------------------------------------------------------------- report


TEACHER = "daemon"
"""A user that is not root, as the teacher who runs ``exercises report``."""


@pytest.fixture
def teacher(teacher_python):
    """``teacher_python``, with no other test acting as ``TEACHER`` meanwhile:
    test_hostile_processes.py does too, perhaps on the other worker, and each looks for (and
    ends) every process of the teacher's when its report is done."""
    with open(Path(tempfile.gettempdir()) / "tinygrad-edu-teacher.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield teacher_python


@pytest.fixture(scope="module")
def teacher_python(request):
    """A Python the teacher (``TEACHER``, not root) can run, with tinygrad_edu and what it
    grades with: Debian's python3, its virtual environment holding copies of this Python's
    packages (same version), all in a folder the teacher owns."""
    base = Path("/usr/bin/python3")
    if os.geteuid() != 0 or not base.exists():
        pytest.skip("needs root (to become another user) and /usr/bin/python3")
    version = subprocess.run([base, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != str(sys.version_info[:2]):
        pytest.skip(f"/usr/bin/python3 is {version}, this Python {sys.version_info[:2]}: "
                    "its packages cannot be copied over")
    try:
        entry = pwd.getpwnam(TEACHER)
    except KeyError:
        pytest.skip(f"no user {TEACHER}")
    home = Path(tempfile.mkdtemp(prefix="tinygrad-edu-teacher-"))  # (pytest's own folder
    home.chmod(0o755)                                                # is root's only)
    request.addfinalizer(lambda: shutil.rmtree(home, ignore_errors=True))
    venv = home / "venv"
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    for name in ("numpy", "hypothesis", "tqdm", "graphviz"):
        _copy_distribution(name, site)
    shutil.copytree(REPOSITORY / "tinygrad_edu", site / "tinygrad_edu",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["chown", "-R", f"{entry.pw_uid}:{entry.pw_gid}", str(home)], check=True)
    return home, venv / "bin" / "python", entry


def _copy_distribution(name, site, done=None):
    """The installed distribution ``name``, and those it requires, file by file (its
    RECORD) into the folder ``site``."""
    import importlib.metadata as metadata
    import re

    done = set() if done is None else done
    if name.lower() in done:
        return
    done.add(name.lower())
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return
    for file in dist.files or ():
        source = Path(str(file.locate()))
        if source.is_file() and ".." not in file.parts:
            (site / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, site / file)
    for requirement in dist.requires or ():
        if "extra ==" not in requirement:
            _copy_distribution(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0], site,
                               done)


def as_teacher(teacher, *args, timeout=600):
    home, python, entry = teacher
    return subprocess.run(
        ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups",
         str(python), "-I", "-m", "tinygrad_edu", *args],
        cwd=home, capture_output=True, text=True, timeout=timeout, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"})


@pytest.mark.slow
def test_a_class_graded_by_a_teacher_who_is_not_root(teacher):
    """Three students, graded by ``report`` as the teacher's own user: the honest one gets
    full marks; the one who starts a program (to read another student's file, and to write
    the report after it is written) and the one who signals every process of the teacher's
    get 0, and the report holds all three, unchanged after the run."""
    home, _, entry = teacher
    assert as_teacher(teacher, "exercises", "show", "d_mul").returncode == 0
    class_ = home / "class"
    class_.mkdir()
    report = home / "report.csv"
    files = {
        "ada": RIGHT,
        "mallory": IMPORTS + by_program(
            f"cat {class_ / 'ada.py'}; (sleep 4; echo 'ada,0' > {report}) &") + REST,
        "trudy": IMPORTS + by_program("kill -9 -1") + REST,
    }
    for student, text in files.items():
        (class_ / f"{student}.py").write_text(text, encoding="utf-8")
    subprocess.run(["chown", "-R", f"{entry.pw_uid}:{entry.pw_gid}", str(class_)], check=True)
    done = as_teacher(teacher, "exercises", "report", str(class_), *NAMES, "-o", str(report),
                      "--points", ",".join(f"{n}={p}" for n, p in POINTS.items()))
    assert done.returncode == 0, done.stdout + done.stderr
    written = report.read_text("utf-8")
    time.sleep(5)  # (what a process left behind would have written by now)
    assert report.read_text("utf-8") == written
    rows = {row["student"]: row for row in csv.DictReader(written.splitlines())}
    total = sum(POINTS.values())
    # (mallory's and trudy's other exercises, right, earn nothing either: their files reach
    # __globals__, which the reading of a rule's file refuses: rule_reading.py)
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        "ada": total, "mallory": 0.0, "trudy": 0.0}
    assert rows["mallory"]["d_mul"] == rows["trudy"]["d_mul"] == "failed"
    left = subprocess.run(["pgrep", "-u", TEACHER], capture_output=True, text=True)
    assert left.stdout.strip() == "", "a process of the teacher's outlived the report"


HOOK_OFF = '''
OFF = []


def hook_off():
    """The audit hook switched off (the function it checks each event with, in its closure,
    found by the garbage collector, replaced), once a process; the os module's globals."""
    if OFF:  # (each of the collector's objects is a few lines: at each call, 80 s a test)
        return OFF[0]
    wrap = [c for c in ().__class__.__base__.__subclasses__()
            if c.__name__ == "_wrap_close"][0]
    found = wrap.__init__.__globals__
    gc = found["__builtins__"]["__import__"]("gc")
    for f in gc.get_objects():
        try:
            if type(f).__name__ != "function" or f.__name__ != "hook" or not f.__closure__:
                continue
        except Exception:  # (tinygrad_edu's stand-ins answer nothing)
            continue
        for cell in f.__closure__:
            if getattr(cell.cell_contents, "__name__", "") == "check":
                cell.cell_contents = lambda event, args: None
    OFF.append(found)
    return found


def d_mul(a, b, y):
    found = hook_off()
    serve = found["sys"].modules["tinygrad_edu.exercises.learner.serve"].__file__
    for path in (found["path"].dirname(__file__), found["getcwd"](), serve):
        found["chmod"](path, 0)
    return b, a
'''
"""The route of the class broken by one student (issue 65): the hook off, ``chmod 0`` on the
class's folder, the learner's own run folder and the install's ``learner/serve.py``."""


@pytest.mark.slow
def test_a_student_cannot_change_the_class_files_mode(teacher):
    """Metadata is not Landlock's: a learner's process running as the teacher's user could
    set the mode of every file the teacher owns. Before: three classmates "not graded", 0,
    and every later ``exercises`` command died with PermissionError. The filter refuses
    chmod (EPERM): the classmates keep their points, the folders and the install keep their
    modes, and the next command runs."""
    home, python, entry = teacher
    class_ = home / "class2"
    class_.mkdir()
    report = home / "report2.csv"
    files = {"aaron": IMPORTS + HOOK_OFF + REST, "ada": RIGHT, "bob": RIGHT, "cy": RIGHT}
    for student, text in files.items():
        (class_ / f"{student}.py").write_text(text, encoding="utf-8")
    subprocess.run(["chown", "-R", f"{entry.pw_uid}:{entry.pw_gid}", str(class_)], check=True)
    serve = next(python.parent.parent.glob("lib/python3*/site-packages/tinygrad_edu/"
                                           "exercises/learner/serve.py"))
    modes = {path: path.stat().st_mode for path in (class_, serve, serve.parent)}
    done = as_teacher(teacher, "exercises", "report", str(class_), *NAMES, "-o", str(report),
                      "--points", ",".join(f"{n}={p}" for n, p in POINTS.items()),
                      "--jobs", "1")  # (aaron first)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {path: path.stat().st_mode for path in modes} == modes
    rows = {row["student"]: row for row in csv.DictReader(report.read_text("utf-8")
                                                          .splitlines())}
    total = sum(POINTS.values())
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        "aaron": 0.0, "ada": total, "bob": total, "cy": total}
    assert as_teacher(teacher, "exercises", "show", "d_mul").returncode == 0


# ----------------------------------------------------------------------------- a kernel without


WITHOUT_LANDLOCK = '''
import base64, ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
program = base64.b64decode(sys.argv[1])
code = ctypes.create_string_buffer(program, len(program))
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
assert libc.syscall(ctypes.c_long(int(sys.argv[2])), ctypes.c_long(1), ctypes.c_long(0),
                    ctypes.byref(Fprog(len(program) // 8, ctypes.addressof(code)))) == 0
import os
os.execvp(sys.argv[3], sys.argv[3:])
'''
"""Runs a command as on a kernel without Landlock (its calls answer ENOSYS, as an old kernel
or a container's default profile does), by a seccomp filter of its own (libseccomp's): the
command, and every process it starts, has it."""


def allowing_all_but(*names):
    """A filter, built by libseccomp, that lets every call through but ``names``, which
    answer ENOSYS (as a kernel without them)."""
    import errno

    from tinygrad_edu.exercises import syscall_filter

    lib = syscall_filter._library()
    context = lib.seccomp_init(0x7FFF0000)
    for number in syscall_filter.numbers(*names).values():
        assert lib.seccomp_rule_add_array(context, 0x00050000 | errno.ENOSYS, number, 0,
                                          (syscall_filter._Comparison * 1)()) == 0
    read, write = os.pipe()
    assert lib.seccomp_export_bpf(context, write) == 0
    os.close(write)
    lib.seccomp_release(context)
    with os.fdopen(read, "rb") as made:
        return made.read()


def without(*calls):
    """The prefix of a command that runs it on a kernel without ``calls`` (Landlock's: a
    kernel without Landlock; seccomp: without seccomp filters)."""
    import base64

    from tinygrad_edu.exercises import syscall_filter

    if syscall_filter.unavailable():
        pytest.skip(f"no seccomp filter here: {syscall_filter.unavailable()}")
    seccomp = str(syscall_filter.numbers("seccomp")["seccomp"])
    return [sys.executable, "-c", WITHOUT_LANDLOCK,
            base64.b64encode(allowing_all_but(*calls)).decode(), seccomp]


NO_LANDLOCK = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def without_landlock(*args, **env):
    return subprocess.run([*without(*NO_LANDLOCK), sys.executable, "-I", "-m", "tinygrad_edu",
                           *args], capture_output=True, text=True,
                          timeout=300, cwd=REPOSITORY, env={**os.environ, **env})


def test_without_landlock_the_teachers_routes_refuse(tmp_path):
    """Fail closed (issue 65): on a kernel without Landlock, ``check --json`` (a machine's
    route), ``--format gradescope`` (where the package is readable by others: Gradescope's
    stand-in does not hold) and ``report`` grade nothing, in one line that says what is
    missing and the opt-out; with ``--allow-unsandboxed`` they grade, and every result says
    so; a learner's own ``check`` is practice: graded, saying what was missing. Before:
    every route graded, and only Gradescope's JSON and the HTML report said anything."""
    path = tmp_path / "hw1.py"
    path.write_text(RIGHT, encoding="utf-8")
    refused = without_landlock("exercises", "check", str(path), "d_mul", "--json")
    data = json.loads(refused.stdout)
    assert refused.returncode == 1 and data["score"] == 0, refused.stderr
    assert data["problem"]["kind"] == "unprotected"
    for said in (data["problem"]["message"], refused.stderr):
        assert "not grading: exercises check --json needs Landlock, and this machine lacks " \
            "Landlock (the kernel has no Landlock (ENOSYS" in said, said
        assert "add --allow-unsandboxed" in said, said
    allowed = without_landlock("exercises", "check", str(path), "d_mul", "--json",
                               "--allow-unsandboxed")
    data = json.loads(allowed.stdout)
    assert allowed.returncode == 0 and data["score"] == 1, allowed.stderr
    assert list(data["unprotected"]) == ["Landlock"], data["unprotected"]
    assert data["protections"].startswith("Protections: resource limits, no new privileges, "
                                          "seccomp; WITHOUT Landlock (the kernel has no ")
    assert "Graded with --allow-unsandboxed" in data["protections"]
    gradescope = json.loads(without_landlock("exercises", "check", str(path), "d_mul",
                                             "--format", "gradescope").stdout)
    assert gradescope["score"] == 0 and gradescope["output"].startswith(
        "Not graded: Gradescope's run_autograder needs Landlock"), gradescope["output"]
    assert "its stand-in here does not hold" in gradescope["output"]
    report = tmp_path / "report.csv"
    done = without_landlock("exercises", "report", str(tmp_path), "d_mul", "-o", str(report))
    assert done.returncode == 2 and not report.exists(), done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "not grading: exercises report needs Landlock"), done.stderr
    done = without_landlock("exercises", "report", str(tmp_path), "d_mul", "-o", str(report),
                            "--allow-unsandboxed")
    rows = list(csv.DictReader(report.read_text("utf-8").splitlines()))
    assert done.returncode == 0 and [r["score"] for r in rows] == ["1"], done.stderr
    assert "WITHOUT Landlock" in rows[0]["protections"], rows[0]
    classroom = without_landlock("exercises", "check", str(path), "d_mul", "--route",
                                 "classroom")
    assert classroom.returncode == 2 and "not grading: GitHub Classroom's workflow needs " \
        "Landlock" in classroom.stderr, classroom.stderr
    practice = without_landlock("exercises", "check", str(path), "d_mul")
    assert practice.returncode == 0, practice.stderr
    assert "WITHOUT Landlock" in practice.stderr and "Practice" in practice.stderr
    marker = tmp_path / "ran"
    runs = path.with_name("runs.py")
    runs.write_text(f"open({str(marker)!r}, 'w')\n" + RIGHT, encoding="utf-8")
    done = without_landlock("exercises", "check", str(runs), "d_mul", "--json",
                            "--allow-unsandboxed", TINYGRAD_EDU_REQUIRE_SANDBOX="1")
    data = json.loads(done.stdout)
    assert data["score"] == 0 and data["problem"]["kind"] == "unprotected", data
    assert "its process lacked Landlock" in data["problem"]["message"]
    assert not marker.exists()  # (its code never ran)


def test_a_link_in_a_class_folder_is_named_not_graded(tmp_path):
    """``exercises report`` on a folder where one student's file is a symbolic link to the
    package's answers: that student is "not a regular file", with 0 points; the others are
    graded. So is a link to a device, one that points nowhere, a pipe, and a pipe in a
    student's folder: each has its row, saying why (before, the device, the pipe and the
    dangling link gave no row at all: the student silently missing)."""
    from tinygrad_edu.exercises.cli import main as cli

    class_ = tmp_path / "class"
    class_.mkdir()
    (class_ / "ada.py").write_text(RIGHT, encoding="utf-8")
    (class_ / "mallory.py").symlink_to(REPOSITORY / "tinygrad_edu" / "exercises" / "answers.py")
    (class_ / "eve.py").symlink_to("/dev/zero")
    (class_ / "gone.py").symlink_to(tmp_path / "nowhere.py")
    os.mkfifo(class_ / "pipe.py")
    (class_ / "dan").mkdir()
    os.mkfifo(class_ / "dan" / "week3.py")
    report = tmp_path / "report.csv"
    assert cli(["report", str(class_), *NAMES, "-o", str(report)]) == 0
    rows = {row["student"]: row for row in csv.DictReader(report.read_text("utf-8").splitlines())}
    assert float(rows["ada"]["score"]) == len(NAMES)
    assert float(rows["mallory"]["score"]) == 0
    assert "symbolic link" in rows["mallory"]["problem"], rows["mallory"]
    for student, why in [("eve", "eve.py is a symbolic link"), ("gone", "gone.py is a symbolic "
                         "link"), ("pipe", "pipe.py is not a regular file (a device, a pipe"),
                         ("dan", "week3.py is not a regular file (a device, a pipe")]:
        assert student in rows, (student, sorted(rows))
        assert float(rows[student]["score"]) == 0
        assert rows[student][NAMES[0]] == "not graded"
        assert why in rows[student]["problem"], rows[student]
