"""tinygrad_edu.exercises.learner.sandbox: the kernel's boundary around the learner's process.

Each check runs in a fresh Python that confines itself (as root, and as ``nobody`` after
dropping root, as the learner's process does), then tries what a learner's code might and
prints what happened: what must be refused is, what a solution needs still works, and the
limits fail with an exception rather than end the process. Where this system lacks a
protection a check relies on, the check is skipped, and the reason must be the one the
confinement reports in ``missing``: nothing passes silently. The filter itself (libseccomp's
program, ``syscall_filter.py``) is also run in Python, on both architectures, against the
rules it must follow.

None of them is a slow test: ``./run.sh test`` runs them under every Python it finds (3.10 to
3.13), where the standard library, NumPy and the system's libraries the process loads differ
(under 3.12, ``import numpy.random`` once confined needed libz, which binascii loads).
"""

import errno
import importlib.util
import json
import os
import pwd
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "tinygrad_edu" / "exercises" / "learner" / "sandbox.py"
NAME = "tinygrad_edu.exercises.learner.sandbox"
ENV = {"PATH": os.defpath, "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""The children's environment: NumPy starts no thread of its own (Landlock needs one)."""


def load_sandbox():
    """The module, loaded by its path (the package's ``__init__`` imports the grader)."""
    spec = importlib.util.spec_from_file_location(NAME, MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[NAME] = module
    spec.loader.exec_module(module)
    return module


sandbox = load_sandbox()

from tinygrad_edu.exercises import syscall_filter  # noqa: E402 (after the sandbox's own)

RAW = ("clone3", "io_uring_setup", "process_vm_readv", "ptrace", "unshare", "ioprio_set",
       "kcmp", "process_madvise", "personality", "fchmodat2", "acct")
"""The calls the children make by number (no function of the C library's makes them)."""


def kernel_config():
    """What the children are sent to confine themselves, as the grader sends it."""
    kernel = syscall_filter.kernel()
    return {"calls": kernel.calls, "program": list(kernel.program),
            "unavailable": kernel.unavailable}

HEAD = '''
import errno, importlib.util, json, os, sys, time
config = json.loads(sys.argv[1])
spec = importlib.util.spec_from_file_location(config["name"], config["module"])
sandbox = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = sandbox
spec.loader.exec_module(sandbox)
kernel = sandbox.Kernel(config["kernel"]["calls"], bytes(config["kernel"]["program"]),
                        config["kernel"]["unavailable"])
results = {}

def attempt(name, action):
    """Record what action() did: its value, or the exception it raised (the builtin class
    it is, and its errno)."""
    try:
        value = action()
    except BaseException as error:
        kind = next(c for c in type(error).__mro__ if c.__module__ == "builtins")
        code = getattr(error, "errno", None)
        results[name] = {"ok": False, "error": kind.__name__,
                         "errno": errno.errorcode.get(code, code)}
        results.setdefault("messages", {})[name] = str(error)[:300]
    else:
        json_ok = isinstance(value, (int, float, str, bool, list, type(None)))
        results[name] = {"ok": True, "value": value if json_ok else repr(value)}

def become(user):
    import pwd
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)

def confine(grants):
    done = sandbox.confine(grants, [config["writable"]], kernel)
    results["confinement"] = {"applied": done.applied, "missing": done.missing,
                              "skipped": done.skipped, "seconds": done.seconds}

def read(path):
    with open(path, "rb") as file:
        return len(file.read(16))

def write(path, data=b"x"):
    with open(path, "wb") as file:
        return file.write(data)
'''
"""What every child runs first: the module loaded by its path, and the helpers."""

MAIN = '''
import ctypes, fcntl, resource, signal, socket, struct, subprocess, threading
try:
    import numpy
except ImportError:
    numpy = None
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
calls = config["numbers"]

def raw(name, *args):
    if libc.syscall(ctypes.c_long(calls[name]), *(ctypes.c_long(a) if isinstance(a, int)
                                                  else a for a in args)) == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))

class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

def vm_read(pid):
    """process_vm_readv: 8 bytes at the address of a buffer of this process, in ``pid``."""
    into, source = ctypes.create_string_buffer(8), ctypes.create_string_buffer(b"secret!")
    local, remote = Iovec(ctypes.addressof(into), 8), Iovec(ctypes.addressof(source), 8)
    raw("process_vm_readv", pid, ctypes.addressof(local), 1, ctypes.addressof(remote), 1, 0)
    return into.raw.decode()

def prctl(option, value):
    if libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0),
                  ctypes.c_ulong(0), ctypes.c_ulong(0)) == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return "done"

def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)

def inside():
    """A file written and read in the writable folder (a folder made, a file renamed or
    removed: not on the filter's list, which the learner's process, given no folder to
    write in, never needs)."""
    path = os.path.join(config["writable"], "notes.txt")
    write(path, b"hello")
    with open(path) as file:
        return file.read()

got = []
def raise_usr1():
    signal.signal(signal.SIGUSR1, lambda *_: got.append("USR1"))
    signal.raise_signal(signal.SIGUSR1)
    return got[:]

def alarm():
    signal.signal(signal.SIGALRM, lambda *_: got.append("ALRM"))
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    end = time.monotonic() + 5
    while "ALRM" not in got and time.monotonic() < end:
        time.sleep(0.005)
    return "ALRM" in got

def in_threads(work, count=4):
    out = []
    threads = [threading.Thread(target=lambda: out.append(work())) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out

def gone(value):
    """``value``, once the threads that made it are gone from /proc (a thread joined may
    still be ending there, and ``confine`` counts the threads it finds)."""
    end = time.monotonic() + 5
    while len(os.listdir("/proc/self/task")) > 1 and time.monotonic() < end:
        time.sleep(0.001)
    return value

def big_file():
    path = os.path.join(config["writable"], "big")
    try:
        write(path, b"x" * (2 << 20))
    finally:
        results["big file's size"] = os.path.getsize(path)

def limits():
    return {name: resource.getrlimit(getattr(resource, name)) for name in
            ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_CORE",
             "RLIMIT_NPROC")}

def owned(fd, pid):
    """F_SETOWN: who gets the file's SIGIO (another process: the kernel signals it)."""
    return fcntl.fcntl(fd, fcntl.F_SETOWN, pid)

def metadata(path):
    """What Landlock does not cover: a file's mode, owner, times, extended attributes (the
    same mode, owner and times again: the controls before change nothing)."""
    info = os.stat(path)
    return {"chmod": lambda: os.chmod(path, info.st_mode & 0o7777),
            "fchmodat2": lambda: raw("fchmodat2", -100, path.encode(), info.st_mode & 0o777, 0),
            "chown": lambda: os.chown(path, info.st_uid, info.st_gid),
            "utime": lambda: os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns)),
            "setxattr": lambda: os.setxattr(path, "user.tinygrad", b"1"),
            "listxattr": lambda: os.listxattr(path)}

def memfd():
    fd = os.memfd_create("code")
    os.close(fd)

results["limits before"] = limits()
grants = sandbox.library_grants() + [__file__]
pipe, _ = os.pipe()
victim = config["victim"]
if config["user"]:
    become(config["user"])
for name, action in [
        ("read secret", lambda: read(config["secret"])),
        ("read answers", lambda: read(config["answers"])),
        ("write outside", lambda: write(os.path.join(config["outside"], "before"))),
        ("kill parent", lambda: os.kill(os.getppid(), 0)),
        ("read parent environ", lambda: read(f"/proc/{os.getppid()}/environ")),
        ("process_vm_readv self", lambda: vm_read(os.getpid())),
        ("process_vm_readv parent", lambda: vm_read(os.getppid())),
        ("clone3", lambda: raw("clone3", 0, 0)),
        ("io_uring_setup", lambda: raw("io_uring_setup", 1, 0)),
        ("threads", lambda: gone(in_threads(lambda: sum(range(100_000))))),
        ("prlimit parent", lambda: list(resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE))),
        ("prlimit victim", lambda: list(resource.prlimit(victim, resource.RLIMIT_CORE, (0, 0)))),
        ("setpriority victim", lambda: os.setpriority(os.PRIO_PROCESS, victim, 19)),
        ("sched_setaffinity victim", lambda: os.sched_setaffinity(victim,
                                                                  os.sched_getaffinity(0))),
        ("F_SETOWN parent", lambda: owned(pipe, os.getppid())),
        *(("metadata: " + name, action) for name, action in
          metadata(config["outside"]).items())]:
    attempt("before: " + name, action)
attempt("before: import colorsys", lambda: __import__("colorsys").__name__)
fresh = [m for m in ("fractions", "decimal", "difflib") if m not in sys.modules]
results["fresh"] = fresh
linked = [m for m in ("lzma", "bz2", "binascii") if m not in sys.modules]  # (liblzma...)
results["linked"] = linked

loaded = set(sys.modules)
confine(grants)
results["imported by confine"] = sorted(set(sys.modules) - loaded)

attempt("os.system", lambda: os.system("true"))
attempt("subprocess", lambda: subprocess.run(["true"]).returncode)
attempt("execv", lambda: os.execv("/bin/true", ["true"]))
attempt("fork", fork)
attempt("prctl PR_SET_PDEATHSIG", lambda: prctl(1, 0))  # (undo sandbox.end_with)
attempt("prctl PR_SET_NAME", lambda: prctl(15, ctypes.addressof(ctypes.create_string_buffer(b"x"))))
attempt("socket", lambda: socket.socket().close())
attempt("socketpair", lambda: [s.close() for s in socket.socketpair()])
attempt("kill parent", lambda: os.kill(os.getppid(), 0))
attempt("kill group", lambda: os.kill(0, 0))
attempt("killpg", lambda: os.killpg(os.getpgrp(), 0))
attempt("kill self", lambda: os.kill(os.getpid(), 0))
attempt("pthread_kill self", lambda: signal.pthread_kill(threading.get_ident(), 0))
attempt("read secret", lambda: read(config["secret"]))
attempt("read answers", lambda: read(config["answers"]))
attempt("read hostname", lambda: read("/etc/hostname"))
attempt("read parent mem", lambda: open(f"/proc/{os.getppid()}/mem", "rb").close())
attempt("read parent environ", lambda: read(f"/proc/{os.getppid()}/environ"))
attempt("read own script", lambda: read(__file__))
attempt("read stdlib", lambda: read(os.__file__))
attempt("write outside", lambda: write(os.path.join(config["outside"], "after")))
attempt("write tmp", lambda: write(config["tmp"]))
attempt("write inside", inside)
attempt("write /dev/null", lambda: write(os.devnull, b"dropped"))
attempt("read /dev/urandom", lambda: read("/dev/urandom"))
attempt("process_vm_readv parent", lambda: vm_read(os.getppid()))
attempt("process_vm_readv self", lambda: vm_read(os.getpid()))
attempt("ptrace attach", lambda: raw("ptrace", 16, config["victim"], 0, 0))
attempt("unshare", lambda: raw("unshare", 0x10000000))
attempt("clone3", lambda: raw("clone3", 0, 0))
attempt("io_uring_setup", lambda: raw("io_uring_setup", 1, 0))
attempt("prlimit parent", lambda: list(resource.prlimit(os.getppid(), resource.RLIMIT_NOFILE)))
attempt("prlimit victim's memory", lambda: resource.prlimit(victim, resource.RLIMIT_AS,
                                                            (1 << 20, 1 << 20)))
attempt("prlimit victim", lambda: list(resource.prlimit(victim, resource.RLIMIT_CORE, (0, 0))))
attempt("prlimit self", lambda: list(resource.prlimit(os.getpid(), resource.RLIMIT_NOFILE)))
attempt("prlimit 0", lambda: list(resource.prlimit(0, resource.RLIMIT_CORE, (0, 0))))
attempt("setpriority victim", lambda: os.setpriority(os.PRIO_PROCESS, victim, 19))
attempt("setpriority victim's group", lambda: os.setpriority(os.PRIO_PGRP, victim, 19))
attempt("setpriority self", lambda: os.setpriority(os.PRIO_PROCESS, 0, 1))
attempt("sched_setaffinity victim", lambda: os.sched_setaffinity(victim,
                                                                 os.sched_getaffinity(0)))
attempt("sched_setaffinity self", lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
attempt("sched_setscheduler victim", lambda: os.sched_setscheduler(victim, os.SCHED_OTHER,
                                                                   os.sched_param(0)))
attempt("sched_setparam victim", lambda: os.sched_setparam(victim, os.sched_param(0)))
attempt("ioprio_set victim", lambda: raw("ioprio_set", 1, victim, 0))
attempt("kcmp", lambda: raw("kcmp", os.getpid(), victim, 0, 0, 0))
attempt("process_madvise", lambda: raw("process_madvise", 0, 0, 0, 0, 0))
attempt("F_SETOWN parent", lambda: owned(pipe, os.getppid()))
attempt("F_SETOWN self", lambda: owned(pipe, os.getpid()))
attempt("FIOSETOWN parent", lambda: fcntl.ioctl(pipe, 0x8901, struct.pack("i", os.getppid())))
for name, action in metadata(config["outside"]).items():
    attempt("metadata: " + name, action)
attempt("memfd_create", memfd)
attempt("personality", lambda: raw("personality", 0xFFFFFFFF))
attempt("acct", lambda: raw("acct", 0))
attempt("raise_signal", raise_usr1)
attempt("alarm", alarm)
attempt("threads", lambda: in_threads(lambda: sum(range(100_000))))
attempt("import after", lambda: [__import__(m).__name__ for m in fresh])
attempt("import linked after", lambda: [__import__(m).__name__ for m in linked])
if numpy is not None:
    matmul = lambda: float((numpy.ones((300, 300)) @ numpy.ones((300, 300))).sum())
    attempt("numpy", matmul)
    attempt("numpy in threads", lambda: in_threads(matmul, 3))
    attempt("import numpy.random", lambda: int(__import__("numpy.random").random
                                                .default_rng(0).integers(10, 11)))
    attempt("numpy memory", lambda: numpy.ones(1 << 28).nbytes)
attempt("memory", lambda: len(bytearray(3 << 29)))
attempt("memory after", lambda: len(bytearray(50 << 20)))
attempt("file size", big_file)
results["limits"] = limits()
print(json.dumps(results))
'''
"""The main check: the controls (what the process could do before), then confined, each
thing a learner's code might try."""

THREAD_FIRST = '''
import socket, threading
grants = sandbox.library_grants() + [__file__]
go, seen = threading.Event(), {}

def later():
    go.wait()
    try:
        socket.socket().close()
        seen["socket"] = "made"
    except OSError as error:
        seen["socket"] = errno.errorcode[error.errno]

thread = threading.Thread(target=later)
thread.start()
confine(grants)
go.set()
thread.join()
results["other thread's socket"] = seen["socket"]
attempt("read secret", lambda: read(config["secret"]))
print(json.dumps(results))
'''
"""A thread started before ``confine``: Landlock is reported missing, and seccomp (TSYNC)
holds in that thread too."""

WITHOUT = '''
import socket
grants = sandbox.library_grants() + [__file__]
real = sandbox._syscall

def failing(kernel, name, *args):
    if name.startswith(config["fail"]):
        raise OSError(config["errno"], os.strerror(config["errno"]))
    return real(kernel, name, *args)

sandbox._syscall = failing
if config["fail"] == "linux":
    sys.platform = "freebsd14"
confine(grants)
sandbox._syscall = real

def bound():
    with socket.socket() as tcp:
        tcp.bind(("127.0.0.1", 0))

attempt("socket", lambda: socket.socket().close())
attempt("tcp bind", bound)
attempt("kill parent", lambda: os.kill(os.getppid(), 0))
attempt("read secret", lambda: read(config["secret"]))
print(json.dumps(results))
'''
"""A kernel without one protection, played by a failing system call (or a platform that is
not Linux): the reason is in ``missing``, and the rest is applied."""


LOWER = '''
import resource
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 19, 1 << 19))
resource.setrlimit(resource.RLIMIT_CPU, (100, 1000))
resource.setrlimit(resource.RLIMIT_NOFILE, (32, 4096))
results["AS before"] = resource.getrlimit(resource.RLIMIT_AS)
sandbox.confine([__file__], [config["writable"]], kernel, memory=None)
results["limits"] = {name: resource.getrlimit(getattr(resource, name)) for name in
                     ("RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_AS")}
print(json.dumps(results))
'''
"""Limits lower than the sandbox's, set before: they stay; ``memory=None``: no limit."""


def user_ids(user):
    if user is None:
        return os.getuid(), os.getgid()
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def folder(owner=None, mode=0o755):
    """A new folder in the temporary one (open to ``nobody``: pytest's are root's only)."""
    path = tempfile.mkdtemp(prefix="tinygrad-edu-sandbox-")
    os.chmod(path, mode)
    if owner is not None:
        os.chown(path, *owner)
    return path


def run_child(body, user=None, **config):
    """Run ``HEAD + body`` in a fresh Python (``-I``, NumPy's threads off) and return what it
    printed, decoded; the folders it is given are removed after."""
    owner = user_ids(user)
    scripts, secrets = folder(), folder()
    made = [scripts, secrets]
    script = Path(scripts, "child.py")
    script.write_text(HEAD + body)
    secret = Path(secrets, "secret.txt")
    secret.write_text("the grader's")
    os.chmod(secret, 0o644)
    victim = subprocess.Popen(["sleep", "60"], start_new_session=True)  # (a group of its own)
    tmp = Path(tempfile.gettempdir(), f"tinygrad-edu-sandbox-escape-{os.getpid()}")
    try:
        for key in ("writable", "outside"):
            config[key] = folder(owner, 0o700)
            made.append(config[key])
        config.update(name=NAME, module=str(MODULE), user=user, secret=str(secret),
                      kernel=kernel_config(), numbers=syscall_filter.numbers(*RAW),
                      answers=str(ROOT / "tinygrad_edu" / "exercises" / "answers.py"),
                      victim=victim.pid, tmp=str(tmp))
        done = subprocess.run([sys.executable, "-I", str(script), json.dumps(config)],
                              capture_output=True, text=True, env=ENV, timeout=120,
                              cwd=scripts)
    finally:
        victim.kill()
        victim.wait()
        tmp.unlink(missing_ok=True)
        for path in made:
            shutil.rmtree(path, ignore_errors=True)
    assert done.returncode == 0, f"the child ended with {done.returncode}: {done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def needs(run, *protections):
    """Skip where this system lacks a protection the check relies on: the reason is then
    the one the confinement reports (never a silent pass)."""
    missing = run["confinement"]["missing"]
    for name in protections:
        assert name in missing or any(a.startswith(name) for a in
                                      run["confinement"]["applied"]), name
        if name in missing:
            assert missing[name]
            pytest.skip(f"{name} is missing here: {missing[name]}")


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


def refused(result, code):
    return result == {"ok": False, "error": "PermissionError", "errno": code}


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


def test_a_thread_before_confining():
    """Another thread at the time of ``confine``: Landlock is reported missing (it would
    confine one thread only), and seccomp holds in that thread too."""
    found = run_child(THREAD_FIRST)
    needs(found, sandbox.SECCOMP)
    missing = found["confinement"]["missing"]
    assert "threads" in missing.get(sandbox.LANDLOCK, "") or "no Landlock" in missing.get(
        sandbox.LANDLOCK, "")
    assert found["other thread's socket"] == "EPERM"
    assert found["read secret"]["ok"]


@pytest.mark.parametrize("fail, code, why", [
    ("landlock", errno.EOPNOTSUPP, "the kernel has no Landlock (EOPNOTSUPP"),
    ("seccomp", errno.ENOSYS, "the kernel has no seccomp filters (ENOSYS)"),
    ("linux", errno.ENOSYS, "not Linux (freebsd14)")])
def test_a_protection_missing(fail, code, why):
    """A kernel without Landlock, or without seccomp, or not Linux: the reason is in
    ``missing``, and the rest is applied and holds (the other layer still refuses)."""
    found = run_child(WITHOUT, fail=fail, errno=code)
    done = found["confinement"]
    if fail == "linux":
        assert done["applied"] == ["resource limits"]
        assert done["missing"] == dict.fromkeys(
            ["no new privileges", "Landlock", "seccomp"], "not Linux (freebsd14)")
        return
    name = {"landlock": sandbox.LANDLOCK, "seccomp": sandbox.SECCOMP}[fail]
    assert list(done["missing"]) == [name] and done["missing"][name].startswith(why)
    assert "resource limits" in done["applied"] and "no new privileges" in done["applied"]
    if fail == "landlock":
        assert "seccomp" in done["applied"]
        assert refused(found["socket"], "EPERM") and refused(found["kill parent"], "EPERM")
        assert found["read secret"]["ok"]
    else:
        abi = int(re.search(r"ABI (\d+)", done["applied"][-1]).group(1))
        assert refused(found["read secret"], "EACCES")
        assert found["socket"]["ok"]  # (only seccomp refuses sockets)
        assert refused(found["tcp bind"], "EACCES") or abi < 4
        assert refused(found["kill parent"], "EPERM") or abi < 6


# --- in this process: nothing applied --------------------------------------------------

def test_offered_here():
    """Landlock and seccomp are offered on this system (or it says why not)."""
    found = sandbox.offered(syscall_filter.kernel())
    assert set(found) == {"resource limits", "no new privileges", "Landlock", "seccomp"}
    if any(found.values()):
        pytest.skip(f"not all offered here: {found}")
    assert not any(found.values())


@pytest.mark.parametrize("code, why", [
    (errno.ENOSYS, "the kernel has no Landlock (ENOSYS: too old"),
    (errno.EOPNOTSUPP, "the kernel has no Landlock (EOPNOTSUPP: built but not enabled"),
    (errno.EPERM, "Landlock failed: EPERM")])
def test_offered_without_landlock(monkeypatch, code, why):
    """A kernel without Landlock (too old; built without it enabled; a container's own
    filter refusing the call): ``offered`` says which, and the rest as before."""
    kernel = syscall_filter.kernel()
    if kernel.unavailable:
        pytest.skip(kernel.unavailable)
    before, real = sandbox.offered(kernel), sandbox._syscall

    def failing(kernel, name, *args):
        if name.startswith("landlock"):
            raise OSError(code, os.strerror(code))
        return real(kernel, name, *args)

    monkeypatch.setattr(sandbox, "_syscall", failing)
    found = sandbox.offered(kernel)
    assert found.pop("Landlock").startswith(why)
    assert found == {name: why for name, why in before.items() if name != "Landlock"}


def test_offered_elsewhere(monkeypatch):
    """Not Linux, or a grader without libseccomp (no filter, no numbers): the kernel's
    protections are missing, with why; nothing crashes."""
    monkeypatch.setattr(sys, "platform", "darwin")
    assert sandbox.offered(sandbox.Kernel()) == {
        "resource limits": None, "no new privileges": "not Linux (darwin)",
        "Landlock": "not Linux (darwin)", "seccomp": "not Linux (darwin)"}
    assert syscall_filter.unavailable() == "not Linux (darwin)"
    monkeypatch.setattr(sys, "platform", "linux")
    why = "no libseccomp here, which builds the filter (apt-get install libseccomp2)"
    assert sandbox.offered(sandbox.Kernel(unavailable=why)) == {
        "resource limits": None, "no new privileges": None, "Landlock": why, "seccomp": why}


def test_confinement_complete():
    assert sandbox.Confinement(["seccomp"]).complete
    assert not sandbox.Confinement([], {"Landlock": "not Linux"}).complete


def test_library_grants():
    """The standard library entry by entry, NumPy's folder and its libraries', nothing that
    is or holds a site-packages, nothing of tinygrad_edu; each one exists."""
    grants = sandbox.library_grants()
    assert grants and all(os.path.exists(g) for g in grants)
    assert os.path.dirname(os.__file__) not in grants
    assert os.__file__ in grants or os.path.dirname(os.__file__) + "/os.py" in grants
    for grant in grants:
        assert not {"site-packages", "dist-packages"} & set(Path(grant).parts[-1:]), grant
        assert not (Path(grant) / "site-packages").exists(), grant
        assert "tinygrad_edu" not in grant
    spec = importlib.util.find_spec("numpy")
    if spec is None:
        pytest.skip("NumPy is not installed for this Python")
    numpy_folder = spec.submodule_search_locations[0]
    assert numpy_folder in grants
    libs = Path(numpy_folder).parent / "numpy.libs"
    assert str(libs) in grants or not libs.exists()


# --- the filter, run in Python ---------------------------------------------------------

LD_W_ABS, JA, JEQ, JGT, JGE, JSET, AND, RET = 0x20, 0x05, 0x15, 0x25, 0x35, 0x45, 0x54, 0x06
ALLOW, KILL_PROCESS, ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
EPERM, ENOSYS = ERRNO | errno.EPERM, ERRNO | errno.ENOSYS
PID = 4321
ARCHES = [("x86_64", 0xC000003E), ("aarch64", 0xC00000B7)]


def run_filter(program, arch, nr, *args):
    """What the seccomp program (classic BPF, as libseccomp writes it) answers for the call
    ``nr`` with ``args``."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, *(list(args) + [0] * (6 - len(args))))
    pc, a = 0, 0
    while True:
        code, if_true, if_false, k = program[pc]
        pc += 1
        if code == RET:
            return k
        if code == LD_W_ABS:
            a = struct.unpack_from("<I", data, k)[0]
        elif code == AND:
            a &= k
        elif code == JA:
            pc += k
        else:
            taken = {JEQ: a == k, JGT: a > k, JGE: a >= k, JSET: a & k != 0}[code]
            pc += if_true if taken else if_false


def instructions(arch):
    """The filter for ``arch`` as libseccomp built it, with ``PID`` for the process's own
    number (as ``confine`` puts it in)."""
    built = syscall_filter._built(arch)
    program = [struct.unpack_from("=HBBI", built, at) for at in range(0, len(built), 8)]
    return [(c, t, f, PID if k == sandbox.OWN_NUMBER else k) for c, t, f, k in program]


@pytest.fixture(params=ARCHES, ids=[a for a, _ in ARCHES])
def answer(request):
    """``answer(name, *args)``: what the filter of an architecture answers for that call,
    by libseccomp's number for it there (None: the architecture has no such call)."""
    if syscall_filter.unavailable():
        pytest.skip(syscall_filter.unavailable())
    arch, audit_arch = request.param
    program = instructions(audit_arch)
    assert len(program) < 4096
    for pc, (code, if_true, if_false, k) in enumerate(program):  # every jump lands inside
        assert code in (LD_W_ABS, JA, JEQ, JGT, JGE, JSET, AND, RET), hex(code)
        if code not in (LD_W_ABS, AND, RET):
            assert pc + 1 + (k if code == JA else max(if_true, if_false)) < len(program)

    def answer(name, *args):
        number = syscall_filter.numbers(name, arch=audit_arch).get(name)
        return None if number is None else run_filter(program, audit_arch, number, *args)

    answer.arch, answer.audit_arch, answer.program = arch, audit_arch, program
    return answer


def test_filter_allows_and_refuses(answer):
    """On both architectures: the allow-list allowed, the refused answer EPERM, anything
    else ENOSYS (clone3, io_uring: glibc falls back to clone, whose flags the filter
    reads), another architecture's calls kill the process."""
    for name in syscall_filter.ALLOWED:
        assert answer(name) in (ALLOW, None), name
    for name in syscall_filter.REFUSED:
        assert answer(name) in (EPERM, None), name
    for name in (*syscall_filter.NOT_THERE, "acct", "setuid", "setpriority", "ftruncate",
                 "unlink", "rename", "mkdir", "flock", "sched_setaffinity", "migrate_pages",
                 "landlock_restrict_self", "seccomp", "inotify_init1", "sendfile"):
        assert answer(name) in (ENOSYS, None), name
    for name in ("read", "write", "openat", "mmap", "futex", "clone", "exit_group",
                 "chmod" if answer.arch == "x86_64" else "fchmodat", "execve", "socket"):
        assert answer(name) is not None, name  # (a call every architecture has)
    assert (answer("fork") is None) == (answer.arch == "aarch64")
    assert run_filter(answer.program, 0x40000003, 11) == KILL_PROCESS  # i386's execve
    if answer.arch == "x86_64":  # x32's execve: the same architecture, numbers of its own
        execve = syscall_filter.numbers("execve", arch=answer.audit_arch)["execve"]
        assert run_filter(answer.program, answer.audit_arch, 0x40000000 | execve) \
            == KILL_PROCESS
    assert run_filter(answer.program, answer.audit_arch, 1000) == ENOSYS  # (none yet)


def test_filter_makes_no_thread_nor_process(answer):
    """clone is refused whatever its flags: a thread counts against the limit of processes
    of the grader's user (or of a container), which a flood of them filled for a class."""
    thread = 0x3D0F00  # what glibc's pthread_create passes
    assert answer("clone", thread) == EPERM
    assert answer("clone", 0x11 | 0x01000000 | 0x00200000) == EPERM  # glibc's fork
    assert answer("clone", 0x4000 | 0x100 | 0x11) == EPERM  # posix_spawn (CLONE_VFORK|VM)
    assert answer("clone", thread | 0x10000000) == EPERM  # a thread in a new user namespace


def test_filter_signals_itself_only(answer):
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        assert answer(name, PID) == ALLOW, name
        for other in (0, 1, PID + 1, 2**32 - 1, 2**64 - 1, PID + 2**32):  # -1: all of them
            assert answer(name, other) == EPERM, (name, other)


def test_filter_refuses_acting_on_another_process(answer):
    """Its own resource limits (0, or its own number, nothing in the high half) only; the
    end with its grader kept; a descriptor's flags, never who gets its SIGIO; a terminal's
    questions, never FIOSETOWN."""
    for other in (1, PID + 1, 2**32 - 1, 2**64 - 1, PID + 2**32, 2**32):
        assert answer("prlimit64", other, 7, 0) == ENOSYS, other
    assert answer("prlimit64", 0, 7, 0) == answer("prlimit64", PID, 7, 0) == ALLOW
    assert answer("prctl", 1, 9) == EPERM  # PR_SET_PDEATHSIG: sandbox.end_with holds
    assert answer("prctl", 1 + 2**32, 9) == EPERM  # (the kernel reads an int: the low half)
    for option in (15, 16, 39):  # PR_SET_NAME, PR_GET_NAME, PR_GET_NO_NEW_PRIVS
        assert answer("prctl", option, 0) == ALLOW, option
    for option in (4, 22, 38, 0x59616D61):  # SET_DUMPABLE, SET_SECCOMP, SET_NNP, SET_PTRACER
        assert answer("prctl", option, 0) == ENOSYS, option
    for command in (0, 1, 2, 3, 4, 1030):
        assert answer("fcntl", 5, command, 0) == ALLOW, command
    for command in (8, 15, 10, 6, 1031, 8 + 2**32):  # SETOWN, SETOWN_EX, SETSIG, SETLK...
        assert answer("fcntl", 5, command, PID) == ENOSYS, command
    assert answer("ioctl", 5, 0x5401, 0) == ALLOW  # TCGETS (isatty)
    for command in (0x8901, 0x8902, 0x5412):  # FIOSETOWN, SIOCSPGRP, TIOCSTI
        assert answer("ioctl", 5, command, 0) == ENOSYS, command


@pytest.mark.parametrize("arch, header, pattern", [
    ("x86_64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h", r"#define __NR_{}\s+(\d+)"),
    ("aarch64", "/usr/include/asm-generic/unistd.h", r"#define __NR(?:3264)?_{}\s+(\d+)")])
def test_syscall_numbers(arch, header, pattern):
    """libseccomp's numbers agree with the kernel's headers, where they are installed."""
    if not os.path.exists(header):
        pytest.skip(f"no {header} here")
    if syscall_filter.unavailable():
        pytest.skip(syscall_filter.unavailable())
    text = Path(header).read_text()
    names = (*syscall_filter.ALLOWED, *syscall_filter.REFUSED, *syscall_filter.CONDITIONS,
             *sandbox.CALLS)
    found = syscall_filter.numbers(*names, arch=dict(ARCHES)[arch])
    checked = 0
    for name, number in found.items():
        match = re.search(pattern.format(name), text)
        if match is None:
            continue  # (an older header than libseccomp, or a call of another name there)
        assert int(match.group(1)) == number, name
        checked += 1
    assert checked > 100
