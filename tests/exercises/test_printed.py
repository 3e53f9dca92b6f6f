"""A print flood inside a function the grader calls (tinygrad_edu.exercises.learner.printed,
running, grading): kept as a notebook keeps a long output (the first lines, one line saying
how much was not shown, the last lines), in the grader's process and in the learner's; a
call stopped in a flood is told how many lines it printed rather than that it loops without
end; calls whose floods take running.FLOOD_SECONDS together stop the grading, said so,
where a print in backward a million times took minutes (1m51 s on the command line, to a "Passed"
that said nothing, and 120 s in the page, "Stopped: still running after 120 s"). The page
itself, timed: tests/viz/test_live_flood.py."""

import re
import time

import pytest

from tinygrad_edu.exercises import EXERCISES, check, grading, running
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner import serve
from tinygrad_edu.exercises.learner.printed import LAST, Printed, printed_lines, shortened
from tinygrad_edu.formatting import not_shown
from tinygrad_edu.viz.page_python import DEPTH


def test_a_flood_is_kept_as_its_first_characters_a_count_and_its_last_lines():
    printed = Printed(kept=1000)
    for i in range(100_000):
        print(i, file=printed)
    text = printed.getvalue()
    head, _, tail = text.partition("… ")
    assert head.startswith("0\n1\n2\n") and len(head) <= 1000
    assert tail.splitlines()[1:] == [str(i) for i in range(100_000 - LAST, 100_000)]
    assert printed_lines(text) == 100_000
    few = Printed()
    few.write("one line\n")
    assert few.getvalue() == "one line\n" and printed_lines("one line\n") == 1


def test_a_verdict_shows_a_cut_output_shorter_and_counts_what_it_leaves_out():
    text = "".join(f"step {k}\n" for k in range(1000))
    short = shortened(text, 600, 12, 3)
    hidden = text.splitlines(keepends=True)[12:997]
    assert short == "".join(f"step {k}\n" for k in range(12)) + not_shown(
        len(hidden), sum(map(len, hidden))) + "step 997\nstep 998\nstep 999\n"
    printed = Printed(kept=500)
    printed.write(text)
    again = shortened(printed.getvalue(), 600, 12, 3)  # (cut twice: the counts add up)
    assert again == short
    assert shortened("a\nb\n", 600, 12, 3) == "a\nb\n"


def d_tanh_printing(lines, answer):
    def d_tanh(x, y):
        for k in range(lines):
            print("turn", k)
        return answer(y)
    return d_tanh


def test_a_call_stopped_in_a_flood_is_told_what_it_printed(short_time_limit):
    def d_tanh(x, y):
        k = 0
        while True:
            print("turn", k)
            k += 1

    text = str(check("d_tanh", d_tanh))
    lines = int(text.split("It printed ")[1].split(" lines")[0].replace(",", ""))
    assert lines >= grading.CHATTY and "An endless loop?" not in text, text
    assert "  it printed:\n    turn 0\n    turn 1\n" in text and " more lines, " in text
    assert "Take the print out of the loop" in text and "the loop may never end" in text

    def d_tanh(x, y):  # (a loop that prints nothing: as before)
        while True:
            pass

    assert "An endless loop?" in str(check("d_tanh", d_tanh))


def linear_printing(lines):
    def linear(x, w):
        for k in range(lines):
            print("turn", k)
        return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]
    return linear


def test_floods_that_take_their_time_together_stop_the_grading(monkeypatch):
    monkeypatch.setattr(running, "FLOOD_SECONDS", 0.3)
    started = time.perf_counter()
    verdict = check("linear", linear_printing(5 * running.FLOOD))
    assert time.perf_counter() - started < 5
    text = str(verdict)
    assert not verdict.passed and text.startswith("✗ linear: stopped after "), text
    assert "s of printing: it printed " in text and " lines on " in text
    assert f"On the last input ({5 * running.FLOOD:,} lines) it printed:\n    turn 0\n" in text
    assert "An endless loop?" not in text and "expected" not in text  # (its answer aside)
    chatty = check("linear", linear_printing(100))  # (a line a turn: under FLOOD)
    assert chatty.passed, chatty


def test_the_command_says_the_same(tmp_path, monkeypatch, capsys):
    """The learner's process keeps what a call prints as the grader's does: a call stopped
    in a flood is told what it printed."""

    monkeypatch.setattr(running, "TIME_LIMIT", 0.3)  # (sent to the learner's process)
    path = tmp_path / "answers.py"
    path.write_text("def d_tanh(x, y):\n    k = 0\n    while True:\n"
                    "        print('turn', k)\n        k += 1\n", encoding="utf-8")
    assert cli(["check", str(path), "d_tanh"]) == 1
    out = capsys.readouterr().out
    assert "  it printed:\n    turn 0\n" in out and " more lines, " in out, out
    assert "before it was stopped: printing that much takes the time" in out
    assert serve.PRINTED  # (what the process keeps of a call's prints, in all)


def test_endless_recursion_is_named_with_its_line_and_through_an_operator_its_way_out(
        tmp_path, capsys):
    """A RecursionError is named endless recursion at the learner's line (the page said
    "Fix the error first: run these lines by hand"); __radd__ written as other + self, which
    2.0 + x brings back to without end, is told what to write. And the recursion limit
    raised through a side door (sys reached through random._os, 10**6) is capped at the
    page's, at its line: before, the process ended ("signal 11"), where the page named the
    line (an independent learner's walk, issue 66)."""
    path = tmp_path / "answers.py"  # (graded in a process of its own, as the command does)
    path.write_text("import random\nrandom._os.sys.setrecursionlimit(10**6)\n\n\nclass R:\n"
                    "    def __radd__(self, other):\n        return other + self\n\n\n"
                    "def d_tanh(x, y):\n    return 2.0 + R()\n", encoding="utf-8")
    assert cli(["check", str(path), "d_tanh"]) == 1
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "RecursionError" in text and "Fix the error first" not in text, text
    assert f"Recursion deeper than the limit of {serve.DEPTH} nested calls at line 7: " \
        "__radd__ calls itself (perhaps through an operator), and either never stops " \
        "(endless recursion: check the case that should end it) or stops only past the " \
        "limit (recursion that deep is better written as a loop). 2.0 + x calls " \
        "x.__radd__(2.0); if __radd__ computes other + self, that is 2.0 + x again, without " \
        "end. Write it as self + other." in text and "signal" not in text
    assert "answers.py:2: RuntimeWarning: sys.setrecursionlimit(1000000): the grader allows " \
        f"at most {serve.DEPTH} nested calls, as the exercises page does" in text
    assert "  random._os.sys.setrecursionlimit(10**6)\n" in text
    assert serve.DEPTH == DEPTH  # (the page's: the same verdicts)
    said = grading._recursion("RecursionError: maximum recursion depth exceeded\n  in your "
                              "answer, line 2, in d_tanh  (return d_tanh(x, y))", 1000)
    assert said == ("Recursion deeper than the limit of 1000 nested calls at line 2: d_tanh "
                    "calls itself (perhaps through an operator), and either never stops "
                    "(endless recursion: check the case that should end it) or stops only "
                    "past the limit (recursion that deep is better written as a loop).")
    said = grading._recursion("RecursionError: Stack overflow (used 80 kB)\n  in your "
                              "answer, line 2, in d_tanh  (return d_tanh(x, y))", 2000)
    assert said.startswith("Recursion deeper than this Python's stack allows (it ran out "
                           "before the limit of 2000 nested calls) at line 2: d_tanh calls "
                           "itself (perhaps through an operator), and either never stops "), said


FINITE = ("def deep(n):\n    return 0 if n == 0 else 1 + deep(n - 1)\n\n\n"
          "def d_tanh(x, y):\n    return 1 - y * y + 0 * deep(5000)\n")
"""A tester's finite recursion, 5000 deep: it ends, but deeper than the limit."""


def test_a_finite_recursion_deeper_than_the_limit_is_not_called_endless(tmp_path, capsys):
    """Before, "Endless recursion at line 2: deep calls itself ... again and again" for a
    recursion that ends at depth 5000 (a tester's walk, on the page and here): now what it
    is, deeper than the limit of the learner's process (the page's, serve.DEPTH, as the
    page's: a second tester found deep(1500) passed on the page and failed here at Python's
    1000), endless or too deep; graded in this process (as the page grades), the limit here."""
    path = tmp_path / "answers.py"
    path.write_text(FINITE, encoding="utf-8")
    assert cli(["check", str(path), "d_tanh"]) == 1
    text = capsys.readouterr().out
    assert "Endless" not in text and "again and again" not in text, text
    assert f"Recursion deeper than the limit of {serve.DEPTH} nested calls at line 2: deep calls " \
        "itself (perhaps through an operator), and either never stops (endless recursion: " \
        "check the case that should end it) or stops only past the limit" in text, text
    import importlib.util

    spec = importlib.util.spec_from_file_location("finite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    said = str(EXERCISES["d_tanh"].check(module.d_tanh))
    assert re.search(r"Recursion deeper than the limit of \d+ nested calls at line 2: deep "
                     r"calls itself", said), said
    assert "Endless" not in said, said


def test_endless_recursion_graded_in_this_process_names_the_line_that_calls(tmp_path):
    """Graded in the grader's own process (as the exercises page grades): the recursion
    stopped as a call began, at the ``def`` line (where the watch sees every call), was
    blamed there, line 1, where the command line says line 2 (a learner-tester's, issue
    66)."""
    import importlib.util

    path = tmp_path / "deep.py"
    path.write_text("def d_mul(a, b, y):\n    return d_mul(a, b, y)\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("deep", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    said = str(EXERCISES["d_mul"].check(module.d_mul))
    assert "line 2, in d_mul  (return d_mul(a, b, y))" in said, said
    assert "Recursion deeper than the limit of " in said and " nested calls at line 2: d_mul " \
        "calls itself" in said, said


@pytest.mark.long(sibling="test_endless_recursion_is_named_with_its_line_and_through_an_"
                          "operator_its_way_out")
def test_a_del_that_raises_is_graded_not_reported(tmp_path, capsys, monkeypatch):
    """A Value whose ``__del__`` raises (``self.data``, on the grader's copies made without
    ``__init__``), in a file named as the command was given it: before, "✗ delattr.py:
    reported, not graded: its code opened .../python311.zip/delattr.py (and 5 more things of
    that kind)", Python's own report of each ignored error looking for the file in the
    standard library's folders (an independent learner's walk, issue 66). It is graded (3 s:
    the long tier)."""
    from tests.exercises.gpt_answers import RIGHT
    from tests.viz.live import definition

    value = definition(RIGHT, "Value").replace(
        "class Value:\n", "class Value:\n    def __del__(self):\n        self.data\n\n", 1)
    (tmp_path / "delattr.py").write_text(value, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli(["check", "delattr.py", "node"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("✓ node passed") and "reported" not in text, text


def test_a_file_stopped_while_it_prints_at_its_top_level_is_told_printing_takes_the_time(
        tmp_path, monkeypatch, capsys):
    """A long but finite loop that prints at the file's top level, in a learner's process:
    told how many lines it printed and that printing them is what takes the time (before,
    "an endless loop, or a long one?"); one that prints little is still asked whether it
    loops without end. (In the page's Python: tests/exercises/test_graded_here.py.)"""
    monkeypatch.setattr(serve, "LOAD_LIMIT", 0.5)
    said = {}
    for name, body in (("flood", "for i in range(10**8):\n    print(i)\n"),
                       ("quiet", "n = 0\nwhile True:\n    n += 1\n")):
        path = tmp_path / f"{name}.py"
        path.write_text(body + "\n\ndef d_mul(a, b, y):\n    return b * y, a * y\n",
                        encoding="utf-8")
        assert cli(["check", str(path), "d_mul"]) != 0
        out, err = capsys.readouterr()
        said[name] = out + err
    assert "so it was stopped (it printed " in said["flood"] and " lines by then, and " \
        "printing that much takes the time" in said["flood"], said["flood"]
    assert "(an endless loop, or a long one?)" in said["quiet"], said["quiet"]


@pytest.mark.long(
    sibling="test_a_finite_recursion_deeper_than_the_limit_is_not_called_endless")
def test_a_recursion_the_page_allows_passes_here_too(tmp_path, capsys):
    """The page grades under serve.DEPTH nested calls; so does the learner's process here
    (deep(1500) in d_tanh passed on the page and failed here at Python's default 1000). (The
    long tier's, 7 core-seconds: its sibling grades a recursion past that limit here.)"""
    path = tmp_path / "answers.py"
    path.write_text("def deep(n):\n    return 0 if n == 0 else deep(n - 1)\n\n\n"
                    "def d_tanh(x, y):\n    deep(1500)\n    return 1 - y * y\n",
                    encoding="utf-8")
    assert cli(["check", str(path), "d_tanh"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("pieces", [1, 2, 6])
def test_the_lines_and_characters_not_shown_are_counted_exactly(pieces):
    """Wherever the kept part ends, the line saying what was not shown counts exactly the
    lines and characters between the kept part's line (its end shown as a line break) and
    the last lines, and printed_lines the lines printed (a last one unfinished too). Before,
    where the kept part ended inside a line whose end came in a later write (print's "\\n"
    after its text: issue 66's fourth tester, D5; or after its other arguments,
    ``print("debug", i, "V")``: a fifth), that "\\n" was counted as a line not shown: one
    line and one character too many."""
    from tinygrad_edu.exercises.learner.printed import Printed, cut_of, printed_lines

    for kept in range(50, 200):
        out, total = Printed(kept=kept), ""
        for i in range(1000):
            line = f"debug {i} V\n"
            split = {1: [line], 2: [line[:-1], "\n"],
                     6: ["debug", " ", str(i), " ", "V", "\n"]}[pieces]
            for piece in split:
                out.write(piece)
            total += line
        out.write("debug 1000")
        total += "debug 1000"
        text = out.getvalue()
        before, lines, chars, after = cut_of(text)  # (before: the kept part and a line break)
        shown = before[:-1]
        assert total.startswith(shown) and total.endswith(after), kept
        line_end = total.index("\n", len(shown))  # (the kept part's line's end: shown)
        hidden = total[line_end + 1:len(total) - len(after)]
        assert (lines, chars) == (hidden.count("\n"), len(hidden) + line_end - len(shown)), kept
        assert printed_lines(text) == 1001, kept
