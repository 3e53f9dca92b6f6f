"""The exercises' tests keep their progress in a temporary file, never in the real home, and
some of them grade with a short time limit."""

import pytest


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every test keeps its progress in a temporary file, never in the real home."""
    path = tmp_path / "progress.json"
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(path))
    return path


@pytest.fixture
def short_time_limit(monkeypatch):
    from tinygrad_edu.exercises import running

    monkeypatch.setattr(running, "TIME_LIMIT", 0.3)
