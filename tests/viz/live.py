"""What the tests of the live pages share (test_live_pages.py, test_live_track.py): the marks
that skip them without Playwright or a system Chromium (and mark them slow: seconds each,
the page's Python loaded and run), how long Python may take to load, code that takes the
page's Python down, a learner's definition as the page has it, the site's own server
(docs/hooks/serve.py), Chromium with a profile of its own, whose cache keeps Python's
compiled WebAssembly from one page to the next (``profile``), and the pages of a test, each
request and error watched, starting with nothing stored (``Watched``); a Check of code in
the exercises page's editor (``check``), and that page as a phone shows it (``on_a_phone``).
The fixtures that use them are in conftest.py."""

import ast
import contextlib
import importlib.util
import socket
from pathlib import Path

import pytest

from tests.viz.test_replay_browser import CHROMIUM, FLAGS, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
LIVE = [
    pytest.mark.skipif(sync_playwright is None,
                       reason="Playwright is not installed: pip install -e '.[dev]'"),
    pytest.mark.skipif(CHROMIUM is None,
                       reason="no Chromium to test the pages in: sudo apt-get install chromium"),
    pytest.mark.slow,
]
LOAD_S = 120  # the longest Python may take to load on a busy machine, and a run
CHAIN = ("class Node:\n    def __init__(self, child=None):\n        self.child = child\n\n\n"
         "chain = None\nfor _ in range(100_000):\n    chain = Node(chain)\n")
"""A learner's own chain of 100,000 objects, each holding the one before: freed from its head
(``del chain``), node by node, it goes deeper than the browser's stack, unless the page's
Python puts a part aside once it is deep (issue 66: it does, at the top level of the code),
or keeps it to the end of the code, then frees it an object at a time (a line outside a
loop)."""
DICT_CHAIN = ("class Value:\n    def __init__(self, data, children=()):\n"
              "        self.data = data\n        self.grad = 0\n        self._children = children\n"
              "\n    def __add__(self, other):\n"
              "        return Value(self.data + other, (self, Value(other)))\n\n\n"
              "y = Value(0.0)\nfor _ in range(5000):\n    y = y + 1\n")
"""A learner's Value as the starter has it, with an instance ``__dict__`` (no ``__slots__``),
and a self-test's chain of 5,000 of them: freeing one takes more of the browser's stack a
node than a ``CHAIN`` does (issue 66: with the page's stack watched 52 KB deep, 1,500 took
Python down, where ``CHAIN`` freed 100,000)."""
LISTED_CHAIN = DICT_CHAIN.replace("    y = y + 1\n", "    y = y + 1\n    y.extra = [y._children]\n")
"""``DICT_CHAIN`` with each Value holding the one before through a list of its own too (its
``extra``): let go of at ``del y``, its free went deeper
into the browser's stack a node than the page's watch on it measured, and took Python down."""
KILLER = ("import typing\n\n\n" + CHAIN.split("\n\n\n")[0] + "\n\n\ndef undone_then_freed():\n"
          "    wasm = typing.sys.modules['pyodide_js']._module  # (the page's watch on its "
          "stack, undone)\n    end = wasm._emscripten_stack_get_end()\n"
          "    wasm._PyUnstable_ThreadState_SetStackProtection(\n"
          "        wasm._PyThreadState_Get(), end, wasm._emscripten_stack_get_base() - end)\n"
          "    chain = None\n    for _ in range(100_000):\n        chain = Node(chain)\n"
          "    del chain  # freed from its head, node by node: deeper than the page's stack\n"
          "\n\nundone_then_freed()\n")
"""Code that takes the browser's Python down: freeing a chain deeper than its stack, once the
page's own watch on its C stack is undone (no learner's code does that: a learner's chain is
freed, ``CHAIN``)."""
EDITOR_SHOWN = """() => { const r = document.getElementById("code").getBoundingClientRect();
                         return r.top >= 0 && r.top < innerHeight - 100; }"""
"""The exercises page's editor is on screen (its top, and some lines of it)."""
LANDED = """() => { const header = document.querySelector(".md-header").getBoundingClientRect();
    const s = document.getElementById("statement").getBoundingClientRect();
    const e = document.getElementById("editor").getBoundingClientRect();
    const b = document.getElementById("check").parentNode.getBoundingClientRect();
    const under = (top) => top >= header.bottom - 1 && top < header.bottom + 40;
    const room = innerHeight - header.bottom - 8;
    const fits = e.top - s.top + 160 <= room && b.bottom - s.top + 4 <= room;
    const shown = e.top >= header.bottom - 1 && e.top < innerHeight - 100;
    return shown && (!fits || under(s.top)); }"""
"""Where a link to a stage lands: the editor on screen, under the header (as near it as the
page's end lets it come), at any width; where the statement's start fits above the
editor's first lines and its buttons, the statement's start under the header too."""
BUTTONS_SHOWN = """() => {
    const header = document.querySelector(".md-header").getBoundingClientRect();
    return [...document.querySelectorAll("#check, #stop, #starter")].every(button => {
        const r = button.getBoundingClientRect();
        return r.top >= header.bottom && r.bottom <= innerHeight; }); }"""
"""The editor's buttons (Check, Stop, Start again) are on screen, whole."""

VERDICT_SHOWN = """([mark, cause]) => {
    const box = document.getElementById("output"), text = box.textContent;
    const at = text.lastIndexOf(mark), d = text.indexOf(cause || "\\n  diagnosis", at);
    const under = text.indexOf("\\n", cause ? d + 1 : text.indexOf("\\n", d + 1) + 1);
    const shown = box.getBoundingClientRect();
    const top = document.querySelector(".md-header").getBoundingClientRect().bottom;
    const on = i => {
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        let n = 0;
        for (let node = walker.nextNode(); node; n += node.length, node = walker.nextNode()) {
            if (i >= n + node.length) continue;
            const range = document.createRange();
            range.setStart(node, i - n);
            range.setEnd(node, i - n + 1);
            const r = range.getBoundingClientRect();
            return r.top >= Math.max(shown.top, top) && r.bottom <= Math.min(shown.bottom,
                                                                              innerHeight);
        }
        return false;
    };
    return at >= 0 && d > at && on(at) && on(d + 3) && on(under - 1);
}"""
"""A verdict's first line (at ``mark``), its first diagnosis and the line under it (where
in the learner's code) are on screen: in the output box's view and in the window's; given a
``cause`` (the text that names it, where there is no diagnosis), that and the rest of its
line. Its argument: [mark] or [mark, cause]."""

NEXT_SHOWN = """() => { const r = document.getElementById("next").getBoundingClientRect();
                       return r.height > 0 && r.top >= 0 && r.top < innerHeight - 40; }"""
"""The next step's first line is on screen."""
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
"""Whether the last ``mark`` in the output box is in the box's view."""


def still(page, selector):
    """Wait until the element ``selector`` of ``page`` (a frame, say) and the window's scroll
    have kept their place for five frames running. A replay in a frame tells the page its
    height and the page grows the frame to it, perhaps scrolling: a click aimed before that
    settles can land beside its button (Playwright waits for the button to hold still in
    its own frame, not for the frame to hold still in the page)."""
    page.wait_for_function("""selector => new Promise(done => {
        let last = "", same = 0;
        (function look() {
            const r = document.querySelector(selector).getBoundingClientRect();
            const now = [r.left, r.top, r.width, r.height, scrollX, scrollY].join();
            same = now === last ? same + 1 : 0;
            last = now;
            if (same >= 5) done(true); else requestAnimationFrame(look);
        })();
    })""", arg=selector, timeout=LOAD_S * 1000)


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


UNSEARCHED = r"""(() => {
    // the theme's search worker, not started: a stand-in, also in place of the worker that
    // the site's shim for pages opened from disk (file://) assigns to window.Worker
    const standIn = made => function (url, options) {
        if (!/\/workers\/search\.[0-9a-f]+\.min\.js$/.test(String(url)))
            return new made(url, options);
        window.unsearched = (window.unsearched || 0) + 1;
        return Object.assign(new EventTarget(), {postMessage() {}, terminate() {}});
    };
    let current = standIn(window.Worker);
    Object.defineProperty(window, "Worker", {configurable: true, get: () => current,
                                             set: made => { current = standIn(made); }});
})()"""
"""The theme's search is a worker each page of the site starts, which indexes the whole site
(1.9 MB of text) at every load: 1 to 1.5 s of CPU a page, none of it what these tests look
at. Their pages run with a stand-in that never answers (the page shows and works the same;
its search box finds nothing); tests/test_docs_site.py tries the search itself."""


@contextlib.contextmanager
def profile(folder):
    """Chromium with a profile in ``folder``, as a reader's browser has one: its cache keeps
    what a page compiled (Python's WebAssembly, about 2.5 s of CPU at each load without)
    for the next page, as a reader's does on a second visit. Every request that is not for
    this machine goes to a proxy that is not there, so nothing leaves it; ``Watched`` notes
    each one asked for (watching by routing requests would turn the cache off). The site's
    search is not started (``UNSEARCHED``)."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder), executable_path=CHROMIUM, headless=True, accept_downloads=True,
            args=[*FLAGS, f"--proxy-server=http://127.0.0.1:{closed_port()}"],
            viewport={"width": 1280, "height": 900})
        context.add_init_script(UNSEARCHED)
        yield context
        context.close()


def closed_port():
    """A port of 127.0.0.1 on which nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


STORED = "cookies,local_storage,indexeddb,websql,cache_storage,service_workers,file_systems"
"""What a page may store, which ``Watched`` clears (Chrome DevTools Protocol's names)."""


class Watched:
    """The pages of one test in ``context`` (``profile``'s), in which every request is checked
    (only the server's addresses, and the built site's files for the pages opened from
    disk, may be asked for) and every console error and page error is kept. It starts with
    nothing stored for the server's pages (local storage and the like: a learner's first
    visit), and ``close`` closes its pages and forgets what they stored."""

    def __init__(self, context, server, site, width=1280, height=900):
        self.allowed = (server, site.as_uri() + "/", "data:", "blob:")
        self.context, self.server, self.size = context, server, {"width": width,
                                                                 "height": height}
        self.outside, self.errors, self.pages = [], [], []
        self.forget()
        self.context.on("request", self._request)

    def _request(self, request):
        if not request.url.startswith(self.allowed):
            self.outside.append(request.url)

    def forget(self):
        """Clear what the site's pages stored in this profile (not its cache)."""
        page = self.context.new_page()
        cdp = self.context.new_cdp_session(page)
        for origin in (self.server.rstrip("/"), "file://"):
            cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": STORED})
        cdp.detach()
        page.close()

    def open(self, url):
        page = self.context.new_page()
        self.pages.append(page)
        page.set_viewport_size(self.size)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"{page.url}: {m.text}"))
        page.on("dialog", lambda d: (self.errors.append(f"a dialog: {d.message}"), d.dismiss()))
        page.goto(url)
        return page

    def close(self):
        for page in self.pages:
            page.close()
        self.context.remove_listener("request", self._request)
        self.forget()


def check(page, code):
    page.fill("#code", code)
    page.click("#check")
    page.wait_for_function("!document.getElementById('check').disabled && "
                           "/\\(graded in|^Stopped/.test(document.getElementById('state')"
                           ".textContent)", timeout=LOAD_S * 1000)
    return page.text_content("#output")


def on_a_phone(exercises):
    """The page at 390 px, its editor at the top of the window, as a learner on a phone
    who pressed Check has it."""
    exercises.set_viewport_size({"width": 390, "height": 844})
    exercises.evaluate("window.scrollTo(0, 0); document.getElementById('editor')"
                       ".scrollIntoView({block: 'start'})")
