"""tinygrad_edu.exercises.progress: where the progress file lives, what ``check`` records in it
when asked, and a verdict all the same when it cannot be written."""

import json

import pytest

from tinygrad_edu.exercises import check, load_progress, progress_path


def test_progress_lives_where_the_environment_says(private_progress, monkeypatch, tmp_path):
    assert progress_path() == private_progress
    monkeypatch.delenv("TINYGRAD_EDU_PROGRESS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert progress_path() == tmp_path / "xdg" / "tinygrad_edu" / "progress.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert progress_path() == tmp_path / "home" / ".local/share/tinygrad_edu/progress.json"


def test_check_records_progress_only_when_asked(private_progress):
    check("d_exp", lambda x, y: x)
    assert not private_progress.exists()
    check("d_exp", lambda x, y: x, record_progress=True)
    check("d_exp", lambda x, y: y, record_progress=True)
    status = load_progress()["d_exp"]
    assert (status.attempts, status.passed) == (2, True)
    assert json.loads(private_progress.read_text())["exercises"]["d_exp"]["passed"] is True


def test_a_failing_check_after_a_pass_un_passes_it(private_progress):
    """The state is the latest check's verdict, as the page's menu, progress line and stage 10
    show it: a pass then a fail is not passed (before, adam broken after all ten
    passed still read "10 of 10 stages passed" and offered a download that failed)."""
    check("d_exp", lambda x, y: y, record_progress=True)
    check("d_exp", lambda x, y: x, record_progress=True)
    status = load_progress()["d_exp"]
    assert (status.attempts, status.passed) == (2, False)


def test_check_still_returns_the_verdict_when_progress_cannot_be_saved(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(blocker / "progress.json"))
    with pytest.warns(UserWarning, match="progress not saved: cannot read the progress file"):
        verdict = check("d_exp", lambda x, y: y, record_progress=True)
    assert verdict.passed
