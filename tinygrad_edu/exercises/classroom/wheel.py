"""The wheel of tinygrad_edu that an assignment carries, so that Gradescope's image and
GitHub's runners install the very version the teacher made the assignment with: a wheel
given with ``--wheel``, or one built from this clone by pip itself (``pip wheel``, which every
environment that installed tinygrad_edu has), from a copy of the files a wheel is made of."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tinygrad_edu.exercises.classroom.assignment import AssignmentError

__all__ = ["project_wheel"]

_MADE_OF = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in")
"""The files beside the package that building a wheel reads."""


def project_wheel(folder: Path, given: Path | None = None) -> Path:
    """Put the wheel in ``folder`` and return its path there: ``given``, or one built from
    the clone this tinygrad_edu is imported from."""
    folder.mkdir(parents=True, exist_ok=True)
    if given is not None:
        if not given.is_file() or given.suffix != ".whl" or \
                not given.name.startswith("tinygrad_edu-"):
            raise AssignmentError(f"--wheel {given}: not a wheel of tinygrad_edu (a file "
                                  "tinygrad_edu-VERSION-py3-none-any.whl); build one in a "
                                  "clone with: pip wheel --no-deps .")
        if given.resolve() != (folder / given.name).resolve():
            shutil.copy2(given, folder / given.name)
        return folder / given.name
    root = clone()
    if importlib.util.find_spec("pip") is None:
        raise AssignmentError(f"building tinygrad_edu's wheel needs pip, which {sys.executable} "
                              "does not have: python -m ensurepip, or give a wheel with "
                              "--wheel FILE")
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-wheel-") as tmp:
        source, out = Path(tmp, "source"), Path(tmp, "dist")
        source.mkdir()
        for name in _MADE_OF:
            if (root / name).is_file():
                shutil.copy2(root / name, source / name)
        shutil.copytree(root / "tinygrad_edu", source / "tinygrad_edu",
                        ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*"))
        # with this Python's setuptools if it is recent enough: nothing to download
        isolation = ["--no-build-isolation"] if _setuptools_builds() else []
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation,
                               "--disable-pip-version-check", "--wheel-dir", str(out),
                               str(source)],
                              capture_output=True, text=True, timeout=600, check=False)
        wheels = sorted(out.glob("tinygrad_edu-*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise AssignmentError(f"building tinygrad_edu's wheel from {root} failed:\n"
                                  f"{tail}\nGive a wheel with --wheel FILE instead")
        shutil.copy2(wheels[0], folder / wheels[0].name)
        return folder / wheels[0].name


def _setuptools_builds() -> bool:
    """Whether this Python's setuptools builds the wheel (pyproject.toml's build-system asks
    for 77 or newer, which reads its license field); else pip fetches one."""
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 77


def clone() -> Path:
    """The clone this tinygrad_edu is imported from (the folder with its pyproject.toml)."""
    import tinygrad_edu

    root = Path(tinygrad_edu.__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or 'name = "tinygrad-edu"' not in pyproject.read_text(
            encoding="utf-8"):
        raise AssignmentError(f"tinygrad_edu is imported from {root}, which is not a clone "
                              "of it (no pyproject.toml), so there is nothing to build its "
                              "wheel from: give a wheel with --wheel FILE, or run this in a "
                              "clone")
    return root
