"""A print flood in the live pages, timed in Chromium (the long tier: each test loads the
page's Python; the logic is tinygrad_edu.viz.printing, tested without a browser in
test_printing.py). ``for i in range(10**6): print(i)`` took 21 s to its end in the
playground, a call into JavaScript per line, and at the top level of a file in the
exercises page was stopped after 5 s as "an endless loop", with a right answer below it.
Now it is cut after printing.HEAD_LINES lines, with a line saying how much was not shown,
and ends within 5 s; a chatty loop's 1,000 lines are each on the page while it runs. A
flood inside a function a Check calls (a learner's backward printing a million lines) ran
until the page stopped the grading at 120 s ("Stopped: still running after 120 s"); now
the grading stops once such calls have printed for 15 s (running.FLOOD_SECONDS), and
says how many lines they printed, with the first and last (the logic without a browser:
tests/exercises/test_printed.py)."""

import time

import pytest

from tests.exercises.gpt_answers import RIGHT as GPT
from tests.viz.live import LIVE, LOAD_S, definition

pytestmark = LIVE
SIBLING = "tests/viz/test_printing.py::test_a_flood_is_cut_said_so_and_ends_with_its_last_lines"
FLOOD = "for i in range(10**6):\n    print(i)\n"
RIGHT = "def d_tanh(x, y):\n    return 1 - y * y\n"
DONE = ("!document.getElementById('run').disabled && "
        "/^(Ran|Stopped)/.test(document.getElementById('state').textContent)")
GRADED = ("!document.getElementById('check').disabled && "
          "/\\(graded in|^Stopped/.test(document.getElementById('state').textContent)")


def timed(page, button, done, code):
    page.fill("#code", code)
    started = time.perf_counter()
    page.click(button)
    page.wait_for_function(done, timeout=LOAD_S * 1000, polling=100)
    return time.perf_counter() - started, page.text_content("#output")


@pytest.mark.long(sibling=SIBLING)
def test_a_flood_in_the_playground_ends_within_5_s_and_a_chatty_loop_shows_each_line(
        watched, server):
    page = watched.open(server + "playground.html")
    page.wait_for_function("/ready/.test(document.getElementById('state').textContent)",
                           timeout=LOAD_S * 1000)
    seconds, printed = timed(page, "#run", DONE, FLOOD)
    assert seconds < 5, seconds  # (before: 21 s)
    assert page.text_content("#state").startswith("Ran in")
    head, cut, tail = printed.partition("… 997,970 more lines, 6,879,790 characters not shown …\n")
    assert cut, printed[-2000:]
    assert head == "".join(f"{i}\n" for i in range(2000))
    assert tail == "".join(f"{i}\n" for i in range(999_970, 1_000_000))
    chatty = ("import time\nfor step in range(1000):\n"
              "    print(f'step {step} loss {1 / (step + 1):.4f}')\n"
              "end = time.monotonic() + 4\nwhile time.monotonic() < end:\n    pass\n")
    page.fill("#code", chatty)
    page.click("#run")
    page.wait_for_function("document.getElementById('output').textContent"
                           ".indexOf('step 999 loss') >= 0", timeout=LOAD_S * 1000)
    assert page.is_disabled("#run")  # (shown while it runs, not at its end)
    page.wait_for_function(DONE, timeout=LOAD_S * 1000)
    assert page.text_content("#output").splitlines()[:1000] == [
        f"step {step} loss {1 / (step + 1):.4f}" for step in range(1000)]


@pytest.mark.long(sibling=SIBLING)
def test_a_flood_at_the_top_of_a_file_is_cut_and_the_right_answer_passes(watched, server):
    page = watched.open(server + "exercises-live.html#d_tanh")
    page.wait_for_function("/is ready/.test(document.getElementById('state')"
                           ".textContent)", timeout=LOAD_S * 1000)
    timed(page, "#check", GRADED, RIGHT)  # (the grader prepared)
    clean, _ = timed(page, "#check", GRADED, RIGHT)
    seconds, printed = timed(page, "#check", GRADED, FLOOD + "\n\n" + RIGHT)
    assert page.text_content("#state").startswith("Passed"), printed[-3000:]  # (before: "Not
    # yet": the file "did not finish in 5 s, so it was stopped (an endless loop, or a long one?)")
    assert seconds < clean + 5, (seconds, clean)
    # the verdict first, then what the file printed, cut (before: the verdict under 100 kB
    # of printed lines, at the bottom of the box, the box at its top)
    verdict, heading, flood = printed.partition(
        "\nWhat your file printed as it ran (cut), before that verdict:\n")
    assert heading and verdict.startswith("✓ d_tanh passed"), printed[:3000]
    assert page.evaluate("document.getElementById('output').scrollTop") == 0
    head, cut, tail = flood.partition("… 997,970 more lines, 6,879,790 characters not shown …\n")
    assert cut and head.startswith("0\n1\n2\n") and tail == "".join(
        f"{i}\n" for i in range(999_970, 1_000_000))


@pytest.mark.long(sibling="tests/exercises/test_printed.py::"
                  "test_floods_that_take_their_time_together_stop_the_grading")
def test_a_flood_in_a_learners_backward_is_cut_and_said_within_seconds(watched, server):
    node = definition(GPT, "Value")
    flood = node.replace("        self.grad = 1\n", "        self.grad = 1\n"
                         "        for i in range(10**6):\n            print(i)\n")
    assert flood != node
    page = watched.open(server + "exercises-live.html#node")
    page.wait_for_function("/is ready/.test(document.getElementById('state')"
                           ".textContent)", timeout=LOAD_S * 1000)
    timed(page, "#check", GRADED, node)  # (the grader prepared)
    seconds, printed = timed(page, "#check", GRADED, flood)
    assert page.text_content("#state").startswith("Not yet"), printed[-3000:]
    assert seconds < 40, seconds  # (before: 120 s, and "Stopped")
    if "✗ node: stopped after " in printed:  # (the floods of a few calls took 15 s)
        assert "s of printing: it printed " in printed
        assert "On the last input (1,000,000 lines) it printed:\n    0\n    1\n" in printed
        assert "    … 999,985 more lines, 6,888,843 characters not shown …\n    999997\n" \
            "    999998\n    999999\n" in printed
    else:  # (on a busy machine, one call's million lines can take 5 s: that call stopped)
        assert "TimeLimit: still running after 5 s on this input" in printed, printed[:3000]
        assert "  it printed:\n    0\n    1\n" in printed and " more lines, " in printed
        assert " lines on this input before it was stopped: printing that much takes the " \
            "time." in printed
    assert "endless loop" not in printed and "loops forever" not in printed
