"""The live pages' Python kept fit for the next run (``playground.kept`` and ``DEPTH``), here
in CPython (tests/viz/test_live_track.py tries it in a browser): a Check whose code changes
the interpreter (through ``random._os.sys``: a file may not import ``sys``) leaves it as it
found it, and the next right answer passes; the recursion limit is kept at ``DEPTH``, and a
learner's code asking for more is told so, and hypothesis, which asks for 2000 more, is not."""

import os
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.exercises import apart
from tinygrad_edu.viz import playground
from tinygrad_edu.viz.playground import DEPTH, check_json

RIGHT = "def d_tanh(x, y):\n    return 1 - y * y\n"
MEDDLING = """import math, random
sys = random._os.sys


class Quiet:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


random._os.environ["MEDDLED"] = "1"  # (this ran)
sys.settrace(lambda *args: None)
sys.setprofile(lambda *args: None)
sys.excepthook = sys.displayhook = print
sys.stdout = sys.stderr = Quiet()
sys.path.insert(0, "/nowhere")
sys.modules["math"] = sys.modules["made_up"] = type(math)("math")
math.exp = lambda x: 0.0
math.made_up = 1
frame, depth = sys._getframe(), 0
while frame is not None:
    frame, depth = frame.f_back, depth + 1
sys.setrecursionlimit(depth + 40)  # (too few for the grading: it fails, and only it)
""" + RIGHT


def test_a_check_leaves_the_interpreter_as_it_found_it(monkeypatch):
    monkeypatch.setattr(apart, "APART", False)  # (as in the browser: graded here)
    import math

    names = ("excepthook", "displayhook", "stdout", "stderr", "setrecursionlimit")
    before = {name: getattr(sys, name) for name in names}
    trace, profile, limit, path = sys.gettrace(), sys.getprofile(), sys.getrecursionlimit(), \
        list(sys.path)
    exp = math.exp
    try:
        check_json("d_tanh", MEDDLING, "")
    except RecursionError:
        pass  # (the grading, in too few nested calls: as in the page, only this Check fails)
    assert os.environ.pop("MEDDLED") == "1"
    assert {name: getattr(sys, name) for name in names} == before
    assert (sys.gettrace(), sys.getprofile(), sys.getrecursionlimit()) == (trace, profile, limit)
    assert sys.path == path and sys.modules["math"] is math and "made_up" not in sys.modules
    assert math.exp is exp and not hasattr(math, "made_up")
    assert '"code": 0' in check_json("d_tanh", RIGHT, "")


@pytest.fixture
def capped(monkeypatch):
    """The page's limit, as ``install()`` sets it, for one test."""
    limit = sys.getrecursionlimit()
    monkeypatch.setattr(sys, "setrecursionlimit", playground._capped)
    sys.setrecursionlimit(DEPTH)
    yield
    playground._set_limit(limit)


def test_the_limit_is_kept_and_code_asking_for_more_is_told(capped):
    with pytest.warns(RuntimeWarning, match=f"allows at most {DEPTH} nested calls"):
        exec(compile("import sys\nsys.setrecursionlimit(10**6)\n", playground.FILENAME, "exec"))
    assert sys.getrecursionlimit() == DEPTH
    sys.setrecursionlimit(60)
    assert sys.getrecursionlimit() == 60
    sys.setrecursionlimit(DEPTH)


def test_hypothesis_raising_the_limit_is_capped_without_a_word(capped):
    depths = []

    @settings(max_examples=2, database=None)
    @given(st.integers())
    def test(n):
        depths.append(sys.getrecursionlimit())

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        test()
    assert depths == [DEPTH] * 2 and sys.getrecursionlimit() == DEPTH
