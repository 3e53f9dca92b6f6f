"""The documentation site in a real browser: headless Chromium opens every page of the built
site from disk, as a reader would open site/index.html, in a window of 1280 px (a laptop),
then narrowed to 390 px (a phone). The test fails on

- a script or console error, a request for anything outside the site, a broken internal
  link or anchor, a replay page that does not show, a formula left as LaTeX;
- a code or output block that hides text at 1280 px: wider than its box, with no scrollbar
  a reader can see (none drawn, or one fainter than 3:1 against its track, the contrast
  WCAG asks of a control), or cut off; and a page that scrolls sideways, at either width;
- a drawing or a replay whose smallest text is under 11 px on screen, where it stands in
  the page; a replay frame that does not fit its page (cut off, or more than 24 px of empty
  frame), or whose page changes height while one steps through it;
- an API reference without a page of its own for every module with a public ``__all__``,
  an exported name it does not show with its signature and docstring, or internals shown
  (private names, a property's source, micrograd's refused constructor arguments);
- a search for ``backward_steps`` whose first hit is not the stepping guide.

The site is the one in $TINYGRAD_EDU_SITE when that is set (.ci/run builds it with
./run.sh docs first and points here), else this test builds it into a temporary folder,
which needs the docs extra (./run.sh docs installs it; else the test skips and says so). Like
tests/viz/test_replay_browser.py it needs Playwright and a system Chromium, and skips without
them. One browser, every page loaded once, one test (one pytest worker). The API reference
has a page per module, all from one template, and so have the notebooks, and the guides and
the other pages of text (no replay, no live script): the main tier opens every page with a
replay or a live script, and of each template its longest pages, and looks at their layout,
and reads the others as Chromium parses them (their links, anchors, API entries and what
they would load, without opening them); the long tier (``--long``) opens every page. The
checks are first shown to catch a small page made to fail each of them.
"""

import base64
import importlib
import inspect
import re
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from tests.viz.live import UNSEARCHED
from tests.viz.test_replay_browser import CHROMIUM, FLAGS, sync_playwright

from .test_docs import exported, load_hook, modules

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.skipif(sync_playwright is None,
                       reason="Playwright is not installed: pip install -e '.[dev]'"),
    pytest.mark.skipif(CHROMIUM is None,
                       reason="no Chromium to test the site in: sudo apt-get install chromium"),
]
WIDE, PHONE = 1280, 390
_LAYOUT = load_hook("page_layout")  # (the site's build: how it sizes a drawing)
svg_sizes = _LAYOUT.svg_sizes
SMALLEST_TEXT_PX = _LAYOUT.SMALLEST_TEXT_PX  # on screen, in a drawing or a replay in the page
EMPTY_FRAME_PX = 24  # the most a replay's frame may be taller than the page it shows


# What each page reports about itself, gathered in the page in one call: from the page
# opened (SURVEY), or from its HTML parsed by the browser without opening it (PARSED).
SURVEY_OF = """document => ({
    ids: Array.from(document.querySelectorAll("[id]"), e => e.id),
    links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
    loads: Array.from(document.querySelectorAll("img[src], iframe[src]"), e => e.src),
    replays: document.querySelectorAll("iframe.replay").length,
    maths: document.querySelectorAll(".jupyter-wrapper math").length,
    notebookText: Array.from(document.querySelectorAll(".jp-MarkdownOutput"),
                             e => e.textContent).join(" "),
    api: Array.from(document.querySelectorAll(".doc-object > .doc-heading[id]"), h => ({
        id: h.id,
        signature: !!h.parentElement.querySelector(":scope > .doc-signature"),
        docstring: Array.from(h.parentElement.querySelectorAll(
            ":scope > .doc-contents > :not(.doc-children)"),
            e => e.textContent.trim()).join(" ").length > 0,
        text: h.parentElement.textContent,
    })),
    modules: Array.from(document.querySelectorAll(".doc-module > .doc-heading[id]"),
                        h => h.id),
    apiText: Array.from(document.querySelectorAll(".doc-signature, .doc-heading"),
                        e => e.textContent).join("\\n"),
})"""
SURVEY = f"() => ({SURVEY_OF})(document)"
# A page's HTML parsed as the browser parses a page without scripts, its links resolved
# against its own address; with the survey, everything it would load on opening: what its
# elements fetch and the url(...) of its styles (outside the site: a request that leaves).
PARSED = """([html, url]) => {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const given = doc.querySelector("base[href]"), base = doc.createElement("base");
  base.href = given ? new URL(given.getAttribute("href"), url).href : url;
  doc.head.prepend(base);
  const fetches = [], at = value => fetches.push(new URL(value, base.href).href);
  const attribute = (selector, name) => doc.querySelectorAll(selector).forEach(
    e => at(e.getAttribute(name)));
  attribute("img[src], iframe[src], script[src], source[src], embed[src], video[src], " +
            "audio[src], track[src], input[src]", "src");
  attribute("object[data]", "data");
  attribute("video[poster]", "poster");
  doc.querySelectorAll("img[srcset], source[srcset]").forEach(e => e.getAttribute("srcset")
    .split(",").filter(p => p.trim()).forEach(p => at(p.trim().split(/\\s+/)[0])));
  const loads = /^(stylesheet|icon|preload|modulepreload|prefetch|manifest|apple-touch-icon)$/i;
  doc.querySelectorAll("link[href]").forEach(e => (e.getAttribute("rel") || "").split(/\\s+/)
    .some(rel => loads.test(rel)) && at(e.getAttribute("href")));
  const styles = Array.from(doc.querySelectorAll("style"), e => e.textContent).concat(
    Array.from(doc.querySelectorAll("[style]"), e => e.getAttribute("style")));
  for (const style of styles) {
    for (const m of style.matchAll(/url\\(\\s*(['"]?)([^'")]+)\\1\\s*\\)/g)) at(m[2]);
    for (const m of style.matchAll(/@import\\s+(['"])([^'"]+)\\1/g)) at(m[2]);
  }
  return Object.assign((""" + SURVEY_OF + """)(doc), {fetches: fetches});
}"""

# What a reader at this width cannot see: blocks of code or output wider than their box
# with no scrollbar to be seen (or cut off), a page wider than the window, and the drawings.
LAYOUT = """() => {
  const rgba = text => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(",").map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3]))
    .concat([1]);
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((below, c) => over(c, below), [255, 255, 255, 1]);
  };
  const luminance = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const scrollbar = (el, style) => {  // what is wrong with its horizontal scrollbar, if any
    const thickness = el.offsetHeight - el.clientHeight - parseFloat(style.borderTopWidth)
      - parseFloat(style.borderBottomWidth);
    if (thickness < 6) return "no scrollbar drawn";
    if (style.scrollbarColor === "auto") return null;  // the system's own
    const [thumb, track] = style.scrollbarColor.match(/rgba?\\([^)]+\\)|#[0-9a-f]+|\\w+/gi);
    const under = over(rgba(track) || [0, 0, 0, 0], background(el));
    const ratio = contrast(over(rgba(thumb) || [0, 0, 0, 0], under), under);
    return ratio < 3 ? `a scrollbar too faint to see (${ratio.toFixed(1)}:1)` : null;
  };
  const hidden = [], seen = new Set();
  const blocks = document.querySelectorAll(
    ".md-content pre > code, .md-content pre, .md-content .jp-OutputArea-output");
  for (const block of blocks) {
    for (let el = block; el && !el.matches(".md-content"); el = el.parentElement) {
      if (seen.has(el)) break;
      seen.add(el);
      const style = getComputedStyle(el);
      if (style.overflowX === "visible" || el.scrollWidth <= el.clientWidth + 1) continue;
      const why = ["auto", "scroll"].includes(style.overflowX) ? scrollbar(el, style)
        : "cut off";
      if (why) hidden.push(`${el.scrollWidth - el.clientWidth} px of a block out of sight ` +
        `(${why}): ${JSON.stringify(block.textContent.trim().slice(0, 70))}`);
      break;
    }
  }
  const images = Array.from(document.querySelectorAll(".md-content img"), img => ({
    src: img.currentSrc || img.src, width: img.getBoundingClientRect().width,
    shown: img.getClientRects().length > 0}));
  const inline = Array.from(document.querySelectorAll(".md-content svg"), svg => Math.min(
    ...Array.from(svg.querySelectorAll("text"), t => parseFloat(getComputedStyle(t).fontSize)
      * t.getScreenCTM().a))).filter(Number.isFinite);
  return {hidden, images, inline, width: document.scrollingElement.scrollWidth,
          window: window.innerWidth};
}"""

# Inside a replay page: its smallest text on screen, and its height at every step. The
# content's own height (not the frame's) is what the frame must match.
REPLAY = """() => {
  const texts = Array.from(document.querySelectorAll("#graph svg text"));
  const smallest = Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize)
    * t.getScreenCTM().a));
  const height = () => Math.ceil(document.documentElement.getBoundingClientRect().height);
  const next = document.getElementById("next"), reset = document.getElementById("reset");
  reset.click();
  const heights = [height()];
  for (let guard = 0; !next.disabled && guard < 1000; guard++) {
    next.click();
    heights.push(height());
  }
  reset.click();
  return {smallest, heights, frame: window.innerHeight, title: document.title};
}"""
FITTED = """() => [window.innerHeight,
                   Math.ceil(document.documentElement.getBoundingClientRect().height)]"""
RENDERED = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"""


def svg_of(src: str, site: Path) -> str | None:
    if src.startswith("data:image/svg+xml"):
        head, _, body = src.partition(",")
        return (base64.b64decode(body).decode("utf-8") if head.endswith(";base64")
                else unquote(body))
    if src.startswith("file:") and urlparse(src).path.endswith(".svg"):
        path = Path(unquote(urlparse(src).path))
        return path.read_text(encoding="utf-8") if path.is_file() else None
    return None


def layout_problems(layout: dict, site: Path, wide: bool) -> list[str]:
    """What LAYOUT found wrong at one width: hidden blocks (checked at 1280 px, where the
    text is meant to fit), a page wider than the window, drawings with text too small."""
    problems = list(layout["hidden"]) if wide else []
    if layout["width"] > layout["window"] + 1:
        problems.append(f"the page scrolls sideways: {layout['width']} px wide in a window "
                        f"of {layout['window']} px")
    for image in layout["images"]:
        svg = svg_of(image["src"], site) if image["shown"] else None
        sizes = svg_sizes(svg) if svg else None
        if sizes:
            natural, smallest = sizes
            shown = smallest * image["width"] / natural
            if shown < SMALLEST_TEXT_PX - 0.05:
                name = image["src"] if not image["src"].startswith("data:") else "a drawing"
                problems.append(f"{name[-60:]}: text {shown:.1f} px on screen (drawn "
                                f"{natural:.0f} px wide at {image['width']:.0f} px)")
    for smallest in layout["inline"]:
        if smallest < SMALLEST_TEXT_PX - 0.05:
            problems.append(f"a drawing in the page with text {smallest:.1f} px on screen")
    return problems


def replay_problems(frame, page) -> list[str]:
    """A replay page in a frame: legible where it stands, and its frame fitted to it at
    every step. The frame is scrolled into view, as a reader would (a browser does not lay
    out a frame out of sight after the window changes), and given up to 2 s to be fitted
    (the site's script does it)."""
    frame.frame_element().scroll_into_view_if_needed()
    frame.evaluate(RENDERED)  # (its own layout runs on the way: resize observers)
    deadline, last = time.monotonic() + 2, None
    while True:  # fitted, and still so a moment later (the frame's size comes by message)
        now = frame.evaluate(FITTED)
        if (now == last and abs(now[0] - now[1]) <= 2) or time.monotonic() > deadline:
            break
        last = now
        page.wait_for_timeout(50)
    found = frame.evaluate(REPLAY)
    name = found["title"][:50]
    problems = []
    if found["smallest"] < SMALLEST_TEXT_PX - 0.05:
        problems.append(f"the replay {name!r}: text {found['smallest']:.1f} px on screen")
    low, high = min(found["heights"]), max(found["heights"])
    if high - low > 2:
        problems.append(f"the replay {name!r} changes height while stepping, from {low} to "
                        f"{high} px: its frame jumps or cuts it off")
    if high > found["frame"] + 2:
        problems.append(f"the replay {name!r}: {high} px of page in a frame of "
                        f"{found['frame']} px (cut off)")
    elif found["frame"] - high > EMPTY_FRAME_PX:
        problems.append(f"the replay {name!r}: {found['frame'] - high} px of empty frame "
                        f"({high} px of page in {found['frame']} px)")
    return problems


def is_replay(frame) -> bool:
    try:
        return frame.query_selector("#replay-data") is not None
    except Exception:  # a frame that went away
        return False


# Small pages made to fail each check: a check that cannot fail proves nothing.
LEAKS = ["https://fonts.example/a.css", "http://198.51.100.7/b.png", "https://cdn.example/c.js",
         "https://img.example/d.png", "https://img.example/e.png", "https://cdn.example/f.css",
         "https://media.example/g.mp4"]
LEAKING_PAGE = f"""<!DOCTYPE html><html><head><link rel="stylesheet" href="{LEAKS[0]}">
<link rel="prev" href="api/prev.html"><style>@import "{LEAKS[5]}";</style>
<link rel="icon" href="images/favicon.png"><script src="{LEAKS[2]}">
</script></head><body><img src="{LEAKS[1]}"><img srcset="{LEAKS[3]} 1x, images/b.png 2x">
<p style="background: url('{LEAKS[4]}')"><a href="api/x.html#y">x</a></p><video src="{LEAKS[6]}">
</video><img src="data:image/png;base64,AA=="></body></html>"""
BAD_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
body { margin: 0 } .md-content { width: 300px }
pre { overflow-x: auto; scrollbar-width: thin; scrollbar-color: #ddd #eee; background: #fff }
#cut { overflow: hidden }</style></head><body><div class="md-content">
<pre>a line much too long for its box, with a faint scrollbar nobody sees at all</pre>
<pre id="cut">a line much too long for its box, and cut off where the box ends, hidden</pre>
<img src="data:image/svg+xml;base64,{svg}" style="width: 200px">
<div style="width: 700px">wider than a phone</div></div></body></html>"""
SMALL_SVG = ('<svg width="600pt" height="40pt" viewBox="0.00 0.00 600.00 40.00" '
             'xmlns="http://www.w3.org/2000/svg"><text x="5" y="20" font-size="14.00">'
             'far too small once the drawing is scaled to 200 px</text></svg>')


def check_the_checks(browser, tmp_path: Path) -> None:
    page_path = tmp_path / "bad.html"
    page_path.write_text(BAD_PAGE.replace(
        "{svg}", base64.b64encode(SMALL_SVG.encode()).decode()), encoding="utf-8")
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    page.goto(page_path.as_uri(), wait_until="load")
    found = layout_problems(page.evaluate(LAYOUT), tmp_path, wide=True)
    parsed = page.evaluate(PARSED, [LEAKING_PAGE, page_path.as_uri()])
    context.close()
    kinds = ["too faint", "cut off", "scrolls sideways", "px on screen"]
    missed = [kind for kind in kinds if not any(kind in problem for problem in found)]
    assert missed == [], f"the layout checks miss: {missed} (found {found})"
    leaving = outside_of(parsed["fetches"], tmp_path.as_uri() + "/")
    assert sorted(leaving) == sorted(LEAKS), f"a parsed page's loads: {parsed['fetches']}"
    assert parsed["links"] == [(tmp_path / "api" / "x.html").as_uri() + "#y"]


def outside_of(urls: list[str], inside: str) -> list[str]:
    """The URLs that would leave the site's folder (a page's loads: a request out)."""
    return [url for url in urls if not url.startswith((inside, "data:", "about:"))]


def pages_of(site: Path) -> list[Path]:
    """Every page of the site a reader opens. (404.html is for a web server, which shows it
    for a missing address: its links start at the server's root, so it is not opened from
    disk.)"""
    pages = sorted(p for p in site.rglob("*.html")
                   if p.parts[len(site.parts)] != "replays" and p.name != "404.html")
    assert len(pages) > 30
    return pages


API_SAMPLE = 1
"""How many of the API reference's pages the main tier looks at in both widths: the
longest (the most likely to overflow); the long tier looks at all of them."""

NOTEBOOK_SAMPLE = 1
"""How many of the notebooks' pages (one template, mkdocs-jupyter's; none holds a replay)
the main tier looks at in both widths, the longest; the long tier looks at all of them."""


TEXT_SAMPLE = 2
"""How many of the pages of text (the guides and the pages beside them that hold neither a
replay nor a live script: one template, the theme's) the main tier looks at in both widths,
the longest (the most tables and code); the long tier looks at all of them."""


def longest_of(pages: list[Path], folder: str, keep: int) -> list[Path]:
    """The pages of ``folder`` but its index, the longest first, less the ``keep`` longest:
    the ones the main tier parses rather than opens."""
    found = sorted((p for p in pages if p.parent.name == folder and p.name != "index.html"),
                   key=lambda p: p.stat().st_size, reverse=True)
    assert len(found) > keep, f"{folder}: {len(found)} pages"
    return found[keep:]


def longest_text(site: Path, pages: list[Path], keep: int) -> list[Path]:
    """The pages of text, the site's own and the guides (neither a replay nor a live script
    in them), the longest first, less the ``keep`` longest: the ones the main tier parses
    rather than opens."""
    found = sorted((p for p in pages if p.parent in (site, site / "guides")
                    and not re.search(r"replays/|assets/live/", p.read_text(encoding="utf-8"))),
                   key=lambda p: p.stat().st_size, reverse=True)
    assert len(found) > keep, f"pages of text: {len(found)}"
    return found[keep:]


@pytest.mark.slow
def test_every_page_with_the_api_reference_sampled(site, tmp_path):
    """Every page's links, anchors, loads, formulas and API entries checked; every page
    opened, its scripts run and its layout looked at in both widths, but the API
    reference's, the notebooks' and the pages of text, of which the longest ``API_SAMPLE``,
    ``NOTEBOOK_SAMPLE`` and ``TEXT_SAMPLE`` pages (each kind shares one template): the
    others are parsed, not opened."""
    pages = pages_of(site)
    parsed = longest_of(pages, "api", API_SAMPLE) + longest_of(
        pages, "notebooks", NOTEBOOK_SAMPLE) + longest_text(site, pages, TEXT_SAMPLE)
    check_pages(site, tmp_path, pages, laid_out=set(pages) - set(parsed))


@pytest.mark.slow
@pytest.mark.long(sibling="test_every_page_with_the_api_reference_sampled")
def test_every_page_of_the_site(site, tmp_path):
    """The same, with the layout of every page looked at in both widths."""
    pages = pages_of(site)
    check_pages(site, tmp_path, pages, laid_out=set(pages))


def check_pages(site: Path, tmp_path: Path, pages: list[Path], laid_out: set[Path]) -> None:
    """Open each of ``pages`` in ``laid_out`` in Chromium and fail on any problem the
    module's docstring lists, with their scripts and at both widths; parse the others
    (``PARSED``) for their links, anchors, API entries and loads only."""
    problems: list[str] = []
    surveys: dict[Path, dict] = {}
    inside = site.as_uri() + "/"
    first_hit: list[str] = []
    current: list[str] = [""]

    with sync_playwright() as playwright:
        # Scrollbars drawn as a reader's browser draws them (Playwright hides them by default)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                             headless=True,
                                             ignore_default_args=["--hide-scrollbars"])
        check_the_checks(browser, tmp_path)
        context = browser.new_context(viewport={"width": WIDE, "height": 900})

        def route(route):
            url = route.request.url
            if url.startswith(inside) or url.startswith(("data:", "about:")):
                route.continue_()
            else:
                problems.append(f"{current[0]}: asked the network for {url}")
                route.abort()

        context.route("**/*", route)
        # the theme's search worker indexes the whole site at each page's load (1 to 1.5 s of
        # CPU a page): the pages run with a stand-in for it (UNSEARCHED), and the search
        # itself is tried at the end, in a window of its own
        context.add_init_script(UNSEARCHED)
        # the pages only surveyed (their links, anchors and API entries): their HTML parsed
        # here, as a page without scripts is, and what it would load looked at, without
        # opening it (a tenth of the time; every page opened runs in the long tier)
        surveyor = context.new_page()
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"{current[0]}: script error: {e}"))
        page.on("console", lambda m: m.type == "error" and problems.append(
            f"{current[0]}: console error: {m.text}"))
        page.on("requestfailed", lambda r: r.failure == "net::ERR_ABORTED" or problems.append(
            f"{current[0]}: failed to load {r.url} ({r.failure})"))  # (aborted: we moved on)
        for path in pages:
            current[0] = str(path.relative_to(site))
            if path not in laid_out:
                surveys[path] = surveyor.evaluate(PARSED, [path.read_text(encoding="utf-8"),
                                                           path.as_uri()])
                problems.extend(f"{current[0]}: would ask the network for {url}"
                                for url in outside_of(surveys[path].pop("fetches"), inside))
                continue
            page.set_viewport_size({"width": WIDE, "height": 900})
            page.goto(path.as_uri(), wait_until="load")
            surveys[path] = survey = page.evaluate(SURVEY)
            if page.evaluate("window.unsearched") != 1:
                problems.append(f"{current[0]}: the stand-in for the search worker was not "
                                "used: the theme starts its worker otherwise (UNSEARCHED)")
            for frame in page.frames[1:]:  # each replay page embedded: drawn and ready
                if "/replays/" in frame.url and not (
                        frame.query_selector("#graph svg") and frame.text_content("#status")):
                    problems.append(f"{current[0]}: the replay {frame.url} did not show")
            if survey["replays"] and len(page.frames) - 1 < survey["replays"]:
                problems.append(f"{current[0]}: a replay frame did not load")
            for width in (WIDE, PHONE):  # the page as loaded, then the window narrowed
                if width != WIDE:
                    page.set_viewport_size({"width": width, "height": 900})
                where = f"{current[0]} at {width} px"
                problems.extend(f"{where}: {p}" for p in layout_problems(
                    page.evaluate(LAYOUT), site, wide=width == WIDE))
                for frame in page.frames[1:]:
                    if is_replay(frame):
                        problems.extend(f"{where}: {p}" for p in replay_problems(frame, page))

        # Search, from file://: the offline plugin's index and the worker in a frame
        current[0] = "search"
        context.close()
        context = browser.new_context(viewport={"width": WIDE, "height": 900})
        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"search: script error: {e}"))
        page.on("console", lambda m: m.type == "error" and problems.append(
            f"search: console error: {m.text}"))
        page.goto((site / "index.html").as_uri())
        page.click(".md-search__input")
        page.keyboard.type("backward_steps")  # (the theme searches on key strokes)
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        first_hit.append(page.eval_on_selector(".md-search-result__item a", "a => a.href"))
        context.close()
        browser.close()

    if not urlparse(first_hit[0]).path.endswith("guides/stepping.html"):
        problems.append(f"search: backward_steps finds {first_hit[0]} first, not the "
                        "stepping guide")
    for path, survey in surveys.items():
        where = path.relative_to(site)
        for url in survey["links"] + survey["loads"]:
            problem = broken(url, inside, site, surveys)
            if problem:
                problems.append(f"{where}: {problem}")
        if "notebooks" in where.parts and where.name != "index.html":
            if re.search(r"\\(frac|cdot|sum|partial)|\$\$", survey["notebookText"]):
                problems.append(f"{where}: a formula is left as LaTeX")
    math_pages = [p.name for p, s in surveys.items() if s["maths"]]
    assert "01_derivatives_chain_rule.html" in math_pages
    problems.extend(api_problems(surveys))
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def api_problems(surveys: dict[Path, dict]) -> list[str]:
    """A page per public module, every exported name shown with its signature and docstring,
    and nothing a user does not call."""
    problems = []
    pages_of: dict[str, list[str]] = {}
    for path, survey in surveys.items():
        for module in survey["modules"]:
            pages_of.setdefault(module, []).append(path.name)
        if survey["modules"] and len(survey["modules"]) > 1:
            problems.append(f"{path.name}: one API page for {len(survey['modules'])} modules "
                            f"({', '.join(survey['modules'])}); give each its own")
        for internal in ("attrgetter", "micrograd_args", "micrograd_kwargs"):
            if internal in survey["apiText"]:
                problems.append(f"{path.name}: the API reference shows {internal}")
        for entry in survey["api"]:
            if any(part.startswith("_") and not part.startswith("__")
                   for part in entry["id"].split(".")):
                problems.append(f"{path.name}: the API reference shows the private "
                                f"{entry['id']}")
            name = entry["id"].rsplit(".", 1)[-1]
            if name.endswith("_") and not name.startswith("_") and \
                    "in place" not in entry["text"]:
                problems.append(f"{path.name}: {entry['id']} does not say that, unlike "
                                "PyTorch's names with a trailing _, it works not in place")
    for module in modules():
        if getattr(importlib.import_module(module), "__all__", None) and \
                module not in pages_of:
            problems.append(f"the API reference has no page for {module}")

    shown: dict[str, list[dict]] = {}  # (tinygrad_edu.testing.gradcheck: a module and a function)
    for survey in surveys.values():
        for entry in survey["api"]:
            shown.setdefault(entry["id"], []).append(entry)
    for module, name in exported():
        entries = shown.get(f"{module}.{name}", [])
        value = getattr(importlib.import_module(module), name)
        if f"{module}.{name}" in sys.modules and not inspect.ismodule(value):
            # the package's gradcheck function shares its name with the module it comes
            # from: the reference shows the module there, the function in that module
            entries = shown.get(f"{value.__module__}.{value.__qualname__}", [])
        signed = not callable(value) or (inspect.isclass(value) and (  # nobody calls these
            issubclass(value, BaseException) or getattr(value, "_is_protocol", False)))
        if not entries:
            problems.append(f"the API reference does not show {module}.{name}")
        elif not any(e["docstring"] for e in entries):
            problems.append(f"the API reference shows {module}.{name} without its docstring")
        elif not (signed or any(e["signature"] for e in entries)):
            problems.append(f"the API reference shows {module}.{name} without its signature")
    return problems


def broken(url: str, inside: str, site: Path, surveys: dict[Path, dict]) -> str | None:
    """What is wrong with a link or a load from a page, or None: a file of the site that is
    missing, or an anchor that the page it points into does not have. Links out of the site
    (to micrograd's repository, say) are not followed: a reader's click, not a load."""
    if not url.startswith("file:"):
        return None
    address, fragment = urldefrag(url)
    if not address.startswith(inside):
        return f"a link out of the site's folder: {url}"
    target = Path(unquote(urlparse(address).path))
    if not target.exists():
        return f"a link to a missing file: {target.relative_to(site)}"
    if target.is_dir():
        return f"a link to a folder, which opens no page from disk: {url}"
    if fragment and target in surveys and unquote(fragment) not in surveys[target]["ids"]:
        return f"a link to a missing anchor: {target.relative_to(site)}#{fragment}"
    return None
