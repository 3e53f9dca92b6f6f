"""The documentation site in a real browser: headless Chromium opens every page of the built
site from disk, as a reader would open site/index.html, and the test fails on a script or
console error, a request for anything outside the site, a broken internal link or anchor, a
replay page that does not show, a formula left as LaTeX, an exported name that the API
reference does not show with its signature and docstring, or a search that finds nothing.

The site is the one in $TINYGRAD_EDU_SITE when that is set (.ci/run builds it with
./run.sh docs first and points here), else this test builds it into a temporary folder,
which needs the docs extra (./run.sh docs installs it; else the test skips and says so). Like
tests/test_replay_browser.py it needs Playwright and a system Chromium, and skips without
them. One browser, every page, one test: a build in the test takes about 10 seconds, the
visit about as long.
"""

import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from .test_docs import exported
from .test_replay_browser import CHROMIUM, FLAGS, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.skipif(sync_playwright is None,
                       reason="Playwright is not installed: pip install -e '.[dev]'"),
    pytest.mark.skipif(CHROMIUM is None,
                       reason="no Chromium to test the site in: sudo apt-get install chromium"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    given = os.environ.get("TINYGRAD_EDU_SITE")
    if given:
        folder = Path(given).resolve()
        assert (folder / "index.html").is_file(), (
            f"TINYGRAD_EDU_SITE={given} holds no built site: run ./run.sh docs first")
        return folder
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: ./run.sh docs "
                                         "(or pip install -e '.[docs]')")
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


# What each page reports about itself, gathered in the page in one call.
SURVEY = """() => ({
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
    })),
})"""


def test_every_page_of_the_site(site):
    # (404.html is for a web server, which shows it for a missing address: its links start
    # at the server's root, so it is not opened from disk)
    pages = sorted(p for p in site.rglob("*.html")
                   if p.parts[len(site.parts)] != "replays" and p.name != "404.html")
    assert len(pages) > 30
    problems: list[str] = []
    surveys: dict[Path, dict] = {}
    inside = site.as_uri() + "/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                             headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        current: list[str] = [""]

        def route(route):
            url = route.request.url
            if url.startswith(inside) or url.startswith(("data:", "about:")):
                route.continue_()
            else:
                problems.append(f"{current[0]}: asked the network for {url}")
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"{current[0]}: script error: {e}"))
        page.on("console", lambda m: m.type == "error" and problems.append(
            f"{current[0]}: console error: {m.text}"))
        page.on("requestfailed", lambda r: r.failure == "net::ERR_ABORTED" or problems.append(
            f"{current[0]}: failed to load {r.url} ({r.failure})"))  # (aborted: we moved on)
        for path in pages:
            current[0] = str(path.relative_to(site))
            page.goto(path.as_uri(), wait_until="load")
            surveys[path] = survey = page.evaluate(SURVEY)
            for frame in page.frames[1:]:  # each replay page embedded: drawn and ready
                if "/replays/" in frame.url and not (
                        frame.query_selector("#graph svg") and frame.text_content("#status")):
                    problems.append(f"{current[0]}: the replay {frame.url} did not show")
            if survey["replays"] and len(page.frames) - 1 < survey["replays"]:
                problems.append(f"{current[0]}: a replay frame did not load")

        # Search, from file://: the offline plugin's index and the worker in a frame
        current[0] = "search"
        page.goto((site / "index.html").as_uri())
        page.click(".md-search__input")
        page.keyboard.type("backward_steps")  # (the theme searches on key strokes)
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        context.close()
        browser.close()

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

    shown: dict[str, list[dict]] = {}  # (tinygrad_edu.gradcheck: a module and a function)
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
    assert problems == [], "\n".join(problems)


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
