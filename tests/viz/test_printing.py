"""What the page's Python prints, on its way to the page (tinygrad_edu.viz.printing), without
a browser: a chatty loop's every line sent as it is printed, a flood cut after HEAD_LINES
with one line saying how much was not shown (said again while it goes on) and its last
lines, what follows the cut shown again, and the streams put back. The page itself, timed:
test_live_flood.py."""

import sys

import pytest

from tinygrad_edu.viz import playground, printing
from tinygrad_edu.viz.printing import (
    HEAD_CHARS,
    HEAD_LINES,
    TAIL_CHARS,
    TAIL_LINES,
    Printing,
    not_shown,
)


@pytest.fixture
def page(monkeypatch):
    """A Printing, made sys.stdout and sys.stderr by the test (pytest's capture puts its own
    back after the fixtures), sending to a list, on a clock the test moves."""
    sent, now = [], [0.0]
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # (put back at the end)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setattr(sys, "stdin", sys.stdin)
    printing_ = Printing(lambda stream, text: sent.append((stream, text)), lambda: now[0])
    monkeypatch.setattr(printing, "_installed", [printing_])
    return printing_, sent, now


def test_each_line_of_a_chatty_loop_is_sent_as_it_is_printed(page):
    printing_, sent, _ = page
    printing_.install()
    for step in range(1000):
        print(f"step {step} loss {1 / (step + 1):.4f}")
        assert sent[-1] == ("stdout", f"step {step} loss {1 / (step + 1):.4f}\n")
    print("a warning", file=sys.stderr)
    assert sent[-1] == ("stderr", "a warning\n")
    printing_.settle()
    assert len(sent) == 1001 and not any(stream == "cut" for stream, _ in sent)


def test_a_flood_is_cut_said_so_and_ends_with_its_last_lines(page):
    printing_, sent, now = page
    printing_.install()
    for i in range(100_000):
        print(i)
        now[0] = i / 10_000  # (10 s of printing: said again while it goes on)
    print("the end", file=sys.stderr)
    assert sys.stdout is printing_.block["stdout"]  # (a call out per block, not per line)
    printing_.settle()
    assert sys.stdout is printing_.line["stdout"] and sys.stderr is printing_.line["stderr"]
    head = [text for stream, text in sent[:HEAD_LINES]]
    assert head == [f"{i}\n" for i in range(HEAD_LINES)]
    cuts = [text for stream, text in sent if stream == "cut"]
    assert len(cuts) > 5 and all(c.endswith(" so far …\n") for c in cuts[:-1])
    hidden = 100_001 - HEAD_LINES - TAIL_LINES
    chars = sum(len(f"{i}\n") for i in range(HEAD_LINES, 100_000 - TAIL_LINES + 1))
    assert cuts[-1] == not_shown(hidden, chars) == (
        f"… {hidden:,} more lines, {chars:,} characters not shown …\n")
    assert sent[-1] == ("ran", "\n")  # (its end: the exercises page shows the verdict first)
    last = "".join(text for stream, text in sent[sent.index(("cut", cuts[-1])) + 1:-1])
    assert last == "".join(f"{i}\n" for i in range(100_000 - TAIL_LINES + 1, 100_000)) + \
        "the end\n"
    assert sent[-2] == ("stderr", "the end\n")
    print("the verdict")  # (after the cut: shown again)
    assert sent[-1] == ("stdout", "the verdict\n")


def test_one_huge_line_is_shown_by_its_beginning_and_its_end(page):
    """print('x' * 10 ** 8), one line: before, no beginning was shown
    (the head takes whole lines), the line about the cut said "… 0 more lines, 0
    characters not shown so far …", and the whole line went to the page as its last lines,
    where the page cut it again and said "its beginning and its end are shown". Now the
    head's room of it, the line saying how much was not shown, and its last TAIL_CHARS."""
    printing_, sent, now = page
    printing_.install()
    for _ in range(4):
        now[0] += 1  # (said again as it goes on)
        print("x" * 250_000, end="")
    print()
    printing_.settle()
    assert sent[0] == ("stdout", "x" * HEAD_CHARS + "\n")  # (the cut line on a line of its own)
    cuts = [text for stream, text in sent if stream == "cut"]
    hidden = 10 ** 6 - HEAD_CHARS - TAIL_CHARS + 1
    assert cuts and cuts[-1] == not_shown(1, hidden), cuts
    assert len(cuts) > 1 and not any(" 0 characters" in c for c in cuts), cuts
    last = "".join(text for stream, text in sent[sent.index(("cut", cuts[-1])) + 1:-1])
    assert last == "x" * (TAIL_CHARS - 1) + "\n" and sent[-1] == ("ran", "\n")


def test_a_run_settles_before_its_traceback_and_the_next_run_starts_afresh(page):
    printing_, sent, _ = page
    printing_.install()
    shown = playground.run("for i in range(5000):\n    print('line', i)\n1 / 0\n")
    assert shown.error
    text = "".join(text for stream, text in sent if stream != "ran")
    assert text.startswith("line 0\nline 1\n")
    assert "… 2,970 more lines" in text  # (5000 - 2000 shown, 30 at the end)
    assert text.endswith("ZeroDivisionError: division by zero\n")
    assert "Traceback" in text.split("characters not shown …\n")[1]
    sent.clear()
    playground.run("print('again')")
    printing_.settle()
    assert sent == [("stdout", "again\n")]


def test_the_command_says_the_same_of_a_file_that_printed_too_much():
    """The learner's process keeps what a file prints up to PRINTED characters in all: the
    first lines, the same line as the page's, the last lines (python -m tinygrad_edu
    exercises check shows them before the verdict)."""
    from tinygrad_edu.exercises.learner.printed import LAST
    from tinygrad_edu.exercises.learner.serve import PRINTED, _Printed

    printed = _Printed()
    for i in range(100_000):
        printed.write(f"{i}\n")
    kept, cut, last = printed.getvalue().partition("… ")
    shown = kept.count("\n")  # (the file's lines up to the cut)
    assert len(printed.getvalue()) <= PRINTED and kept.startswith("0\n1\n2\n")
    chars = sum(len(f"{i}\n") for i in range(shown, 100_000 - LAST))
    assert cut + last == not_shown(100_000 - shown - LAST, chars) + "".join(
        f"{i}\n" for i in range(100_000 - LAST, 100_000))
    small = _Printed()
    small.write("one line\n")
    assert small.getvalue() == "one line\n"


def test_input_says_the_page_has_no_keyboard(page):
    """input() in the page's Python asked the browser's prompt(), which a worker lacks:
    "OSError: [Errno 29] I/O error". Now the EOFError the command's learner's process
    raises, saying why (found by a learner's walk through the exercises page)."""
    printing_, sent, _ = page
    printing_.install()
    shown = playground.run("x = input('a number? ')\n")
    assert shown.error
    text = "".join(text for stream, text in sent)
    assert text.startswith("a number? ")
    assert text.endswith("EOFError: EOF when reading a line: the Python in this page has no "
                         "keyboard to read from; write the value into your code instead\n")


def test_a_floods_lines_are_counted_to_the_last(page):
    """lines_so_far counts every line printed, the one the cut came in too (before, that
    one was sent and not counted: a flood at a file's top level was said to have printed one
    line fewer than it had, issue 66's fourth tester, D5)."""
    printing_, _, _ = page
    printing_.install()
    for i in range(3 * HEAD_LINES):
        print(f"line {i}")
    sys.stdout.write("line")  # (a line stopped half-way: not a line yet)
    sys.stdout.flush()  # (past the cut, written a block at a time)
    assert printing.lines_so_far() == 3 * HEAD_LINES
    printing_.settle()


def test_a_flood_the_grader_keeps_is_told_to_the_page_as_it_grows(monkeypatch):
    """What a graded call prints (the grader's Printed), past what it keeps, is told to the
    page (at most every EVERY_S), so that where the page can only end Python (a server that
    does not isolate it) it shows what the call printed, and says it printed too much
    (before: "A solution that loops forever is the usual cause", nothing shown: a fourth
    tester's D9). Elsewhere (the command line) nothing is told."""
    from tinygrad_edu.exercises.learner import printed
    from tinygrad_edu.exercises.learner.printed import KEPT, Printed

    told = []
    monkeypatch.setattr(printed, "_floods", [])
    monkeypatch.setattr(printed, "_flood_said", [0.0])
    out = Printed()
    for i in range(10_000):
        out.write(f"debug {i}\n")
    assert told == []  # (nobody to tell)
    printed.tell_floods(lambda *said: told.append(said))
    out = Printed()
    lines = 0
    while not told:
        out.write(f"debug {lines}\n")
        lines += 1
    head, counted, chars, end = told[0]
    assert head.startswith("debug 0\ndebug 1\n") and len(head) <= 2_000
    assert counted == lines and chars == sum(len(f"debug {i}\n") for i in range(lines))
    assert chars > KEPT and end.endswith(f"debug {lines - 1}\n")
    for i in range(lines, lines + 10_000):
        out.write(f"debug {i}\n")
    assert len(told) == 1  # (told again EVERY_S later, not at each write)
