"""The system calls a learner's process may make: an allow-list, built in the grader by
libseccomp and loaded raw in that process (``learner/sandbox.py``).

Every call not listed answers ``ENOSYS`` ("no such call", as on an older kernel: the C
library then falls back to an older call, which is listed or is refused in turn); the calls
in ``REFUSED`` answer ``EPERM``, where a program should learn it may not (no fallback does
what they do). A call whose arguments say what it acts on is allowed on the process itself
only (``CONDITIONS``). The numbers are libseccomp's, for this machine's architecture: no
number is written here, and a call this libseccomp does not know (a newer kernel's) is
simply not on the list.

What a learner's process needs once it is confined is small: the grader's own code reads
and writes its pipes, the time limit sets a timer and catches its signal, and the learner's
code computes, imports (NumPy, the standard library: the files Landlock lets it read),
and sleeps. The list holds that and what CPython 3.10 to 3.13, NumPy and the C library do
for it (memory, futexes, signals to itself, the clock); it was read off ``strace`` of the
exercises' suites under each Python, and ``tests/exercises/test_sandbox_confined.py`` runs each kind
of use confined. What is left out is what no computation needs: a program run, a process
made, a thread made (``clone``: the process runs in one thread, NumPy's too, and a thread
counts against the grader's user's limit of processes, or a container's: threads started by
the thousand kept a classmate's grading process from starting), a socket, another process
acted on, and the calls Landlock does not
cover, which change a file's metadata (its mode, owner, times, extended attributes: where
the grader is not root, the learner's process is the teacher's user, and could ``chmod 0``
the class's folder), anonymous files that can be run (``memfd_create``), the personality.

``kernel()`` is what a learner's process is sent: the filter, as the bytes of its
instructions (``struct sock_filter``), built once per grader with ``OWN_NUMBER`` where the
process's own number goes (the process puts its own in: ``sandbox.py``), and the numbers of
the calls the process makes to confine itself (Landlock's, seccomp's), looked up the same
way. ``unavailable()`` says why there is no filter here (not Linux, no libseccomp), or
None.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import struct
import sys
from functools import cache
from typing import Any

from tinygrad_edu.exercises.learner.sandbox import CALLS, OWN_NUMBER, Kernel, library_grants

__all__ = ["ALLOWED", "CONDITIONS", "REFUSED", "kernel", "numbers", "unavailable"]

ALLOWED = (
    # memory
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mbind",
    "get_mempolicy",
    # files (which ones: Landlock's rules)
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
    "preadv2", "pwritev2", "lseek", "close", "close_range", "open", "openat", "openat2",
    "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd",
    "chdir", "fchdir", "dup", "dup2", "dup3", "pipe", "pipe2", "fsync", "fdatasync",
    "fadvise64",
    # waiting for a file, or for time
    "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "times", "getitimer", "setitimer", "alarm", "timer_create", "timer_settime",
    "timer_gettime", "timer_getoverrun", "timer_delete",
    # signals (to itself: ``CONDITIONS``)
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
    "rt_sigtimedwait", "sigaltstack", "pause", "restart_syscall",
    # locks, the scheduler (of the process's own thread: no other is made, ``REFUSED``)
    "futex", "futex_waitv", "set_robust_list", "set_tid_address", "rseq", "sched_yield",
    "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_get_priority_max",
    "sched_get_priority_min", "getpriority", "membarrier",
    # who and where it is
    "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getgroups",
    "getresuid", "getresgid", "getpgrp", "getpgid", "getsid", "getrusage", "sysinfo",
    "uname", "getcpu", "getrandom", "arch_prctl",
    # the end
    "exit", "exit_group",
)
"""Allowed whatever their arguments."""

REFUSED = (
    # a file's metadata, which Landlock does not cover
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
    "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
    "removexattr", "lremovexattr", "fremovexattr",
    # a program run, a process or a thread made (clone: both), code to run from an
    # anonymous file, a personality
    "execve", "execveat", "fork", "vfork", "clone", "memfd_create", "memfd_secret",
    "personality",
    # another process: traced, read, written, signalled, compared, advised
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd",
    "pidfd_send_signal", "tkill", "kcmp", "process_madvise", "process_mrelease",
    # the network, and the kernel's administration
    "socket", "socketpair", "mount", "umount2", "unshare", "setns", "pivot_root", "chroot",
    "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "open_by_handle_at", "name_to_handle_at",
)
"""Refused with ``EPERM`` (every call not allowed is refused; these say so plainly)."""

NOT_THERE = ("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register")
"""Refused with ``ENOSYS`` as every call not listed is, named for why: glibc then falls back
to ``clone``, refused with ``EPERM`` (``clone3``'s flags are in memory, where a filter cannot
read them); io_uring would do what the filter refuses without the system call."""

PID = OWN_NUMBER  # (where the process's own number goes)
_NE, _EQ, _MASKED_EQ = 1, 4, 7  # enum scmp_compare
_LOW = 0xFFFFFFFF  # (a mask: an int argument, the kernel reads its low half only)
Condition = tuple[int, int, int, int]
"""(argument, comparison, a, b): libseccomp's ``struct scmp_arg_cmp``."""

CONDITIONS: dict[str, tuple[tuple[str, tuple[Condition, ...]], ...]] = {
    # a signal to itself only (its own number; 0 would be its group, -1 every process)
    **{name: (("allow", ((0, _EQ, PID, 0),)), ("refuse", ((0, _NE, PID, 0),)))
       for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")},
    # its own resource limits (0: itself, as the C library's getrlimit and setrlimit ask)
    "prlimit64": (("allow", ((0, _EQ, 0, 0),)), ("allow", ((0, _EQ, PID, 0),))),
    # a thread's name; whether new privileges are off. PR_SET_PDEATHSIG (1) refused: the
    # process ends with its grader (``sandbox.end_with``)
    "prctl": (*(("allow", ((0, _EQ, option, 0),)) for option in (15, 16, 39)),
              ("refuse", ((0, _MASKED_EQ, _LOW, 1),))),
    # a descriptor duplicated, its flags read and set (F_DUPFD, F_GETFD, F_SETFD, F_GETFL,
    # F_SETFL, F_DUPFD_CLOEXEC); never who gets its SIGIO (F_SETOWN: the grader, signalled
    # whenever it writes), nor a lock, nor a pipe's size
    "fcntl": tuple(("allow", ((1, _EQ, command, 0),)) for command in (0, 1, 2, 3, 4, 1030)),
    # is it a terminal (TCGETS), its size (TIOCGWINSZ), bytes waiting (FIONREAD), blocking
    # (FIONBIO), close on exec (FIONCLEX, FIOCLEX); never FIOSETOWN
    "ioctl": tuple(("allow", ((1, _EQ, command, 0),))
                   for command in (0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451)),
}
"""Calls allowed, or refused, by their arguments (the first rule that matches decides; a
call none matches answers ``ENOSYS``)."""

_ALLOW, _ERRNO, _KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
NATIVE = 0  # SCMP_ARCH_NATIVE
_BADARCH = 2  # enum scmp_filter_attr: SCMP_FLTATR_ACT_BADARCH


class _Comparison(ctypes.Structure):  # struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64),
                ("b", ctypes.c_uint64)]


@cache
def kernel() -> Kernel:
    """What a learner's process is sent to confine itself (``sandbox.confine``): the
    numbers of the calls it makes, and the filter; or why there are none. Built once."""
    library = tuple(library_grants())
    why = unavailable()
    if why is not None:
        return Kernel(unavailable=why, library=library)
    try:
        return Kernel(numbers(*CALLS), _built(), library=library)
    except OSError as error:
        return Kernel(unavailable=str(error), library=library)


def unavailable() -> str | None:
    """Why this machine's grader cannot build the filter, or None if it can."""
    if not sys.platform.startswith("linux"):
        return f"not Linux ({sys.platform})"
    if struct.calcsize("P") != 8:
        return "a 32-bit Python"
    try:
        _library()
    except OSError as error:
        return str(error)
    return None


@cache
def _library() -> Any:
    """libseccomp, through ctypes (Debian's libseccomp2, which systemd needs)."""
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError:
        raise OSError("no libseccomp here, which builds the filter (apt-get install "
                      "libseccomp2)") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    lib.seccomp_arch_add.argtypes = lib.seccomp_arch_remove.argtypes = [ctypes.c_void_p,
                                                                        ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_Comparison)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_arch_native.restype = ctypes.c_uint32
    return lib


def numbers(*names: str, arch: int = NATIVE) -> dict[str, int]:
    """The numbers of the system calls ``names`` on this machine's architecture (or
    ``arch``, an ``AUDIT_ARCH_*``), as libseccomp knows them (a call it does not know, or
    that the architecture lacks, is left out)."""
    lib = _library()
    found = {name: int(lib.seccomp_syscall_resolve_name_arch(arch, name.encode()))
             for name in names}
    return {name: number for name, number in found.items() if number >= 0}


def _built(arch: int = NATIVE) -> bytes:
    """The filter, with ``PID`` where the process's own number goes, for this machine's
    architecture (or ``arch``: the tests read another's)."""
    lib = _library()
    context = lib.seccomp_init(_ERRNO | errno.ENOSYS)
    if not context:
        raise OSError("libseccomp could not start a filter")
    chunks = []
    try:
        lib.seccomp_attr_set(context, _BADARCH, _KILL_PROCESS)  # (i386 or x32 calls)
        if arch not in (NATIVE, lib.seccomp_arch_native()):
            lib.seccomp_arch_add(context, arch)
            lib.seccomp_arch_remove(context, NATIVE)
        _add(lib, context, ALLOWED, _ALLOW)
        _add(lib, context, REFUSED, _ERRNO | errno.EPERM)
        for name, rules in CONDITIONS.items():
            for kind, conditions in rules:
                action = _ALLOW if kind == "allow" else _ERRNO | errno.EPERM
                _add(lib, context, (name,), action, conditions)
        read, write = os.pipe()
        try:
            code = lib.seccomp_export_bpf(context, write)
            os.close(write)
            write = -1
            while chunk := os.read(read, 65536):
                chunks.append(chunk)
        finally:
            os.close(read)
            if write >= 0:
                os.close(write)
        if code != 0:
            raise OSError("libseccomp could not write the filter")
    finally:
        lib.seccomp_release(context)
    made = b"".join(chunks)
    if not made or len(made) % 8:
        raise OSError("libseccomp wrote no filter")
    return made


def _add(lib: Any, context: Any, names: tuple[str, ...], action: int,
         conditions: tuple[Condition, ...] = ()) -> None:
    """A rule for each call of ``names`` (by this machine's numbers, which libseccomp
    translates to the filter's architecture; a call it does not know is left out)."""
    for name, number in numbers(*names).items():
        array = (_Comparison * max(1, len(conditions)))(*(_Comparison(*c) for c in conditions))
        code = lib.seccomp_rule_add_array(context, action, number, len(conditions), array)
        if code < 0:
            raise OSError(-code, f"libseccomp refused the rule for {name}: "
                                 f"{os.strerror(-code)}")
