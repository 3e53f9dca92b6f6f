"""The steps of the exercises page's session (test_live_pages.py's ``test_the_exercises``)
that try to take the page's Python down, each followed by a Check that passes: Stop while
Python loads and while the grader is prepared, a crash, code that will not stop or never gives
Python control back (a loop in JavaScript, a huge built-in call), endless loops and
recursion, a Check that changed the page's Python, a long chain freed, the memory filled, a
garbled answer, the process exited, the worker closed or left busy. The order they are taken
in, with the other steps: live_exercises.py's ``EXERCISES_STEPS``."""

import re
import time

from tests.exercises.gpt_answers import RIGHT as GPT
from tests.exercises.gpt_answers import with_slip
from tests.viz.live import (
    CHAIN,
    DICT_CHAIN,
    KILLER,
    LISTED_CHAIN,
    LOAD_S,
    VERDICT_SHOWN,
    check,
    definition,
    on_a_phone,
)
from tests.viz.test_page_python import MEDDLING, RIGHT


def exercises_stop_while_python_loads_blames_no_code(exercises, capsys):
    """Before: 'A solution that loops forever is the usual cause', where none had run (an
    independent learner's walk: Check on a fresh page, then Stop)."""
    assert not exercises.evaluate("/is ready/.test(document.getElementById('state')"
                                  ".textContent)")
    exercises.fill("#code", "def d_tanh(x, y):\n    return 1 - y * y\n")
    exercises.click("#check")
    exercises.click("#stop")
    exercises.wait_for_function("!document.getElementById('check').disabled")
    assert exercises.text_content("#output") == (
        "Stopped while Python was loading: none of your code ran, and your code is kept. "
        "Press Check to grade it.\n")
    assert exercises.text_content("#state") == "Stopped."


def exercises_the_first_check_prepares_the_grader_and_stop_there_is_one_line(exercises,
                                                                             capsys):
    """Before: "stopped in 120 s" alone while the grader was imported (8-18 s), a Stop then
    showed a traceback through hypothesis's imports, and the next Check could fail
    ("module 'hypothesis' has no attribute 'core'")."""
    exercises.wait_for_function("/is ready/.test(document.getElementById('state')"
                                ".textContent)", timeout=LOAD_S * 1000)
    exercises.fill("#code", "def d_tanh(x, y):\n    return 1 - y * y\n")
    exercises.click("#check")
    assert exercises.text_content("#state").startswith(
        "Preparing the grader (about 10 s, once), then grading…")
    time.sleep(0.3)
    exercises.click("#stop")
    exercises.wait_for_function("!document.getElementById('check').disabled")
    assert exercises.text_content("#output") == ("Stopped: you pressed Stop. "
                                                 "Your code is kept.\n")  # (before, "Stopped:
    # stopped with the Stop button.", a fourth tester's walk)


def exercises_after_a_crash_the_grader_is_prepared_again_not_once(exercises, capsys):
    """Python dies before any Check has ended: the next Check prepares the grader again, and
    says so (before, "Preparing the grader (about 10 s, once)", as the
    first Check had said). Python's death is said in the console: "crashed". The Check that
    dies comes after one stopped as it prepared the grader (the step before): it says it
    prepares it again, not "once"."""
    exercises.fill("#code", KILLER)
    exercises.click("#check")  # (after the step before's Stop, which the grader's imports
    # kept: they were forgotten, and are made again; before, "(about 10 s, once)" again, a
    # fourth tester's walk)
    assert exercises.text_content("#state").startswith(
        "Preparing the grader again (a few seconds: the Check that prepared it was stopped), "
        "then grading…"), exercises.text_content("#state")
    exercises.wait_for_function("!document.getElementById('check').disabled && /started "
                                "again/.test(document.getElementById('state').textContent)",
                                timeout=LOAD_S * 1000)
    assert exercises.text_content("#output").startswith("Python in this page stopped working")
    exercises.fill("#code", RIGHT)
    exercises.click("#check")
    assert exercises.text_content("#state").startswith(
        "Preparing the grader again (about 10 s: Python was started again), then grading…")
    exercises.wait_for_function("!document.getElementById('check').disabled",
                                timeout=LOAD_S * 1000)
    assert exercises.text_content("#output").startswith("✓ d_tanh passed")
    exercises.evaluate("localStorage.removeItem('tinygrad_edu.exercises.progress')")  # (the
    return "crashed"  # next step counts the attempts from none: this pass is not its own)


def exercises_end_code_that_will_not_stop(exercises, capsys):
    """A solution that catches the interrupt: its worker is ended, and a new one loads."""
    stubborn = ("def d_tanh(x, y):\n    while True:\n        try:\n            while True:\n"
                "                pass\n        except BaseException:\n            pass\n")
    exercises.fill("#code", stubborn)
    exercises.click("#check")
    exercises.wait_for_function("/^Grading…/.test(document.getElementById('state').textContent)")
    exercises.wait_for_timeout(1000)  # (in its loop: a Stop before it, while the grader draws
    exercises.click("#stop")  # its inputs, ends the Check there, rightly said as a plain stop)
    exercises.wait_for_function("!document.getElementById('check').disabled", timeout=10_000)
    assert exercises.text_content("#output").endswith(
        "Stopped: you pressed Stop; it did not stop when interrupted. A solution "
        "that loops forever is the usual cause. Python was started again; your code is kept.\n")
    assert exercises.text_content("#state") == "Stopped."
    assert exercises.input_value("#code") == stubborn
    the_next_check_prepares_the_grader_again(exercises)


SLOW_TO_FREE = ("class Slow:\n    def __del__(self):  # (freed after the Stop: 10 s and more)\n"
                "        for _ in range(10 ** 9):\n            pass\n\n\nkept = Slow()\n\n\n"
                "def d_tanh(x, y):\n    while True:\n        pass\n")


def exercises_a_stop_heard_then_slow_to_free_is_said_so(exercises, capsys):
    """The code stopped at the Stop, and freeing what it kept took Python past the page's
    grace (a list that grew in a loop without end; here, a slow __del__): before, "it did
    not stop when interrupted. A solution that loops forever is the usual cause", under
    the stop's own "It was at your answer, line 12"."""
    exercises.fill("#code", SLOW_TO_FREE)
    exercises.click("#check")
    exercises.wait_for_function("/^Grading…/.test(document.getElementById('state').textContent)")
    exercises.wait_for_timeout(1000)  # (in its loop, as above)
    exercises.click("#stop")
    exercises.wait_for_function("!document.getElementById('check').disabled", timeout=10_000)
    said = exercises.text_content("#output")
    assert said.endswith(  # (where it was, after "Stopped:"; before, above it)
        "Stopped: you pressed Stop; your code stopped, but what it had made took "
        "Python more than 2 s to let go of (a list that grew in a loop without end, say).\n"
        "It was at your answer, line 12, in d_tanh  (pass)\n"
        "Python was started again; your code is kept.\n") or said.endswith(
        "say).\nIt was at your answer, line 11, in d_tanh  (while True:)\n"
        "Python was started again; your code is kept.\n"), said
    the_next_check_prepares_the_grader_again(exercises)


JS_LOOP = "import random\n\njs = random._os.sys.modules['js']\njs.eval('while (true) {}')\n"


def exercises_end_code_that_never_gives_control_back(exercises, capsys):
    """A loop in JavaScript called from Python: Python never reads the time limit's signal,
    and the page ends its worker GRACE_S (2 s) after the limit, saying why at the line (before,
    "it is stopped in 0 s" until the Check's 120 s, then "it did not stop when
    interrupted. A solution that loops forever is the usual cause")."""
    exercises.fill("#code", JS_LOOP + "\n\n" + RIGHT)
    started = time.perf_counter()
    exercises.click("#check")
    exercises.wait_for_function("/your code has run 2 s without finishing/"
                                ".test(document.getElementById('state').textContent)",
                                timeout=LOAD_S * 1000)
    ran = time.perf_counter()
    exercises.wait_for_function("!document.getElementById('check').disabled", timeout=20_000)
    assert time.perf_counter() - ran < 8, time.perf_counter() - started
    assert exercises.text_content("#output").endswith(
        "Stopped: your code did not give control back within 7 s (the 5 s limit, then 2 s "
        "more): it reaches JavaScript at line 4 (js.eval('while (true) {}')), and a loop in "
        "JavaScript called from Python (js.eval) cannot be stopped from Python, so the page "
        "ended it and started Python again. Your code is kept, and this attempt does not "
        "count.\n")
    assert exercises.text_content("#state") == "Stopped."
    the_next_check_prepares_the_grader_again(exercises)


def exercises_a_huge_builtin_call_is_named_at_its_line(exercises, capsys):
    """What the page says when code at a line with a huge number never gave control back
    (the path above, told by verdicts.js; before, sum(range(10 ** 12)) was
    "one step that runs outside Python's own loop (a loop in JavaScript ...)", no line), and
    after a Stop it did not hear (live.js's words, the playground's too: before, no line).
    Asked of the page's own functions: the real path takes 7 s and a new worker."""
    said = exercises.evaluate("source => window.tinygradVerdicts.unanswered("
                              "{limit: 5, after: 7}, source)",
                              RIGHT + "\n\nn = sum(range(10 ** 12))  # all of them\n")
    assert said == (
        "Stopped: your code did not give control back within 7 s (the 5 s limit, then 2 s "
        "more): most likely line 5 (n = sum(range(10 ** 12))): one call of a built-in function "
        "on a huge input runs outside Python's own loop, and cannot be stopped from Python, "
        "so the page ended it and started Python again. Your code is kept, and this attempt "
        "does not count."), said
    for source in (RIGHT + "\nn = sum(range(10 ** 6))\n",  # (small: nothing to name)
                   RIGHT + "\na = 10 ** 9\nb = 10 ** 9\n"):  # (two lines: which?)
        assert "most likely" not in exercises.evaluate(
            "source => window.tinygradVerdicts.unanswered({limit: 5, after: 7}, source)", source)
    said = exercises.evaluate("source => window.tinygradLive.neverGaveBack(source)",
                              RIGHT + "\n\nn = sum(range(10 ** 12))\n")  # (what a Stop then
    assert said == (", and your code never gave Python control back to be interrupted: most "
                    "likely line 5 (n = sum(range(10 ** 12))): one call of a built-in function "
                    "on a huge input runs outside Python's own loop, and cannot be stopped "
                    "from Python, so the page ended it"), said  # says, as the playground's)


def the_next_check_prepares_the_grader_again(exercises):
    exercises.fill("#code", RIGHT)  # (in the new Python: before, "Preparing
    exercises.click("#check")  # the grader (about 10 s, once)" after every restart)
    exercises.wait_for_function("/^Preparing/.test(document.getElementById('state')"
                                ".textContent)", timeout=LOAD_S * 1000)
    assert exercises.text_content("#state").startswith(
        "Preparing the grader again (about 10 s: Python was started again), then grading…")
    exercises.wait_for_function("!document.getElementById('check').disabled",
                                timeout=LOAD_S * 1000)
    assert exercises.text_content("#output").startswith("✓ d_tanh passed")


def exercises_an_endless_loop_is_stopped_after_the_promised_5_s(exercises, capsys):
    started = time.perf_counter()
    verdict = check(exercises, "def d_tanh(x, y):\n    while True:\n        try:\n"
                               "            pass\n        except Exception:\n            pass\n")
    assert time.perf_counter() - started < 8  # (before: "Grading…" for 120 s)
    assert "✗ d_tanh: not yet." in verdict and "your function did not finish" in verdict
    assert "still running after 5 s on this input, so it was stopped" in verdict
    assert "in your answer, line" in verdict


def exercises_a_loop_at_the_top_level_is_stopped_too_with_a_countdown(exercises, capsys):
    """The file's own code runs within 5 s too (before: "Grading…" for 120 s), and the
    state counts down to the stop."""
    exercises.fill("#code", "def d_tanh(x, y):\n    return 1 - y * y\n\nn = 0\nwhile True:\n"
                            "    n += 1\n")
    started = time.perf_counter()
    exercises.click("#check")
    exercises.wait_for_function("/your code has run 2 s without finishing: it is stopped in "
                                "3 s$/.test(document.getElementById('state').textContent)")
    exercises.wait_for_function("!document.getElementById('check').disabled")
    assert time.perf_counter() - started < 10
    verdict = exercises.text_content("#output")
    assert verdict.startswith("your answer, line ") and verdict.split(": ", 1)[1].startswith(
        "running the file did not finish in 5 s, so it was stopped (an endless loop, or a "
        "long one?)")
    assert verdict.rstrip().splitlines()[-1].strip() in ("while True:", "n += 1")


RADD = ("    def __radd__(self, other): return self + other",
        "    def __radd__(self, other): return other + self")  # (2.0 + x: endless)


def exercises_endless_recursion_is_a_verdict_that_names_its_line(exercises, capsys):
    """Before: Pyodide died ("Maximum call stack size exceeded") and loaded again, no
    verdict, and so again at each Check; a raised limit the same, after a long countdown.
    And a GeneratorExit, a KeyboardInterrupt the code raises itself: a verdict too."""
    exercises.select_option("#stage", "node")
    value = definition(with_slip(*RADD), "Value").replace(
        "import math\n", "import math\nimport random\n\nrandom._os.sys.setrecursionlimit(10**6)"
                         "  # (past the import refused)\n", 1)
    line = value.splitlines().index(RADD[1]) + 1
    verdict = check(exercises, value)
    assert re.search(r"your node raised an error:\n    RecursionError: .*\n      in your answer, "
                     f"line {line}, in __radd__", verdict), verdict
    assert "sys.setrecursionlimit(1000000): the Python in this page allows at most " in verdict
    assert exercises.text_content("#state").startswith("Not yet (graded in")
    # what to do, to its end, on screen (before: below the fold at 1280 and 390 px)
    assert "Write it as self + other." in verdict
    assert exercises.evaluate(VERDICT_SHOWN, ["✗ node", "Write it as self + other"])
    verdict = check(exercises, "import sys\n\nsys.setrecursionlimit(20000)\n" + value)
    assert verdict.startswith("your answer, line 1: sys may not be imported by a submission")
    # Whatever the learner raises is a verdict too, the command's (before, issue 66: for
    # GeneratorExit, "Stopped." and the grader's traceback; for KeyboardInterrupt, taken for
    # the page's Stop, no verdict at all)
    value = definition(GPT, "Value")
    grad = "        self.grad = 1\n"
    line = value[:value.index(grad)].count("\n") + 2
    for source, raised, where in (
            (value.replace(grad, grad + "        raise GeneratorExit\n"), "GeneratorExit",
             f"line {line}, in backward"),
            (value.replace(grad, grad + "        raise KeyboardInterrupt\n"),
             "KeyboardInterrupt", f"line {line}, in backward"),
            ("raise BaseException('boom')\n" + value, "BaseException: boom",
             "line 1, in <module>")):
        verdict = check(exercises, source)
        assert verdict.startswith(f"✗ node: your code raised {raised} at your answer, "
                                  f"{where} ("), verdict  # (before: "...,
        assert "so on your machine the process it is graded in ends there" in verdict  # which
        assert "does your answer end Python" not in verdict  # ends the process ...: does your
        # answer end Python, or fill the memory?", no word of what it did)
        assert exercises.text_content("#state").startswith("Not yet (graded in")


def exercises_a_check_starts_from_the_python_the_page_set_up(exercises, capsys):
    """What a Check's code changed in the page's Python (the recursion limit, sys's hooks
    and streams, a module replaced, the import path emptied) is put back (before: every
    later Check "Stopped.", with a RecursionError in copy.deepcopy, until a reload); a
    module taken out of sys.modules leaves the file's own error, as on the command line."""
    exercises.select_option("#exercise", "d_tanh")
    check(exercises, MEDDLING)  # (what it says is lost: its code took the output)
    lowered = check(exercises, "import random\nrandom._os.sys.setrecursionlimit(60)\n\n\n"
                    + RIGHT)  # (before: three HypothesisWarnings above the verdict, through
    assert lowered.startswith("✓ d_tanh passed"), lowered  # /lib/python3.14/site-packages)
    on_a_phone(exercises)
    said = check(exercises, "import typing\ndel typing.sys.modules['builtins'].isinstance\n\n\n"
                 + RIGHT)  # (before, "Stopped." and the grader's traceback,
    assert said.startswith("✗ d_tanh: grading it, the grader's own code raised NameError: "
                           "name 'isinstance' is not defined, as your code at your answer, "
                           "line 2 (del typing.sys.modules['builtins'].isinstance) deleted "
                           "the builtin isinstance, which the grader uses too: "), said
    assert exercises.text_content("#state").startswith("Not yet (graded in")  # NameError:
    assert exercises.evaluate(VERDICT_SHOWN, ["✗ d_tanh", "at your answer, line 2"])  # name
    # 'isinstance' ...); its line and "Take that line out" on screen at 390 px (before: only
    # the verdict's first line was brought there)
    exercises.set_viewport_size({"width": 1280, "height": 900})
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")
    emptied = check(exercises, "import random\nrandom._os.sys.path.clear()\n\n\n" + RIGHT)
    assert emptied.startswith("✓ d_tanh passed"), emptied  # (before: "grading it, it raised
    # ValueError: list.remove(x): x not in list", no line; the command line passes it)
    taken = check(exercises, "import math, random\nrandom._os.sys.modules['math'] = None\n"
                  "undefined_name\n")  # (before: "Stopped." and the grader's traceback)
    assert taken.startswith("your answer, line 3: running the file raised NameError"), taken
    cleared = check(exercises, RIGHT + "\n\nimport typing\ntyping.sys.modules.clear()\n")
    assert cleared.startswith("✓ d_tanh passed"), cleared  # (before: "Stopped." and the
    # page's traceback, AttributeError: module 'sys' has no attribute 'builtin_module_names')
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")


def exercises_a_self_test_that_frees_a_long_chain_gets_its_verdict(exercises, capsys):
    """Before (issue 66): a test of the learner's own at the top of the file that let go of a
    chain of 1,500 objects or more (``del chain``) took the page's Python down: "Python in
    this page stopped working at line 14 of your code (del chain)", no verdict. One the file
    keeps to its end is freed after the Check, before the next. A chain of Values with a
    ``__dict__`` each, as the starter's, of 5,000: before, 1,500 took it down."""
    exercises.select_option("#exercise", "d_tanh")
    said = check(exercises, RIGHT + "\n\n" + CHAIN + "del chain\n")
    assert said.startswith("✓ d_tanh passed"), said
    said = check(exercises, RIGHT + "\n\n" + LISTED_CHAIN + "del y\n")  # (DICT_CHAIN's, its
    assert said.startswith("✓ d_tanh passed"), said  # Values holding the one before through a
    # list too: before, "Python in this page stopped working at line 19 of
    # your code (del y)")
    assert check(exercises, RIGHT + "\n\n" + DICT_CHAIN).startswith("✓ d_tanh passed")
    assert check(exercises, RIGHT + "\n\n" + CHAIN).startswith("✓ d_tanh passed")
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")


def exercises_code_that_fills_the_memory_is_told_so_at_its_line(exercises, capsys):
    """Before, a list of lists grown until the memory ran out (4 GB) was
    "Stopped: your code did not give control back within 7 s ... one call of a built-in
    function on a huge input", or freed, a reference at a time, for 115 s, then "Stopped."
    with a PageStop traceback and every later Check garbage, until a reload. About 4 s."""
    exercises.select_option("#exercise", "d_tanh")
    said = check(exercises, RIGHT + "\n\nbig = []\nwhile True:\n    big.append([0] * 10 ** 6)\n")
    line = len(RIGHT.splitlines()) + 5
    assert said.startswith(f"your answer, line {line}: running the file ran out of memory"), \
        said  # (a MemoryError; or, on a slow machine, 1 GB more taken by the 5 s stop: before,
    # "did not finish in 5 s ... (an endless loop, or a long one?)")
    assert "Traceback" not in said and "Stop" not in exercises.text_content("#state")
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")


GROWN_AT_THE_TOP = "big = []\nwhile True:\n    big.append(bytearray(100 * 2**20))\n"
"""A tester's file: memory grown at its top level, 100 MB at a time, until there is no more.
Its last allocations, of memory never used before, can each take seconds on a busy machine:
one took the page past the 5 s limit and its 2 s grace, and the page ended Python, saying
"a loop in JavaScript called from Python ... cannot be stopped from Python" (7.3 s, "Stopped.",
nothing recorded: 2 Checks of 6 on a machine at load 8)."""

HELD_AT_THE_MEMORYS_END = (
    "import random\n\nworker = random._os.sys.modules['j' + 's']\n"
    "run = getattr(worker, 'ev' + 'al')\n"
    "run('const m = self[\"py\" + \"odide\"]._module.memory; "
    "while (m.buffer.byteLength < 4 * 2 ** 30 - 2 ** 26) "
    "{ try { m.grow(1600); } catch (e) { break; } } while (true) {}')\n\n\n" + RIGHT)
"""A stand-in for an allocation at the memory's end that never returns: Python's memory grown
to its end (by JavaScript the code reaches under other names, which the page does not see
as JavaScript), then held. Before, "a loop in JavaScript called from Python"."""


def exercises_code_that_fills_the_memory_and_holds_python_is_told_so(exercises, capsys):
    """The page hears of the memory Python grows (worker.js's watchMemory): where the memory
    was filled and the signal then went unread, it waits MEMORY_GRACE_S (8 s) more for
    Python's MemoryError, and where none comes it says the memory ran out, a verdict: not
    yet, counted (before: "Stopped: ... a loop in JavaScript called from Python", nothing
    recorded)."""
    exercises.select_option("#exercise", "d_tanh")
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")
    said = check(exercises, HELD_AT_THE_MEMORYS_END)
    assert re.fullmatch(
        r"✗ d_tanh: not yet: your code used more memory than this page's Python has \(it took "
        r"(?:3\.9|4\.0) GB of the 4\.0 GB there is\), and did not give control back within 15 "
        r"s \(the 5 s limit, then 10 s more\), so the page ended it and started Python "
        r"again\. A list that grows without end, or one far too big\? Keep only what your "
        r"code needs \(python -m tinygrad_edu exercises check on your machine names the line "
        r"that ran out of memory\)\. Your code is kept\.\n", said), said
    assert "JavaScript" not in said
    assert re.fullmatch(r"Not yet \(graded in \d+\.\d s\): your code used more memory than "
                        r"this page's Python has\.", exercises.text_content("#state"))
    assert re.search(r"  ✗ \d+ attempts?$", exercises.text_content("#exercise option:checked"))


def exercises_memory_grown_at_the_top_level_is_a_verdict_at_its_line(exercises, capsys):
    """``GROWN_AT_THE_TOP``, in a Python whose memory was never grown (the step before loaded
    it again): Python's own MemoryError, at line 3, or where the machine is slow enough that
    it never comes, the page's word that the memory ran out; never the loop in JavaScript."""
    exercises.select_option("#exercise", "d_tanh")
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")
    said = check(exercises, GROWN_AT_THE_TOP)
    assert "JavaScript" not in said and "Stopped" not in said, said
    assert said.startswith(("your answer, line 3: running the file ran out of memory",
                            "✗ d_tanh: not yet: your code used more memory "
                            "than this page's Python has")), said
    assert exercises.text_content("#state").startswith("Not yet (graded in")
    assert re.search(r"  ✗ \d+ attempts?$", exercises.text_content("#exercise option:checked"))
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")


GROWN_IN_THE_FUNCTION = ("def d_tanh(x, y):\n    big = []\n    while True:\n"
                         "        if len(big) < 300:\n            big.append([0] * 10**6)\n")
"""A list grown inside the function until the 5 s stop: 300 lists of a million (1.2 GB,
short of the memory's end, which would end it with a MemoryError first)."""


def exercises_a_list_grown_in_the_function_gets_its_verdict_soon_after_the_stop(exercises,
                                                                              capsys):
    """Before, the verdict came 2 to 3 s after the 5 s stop here (10 s for a tester's list,
    grown to the memory's end), the countdown back at "stopped in 115 s" meanwhile: the
    page's gc.collect() looked at each of the list's references, kept by the stop's
    traceback (running.attempt clears those frames now)."""
    exercises.select_option("#exercise", "d_tanh")
    exercises.fill("#code", GROWN_IN_THE_FUNCTION)
    exercises.click("#check")
    exercises.wait_for_function("/your code has run 3 s without finishing/"
                                ".test(document.getElementById('state').textContent)",
                                timeout=LOAD_S * 1000)
    exercises.wait_for_function("!/without finishing/.test(document.getElementById('state')"
                                ".textContent)", polling=50, timeout=LOAD_S * 1000)
    stopped = time.perf_counter()  # (the stop: its countdown gone)
    exercises.wait_for_function("/^Not yet \\(graded in/.test(document.getElementById('state')"
                                ".textContent)", polling=50, timeout=LOAD_S * 1000)
    took = time.perf_counter() - stopped
    said = exercises.text_content("#output")
    assert "still running after 5 s on this input, so it was stopped" in said, said
    assert took < 1.5, took
    print(f"a list grown in the function: its verdict {took:.1f} s after the stop")


def exercises_a_python_that_answers_garbled_is_loaded_again(exercises, capsys):
    """Before, once the page's Python answered garbage (",\xa51\x00,\xa51..."
    after code had filled the memory), every Check of that page load, right answers included,
    ended "Stopped." and "Unexpected token ',' ... is not valid JSON", until a reload. Code
    that breaks the answer's JSON stands in for that damage here: Python is loaded again,
    blaming no one's code, and the next Check grades."""
    exercises.select_option("#exercise", "d_tanh")
    exercises.fill("#code", RIGHT + "\n\nimport random\n\nrandom._os.sys.modules['json']"
                            ".dumps = lambda *args, **kw: ',\\xa51'\n")
    exercises.click("#check")
    exercises.wait_for_function("!document.getElementById('check').disabled && /started "
                                "again/.test(document.getElementById('state').textContent)",
                                timeout=LOAD_S * 1000)
    said = exercises.text_content("#output")
    assert said.startswith("Python in this page stopped working while it graded (its answer "
                           "came back garbled: "), said
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")


def exercises_an_exit_of_its_process_is_a_verdict(exercises, capsys):
    """``random._os._exit(0)``: before, the page's Python died ("Python in this page stopped
    working"), at every Check of the file; the command line says it ended the process it
    was graded in (an independent learner's walk, issue 66)."""
    exercises.select_option("#exercise", "d_tanh")
    said = check(exercises, "import random\n\nrandom._os._exit(0)\n\n\n" + RIGHT)
    assert said.startswith("✗ d_tanh: "), said
    assert said.startswith("✗ d_tanh: your code called os._exit(0) at your answer, line 3, in "
                           "<module> (random._os._exit(0)): os._exit ends its process at once, "
                           "so on your machine the process it is graded in ends there"), said


def exercises_a_worker_its_code_closed_is_put_back(exercises, capsys):
    """``js.close()``, ``js.onmessage = None``: the worker puts them back and says so (before:
    the next right answer waited 120 s and was told it loops forever); ``js.close`` replaced
    and never called is said as replaced ("js.close(), which would have ended it" before)."""
    said = check(exercises, "import js\n\njs.close()\n" + RIGHT)
    assert said.startswith("your answer, line 1: js may not be imported by a submission")
    closing = "import random\n\njs = random._os.sys.modules['js']\njs.close()\n" \
              "js.onmessage = None\n" + RIGHT  # (past the import refused)
    said = check(exercises, closing)
    assert said.startswith("✓ d_tanh passed") and said.endswith(
        "\nYour code changed the worker that runs this page's Python (js.onmessage; "
        "js.close(), which would have ended it): it was put back, and the next run starts as "
        "this one did.\n")
    replaced = check(exercises, "import random\n\njs = random._os.sys.modules['js']\n"
                     "js.close = print\n" + RIGHT)  # (replaced, never called)
    assert replaced.endswith("worker that runs this page's Python (js.close): it was put "
                             "back, and the next run starts as this one did.\n"), replaced
    started = time.perf_counter()
    said = check(exercises, RIGHT)
    assert said.startswith("✓ d_tanh passed") and "worker" not in said
    assert time.perf_counter() - started < 5


def exercises_a_worker_left_busy_is_loaded_again(exercises, capsys):
    """A worker left busy (a JavaScript loop the code scheduled) is loaded again at the next
    Check, which says so and is graded."""
    busy = "import random\n\njs = random._os.sys.modules['js']\n" \
           "js.setTimeout(js.eval('() => { while (true) {} }'), 0)\n" + RIGHT
    assert check(exercises, busy).startswith("✓ d_tanh passed")  # (then the worker is busy)
    said = check(exercises, RIGHT)  # noticed within 3 s, loaded again, graded there
    assert said.startswith("The page's Python had stopped answering (code run before may "
                           "have left its worker busy, or closed it): it is loaded again, "
                           "and this runs there.\n✓ d_tanh passed"), said
