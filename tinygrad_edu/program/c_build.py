"""native.c built and loaded (``library``): with the C compiler found on this machine
(``compiler``), once per machine, kept in a cache folder of the user's own; or why not, in one
line (``Built.reason``). ``native.py`` runs programs with it."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["FLAGS", "Built", "library"]

SOURCE = Path(__file__).with_name("native.c")
FLAGS = ("-O2", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math")
"""How native.c is built (then ``-lm``): optimised, but no fast-math and no contraction of
``a * b + c`` into one rounding, which would change the numbers."""

TEXT = SOURCE.read_text(encoding="utf-8")


class Built:
    """native.c built and loaded (``library``), or why not (``reason``); ``path``: the shared
    library; ``seconds``: how long compiling it took in this process (0.0: it was in the
    cache)."""

    def __init__(self, library: ctypes.CDLL | None, reason: str, path: str = "",
                 seconds: float = 0.0) -> None:
        self.library, self.reason, self.path, self.seconds = library, reason, path, seconds

    def __repr__(self) -> str:
        return f"<native.c built at {self.path}>" if self.library else f"<not built: {self.reason}>"


_BUILT: dict[tuple[str, ...], Built] = {}
_LOCK = threading.Lock()


IN_A_BROWSER = ("this Python runs in a web page (Pyodide), where there is no C compiler, "
                "so the program runs as the Python program it is: the same numbers, bit for "
                "bit; on a computer it runs as C where a C compiler is found")
"""Why a program runs as Python in a browser's Python: said plainly, with nothing to
install (``NativeProgram`` says it in its repr, not as a warning: there is nothing to do)."""


def compiler() -> tuple[list[str], str]:
    """The C compiler's command (``CC``, else ``cc``, ``gcc`` or ``clang`` on PATH), or an
    empty one and why there is none (in a browser's Python: ``IN_A_BROWSER``)."""
    if sys.platform == "emscripten":
        return [], IN_A_BROWSER
    given = os.environ.get("CC", "").strip()
    if given:
        words = shlex.split(given)
        found = shutil.which(words[0])
        if found is None:
            return [], (f"no C compiler: CC={given!r} is not found (set CC to a C compiler, "
                        "or unset it to use cc)")
        return [found, *words[1:]], ""
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name)
        if found is not None:
            return [found], ""
    return [], ("no C compiler found (cc, gcc or clang on PATH); install one (apt-get install "
                "gcc, xcode-select --install) or set CC")


def library() -> Built:
    """native.c built and loaded, once per process and compiler (the shared library is kept
    in a per-user cache folder, named by a hash of the source, the compiler and the flags,
    so a second process loads it at once); or, in ``reason``, why not."""
    command, reason = compiler()
    key = tuple(command) or (reason,)
    with _LOCK:
        if key not in _BUILT:
            _BUILT[key] = _build(command) if command else Built(None, reason)
        return _BUILT[key]


def cache_folder() -> Path:
    """Where built libraries are kept: ``$XDG_CACHE_HOME/tinygrad_edu`` (or
    ``~/.cache/tinygrad_edu``); a folder of this user's own, which nobody else can write."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "tinygrad_edu"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = folder.stat()
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or
                                  info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        raise PermissionError(f"{folder} is not this user's own folder (others may write "
                              "there): set XDG_CACHE_HOME to one that is")
    return folder


def _build(command: list[str]) -> Built:
    seconds = 0.0
    try:
        stamp = os.stat(command[0])
        identity = "\n".join([TEXT, *command, *FLAGS, str(stamp.st_size), str(stamp.st_mtime_ns),
                              sys.platform, os.uname().machine if hasattr(os, "uname") else ""])
        digest = hashlib.sha256(identity.encode()).hexdigest()[:20]
        folder = cache_folder()
    except OSError as error:
        return Built(None, f"no folder to build the native program in: {error}")
    path = folder / f"native-{digest}.so"
    if not path.exists():
        handle, temporary = tempfile.mkstemp(prefix=f"native-{digest}-", suffix=".so",
                                             dir=folder)
        os.close(handle)
        start = time.perf_counter()
        try:
            done = subprocess.run([*command, *FLAGS, "-o", temporary, str(SOURCE), "-lm"],
                                  capture_output=True, text=True, timeout=120, check=False)
            if done.returncode == 0:
                os.replace(temporary, path)  # (whole or not at all: another may be loading)
        except (OSError, subprocess.SubprocessError) as error:
            return Built(None, f"the C compiler {command[0]} could not run: {error}")
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            errors = [line for line in said if "error" in line.lower()]
            first = (errors or said or [f"exit status {done.returncode}"])[0].strip()
            return Built(None, f"the C compiler {command[0]} failed on native.c: {first}")
        seconds = time.perf_counter() - start
    try:
        loaded = ctypes.CDLL(str(path))
    except OSError as error:
        return Built(None, f"the built library could not be loaded (does the system forbid "
                            f"running code built here?): {error}")
    loaded.tg_step.argtypes = [ctypes.c_void_p]
    loaded.tg_step.restype = ctypes.c_int
    return Built(loaded, "", str(path), seconds)
