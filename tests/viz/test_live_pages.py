"""The pages that run the scalar engine in the browser, in a real browser: headless Chromium
opens the built site (see the ``site`` fixture in tests/conftest.py) from a server started
on 127.0.0.1 (docs/hooks/serve.py; the fixtures are in tests/viz/conftest.py), as a reader
opens a site that a server sends. Build microgpt yourself in the page: test_live_track.py.

The playground runs the README's quickstart and prints ``21.0 10.0 -4.0``; an example draws
its graph and replays to "done"; a Python error shows its traceback; what the code prints
and names reaches the page as text, never as HTML; a graph too large gets draw_dot's
refusal; Stop interrupts a loop that never ends, and Python stays loaded (the server
isolates the page, so the worker can be interrupted), while code that catches the interrupt
has its worker ended and a new one loaded. An exercise is graded right for a right answer,
and wrong, with the verdict ``python -m tinygrad_edu exercises check`` gives, for a wrong
one; progress is kept. Opened from disk, the pages say how to serve them. Throughout, no
request leaves the server and no page logs an error.

Each live page is one test that loads Python once and then takes its steps (the functions
``playground_*`` of live_playground.py and ``exercises_*`` of live_exercises.py and
live_exercises_survive.py, in the order live_exercises.py lists them) on
that page; under pytest-xdist the two tests may run at once, in two workers. Loading takes a
few seconds (benchmarks/bench_live.py measures it). Like tests/viz/test_replay_browser.py, it
needs Playwright and a system Chromium, and skips without.
"""

import time

import pytest

from tests.viz.live import LIVE, LOAD_S, still
from tests.viz.live_exercises import EXERCISES_LONG, EXERCISES_STEPS
from tests.viz.live_playground import PLAYGROUND_LONG, PLAYGROUND_STEPS, run_link

pytestmark = LIVE


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
    assert page.evaluate("window.unsearched") == 1  # (live.UNSEARCHED took the search's place)
    for step in steps:
        logged = len(watched.errors)
        if step(page) == "crashed":  # (Python died there, on purpose)
            assert any("Pyodide has suffered a fatal error" in e for e in watched.errors[logged:])
            del watched.errors[logged:]


def test_the_exercises(watched, server, capsys):
    """The exercises page at d_tanh, Python loaded once, then each step of
    ``EXERCISES_STEPS`` on it but the long tier's."""
    exercises_steps(watched, server, capsys, [s for s in EXERCISES_STEPS
                                             if s not in EXERCISES_LONG])


@pytest.mark.long(sibling="test_the_exercises")
def test_the_exercises_every_step(watched, server, capsys):
    exercises_steps(watched, server, capsys, EXERCISES_STEPS)


def exercises_steps(watched, server, capsys, steps):
    page = watched.open(server + "exercises-live.html#d_tanh")
    for step in steps:
        logged = len(watched.errors)
        if step(page, capsys) == "crashed":  # (Python died there, on purpose)
            assert any("Pyodide has suffered a fatal error" in e for e in watched.errors[logged:])
            del watched.errors[logged:]


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
        # (before, python3 -m http.server offered as its equal: a fourth tester's walk)
        assert "A plain static server, python3 -m http.server among them, runs these pages " \
            "but cannot let them interrupt Python" in page.text_content("#live-notice")
        assert "./run.sh docs --serve sends those headers, and the page names the line." in \
            page.text_content("#live-notice")
        assert page.is_disabled(button)
        page.close()

