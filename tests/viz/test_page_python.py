"""The live pages' Python kept fit for the next run (``playground.kept`` and ``DEPTH``), here
in CPython (tests/viz/test_live_track.py tries it in a browser): a Check whose code changes
the interpreter (through ``random._os.sys``: a file may not import ``sys``) leaves it as it
found it, and the next right answer passes; the recursion limit is kept at ``DEPTH``, and a
learner's code asking for more is told so, and hypothesis, which asks for 2000 more, is not;
what the learner's code raises ends in a verdict, the page's Stop in none."""

import builtins
import gc
import json
import os
import signal
import sys
import threading
import time
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.exercises import apart
from tinygrad_edu.viz import playground
from tinygrad_edu.viz.playground import ANSWER_FILE, DEPTH, check_json

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
sys.modules["gc"].disable()  # (before, the collector stayed off, and
sys.modules["gc"].set_threshold(0)  # at threshold 0, for every later Check)
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
    collecting, thresholds = gc.isenabled(), gc.get_threshold()
    try:
        check_json("d_tanh", MEDDLING, "")
    except RecursionError:
        pass  # (the grading, in too few nested calls: as in the page, only this Check fails)
    finally:
        now = gc.isenabled(), gc.get_threshold()
        (gc.enable if collecting else gc.disable)()
        gc.set_threshold(*thresholds)
    assert now == (collecting, thresholds)
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


def test_a_limit_the_code_lowers_brings_no_warning_of_hypothesis(capped, monkeypatch, capsys):
    """Before: "HypothesisWarning: The recursion limit will not be reset, since it was changed
    during test execution (from 60 to 2000)", through hypothesis's files, above the verdict
    (it raises the limit by 2000 around each test, which the page keeps at DEPTH)."""
    monkeypatch.setattr(apart, "APART", False)
    lowered = ("import random\nrandom._os.sys.setrecursionlimit(1000)  # (below DEPTH: 60 in "
               "the page)\n\n\n" + RIGHT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert '"code": 0' in check_json("d_tanh", lowered, "")
    said = capsys.readouterr()
    assert "✓ d_tanh passed" in said.out and "Warning" not in said.out + said.err, said
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("raised, said", [
    ("GeneratorExit", "GeneratorExit"), ("BaseException('boom')", "BaseException: boom"),
    ("KeyboardInterrupt", "KeyboardInterrupt")])
@pytest.mark.parametrize("where", ["in the answer", "at the top"])
def test_what_the_learner_raises_is_the_answers_error(monkeypatch, capsys, raised, said, where):
    """Whatever the learner's code raises, a KeyboardInterrupt or a GeneratorExit of its own,
    ends in a verdict that says what it did at its line, and what that does to a process
    (issue 66: a raw traceback, "Stopped."; then, "which ends the process
    it is graded in on your machine: does your answer end Python, or fill the memory?")."""
    monkeypatch.setattr(apart, "APART", False)
    source, line, function = (
        (f"def d_tanh(x, y):\n    raise {raised}\n", 2, "d_tanh") if where == "in the answer"
        else (f"raise {raised}\n{RIGHT}", 1, "<module>"))
    answer = json.loads(check_json("d_tanh", source, ""))
    out = capsys.readouterr().out
    assert answer["code"] == 1 and json.loads(answer["progress"])["exercises"]["d_tanh"] == {
        "attempts": 1, "passed": False}
    shown = f"raise {raised}"
    did = (f"raised {said} at your answer, line {line}, in {function} ({shown}): " + (
        "a KeyboardInterrupt that nothing catches ends a program, as Ctrl-C does" if raised ==
        "KeyboardInterrupt" else f"an exception that is not an Exception (a {said.split(':')[0]}"
        ") is not caught as an answer's error, and ends a program"))
    out_of_it = ("take that line out, or put it under if __name__ == \"__main__\": (which "
                 "grading does not run)" if function == "<module>" else "take that line out: "
                 "an answer returns its result")
    assert out.startswith(f"✗ d_tanh: your code {did}, so on your machine the process it is "
                          f"graded in ends there, with no verdict: {out_of_it}"), out
    assert '"code": 0' in check_json("d_tanh", RIGHT, "")


def _answers(frame, function: str) -> bool:
    """Whether ``frame`` runs ``function`` of the learner's answer (not the grader's own
    function of that name, its reference: a Stop sent while a trace function of the
    grader's is called for the reference is the grader's work, told with no line; CI, once)."""
    return frame.f_code.co_name == function and frame.f_code.co_filename == ANSWER_FILE


def stop_once_in(function: str, timeout_s: float = 120.0, own_s: float = 15.0) -> None:
    """SIGINT to this process, as the page's Stop, once its main thread runs ``function``
    of the learner's answer; none if it is never seen to (a SIGINT sent then would land
    outside the Check and end the test run: an xdist worker crashed so, on a loaded machine,
    before). For ``own_s`` seconds it waits for ``function``'s own line to run, then takes
    ``function`` anywhere in the main thread's calls (a watch of the grader's called from
    it: ``test_a_stop_that_lands_in_a_watch_of_the_graders_ends_the_check_there``'s path):
    in a loop the grader watches line by line, the watch has most of the time, and a
    sampler that waited for the learner's own line alone once took 131 s of a CI run, the
    last file's, where it takes 1-3 s."""
    main, started = threading.main_thread().ident, time.monotonic()
    while time.monotonic() - started < timeout_s:
        frame = sys._current_frames().get(main)
        if frame is not None and time.monotonic() - started > own_s:
            while frame is not None and not _answers(frame, function):
                frame = frame.f_back
        if frame is not None and _answers(frame, function):
            os.kill(os.getpid(), signal.SIGINT)
            return
        time.sleep(0.001)


def stop_once_above(function: str, timeout_s: float = 120.0) -> None:
    """SIGINT to this process once its main thread runs code above ``function`` of the
    learner's answer (called from it: a watch of the grader's on the learner's line); none
    if it is never seen to."""
    main, waited = threading.main_thread().ident, 0.0
    while waited < timeout_s:
        frame = sys._current_frames().get(main)
        if frame is not None and not _answers(frame, function):
            while frame is not None and not _answers(frame, function):
                frame = frame.f_back
            if frame is not None:
                os.kill(os.getpid(), signal.SIGINT)
                return
        time.sleep(0.0005)
        waited += 0.0005


def _sent_again():
    """The page's answer to a Stop dropped in a callback (``js.pageDropped``): it sends it
    again (a timer, as the page's worker message comes after the callback is done)."""
    threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT)).start()


def test_a_stop_that_lands_in_a_watch_of_the_graders_ends_the_check_there(monkeypatch,
                                                                         capsys):
    """The page's Stop that comes while the grader's line watch looks at the learner's
    line (most of a loop's time) is raised at the learner's next line, as the time limit's
    is: before, the watch's guard swallowed it, the loop ran on to the 5 s limit, and its
    verdict was recorded as an attempt."""
    from tinygrad_edu.viz import page_python

    told = []
    monkeypatch.setattr(page_python, "_HEARD", [told.append], raising=False)
    monkeypatch.setattr(page_python, "_DROPPED", [_sent_again])  # (as the page does: a Stop
    # that lands in a garbage collection's callback, hypothesis's, is dropped there)
    monkeypatch.setattr(apart, "APART", False)
    assert '"code": 0' in check_json("d_tanh", RIGHT, "")
    capsys.readouterr()
    timer = threading.Thread(target=stop_once_above, args=("d_tanh",))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # (the sampler sees the main thread often, wherever it is:
    timer.start()  # under load, a switch every 5 ms came in the loop's own line, never in
    started = time.monotonic()  # the watch, and the Stop was not sent before the limit)
    try:
        answer = json.loads(check_json("d_tanh", "def d_tanh(x, y):\n    while True:\n"
                                                 "        pass\n", ""))
    finally:
        timer.join()
        sys.setswitchinterval(interval)
    assert answer == {"code": 1, "progress": ""} and time.monotonic() - started < 4
    assert told and told[0].startswith("It was at your answer, line ")


def test_the_pages_stop_is_no_verdict(monkeypatch, capsys):
    """The page's Stop (SIGINT, which a Check has raise ``PageStop``) ends the Check with
    where the code was, no verdict and nothing recorded; and the page is told it was heard
    (``page_python.heard``: what Python does next is its own work)."""
    from tinygrad_edu.viz import page_python

    told = []
    monkeypatch.setattr(page_python, "_HEARD", [told.append], raising=False)
    monkeypatch.setattr(page_python, "_DROPPED", [_sent_again])  # (as the page does: a Stop
    # that lands in a garbage collection's callback, hypothesis's, is dropped there)
    monkeypatch.setattr(apart, "APART", False)
    assert '"code": 0' in check_json("d_tanh", RIGHT, "")  # (the grader imported)
    assert not told
    capsys.readouterr()
    timer = threading.Thread(target=stop_once_in, args=("d_tanh",))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # (the sampler sees the main thread often: under load, a
    timer.start()  # 5 ms switch came in the grader's line watch, never in d_tanh itself, and
    try:  # the Stop was not sent before the limit; a Stop sent at a fixed time could land
        answer = json.loads(check_json("d_tanh", "def d_tanh(x, y):\n    while True:\n"
                                                 "        pass\n", ""))  # before the loop)
    finally:
        timer.join()
        sys.setswitchinterval(interval)
    out = capsys.readouterr().out
    assert answer == {"code": 1, "progress": ""} and out == ""
    # where it was, told with the Stop heard (the page says it after its "Stopped:"; before,
    # printed above it)
    assert told in (["It was at your answer, line 2, in d_tanh  (while True:)\n"],  # (where
                    ["It was at your answer, line 3, in d_tanh  (pass)\n"])  # the loop was)


DROPPED_THERE = """import _thread

stopped = []


class Node:
    def __del__(self, stopped=stopped):  # (the Stop lands here, once: as a Node is freed)
        if not stopped:
            stopped.append(1)
            _thread.interrupt_main()


n = 0
while n < 3 * 10 ** 6:
    node = Node()
    n += 1
print("ran on to", n)
"""


@pytest.fixture
def pages_sigint():
    """SIGINT handled as the page's Python handles it, by Python's own handler: a test run
    started in the background by a shell, as .ci/run starts one, inherits it ignored (and
    passed here only where a test before it in the same process had set it)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_a_stop_that_lands_in_a_del_is_sent_again_and_stops_the_loop(monkeypatch, capsys,
                                                                     pages_sigint):
    """The page's Stop that Python handles as it runs a ``__del__`` (or a weakref's
    callback, or a garbage collection's) raises there, where Python drops the exception
    ("Exception ignored in ..."): the loop went on, and the page ended its worker 2 s later,
    "it did not stop when interrupted" (a Stop lost as Pyodide reads for one is another
    matter: docs/hooks/live.py's signal_taken). Now the page is told it was dropped and sends it
    again (here, a SIGINT 10 ms later, as the page's would be): the loop is stopped at its
    line, and no "Exception ignored" is printed."""
    from tinygrad_edu.viz import page_python

    told, asked, ended = [], threading.Event(), threading.Event()

    def page():  # (the page, in a thread of its own: told, it sends the Stop again)
        while asked.wait(30) and not ended.is_set():
            asked.clear()
            ended.wait(0.01)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(page_python, "_DROPPED", [lambda: (told.append("dropped"), asked.set())],
                        raising=False)
    monkeypatch.setattr(page_python, "_HEARD", [lambda where: told.append("heard")])
    sends = threading.Thread(target=page)
    sends.start()
    try:
        shown = playground.run(DROPPED_THERE)
    finally:
        ended.set()
        asked.set()
        sends.join()
    out, err = capsys.readouterr()
    assert "ran on to" not in out and "Exception ignored" not in err, (out, err)
    assert told[0] == "dropped" and told[-1] == "heard"
    assert shown.note.startswith("The code was stopped on line 1") and \
        err.endswith("KeyboardInterrupt\n"), (shown.note, err)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


KEPT = """

class Kept:
    def __del__(self):
        print("let go of")


kept = Kept()  # (a learner's own test keeps, say, a chain of Values to the end of the file)
"""


def test_what_the_code_keeps_is_let_go_of_at_the_end_of_its_check_or_run(monkeypatch, capsys,
                                                                         pages_sigint):
    """What the code keeps to its end (a chain of 100,000 Values, say) is freed before its
    Check or Run is over, within the stack the learner's code ran in (``page_python.let_go``):
    freed later, by the garbage collector wherever it runs (a function's namespace holds
    it, and the function its namespace), it took the page's Python down (issue 66). The
    page frees it so; here, with the garbage collector off, it is freed at all only so.
    The page's Stop (or its 120 s limit) landing as the Check frees it is let go of, the
    verdict as it was: before, ``PageStop`` came out of the Check, a raw traceback through
    let_go in the page ("Stopped.") and the page's Python half put back (its folder, the
    progress file's name)."""
    import gc

    from tinygrad_edu.viz import page_python

    monkeypatch.setattr(apart, "APART", False)  # (as in the browser: graded here)
    emptied = page_python._emptied

    def stopped_there(namespace):
        signal.raise_signal(signal.SIGINT)  # (the Stop lands as the namespace is freed)
        emptied(namespace)

    monkeypatch.setattr(page_python, "_emptied", stopped_there)
    here = os.getcwd()
    gc.collect()
    gc.disable()
    try:
        try:
            answer = check_json("d_tanh", RIGHT + KEPT, "")
        except KeyboardInterrupt as stop:
            pytest.fail(f"the Stop came out of the Check: {stop!r}")
        finally:
            os.chdir(here)
        assert '"code": 0' in answer
        assert capsys.readouterr().out.endswith("let go of\n")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        monkeypatch.setattr(page_python, "_emptied", emptied)
        playground.run(RIGHT + KEPT)
        assert capsys.readouterr().out == "let go of\n"
    finally:
        gc.enable()


def test_streams_the_code_took_away_still_show_its_verdict(monkeypatch, capsys):
    """``sys.stdout = None`` in the file (through typing.sys): before, "Passed" and an empty
    box in the page, the verdict printed to nothing (an independent learner's walk, issue
    66); the command line, whose learner's process is not the grader's, printed it."""
    monkeypatch.setattr(apart, "APART", False)  # (as in the browser: graded here)
    taken = "import typing\n\ntyping.sys.stdout = None\ntyping.sys.stderr = None\n\n\n"
    assert '"code": 0' in check_json("d_tanh", taken + RIGHT, "")
    assert capsys.readouterr().out.startswith("✓ d_tanh passed")


def test_a_builtin_the_code_replaced_still_shows_its_verdict(monkeypatch, capsys):
    """``builtins.print = 5`` in the file (through typing.sys.modules): before, the page
    showed its own traceback, "in _check: print(f"{verdict}\\n") ... TypeError: 'int' object
    is not callable", for a verdict (an independent learner's walk, issue 66)."""
    monkeypatch.setattr(apart, "APART", False)  # (as in the browser: graded here)
    taken = "import typing\n\ntyping.sys.modules['builtins'].print = 5\n\n\n"
    assert '"code": 0' in check_json("d_tanh", taken + RIGHT, "")
    assert capsys.readouterr().out.startswith("✓ d_tanh passed")
    assert callable(builtins.print)  # (the page's Python put back, as after any Check)


def test_an_error_a_del_raises_is_said_once_in_a_line(monkeypatch, capsys):
    """A ``__del__`` that raises, run on each object freed: before, Python's traceback for
    each (100 KB of them in the page, on the grader's copies of a Value made without
    ``__init__``: an independent learner's walk, issue 66); one line now, with its line."""
    monkeypatch.setattr(apart, "APART", False)  # (as in the browser: graded here)
    bad = "\n\nclass Bad:\n    def __del__(self):\n        self.data\n\n\nfor _ in range(100):\n" \
          "    Bad()\n"
    assert '"code": 0' in check_json("d_tanh", RIGHT + bad, "")
    said = capsys.readouterr()
    assert said.out.startswith("✓ d_tanh passed"), said.out
    assert said.err == ("your answer, line 7, in __del__: AttributeError: 'Bad' object has no "
                        "attribute 'data' (an error Python ignored, raised in Bad.__del__: "
                        "Python runs __del__ as it frees an object, the grader's copies of "
                        "yours too, and goes on; it is said once here, however often it "
                        "came)\n"), said.err


def test_what_only_a_cycle_holds_is_freed_by_its_own_check(monkeypatch, capsys):
    """Objects of the code's that only a cycle holds are freed at the end of its Check (the
    garbage collector, run within the stack of ``let_go``): before, at the collector's next
    run, anywhere: in the next Check, whose output then said the __del__ of this one."""
    import gc

    monkeypatch.setattr(apart, "APART", False)  # (as in the browser: graded here)
    cycle = "\n\nclass Bad:\n    def __del__(self):\n        self.data\n\n\nbad = Bad()\n" \
            "bad.me = bad\n"
    gc.collect()
    gc.disable()
    try:
        assert '"code": 0' in check_json("d_tanh", RIGHT + cycle, "")
        assert capsys.readouterr().err.startswith("your answer, line 7, in __del__: ")
    finally:
        gc.enable()


LOW_LIMIT = """import typing
frame, depth = typing.sys._getframe(), 0
while frame:
    frame, depth = frame.f_back, depth + 1
typing.sys.setrecursionlimit(depth + 12)
"""


@pytest.mark.parametrize("change, line, did", [
    (LOW_LIMIT, "typing.sys.setrecursionlimit(depth + 12)", "set the recursion limit to "),
    ("import math\nmath.exp = lambda x: 0.0\n", "math.exp = lambda x: 0.0",
     "replaced math.exp, which the grader computes with too"),
    ("import typing\nimport math\nsetattr(typing.sys.modules['math'], 'exp', abs)\n",
     "setattr(typing.sys.modules['math'], 'exp', abs)", "replaced math.exp")])
def test_what_the_code_changed_in_the_graders_python_is_said_at_its_line(
        monkeypatch, capsys, change, line, did):
    """A recursion limit lowered, a name of math replaced: the grader shares the page's
    Python, and its own code fails. Before: "grading it, it raised
    RecursionError: maximum recursion depth exceeded, which ends the process it is graded in
    on your machine: does your answer end Python, or fill the memory?", no line."""
    from tests.exercises.gpt_answers import RIGHT as TRACK

    monkeypatch.setattr(apart, "APART", False)
    source = change + "\n\n" + TRACK
    number = source.splitlines().index(line) + 1
    answer = json.loads(check_json("softmax", source, ""))
    out = capsys.readouterr().out
    assert answer["code"] == 1, out
    assert out.startswith("✗ softmax: grading it, the grader's own code raised "), out
    assert f", as your code at your answer, line {number} ({line}) {did}" in out, out
    assert "here your code and the grader share this page's Python" in out, out
    assert "does your answer end Python" not in out, out
    assert '"code": 0' in check_json("softmax", TRACK, "")  # (put back after the Check)


@pytest.mark.parametrize("change, did", [
    ("del typing.sys.modules['builtins'].isinstance",
     "deleted the builtin isinstance, which the grader uses too"),
    ("typing.sys.modules['builtins'].type = None",
     "replaced the builtin type, which the grader uses too"),
    ("typing.sys.modules['builtins'].ValueError = None", "replaced the builtin ValueError")])
def test_a_builtin_the_grader_uses_changed_is_said_at_its_line(monkeypatch, capsys, change,
                                                               did):
    """Before: "Stopped." and the grader's own traceback (NameError: name
    'isinstance' is not defined), or "running the file raised TypeError: signal handler must
    be ...", with no line."""
    monkeypatch.setattr(apart, "APART", False)
    names = dict(vars(builtins))
    answer = json.loads(check_json("d_tanh", f"import typing\n{change}\n\n\n{RIGHT}", ""))
    out = capsys.readouterr().out
    assert answer["code"] == 1, out
    assert out.startswith("✗ d_tanh: grading it, the grader's own code raised "), out
    assert f", as your code at your answer, line 2 ({change}) {did}" in out, out
    assert all(vars(builtins).get(name) is value for name, value in names.items())  # (put
    # back: the page's next Check passes, as its session checks)


def test_the_time_limit_puts_its_signal_handler_back_whatever_the_builtins(monkeypatch,
                                                                        capsys):
    """Before, the limit gave back SIGALRM's old handler through ``signal.signal``, which
    turns ``Handlers.SIG_DFL`` with ``int()``: after ``int = None`` that raised "signal
    handler must be ...", the grader's handler stayed set, and the next grading with the same
    code passed (a verdict that hung on the Check before)."""
    import signal

    monkeypatch.setattr(apart, "APART", False)
    before = signal.getsignal(signal.SIGALRM)
    for _ in range(2):
        answer = json.loads(check_json(
            "d_tanh", f"import typing\ntyping.sys.modules['builtins'].int = None\n{RIGHT}", ""))
        out = capsys.readouterr().out
        assert answer["code"] == 0, out
        assert signal.getsignal(signal.SIGALRM) == before


def test_an_import_path_the_code_emptied_is_put_back_and_the_answer_graded(monkeypatch,
                                                                         capsys):
    """``sys.path.clear()`` at the top of a right answer: the page said "grading it, it
    raised ValueError: list.remove(x): x not in list, which ends the process it is graded
    in on your machine", with no line, where the command line passes the same file (the
    loader took its folder off the path it had emptied). Now the path is put back as it
    was, and the answer passes here as there."""
    from tests.exercises.gpt_answers import RIGHT as TRACK

    monkeypatch.setattr(apart, "APART", False)
    path = list(sys.path)
    answer = json.loads(check_json(
        "linear", "import random\nrandom._os.sys.path.clear()\n\n" + TRACK, ""))
    out = capsys.readouterr().out
    assert answer["code"] == 0, out
    assert out.startswith("✓ linear passed"), out
    assert sys.path == path


@pytest.mark.parametrize("change", ["typing.sys.modules.clear()",
                                    "typing.sys.modules['math'] = None"])
def test_modules_the_code_took_out_are_put_back_before_the_grader_goes_on(monkeypatch, capsys,
                                                                          change):
    """``typing.sys.modules.clear()`` above a right answer: the page said "Stopped." and its
    own traceback (AttributeError: module 'sys' has no attribute 'builtin_module_names'), in
    CPython "the grader's own code raised AttributeError: module 'sys' has no attribute
    'warnoptions', as your code replaced math.acos"; the modules are now put back as the
    file's code ends, as the builtins are, and the answer is graded."""
    from tests.exercises.gpt_answers import RIGHT as TRACK

    monkeypatch.setattr(apart, "APART", False)
    modules = dict(sys.modules)
    answer = json.loads(check_json("linear", f"{TRACK}\n\nimport typing\n{change}\n", ""))
    out = capsys.readouterr().out
    assert answer["code"] == 0, out
    assert out.startswith("✓ linear passed"), out
    assert all(sys.modules.get(name) is module for name, module in modules.items())


@pytest.mark.parametrize("change, line, raised", [
    ("random._os.sys.modules['math'] = None", "undefined_name",
     "NameError: name 'undefined_name' is not defined"),
    ("random._os.sys.modules.clear()", "1 / 0", "ZeroDivisionError: division by zero")])
def test_a_module_the_code_took_out_leaves_the_files_own_error(monkeypatch, capsys, change,
                                                                line, raised):
    """A module the grader computes with taken out of ``sys.modules`` (set to None, or all
    of them cleared), then an error at the file's top: the page said "Stopped." and the
    grader's own traceback (AttributeError: 'NoneType' object has no attribute '__dict__',
    as it looked at what the code changed); the command line names the file's error at its
    line, and now so does the page."""
    monkeypatch.setattr(apart, "APART", False)
    answer = json.loads(check_json("linear", f"import math, random\n{change}\n{line}\n", ""))
    said = capsys.readouterr()
    assert answer["code"] == 1, said
    assert said.err.startswith(f"your answer, line 3: running the file raised {raised}"), said


def test_the_importers_emptied_are_said_at_their_line():
    """``typing.sys.meta_path.clear()``: in the page, the grader's next import failed (before,
    "grading it, it raised ValueError: list.remove(x): x not in list, which
    ends the process it is graded in on your machine", no line); in CPython the grading
    imports nothing more, so the error is made here."""
    from pathlib import Path

    from tinygrad_edu.exercises.ended_here import Shared, ended_here

    before, finders = Shared.now(), list(sys.meta_path)
    sys.meta_path.clear()
    try:
        changed = before.changed()
    finally:
        before.put_back()
    assert sys.meta_path == finders
    source = "import typing\ntyping.sys.meta_path.clear()\n"
    said = str(ended_here(ValueError("list.remove(x): x not in list"), Path("your answer"),
                          source, changed))
    assert said.startswith("grading it, the grader's own code raised ValueError: list.remove("
                           "x): x not in list, as your code at your answer, line 2 (typing.sys."
                           "meta_path.clear()) emptied sys.meta_path (the importers), which "
                           "the grader imports with too: "), said


def test_what_a_del_prints_while_the_grader_frees_its_copies_does_not_come_before_the_verdict(
        monkeypatch, capsys):
    """A ``__del__`` that prints, run as the grader frees its copies of the learner's Values:
    before, about 100 "freed ..." lines above "✓ node passed". What the
    code prints in a call the grader makes is not shown (its verdict says it where it
    matters); what it prints meanwhile, outside those calls, is not either. What its top
    level prints still is, before the verdict, as the command line prints it."""
    from tests.exercises.gpt_answers import RIGHT as TRACK

    monkeypatch.setattr(apart, "APART", False)
    printing = TRACK.replace("class Value:\n", "class Value:\n    def __del__(self):\n"
                             "        print('freed', self.data)\n\n", 1)
    assert printing != TRACK
    answer = json.loads(check_json("node", "print('top level')\n" + printing, ""))
    out = capsys.readouterr().out
    assert answer["code"] == 0, out
    assert out.startswith("top level\n✓ node passed"), out[:500]  # (what frees its copies
    # after the verdict is printed, Python's garbage collector as it runs, may print there)


def test_the_lines_that_let_go_outside_a_loop_are_found():
    """``page_python._releases``: the lines a page's run keeps what they let go of until its
    end (``del y`` of a chain each Value of which holds the one before through a list of its
    own took the page's Python down); not the lines in a loop, which run
    again and again (what they let go of, kept, could fill the memory)."""
    from tinygrad_edu.viz.page_python import _releases

    source = ("class V:\n    pass\n\n\ny = V()\nfor i in range(3):\n    y = V()\n"
              "while False:\n    del y\ndel y\nif True:\n    w = 1\n")
    assert _releases(compile(source, "f", "exec")) == {1: {"V"}, 5: {"y"}, 10: {"y"},
                                                        12: {"w"}}



def test_memory_past_what_a_learners_process_may_take_is_said_as_there():
    """The page's top level that took more memory than a learner's process may take on a
    computer, stopped by the time limit: told it ran out of memory at its line, as there
    (test_live_verdicts.py tries it in Chromium); outside Pyodide the memory is not read."""
    from tinygrad_edu.exercises.apart import grew_past
    from tinygrad_edu.exercises.learner import sandbox
    from tinygrad_edu.viz import page_python

    assert page_python.MORE_MEMORY == sandbox.MORE_MEMORY
    assert page_python.memory_bytes() is None
    assert grew_past("your answer, line 3", 3 * 2 ** 30, 5, "big.append([0.0] * 10**6)") == (
        "your answer, line 3: running the file ran out of memory: in its 5 s it took 3.0 GB "
        "more, past the 1 GB more a learner's process may take on your machine (there, "
        "MemoryError at this line), and it was stopped: this line asks for more and more (a "
        "list that grows without end, or one far too big); keep only what the file needs\n"
        "    big.append([0.0] * 10**6)")
