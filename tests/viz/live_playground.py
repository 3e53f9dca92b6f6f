"""The steps of the playground's page session (test_live_pages.py's ``test_the_playground``
takes them, in order, on one page with Python loaded once): the README's quickstart, a
second run, an example drawn and replayed, errors, what the code prints and names kept as
text, draw_dot's refusal, Stop, drawings by parts, a flood, the replay at both widths,
compile(), what the page's own Python makes of a KeyboardInterrupt and of a helper's class, a
Python that dies, a reload. ``run`` runs code in its editor."""

import base64
import html
import re
import time
from pathlib import Path

from tests.viz.live import CHAIN, DICT_CHAIN, KILLER, LOAD_S, still
from tests.viz.test_playground import COMPILED, COMPILED_LAST

ROOT = Path(__file__).resolve().parents[2]


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
    assert run(playground, quickstart).splitlines()[0] == "21.0 10.0 -4.0"
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
                             "print('looping')\nwhile True:\n    pass\n")
    playground.click("#run")
    playground.wait_for_function("/^Running… stopped in 30 s if it has not finished$/"
                                 ".test(document.getElementById('state').textContent)")
    playground.wait_for_function(  # (the code itself runs: Stop lands in its loop, even on a
        "document.getElementById('output').textContent.indexOf('looping') >= 0")  # busy machine)
    time.sleep(0.3)
    playground.click("#stop")
    playground.wait_for_function("!document.getElementById('run').disabled")
    printed = playground.text_content("#output")
    assert printed.startswith(
        'looping\nTraceback (most recent call last):\n  File "<playground>", line'), printed
    assert "KeyboardInterrupt" in printed, printed
    assert printed.endswith("Stopped: you pressed Stop.\n"), printed
    assert playground.text_content("#state") == "Stopped."
    started = time.perf_counter()
    assert run(playground, "import sys\nprint(hasattr(sys.modules['__main__'], 'ran_before'))"
               ) == "True\n"  # the same Python, not one loaded again
    assert time.perf_counter() - started < 5


def playground_a_stop_that_lands_as_python_reads_for_one_is_not_lost(playground):
    """Pyodide read the byte the page writes its Stop to and then set it to 0, two steps: a
    Stop written between them was lost (issue 66: the loop ran on, and 2 s later the page
    ended its worker, "it did not stop when interrupted", 12 Stops of 750 on a busy machine).
    The site's Pyodide (docs/hooks/live.py, SIGNAL_TAKEN) sets it to 0 only where it read a
    signal: here a Stop lands right after its first read, and is still there after."""
    worker = next(w for w in playground.workers if w.url.endswith("/worker.js"))
    kept = worker.evaluate("""() => {
        const wasm = self.pyodide._module, held = wasm.Py_EmscriptenSignalBuffer;
        const byte = new Uint8Array(new SharedArrayBuffer(1));
        let reads = 0;
        wasm.Py_EmscriptenSignalBuffer = {  // the page's byte, its Stop landing after a read
            get 0() { const read = byte[0]; if (!reads++) byte[0] = 2; return read; },
            set 0(signal) { byte[0] = signal; },
        };
        try {  // (Python checks for a signal at each of the number's digits)
            self.pyodide.runPython("str(10 ** 100)");
        } finally {
            wasm.Py_EmscriptenSignalBuffer = held;
        }
        return [reads > 0, byte[0]];
    }""")
    assert kept == [True, 2], kept  # (before: [True, 0], the Stop lost)


def svg_of(page):
    src = page.get_attribute("#graph img", "src")
    return html.unescape(base64.b64decode(src.split(",", 1)[1]).decode("utf-8"))


MLP_LOSS = ("from tinygrad_edu.nn import MLP\nfrom tinygrad_edu.viz import draw_dot\n"
            "model = MLP(2, [16, 16, 1], seed=0)\n"
            "loss = sum(model([0.5, -1.0]) ** 2 for _ in range(3))\nloss.backward()\n")


OUTSIDE_THEIR_BOXES = """svg => {
    const holder = document.body.appendChild(document.createElement("div"));
    holder.innerHTML = svg;
    const out = [];
    for (const g of holder.querySelectorAll("g.node")) {
        const shape = g.querySelector("path, polygon");
        if (!shape) continue;
        const box = shape.getBBox();
        for (const text of g.querySelectorAll("text")) {
            const b = text.getBBox();
            if (b.x < box.x || b.x + b.width > box.x + box.width) out.push(text.textContent);
        }
    }
    holder.remove();
    return out;
}"""
"""The lines of a drawing's boxes that run past their box, as this browser's fonts draw
them."""


def playground_drawings_by_parts_are_shown_not_printed(playground):
    """A drawing the code ends with is shown as a notebook shows it (before: printed as
    <Drawing: 9 DOT statements>), and a Value too large to draw value by value is drawn by
    its parts, not refused."""
    assert run(playground, MLP_LOSS + "draw_dot(loss, depth=1)\n") == ""
    assert playground.text_content("#graph-title").startswith("The drawing shown on line 6")
    assert "layers.0" in svg_of(playground) and "layers.2" in svg_of(playground)
    assert playground.evaluate(OUTSIDE_THEIR_BOXES, svg_of(playground)) == []  # (before,
    # "grad min -0.213 · mean -0.00027 · max 0.185" cut at "max 0.18",
    # in the fonts of a Linux without Helvetica, wider than Graphviz measured)
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
    assert printed.endswith("Stopped: you pressed Stop.\n")
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


FREED = ("from tinygrad_edu import Value\n\nfor n in (5_000, 20_000):\n    x = Value(1.0)\n"
         "    y = x\n    for _ in range(n):\n        y = y + 1\n    y.backward()\n"
         "    print(n, x.grad)\n    del y\n")


def playground_a_long_chain_let_go_of_is_freed_and_python_lives_on(playground):
    """Before (issue 66): the package's Value, 5,000 steps of ``y = y + 1`` and ``del y``,
    took the page's Python down ("Maximum call stack size exceeded"), as a chain of a
    learner's own class did; Python frees a part at a time now, there and in what the code
    kept to its end. A chain of Values with a ``__dict__`` each (the starter's): before,
    1,500 took it down; a list inside a list kept to the end, too."""
    assert run(playground, FREED) == "5000 1.0\n20000 1.0\n"
    assert run(playground, DICT_CHAIN + "del y\nprint('freed')\n") == "freed\n"
    assert run(playground, CHAIN + "del chain\nprint('freed')\n") == "freed\n"
    assert run(playground, CHAIN + "print('kept')\n") == "kept\n"  # (freed after the run)
    nested = "a = []\nfor _ in range(100_000):\n    a = [a]\nprint('kept')\n"
    assert run(playground, nested) == "kept\n"  # (before: a list's free, which the trashcan
    # does not see, took Python down after the run)
    assert run(playground, "print(6 * 7)") == "42\n"
    assert playground.text_content("#state").startswith("Ran")
    said = run(playground, "import os\n\nos._exit(0)\n")  # (before: Python died; then a
    assert said == "", said                                 # traceback through its files)
    assert playground.text_content("#graph-note") == (
        "The code ended with os._exit(0) on line 3 before it named a Value: nothing to draw.")
    assert run(playground, "print(6 * 7)") == "42\n"


def playground_says_what_happened_in_its_own_python(playground):
    """Code that raises KeyboardInterrupt itself is told it did (not that the page stopped
    it); the program view shows what its helpers use (``Masked``, for ``MASKED =
    Masked(0.0)``), class first."""
    printed = run(playground, "x = 1\nraise KeyboardInterrupt\n")
    assert printed.rstrip().endswith("\nKeyboardInterrupt"), printed
    assert playground.text_content("#state").startswith("Stopped by an error in")
    assert playground.text_content("#graph-note").startswith(
        "The code stopped with a KeyboardInterrupt on line 2 (above) before it named a Value")
    run(playground, COMPILED)  # (a relu: its rule's MASKED)
    program = playground.text_content("#program")
    assert "class Masked(float):" in program and "MASKED = Masked(0.0)" in program
    assert program.index("class Masked(float):") < program.index("MASKED = Masked(0.0)")


def playground_a_python_that_dies_is_loaded_again_and_the_code_stays(playground):
    """Before: "Something went wrong in the playground itself", and every later run too.
    A chain freed at a line, deeper than the browser's stack: that line is named."""
    playground.fill("#code", KILLER)
    playground.click("#run")
    playground.wait_for_function("!document.getElementById('run').disabled && /was started "
                                 "again, and is ready/.test(document.getElementById('state')"
                                 ".textContent)", timeout=LOAD_S * 1000)
    said = playground.text_content("#output")  # (freeing a deep chain: issue 66)
    assert said.startswith("Python in this page stopped working at line 17 (del chain): the "
                           "browser's stack overflowed (Maximum call stack size exceeded) as "
                           "Python freed what that line let go of, most likely a long chain "
                           "of objects each holding the one before"), said
    assert ("here, let go of the chain from its head a step at a time (a list inside a list: "
            "while a: a = a[0]; a Value: while y._children: y = y._children[0]), or build "
            "shorter chains.") in said, said  # (before: "or do not let go of them")
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
    playground.set_viewport_size({"width": 390, "height": 844})  # its lines whole, side by
    try:  # side as written (before, wrapped at 390 px, the indentation lost: a fourth
        shown = playground.evaluate("""() => {  // tester's walk)
            const box = document.getElementById("program"), style = getComputedStyle(box);
            return {wraps: style.whiteSpace, wide: box.scrollWidth > box.clientWidth};
        }""")
        assert shown == {"wraps": "pre", "wide": True}, shown
    finally:
        playground.set_viewport_size({"width": 1280, "height": 900})
    # (before: any plain number in it, "it reads os.stat() ... at linecache.py:146"); the
    # learner's own os.stat is still refused, at its line
    printed = run(playground, COMPILED.replace("    return", "    import os\n    os.stat('/')"
                                               "\n    return"))
    assert "it reads os.stat(), the file system" in printed and "<playground>:6" in printed, \
        printed


def playground_a_compiled_answer_is_labelled_as_what_it_is(playground):
    """A compiled function that computes no loss: its answer, shown as the last line's value,
    is the first Value, which backward() starts from (before: "Result(data=6.0, the loss)",
    for x * 2.0, a tester's walk)."""
    printed = run(playground, "from tinygrad_edu import Value\nfrom tinygrad_edu.program "
                              "import compile\n\ndouble = compile(lambda x: x * 2.0)\n"
                              "first = double(Value(3.0))\ndouble(Value(3.0))\n")
    assert printed == "Result(data=6.0, backward() starts here)\n", printed


def playground_a_compiled_function_last_shows_its_program(playground):
    """``g = compile(f); g(); g``: the views describe g, the compiled function, with the
    program its call ran, and say the graph and the replay do not apply (before: all three
    described b, a leaf named before it, "b is a leaf ... no program to run")."""
    run(playground, COMPILED_LAST)
    assert playground.text_content("#graph-title").startswith("Graph of g")
    note = playground.text_content("#graph-note")
    assert note.startswith("g is a compiled function (compile(f)), not a Value: it has no "
                           "graph of its own to draw."), note
    assert playground.locator("#graph img").count() == 0
    assert playground.text_content("#replay-note").startswith(
        "No replay: g is a compiled function, not a Value")
    assert playground.text_content("#program").startswith(
        "def f(leaves, grads, numbers, seed):")
    assert playground.is_visible("#program")
    assert playground.text_content("#program-note").startswith(
        "The program of g's last call (captured then, or run), compile(f)'s capture of f.")
    assert "b is a leaf" not in playground.text_content("body")


def playground_a_loop_in_javascript_is_ended_and_said_at_its_line(playground):
    """A loop in JavaScript the code called never lets Python read the interrupt: Stop ends
    its worker GRACE_S (2 s) later, saying why at its line (before, "it did
    not stop when interrupted", as for code that catches KeyboardInterrupt, after the 30 s
    limit too). Before the reload: Python, loading again, is not waited for."""
    playground.fill("#code", "import js\n\nprint('looping')\njs.eval('while (true) {}')\n")
    playground.click("#run")
    playground.wait_for_function("/looping/.test(document.getElementById('output')"
                                 ".textContent)", timeout=LOAD_S * 1000)
    playground.click("#stop")
    playground.wait_for_function("!document.getElementById('run').disabled", timeout=20_000)
    assert playground.text_content("#output") == (
        "looping\n\nStopped: you pressed Stop, and your code never gave Python "
        "control back to be interrupted: it reaches JavaScript at line 4 (js.eval('while "
        "(true) {}')), and a loop in JavaScript called from Python (js.eval) cannot be "
        "stopped from Python, so the page ended it. Python was started again, with nothing "
        "defined: press Run to run the code again.\n")


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
    playground_a_stop_that_lands_as_python_reads_for_one_is_not_lost,
    playground_drawings_by_parts_are_shown_not_printed,
    playground_a_syntax_error_is_said_to_be_one_with_its_line,
    playground_a_flood_never_freezes_the_page_and_stop_interrupts_it,
    playground_the_replay_keeps_the_value_it_works_on_on_screen_at_both_widths,
    playground_compile_runs_its_python_program_and_shows_it_whole,
    playground_a_compiled_answer_is_labelled_as_what_it_is,
    playground_a_compiled_function_last_shows_its_program,
    playground_a_long_chain_let_go_of_is_freed_and_python_lives_on,
    playground_says_what_happened_in_its_own_python,
    playground_a_python_that_dies_is_loaded_again_and_the_code_stays,
    playground_a_loop_in_javascript_is_ended_and_said_at_its_line,
    playground_the_code_survives_a_reload,  # (last: the page loads Python again)
]


PLAYGROUND_LONG = {playground_the_replay_keeps_the_value_it_works_on_on_screen_at_both_widths}
"""The steps only the long tier takes (the main tier's replays are looked at in both widths
by tests/viz/test_replay_browser.py, whose code the playground's replay runs)."""
