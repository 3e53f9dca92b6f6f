"""The children of the sandbox's tests (test_sandbox_confined.py, test_sandbox_offered.py):
each runs in a fresh Python that loads ``tinygrad_edu.exercises.learner.sandbox`` by its path,
confines itself (as root, or as ``nobody`` after dropping root, as the learner's process
does), then tries what a learner's code might and prints what happened. ``run_child`` runs
one and returns what it found; ``needs`` skips a check where this system lacks a protection
it relies on, and the reason must be the one the confinement reports in ``missing``: nothing
passes silently. The module is loaded here, once, as the children load it.

None of them is slow: ``./run.sh test`` runs them under every Python it finds (3.10 to 3.13),
where the standard library, NumPy and the system's libraries the process loads differ
(under 3.12, ``import numpy.random`` once confined needed libz, which binascii loads).
"""

import importlib.util
import json
import os
import pwd
import shutil
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


def refused(result, code):
    return result == {"ok": False, "error": "PermissionError", "errno": code}
