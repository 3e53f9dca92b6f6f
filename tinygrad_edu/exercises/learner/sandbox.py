"""The operating system's boundary around the learner's process: what the learner's code
cannot do, whatever Python it runs.

The other checks of that process are drawn inside Python (``imports.py``'s allow-list,
``audit.py``'s hook), and a program that reaches native code, or a door Python leaves open,
walks around them. ``confine`` asks the kernel instead, once the process has imported what
it needs and dropped root, just before the learner's code runs; nothing inside the process
can undo what it puts in place:

- resource limits: memory, the size of a file written, CPU time, open files, no core dump;
- no new privileges: no program could gain any (and the two below require it);
- Landlock: the files the process may read (the Python library, the engine's files);
  nowhere to write (the grader passes no folder); no TCP; no signal to a process outside
  it (the grader);
- seccomp: no program run, no process made (threads are), no socket, no other process
  traced, read, written or signalled, nor acted on in any other way (its resource limits,
  its priority, its CPUs, its memory's placement, the owner of a file's SIGIO made another
  process): where the grader is not root, the learner's process runs as the grader's user,
  and the kernel would let it do all that to the grader and to the other students'
  processes; none of the calls only an administrator needs, and no change to the signal
  that ends it with its grader (``end_with``).

``Confinement`` says what was applied and, for each protection missing, why. ``offered``
says what this system offers, without applying anything: a grader started with
``--require-sandbox`` refuses to grade without it all.

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
import platform
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

__all__ = ["LANDLOCK", "NO_NEW_PRIVILEGES", "RESOURCE_LIMITS", "SECCOMP", "Confinement",
           "confine", "end_with", "library_grants", "offered"]

RESOURCE_LIMITS = "resource limits"
"""Memory, the size of a file written, CPU time, open files, no core dump (``setrlimit``)."""
NO_NEW_PRIVILEGES = "no new privileges"
"""No program the process could run would gain a privilege (``PR_SET_NO_NEW_PRIVS``)."""
LANDLOCK = "Landlock"
"""The files the process may read and write, no TCP, no signal out (Landlock's ruleset)."""
SECCOMP = "seccomp"
"""The system calls the process may make (a seccomp-BPF filter)."""
MEMORY_LIMIT = "memory limit"
AUTO = -1
"""``confine``'s default memory: what the process uses now, and ``MORE_MEMORY`` more."""
MORE_MEMORY = 1 << 30

# The system calls the rules name, by architecture (x86_64: asm/unistd_64.h; aarch64:
# asm-generic/unistd.h, without fork nor vfork). Another architecture, or a 32-bit Python,
# has no table: the kernel's protections are then reported missing.
_COMMON = dict(pidfd_send_signal=424, io_uring_setup=425, io_uring_enter=426,
               io_uring_register=427, pidfd_open=434, clone3=435, pidfd_getfd=438,
               process_madvise=440, landlock_create_ruleset=444, landlock_add_rule=445,
               landlock_restrict_self=446, process_mrelease=448)
_SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": dict(_COMMON, prctl=157, socket=41, socketpair=53, clone=56, fork=57, vfork=58,
                   execve=59, kill=62, ptrace=101, rt_sigqueueinfo=129, pivot_root=155, chroot=161,
                   mount=165, umount2=166, swapon=167, swapoff=168, reboot=169,
                   init_module=175, delete_module=176, tkill=200, tgkill=234, kexec_load=246,
                   add_key=248, request_key=249, keyctl=250, unshare=272,
                   rt_tgsigqueueinfo=297, perf_event_open=298, name_to_handle_at=303,
                   open_by_handle_at=304, setns=308, process_vm_readv=310,
                   process_vm_writev=311, finit_module=313, seccomp=317, kexec_file_load=320,
                   bpf=321, execveat=322, userfaultfd=323, ioctl=16, fcntl=72,
                   setpriority=141, sched_setparam=142, sched_setscheduler=144,
                   sched_setaffinity=203, ioprio_set=251, migrate_pages=256,
                   get_robust_list=274, move_pages=279, prlimit64=302, kcmp=312,
                   sched_setattr=314),
    "aarch64": dict(_COMMON, prctl=167, umount2=39, mount=40, pivot_root=41, chroot=51, unshare=97,
                    kexec_load=104, init_module=105, delete_module=106, ptrace=117, kill=129,
                    tkill=130, tgkill=131, rt_sigqueueinfo=138, reboot=142, socket=198,
                    socketpair=199, add_key=217, request_key=218, keyctl=219, clone=220,
                    execve=221, swapon=224, swapoff=225, rt_tgsigqueueinfo=240,
                    perf_event_open=241, name_to_handle_at=264, open_by_handle_at=265,
                    setns=268, process_vm_readv=270, process_vm_writev=271, finit_module=273,
                    seccomp=277, bpf=280, execveat=281, userfaultfd=282, kexec_file_load=294,
                    ioctl=29, fcntl=25, ioprio_set=30, get_robust_list=100,
                    sched_setparam=118, sched_setscheduler=119, sched_setaffinity=122,
                    setpriority=140, migrate_pages=238, move_pages=239, prlimit64=261,
                    kcmp=272, sched_setattr=274),
}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}  # linux/audit.h

REFUSED = ("execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv",
           "process_vm_writev", "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "socket",
           "socketpair", "tkill", "mount", "umount2", "unshare", "setns", "pivot_root",
           "chroot", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
           "userfaultfd", "kexec_load", "kexec_file_load", "init_module", "finit_module",
           "delete_module", "reboot", "swapon", "swapoff", "open_by_handle_at",
           "name_to_handle_at", "kcmp", "process_madvise", "process_mrelease")
"""System calls the filter refuses (EPERM) whatever their arguments."""
ONLY_TO_ITSELF = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
"""Signals: allowed when the first argument is the process itself, else refused."""
ONLY_ON_ITSELF = ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
                  "sched_setattr", "migrate_pages", "move_pages", "get_robust_list")
"""Calls on the process their first argument names: allowed for the process itself (0, or
its own number), else refused. Another process of the same user (the grader's, another
student's, where the grader is not root) would otherwise get its resource limits changed
(``prlimit64``: its open files, its memory), its CPUs and scheduling, its memory moved."""
ONLY_ON_ITSELF_AS = {"setpriority": 0, "ioprio_set": 1}
"""Calls whose first argument says what kind of thing the second names (a process, a
process group, a user): allowed for that kind, a process (PRIO_PROCESS, IOPRIO_WHO_PROCESS),
when it is the process itself (0, or its own number); a group or a user (every process of
the grader's user) refused."""
OWNER_COMMANDS = {"fcntl": ((8,), (15,)), "ioctl": ((), (0x8901, 0x8902))}
"""Who gets a file's SIGIO: ``fcntl``'s F_SETOWN allowed for the process itself (0, or its own
number) only, F_SETOWN_EX refused (its owner is in memory, which the filter cannot read), and
so are ``ioctl``'s FIOSETOWN and SIOCSPGRP: a file of the grader's channel owned by the
grader would have the kernel signal it whenever the grader writes."""
NOT_THERE = ("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register")
"""Answered ENOSYS, as by an older kernel: glibc then makes a thread with ``clone``, whose
flags the filter can read (``clone3``'s are in memory); io_uring would do what the filter
refuses (open a socket) without the system call."""

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
_RET_KILL_PROCESS, _RET_ERRNO, _RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
_CLONE_THREAD = 0x00010000
_CLONE_NAMESPACES = 0x7E020000  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET

# Classic BPF (linux/filter.h) on struct seccomp_data: the call's number at 0, the
# architecture at 4, the arguments at 16 + 8 * i (64 bits, little-endian on both).
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_NR, _ARCH, _ARG0_LOW, _ARG0_HIGH = 0, 4, 16, 20
_X32_BIT = 0x40000000  # x86_64's x32 ABI: the same entry, numbers of its own
Instruction = tuple[int, int, int, int]
"""A BPF instruction: (code, jump if true, jump if false, k); a jump skips that many."""


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


def confine(readable: Sequence[str], writable: Sequence[str], *, memory: int | None = AUTO,
            cpu_seconds: int = 600, file_size: int = 1 << 20, open_files: int = 64
            ) -> Confinement:
    """Confine this process for good: the resource limits, no new privileges, Landlock
    (read ``readable``, files or folders, a folder with all beneath it; read and write in
    the folders ``writable``), seccomp. ``memory`` in bytes (``AUTO``: the size now and
    ``MORE_MEMORY`` more; None: no limit), ``file_size`` the largest file it may write,
    ``open_files`` the most it may have open. From the main thread, while it is the only
    one. Never raises: what could not be applied is in ``missing``."""
    started, done = time.perf_counter(), Confinement()

    def attempt(name: str, step: Callable[[], str]) -> None:
        try:
            done.applied.append(step())
        except (OSError, ValueError, _Missing) as error:
            done.missing[name] = _why(name, error)

    attempt(RESOURCE_LIMITS, lambda: _limit(done, memory, cpu_seconds, file_size, open_files))
    kernel = _kernel_problem()
    if kernel is not None:
        done.missing.update(dict.fromkeys((NO_NEW_PRIVILEGES, LANDLOCK, SECCOMP), kernel))
    else:
        attempt(NO_NEW_PRIVILEGES, _no_new_privileges)
        attempt(LANDLOCK, lambda: _landlock(readable, writable, done.skipped))
        attempt(SECCOMP, _seccomp)
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


def offered() -> dict[str, str | None]:
    """What this system offers, probed without applying anything: each protection, with
    None if ``confine`` can apply it, else why not."""
    found: dict[str, str | None] = {RESOURCE_LIMITS: None if resource else "not a POSIX system"}
    kernel = _kernel_problem()
    if kernel is not None:
        return {**found, **dict.fromkeys((NO_NEW_PRIVILEGES, LANDLOCK, SECCOMP), kernel)}
    action = ctypes.c_uint32(_RET_ERRNO)  # (the filter's answer: can it be given?)
    for name, probe in ((NO_NEW_PRIVILEGES, lambda: _prctl(_PR_GET_NO_NEW_PRIVS, 0)),
                        (LANDLOCK, _landlock_abi),
                        (SECCOMP, lambda: _syscall("seccomp", _GET_ACTION_AVAIL, 0,
                                                   ctypes.byref(action)))):
        try:
            probe()
            found[name] = None
        except OSError as error:
            found[name] = _why(name, error)
    return found


def library_grants() -> list[str]:
    """What the Python library needs readable, entry by entry: each entry of the base
    installation's standard library folders but ``site-packages`` and ``dist-packages``
    (with pyenv, the packages sit inside that folder: tinygrad_edu's references, where it
    is installed there), the standard library's zip if there is one, and NumPy's folder and
    its libraries' beside it, if NumPy is there. Nothing of tinygrad_edu: the caller grants
    the engine's files one by one. Call it before dropping root, which may not list them."""
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
    for folder in (numpy.submodule_search_locations or []) if numpy else []:
        beside = os.path.dirname(folder)
        grants += [folder] + [os.path.join(beside, name) for name in sorted(os.listdir(beside))
                              if name == "numpy.libs"  # (or numpy-<version>.libs: older)
                              or (name.startswith("numpy-") and name.endswith(".libs"))]
    return grants


def _arch() -> str | None:
    """The architecture whose system call table this process uses, if there is one here."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return machine if machine in _SYSCALLS and struct.calcsize("P") == 8 else None


def _kernel_problem() -> str | None:
    """Why the kernel's protections cannot be had here at all, or None."""
    if not sys.platform.startswith("linux"):
        return f"not Linux ({sys.platform})"
    if _arch() is None:
        return (f"no system call table for {platform.machine()} "
                f"({struct.calcsize('P') * 8}-bit Python): only x86_64 and aarch64")
    return None


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


def _syscall(name: str, *args: Any) -> int:
    """The system call ``name``. (The tests replace it to play a kernel without one.)"""
    return _c(_libc().syscall, _SYSCALLS[_arch() or ""][name], *args)


def _prctl(option: int, value: int) -> int:
    return _c(_libc().prctl, option, value, 0, 0, 0)


def _limit(done: Confinement, memory: int | None, cpu_seconds: int, file_size: int,
           open_files: int) -> str:
    """Lower the resource limits (never raise one: a hard limit stays where it is). Never
    the number of processes: it counts threads, and at 0 NumPy cannot load."""
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


def _landlock_abi() -> int:
    return _syscall("landlock_create_ruleset", None, 0, _RULESET_VERSION)


class _RulesetAttr(ctypes.Structure):  # struct landlock_ruleset_attr
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):  # struct landlock_path_beneath_attr (packed)
    _pack_, _fields_ = 1, [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _landlock(readable: Sequence[str], writable: Sequence[str], skipped: list[str]) -> str:
    """Restrict this thread (the process's only one) to reading ``readable`` and writing in
    ``writable``, and the devices every program uses; no TCP, no signal nor abstract socket
    outside, as far as the ABI goes. A path not found, or that this user cannot reach, is
    noted in ``skipped``."""
    abi = _landlock_abi()
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
    fd = _syscall("landlock_create_ruleset", ctypes.byref(ruleset), size, 0)
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
                _syscall("landlock_add_rule", fd, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            finally:
                os.close(where)
        _syscall("landlock_restrict_self", fd, 0)
    finally:
        os.close(fd)
    return f"{LANDLOCK} (ABI {abi})"


# The seccomp filter: one helper per kind of instruction, then the rules, block by block.
def _load(offset: int) -> Instruction:
    """A = the 32-bit word at ``offset`` of the call's data."""
    return (_LD_W_ABS, 0, 0, offset)


def _jump(test: int, k: int, if_true: int, if_false: int) -> Instruction:
    """Compare A with ``k`` (``_JEQ``: equal, ``_JGE``: at least, ``_JSET``: a bit in
    common), then skip ``if_true`` or ``if_false`` instructions."""
    return (test, if_true, if_false, k)


def _jump_to(test: int, k: int, if_true: int | str, if_false: int | str
             ) -> tuple[int, int | str, int | str, int]:
    """As ``_jump``, each place to go either a count or a label (``_assembled``)."""
    return (test, if_true, if_false, k)


def _answer(action: int) -> Instruction:
    """End: allow the call, refuse it (``_RET_ERRNO | errno``), or kill the process."""
    return (_RET, 0, 0, action)


def _refuse(number: int, action: int) -> list[Instruction]:
    """The call ``number`` (A holds the call's number) is answered ``action``."""
    return [_jump(_JEQ, number, 0, 1), _answer(action)]


def _only_to_itself(number: int, pid: int) -> list[Instruction]:
    """The call ``number`` is allowed if its first argument is ``pid`` (both halves)."""
    return [_jump(_JEQ, number, 0, 6),
            _load(_ARG0_LOW), _jump(_JEQ, pid, 0, 3),
            _load(_ARG0_HIGH), _jump(_JEQ, 0, 0, 1),
            _answer(_RET_ALLOW), _answer(_RET_ERRNO | errno.EPERM)]


def _not_option(number: int, option: int) -> list[Instruction]:
    """The call ``number`` is refused if its first argument is ``option`` (its low half: a
    prctl option is an int), else allowed."""
    return [_jump(_JEQ, number, 0, 4),
            _load(_ARG0_LOW), _jump(_JEQ, option, 1, 0),
            _answer(_RET_ALLOW), _answer(_RET_ERRNO | errno.EPERM)]


def _assembled(items: list[Any]) -> list[Instruction]:
    """Instructions from ``items``, whose jumps may name a label (a string) instead of a
    count of instructions to skip; a label is an item of its own, ``("label", name)``, and
    is where the instruction after it is (a label at the end: the next block's first)."""
    places, count = {}, 0
    for item in items:
        if item[0] == "label":
            places[item[1]] = count
        else:
            count += 1
    program: list[Instruction] = []
    for item in items:
        if item[0] == "label":
            continue
        code, if_true, if_false, k = item
        after = len(program) + 1
        program.append((code, places[if_true] - after if isinstance(if_true, str) else if_true,
                        places[if_false] - after if isinstance(if_false, str) else if_false, k))
    return program


def _low(arg: int) -> int:
    return _ARG0_LOW + 8 * arg


def _high(arg: int) -> int:
    return _ARG0_HIGH + 8 * arg


def _allowed_if(number: int, rules: Sequence[tuple[int, Sequence[int]]]) -> list[Instruction]:
    """The call ``number`` is allowed if, for each (argument, values) of ``rules``, the
    argument is one of ``values`` (its low half one of them, its high half 0), else
    refused."""
    items: list[Any] = [_jump_to(_JEQ, number, 0, "end")]
    for rule, (arg, values) in enumerate(rules):
        items += [_load(_high(arg)), _jump_to(_JEQ, 0, 0, "refused"), _load(_low(arg))]
        items += [_jump_to(_JEQ, value, f"ok {rule}", 0 if k < len(values) - 1 else "refused")
                  for k, value in enumerate(values)]
        items.append(("label", f"ok {rule}"))
    items += [_answer(_RET_ALLOW), ("label", "refused"), _answer(_RET_ERRNO | errno.EPERM),
              ("label", "end")]
    return _assembled(items)


def _owner(number: int, pid: int, to_itself: Sequence[int], refused: Sequence[int]
           ) -> list[Instruction]:
    """The call ``number`` (``fcntl``, ``ioctl``) with a command (its second argument, an
    int) of ``refused`` is refused; one of ``to_itself`` is allowed if its third argument is
    the process itself (0, or ``pid``); any other command is allowed."""
    items: list[Any] = [_jump_to(_JEQ, number, 0, "end"), _load(_low(1))]
    items += [_jump_to(_JEQ, command, "refused", 0) for command in refused]
    if to_itself:  # (the last command compared: any other is allowed)
        items += [_jump_to(_JEQ, command, "owner", 0 if k < len(to_itself) - 1 else "allowed")
                  for k, command in enumerate(to_itself)]
        items += [("label", "owner"), _load(_high(2)), _jump_to(_JEQ, 0, 0, "refused"),
                  _load(_low(2)), _jump_to(_JEQ, 0, "allowed", 0),
                  _jump_to(_JEQ, pid, "allowed", "refused")]
    items += [("label", "allowed"), _answer(_RET_ALLOW), ("label", "refused"),
              _answer(_RET_ERRNO | errno.EPERM), ("label", "end")]
    return _assembled(items)


def _only_threads(number: int) -> list[Instruction]:
    """``clone`` is allowed for a thread (CLONE_THREAD in its flags) in no new namespace."""
    return [_jump(_JEQ, number, 0, 5),
            _load(_ARG0_LOW), _jump(_JSET, _CLONE_NAMESPACES, 2, 0),
            _jump(_JSET, _CLONE_THREAD, 0, 1),
            _answer(_RET_ALLOW), _answer(_RET_ERRNO | errno.EPERM)]


def _filter(arch: str, pid: int) -> list[Instruction]:
    """The seccomp program for ``arch``, the process being ``pid``."""
    calls, eperm = _SYSCALLS[arch], _RET_ERRNO | errno.EPERM
    program = [_load(_ARCH), _jump(_JEQ, _AUDIT_ARCH[arch], 1, 0),  # another table (i386
               _answer(_RET_KILL_PROCESS), _load(_NR)]              # on x86_64): killed
    if arch == "x86_64":
        program += [_jump(_JGE, _X32_BIT, 0, 1), _answer(eperm)]  # x32: refused
    program += _only_threads(calls["clone"])
    program += _not_option(calls["prctl"], _PR_SET_PDEATHSIG)  # (``end_with`` holds)
    for name in ONLY_TO_ITSELF:
        program += _only_to_itself(calls[name], pid)
    for name in ONLY_ON_ITSELF:
        program += _allowed_if(calls[name], [(0, (0, pid))])
    for name, kind in ONLY_ON_ITSELF_AS.items():
        program += _allowed_if(calls[name], [(0, (kind,)), (1, (0, pid))])
    for name, (to_itself, refused) in OWNER_COMMANDS.items():
        program += _owner(calls[name], pid, to_itself, refused)
    for name in NOT_THERE:
        program += _refuse(calls[name], _RET_ERRNO | errno.ENOSYS)
    for name in REFUSED:
        if name in calls:  # (aarch64 has no fork nor vfork)
            program += _refuse(calls[name], eperm)
    return [*program, _answer(_RET_ALLOW)]


class _SockFilter(ctypes.Structure):  # struct sock_filter: one instruction
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):  # struct sock_fprog: the program
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp() -> str:
    """Load the filter into every thread of the process (TSYNC)."""
    program = _filter(_arch() or "", os.getpid())
    instructions = (_SockFilter * len(program))(*(_SockFilter(*i) for i in program))
    fprog = _SockFprog(len(program), instructions)
    if _syscall("seccomp", _SET_MODE_FILTER, _FLAG_TSYNC, ctypes.byref(fprog)) != 0:
        raise _Missing("a thread could not take the filter (TSYNC)")
    return SECCOMP
