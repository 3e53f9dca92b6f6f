"""tinygrad_edu.exercises.learner.sandbox where a protection is not there: what ``confine``
reports applied and missing with a thread started before it, on a kernel without Landlock or
without seccomp, or not on Linux (each played in a fresh Python, sandbox_runs.py), and what
holds then; what ``offered`` says of this system and of others, and what the process is
granted to read (``library_grants``), in this process, where nothing is applied.
"""

import errno
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

from tests.exercises.sandbox_runs import THREAD_FIRST, WITHOUT, needs, refused, run_child, sandbox
from tinygrad_edu.exercises import syscall_filter


def test_a_thread_before_confining():
    """Another thread at the time of ``confine``: Landlock is reported missing (it would
    confine one thread only), and seccomp holds in that thread too."""
    found = run_child(THREAD_FIRST)
    needs(found, sandbox.SECCOMP)
    missing = found["confinement"]["missing"]
    assert "threads" in missing.get(sandbox.LANDLOCK, "") or "no Landlock" in missing.get(
        sandbox.LANDLOCK, "")
    assert found["other thread's socket"] == "EPERM"
    assert found["read secret"]["ok"]


@pytest.mark.parametrize("fail, code, why", [
    ("landlock", errno.EOPNOTSUPP, "the kernel has no Landlock (EOPNOTSUPP"),
    ("seccomp", errno.ENOSYS, "the kernel has no seccomp filters (ENOSYS)"),
    ("linux", errno.ENOSYS, "not Linux (freebsd14)")])
def test_a_protection_missing(fail, code, why):
    """A kernel without Landlock, or without seccomp, or not Linux: the reason is in
    ``missing``, and the rest is applied and holds (the other layer still refuses)."""
    found = run_child(WITHOUT, fail=fail, errno=code)
    done = found["confinement"]
    if fail == "linux":
        assert done["applied"] == ["resource limits"]
        assert done["missing"] == dict.fromkeys(
            ["no new privileges", "Landlock", "seccomp"], "not Linux (freebsd14)")
        return
    name = {"landlock": sandbox.LANDLOCK, "seccomp": sandbox.SECCOMP}[fail]
    assert list(done["missing"]) == [name] and done["missing"][name].startswith(why)
    assert "resource limits" in done["applied"] and "no new privileges" in done["applied"]
    if fail == "landlock":
        assert "seccomp" in done["applied"]
        assert refused(found["socket"], "EPERM") and refused(found["kill parent"], "EPERM")
        assert found["read secret"]["ok"]
    else:
        abi = int(re.search(r"ABI (\d+)", done["applied"][-1]).group(1))
        assert refused(found["read secret"], "EACCES")
        assert found["socket"]["ok"]  # (only seccomp refuses sockets)
        assert refused(found["tcp bind"], "EACCES") or abi < 4
        assert refused(found["kill parent"], "EPERM") or abi < 6


# --- in this process: nothing applied --------------------------------------------------

def test_offered_here():
    """Landlock and seccomp are offered on this system (or it says why not)."""
    found = sandbox.offered(syscall_filter.kernel())
    assert set(found) == {"resource limits", "no new privileges", "Landlock", "seccomp"}
    if any(found.values()):
        pytest.skip(f"not all offered here: {found}")
    assert not any(found.values())


@pytest.mark.parametrize("code, why", [
    (errno.ENOSYS, "the kernel has no Landlock (ENOSYS: too old"),
    (errno.EOPNOTSUPP, "the kernel has no Landlock (EOPNOTSUPP: built but not enabled"),
    (errno.EPERM, "Landlock failed: EPERM")])
def test_offered_without_landlock(monkeypatch, code, why):
    """A kernel without Landlock (too old; built without it enabled; a container's own
    filter refusing the call): ``offered`` says which, and the rest as before."""
    kernel = syscall_filter.kernel()
    if kernel.unavailable:
        pytest.skip(kernel.unavailable)
    before, real = sandbox.offered(kernel), sandbox._syscall

    def failing(kernel, name, *args):
        if name.startswith("landlock"):
            raise OSError(code, os.strerror(code))
        return real(kernel, name, *args)

    monkeypatch.setattr(sandbox, "_syscall", failing)
    found = sandbox.offered(kernel)
    assert found.pop("Landlock").startswith(why)
    assert found == {name: why for name, why in before.items() if name != "Landlock"}


def test_offered_elsewhere(monkeypatch):
    """Not Linux, or a grader without libseccomp (no filter, no numbers): the kernel's
    protections are missing, with why; nothing crashes."""
    monkeypatch.setattr(sys, "platform", "darwin")
    assert sandbox.offered(sandbox.Kernel()) == {
        "resource limits": None, "no new privileges": "not Linux (darwin)",
        "Landlock": "not Linux (darwin)", "seccomp": "not Linux (darwin)"}
    assert syscall_filter.unavailable() == "not Linux (darwin)"
    monkeypatch.setattr(sys, "platform", "linux")
    why = "no libseccomp here, which builds the filter (apt-get install libseccomp2)"
    assert sandbox.offered(sandbox.Kernel(unavailable=why)) == {
        "resource limits": None, "no new privileges": None, "Landlock": why, "seccomp": why}


def test_confinement_complete():
    assert sandbox.Confinement(["seccomp"]).complete
    assert not sandbox.Confinement([], {"Landlock": "not Linux"}).complete


def test_library_grants():
    """The standard library entry by entry, NumPy's folder and its libraries', nothing that
    is or holds a site-packages, nothing of tinygrad_edu; each one exists."""
    grants = sandbox.library_grants()
    assert grants and all(os.path.exists(g) for g in grants)
    assert os.path.dirname(os.__file__) not in grants
    assert os.__file__ in grants or os.path.dirname(os.__file__) + "/os.py" in grants
    for grant in grants:
        assert not {"site-packages", "dist-packages"} & set(Path(grant).parts[-1:]), grant
        assert not (Path(grant) / "site-packages").exists(), grant
        assert "tinygrad_edu" not in grant
    spec = importlib.util.find_spec("numpy")
    if spec is None:
        pytest.skip("NumPy is not installed for this Python")
    numpy_folder = spec.submodule_search_locations[0]
    assert numpy_folder in grants
    libs = Path(numpy_folder).parent / "numpy.libs"
    assert str(libs) in grants or not libs.exists()
