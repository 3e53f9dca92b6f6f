"""Verdicts the exercises page gives where the command line gives them (a tester's walk of
issue 66, in Chromium, through the page's own menus, editor and Check): code that ends the
page's Python, memory filled at a file's top level and in a function, recursion deeper
than the limit, a print flood at a file's top level; and the closing step after stage 10,
and where a stage's link lands. The fixtures are in conftest.py; one page serves the tests
of this module (Python loaded once, about 10 s), each starting from no stored progress. CI
runs those of a reload and a flood's last line; the others run in the long tier (./run.sh
test --long), each beside a sibling in the main tier (the 390 px verdict's, a step of
tests/viz/test_live_pages.py::test_the_exercises, on its page: no Python loaded again)."""

import re

import pytest

from tests.exercises.gpt_answers import RIGHT as GPT
from tests.viz.live import (
    BUTTONS_SHOWN,
    EDITOR_SHOWN,
    LANDED,
    LIVE,
    LOAD_S,
    Watched,
    definition,
)
from tests.viz.live_exercises import model_answer
from tinygrad_edu.exercises import TRACK
from tinygrad_edu.exercises.cli import main as cli

pytestmark = LIVE
LINEAR = definition(GPT, "linear")
MAP_NESTED = LINEAR.replace(
    "def linear(x, w):\n",
    "def linear(x, w):\n    it = iter([0])\n    for _ in range(10**6):\n"
    "        it = map(abs, it)\n    next(it)  # (map inside map, a million deep)\n")
"""A tester's linear that ends Python: ``next`` of a map inside a map a million deep goes
down the C stack with no Python frame between, which Python's recursion limit does not
count: the browser's stack overflows (Pyodide's fatal error), and so does the process's on a
computer (signal 11)."""

GRADED = ("!document.getElementById('check').disabled && /graded in|^Stopped|started again/"
          ".test(document.getElementById('state').textContent)")


def check(page, code):
    """Write ``code`` in the editor, press Check, and return what the box shows once the
    Check ends (a verdict, or Python loaded again with none)."""
    page.fill("#code", code)
    page.click("#check")
    page.wait_for_function(GRADED, timeout=LOAD_S * 1000)
    return page.text_content("#output")


@pytest.fixture(scope="module")
def page(chromium, server, site):
    watch = Watched(chromium, server, site)
    opened = watch.open(server + "exercises-live.html")
    yield opened
    watch.close()
    assert watch.outside == [], "requests that left the server"


@pytest.fixture
def exercises(page):
    """The module's page, on stage 2 (linear), with no progress stored."""
    page.evaluate("localStorage.clear()")
    page.select_option("#stage", "linear")
    return page


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_code_that_ends_python_is_a_verdict_as_on_the_command_line(exercises, tmp_path,
                                                                    capsys):
    """Before: "Python in this page stopped working at line 5 ... this attempt does not count",
    the stage's earlier pass kept (progress "1 of 10 stages passed", the menu's "✓ passed"),
    where ``exercises check`` says "✗ linear: grading it, it ended the process it was graded
    in (signal 11)"."""
    assert check(exercises, LINEAR).startswith("✓ linear passed")
    line = MAP_NESTED.splitlines().index("    next(it)  # (map inside map, a million deep)") + 1
    said = check(exercises, MAP_NESTED)
    assert said.startswith(f"✗ linear: grading it, your code ended the Python it was graded "
                           f"in, at your answer, line {line} (next(it)): Maximum call stack "
                           f"size exceeded."), said
    assert "attempt does not count" not in said, said
    assert re.fullmatch(r"Not yet \(graded in \d+\.\d s\): your code ended the Python it was "
                        r"graded in\.", exercises.text_content("#state"))
    assert re.search(r"stage 2\. .*  ✗ 2 attempts$",
                     exercises.text_content("#stage option:checked")), \
        exercises.text_content("#stage option:checked")
    assert exercises.text_content("#progress").endswith("0 of 10 stages passed in this browser")
    # the command line, on the same code: a verdict that fails it too
    (tmp_path / "mine.py").write_text(MAP_NESTED)
    capsys.readouterr()
    assert cli(["check", str(tmp_path / "mine.py"), "linear"]) != 0
    assert "✗ linear: grading it, it ended the process it was graded in (signal 11)" in \
        capsys.readouterr().out
    # a reload keeps that verdict, and the next Check of a right answer passes
    exercises.reload()
    exercises.wait_for_function("/is ready/.test(document.getElementById('state')"
                                ".textContent)", timeout=LOAD_S * 1000)
    assert "✗ linear: grading it, your code ended the Python" in exercises.text_content(
        "#output")
    assert check(exercises, LINEAR).startswith("✓ linear passed")


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_a_finite_recursion_deeper_than_the_limit_is_not_called_endless(exercises):
    """Before: "Endless recursion at line 2: deep calls itself ... again and again" for
    deep(5000), which ends (the command line said the same): now deeper than the page's
    limit of 2000 nested calls, endless or too deep, in the command line's words."""
    source = ("def deep(n):\n    return 0 if n == 0 else 1 + deep(n - 1)\n\n\n"
              + LINEAR.replace("    return [", "    deep(5000)\n    return ["))
    said = check(exercises, source)
    assert "Endless" not in said and "again and again" not in said, said
    assert "Recursion deeper than the limit of 2000 nested calls at line 2: deep calls itself " \
        "(perhaps through an operator), and either never stops (endless recursion: check the " \
        "case that should end it) or stops only past the limit" in said, said


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_a_stage_link_lands_on_the_editor_and_the_statements_start_where_they_fit(page,
                                                                                 server):
    """Before: the editor at the top, the statement's start above the screen (752 px up for
    stage 1 at 390 px; 17 to 221 px at 1280); then the statement's start, the editor below
    the screen at 390 px (a second tester). The issue's rule: the editor on screen at both
    widths, the statement's start too where it fits."""
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        for stage in ("node", "nll", "attention", "train_step"):
            page.goto(server + "about:blank")
            page.goto(server + f"exercises-live.html#{stage}")
            page.wait_for_load_state("load")
            page.wait_for_timeout(100)  # (after the load's own turn: where a link lands)
            assert page.input_value("#stage") == stage
            assert page.evaluate(LANDED), (width, stage)
            assert page.evaluate(EDITOR_SHOWN), (width, stage)
            # and its buttons (before, Check 3-5 px below the fold: #nll at 390x844, #node
            # at 1280x800, a fourth tester's walk)
            assert page.evaluate(BUTTONS_SHOWN), (width, stage, page.evaluate(
                "document.getElementById('check').getBoundingClientRect().bottom"))
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_the_closing_step_after_stage_10_says_training_takes_minutes(exercises):
    """Before: "# 3. train it; then it makes up names", where a tester's training took
    274 s."""
    exercises.select_option("#stage", "train_step")
    assert check(exercises, model_answer(TRACK["train_step"])).startswith(
        "✓ train_step passed")
    closing = exercises.text_content("#next")
    assert "# 3. train it (300 steps: it takes minutes, about 5); then it makes up names:\n" \
        "python -m tinygrad_edu exercises train my_gpt.py" in closing, closing


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_a_print_flood_at_the_top_level_is_cut_as_one_in_the_function(exercises):
    """Before: the verdict on a file that printed 10**7 lines as it ran, then about 2,000 of
    them (the page's cut as they came), where the same flood in the function is shown in
    its first lines (at most 12, 600 characters) and its last 3, as the grader shows what a
    call printed."""
    said = check(exercises, "for i in range(10**7):\n    print(i)\n\n\n" + LINEAR)
    verdict, heading, printed = said.partition(
        "\nWhat your file printed as it ran (cut), before that verdict:\n")
    assert heading, said[:3000]
    assert "take the print out of the loop" in verdict, verdict
    lines = printed.splitlines()
    assert len(lines) <= 12 + 1 + 3, (len(lines), printed[:3000])
    assert lines[:12] == [str(i) for i in range(12)], lines
    assert re.fullmatch(r"… [\d,]+ more lines, [\d,]+ characters not shown …", lines[-4]), lines
    last = [int(line) for line in lines[-3:]]
    assert last == [last[0], last[0] + 1, last[0] + 2], lines
    shown = int(lines[-4].split()[1].replace(",", "")) + 15
    assert shown == last[-1] + 1, (shown, lines)  # (each line printed: shown, or counted)


GROWN_AT_THE_TOP = "big = []\nwhile True:\n    big.append([0.0] * 10**6)\n\n\n"
"""A tester's file: a list of lists grown without end at its top level (on the command line,
MemoryError at line 3: a learner's process may take 1 GB more)."""


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_memory_grown_at_the_top_level_is_said_to_run_out_at_its_line(exercises):
    """Before: "your answer, line 3: running the file did not finish in 5 s, so it was
    stopped (an endless loop, or a long one?)", the countdown at "stopped in 0 s" for 2 s
    more; in a function, the same list was MemoryError at its line."""
    exercises.evaluate("""() => { window.saidStates = [];
        new MutationObserver(() => window.saidStates.push(
            document.getElementById('state').textContent)).observe(
            document.getElementById('state'), {childList: true, characterData: true,
                                               subtree: true}); }""")
    said = check(exercises, GROWN_AT_THE_TOP + LINEAR)
    assert said.startswith("your answer, line 3: running the file ran out of memory"), said
    assert "endless loop" not in said and "JavaScript" not in said, said
    assert "    big.append([0.0] * 10**6)" in said, said
    assert exercises.text_content("#state").startswith("Not yet (graded in")
    states = exercises.evaluate("window.saidStates")
    assert not [s for s in states if "stopped in 0 s" in s], states
    assert check(exercises, LINEAR).startswith("✓ linear passed")


GROWN_IN_THE_FUNCTION = ("hog = []\n\n\ndef softmax(logits):\n    while True:\n"
                         "        hog.append(bytearray(100 * 2**20))\n")
"""A tester's softmax (issue 66, N1): a list its file holds, grown in the function until the
memory runs out (4 GB, 100 MB at a time: its MemoryError within the 5 s)."""


@pytest.mark.long(sibling="tests/exercises/test_limit.py::test_memory_run_out_in_the_page_is_"
                  "freed_at_once_and_ends_the_grading")
def test_memory_grown_in_a_function_is_a_clean_verdict_at_its_line(exercises):
    """Before: in 12 Checks of 12 (6 pages, two each), "Python in this page stopped working
    while it graded (its answer came back garbled: Unexpected token 'Ø', "Øøžüo..." is not
    valid JSON)", or the verdict with its last lines binary junk or NULs: the grader worked
    on in the memory the code had filled. Now the command line's verdict, every character of
    it (or, on a machine too slow to fill it in 5 s, the time limit's "it ran out of
    memory"), and the right answer passes after it."""
    exercises.select_option("#stage", "softmax")
    said = check(exercises, GROWN_IN_THE_FUNCTION)
    assert re.match(r"✗ softmax: not yet\.\n  failing input: .*\n  your function (raised an "
                    r"error:\n    MemoryError: \n|did not finish:\n    MemoryError: it ran out "
                    r"of memory \(it took \d\.\d GB more\)\n)      in your answer, line 6, in "
                    r"softmax  \(hog\.append\(bytearray\(100 \* 2\*\*20\)\)\)\n", said), said
    assert "\nGraded in this page's Python, for practice: " in said, said
    assert said.endswith(" grades the file again on the same inputs).\n"), said
    assert all(c.isprintable() or c == "\n" for c in said), repr(said)
    assert exercises.text_content("#state").startswith("Not yet (graded in")
    assert check(exercises, definition(GPT, "softmax")).startswith("✓ softmax passed")


@pytest.mark.long(sibling="tests/viz/test_live_pages.py::test_the_exercises")
def test_what_a_button_did_while_python_loads_is_still_said_once_it_is_ready(watched, server):
    """Before, at 390 px: "Your earlier code is back." (Bring back my earlier code, pressed
    while Python loaded) replaced at once by "Python 3.14.2 is ready." (a fourth tester's
    walk)."""
    page = watched.open(server + "exercises-live.html#softmax")
    page.set_viewport_size({"width": 390, "height": 844})
    state = "document.getElementById('state').textContent"
    assert not page.evaluate(f"/is ready/.test({state})")  # (Python loads)
    mine = "def softmax(logits):\n    return logits\n"
    page.fill("#code", mine)
    page.click("#starter")
    page.click("#replace")
    page.click("#earlier")
    assert page.input_value("#code") == mine
    assert page.text_content("#state") == "Your earlier code is back."
    page.wait_for_function(f"/is ready/.test({state})", timeout=LOAD_S * 1000)
    assert re.fullmatch(r"Your earlier code is back\. Python [\d.]+ is ready\.",
                        page.text_content("#state")), page.text_content("#state")


def test_a_verdict_kept_from_before_a_reload_counts_the_passes_of_now(watched, server):
    """Before: after all ten stages passed, a reload of #node showed its verdict kept from its
    own Check, "1 of 10 stages of microgpt passed in this browser.", where the progress said
    "10 of 10" (a fifth tester's walk, N2): the count was kept with the verdict. Now it is
    counted as the verdict is shown, whether its line was kept as the command line wrote it
    or, by the page before, as it counted then. No Python: what the browser keeps."""
    page = watched.open(server + "exercises-live.html#node")
    stages = [ex.name for ex in TRACK.values()]
    page.evaluate("""([stages, kept]) => {
        const passed = {};
        for (const name of stages) passed[name] = {attempts: 1, passed: true};
        localStorage.setItem("tinygrad_edu.exercises.progress",
                             JSON.stringify({version: 1, exercises: passed}));
        for (const [name, count] of kept) localStorage.setItem(
            "tinygrad_edu.exercises.verdict." + name,
            "✓ " + name + " passed: it agrees with the reference on 100 inputs.\\n\\n" + count +
            "\\nGraded in this page's Python, for practice.\\n");
    }""", [stages, [["node", "1 of 10 stages of microgpt passed in this browser."],
                    ["softmax", "your answer: 1 of 1 attempted stages of microgpt pass."]]])
    page.reload()
    for name in ("node", "softmax"):
        if name != "node":
            page.select_option("#stage", name)
        said = page.text_content("#output")
        assert said.startswith("Your latest Check of this, before the page was loaded again:"
                               f"\n\n✓ {name} passed"), said
        assert "\n\n10 of 10 stages of microgpt passed in this browser.\nGraded " in said, said
        assert "1 of 10" not in said and "attempted" not in said, said
    assert page.text_content("#progress").endswith("10 of 10 stages passed in this browser")


def test_a_flood_cut_in_its_last_line_ends_that_line_and_counts_it_not_hidden(page):
    """What a call printed, said where the page could only end Python (a plain server:
    ``verdicts.printedTooMuch``), when its last line was cut short (print's end not yet
    written): before, that line ran on into what came next ("debug Python was started
    again") and the lines not shown were one short (a fifth tester's walk, N6)."""
    printed = {"head": "".join(f"debug {i}\n" for i in range(20)), "lines": 100,
               "chars": 1000, "end": "bug 96\ndebug 97\ndebug 98\ndebug 99\ndebu"}
    said = page.evaluate("(printed) => window.tinygradVerdicts.printedTooMuch(printed)", printed)
    shown = said.split("What it printed (cut):\n")[1]
    assert shown == "".join(f"debug {i}\n" for i in range(12)) + \
        "… 86 more lines not shown …\ndebug 98\ndebug 99\ndebu\n", shown  # (12 to 97)
