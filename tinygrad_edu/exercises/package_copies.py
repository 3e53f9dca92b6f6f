"""Every copy of tinygrad_edu (the references in it) the grader knows of, and which of them
the learner's user can read: a route's stand-in for Landlock (``boundary.CLOSED``) holds
only if that user can read none.

Without Landlock, only the files' modes keep a learner's process (the user nobody) from
reading a file. The installed package made root's only is not enough: PrairieLearn's
question ships the wheel it installs (``/grade/tests/wheels``), Otter's zip holds it
(``/autograder/source/files``, copied beside the submission), and a submission that read
one ran the model answers out of it (4/4 on PrairieLearn without Landlock). So the stand-in
looks for every copy it can know of:

- the package the grader runs, and any tinygrad_edu installed on this Python's path, in
  its site-packages, or in those of the machine's own Pythons (``/usr``, ``/usr/local``);
- what each install of tinygrad_edu was made from (its ``direct_url.json``: the wheel, the
  checkout);
- the tool's folder that holds the submission's (``/autograder``, ``/grade``, Otter's own),
  walked: a wheel or source archive of tinygrad_edu, a zip that holds tinygrad_edu (a
  wheel renamed, Otter's autograder zip), any file of a ``tinygrad_edu/exercises`` folder;

and then asks, as the learner's user, which of them it can read (``readable_by``).
What it cannot be sure of (a folder too large to walk, a user it cannot become) it says,
and the stand-in does not hold. A copy elsewhere on the machine (a teacher's own folder of
the course) is the teacher's to keep closed: the teaching guide says so.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import site
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["MOST", "copies", "installed_from", "readable_by"]

MOST = 20_000
"""The most entries walked in a tool's folder: beyond, the stand-in cannot be sure."""
NAMES = ("tinygrad_edu-", "tinygrad-edu-")
ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".egg")


def copies(package: Path, around: Iterable[Path]) -> tuple[list[str], str | None]:
    """The files that hold tinygrad_edu's code that the grader knows of (``package``, the one
    it runs; the folders ``around``, walked), and why it cannot be sure it found them all
    (None: it can)."""
    found: set[str] = set()
    installs = {package.resolve()} | set(_installed())
    for install in installs:
        _walk(install / "exercises", found, [0])
    folders = [Path(p) for p in dict.fromkeys(str(Path(f).resolve()) for f in around)]
    for source in _sources(installs):
        if source.is_dir():
            folders.append(source)
        elif source.exists():
            found.add(str(source))
    count = [0]
    for folder in folders:
        if folder.is_dir() and not _walk(folder, found, count, whole=False):
            return sorted(found), (f"{folder} holds more than {MOST} files and folders: not "
                                   "walked to the end, so a copy of the package in it may "
                                   "be missed")
    return sorted(found), None


def _walk(folder: Path, found: set[str], count: list[int], whole: bool = True) -> bool:
    """Add to ``found`` the copies in ``folder`` (every file, if ``whole``: a package's own
    ``exercises``); False if more than ``MOST`` entries were met (``count``, kept across
    calls)."""
    for where, folders, files in os.walk(folder):
        count[0] += len(folders) + len(files)
        if count[0] > MOST:
            return False
        inside = whole or _in_exercises(where)
        for name in files:
            path = os.path.join(where, name)
            if inside or _is_copy(path, name):
                found.add(path)
    return True


def _in_exercises(where: str) -> bool:
    parts = Path(where).parts
    return any(pair == ("tinygrad_edu", "exercises") for pair in itertools.pairwise(parts))


def _is_copy(path: str, name: str) -> bool:
    """Whether the file ``name`` at ``path`` holds tinygrad_edu: an archive of it by its name,
    the model answers by theirs, or a zip whose entries hold it."""
    low = name.lower()
    if low.startswith("model_answers."):
        return True
    if not low.endswith(ARCHIVES):
        return False
    if low.startswith(NAMES):
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return any(entry.startswith("tinygrad_edu/") or
                       os.path.basename(entry).lower().startswith(NAMES)
                       for entry in archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def _installed() -> list[Path]:
    """Every install of tinygrad_edu on this Python's path, in its site-packages, or in those
    of the machine's own Pythons."""
    places = [p for p in sys.path if p] + site.getsitepackages()
    for prefix in dict.fromkeys(["/usr", "/usr/local", sys.prefix, sys.base_prefix]):
        places += glob.glob(os.path.join(prefix, "lib", "python3*", "*-packages"))
    places.append("/usr/lib/python3/dist-packages")
    found = []
    for place in dict.fromkeys(places):
        package = Path(place) / "tinygrad_edu"
        if (package / "exercises").is_dir():
            found.append(package.resolve())
    return found


def installed_from(package: Path) -> list[Path]:
    """What the install ``package`` (a ``tinygrad_edu`` folder) was made from, as its
    metadata records it: a local wheel, archive or folder (none: from an index)."""
    return _sources([package])


def _sources(installs: Iterable[Path]) -> list[Path]:
    """What each install was made from, as its metadata records it (``direct_url.json``): a
    local wheel, archive or folder."""
    found = []
    for install in installs:
        for meta in install.parent.glob("tinygrad_edu-*.dist-info"):
            try:
                url = json.loads((meta / "direct_url.json").read_text("utf-8")).get("url", "")
            except (OSError, ValueError, AttributeError):
                continue
            parsed = urlparse(url)
            if parsed.scheme == "file" and parsed.path:
                found.append(Path(unquote(parsed.path)))
    return found


def readable_by(user: str, files: list[str]) -> tuple[list[str], str | None]:
    """Those of ``files`` that ``user`` can read, asked as that user (by the shell's ``test
    -r``: the kernel's answer, modes, owners, groups and folders on the way); and why it
    could not ask (None: it did). Needs root."""
    import pwd

    if not files:
        return [], None
    try:
        entry = pwd.getpwnam(user)
        done = subprocess.run(
            ["/bin/sh", "-c", 'for f do [ -r "$f" ] && printf "%s\\0" "$f"; done', "sh",
             *files], user=entry.pw_uid, group=entry.pw_gid, extra_groups=[],
            capture_output=True, timeout=60, check=False, env={"PATH": "/usr/bin:/bin"})
    except (KeyError, OSError, subprocess.SubprocessError) as error:
        return [], f"could not ask as {user} which copies it can read ({error})"
    if done.returncode not in (0, 1):
        return [], (f"could not ask as {user} which copies it can read (/bin/sh exited with "
                    f"{done.returncode})")
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p], None
