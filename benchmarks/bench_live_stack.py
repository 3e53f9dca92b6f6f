"""How deep the page's Python may recurse before the browser's stack overflows:
``python benchmarks/bench_live_stack.py [SITE]``.

A Python call that passes through C (``2.0 + x`` calling ``__radd__``, a ``__repr__`` that
calls ``repr``, a function under ``functools.lru_cache``) takes the browser's own stack,
which is much smaller than a computer's; past its end Pyodide dies ("Maximum call stack size
exceeded"). ``tinygrad_edu.viz.playground.STACK_BYTES`` (the C stack Python may use) and
``DEPTH`` (the recursion limit) keep the page's Python within it, so that endless recursion
raises RecursionError instead: this script measures what they may be. It serves the built
site (default ``site/``) on 127.0.0.1, opens the playground in headless Chromium (the
system's, through Playwright, as the tests do) and, for each kind of recursion in ``KINDS``,
lifts the page's limits, recurses until Python dies, and reports the deepest nesting reached
and the C stack (Emscripten's) it had used, a worker of its own each time; then plain calls
to ``PLAIN`` depths, whose frames are freed one inside the other once RecursionError is
caught. ``STACK_BYTES`` must stay well below the least C stack, ``DEPTH`` below the depth
that does not survive.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROLOGUE = """import sys, functools, pyodide_js
from tinygrad_edu.viz import playground
wasm = pyodide_js._module  # (the page's own watch of its stack, lifted: to find its end)
wasm._PyUnstable_ThreadState_ResetStackProtection(wasm._PyThreadState_Get())
playground._set_limit(1_000_000)
top = wasm._emscripten_stack_get_base()
def depth():
    frame, n = sys._getframe(1), 0
    while frame is not None:
        frame, n = frame.f_back, n + 1
    return n
def mark():
    n = depth()
    if n % 25 == 0:
        print(n, top - wasm._emscripten_stack_get_current(), flush=True)
    if n >= 2_500:
        raise SystemExit(f"no overflow at {n} frames")
"""

KINDS = {
    "an operator (__radd__: other + self)":
        "class V:\n    def __radd__(self, other):\n        mark()\n        return other + self\n"
        "2.0 + V()",
    "__repr__ calling repr": "class V:\n    def __repr__(self):\n        mark()\n"
                             "        return repr(self)\nrepr(V())",
    "__getattr__ reaching a missing name": "class V:\n    def __getattr__(self, name):\n"
                                           "        mark()\n        return self.missing\nV().x",
    "a property reading itself": "class V:\n    @property\n    def x(self):\n        mark()\n"
                                 "        return self.x\nV().x",
    "__init__ making another": "class V:\n    def __init__(self):\n        mark()\n"
                               "        V()\nV()",
    "functools.lru_cache": "@functools.lru_cache(maxsize=None)\ndef f(n):\n    mark()\n"
                           "    return f(n + 1)\nf(0)",
    "functools.partial": "def f():\n    mark()\n    functools.partial(f)()\nf()",
    "yield from": "def g():\n    mark()\n    yield from g()\nnext(g())",
    "sorted with a key": "def k(x):\n    mark()\n    return sorted([1, 2], key=k)\nk(0)",
}


KEPT = "import functools\n\n\ndef mark():\n    pass\n"
"""The kinds again, within the page's own limits (none lifted): each raises RecursionError."""
PLAIN = (3000, 5000)
"""Plain calls to these depths: the frames, freed one inside the other, may overflow too."""
UNWOUND = """playground._set_limit({limit})
def f():
    f()
try:
    f()
except RecursionError:
    print("survived")
"""


def load_serve():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "docs" / "hooks" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEEPEST = """async (code) => {
  const printed = [];
  const python = new window.tinygradLive.Python();
  let how = "returned";
  try {
    await python.call("run", {code: code}, (text) => printed.push(text), 300);
  } catch (error) {
    how = error.crashed ? "crashed" : "failed: " + error.message;
  }
  python.worker.terminate();
  const marks = printed.join("").split("\\n").filter((t) => /^\\d+ \\d+$/.test(t));
  return [how, marks.length ? marks[marks.length - 1].split(" ").map(Number) : [0, 0],
          printed.join("").slice(-300)];
}"""


def main() -> int:
    given = [arg for arg in sys.argv[1:] if not arg.startswith("-")]  # (run_all's options)
    site = Path(given[0]) if given else ROOT / "site"
    if not (site / "live" / "manifest.json").is_file():
        print(f"{site} holds no built site with its live pages: run ./run.sh docs first",
              file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("TINYGRAD_EDU_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    httpd, url = load_serve().in_background(site)
    rows, unwound, kept = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url + "playground.html")
        version = browser.version
        for kind, code in KINDS.items():
            how, (frames, used), tail = page.evaluate(DEEPEST, PROLOGUE + code + "\n")
            rows.append((kind, how, frames, used))
            print(f"{kind}: {how} past {frames} frames, {used / 1024:.0f} KB", file=sys.stderr)
        for kind, code in KINDS.items():  # and within the page's limits, as it keeps them
            guarded = KEPT + "try:\n" + "".join(f"    {line}\n" for line in code.split("\n")) \
                + "except RecursionError as error:\n    print('RecursionError:', error)\n"
            how, _, tail = page.evaluate(DEEPEST, guarded)
            said = tail.strip().splitlines()[-1] if how == "returned" else how
            kept.append((kind, said))
            print(f"{kind}, the page's limits: {said}", file=sys.stderr)
        for limit in PLAIN:
            how, _, tail = page.evaluate(DEEPEST, PROLOGUE + UNWOUND.format(limit=limit))
            unwound.append((limit, "survived" if "survived" in tail else how))
            print(f"plain calls to {limit}: {unwound[-1][1]}", file=sys.stderr)
        browser.close()
    httpd.shutdown()
    print(f"\nWhere Pyodide's stack overflows, Chromium {version}, {platform.machine()}: "
          "the last mark before Python died (every 25 frames, the page's own included)\n")
    print("| recursion through | frames | C stack used (KB) |\n|---|---|---|")
    for kind, how, frames, used in rows:
        print(f"| {kind} | {frames} | {used / 1024:.0f} |" if how == "crashed" else
              f"| {kind} | {how} | |")
    print("\n| recursion through | within the page's limits |\n|---|---|")
    for kind, said in kept:
        print(f"| {kind} | {said} |")
    print("\n| plain calls (f calls f) up to the limit, RecursionError caught | then |\n|---|---|")
    for limit, how in unwound:
        print(f"| {limit} | {how} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
