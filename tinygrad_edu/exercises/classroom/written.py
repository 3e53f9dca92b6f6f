"""A file the grader writes for a teacher or a tool (a class's report, a results.json):
whole, or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from tinygrad_edu.exercises.text_blocks import SHOWN

__all__ = ["write_whole"]


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 (what UTF-8 cannot write, a name that is not
    UTF-8, as its escapes: ``text_blocks.SHOWN``), whole or not at all: into a new file
    beside it, renamed over it once written, so that an error on the way (a full disk) leaves
    what was there before (a report graded last week), never a file cut short. The file
    keeps the mode it had. Where its folder takes no new file but the file itself is
    writable, it is written in place (the text encoded first). Raises ``OSError``."""
    data = text.encode("utf-8", SHOWN)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_CLOEXEC", 0), 0o666)
    except PermissionError:
        if not path.is_file() or not os.access(path, os.W_OK):
            raise
        path.write_bytes(data)
        return
    try:
        with open(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temporary, os.stat(path).st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
