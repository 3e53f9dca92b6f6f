"""tinygrad_edu.exercises.learner.sandbox: the kernel's boundary around the learner's process.

The main check (``MAIN``, sandbox_runs.py) runs in a fresh Python that confines itself (as
root, and as ``nobody`` after dropping root, as the learner's process does), then tries what
a learner's code might and prints what happened: what must be refused is, what a solution
needs still works, the limits fail with an exception rather than end the process, and what
the confinement reports applied is all there is where the kernel offers everything. Where
this system lacks a protection a check relies on, the check is skipped, and the reason must
be the one the confinement reports in ``missing``: nothing passes silently.
"""

import importlib.util
import os
import pwd
import re
import stat
from pathlib import Path

import pytest

from tests.exercises.sandbox_runs import LOWER, MAIN, ROOT, needs, refused, run_child, sandbox
from tinygrad_edu.exercises import syscall_filter

USERS = [None, "nobody"]


@pytest.fixture(scope="module", params=USERS, ids=["own user", "nobody"])
def confined(request):
    """What the main child found, as the tests' user (root, as the grader runs) or as
    ``nobody`` after dropping root, as the learner's process does."""
    if request.param is not None:
        if os.geteuid() != 0:
            pytest.skip("running as nobody needs the tests to run as root")
        try:
            pwd.getpwnam(request.param)
        except KeyError:
            pytest.skip(f"no user {request.param} here")
        closed = closed_to_others(ROOT / "tinygrad_edu" / "exercises" / "answers.py")
        if closed is not None:  # (every check as nobody would be refused by the mode alone)
            pytest.skip(f"{closed} is closed to other users (mode {closed.stat().st_mode:o}), "
                        "so nobody cannot read this checkout's answers even unconfined: "
                        "clone the repository where others can read it to run these as nobody")
    found = run_child(MAIN, request.param)
    found["user"] = request.param
    return found


def closed_to_others(path):
    """The first of ``path`` and the folders above it that other users cannot enter or
    read, or None."""
    path = Path(path).resolve()
    for place in [*reversed(path.parents), path]:
        needed = stat.S_IROTH if place == path else stat.S_IXOTH
        if not place.stat().st_mode & needed:
            return place
    return None


def unreadable_stdlib(run):
    """Skip where the user cannot import from the standard library even before confining
    (as nobody, where this Python is in root's home): the kernel's own permissions, not
    the sandbox's (the learner's process imports beforehand what it needs)."""
    if not run["before: import colorsys"]["ok"]:
        pytest.skip(f"{run['user']} cannot import from this Python's standard library, even "
                    f"before confining: {run['messages']['before: import colorsys']}")


# --- what must be refused --------------------------------------------------------------

@pytest.mark.parametrize("check", ["subprocess", "execv", "fork", "socket", "socketpair",
                                   "kill parent", "kill group", "killpg", "ptrace attach",
                                   "process_vm_readv parent", "process_vm_readv self",
                                   "unshare", "prctl PR_SET_PDEATHSIG", "kcmp",
                                   "process_madvise", "metadata: chmod", "metadata: fchmodat2",
                                   "metadata: chown", "metadata: utime", "metadata: setxattr",
                                   "metadata: listxattr", "memfd_create", "personality"])
def test_seccomp_refuses(confined, check):
    """A program run, a process made, a socket, a signal or a tracer for another process,
    another process's memory; a file's mode, owner, times and extended attributes (which
    Landlock does not cover: the class's folder, where the grader is not root); code to run
    from an anonymous file; the personality: refused with EPERM."""
    needs(confined, sandbox.SECCOMP)
    assert refused(confined[check], "EPERM"), confined[check]


@pytest.mark.parametrize("check", ["prlimit parent", "prlimit victim's memory",
                                   "prlimit victim", "setpriority victim",
                                   "setpriority victim's group", "setpriority self",
                                   "sched_setaffinity victim", "sched_setaffinity self",
                                   "sched_setscheduler victim", "sched_setparam victim",
                                   "ioprio_set victim", "F_SETOWN parent", "F_SETOWN self",
                                   "FIOSETOWN parent", "acct"])
def test_seccomp_not_on_the_list(confined, check):
    """What is not on the allow-list answers ENOSYS, as on a kernel without the call:
    another process's resource limits (the open files and the memory of the grader and of
    the other students' processes, where they run as the same user), any process's
    priority and CPUs, a file's SIGIO sent to any process, the process accounting."""
    needs(confined, sandbox.SECCOMP)
    assert confined[check] == {"ok": False, "error": "OSError", "errno": "ENOSYS"}, \
        confined[check]


def test_metadata_changed_before(confined):
    """The controls: before confining, the same process could set the folder's mode, owner
    and times (the attack: ``chmod 0`` on the class's folder, as the teacher's user)."""
    for check in ("chmod", "chown", "utime"):
        assert confined["before: metadata: " + check]["ok"], confined["before: metadata: "
                                                                     + check]


def test_os_system_runs_nothing(confined):
    """``os.system`` cannot start the shell: glibc's answer is the shell's "not found"."""
    needs(confined, sandbox.SECCOMP)
    assert confined["os.system"]["ok"] and confined["os.system"]["value"] != 0


def test_refused_before_only_by_the_sandbox(confined):
    """The controls: as root, before confining, the same process could signal its parent
    and read the memory of another process (or its own); clone3 and io_uring_setup were
    there (another error than ENOSYS)."""
    if confined["user"] is not None:
        pytest.skip("as nobody, the kernel refuses these already (another user's process)")
    assert confined["before: kill parent"]["ok"]
    assert confined["before: process_vm_readv self"] == {"ok": True, "value": "secret!\x00"}
    assert confined["before: process_vm_readv parent"]["errno"] != "EPERM"
    assert confined["before: clone3"]["errno"] not in ("ENOSYS", None)
    assert confined["before: io_uring_setup"]["errno"] not in ("ENOSYS", None)
    for check in ("prlimit parent", "prlimit victim", "setpriority victim",
                  "sched_setaffinity victim", "F_SETOWN parent"):
        assert confined["before: " + check]["ok"], (check, confined["before: " + check])


@pytest.mark.parametrize("check", ["clone3", "io_uring_setup"])
def test_seccomp_says_not_there(confined, check):
    """clone3 and io_uring answer ENOSYS, as on a kernel without them."""
    needs(confined, sandbox.SECCOMP)
    assert confined[check] == {"ok": False, "error": "OSError", "errno": "ENOSYS"}


@pytest.mark.parametrize("check", ["read secret", "read answers", "read hostname",
                                   "read parent mem", "read parent environ",
                                   "write outside", "write tmp"])
def test_landlock_refuses(confined, check):
    """A file outside the grants (another folder's, the grader's answers, the system's,
    another process's memory and environment) cannot be read; nothing outside the one
    writable folder can be written."""
    needs(confined, sandbox.LANDLOCK)
    if check == "read hostname" and not os.path.exists("/etc/hostname"):
        pytest.skip("no /etc/hostname here")
    assert refused(confined[check], "EACCES"), confined[check]


def test_readable_before(confined):
    """The controls: the same user could read the secret and the answers, and write in the
    other folder, before the process was confined."""
    for check in ("read secret", "read answers", "write outside"):
        assert confined["before: " + check]["ok"], (check, confined["before: " + check])


# --- what must still work --------------------------------------------------------------

@pytest.mark.parametrize("check, value", [
    ("kill self", None), ("pthread_kill self", None), ("raise_signal", ["USR1"]),
    ("alarm", True), ("write inside", "hello"),
    ("read own script", 16), ("write /dev/null", 7), ("read /dev/urandom", 16),
    ("prctl PR_SET_NAME", "done"), ("prlimit self", [64, 64]), ("prlimit 0", [0, 0])])
def test_still_works(confined, check, value):
    """Signals to itself (its own handlers run, the time limit's SIGALRM too), the file it
    runs, the writable folder, the devices every program uses, its own
    limits."""
    assert confined[check] == {"ok": True, "value": value}


def test_imports_after_confining(confined):
    """A module of the standard library not imported yet can still be (its files are
    granted), one that loads a library of the system's too (lzma: liblzma; binascii, which
    base64 imports: libz), and so can NumPy's submodules."""
    unreadable_stdlib(confined)
    assert len(confined["fresh"]) >= 2, confined["fresh"]
    assert confined["import after"] == {"ok": True, "value": confined["fresh"]}
    assert confined["linked"] and confined["import linked after"] == {
        "ok": True, "value": confined["linked"]}  # (their libraries, granted file by file)
    assert confined["read stdlib"] == {"ok": True, "value": 16}


def test_numpy_works(confined):
    """NumPy computes (in the process's one thread: it may start no other, as
    ``test_no_thread_made`` says), and loads a submodule (which imports modules of the
    standard library: see ``test_imports_after_confining``)."""
    if "numpy" not in confined:
        pytest.skip("NumPy is not installed for this Python")
    assert confined["numpy"] == {"ok": True, "value": 27_000_000.0}
    assert confined["numpy in threads"] == NO_THREAD
    unreadable_stdlib(confined)
    numpy = importlib.util.find_spec("numpy")
    closed = confined["user"] is not None and numpy and closed_to_others(numpy.origin)
    if closed:  # (the kernel's own permissions, not the sandbox's, as unreadable_stdlib)
        pytest.skip(f"{closed} is closed to other users (mode {closed.stat().st_mode:o}), so "
                    f"{confined['user']} cannot import NumPy's submodules even unconfined: "
                    "put the virtual environment where others can read it")
    assert confined["import numpy.random"] == {"ok": True, "value": 10}


NO_THREAD = {"ok": False, "error": "RuntimeError", "errno": None}
"""What starting a thread raises, confined (CPython's "can't start new thread")."""


def test_no_thread_made(confined):
    """A thread cannot be started (the filter refuses clone: a flood of threads filled the
    grader's user's limit of processes, and a classmate's grading process could not start);
    it could before confining."""
    assert confined["before: threads"] == {"ok": True, "value": [4_999_950_000] * 4}
    needs(confined, sandbox.SECCOMP)
    assert confined["threads"] == NO_THREAD, confined["threads"]
    assert "can't start new thread" in confined["messages"]["threads"]


# --- the limits ------------------------------------------------------------------------

def test_memory_limit_raises(confined):
    """Far past the limit, an allocation raises MemoryError, and the process goes on."""
    needs(confined, sandbox.RESOURCE_LIMITS)
    if sandbox.MEMORY_LIMIT in confined["confinement"]["missing"]:
        pytest.skip(confined["confinement"]["missing"][sandbox.MEMORY_LIMIT])
    assert confined["memory"] == {"ok": False, "error": "MemoryError", "errno": None}
    assert confined["memory after"] == {"ok": True, "value": 50 << 20}
    if "numpy memory" in confined:
        assert confined["numpy memory"]["error"] == "MemoryError"


def test_file_size_limit_raises(confined):
    """A file written past the limit: OSError (EFBIG), not SIGXFSZ; it stops at the limit."""
    needs(confined, sandbox.RESOURCE_LIMITS)
    assert confined["file size"] == {"ok": False, "error": "OSError", "errno": "EFBIG"}
    assert confined["big file's size"] == 1 << 20


def test_confine_imports_nothing(confined):
    """``confine`` loads no module (as nobody, the standard library may be out of reach)."""
    assert confined["imported by confine"] == []


def test_limits_only_lowered():
    """A limit already lower stays as it was, and no hard limit is raised."""
    found = run_child(LOWER)
    assert found["limits"] == {"RLIMIT_FSIZE": [1 << 19, 1 << 19], "RLIMIT_CPU": [100, 605],
                               "RLIMIT_NOFILE": [32, 64], "RLIMIT_AS": found["AS before"]}


def test_limits(confined):
    """The limits set (CPU: 600 s, then SIGKILL 5 s later), and the number of processes left
    as it was: it counts threads."""
    needs(confined, sandbox.RESOURCE_LIMITS)
    limits, before = confined["limits"], confined["limits before"]
    assert limits["RLIMIT_FSIZE"] == [1 << 20, 1 << 20]
    assert limits["RLIMIT_CPU"] == [600, 605]
    assert limits["RLIMIT_CORE"] == [0, 0]
    assert limits["RLIMIT_NOFILE"] == [64, 64]
    assert limits["RLIMIT_NPROC"] == before["RLIMIT_NPROC"]
    memory = limits["RLIMIT_AS"][0]
    assert limits["RLIMIT_AS"][1] == memory and 1 << 30 < memory < 64 << 30


# --- what is reported ------------------------------------------------------------------

def test_nothing_missing_here(confined):
    """Where the kernel offers everything, it is all applied; what is missing is what
    ``offered`` says is not there, with the same reason."""
    done = confined["confinement"]
    expected = {name: why for name, why in sandbox.offered(syscall_filter.kernel()).items()
                if why}
    assert done["missing"] == expected
    if expected:
        pytest.skip(f"missing here: {expected}")
    assert done["applied"][:2] == ["resource limits", "no new privileges"]
    assert re.fullmatch(r"Landlock \(ABI \d+\)", done["applied"][2])
    assert done["applied"][3:] == ["seccomp"]


def test_cost(confined):
    """The cost of ``confine`` (reported, not asserted): printed with ``pytest -s``."""
    seconds = confined["confinement"]["seconds"]
    print(f"\nconfine() took {seconds * 1000:.1f} ms as {confined['user'] or 'root'}")
    assert seconds > 0
