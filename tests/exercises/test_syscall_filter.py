"""tinygrad_edu.exercises.syscall_filter: the filter itself (libseccomp's program) run in
Python, on both architectures, against the rules it must follow: the allow-list allowed, the
refused answer EPERM, anything else ENOSYS, another architecture's calls kill the process, no
thread nor process made, signals and limits for the process itself only; and libseccomp's
numbers against the kernel's headers.
"""

import errno
import os
import re
import struct
from pathlib import Path

import pytest

from tests.exercises.sandbox_runs import sandbox
from tinygrad_edu.exercises import syscall_filter

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
