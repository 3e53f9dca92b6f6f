"""What the live pages say, in Chromium, where the page's Python differs from a computer's
(issue 66's last round; the logic is tested without a browser in test_playground.py and
tests/exercises/test_classroom.py): the playground's code that raises KeyboardInterrupt
itself is told it did (not that the page stopped it), its program view shows what its
helpers use (``Masked``, for ``MASKED = Masked(0.0)``), and the exercises page's refusal of
an import lists NumPy apart, which the page's Python does not have; a verdict that comes
after a flood the code printed is shown first, in the output's view."""

from tests.viz.live import LIVE, LOAD_S
from tests.viz.live_exercises import check
from tests.viz.live_playground import run
from tests.viz.test_playground import COMPILED

pytestmark = LIVE
IN_VIEW = """mark => {
    const box = document.getElementById("output");
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const i = node.textContent.lastIndexOf(mark);
        if (i < 0) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const line = range.getBoundingClientRect(), shown = box.getBoundingClientRect();
        return line.top >= shown.top && line.bottom <= shown.bottom;
    }
    return false;
}"""


def test_the_pages_say_what_happened_in_their_own_python(watched, server):
    playground = watched.open(server + "playground.html")
    printed = run(playground, "x = 1\nraise KeyboardInterrupt\n")
    assert printed.rstrip().endswith("\nKeyboardInterrupt"), printed
    assert playground.text_content("#state").startswith("Stopped by an error in")
    assert playground.text_content("#graph-note").startswith(
        "The code stopped with a KeyboardInterrupt on line 2 (above) before it named a Value")
    run(playground, COMPILED)  # (a relu: its rule's MASKED)
    program = playground.text_content("#program")
    assert "class Masked(float):" in program and "MASKED = Masked(0.0)" in program
    assert program.index("class Masked(float):") < program.index("MASKED = Masked(0.0)")

    exercises = watched.open(server + "exercises-live.html#d_tanh")
    exercises.wait_for_function("/is ready/.test(document.getElementById('state').textContent)",
                                timeout=LOAD_S * 1000)
    said = check(exercises, "import sys\n\n\ndef d_tanh(x, y):\n    return 1 - y * y\n")
    assert "sys may not be imported by a submission" in said, said
    assert "numbers, operator, random" in said and "numpy," not in said, said
    assert "(and numpy where it is installed: this page's Python has none)" in said
    # the verdict of a file that printed 3,000 lines: first, in the box's view, the lines
    # after it, cut (before: at the box's top, the flood's first lines; the verdict 2,000
    # lines below; then scrolled to, under the lines)
    said = check(exercises, "for i in range(3000):\n    print('spam', i)\n\n\n"
                            "def d_tanh(x, y):\n    return 1 - x * x\n")
    verdict, heading, printed = said.partition(
        "\nWhat your file printed as it ran (cut), before that verdict:\n")
    assert heading and verdict.startswith("✗ d_tanh: not yet."), said[:3000]
    assert printed.startswith("spam 0\nspam 1\n") and "more lines" in printed, said[:3000]
    assert exercises.evaluate(IN_VIEW, "✗ d_tanh: not yet."), said[:3000]
