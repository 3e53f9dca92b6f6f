"""Shared test settings: hypothesis profiles, the two tiers and the order (tests/tiers.py),
the optional PyTorch oracle, and the built documentation site for the tests that open it in
a browser."""

import gc
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.tiers import (  # noqa: F401 (the hooks of the two tiers and of the order)
    pytest_addoption,
    pytest_collection_modifyitems,
)
from tinygrad_edu import OPS, sigmoid, unary_op

settings.register_profile(
    "default", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
# For the suite under the other Pythons (run.sh): the same tests with fewer examples each, to
# show that every line runs there; the full strength runs once, under the main Python.
settings.register_profile("other-python", parent=settings.get_profile("ci"), max_examples=10)
# For the seed sweep (.ci/seed-sweep): no example database, so every run starts fresh, as
# on a new clone; the seed comes from --hypothesis-seed.
settings.register_profile("sweep", parent=settings.get_profile("ci"), database=None)
settings.load_profile(os.environ.get("TINYGRAD_EDU_HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") else "default"))

try:
    import torch
except ImportError:  # the parity tests skip, saying why; the numeric checks stand alone
    torch = None
else:
    # The tests' tensors are tiny: a second thread only adds hand-offs, and with a pytest
    # worker per core the threads outnumber the cores (a double backward of a 3×3 cross
    # entropy took 65 ms with 2 threads and 0.3 ms with one, on the 2-core CI machine).
    torch.set_num_threads(1)

requires_torch = pytest.mark.skipif(
    torch is None,
    reason="PyTorch is not installed; install the pinned extra with pip install -e '.[torch]'",
)

requires_git = pytest.mark.skipif(
    shutil.which("git") is None or not (Path(__file__).resolve().parents[1] / ".git").exists(),
    reason="needs git and a git clone of tinygrad_edu (it reads an earlier version from git)",
)


# ----------------------------------------- Python's own functions, themselves after each test
# The grader puts stand-ins in Python's own modules while a rule runs (NumPy's functions,
# cmath's, getattr), a capture while it runs (math's, max, sum, __import__); each puts them
# back. One left in place changes every later test of the worker (a capture reads through it),
# far from its cause: a test after which one is still there errors, naming it and the module,
# and puts it back.
_OWN = ("builtins", "math", "cmath", "numpy")
_THEMSELVES: dict[str, dict[str, object]] = {}


@pytest.fixture(autouse=True)
def pythons_own_functions_are_themselves_after_each_test():
    for name in _OWN:
        if name not in _THEMSELVES and name in sys.modules:  # (NumPy once a test imports it)
            _THEMSELVES[name] = dict(vars(sys.modules[name]))
    yield
    left = []
    for name, then in _THEMSELVES.items():
        space = vars(sys.modules[name])
        for key, held in then.items():
            if key != "_" and space.get(key, held) is not held:  # (``_``: the REPL's last answer)
                left.append(f"{name}.{key} is {space[key]!r}")
                space[key] = held
    if left:
        pytest.fail("the test left Python's own functions replaced (put back now): "
                    + "; ".join(left), pytrace=False)


# ----------------------------------------------------------------------------- a user's op

def softplus_forward(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@pytest.fixture
def softplus():
    """softplus registered in OPS for one test, then removed again."""
    f = unary_op("softplus", softplus_forward, lambda x, y: sigmoid(x), local="σ({0})")
    yield f
    del OPS["softplus"]


def wrong_softplus():
    return unary_op("softplus", softplus_forward, lambda x, y: sigmoid(-x), register_op=False)


# ----------------------------------------------------------------------------- the built site


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The built documentation site: $TINYGRAD_EDU_SITE when that is set (.ci/run builds it
    with ./run.sh docs beside the suite and points there: its build's exit status lands in
    the file $TINYGRAD_EDU_SITE_STATUS, which this waits for), else built here into a
    temporary folder once per test session, which needs the docs extra (else the test skips
    and says so)."""
    given = os.environ.get("TINYGRAD_EDU_SITE")
    if given:
        wait_for_the_sites_build(os.environ.get("TINYGRAD_EDU_SITE_STATUS"))
        folder = Path(given).resolve()
        assert (folder / "index.html").is_file(), (
            f"TINYGRAD_EDU_SITE={given} holds no built site: run ./run.sh docs first")
        return folder
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: ./run.sh docs "
                                         "(or pip install -e '.[docs]')")
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(folder)], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


def wait_for_the_sites_build(status_file: str | None, timeout_s: float = 1200.0) -> None:
    """Until the build beside the suite has written its exit status (none to wait for: None);
    fails if the build failed or took longer than ``timeout_s``."""
    if not status_file:
        return
    status, waited = Path(status_file), 0.0
    while not status.exists():
        assert waited < timeout_s, f"the site's build (./run.sh docs) took over {timeout_s} s"
        time.sleep(0.5)
        waited += 0.5
    built = status.read_text(encoding="utf-8").strip()
    assert built == "0", f"./run.sh docs failed (exit status {built}): see its output in CI's log"


@pytest.fixture(scope="module", autouse=True)
def each_file_collects_only_its_own_garbage():
    """What the worker made before this file is left out of Python's garbage collections
    (``gc.freeze``) until the file's end. A worker runs hundreds of files and keeps what they
    loaded (PyTorch, hypothesis, Playwright, every module of the package): the collections
    that a test's own objects set off walked all of that again and again (9% of the CPU of
    the files that make the most objects: 81 s against 74 s for four of them). What a test
    makes is collected as anywhere; what the file's end leaves is collected later, as before.
    Where it counts twice: the files that run a live page's Python here, whose Check or Run
    ends in a collection (``page_python.let_go``) that in the page's Python sees only what
    the page made (in a worker, with nothing frozen: 2 to 4 s of each such test in CI)."""
    gc.freeze()
    yield
    gc.unfreeze()
