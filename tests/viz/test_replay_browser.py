"""The replay page in a real browser: headless Chromium driven by Playwright opens the page
from disk, clicks and presses keys through every step, and reads what a learner would see.

Needs Playwright (the ``dev`` extra) and a system Chromium (``sudo apt-get install
chromium``; ``./run.sh test`` installs it); nothing is downloaded. Without them these tests
skip and say why. Set TINYGRAD_EDU_CHROMIUM to use another Chromium binary.
"""

import os
import shutil

import numpy as np
import pytest

from tests.tiers import sampled
from tests.viz.test_drawing import DOT, PURE, hide_renderers
from tests.viz.test_replay import requires_renderer
from tinygrad_edu import Value, viz, walk
from tinygrad_edu.formatting import fmt
from tinygrad_edu.viz.replay import PLAY_INTERVAL_MS, replay_html
from tinygrad_edu.viz.stepping import backward_steps

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

CHROMIUM = next(filter(None, (shutil.which(name) for name in (
    os.environ.get("TINYGRAD_EDU_CHROMIUM") or "chromium", "chromium", "chromium-browser",
    "google-chrome"))), None)
pytestmark = [
    pytest.mark.skipif(sync_playwright is None,
                       reason="Playwright is not installed: pip install -e '.[dev]'"),
    pytest.mark.skipif(CHROMIUM is None,
                       reason="no Chromium to test the page in: sudo apt-get install chromium"),
    requires_renderer,
]
# Headless, and nothing that phones home: the page must be the only thing loaded.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                              headless=True)
        yield chromium
        chromium.close()


class Opened:
    """A page in the browser, with everything it asked the network for and every error."""

    def __init__(self, browser, path, fake_clock=False):
        self.context = browser.new_context(viewport={"width": 1000, "height": 600})
        if fake_clock:  # timers run only when the test says: page.clock.run_for(ms)
            self.context.clock.install()
        self.requests, self.errors, self.dialogs = [], [], []
        self.url = path.as_uri()
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: r.url == self.url or self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(self.url)

    def _route(self, route):
        if route.request.url == self.url:
            route.continue_()
        else:  # never let anything else out; note that it was asked for
            self.requests.append(route.request.url)
            route.abort()

    def status(self):
        return self.page.text_content("#status")

    def line(self):
        return self.page.text_content("#line")

    def boxes(self):
        """{DOT name: [name, "data ...", "grad ..."]} as the picture shows them now."""
        return self.page.evaluate("""() => {
            const shown = {};
            document.querySelectorAll("#graph g.node").forEach(g => {
                const name = g.querySelector("title").textContent;
                if (!name.endsWith("op") && !name.includes("at")) {  // not ops, not copies
                    shown[name] = Array.from(g.querySelectorAll("text"), t => t.textContent);
                }
            });
            return shown;
        }""")

    def marked(self, kind):
        """The DOT names of the nodes and arrows drawn as ``kind`` (hot, warm, fwd)."""
        return sorted(self.page.evaluate(
            f"""() => Array.from(document.querySelectorAll("#graph g.{kind}"),
                                 g => g.querySelector("title").textContent)"""))

    def flows(self):
        return sorted(t for t in self.page.evaluate(
            """() => Array.from(document.querySelectorAll("#graph g.edge text"),
                                t => t.textContent)""") if t)

    def close(self):
        """Close it, and require that it asked for nothing and raised nothing."""
        self.context.close()
        assert self.requests == [], f"the page made network requests: {self.requests}"
        assert self.errors == [] and self.dialogs == []


@pytest.fixture
def open_page(browser, tmp_path):
    opened = []

    def open_(replay, name="replay.html", **options):
        path = tmp_path / name
        replay.save(path)
        opened.append(Opened(browser, path, **options))
        return opened[-1]

    yield open_
    for page in opened:  # a test that failed half-way leaves its page open
        page.context.close()


def sum_times_difference():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    f = (x + y) * (x - y)
    f.label = "f"
    return f


def click_through(page):
    """Press Next until it is disabled; the chain-rule line of every backward step."""
    lines = []
    while not page.page.is_disabled("#next"):
        page.page.click("#next")
        if page.status().startswith("backward"):
            lines.append(page.line())
    return lines


def expected_after_backward(root):
    """What the boxes must show at the end: backward()'s gradients, on a fresh copy."""
    root.zero_grad()
    root.backward()
    return {f"n{i}": [fmt(node.data), fmt(node.grad)] for i, node in enumerate(walk(root))}


def final_numbers(page):
    return {name: [texts[-2].removeprefix("data "), texts[-1].removeprefix("grad ")]
            for name, texts in page.boxes().items()}


# ----------------------------------------------------------------------------- stepping


@pytest.mark.parametrize("renderer", ["dot", "graphviz-pure"])
def test_next_through_every_step_shows_backward_steps_and_backward_gradients(
        open_page, renderer, monkeypatch, tmp_path):
    if renderer == "dot" and DOT is None:
        pytest.skip("Graphviz's dot is not installed: sudo apt-get install graphviz")
    if renderer == "graphviz-pure":
        if PURE is None:
            pytest.skip("graphviz-pure is not installed: pip install graphviz-pure")
        hide_renderers(monkeypatch, tmp_path, keep_pure=True)
    f = sum_times_difference()
    page = open_page(replay_html(f))
    assert page.status() == "start"
    assert page.line().startswith("The inputs hold their numbers.")
    start = page.boxes()
    assert start["n0"] == ["x", "data 3.0", "grad ?"]
    assert start["n4"] == ["f", "data ?", "grad ?"]  # not computed yet
    page.page.click("#next")
    assert (page.status(), page.line()) == ("forward 1 of 3", "v1 = x + y = 5.0")
    assert page.boxes()["n2"][1] == "data 5.0"
    assert page.marked("fwd") == ["n0->n2op", "n1->n2op", "n2", "n2op", "n2op->n2"]
    lines = click_through(page)
    assert lines == [str(step) for step in backward_steps(sum_times_difference())]
    assert page.status() == "done"
    assert page.line() == "Done: every value holds df/d(value). x.grad = 6.0, y.grad = -4.0"
    assert final_numbers(page) == expected_after_backward(f)
    page.close()


def test_keys_back_reset_and_what_is_highlighted(open_page):
    page = open_page(replay_html(sum_times_difference()))
    for _ in range(4):
        page.page.keyboard.press("ArrowRight")
    assert page.status() == "backward step 1 of 3"
    assert page.marked("hot") == ["n2->n4op", "n3->n4op", "n4", "n4op", "n4op->n4"]
    assert page.marked("warm") == ["n2", "n3"]
    assert page.flows() == ["+= 1.0", "+= 5.0"]
    assert page.boxes()["n2"][2] == "grad 1.0" and page.boxes()["n0"][2] == "grad ?"
    page.page.keyboard.press("ArrowRight")
    assert page.status() == "backward step 2 of 3"
    assert page.line().startswith("v2 = x - y  upstream df/dv2 = 5.0")
    page.page.keyboard.press("ArrowLeft")
    assert page.status() == "backward step 1 of 3"
    assert page.boxes()["n1"][2] == "grad ?"  # going back takes the gradient away again
    page.page.keyboard.press("End")
    assert page.status() == "done" and page.page.is_disabled("#next")
    page.page.keyboard.press("ArrowRight")  # past the end: stays
    assert page.status() == "done" and page.marked("hot") == [] and page.flows() == []
    page.page.keyboard.press("Home")
    assert page.status() == "start" and page.page.is_disabled("#back")
    page.page.click("#next")
    page.page.click("#next")
    page.page.click("#back")
    assert page.status() == "forward 1 of 3"
    page.page.click("#reset")
    assert page.status() == "start" and page.boxes()["n2"] == ["v1", "data ?", "grad ?"]
    assert page.marked("fwd") == [] and page.marked("hot") == []
    page.close()


def test_play_pause_and_space(open_page):
    page = open_page(replay_html(sum_times_difference(), forward=False), fake_clock=True)
    clock, play = page.page.clock, page.page.locator("#play")
    tick = PLAY_INTERVAL_MS
    play.click()
    assert play.text_content() == "Pause" and page.status() == "start"
    clock.run_for(tick)
    assert page.status() == "backward step 1 of 3"
    clock.run_for(tick)
    assert page.status() == "backward step 2 of 3"
    play.click()  # pause: the timer stops
    assert play.text_content() == "Play"
    clock.run_for(5 * tick)
    assert page.status() == "backward step 2 of 3"
    play.click()  # go on, to the end, and stop there
    clock.run_for(2 * tick)
    assert page.status() == "done" and play.text_content() == "Play"
    clock.run_for(5 * tick)
    assert page.status() == "done"
    play.click()  # at the end, Play starts again from the beginning
    assert page.status() == "start" and play.text_content() == "Pause"
    page.page.keyboard.press("ArrowRight")  # stepping by hand stops playing
    assert page.status() == "backward step 1 of 3" and play.text_content() == "Play"
    clock.run_for(5 * tick)
    assert page.status() == "backward step 1 of 3"
    # Space plays and pauses when no button has the focus (on a focused button, Space is
    # the browser's own click, so the page must not toggle a second time)
    page.page.evaluate("document.activeElement.blur()")
    assert page.page.evaluate("document.activeElement === document.body")
    page.page.keyboard.press(" ")
    assert play.text_content() == "Pause"
    clock.run_for(tick)
    assert page.status() == "backward step 2 of 3"
    page.page.keyboard.press(" ")
    assert play.text_content() == "Play"
    play.focus()
    page.page.keyboard.press(" ")  # one toggle, not two
    assert play.text_content() == "Pause"
    page.close()


def test_a_reused_node_adds_up_on_the_page(open_page):
    a = Value(3.0, label="a")
    g = a * a + a
    g.label = "g"
    page = open_page(replay_html(g, forward=False))
    page.page.keyboard.press("ArrowRight")
    assert page.boxes()["n0"] == ["a", "data 3.0", "grad 1.0"]
    page.page.keyboard.press("ArrowRight")
    assert page.line().endswith("= 3.0 (now 4.0);  dv1/da = a = 3.0 -> a.grad += 3.0 * 1.0 = "
                                "3.0 (now 7.0)")
    assert page.flows() == ["+= 3.0", "+= 3.0"]  # one label on each of the two arrows
    assert page.marked("warm") == ["n0"]
    page.page.keyboard.press("Home")
    assert click_through(page) == [str(step) for step in backward_steps(g)]
    assert final_numbers(page) == expected_after_backward(g)
    page.close()


def test_an_arrow_from_a_copy_of_a_value_carries_its_amount(open_page):
    # x is used at every step of p = p·x + k: its far arrows start at copies of its name
    x, p = Value(0.5, label="x"), Value(1.0, label="c")
    for k in range(20):
        p = p * x + 0.01 * k
    p.label = "p"
    order, steps = walk(p), list(backward_steps(p))
    page = open_page(replay_html(p, forward=False))
    copies = page.page.evaluate("""() => Array.from(document.querySelectorAll("#graph g.node"),
        g => g.querySelector("title").textContent).filter(name => name.includes("at"))""")
    assert len(copies) >= 3
    for copy in copies[:2]:
        value, node = (int(n) for n in copy[1:].split("atn"))
        k = next(k for k, step in enumerate(steps, 1) if step.node is order[node])
        page.page.keyboard.press("Home")
        for _ in range(k):
            page.page.keyboard.press("ArrowRight")
        assert page.status() == f"backward step {k} of {len(steps)}"
        assert copy in page.marked("warm") and f"n{value}" in page.marked("warm")
        amount = next(u for u in steps[k - 1].updates if u.parent is order[value])
        arrow = f"#graph g.edge:has(> title:text-is('{copy}->n{node}op')) text"
        label = page.page.text_content(arrow)
        assert label == f"+= {fmt(amount.contribution)}"
    page.page.keyboard.press("Home")
    assert click_through(page) == [str(step) for step in steps]
    assert final_numbers(page) == expected_after_backward(p)
    page.close()


# The rows of text that each part of the chain-rule line (split at ";  ") takes on screen.
ROWS_OF_CLAUSES = """() => {
    const line = document.getElementById("line"), text = line.textContent;
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT), nodes = [];
    for (let n = walker.nextNode(), at = 0; n; at += n.length, n = walker.nextNode()) {
        nodes.push([n, at]);
    }
    const point = offset => {
        const [node, at] = nodes.filter(([n, at]) => at <= offset).pop();
        return [node, offset - at];
    };
    const rows = [];
    for (let start = 0; start < text.length;) {
        const end = text.indexOf(";  ", start) < 0 ? text.length : text.indexOf(";  ", start) + 1;
        const range = document.createRange();
        range.setStart(...point(start));
        range.setEnd(...point(end));
        const tops = Array.from(range.getClientRects(), r => Math.round(r.top));
        rows.push(new Set(tops).size);
        start = end + 2;
    }
    return rows;
}"""


def test_a_narrow_window_breaks_the_line_between_parts_of_the_chain_rule(open_page):
    """Where the chain-rule line is too wide, it breaks after a ";", never inside
    "dv2/dy = -1 -> y.grad += ...", which would split a number from what it is."""
    page = open_page(replay_html(sum_times_difference(), forward=False))
    page.page.set_viewport_size({"width": 640, "height": 600})
    rows = []
    while not page.page.is_disabled("#next"):
        page.page.keyboard.press("ArrowRight")
        if page.status().startswith("backward"):
            rows.append(page.page.evaluate(ROWS_OF_CLAUSES))
    assert rows == [[1, 1, 1]] * 3  # every part whole, on one row (before: [1, 2, 2])
    page.close()


def test_labels_with_html_in_them_stay_text(open_page):
    nasty = 'a<b>&"q\'</script><script>alert(1)</script>'
    a = Value(2.0, label=nasty)
    f = a * a + 1
    page = open_page(replay_html(f, title=f"title {nasty}"))
    assert page.page.text_content("h1") == f"title {nasty}"
    assert page.page.title() == f"title {nasty}"
    assert page.boxes()["n0"] == [nasty, "data 2.0", "grad ?"]
    assert page.page.evaluate("document.scripts.length") == 2
    assert page.page.evaluate("document.querySelectorAll('b:not(.legend b)').length") == 0
    f.zero_grad()
    assert click_through(page) == [str(step) for step in backward_steps(f)]  # label and all
    assert page.line() == f"Done: every value holds dv2/d(value). {nasty}.grad = 4.0"
    page.close()  # and no alert() ran: close() requires no dialogs


def test_the_request_check_catches_a_page_that_fetches(browser, tmp_path):
    """The no-network check used above, shown to fail on a page that loads an image."""
    path = tmp_path / "leaky.html"
    path.write_text('<img src="http://127.0.0.1:9/pixel.png">', encoding="utf-8")
    page = Opened(browser, path)
    with pytest.raises(AssertionError, match="network requests"):
        page.close()


def test_the_notebook_frame_runs_the_page(browser, tmp_path):
    """What a notebook shows (``_repr_html_``): the page inside a sandboxed frame."""
    host = tmp_path / "notebook.html"
    frame_html = replay_html(sum_times_difference())._repr_html_()
    host.write_text(f"<!DOCTYPE html><html><body>{frame_html}</body></html>", encoding="utf-8")
    page = Opened(browser, host)
    frame = page.page.frame_locator("iframe")
    assert frame.locator("#status").text_content() == "start"
    frame.locator("#next").click()
    assert frame.locator("#line").text_content() == "v1 = x + y = 5.0"
    page.close()


def test_screenshot_of_a_highlighted_step(open_page, tmp_path):
    """A picture of what a learner sees at the first backward step (look at it yourself:
    pytest --basetemp=DIR keeps it)."""
    page = open_page(replay_html(sum_times_difference()))
    for _ in range(4):
        page.page.keyboard.press("ArrowRight")
    shot = tmp_path / "replay_step.png"
    page.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = pytest.importorskip("PIL.Image").open(shot).convert("RGB")
    red = tuple(int(viz.HOT[i:i + 2], 16) for i in (1, 3, 5))
    counts = {colour: n for n, colour in image.getcolors(maxcolors=1 << 24)}
    assert counts.get(red, 0) > 500  # the highlighted step is drawn in red
    page.close()


# ----------------------------------------------------------------------------- tensors


def tables(page):
    """[(caption, rows of cells or a summary)] of the matrices the page shows now."""
    return page.page.evaluate("""() => Array.from(document.querySelectorAll("#tables figure"),
        f => [f.querySelector("figcaption").textContent,
              f.querySelector("table") ? Array.from(f.querySelectorAll("tr"),
                  tr => Array.from(tr.querySelectorAll("td"), td => td.textContent))
              : f.querySelector(".summary").textContent])""")


def test_a_tensor_graph_steps_through_with_its_matrices(open_page):
    from tinygrad_edu.commands.demo import two_layer_network

    loss, params = two_layer_network()
    page = open_page(replay_html(loss, params=params))
    assert page.status() == "start" and tables(page) == []
    start = page.boxes()
    names = {texts[0].split()[0]: dot_name for dot_name, texts in start.items()}
    assert start[names["W1"]][0] == "W1 3×4" and start[names["Z1"]][1] == "data ?"
    page.page.keyboard.press("ArrowRight")
    assert (page.status(), page.line()) == ("forward 1 of 6", "XW1 = X @ W1   (10×4)")
    (caption, rows), = tables(page)
    assert caption == "XW1" and len(rows) == 10 and len(rows[0]) == 4
    for _ in range(6):
        page.page.keyboard.press("ArrowRight")
    assert page.status() == "backward step 1 of 6"
    lines = [page.line(), *click_through(page)]
    fresh, fresh_params = two_layer_network()
    assert lines == [str(s) for s in backward_steps(fresh, params=fresh_params.values())]
    assert "backprop path:  X.grad += dXW1 @ W1ᵀ" in lines[-1]
    assert page.status() == "done"
    done = dict(tables(page))
    loss.backward()
    assert done["W2.grad"] == [[fmt(v) for v in row] for row in params["W2"].grad]
    assert done["b1.grad"] == [[fmt(v) for v in params["b1"].grad[0]]]
    page.page.keyboard.press("Home")
    for _ in range(9):  # backward step 3: A1W2 = A1 @ W2
        page.page.keyboard.press("ArrowRight")
    assert [t[0] for t in tables(page)] == ["dA1W2 (arriving at A1W2)", "dA1 = dA1W2 @ W2ᵀ",
                                            "W2.grad += A1ᵀ @ dA1W2"]
    assert page.flows() == ["+= A1ᵀ @ dA1W2", "+= dA1W2 @ W2ᵀ"]
    assert page.marked("warm") == sorted([names["A1"], names["W2"]])
    shot = page.page.screenshot(full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    page.close()


def test_large_tensors_show_summaries_not_tables(open_page):
    from tinygrad_edu.tensor import Tensor

    x = Tensor(np.arange(100.0).reshape(10, 10) / 100, label="x")
    page = open_page(replay_html((x * x).sum()))
    page.page.keyboard.press("ArrowRight")
    ((caption, text),) = tables(page)
    assert caption == "v1" and text.startswith("min 0.0 · mean 0.328")
    page.close()


LEGIBILITY = """() => {
    const texts = Array.from(document.querySelectorAll("#graph svg text"));
    const smallest = Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize)
        * t.getScreenCTM().a));
    const graph = document.getElementById("graph");
    return {smallest, scrolls: graph.scrollWidth > graph.clientWidth + 1,
            height: document.documentElement.getBoundingClientRect().height,
            last: document.getElementById("next").disabled};
}"""


@pytest.mark.parametrize("width", sampled(
    [1000, 400], [400], "test_the_graph_is_never_shown_with_text_under_11_px_and_the_page_"
    "keeps_its_height"))  # (the main tier: the narrow window, where the picture is scaled)
def test_the_graph_is_never_shown_with_text_under_11_px_and_the_page_keeps_its_height(
        open_page, width):
    """Where the window is narrower than the picture, it is scaled down only as far as its
    smallest text stays 11 px (then it scrolls sideways in its box); "Full size" shows it
    as drawn. Every step's line and matrices take the room of the largest, so the page's
    height is the same at every step: a frame around it never jumps."""
    from tinygrad_edu.commands.demo import two_layer_network

    loss, params = two_layer_network()
    for replay in (replay_html(sum_times_difference()), replay_html(loss, params=params)):
        page = open_page(replay, name=f"replay-{replay.steps}.html")
        page.page.set_viewport_size({"width": width, "height": 600})
        page.page.wait_for_timeout(100)  # (the page lays itself out again on a resize)
        shown = page.page.evaluate(LEGIBILITY)
        assert shown["smallest"] >= 11 - 0.05
        assert shown["scrolls"] or width > 400  # (400 px: too narrow for either at 11 px)
        heights = {shown["height"]}
        while not shown["last"]:  # (Next disabled: read with the height, one call a step)
            page.page.click("#next")
            shown = page.page.evaluate(LEGIBILITY)
            heights.add(shown["height"])
        assert len(heights) == 1, heights
        page.page.click("#fit")  # Full size: as drawn, 14-point text is 18.7 px
        assert page.page.evaluate(LEGIBILITY)["smallest"] == pytest.approx(16, abs=0.1)
        page.close()


# ----------------------------------------------------------------------------- in view

IN_VIEW = """() => {
    const node = Array.from(document.querySelectorAll("#graph g.node.hot, #graph g.node.fwd"))
        .filter(g => /^n\\d+$/.test(g.querySelector("title").textContent))[0];  // the value
    const inside = (r, box) => r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 &&
        r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
    const screen = {top: 0, bottom: innerHeight, left: 0, right: innerWidth};
    const graph = document.getElementById("graph"), area = graph.getBoundingClientRect();
    const box = {top: area.top, left: area.left, bottom: area.top + graph.clientHeight,
                 right: area.left + graph.clientWidth};
    return {node: !!node && inside(node.getBoundingClientRect(), screen)
                  && inside(node.getBoundingClientRect(), box),
            next: inside(document.getElementById("next").getBoundingClientRect(), screen),
            line: inside(document.getElementById("line").getBoundingClientRect(), screen),
            status: document.getElementById("status").textContent,
            last: document.getElementById("next").disabled};
}"""


def wide_scalar_graph():
    """One example through MLP(3, [6, 6, 1]) and a hinge loss: about 150 values, wider
    and taller than a window."""
    from tinygrad_edu.nn import MLP, hinge_loss

    model = MLP(3, [6, 6, 1], seed=0)
    loss = hinge_loss(model([0.5, -1.0, 2.0]), 1.0)
    loss.label = "loss"
    return loss, model.parameters()


@pytest.mark.parametrize("size", sampled(
    [pytest.param((1280, 800), id="1280px"), pytest.param((390, 844), id="390px")],
    [(390, 844)], "test_every_step_keeps_the_value_it_works_on_in_view_with_the_buttons"))
def test_every_step_keeps_the_value_it_works_on_in_view_with_the_buttons(open_page, size):
    """Forward and backward, every step: the value being computed (or passing its gradient
    back) is on screen, inside the graph's box, and so are Next and the chain-rule line."""
    from tinygrad_edu.commands.demo import two_layer_network

    loss, params = wide_scalar_graph()
    tensor_loss, tensor_params = two_layer_network()
    for k, replay in enumerate((replay_html(loss, params=params),
                                replay_html(tensor_loss, params=tensor_params))):
        page = open_page(replay, name=f"replay-{k}.html")
        page.page.set_viewport_size({"width": size[0], "height": size[1]})
        page.page.wait_for_timeout(100)
        seen, last = [], page.page.is_disabled("#next")
        while not last:  # (Next disabled: read with the rest, one call a step)
            page.page.keyboard.press("ArrowRight")
            shown = page.page.evaluate(IN_VIEW)
            last = shown["last"]
            if shown["status"] != "done":
                seen.append(shown)
                assert shown["node"] and shown["next"] and shown["line"], shown
        # a page without matrices fits the window: its graph scrolls in its own box (with
        # them, on a phone, the window scrolls too, under the buttons, which stay on top)
        if k == 0:
            assert page.page.evaluate("document.documentElement.scrollHeight") <= size[1] + 1
        page.close()
