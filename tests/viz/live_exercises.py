"""The steps of the exercises page's session (test_live_pages.py's ``test_the_exercises``
takes them, in order, on one page with Python loaded once: ``EXERCISES_STEPS``): those that
try to take the page's Python down (Stop, loops, recursion, crashes, the memory, the worker:
live_exercises_survive.py) among these, which try what a learner reads: grading as the
command line grades, Start again, a verdict after a reload, the diagnoses, warnings, a
verdict on its own exercise, the next stage, the exercises on arrays, what the page's own
Python lacks (NumPy), a flood printed before a verdict, and last three stages and an
exercise of each kind with their model answers (``STAGES``, ``SAMPLE``). ``live.check`` checks
code in its editor."""

import re

from tests.exercises.gpt_answers import RIGHT as GPT
from tests.exercises.gpt_answers import with_slip
from tests.exercises.learners import CORRECT_VALUES
from tests.viz.live import (
    IN_VIEW,
    LANDED,
    LOAD_S,
    NEXT_SHOWN,
    VERDICT_SHOWN,
    check,
    definition,
    on_a_phone,
)
from tests.viz.live_exercises_survive import (
    exercises_a_check_starts_from_the_python_the_page_set_up,
    exercises_a_huge_builtin_call_is_named_at_its_line,
    exercises_a_list_grown_in_the_function_gets_its_verdict_soon_after_the_stop,
    exercises_a_loop_at_the_top_level_is_stopped_too_with_a_countdown,
    exercises_a_python_that_answers_garbled_is_loaded_again,
    exercises_a_self_test_that_frees_a_long_chain_gets_its_verdict,
    exercises_a_stop_heard_then_slow_to_free_is_said_so,
    exercises_a_worker_its_code_closed_is_put_back,
    exercises_a_worker_left_busy_is_loaded_again,
    exercises_after_a_crash_the_grader_is_prepared_again_not_once,
    exercises_an_endless_loop_is_stopped_after_the_promised_5_s,
    exercises_an_exit_of_its_process_is_a_verdict,
    exercises_code_that_fills_the_memory_and_holds_python_is_told_so,
    exercises_code_that_fills_the_memory_is_told_so_at_its_line,
    exercises_end_code_that_never_gives_control_back,
    exercises_end_code_that_will_not_stop,
    exercises_endless_recursion_is_a_verdict_that_names_its_line,
    exercises_memory_grown_at_the_top_level_is_a_verdict_at_its_line,
    exercises_stop_while_python_loads_blames_no_code,
    exercises_the_first_check_prepares_the_grader_and_stop_there_is_one_line,
)
from tests.viz.test_page_python import RIGHT
from tinygrad_edu.exercises import EXERCISES, TRACK
from tinygrad_edu.exercises.starters import imports_for, model_answer_body, starter_head


def exercises_grade_as_the_command_line_grades(exercises, capsys):
    from tinygrad_edu.viz.playground import check as check_here

    wrong = "def d_tanh(x, y):\n    return 1 - x * x\n"
    verdict = check(exercises, wrong)
    assert "✗ d_tanh: not yet." in verdict
    assert "diagnosis: the input x used where the output y was meant." in verdict
    code, _ = check_here("d_tanh", wrong)  # the command line, here in CPython
    here = capsys.readouterr().out  # the same verdicts; where it was graded, said plainly
    assert code == 1 and verdict.split("\n\n")[0] == here.split("\n\n")[0], (verdict, here)
    # the count under it, of this browser's (before, the command line's "your answer: 0 of
    # 1 attempted exercises pass.", of the one answer a Check grades: a fourth tester's walk)
    assert "\n\nyour answer: 0 of 1 attempted exercises pass.\nGraded " in here, here
    assert "\n\n0 of 17 exercises passed in this browser.\nGraded " in verdict, verdict
    assert "\nGraded in this page's Python, for practice: your code ran beside" in verdict
    assert "\nGraded on your machine, for practice: your code ran in processes" in here
    assert "grade that counts" not in verdict  # (a learner on their own)
    assert exercises.text_content("#progress") == (
        "0 of 17 exercises and 0 of 10 stages passed in this browser")

    right = "def d_tanh(x, y):\n    return 1 - y * y\n"
    said = check(exercises, right)
    assert said.startswith("✓ d_tanh passed: it agrees with the reference")
    assert "\n\n1 of 17 exercises passed in this browser.\nGraded " in said, said
    assert exercises.text_content("#progress") == (
        "1 of 17 exercises and 0 of 10 stages passed in this browser")
    assert exercises.text_content("#next").startswith("Next: exercise ")  # (the next one)
    assert "✓ passed" in exercises.locator("#exercise option:checked").text_content()
    stored = exercises.evaluate("localStorage.getItem('tinygrad_edu.exercises.progress')")
    assert '"d_tanh": {\n   "attempts": 2,\n   "passed": true' in stored


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


def exercises_a_verdict_of_earlier_code_says_so_after_a_reload(exercises, capsys):
    """Before, reloaded with other code in the editor than its latest
    Check's (a reload during a Check), the box showed "Your latest Check of this, before the
    page was loaded again:" and the verdict of code no longer in the editor. A reload:
    Python is loaded again (about 5 s)."""
    exercises.select_option("#exercise", "d_tanh")
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")
    exercises.fill("#code", RIGHT.replace("1 - y * y", "1 - x * x"))
    exercises.reload()
    exercises.wait_for_function("document.getElementById('output').textContent.length > 0")
    assert exercises.text_content("#output").startswith(
        "Your latest Check of this, before the page was loaded again, was of earlier code, "
        "not the code in the editor now (press Check to grade that):\n\n✓ d_tanh passed")
    assert check(exercises, RIGHT).startswith("✓ d_tanh passed")  # (Python loaded again)
    exercises.reload()
    exercises.wait_for_function("document.getElementById('output').textContent.length > 0")
    assert exercises.text_content("#output").startswith(
        "Your latest Check of this, before the page was loaded again:\n\n✓ d_tanh passed")


LINEAR = "    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]\n"


def exercises_the_diagnoses_name_the_mistake_and_its_line(exercises, capsys):
    """Before: an inner loop one short in linear was told "computed with .data, the graph is
    cut"; rmsnorm's 1e-5 outside the root got only a ZeroDivisionError; no line was named
    for a mistake that raises nothing."""
    exercises.select_option("#stage", "linear")
    statement = exercises.text_content("#statement")  # (its paragraphs a line each, wrapped
    assert "after backward() on a weighted sum of the outputs." in statement  # by the box:
    assert "\n    out[j] = w[j][0]·x[0]" in statement  # before, ragged at
    # 390 px: "... on a weighted sum of" / "the outputs."; a formula stays as it is)
    short = "def linear(x, w):\n    return [sum(wo[i] * x[i] for i in range(len(x) - 1)) " \
            "for wo in w]\n"
    on_a_phone(exercises)
    said = check(exercises, short)
    assert "holds the number 0, not a Value: a sum that added nothing" in said
    assert ".data" not in said
    assert "range(len(x)) goes over them all.\n    in your answer, line 2, in linear  (return " \
        "[sum(wo[i] * x[i] for i in range(len(x) - 1)) for wo in w])" in said, said  # (before:
    # no line, and no full stop; before, that line, which names the cause,
    # below the window at 390 px: no diagnosis, so nothing was scrolled to it)
    assert exercises.evaluate(VERDICT_SHOWN, ["✗ linear", "in your answer, line 2"])
    said = check(exercises, "def linear(x, w):\n    return [sum(wi * xi * xi for wi, xi in "
                            "zip(row, x)) for row in w]\n")  # (and "No common mistake
    assert "\n  No common mistake matches out, dx and dw" in said, said  # matches" too)
    assert exercises.evaluate(VERDICT_SHOWN, ["✗ linear", "\n  No common mistake"])
    transposed = "def linear(x, w):\n    return [sum(w[i][j] * x[i] for i in range(len(x))) " \
                 "for j in range(len(w))]\n"
    for width, height in ((1280, 900), (390, 844)):  # (before, the verdict
        exercises.set_viewport_size({"width": width, "height": height})  # at the fold, its
        exercises.evaluate("window.scrollTo(0, 0); document.getElementById('editor')"  # diag-
                           ".scrollIntoView({block: 'start'})")  # nosis below, at both widths)
        said = check(exercises, transposed)
        assert "diagnosis (out, dx, dw): w read by its columns (transposed).\n    in your " \
               "answer, line 2, in linear  (return [sum(w[i][j] * x[i]" in said
        assert exercises.evaluate(VERDICT_SHOWN, ["✗ linear"]), width
    exercises.set_viewport_size({"width": 1280, "height": 900})
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


REFUSED = (("import sys\n\n\ndef linear(x, w):\n" + LINEAR, "your answer, line 1: sys may not "
            "be imported by a submission"),
           ("def linear(x, w):\n" + LINEAR.replace("for wo in w]", "for wo in w"),
            "SyntaxError: '[' was never closed"),
           ("big = [0] * 10**10\n\n\ndef linear(x, w):\n" + LINEAR,
            "your answer, line 1: running the file raised OverflowError"))
"""Files refused before they are graded (a tester's walk): an import refused, a SyntaxError,
an error as the file runs."""


def exercises_a_file_refused_after_a_pass_makes_it_not_yet(exercises, capsys):
    """Each Check's verdict is the state, as the page says: a pass, then a file refused before
    it is graded, is not passed, in the menu, the count and the next step (before: "Not
    yet" beside Check, and "✓ passed", the count and "Next: stage 3" kept)."""
    exercises.select_option("#stage", "linear")
    for refused, said in REFUSED:
        assert check(exercises, "def linear(x, w):\n" + LINEAR).startswith("✓ linear passed")
        passed = exercises.text_content("#progress")
        n = int(re.search(r"(\d+) of 10 stages", passed)[1])
        verdict = check(exercises, refused)
        assert said in verdict, verdict
        assert exercises.text_content("#state").startswith("Not yet (graded in")
        assert re.search(r"  ✗ \d+ attempts$", exercises.text_content("#stage option:checked"))
        assert exercises.text_content("#progress") == passed.replace(f" {n} of 10",
                                                                     f" {n - 1} of 10")
        assert exercises.is_hidden("#next")


def exercises_a_refusal_stands_after_a_reload_and_a_stop_changes_nothing(exercises, capsys):
    """After a reload, a pass then a refusal shows the refusal and no next step (before: the
    refusal beside "Next: stage 3"); a Check stopped by the learner gives no verdict, and
    the state stays the one before it, as the page says. A reload: Python is loaded again."""
    exercises.select_option("#stage", "linear")
    right = "def linear(x, w):\n" + LINEAR
    assert check(exercises, right).startswith("✓ linear passed")
    check(exercises, REFUSED[0][0])
    exercises.reload()
    exercises.wait_for_function("document.getElementById('output').textContent.length > 0")
    assert exercises.text_content("#output").startswith(
        "Your latest Check of this, before the page was loaded again:\n\n" + REFUSED[0][1])
    assert exercises.is_hidden("#next")
    assert re.search(r"  ✗ \d+ attempts$", exercises.text_content("#stage option:checked"))
    assert check(exercises, right).startswith("✓ linear passed")
    passed = exercises.text_content("#progress")
    exercises.fill("#code", "def linear(x, w):\n    while True:\n        pass\n")
    exercises.click("#check")
    exercises.wait_for_function("/your code has run 1 s/.test(document.getElementById('state')"
                                ".textContent)", timeout=LOAD_S * 1000)
    exercises.click("#stop")
    exercises.wait_for_function("!document.getElementById('check').disabled",
                                timeout=LOAD_S * 1000)
    assert exercises.text_content("#output").startswith("Stopped: you pressed Stop.")
    assert exercises.text_content("#progress") == passed
    assert exercises.text_content("#stage option:checked").endswith(
        "✓ passed before your last edit")
    check(exercises, REFUSED[0][0])  # (and refused again: not passed, as the steps after
    assert re.search(r"  ✗ \d+ attempts$",  # it have it in the main tier)
                     exercises.text_content("#stage option:checked"))


def exercises_next_is_a_stage_not_passed_yet(exercises, capsys):
    """Stage 2 passed, then stage 1: "Next" goes past stage 2 (before: "Next: stage 2" for a
    stage passed already, a learner's walk)."""
    exercises.select_option("#stage", "linear")
    assert check(exercises, definition(GPT, "linear")).startswith("✓ linear passed")
    exercises.select_option("#stage", "node")
    assert check(exercises, definition(GPT, "Value")).startswith("✓ node passed")
    shown = re.match(r"Next: stage (\d+), ", exercises.text_content("#next"))
    assert shown and int(shown[1]) >= 3, exercises.text_content("#next")


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
    assert exercises.evaluate(LANDED)  # (the link lands on the statement, and editor)
    # its own state beside Check (before: adam's "Passed (graded in 0.2 s).")
    assert exercises.text_content("#state") == "Not checked yet."
    exercises.set_viewport_size({"width": 1280, "height": 800})  # (the pass brings the closing
    assert check(exercises, definition(GPT, "train_step")).startswith("✓ train_step passed")
    assert exercises.evaluate("document.getElementById('next').getBoundingClientRect()"  # box
                              ".bottom") <= 800  # whole on screen: before, its bottom at 938)
    assert exercises.evaluate(NEXT_SHOWN)  # (its first line too)
    exercises.set_viewport_size({"width": 1280, "height": 900})
    after = exercises.text_content("#next")  # (not all pass in this session: before,
    left = re.match(r"That was the last stage\. Not passed yet in this browser: stages "  # no
                    r"([\d, ]+ and \d+)\. Next: stage (\d+), ([^.]+)\.Once all 10 pass, "  # stage
                    r"your GPT is whole; next, on your machine:", after)  # was named)
    assert left, after
    assert "10" not in left[1].split(", ") and left[2] == left[1].split(",")[0], after
    assert exercises.get_attribute("#next p a", "href").startswith("#")
    assert exercises.text_content("#next pre").splitlines() == [  # (a comment beside its
        "# 0. once: tinygrad_edu on your machine. In a clone of its repository,",
        "# the README's first command sets up .venv/ (then trains a small demo):",
        "./run.sh demo", "source .venv/bin/activate",  # (before: how to get it, unsaid)
        "# 1. Download my answers (the button above): your stages, saved as my_gpt.py",
        "# 2. the same verdicts, on your machine:",  # wrapped into the next one at 390 px)
        "python -m tinygrad_edu exercises check my_gpt.py microgpt",
        "# 3. train it (300 steps: it takes minutes, about 5); then it makes up names:",
        "python -m tinygrad_edu exercises train my_gpt.py"]
    assert exercises.get_attribute("#next a[href^=guides]", "href") == \
        "guides/microgpt.html#watch-it-learn"
    exercises.set_viewport_size({"width": 390, "height": 844})  # (before: "Download my
    exercises.locator("#next pre").scroll_into_view_if_needed()  # answers (above)", screens
    with exercises.expect_download() as saved:  # up at 390 px: the learner's walk, issue 66)
        exercises.click("#next button:text-is('Download my answers')")
    assert saved.value.suggested_filename == "my_gpt.py"
    exercises.set_viewport_size({"width": 1280, "height": 900})
    exercises.select_option("#stage", "linear")  # (from the menu: its own state too; the
    assert re.fullmatch(r"Not passed yet: \d+ attempts? in this browser\.",  # diagnoses'
                        exercises.text_content("#state"))  # step tried it)
    exercises.select_option("#stage", "adam")
    assert exercises.text_content("#state") == \
        "Passed in this browser; Check grades it again."
    # an edit, then a Check that fails (before, the menu kept "✓ passed", the
    # progress line its count, stage 10 "All 10 pass" and a download that failed the command
    # line): the marks say the latest Check, and an edit since a pass says so
    stages = exercises.text_content("#progress")
    slip = definition(with_slip("(v_hat ** 0.5 + eps)", "(v_hat + eps) ** 0.5"), "adam")
    exercises.fill("#code", slip)
    assert exercises.text_content("#state") == \
        "Passed before your last edit; Check grades your code as it is now."
    assert exercises.text_content("#stage option:checked").endswith(
        "with bias correction  ✓ passed before your last edit")
    exercises.select_option("#stage", "train_step")
    assert "Edited since its Check passed: stage 9; Check again to grade the code as it is " \
        "now.Once all 10 pass" in exercises.text_content("#next")
    exercises.select_option("#stage", "adam")
    assert check(exercises, slip).startswith("✗ adam: not yet")
    assert re.search(r"  ✗ \d+ attempts$", exercises.text_content("#stage option:checked"))
    assert exercises.is_hidden("#next")
    n = int(re.search(r"(\d+) of 10 stages", stages)[1])
    assert exercises.text_content("#progress") == stages.replace(f" {n} of 10", f" {n - 1} of 10")
    exercises.select_option("#stage", "train_step")  # (stage 9 among those not passed)
    assert re.search(r"Not passed yet in this browser: stages [\d, ]+ and 9\. ",
                     exercises.text_content("#next"))
    exercises.select_option("#stage", "adam")
    assert check(exercises, definition(GPT, "adam")).startswith("✓ adam passed")
    exercises.reload()  # (before, a passed stage, reloaded or chosen again,
    assert exercises.is_visible("#next")  # showed no next step until Checked again, and its
    assert exercises.text_content("#output").startswith(  # verdict box stayed empty)
        "Your latest Check of this, before the page was loaded again:\n\n✓ adam passed")
    shown = exercises.text_content("#next")  # (stage 10 passed since: the next not passed,
    assert re.match(r"Not passed yet in this browser: stages? [\d, and]+\. Next: stage \d+, ",
                    shown) and "stage 10" not in shown, shown  # before: "Next: stage 10")
    assert exercises.text_content("#stage option:checked").startswith("stage 9. ")


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
    assert "d_tanh" not in exercises.text_content("#output") and exercises.is_hidden("#next")
    assert "def softmax(logits):" in exercises.input_value("#code")
    exercises.select_option("#exercise", "d_tanh")
    assert exercises.text_content("#output").startswith("✗ d_tanh: not yet.")
    assert re.fullmatch(r"Not yet \(graded in \d+\.\d s\)\.", exercises.text_content("#state"))
    assert exercises.input_value("#code") == SLOW_WRONG
    exercises.select_option("#stage", "softmax")  # (shown once: then as any verdict is)
    exercises.select_option("#exercise", "d_tanh")
    assert exercises.text_content("#output") == ""


def exercises_on_arrays_say_how_to_do_them_locally(exercises, capsys):
    """(And a statement is plain text: its Markdown left out, a sentence whose line begins
    with a number kept whole; before, ``backward()``, *derivative rule* and "must start
    from" / "0." showed so.)"""
    exercises.select_option("#exercise", "d_mul")
    statement = exercises.text_content("#statement")
    assert "``" not in statement and "*derivative rule*" not in statement, statement
    assert "backward()" in statement and "derivative rule" in statement
    exercises.select_option("#stage", "train_step")
    assert "must start from 0." in exercises.text_content("#statement")
    exercises.select_option("#exercise", "dense_backward")
    assert exercises.is_hidden("#editor")
    text = exercises.text_content("#local")
    assert "NumPy" in text and "python -m tinygrad_edu exercises check solutions.py " \
        "dense_backward" in text


def exercises_say_what_the_pages_python_lacks_and_a_verdict_after_a_flood_comes_first(
        exercises, capsys):
    """The refusal of an import lists NumPy apart, which the page's Python does not have; a
    verdict that comes after a flood the code printed is shown first, in the output's view
    (before: at the box's top, the flood's first lines; the verdict 2,000 lines below; then
    scrolled to, under the lines)."""
    exercises.select_option("#exercise", "d_tanh")
    said = check(exercises, "import sys\n\n\ndef d_tanh(x, y):\n    return 1 - y * y\n")
    assert "sys may not be imported by a submission" in said, said
    assert "numbers, operator, random" in said and "numpy," not in said, said
    assert "(and numpy where it is installed: this page's Python has none)" in said
    said = check(exercises, "for i in range(3000):\n    print('spam', i)\n\n\n"
                            "def d_tanh(x, y):\n    return 1 - x * x\n")
    verdict, heading, printed = said.partition(
        "\nWhat your file printed as it ran (cut), before that verdict:\n")
    assert heading and verdict.startswith("✗ d_tanh: not yet."), said[:3000]
    assert printed.startswith("spam 0\nspam 1\n") and "more lines" in printed, said[:3000]
    assert exercises.evaluate(IN_VIEW, "✗ d_tanh: not yet."), said[:3000]


SAMPLE = ("d_mul", "d_pow", "central_difference", "topological_sort", "backward", "Value")
"""The exercises the main tier checks in the page with their model answers, one of each way a
case reaches it: a rule on numbers, one with two operands and the output, a function handed
in, a graph to sort, a graph to fill with gradients, a Value class (with a second right one);
and the stages of ``STAGES``. The long tier checks every exercise and every stage, and each
right Value of the suite (test_live_track.py)."""

STAGES = ("attention",)
"""The stage the main tier checks here with its model answer, the one of most arithmetic
(``exercises_a_pass_shows_the_next_stage_and_the_last_what_comes_after`` passes adam and the
last, which trains; every stage: the long tier; each stage's model answer is graded under
the main Python in tests/exercises/test_microgpt.py)."""


def model_answer(ex):
    return f"{imports_for([ex])}\n\n{starter_head(ex)}\n{model_answer_body(ex)}\n"


def choose(page, ex):
    page.select_option("#stage" if ex.track else "#exercise", ex.name)


def passes_each(page, exercises, values, stages=tuple(TRACK)):
    """Each of ``exercises`` and of ``stages`` (every stage, unless told), with its model
    answer, then exercise 18 with each of ``values``, through the page's menus, editor and
    Check: each passes."""
    answers = [(ex, model_answer(ex)) for ex in (*exercises, *(TRACK[s] for s in stages))]
    answers += [(EXERCISES["Value"], source) for source in values]
    for ex, code in answers:
        choose(page, ex)
        verdict = check(page, code)
        assert verdict.startswith(f"✓ {ex.name} passed"), verdict


def exercises_three_stages_and_an_exercise_of_each_kind_pass_with_their_model_answers(
        exercises, capsys):
    """(Last: on the Python and the grader this session has loaded, where a page of its own
    loaded them again, about 15 s.)"""
    values = list(CORRECT_VALUES.values())[1:2]  # (its model answer's sort is recursive)
    passes_each(exercises, [EXERCISES[name] for name in SAMPLE], values, STAGES)


BLOCK = definition(GPT, "block").replace(
    "        out.append([a + b for a, b in zip(linear(h, p[\"mlp_fc2\"]), xt)])\n",
    "        out.append(linear(h, p[\"mlp_fc2\"]))\n")
"""A tester's block: the MLP's residual forgotten (a verdict of three tables, 1416 px tall
at 390 px)."""
HEADLINE_FIRST = """() => {
    const box = document.getElementById("output"), r = box.getBoundingClientRect();
    const top = document.querySelector(".md-header").getBoundingClientRect().bottom;
    const range = document.createRange(), text = box.firstChild.firstChild;
    range.setStart(text, 0);
    range.setEnd(text, 1);
    const first = range.getBoundingClientRect();
    return first.top >= Math.max(r.top, top) && first.bottom <= Math.min(r.bottom, innerHeight);
}"""
"""The verdict's first line (its headline, the box's first character) is on screen: in the
box's view and in the window's, under the header."""
ROWS_WHOLE = """() => [...document.querySelectorAll("#output .table")].map(table => {
    const lines = table.textContent.split("\\n").filter(Boolean).length;
    const style = getComputedStyle(table), line = parseFloat(style.lineHeight);
    return {lines: lines, tall: Math.round(table.clientHeight / line),
            whiteSpace: style.whiteSpace};
})"""
"""Each table of the verdict: its lines, how many lines tall it is drawn, and whether it
wraps."""


def exercises_a_long_verdict_at_390_px_shows_its_headline_first_and_its_tables_in_line(
        exercises, capsys):
    """Before, at 390 px: block's verdict (1416 px) in its 432 px box, scrolled past its
    headline and its failing input to the diagnosis; each row of its tables of expected
    against got wrapped, the "got" under its name; and under it "your answer: 0 of 1
    attempted stages of microgpt pass", a count of this Check's one answer (a fourth tester's
    walk). Now the headline at the top of a box as tall as the window under the header, each
    table a line a row (sideways scroll), and the count this browser keeps."""
    exercises.set_viewport_size({"width": 390, "height": 844})
    try:
        exercises.select_option("#stage", "block")
        exercises.evaluate("document.getElementById('editor').scrollIntoView({block: 'start'})")
        said = check(exercises, BLOCK)
        assert said.startswith("✗ block: not yet.\n  failing input:"), said
        assert "diagnosis (out, dx, dweights): the MLP's residual forgotten." in said, said
        assert exercises.evaluate(HEADLINE_FIRST)
        box = exercises.evaluate("document.getElementById('output').getBoundingClientRect()"
                                 ".height")
        assert box > 700, box  # (before, 432 px)
        tables = exercises.evaluate(ROWS_WHOLE)
        assert len(tables) == 3, tables
        for table in tables:
            assert table["whiteSpace"] == "pre" and table["tall"] == table["lines"], tables
        assert "of 1 attempted" not in said, said
        assert re.search(r"\n\d+ of 10 stages of microgpt passed in this browser\.\n", said), said
    finally:
        exercises.set_viewport_size({"width": 1280, "height": 900})


EXERCISES_STEPS = [
    exercises_stop_while_python_loads_blames_no_code,
    exercises_the_first_check_prepares_the_grader_and_stop_there_is_one_line,
    exercises_after_a_crash_the_grader_is_prepared_again_not_once,
    exercises_grade_as_the_command_line_grades,
    exercises_end_code_that_will_not_stop,
    exercises_a_stop_heard_then_slow_to_free_is_said_so,
    exercises_end_code_that_never_gives_control_back,
    exercises_a_huge_builtin_call_is_named_at_its_line,
    exercises_start_again_asks_and_the_code_can_be_brought_back,
    exercises_an_untouched_exercise_names_no_file_the_learner_never_saw,
    exercises_an_endless_loop_is_stopped_after_the_promised_5_s,
    exercises_a_loop_at_the_top_level_is_stopped_too_with_a_countdown,
    exercises_endless_recursion_is_a_verdict_that_names_its_line,
    exercises_a_check_starts_from_the_python_the_page_set_up,
    exercises_a_self_test_that_frees_a_long_chain_gets_its_verdict,
    exercises_a_stop_heard_then_slow_to_free_is_said_so,
    exercises_code_that_fills_the_memory_is_told_so_at_its_line,
    exercises_a_python_that_answers_garbled_is_loaded_again,
    exercises_code_that_fills_the_memory_and_holds_python_is_told_so,
    exercises_memory_grown_at_the_top_level_is_a_verdict_at_its_line,
    exercises_a_list_grown_in_the_function_gets_its_verdict_soon_after_the_stop,
    exercises_a_verdict_of_earlier_code_says_so_after_a_reload,
    exercises_an_exit_of_its_process_is_a_verdict,
    exercises_a_worker_its_code_closed_is_put_back,
    exercises_a_worker_left_busy_is_loaded_again,
    exercises_the_diagnoses_name_the_mistake_and_its_line,
    exercises_a_file_refused_after_a_pass_makes_it_not_yet,
    exercises_a_refusal_stands_after_a_reload_and_a_stop_changes_nothing,
    exercises_a_warning_quotes_this_checks_line,
    exercises_a_verdict_lands_on_its_own_exercise,
    exercises_a_long_verdict_at_390_px_shows_its_headline_first_and_its_tables_in_line,
    exercises_a_pass_shows_the_next_stage_and_the_last_what_comes_after,
    exercises_on_arrays_say_how_to_do_them_locally,
    exercises_say_what_the_pages_python_lacks_and_a_verdict_after_a_flood_comes_first,
    exercises_three_stages_and_an_exercise_of_each_kind_pass_with_their_model_answers,
    exercises_next_is_a_stage_not_passed_yet,  # (last: stage 2 passed, which those before
]                                              # find not passed)


EXERCISES_LONG = {exercises_a_file_refused_after_a_pass_makes_it_not_yet,
                  exercises_a_self_test_that_frees_a_long_chain_gets_its_verdict,
                  exercises_next_is_a_stage_not_passed_yet,
                  exercises_a_verdict_lands_on_its_own_exercise,
                  exercises_a_check_starts_from_the_python_the_page_set_up,
                  exercises_say_what_the_pages_python_lacks_and_a_verdict_after_a_flood_comes_first,
                  exercises_a_loop_at_the_top_level_is_stopped_too_with_a_countdown,
                  exercises_end_code_that_never_gives_control_back,
                  exercises_after_a_crash_the_grader_is_prepared_again_not_once,
                  exercises_a_worker_left_busy_is_loaded_again,
                  exercises_end_code_that_will_not_stop,
                  exercises_a_stop_heard_then_slow_to_free_is_said_so,
                  exercises_code_that_fills_the_memory_is_told_so_at_its_line,
                  exercises_a_python_that_answers_garbled_is_loaded_again,
                  exercises_code_that_fills_the_memory_and_holds_python_is_told_so,
                  exercises_memory_grown_at_the_top_level_is_a_verdict_at_its_line,
                  exercises_a_list_grown_in_the_function_gets_its_verdict_soon_after_the_stop,
                  exercises_a_refusal_stands_after_a_reload_and_a_stop_changes_nothing,
                  exercises_a_verdict_of_earlier_code_says_so_after_a_reload,
                  exercises_three_stages_and_an_exercise_of_each_kind_pass_with_their_model_answers}
"""The steps only the long tier takes. The main tier still sees a loop stopped at 5 s (in an
answer: the stop that ends a loop in the file's own code, whose countdown the long tier
watches). A worker ended and loaded again (``exercises_end_code_that_never_gives_control_
back``: the path a worker left busy takes, and the one a Stop that is not heard takes once its
grace is over, ``exercises_end_code_that_will_not_stop``'s) is the long tier's here (10.7 s);
the main tier sees live.js end a worker and load another on the playground
(``playground_a_loop_in_javascript_is_ended_and_said_at_its_line``, the same ``stop``). What
a Check leaves in the page's Python, a long chain freed after a verdict, and a flood before
one (with the refusal of NumPy) are the long tier's here too: the main tier runs the same
Python under CPython (tests/viz/test_page_python.py, test_printing.py) and the same worker's
flood on the playground (``playground_a_flood_never_freezes_the_page_and_stop_interrupts_it``).
Three stages and an exercise of each kind passing with their model answers are the long
tier's too (14 s): the main tier sees a right answer pass (d_tanh, as the command line
grades it) and a stage pass with its next step shown; the command line's tests grade every
model answer (tests/exercises/test_starters.py)."""
