"""Which exercises you have passed, kept in a small JSON file between sessions: each one's
state is the verdict of its latest check (a failing check after a pass un-passes it, so the
record says what grading the code as it now is would say).

The file is ``$TINYGRAD_EDU_PROGRESS`` if that is set, else
``$XDG_DATA_HOME/tinygrad_edu/progress.json``, else
``~/.local/share/tinygrad_edu/progress.json``. Delete it to start again.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ENV", "ProgressError", "Status", "load_progress", "progress_path", "record"]

ENV = "TINYGRAD_EDU_PROGRESS"
"""The environment variable that, when set, names the progress file."""


class ProgressError(Exception):
    """The progress file could not be read or written (the message names it and says why)."""


def progress_path() -> Path:
    """Where progress is kept (see the module docstring)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "tinygrad_edu" / "progress.json"


@dataclass
class Status:
    """One exercise's record: how often it was checked and whether its latest check passed."""

    attempts: int = 0
    passed: bool = False


def load_progress(path: Path | None = None) -> dict[str, Status]:
    """The record of every exercise checked so far (empty if there is no file yet)."""
    path = progress_path() if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ProgressError(f"cannot read the progress file {path}: {error}") from None
    try:
        raw = json.loads(text)
        return {name: Status(int(entry["attempts"]), bool(entry["passed"]))
                for name, entry in raw["exercises"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ProgressError(
            f"the progress file {path} is damaged (not the JSON this program writes); "
            f"delete it to start again, or set {ENV} to use another file") from None


def record(name: str, passed: bool, path: Path | None = None) -> dict[str, Status]:
    """Count one check of exercise ``name``, and keep whether it passed; returns the new record.
    The file is replaced atomically, so an interrupted write never leaves half a file."""
    path = progress_path() if path is None else path
    progress = load_progress(path)
    status = progress.setdefault(name, Status())
    status.attempts += 1
    status.passed = passed  # (the latest verdict: a pass, then a fail, is not passed)
    data: dict[str, Any] = {"version": 1, "exercises": {
        n: {"attempts": s.attempts, "passed": s.passed} for n, s in sorted(progress.items())}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         prefix=".progress-", suffix=".tmp",
                                         delete=False) as tmp:
            json.dump(data, tmp, indent=1)
        os.replace(tmp.name, path)
    except OSError as error:
        raise ProgressError(f"cannot write the progress file {path}: {error}; set {ENV} to "
                            "a writable file") from None
    return progress
