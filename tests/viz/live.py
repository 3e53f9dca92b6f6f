"""What the tests of the live pages share (test_live_pages.py, test_live_track.py): the marks
that skip them without Playwright or a system Chromium (and mark them slow: seconds each,
the page's Python loaded and run), how long Python may take to load, code that takes the
page's Python down, a learner's definition as the page has it, the site's own server
(docs/hooks/serve.py), and a browser context that watches every request and error
(``Watched``). The fixtures that use them are in conftest.py."""

import ast
import importlib.util
from pathlib import Path

import pytest

from tests.viz.test_replay_browser import CHROMIUM, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
LIVE = [
    pytest.mark.skipif(sync_playwright is None,
                       reason="Playwright is not installed: pip install -e '.[dev]'"),
    pytest.mark.skipif(CHROMIUM is None,
                       reason="no Chromium to test the pages in: sudo apt-get install chromium"),
    pytest.mark.slow,
]
LOAD_S = 120  # the longest Python may take to load on a busy machine, and a run
KILLER = ("class Node:\n    def __init__(self, child=None):\n        self.child = child\n\n\n"
          "chain = None\nfor _ in range(100_000):\n    chain = Node(chain)\n"
          "del chain  # freed from its head, node by node: deeper than the page's stack\n")
"""Code that takes the browser's Python down: freeing a chain deeper than its stack."""
EDITOR_SHOWN = """() => { const r = document.getElementById("code").getBoundingClientRect();
                         return r.top >= 0 && r.top < innerHeight - 100; }"""
"""The exercises page's editor is on screen (its top, and some lines of it)."""


def definition(source, name):
    """The definition of ``name`` in ``source``, as a learner writes it in the page: a file
    of its own, importing math."""
    lines = source.splitlines()
    node = next(n for n in ast.parse(source).body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)
    return "import math\n\n\n" + "\n".join(lines[node.lineno - 1:node.end_lineno]) + "\n"


def load_serve():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "docs" / "hooks" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Watched:
    """A browser context in which every request is checked (only the server's addresses, and
    the built site's files for the pages opened from disk, may be asked for) and every
    console error and page error is kept."""

    def __init__(self, browser, server, site, width=1280, height=900):
        self.allowed = (server, site.as_uri() + "/", "data:", "blob:")
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           accept_downloads=True)
        self.outside, self.errors = [], []
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.allowed):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url):
        page = self.context.new_page()
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"{page.url}: {m.text}"))
        page.on("dialog", lambda d: (self.errors.append(f"a dialog: {d.message}"), d.dismiss()))
        page.goto(url)
        return page
