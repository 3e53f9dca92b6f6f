"""An earlier version of tinygrad_edu, imported beside this one, to time both in one run.

``--baseline REF`` in the benchmark scripts loads the package as it was at git ``REF`` (a
commit, a tag, ``main``, ``HEAD~3``) under the name ``tinygrad_edu_baseline`` and adds it
as one more engine, interleaved with the others: "before and after" measured in the same
process, on the same machine load, rather than in two runs minutes apart.
"""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
NAME = "tinygrad_edu_baseline"


def load(ref: str, name: str = NAME) -> ModuleType:
    """The package ``tinygrad_edu`` as of git ``ref``, imported as ``name`` (by default
    ``tinygrad_edu_baseline``; every ``tinygrad_edu`` in its sources renamed, so the two
    never share a module)."""
    try:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "tinygrad_edu"],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        raise SystemExit(f"--baseline {ref}: git archive failed "
                         f"({detail.decode(errors='replace').strip() or error})") from None
    root = Path(tempfile.mkdtemp(prefix=f"{name}_"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # (git's archive of this repository; tarfile's filters came with Python 3.10.12
        # and 3.11.4: Debian 12's 3.11.2 has none)
        tar.extractall(root, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    package = root / name
    (root / "tinygrad_edu").rename(package)
    word = re.compile(r"\btinygrad_edu\b")
    for path in package.rglob("*.py"):
        path.write_text(word.sub(name, path.read_text(encoding="utf-8")), encoding="utf-8")
    sys.path.insert(0, str(root))
    module = importlib.import_module(name)
    importlib.import_module(f"{name}.nn")
    module.__baseline_ref__ = ref  # type: ignore[attr-defined]
    return module


def describe(ref: str) -> str:
    """``ref`` with its short commit hash, for the table: ``before (main, c5f9c69)``."""
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref],
                                capture_output=True, check=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"before ({ref})"
    return f"before ({ref})" if commit.startswith(ref) else f"before ({ref}, {commit})"
