"""How fast the playground answers in a browser: ``python benchmarks/bench_live.py [SITE]``.

Serves the built site (default ``site/``; build it with ``./run.sh docs``) on 127.0.0.1 with
docs/hooks/serve.py, opens the playground in headless Chromium (the system's, through
Playwright, as the tests do) and presses Run on the quickstart at once, as a reader who
arrives and runs it does: the **time to the first result** counts from opening the page to
the printed gradients, and so includes loading Python (Pyodide), Graphviz (viz-js), the
wheels and tinygrad_edu. Then the **second run**: Run again, until its result, graph and
replay are shown. Then the page is opened again, as on a later visit, with the browser's
cache: the first result again. Each round starts from a new browser profile (nothing
cached), ``--rounds`` times (default 3; ``--quick``: once, without the GPT); the medians are
reported with how the loading splits: Pyodide ready, the wheels unpacked, tinygrad_edu
imported. Goals on the 2-core machine: first result within 8 s, a second run under 0.5 s.
Also times one GPT training step from the GPT example.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DONE = ("!document.getElementById('run').disabled && "
        "/^(Ran|Stopped)/.test(document.getElementById('state').textContent)")


def load_serve():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "docs" / "hooks" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_round(playwright, chromium: str, url: str, gpt: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(url + "playground.html?example=quickstart")
        page.click("#run")
        page.wait_for_function(DONE, timeout=120_000)
        first = time.perf_counter() - started
        assert page.text_content("#output").startswith("21.0 10.0 -4.0"), page.text_content(
            "#output")
        times = page.evaluate("window.tinygradLive.loaded.times")
        started = time.perf_counter()
        page.click("#run")
        page.wait_for_function(DONE, timeout=60_000)
        second = time.perf_counter() - started
        assert page.is_visible("#replay")
        started = time.perf_counter()  # a later visit: the browser has the files cached
        page.reload()
        page.click("#run")
        page.wait_for_function(DONE, timeout=120_000)
        revisit = time.perf_counter() - started
        result = {"first": first, "second": second, "revisit": revisit, **times}
        if gpt:
            page.select_option("#example", "gpt")
            page.click("#run")
            page.wait_for_function(DONE, timeout=120_000)
            step = re.search(r"(\d+) ms a step here", page.text_content("#output"))
            result["gpt_step_ms"] = float(step.group(1)) if step else float("nan")
        browser.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "site"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-gpt", action="store_true", help="skip the GPT example")
    parser.add_argument("--quick", action="store_true", help="one round, no GPT")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.no_gpt = 1, True
    site = Path(args.site)
    if not (site / "live" / "manifest.json").is_file():
        print(f"{site} holds no built site with its live pages: run ./run.sh docs first",
              file=sys.stderr)
        return 1
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("needs Playwright: pip install -e '.[dev]'", file=sys.stderr)
        return 1
    chromium = os.environ.get("TINYGRAD_EDU_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    if not chromium:
        print("needs Chromium: sudo apt-get install chromium", file=sys.stderr)
        return 1
    httpd, url = load_serve().in_background(site)
    rounds = []
    with sync_playwright() as playwright:
        for i in range(args.rounds):
            rounds.append(one_round(playwright, chromium, url, gpt=not args.no_gpt and i == 0))
            print(f"round {i + 1}: first result {rounds[-1]['first']:.2f} s, second run "
                  f"{rounds[-1]['second']:.3f} s", file=sys.stderr)
    httpd.shutdown()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    print(f"\nThe playground in Chromium, {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; median of {len(rounds)} rounds, each from "
          "an empty cache\n")
    print("| measure | seconds | goal |\n|---|---|---|")
    print(f"| time to the first result (page opened, Run pressed at once) | "
          f"{median('first'):.2f} | < 8 |")
    print(f"| of which: Pyodide ready | {median('pyodide'):.2f} | |")
    print(f"| of which: wheels unpacked | {median('wheels'):.2f} | |")
    print(f"| of which: tinygrad_edu imported | {median('import'):.2f} | |")
    print(f"| a second run (result, graph and replay shown) | {median('second'):.3f} | < 0.5 |")
    print(f"| the first result on a later visit (files cached) | {median('revisit'):.2f} | |")
    if "gpt_step_ms" in rounds[0]:
        print(f"| one GPT training step (the GPT example; ms) | {rounds[0]['gpt_step_ms']:.0f} |"
              " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
