"""The pages that run the scalar engine in the browser, in a real browser: headless Chromium
opens the built site (see the ``site`` fixture in tests/conftest.py) from a server started
on 127.0.0.1 (docs/hooks/serve.py; the fixtures are in tests/viz/conftest.py), as a reader
opens a site that a server sends. Build microgpt yourself in the page: test_live_track.py.

The playground runs the README's quickstart and prints ``5.0 6.0 -4.0``; an example draws
its graph and replays to "done"; a Python error shows its traceback; what the code prints
and names reaches the page as text, never as HTML; a graph too large gets draw_dot's
refusal; Stop interrupts a loop that never ends, and Python stays loaded (the server
isolates the page, so the worker can be interrupted), while code that catches the interrupt
has its worker ended and a new one loaded. An exercise is graded right for a right answer,
and wrong, with the verdict ``python -m tinygrad_edu exercises check`` gives, for a wrong
one; progress is kept. Opened from disk, the pages say how to serve them. Throughout, no
request leaves the server and no page logs an error.

Each live page is one test that loads Python once and then takes its steps (the functions
``playground_*`` and ``exercises_*``, in order) on that page; under pytest-xdist the two
tests may run at once, in two workers. Loading takes a few seconds (benchmarks/bench_live.py
measures it). Like tests/viz/test_replay_browser.py, it needs Playwright and a system Chromium,
and skips without.
"""

import base64
import html
import re
import time
from pathlib import Path

import pytest

from tests.exercises.gpt_answers import RIGHT as GPT
from tests.exercises.gpt_answers import with_slip
from tests.viz.live import EDITOR_SHOWN, KILLER, LIVE, LOAD_S, definition, still
from tests.viz.test_page_python import MEDDLING, RIGHT
from tests.viz.test_playground import COMPILED

ROOT = Path(__file__).resolve().parents[2]
pytestmark = LIVE


def run_link(site, guide):
    """The first "Run this" link of a guide, and the code it carries."""
    page = (site / guide).read_text(encoding="utf-8")
    href = re.search(r'<p class="run-this"><a href="([^"]+)"', page).group(1)
    encoded = href.split("?code=", 1)[1]
    return href, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")


def run(page, code):
    """Put ``code`` in the editor, run it with Ctrl-Enter, and return what it printed."""
    page.fill("#code", code)
    page.focus("#code")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("!document.getElementById('run').disabled && "
                           "/^(Ran|Stopped)/.test(document.getElementById('state').textContent)",
                           timeout=LOAD_S * 1000)
    return page.text_content("#output")


def playground_the_quickstart_prints_its_gradients(playground):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = re.search(r"```python\n(.*?)```", readme.split("## Quickstart", 1)[1],
                           re.S).group(1)
    assert run(playground, quickstart).splitlines()[0] == "5.0 6.0 -4.0"
    assert playground.text_content("#graph-title").startswith("Graph of f")
    assert playground.locator("#graph img").count() == 1
    assert playground.is_visible("#replay")
    program = playground.text_content("#program")  # the graph as a program, made here
    assert playground.is_visible("#program") and program.startswith("def f(leaves, grads")
    assert "# backward: the chain rule at each node" in program


def playground_a_second_run_answers_quickly(playground):
    run(playground, "print('warm')")  # Python is loaded: this one only runs
    started = time.perf_counter()
    assert run(playground, "print(6 * 7)") == "42\n"
    assert time.perf_counter() - started < 5  # (benchmarks/bench_live.py: well under 0.5 s)


def playground_an_example_draws_and_replays_to_done(playground):
    playground.select_option("#example", "lecture")
    code = playground.input_value("#code")
    assert "L = d * f" in code
    printed = run(playground, code)
    assert "dL/da = 6.0" in printed and "(6.0, -4.0, -2.0, 4.0)" in printed  # a REPL's echo
    src = playground.get_attribute("#graph img", "src")
    svg = html.unescape(base64.b64decode(src.split(",", 1)[1]).decode("utf-8"))
    assert "data -8.0" in svg and "grad 6.0" in svg  # L's graph, after backward
    frame = playground.frame_locator("#replay")
    assert frame.locator("#status").text_content() == "start"
    still(playground, "#replay")
    frame.locator("#next").click()
    assert frame.locator("#status").text_content() == "forward 1 of 3"
    frame.locator("body").press("End")
    assert frame.locator("#status").text_content() == "done"
    assert frame.locator("#line").text_content().startswith("Done: every value holds dL/d")


def playground_an_error_shows_its_traceback(playground):
    printed = run(playground, "from tinygrad_edu import Value\n\ndef f(x):\n    return x / 0\n"
                              "\nf(Value(1.0))\n")
    assert printed.startswith("Traceback (most recent call last):\n"
                              '  File "<playground>", line 6, in <module>\n    f(Value(1.0))')
    assert '  File "<playground>", line 4, in f\n    return x / 0' in printed
    assert printed.rstrip().endswith("ZeroDivisionError: float division by zero") or \
        "ZeroDivisionError" in printed.splitlines()[-1]
    assert playground.locator("#output .stderr").count() >= 1  # shown as an error
    assert playground.text_content("#state").startswith("Stopped by an error")


def playground_what_the_code_prints_and_names_stays_text(playground):
    code = ('from tinygrad_edu import Value\nx = Value(1.0, label="<img src=x onerror=alert(1)>")'
            '\nf = x * 2\nprint("<b>bold</b>")\n')
    assert run(playground, code) == "<b>bold</b>\n"
    assert playground.locator("#output b, #output img, #graph-note *").count() == 0
    assert playground.locator("#graph img").count() == 1  # drawn, as a picture


def playground_too_large_a_graph_gets_draw_dots_refusal(playground):
    run(playground, "from tinygrad_edu import Value, vsum\n"
                    "total = vsum(Value(float(i)) * i for i in range(600))\n")
    note = playground.text_content("#graph-note")
    assert note.startswith("draw_dot: this graph has 1201 values, more than max_nodes=500")
    assert playground.locator("#graph img").count() == 0
    assert not playground.is_visible("#replay")


def playground_stop_interrupts_a_loop_that_never_ends_and_python_stays_loaded(playground):
    playground.fill("#code", "import sys\nsys.modules['__main__'].ran_before = True\n"
                             "while True:\n    pass\n")
    playground.click("#run")
    playground.wait_for_function("/^Running… stopped in 30 s if it has not finished$/"
                                 ".test(document.getElementById('state').textContent)")
    time.sleep(0.3)
    playground.click("#stop")
    playground.wait_for_function("!document.getElementById('run').disabled")
    printed = playground.text_content("#output")
    assert printed.startswith('Traceback (most recent call last):\n  File "<playground>", line')
    assert "KeyboardInterrupt" in printed
    assert printed.endswith("Stopped: stopped with the Stop button.\n")
    started = time.perf_counter()
    assert run(playground, "import sys\nprint(hasattr(sys.modules['__main__'], 'ran_before'))"
               ) == "True\n"  # the same Python, not one loaded again
    assert time.perf_counter() - started < 5


def check(page, code):
    page.fill("#code", code)
    page.click("#check")
    page.wait_for_function("!document.getElementById('check').disabled && "
                           "/\\(graded in|^Stopped/.test(document.getElementById('state')"
                           ".textContent)", timeout=LOAD_S * 1000)
    return page.text_content("#output")


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
        "\nStopped while Python was loading: none of your code ran, and your code is kept. "
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
    assert exercises.text_content("#output") == ("\nStopped: stopped with the Stop button. "
                                                 "Your code is kept.\n")


def exercises_grade_as_the_command_line_grades(exercises, capsys):
    from tinygrad_edu.viz.playground import check as check_here

    wrong = "def d_tanh(x, y):\n    return 1 - x * x\n"
    verdict = check(exercises, wrong)
    assert "✗ d_tanh: not yet." in verdict
    assert "diagnosis: the input x used where the output y was meant." in verdict
    code, _ = check_here("d_tanh", wrong)  # the command line, here in CPython
    here = capsys.readouterr().out  # the same verdicts; where it was graded, said plainly
    assert code == 1 and verdict.split("\nGraded ")[0] == here.split("\nGraded ")[0]
    assert "\nGraded in this page's Python, for practice: your code ran beside" in verdict
    assert "\nGraded on your machine, for practice: your code ran in processes" in here
    assert "grade that counts" not in verdict  # (a learner on their own)
    assert exercises.text_content("#progress") == (
        "0 of 17 exercises and 0 of 10 stages passed in this browser")

    right = "def d_tanh(x, y):\n    return 1 - y * y\n"
    assert check(exercises, right).startswith("✓ d_tanh passed: it agrees with the reference")
    assert exercises.text_content("#progress") == (
        "1 of 17 exercises and 0 of 10 stages passed in this browser")
    assert exercises.text_content("#next").startswith("Next: exercise ")  # (the next one)
    assert "✓ passed" in exercises.locator("#exercise option:checked").text_content()
    stored = exercises.evaluate("localStorage.getItem('tinygrad_edu.exercises.progress')")
    assert '"d_tanh": {\n   "attempts": 2,\n   "passed": true' in stored


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
        "Stopped: stopped with the Stop button; it did not stop when interrupted. A solution "
        "that loops forever is the usual cause. Python was started again; your code is kept.\n")
    assert exercises.text_content("#state") == "Stopped."
    assert exercises.input_value("#code") == stubborn


def exercises_start_again_asks_and_the_code_can_be_brought_back(exercises, capsys):
    """Start again asks first (no dialog: buttons beside it), and keeps what it replaces
    (before: one click threw the code away, and its saved copy)."""
    mine = exercises.input_value("#code")
    assert "raise NotImplementedError" not in mine and exercises.is_hidden("#earlier")
    exercises.click("#starter")
    assert exercises.is_visible("#ask") and exercises.is_hidden("#starter")
    exercises.click("#keep")
    assert exercises.input_value("#code") == mine and exercises.is_visible("#starter")
    exercises.click("#starter")
    exercises.click("#replace")
    assert "raise NotImplementedError" in exercises.input_value("#code")
    kept = exercises.evaluate("localStorage.getItem('tinygrad_edu.exercises.code.d_tanh')")
    assert "raise NotImplementedError" in kept  # (what the page keeps is what it shows)
    exercises.click("#earlier")
    assert exercises.input_value("#code") == mine and exercises.is_hidden("#earlier")
    exercises.click("#starter")
    exercises.click("#replace")


def exercises_an_untouched_exercise_names_no_file_the_learner_never_saw(exercises, capsys):
    starter = exercises.input_value("#code")
    assert "raise NotImplementedError" in starter
    verdict = check(exercises, starter)
    assert "solutions.py" not in verdict
    assert verdict.startswith("your answer: 0 of 0 attempted exercises pass; 1 not started")


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
        "running the file did not finish in 5 s, so it was stopped (an endless loop?)")
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
        assert verdict.startswith(f"✗ node: grading it, it raised {raised} at your answer, "
                                  f"{where}, which ends the process it is graded in on your "
                                  "machine: does your answer end Python"), verdict
        assert exercises.text_content("#state").startswith("Not yet (graded in")


def exercises_a_check_starts_from_the_python_the_page_set_up(exercises, capsys):
    """What a Check's code changed in the page's Python (the recursion limit, sys's hooks
    and streams, a module replaced) is put back (before: every later Check "Stopped.",
    with a RecursionError in copy.deepcopy, until a reload)."""
    exercises.select_option("#exercise", "d_tanh")
    check(exercises, MEDDLING)  # (what it says is lost: its code took the output)
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")
    lowered = check(exercises, "import random\nrandom._os.sys.setrecursionlimit(60)\n\n\n"
                    + RIGHT)  # (before: three HypothesisWarnings above the verdict, through
    assert lowered.startswith("✓ d_tanh passed"), lowered  # /lib/python3.14/site-packages)


def exercises_a_worker_its_code_closed_is_put_back(exercises, capsys):
    """``js.close()``, ``js.onmessage = None``: the worker puts them back and says so (before:
    the next right answer waited 120 s and was told it loops forever)."""
    said = check(exercises, "import js\n\njs.close()\n" + RIGHT)
    assert said.startswith("your answer, line 1: js may not be imported by a submission")
    closing = "import random\n\njs = random._os.sys.modules['js']\njs.close()\n" \
              "js.onmessage = None\n" + RIGHT  # (past the import refused)
    said = check(exercises, closing)
    assert said.startswith("✓ d_tanh passed") and said.endswith(
        "\nYour code changed the worker that runs this page's Python (js.onmessage; "
        "js.close(), which would have ended it): it was put back, and the next run starts as "
        "this one did.\n")
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


LINEAR = "    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]\n"


def exercises_the_diagnoses_name_the_mistake_and_its_line(exercises, capsys):
    """Before: an inner loop one short in linear was told "computed with .data, the graph is
    cut"; rmsnorm's 1e-5 outside the root got only a ZeroDivisionError; no line was named
    for a mistake that raises nothing."""
    exercises.select_option("#stage", "linear")
    short = "def linear(x, w):\n    return [sum(wo[i] * x[i] for i in range(len(x) - 1)) " \
            "for wo in w]\n"
    said = check(exercises, short)
    assert "holds the number 0, not a Value: a sum that added nothing" in said
    assert ".data" not in said
    assert "range(len(x)) goes over them all.\n    in your answer, line 2, in linear  (return " \
        "[sum(wo[i] * x[i] for i in range(len(x) - 1)) for wo in w])" in said, said  # (before:
    # no line, and no full stop)
    transposed = "def linear(x, w):\n    return [sum(w[i][j] * x[i] for i in range(len(x))) " \
                 "for j in range(len(w))]\n"
    said = check(exercises, transposed)
    assert "diagnosis (out, dx, dw): w read by its columns (transposed).\n    in your answer, " \
           "line 2, in linear  (return [sum(w[i][j] * x[i]" in said
    exercises.select_option("#stage", "rmsnorm")
    eps = definition(with_slip("scale = (ms + 1e-5) ** -0.5", "scale = ms ** -0.5 + 1e-5"),
                     "rmsnorm")
    line = eps.splitlines().index("    scale = ms ** -0.5 + 1e-5") + 1
    said = check(exercises, eps)
    assert "ZeroDivisionError" in said and "diagnosis (out, dx): 1e-5 added outside the " \
        "square root." in said, said
    assert said.count(f"in your answer, line {line}, in rmsnorm  (scale = ms ** -0.5 + 1e-5)"
                      ) == 1  # (the error's line: not said again under the diagnosis)
    exercises.select_option("#stage", "softmax")  # (the smallest input it fails on: before,
    said = check(exercises, definition(  # [0.2, 3.4], [1, 1, 1] or [-800, -801])
        with_slip("return [e / total for e in exps]", "return exps"), "softmax"))
    assert "failing input: logits = [0, 0]; then L = Σ c_i·out_i, c = [" in said and \
        "not divided by the sum" in said, said


def exercises_a_pass_shows_the_next_stage_and_the_last_what_comes_after(exercises, capsys):
    """Before: nothing under a pass (the footer's "Next" went to another guide), nothing
    after stage 10; then, the next step under the verdict, below the fold of a learner who
    pressed Check (at 1280 px and at 390 px): now between Check and the verdict."""
    exercises.select_option("#stage", "adam")
    for width, height in ((390, 844), (1280, 900)):
        exercises.set_viewport_size({"width": width, "height": height})
        assert check(exercises, definition(GPT, "adam")).startswith("✓ adam passed")
        assert exercises.evaluate(NEXT_SHOWN), width  # (where Check was pressed)
    assert exercises.text_content("#next") == ("Next: stage 10, a training step: loss, "
                                               "backward, Adam")
    exercises.click("#next a")
    exercises.wait_for_function("document.getElementById('stage').value === 'train_step'")
    assert exercises.evaluate(EDITOR_SHOWN)  # (the link lands on the editor)
    # its own state beside Check (before: adam's "Passed (graded in 0.2 s).")
    assert exercises.text_content("#state") == "Not checked yet."
    assert check(exercises, definition(GPT, "train_step")).startswith("✓ train_step passed")
    after = exercises.text_content("#next")
    assert after.startswith("That was the last stage. Once all 10 pass, your GPT is whole; "
                            "next, on your machine:")  # (not all pass in this session)
    assert exercises.text_content("#next pre").splitlines() == [  # (a comment beside its
        "# 1. Download my answers (above): your stages, saved as my_gpt.py",  # command
        "# 2. the same verdicts, on your machine:",  # wrapped into the next one at 390 px)
        "python -m tinygrad_edu exercises check my_gpt.py microgpt",
        "# 3. train it; then it makes up names:",
        "python -m tinygrad_edu exercises train my_gpt.py"]
    assert exercises.get_attribute("#next a", "href") == "guides/microgpt.html#watch-it-learn"
    exercises.select_option("#stage", "linear")  # (from the menu: its own state too; the
    assert re.fullmatch(r"Not passed yet: \d+ attempts? in this browser\.",  # diagnoses'
                        exercises.text_content("#state"))  # step tried it)
    exercises.select_option("#stage", "adam")
    assert exercises.text_content("#state") == \
        "Passed in this browser; Check grades it again."


def exercises_a_warning_quotes_this_checks_line(exercises, capsys):
    """Before: a warning quoted line 2 of the code a Check before had graded (linecache
    kept it under the answer's name, from that Check's traceback)."""
    exercises.select_option("#exercise", "d_tanh")
    right = "def d_tanh(x, y):\n    return 1 - y * y\n"
    check(exercises, "OLD = 1\nOLD_LINE_TWO = 1 / 0\n" + right)
    verdict = check(exercises, "x = 1\nsame = x is 1\n" + right)
    assert "your answer:2: SyntaxWarning: \"is\" with 'int' literal" in verdict, verdict
    assert "  same = x is 1\n" in verdict and "OLD_LINE_TWO" not in verdict, verdict


SLOW_WRONG = ("slow = []\n\n\ndef d_tanh(x, y):\n    if not slow:  # (its first call: a moment "
              "longer)\n        slow.append(0)\n        n = 0\n        while n < 1_000_000:\n"
              "            n += 1\n    return 1 - x * x\n")


def exercises_a_verdict_lands_on_its_own_exercise(exercises, capsys):
    """Before: a stage chosen while a Check graded got that Check's verdict in its box, and
    "Not yet (graded in ...)" beside its Check (an independent learner's walk)."""
    exercises.select_option("#exercise", "d_tanh")
    exercises.fill("#code", SLOW_WRONG)
    exercises.click("#check")
    exercises.select_option("#stage", "softmax")  # (while it grades)
    exercises.wait_for_function("!document.getElementById('check').disabled",
                                timeout=LOAD_S * 1000)
    said = exercises.text_content("#state")
    assert re.fullmatch(r"The Check of exercise \d+, d_tanh, ended while this one was shown: "
                        r"not yet \(graded in \d+\.\d s\)\. Its verdict is kept with it: "
                        r"choose it above to see it\.", said), said
    assert exercises.text_content("#output") == "" and exercises.is_hidden("#next")
    assert "def softmax(logits):" in exercises.input_value("#code")
    exercises.select_option("#exercise", "d_tanh")
    assert exercises.text_content("#output").startswith("✗ d_tanh: not yet.")
    assert re.fullmatch(r"Not yet \(graded in \d+\.\d s\)\.", exercises.text_content("#state"))
    assert exercises.input_value("#code") == SLOW_WRONG
    exercises.select_option("#stage", "softmax")  # (shown once: then as any verdict is)
    exercises.select_option("#exercise", "d_tanh")
    assert exercises.text_content("#output") == ""


NEXT_SHOWN = """() => { const r = document.getElementById("next").getBoundingClientRect();
                       return r.height > 0 && r.top >= 0 && r.top < innerHeight - 40; }"""
"""The next step's first line is on screen."""


def exercises_on_arrays_say_how_to_do_them_locally(exercises, capsys):
    exercises.select_option("#exercise", "dense_backward")
    assert exercises.is_hidden("#editor")
    text = exercises.text_content("#local")
    assert "NumPy" in text and "python -m tinygrad_edu exercises check solutions.py " \
        "dense_backward" in text


def svg_of(page):
    src = page.get_attribute("#graph img", "src")
    return html.unescape(base64.b64decode(src.split(",", 1)[1]).decode("utf-8"))


MLP_LOSS = ("from tinygrad_edu.nn import MLP\nfrom tinygrad_edu.viz import draw_dot\n"
            "model = MLP(2, [16, 16, 1], seed=0)\n"
            "loss = sum(model([0.5, -1.0]) ** 2 for _ in range(3))\nloss.backward()\n")


def playground_drawings_by_parts_are_shown_not_printed(playground):
    """A drawing the code ends with is shown as a notebook shows it (before: printed as
    <Drawing: 9 DOT statements>), and a Value too large to draw value by value is drawn by
    its parts, not refused."""
    assert run(playground, MLP_LOSS + "draw_dot(loss, depth=1)\n") == ""
    assert playground.text_content("#graph-title").startswith("The drawing shown on line 6")
    assert "layers.0" in svg_of(playground) and "layers.2" in svg_of(playground)
    assert playground.text_content("#graph-note") == ""
    run(playground, MLP_LOSS)
    assert playground.text_content("#graph-title").startswith("Graph of loss")
    assert "layers.1" in svg_of(playground)
    assert "drawn by its parts, as draw_dot(loss, depth=1)" in \
        playground.text_content("#graph-note")


def playground_a_syntax_error_is_said_to_be_one_with_its_line(playground):
    run(playground, "x = 1\ny = (x,\n")
    assert playground.text_content("#graph-note") == (
        "Nothing ran: Python found a SyntaxError on line 2 (above). Correct it and run again.")


def playground_a_flood_never_freezes_the_page_and_stop_interrupts_it(playground):
    playground.fill("#code", "i = 0\nwhile True:\n    print('line', i)\n    i += 1\n")
    playground.click("#run")
    playground.wait_for_function("document.getElementById('output').textContent"
                                 ".indexOf('characters not shown') >= 0", timeout=LOAD_S * 1000)
    started = time.perf_counter()
    assert re.fullmatch(r"Running… stopped in \d+ s if it has not finished", playground.evaluate(
        "document.getElementById('state').textContent"))  # (a countdown, from 30 s)
    assert time.perf_counter() - started < 2  # the page answers (a frozen one would not)
    time.sleep(0.5)
    playground.click("#stop")
    playground.wait_for_function("!document.getElementById('run').disabled", timeout=10_000)
    printed = playground.text_content("#output")
    assert len(printed) < 300_000  # its beginning and its end
    assert printed.startswith("line 0\nline 1\n") and "KeyboardInterrupt" in printed
    assert printed.endswith("Stopped: stopped with the Stop button.\n")
    box = playground.evaluate(BOX, "output")  # it scrolls in a box of its own, at its end
    assert box["height"] < 600 and box["scrolled"] > 0 and box["atEnd"]
    assert playground.evaluate(BOX, "graph-title")["top"] - box["bottom"] < 100


BOX = """id => { const e = document.getElementById(id), r = e.getBoundingClientRect();
    return {height: r.height, top: r.top, bottom: r.bottom, scrolled: e.scrollTop,
            atEnd: e.scrollHeight - e.scrollTop - e.clientHeight < 8}; }"""


IN_FRAME = """() => {
    const rect = el => { const r = el.getBoundingClientRect();
                         return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
    const value = Array.from(document.querySelectorAll("#graph g.node.hot, #graph g.node.fwd"))
        .filter(g => /^n\\d+$/.test(g.querySelector("title").textContent))[0];  // not its op
    return {status: document.getElementById("status").textContent,
            value: value ? rect(value) : null, next: rect(document.getElementById("next"))};
}"""
FRAME_ON_PAGE = """() => { const r = document.getElementById("replay").getBoundingClientRect();
                          return [r.left + document.getElementById("replay").clientLeft,
                                  r.top + document.getElementById("replay").clientTop,
                                  innerWidth, innerHeight]; }"""


def on_screen(r, left, top, width, height):
    """Whether a rectangle of the frame (its own coordinates) is in the window."""
    return (r is not None and r["top"] + top >= -0.5 and r["bottom"] + top <= height + 0.5
            and r["left"] + left >= -0.5 and r["right"] + left <= width + 0.5)


def shown_in_replay(playground):
    """The replay frame's status, and whether its active value and Next are on screen."""
    frame = next(f for f in playground.frames if f.parent_frame is not None
                 and f.url == "about:srcdoc")
    for _ in range(20):  # the page around the frame scrolls when the frame asks: wait for it
        inside = frame.evaluate(IN_FRAME)
        place = playground.evaluate(FRAME_ON_PAGE)
        seen = {"status": inside["status"], "value": on_screen(inside["value"], *place),
                "next": on_screen(inside["next"], *place)}
        if seen["value"] and seen["next"]:
            break
        playground.wait_for_timeout(25)
    return seen


def playground_the_replay_keeps_the_value_it_works_on_on_screen_at_both_widths(playground):
    run(playground, "from tinygrad_edu.nn import MLP, hinge_loss\n"
                    "model = MLP(3, [6, 6, 1], seed=0)\n"
                    "loss = hinge_loss(model([0.5, -1.0, 2.0]), 1.0)\n")
    frame = playground.frame_locator("#replay")
    for width, height in ((1280, 900), (390, 844)):
        playground.set_viewport_size({"width": width, "height": height})
        playground.wait_for_timeout(300)  # the frame lays itself out again
        for _ in range(40):  # (on a loaded machine a key pressed as the frame takes the focus
            frame.locator("#title").click()  # was lost: the replay stayed at its end, "done")
            playground.keyboard.press("Home")
            if shown_in_replay(playground)["status"] != "done":
                break
            playground.wait_for_timeout(50)
        steps = 0
        while True:
            playground.keyboard.press("ArrowRight")
            seen = shown_in_replay(playground)
            if seen["status"] == "done":
                break
            steps += 1
            assert seen["value"] and seen["next"], (width, seen)
        assert steps > 40
    playground.set_viewport_size({"width": 1280, "height": 900})


def playground_a_python_that_dies_is_loaded_again_and_the_code_stays(playground):
    """Before: "Something went wrong in the playground itself", and every later run too.
    A chain freed at a line, deeper than the browser's stack: that line is named."""
    playground.fill("#code", KILLER)
    playground.click("#run")
    playground.wait_for_function("!document.getElementById('run').disabled && /was started "
                                 "again, and is ready/.test(document.getElementById('state')"
                                 ".textContent)", timeout=LOAD_S * 1000)
    said = playground.text_content("#output")  # (freeing a deep chain: issue 66)
    assert said.startswith("Python in this page stopped working at line 9 (del chain): the "
                           "browser's stack overflowed (Maximum call stack size exceeded) as "
                           "Python freed what that line let go of, most likely a long chain "
                           "of objects each holding the one before"), said
    assert said.endswith("Python is loaded again, with nothing defined, and your code is "
                         "kept.\n")
    assert playground.input_value("#code") == KILLER
    assert run(playground, "print(6 * 7)") == "42\n"
    return "crashed"  # (Pyodide's words in the console are expected)


def playground_compile_runs_its_python_program_and_shows_it_whole(playground):
    """A compiled function's answer as the last name: described as such, with the program
    that computed it and the functions it calls; the page says it runs the Python program
    (before: a warning to apt-get install gcc, div and relu_rule0 never shown, and the
    views described y, a leaf named before)."""
    printed = run(playground, COMPILED)
    assert "apt-get" not in printed and "NativeUnavailable" not in printed, printed
    assert playground.text_content("#graph-title").startswith("Graph of loss")
    assert playground.text_content("#graph-note").startswith(
        "loss is a compiled function's answer (a Result, ")
    program = playground.text_content("#program")
    assert program.startswith("def loss_of(leaves, grads, numbers, seed):")
    assert "def div(" in program and "relu_rule0 = d_relu" in program
    assert "a browser has no C compiler" in playground.text_content("#program-note")
    # (before: any plain number in it, "it reads os.stat() ... at linecache.py:146"); the
    # learner's own os.stat is still refused, at its line
    printed = run(playground, COMPILED.replace("    return", "    import os\n    os.stat('/')"
                                               "\n    return"))
    assert "it reads os.stat(), the file system" in printed and "<playground>:6" in printed, \
        printed


def playground_the_code_survives_a_reload(playground):
    code = "print('kept across a reload')\n"
    playground.fill("#code", code)
    playground.reload()
    assert playground.input_value("#code") == code


PLAYGROUND_STEPS = [
    playground_the_quickstart_prints_its_gradients,
    playground_a_second_run_answers_quickly,
    playground_an_example_draws_and_replays_to_done,
    playground_an_error_shows_its_traceback,
    playground_what_the_code_prints_and_names_stays_text,
    playground_too_large_a_graph_gets_draw_dots_refusal,
    playground_stop_interrupts_a_loop_that_never_ends_and_python_stays_loaded,
    playground_drawings_by_parts_are_shown_not_printed,
    playground_a_syntax_error_is_said_to_be_one_with_its_line,
    playground_a_flood_never_freezes_the_page_and_stop_interrupts_it,
    playground_the_replay_keeps_the_value_it_works_on_on_screen_at_both_widths,
    playground_compile_runs_its_python_program_and_shows_it_whole,
    playground_a_python_that_dies_is_loaded_again_and_the_code_stays,
    playground_the_code_survives_a_reload,  # (last: the page loads Python again)
]


PLAYGROUND_LONG = {playground_the_replay_keeps_the_value_it_works_on_on_screen_at_both_widths}
"""The steps only the long tier takes (the main tier's replays are looked at in both widths
by tests/viz/test_replay_browser.py, whose code the playground's replay runs)."""


def test_the_playground(watched, site, server):
    """The playground, opened as a guide's "Run this" opens it (its block in the editor),
    Python loaded once, then each step of ``PLAYGROUND_STEPS`` on it but the long tier's."""
    playground_steps(watched, site, server, [s for s in PLAYGROUND_STEPS
                                             if s not in PLAYGROUND_LONG])


@pytest.mark.long(sibling="test_the_playground")
def test_the_playground_every_step(watched, site, server):
    playground_steps(watched, site, server, PLAYGROUND_STEPS)


def playground_steps(watched, site, server, steps):
    href, code = run_link(site, "guides/stepping.html")
    page = watched.open(server + "guides/" + href)
    assert page.input_value("#code") == code  # the guide's block, ready to run
    for step in steps:
        logged = len(watched.errors)
        if step(page) == "crashed":  # (Python died there, on purpose)
            assert any("Pyodide has suffered a fatal error" in e for e in watched.errors[logged:])
            del watched.errors[logged:]


EXERCISES_STEPS = [
    exercises_stop_while_python_loads_blames_no_code,
    exercises_the_first_check_prepares_the_grader_and_stop_there_is_one_line,
    exercises_grade_as_the_command_line_grades,
    exercises_end_code_that_will_not_stop,
    exercises_start_again_asks_and_the_code_can_be_brought_back,
    exercises_an_untouched_exercise_names_no_file_the_learner_never_saw,
    exercises_an_endless_loop_is_stopped_after_the_promised_5_s,
    exercises_a_loop_at_the_top_level_is_stopped_too_with_a_countdown,
    exercises_endless_recursion_is_a_verdict_that_names_its_line,
    exercises_a_check_starts_from_the_python_the_page_set_up,
    exercises_a_worker_its_code_closed_is_put_back,
    exercises_a_worker_left_busy_is_loaded_again,
    exercises_the_diagnoses_name_the_mistake_and_its_line,
    exercises_a_warning_quotes_this_checks_line,
    exercises_a_verdict_lands_on_its_own_exercise,
    exercises_a_pass_shows_the_next_stage_and_the_last_what_comes_after,
    exercises_on_arrays_say_how_to_do_them_locally,
]


EXERCISES_LONG = {exercises_a_loop_at_the_top_level_is_stopped_too_with_a_countdown,
                  exercises_a_worker_left_busy_is_loaded_again}
"""The steps only the long tier takes, 12 s of the 45. The main tier still sees a loop stopped
at 5 s (in an answer: the stop that ends a loop in the file's own code, whose countdown the
long tier watches), and a worker ended and loaded again (``exercises_end_code_that_will_not_
stop``: the path a worker left busy takes)."""


def test_the_exercises(watched, server, capsys):
    """The exercises page at d_tanh, Python loaded once, then each step of
    ``EXERCISES_STEPS`` on it but the long tier's."""
    page = watched.open(server + "exercises-live.html#d_tanh")
    for step in EXERCISES_STEPS:
        if step not in EXERCISES_LONG:
            step(page, capsys)


@pytest.mark.long(sibling="test_the_exercises")
def test_the_exercises_every_step(watched, server, capsys):
    page = watched.open(server + "exercises-live.html#d_tanh")
    for step in EXERCISES_STEPS:
        step(page, capsys)


def steps_shown(page):
    return page.text_content("#log").splitlines()


def step(page):
    """Press Step and wait for the step's line."""
    before = len(steps_shown(page))
    page.click("#step")
    page.wait_for_function(f"document.getElementById('log').textContent.split('\\n')"
                           f".filter(Boolean).length > {before} && "
                           "!document.getElementById('step').disabled", timeout=LOAD_S * 1000)
    return steps_shown(page)


def the_demos_lines(steps):
    """The lines python -m tinygrad_edu demo prints for its first ``steps`` steps (it prints
    every tenth; fit's history has them all), as the page shows them."""
    from tests.viz.test_watch import fit_history
    from tinygrad_edu.viz.watch import demo_line

    history = fit_history(steps)
    return [demo_line(k, history.loss[k], history.accuracy[k]).strip() for k in range(steps)]


POINT_ON_CANVAS = """i => {
    const data = JSON.parse(document.getElementById("moons-data").textContent);
    const xs = data.X.map(p => p[0]), ys = data.X.map(p => p[1]);
    const b = [Math.min(...xs) - 0.5, Math.max(...xs) + 0.5,
               Math.min(...ys) - 0.5, Math.max(...ys) + 0.5];
    const r = document.getElementById("plane").getBoundingClientRect();
    return [r.left + (data.X[i][0] - b[0]) / (b[1] - b[0]) * r.width,
            r.top + (b[3] - data.X[i][1]) / (b[3] - b[2]) * r.height];
}"""


def test_watch_it_learn(watched, server):
    """The page trains micrograd's demo in the browser: Step, then Play and Pause, give
    the very lines the demo prints (fit's loss and accuracy, step for step); a click on a
    point draws its graph by its parts, a click on a part opens it, and its backward pass
    is replayed; at 390 px it still fits and steps."""
    page = watched.open(server + "watch.html")
    started = time.perf_counter()
    page.wait_for_function("/^Ready/.test(document.getElementById('state').textContent)",
                           timeout=LOAD_S * 1000)
    loaded = time.perf_counter() - started
    assert steps_shown(page) == []
    for _ in range(3):
        shown = step(page)
    page.select_option("#speed", "0")  # as fast as it can
    page.click("#play")
    assert page.text_content("#play") == "Pause"
    page.wait_for_function("document.getElementById('log').textContent.split('\\n')"
                           ".length >= 12", timeout=LOAD_S * 1000)
    page.click("#play")  # pause: the step under way ends, and no other begins
    page.wait_for_function("!document.getElementById('step').disabled")
    shown = steps_shown(page)
    page.wait_for_timeout(600)
    assert steps_shown(page) == shown and page.text_content("#play") == "Play"
    from tinygrad_edu.viz.watch import STEPS  # (before: "Playing: step 16 of 99.", paused)

    assert page.text_content("#state") == (
        f"Paused at step {len(shown) - 1} of {STEPS - 1}: Play goes on, Step takes one step.")
    assert shown == the_demos_lines(len(shown))  # step for step, the demo's numbers
    assert shown[0] == "step    0   loss 0.8958   accuracy  50.0%"
    # a click on a point: its graph, by its parts
    x, y = page.evaluate(POINT_ON_CANVAS, 7)
    page.mouse.click(x, y)
    page.wait_for_function("document.getElementById('example-title').textContent === "
                           "\"Point 7's graph\" && document.querySelector('#example svg')")
    page.wait_for_function("/^Point 7 /.test(document.getElementById('example-note')"
                           ".textContent)")
    note = page.text_content("#example-note")
    assert f"at step {len(shown) - 1}: score " in note
    assert page.locator("#example g.watch-part").count() == 3  # the three layers, as boxes
    page.locator("#example g.watch-part").nth(1).click()  # open layers.1
    page.wait_for_function("document.querySelector('#parts [aria-pressed=true]')")
    assert page.text_content("#parts [aria-pressed=true]") == "Close layers.1"
    assert "layers.1: parameters" in page.text_content("#example svg")
    assert page.locator("#example g.watch-part").count() == 2  # the two closed layers
    # the next step redraws it, open, with the step's numbers
    shown = step(page)
    page.wait_for_function(f"/at step {len(shown) - 1}: /.test(document.getElementById("
                           "'example-note').textContent)")
    assert "layers.1: parameters" in page.text_content("#example svg")
    # its backward pass, replayed
    page.click("#replay-button")
    page.wait_for_function("!document.getElementById('replay').hidden", timeout=LOAD_S * 1000)
    frame = page.frame_locator("#replay")
    frame.locator("#status:text-is('start')").wait_for()  # (the frame's page has run)
    still(page, "#replay")
    frame.locator("#next").click()
    assert frame.locator("#status").text_content().startswith("backward step 1 of ")
    assert f"Point 7 at step {len(shown) - 1}" in frame.locator("#title").text_content()
    # on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("document.getElementById('plane').getBoundingClientRect().right") \
        <= 390
    shown = step(page)
    assert shown == the_demos_lines(len(shown))
    print(f"watch.html: Python ready {loaded:.1f} s after the page opened")


def test_from_disk_the_live_pages_say_how_to_serve_them(watched, site):
    for name, button in (("playground.html", "#run"), ("exercises-live.html", "#check"),
                         ("watch.html", "#play")):
        page = watched.open((site / name).as_uri())
        assert page.is_visible("#live-notice")
        assert "./run.sh docs --serve" in page.text_content("#live-notice")
        assert page.is_disabled(button)
        page.close()
