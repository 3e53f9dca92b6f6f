"""The operating system's boundary around the learner's process: what the learner's code
cannot do, whatever Python it runs.

The other checks of that process are drawn inside Python (``imports.py``'s allow-list,
``audit.py``'s hook), and a program that reaches native code, or a door Python leaves open,
walks around them. ``confine`` asks the kernel instead, once the process has imported what
it needs and dropped root, just before the learner's code runs; nothing inside the process
can undo what it puts in place:

- resource limits: memory, the size of a file written, CPU time, open files, no core dump;
- no new privileges: no program could gain any (and the two below require it);
- Landlock: the files the process may read (the Python library; no file of tinygrad_edu,
  which it imported before: the engine's source would be the exercise's answer, compiled
  again); nowhere to write (the grader passes no folder); no TCP; no signal to a process outside
  it (the grader);
- seccomp: an allow-list of the system calls it may make (``syscall_filter.py``, built by
  the grader with libseccomp and given to the process as its instructions): no program
  run, no process or thread made, no socket, no other process traced, read, written,
  signalled or acted on in any way; no file's mode, owner, times or extended attributes
  changed (which Landlock does not cover): where the grader is not root, the learner's
  process runs as the grader's user, and the kernel would let it do all that to the
  grader, to the class's files and to the other students' processes; none of the calls
  only an administrator needs, and no change to the signal that ends it with its grader
  (``end_with``).

The process calls nothing by a number of its own: the grader sends the numbers of the
calls it makes (Landlock's, seccomp's) with the filter (``Kernel``). ``Confinement`` says
what was applied and, for each protection missing, why. ``offered`` says what this system
offers, without applying anything: the teacher's routes refuse to grade without what they
need (``boundary.py``).

Landlock applies to the calling thread only (this kernel has no flag to extend it to the
others), so ``confine`` must be called from the main thread while it is the only one: with
NumPy's threads off (``OPENBLAS_NUM_THREADS=1``, ``OMP_NUM_THREADS=1``...). It counts the
threads, and reports Landlock missing if there are others rather than leave them free;
seccomp applies to every thread. ``confine`` imports nothing (a process that has dropped
root may not read the standard library), and calls the kernel through ctypes, which the
audit hook refuses: call it before adding the hook.
"""

from __future__ import annotations

import ctypes
import errno
import importlib.util
import os
import signal
import stat
import struct
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from typing import Any

try:
    import resource
except ImportError:  # (not a POSIX system: the resource limits are reported missing)
    resource = None  # type: ignore[assignment]

__all__ = ["LANDLOCK", "NO_NEW_PRIVILEGES", "PROTECTIONS", "RESOURCE_LIMITS", "SECCOMP",
           "Confinement",
           "Kernel", "confine", "end_with", "library_grants", "offered"]

RESOURCE_LIMITS = "resource limits"
"""Memory, the size of a file written, CPU time, open files, no core dump (``setrlimit``)."""
NO_NEW_PRIVILEGES = "no new privileges"
"""No program the process could run would gain a privilege (``PR_SET_NO_NEW_PRIVS``)."""
LANDLOCK = "Landlock"
"""The files the process may read and write, no TCP, no signal out (Landlock's ruleset)."""
SECCOMP = "seccomp"
"""The system calls the process may make (a seccomp-BPF filter)."""
PROTECTIONS = (RESOURCE_LIMITS, NO_NEW_PRIVILEGES, LANDLOCK, SECCOMP)
"""All of them, in the order ``confine`` applies them."""
MEMORY_LIMIT = "memory limit"
AUTO = -1
"""``confine``'s default memory: what the process uses now, and ``MORE_MEMORY`` more."""
MORE_MEMORY = 1 << 30

# Landlock (linux/landlock.h): the filesystem rights in their order there, those each ABI
# handles, those a rule may give a file that is not a folder.
(_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR, _REMOVE_DIR, _REMOVE_FILE, _MAKE_CHAR,
 _MAKE_DIR, _MAKE_REG, _MAKE_SOCK, _MAKE_FIFO, _MAKE_BLOCK, _MAKE_SYM, _REFER, _TRUNCATE,
 _IOCTL_DEV) = (1 << bit for bit in range(16))
_FS_RIGHTS_SINCE = {1: (1 << 13) - 1, 2: _REFER, 3: _TRUNCATE, 5: _IOCTL_DEV}
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
_READ = _READ_FILE | _READ_DIR
_WRITE = (_READ | _WRITE_FILE | _TRUNCATE | _MAKE_REG | _MAKE_DIR | _MAKE_SYM | _MAKE_FIFO
          | _REMOVE_FILE | _REMOVE_DIR | _REFER)
_NET_TCP = 1 | 2  # BIND_TCP | CONNECT_TCP, handled with no rule: all refused (ABI >= 4)
_SCOPES = 1 | 2  # ABSTRACT_UNIX_SOCKET | SIGNAL: none outside the domain (ABI >= 6)
_RULESET_VERSION, _RULE_PATH_BENEATH = 1, 1
_DEVICES = (("/dev/null", _READ_FILE | _WRITE_FILE), ("/dev/urandom", _READ_FILE),
            ("/dev/random", _READ_FILE))

# prctl(2), seccomp(2), clone(2)
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_GET_NO_NEW_PRIVS = 1, 38, 39
_SET_MODE_FILTER, _GET_ACTION_AVAIL, _FLAG_TSYNC = 1, 2, 1
_RET_ERRNO = 0x00050000
OWN_NUMBER = 0x7EADBEEF
"""Where the filter the grader sends has the process's own number (no process has this one:
Linux's largest is 4,194,304): ``confine`` puts its own in."""
CALLS = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "seccomp")
"""The system calls ``confine`` makes by number (the C library has no function for them)."""


@dataclass(frozen=True)
class Kernel:
    """What the grader looked up for a learner's process (``syscall_filter.py``): the
    numbers of ``CALLS`` on this machine, and the seccomp filter's instructions
    (``struct sock_filter``'s, 8 bytes each; ``OWN_NUMBER`` for the process's own number),
    or why there are none (``unavailable``); and what the Python library needs readable
    (``library_grants``: the same Python, listed once per grader)."""

    calls: dict[str, int] = field(default_factory=dict)
    program: bytes = b""
    unavailable: str = ""
    library: tuple[str, ...] = ()


@dataclass
class Confinement:
    """What ``confine`` put in place (``applied``, in words), each protection it could not
    with why (``missing``), the paths granted that it could not open (``skipped``), and the
    seconds it took."""

    applied: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every protection is in place."""
        return not self.missing


class _Missing(Exception):
    """A protection cannot be applied, for the reason given."""


def confine(readable: Sequence[str], writable: Sequence[str], kernel: Kernel, *,
            memory: int | None = AUTO, cpu_seconds: int = 600, file_size: int = 1 << 20,
            open_files: int = 64) -> Confinement:
    """Confine this process for good: the resource limits, no new privileges, Landlock
    (read ``readable``, files or folders, a folder with all beneath it; read and write in
    the folders ``writable``), seccomp (``kernel``'s filter). ``memory`` in bytes
    (``AUTO``: the size now and ``MORE_MEMORY`` more; None: no limit), ``file_size`` the
    largest file it may write, ``open_files`` the most it may have open. From the main
    thread, while it is the only one. Never raises: what could not be applied is in
    ``missing``."""
    started, done = time.perf_counter(), Confinement()

    def attempt(name: str, step: Callable[[], str]) -> None:
        try:
            done.applied.append(step())
        except (OSError, ValueError, _Missing) as error:
            done.missing[name] = _why(name, error)

    attempt(RESOURCE_LIMITS, lambda: _limit(done, memory, cpu_seconds, file_size, open_files))
    if not sys.platform.startswith("linux"):
        done.missing.update(dict.fromkeys((NO_NEW_PRIVILEGES, LANDLOCK, SECCOMP),
                                          f"not Linux ({sys.platform})"))
    else:
        attempt(NO_NEW_PRIVILEGES, _no_new_privileges)
        attempt(LANDLOCK, lambda: _landlock(kernel, readable, writable, done.skipped))
        attempt(SECCOMP, lambda: _seccomp(kernel))
    done.seconds = time.perf_counter() - started
    return done


def end_with(parent: int) -> bool:
    """Have the kernel end this process (SIGKILL) when the thread that started it ends, and
    check that its parent is still ``parent`` (else it has ended already: exit now). Call it
    after dropping root (a change of user clears the setting); the seccomp filter then
    refuses to change it. Without it, a learner's process whose grading process was killed
    would live on, as would anything it kept running. False where the kernel has no such
    setting (not Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        return False
    if os.getppid() != parent:  # (it ended before the setting was in place)
        os._exit(1)
    return True


def offered(kernel: Kernel) -> dict[str, str | None]:
    """What this system offers, probed without applying anything (``kernel``: what the
    grader looked up, ``syscall_filter.kernel``): each protection, with None if ``confine``
    can apply it, else why not."""
    found: dict[str, str | None] = {RESOURCE_LIMITS: None if resource else "not a POSIX system"}
    if not sys.platform.startswith("linux"):
        return {**found, **dict.fromkeys((NO_NEW_PRIVILEGES, LANDLOCK, SECCOMP),
                                         f"not Linux ({sys.platform})")}
    action = ctypes.c_uint32(_RET_ERRNO)  # (the filter's answer: can it be given?)
    for name, probe in ((NO_NEW_PRIVILEGES, lambda: _prctl(_PR_GET_NO_NEW_PRIVS, 0)),
                        (LANDLOCK, lambda: _landlock_abi(kernel)),
                        (SECCOMP, lambda: _filter_of(kernel) and _syscall(
                            kernel, "seccomp", _GET_ACTION_AVAIL, 0, ctypes.byref(action)))):
        try:
            probe()
            found[name] = None
        except (OSError, _Missing) as error:
            found[name] = _why(name, error)
    return found


def library_grants() -> list[str]:
    """What the Python library needs readable, entry by entry: each entry of the base
    installation's standard library folders but ``site-packages`` and ``dist-packages``
    (with pyenv, the packages sit inside that folder: tinygrad_edu's references, where it
    is installed there), the standard library's zip if there is one, and NumPy's folder and
    its libraries' beside it, if NumPy is there. Nothing of tinygrad_edu (the process has
    imported what it runs of it before it is confined). Call it before dropping root, which
    may not list them."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
            "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}
    stdlib = sysconfig.get_path("stdlib", vars=base)
    grants: list[str] = []
    for folder in dict.fromkeys([stdlib, sysconfig.get_path("platstdlib", vars=base)]):
        with suppress(OSError):
            grants += [os.path.join(folder, name) for name in sorted(os.listdir(folder))
                       if name not in ("site-packages", "dist-packages")]
    packed = os.path.join(os.path.dirname(stdlib), "python{}{}.zip".format(*sys.version_info))
    grants += [packed] if os.path.isfile(packed) else []
    try:
        numpy = importlib.util.find_spec("numpy")  # (found, not imported)
    except (ImportError, ValueError):
        numpy = None
    extensions = [os.path.join(folder, name) for folder in grants if folder.endswith(
        "lib-dynload") and os.path.isdir(folder) for name in os.listdir(folder)]
    for folder in (numpy.submodule_search_locations or []) if numpy else []:
        beside = os.path.dirname(folder)
        grants += [folder] + [os.path.join(beside, name) for name in sorted(os.listdir(beside))
                              if name == "numpy.libs"  # (or numpy-<version>.libs: older)
                              or (name.startswith("numpy-") and name.endswith(".libs"))]
        extensions += [os.path.join(where, name) for where, _, names in os.walk(folder)
                       for name in names if name.endswith(".so")]
    return grants + _system_libraries(extensions)


SYSTEM_FILES = ("/etc/ld.so.cache",)
"""What the dynamic loader reads to find a library (harmless to read)."""


def _system_libraries(extensions: Sequence[str]) -> list[str]:
    """The system's shared libraries that the modules ``extensions`` (the standard
    library's, NumPy's) load, each file alone (``binascii`` loads libz, ``_hashlib``
    libcrypto, ``_ctypes`` libffi: a module first imported once the process is confined,
    ``numpy.random`` say, needs them), and the loader's cache: found by the libraries each
    one names (``DT_NEEDED``), in the folders this process's own libraries come from."""
    folders = list(dict.fromkeys(os.path.dirname(line.split(None, 5)[5].strip())
                                 for line in _lines("/proc/self/maps")
                                 if len(line.split(None, 5)) == 6 and ".so" in line))
    found: dict[str, None] = {}
    waiting, seen = list(extensions), set()
    while waiting:
        needed = _needed(waiting.pop())
        for name in needed:
            if name in seen:
                continue
            seen.add(name)
            for folder in folders:
                path = os.path.join(folder, name)
                if os.path.isfile(path):
                    found[path] = None
                    waiting.append(path)
                    break
    return [*SYSTEM_FILES, *found]


def _lines(path: str) -> list[str]:
    try:
        with open(path, "rb") as file:
            return file.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []


def _needed(path: str) -> list[str]:
    """The libraries a 64-bit ELF shared object names as needed (``DT_NEEDED``), read from
    its dynamic section; none if it is not one."""
    try:
        with open(path, "rb") as file:
            head = file.read(64)
            if head[:5] != b"\x7fELF\x02" or len(head) < 64:
                return []
            end = "<" if head[5] == 1 else ">"
            ph_offset, = struct.unpack_from(end + "Q", head, 32)
            ph_size, ph_count = struct.unpack_from(end + "HH", head, 54)
            file.seek(ph_offset)
            table = file.read(ph_size * ph_count)
            loads, dynamic = [], None
            for k in range(ph_count):
                kind, _, offset, address, _, size = struct.unpack_from(
                    end + "IIQQQQ", table, k * ph_size)
                if kind == 1:  # PT_LOAD: where each address is in the file
                    loads.append((address, offset, size))
                elif kind == 2:  # PT_DYNAMIC
                    dynamic = (offset, size)
            if dynamic is None:
                return []
            file.seek(dynamic[0])
            entries = file.read(dynamic[1])
            names, strings = [], None
            for at in range(0, len(entries) - 15, 16):
                tag, value = struct.unpack_from(end + "qQ", entries, at)
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED: an offset in the string table
                    names.append(value)
                elif tag == 5:  # DT_STRTAB: its address
                    strings = next((value - a + o for a, o, n in loads if a <= value < a + n),
                                   None)
            if strings is None:
                return []
            out = []
            for offset in names:
                file.seek(strings + offset)
                out.append(file.read(256).split(b"\0", 1)[0].decode("utf-8", "replace"))
            return [name for name in out if name and "/" not in name]
    except (OSError, struct.error):
        return []


def _why(name: str, error: BaseException) -> str:
    """A missing protection's reason, in words."""
    if not isinstance(error, OSError) or error.errno is None:
        return str(error)
    code = "EOPNOTSUPP" if error.errno == errno.EOPNOTSUPP else errno.errorcode.get(
        error.errno, str(error.errno))  # (errorcode calls it ENOTSUP, its other name)
    if name == LANDLOCK and error.errno == errno.ENOSYS:
        return f"the kernel has no Landlock ({code}: too old, Linux 5.13 has it)"
    if name == LANDLOCK and error.errno == errno.EOPNOTSUPP:
        return f"the kernel has no Landlock ({code}: built but not enabled, see lsm=)"
    if name == SECCOMP and error.errno in (errno.ENOSYS, errno.EINVAL):
        return f"the kernel has no seccomp filters ({code})"
    return f"{name} failed: {code} ({os.strerror(error.errno)})"


@cache
def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)  # (the process's own C library: no file read)
    libc.syscall.restype = libc.prctl.restype = ctypes.c_long
    return libc


def _c(function: Any, *args: Any) -> int:
    """Call a function of the C library (integers as C longs): its result, else OSError
    with the kernel's errno."""
    result = int(function(*(ctypes.c_long(a) if isinstance(a, int) else a for a in args)))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _syscall(kernel: Kernel, name: str, *args: Any) -> int:
    """The system call ``name``, by its number in ``kernel``. (The tests replace it to play
    a kernel without one.)"""
    if name not in kernel.calls:
        raise _Missing(kernel.unavailable or f"the grader found no number for {name} here")
    return _c(_libc().syscall, kernel.calls[name], *args)


def _prctl(option: int, value: int) -> int:
    return _c(_libc().prctl, option, value, 0, 0, 0)


def _limit(done: Confinement, memory: int | None, cpu_seconds: int, file_size: int,
           open_files: int) -> str:
    """Lower the resource limits (never raise one: a hard limit stays where it is). Never
    the number of processes: it counts every process and thread of the user (where the
    grader is not root, the teacher's own, and each of the class's learners'), and at 0
    NumPy cannot load; the filter refuses the process any new thread instead."""
    if resource is None:
        raise _Missing("not a POSIX system")

    def lower(which: int, soft: int, hard: int) -> None:
        now_soft, now_hard = resource.getrlimit(which)
        hard = hard if now_hard == resource.RLIM_INFINITY else min(hard, now_hard)
        soft = soft if now_soft == resource.RLIM_INFINITY else min(soft, now_soft)
        resource.setrlimit(which, (min(soft, hard), hard))

    status = _status()
    if memory == AUTO:
        size = status.get("VmSize", "").split()
        memory = int(size[0]) * 1024 + MORE_MEMORY if size else None
        if memory is None:
            done.missing[MEMORY_LIMIT] = "the process's size is unknown (no /proc/self/status)"
    if memory is not None:
        lower(resource.RLIMIT_AS, memory, memory)
    with suppress(ValueError):  # (not the main thread: then a write too big kills)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # it fails with EFBIG instead
    lower(resource.RLIMIT_FSIZE, file_size, file_size)
    lower(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 5)  # (SIGXCPU, SIGKILL 5 s on)
    lower(resource.RLIMIT_CORE, 0, 0)
    files = max(open_files, _highest_fd(status) + 9)  # (8 spare: Landlock opens a few)
    lower(resource.RLIMIT_NOFILE, files, files)
    return RESOURCE_LIMITS


def _status() -> dict[str, str]:
    """/proc/self/status, by field (read as bytes: decoding ASCII would load a codec)."""
    try:
        with open("/proc/self/status", "rb") as file:
            lines = file.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return {}
    return {name: value for name, _, value in (line.partition(":") for line in lines)}


def _highest_fd(status: dict[str, str]) -> int:
    """The highest file descriptor open (/proc/self/fd is root's once the process has
    dropped root: then those below the table's size, FDSize, are tried)."""
    with suppress(OSError, ValueError):
        return max(int(name) for name in os.listdir("/proc/self/fd"))
    for fd in range(int(status.get("FDSize", "").strip() or 1024) - 1, 2, -1):
        with suppress(OSError):
            os.fstat(fd)
            return fd
    return 2


def _no_new_privileges() -> str:
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    return NO_NEW_PRIVILEGES


def _landlock_abi(kernel: Kernel) -> int:
    return _syscall(kernel, "landlock_create_ruleset", None, 0, _RULESET_VERSION)


class _RulesetAttr(ctypes.Structure):  # struct landlock_ruleset_attr
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):  # struct landlock_path_beneath_attr (packed)
    _pack_, _fields_ = 1, [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _landlock(kernel: Kernel, readable: Sequence[str], writable: Sequence[str],
              skipped: list[str]) -> str:
    """Restrict this thread (the process's only one) to reading ``readable`` and writing in
    ``writable``, and the devices every program uses; no TCP, no signal nor abstract socket
    outside, as far as the ABI goes. A path not found, or that this user cannot reach, is
    noted in ``skipped``."""
    abi = _landlock_abi(kernel)
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError as error:
        raise _Missing(f"cannot count the process's threads ({error.strerror}), and "
                       "Landlock would confine only this one") from None
    if threads > 1:
        raise _Missing(f"the process has {threads} threads, and Landlock would confine only "
                       "this one: confine before any other starts (OPENBLAS_NUM_THREADS=1)")
    handled = sum(rights for since, rights in _FS_RIGHTS_SINCE.items() if abi >= since)
    ruleset = _RulesetAttr(handled, _NET_TCP if abi >= 4 else 0, _SCOPES if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24  # (the fields this ABI knows)
    fd = _syscall(kernel, "landlock_create_ruleset", ctypes.byref(ruleset), size, 0)
    try:
        grants = [(p, _READ) for p in readable] + [(p, _WRITE) for p in writable]
        for path, rights in grants + [d for d in _DEVICES if os.path.exists(d[0])]:
            try:
                where = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError as error:
                skipped.append(f"{path} ({error.strerror})")
                continue
            try:
                if not stat.S_ISDIR(os.fstat(where).st_mode):
                    rights &= _FILE_RIGHTS
                rule = _PathBeneathAttr(rights & handled, where)
                _syscall(kernel, "landlock_add_rule", fd, _RULE_PATH_BENEATH,
                         ctypes.byref(rule), 0)
            finally:
                os.close(where)
        _syscall(kernel, "landlock_restrict_self", fd, 0)
    finally:
        os.close(fd)
    return f"{LANDLOCK} (ABI {abi})"


class _SockFilter(ctypes.Structure):  # struct sock_filter: one instruction
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):  # struct sock_fprog: the program
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _filter_of(kernel: Kernel) -> bytes:
    """The filter's instructions, or why there are none."""
    if not kernel.program or len(kernel.program) % ctypes.sizeof(_SockFilter):
        raise _Missing(kernel.unavailable or "the grader sent no filter")
    return kernel.program


def _seccomp(kernel: Kernel) -> str:
    """Load the grader's filter, with this process's number, into every thread of the
    process (TSYNC)."""
    program = _filter_of(kernel)
    count = len(program) // ctypes.sizeof(_SockFilter)
    instructions = (_SockFilter * count).from_buffer_copy(program)
    for instruction in instructions:
        if instruction.k == OWN_NUMBER:
            instruction.k = os.getpid()
    fprog = _SockFprog(count, instructions)
    if _syscall(kernel, "seccomp", _SET_MODE_FILTER, _FLAG_TSYNC, ctypes.byref(fprog)) != 0:
        raise _Missing("a thread could not take the filter (TSYNC)")
    return SECCOMP
