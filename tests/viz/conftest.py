"""The fixtures of the live pages' tests (see live.py, whose marks skip them without
Playwright or Chromium): the built site served on 127.0.0.1, one Chromium per module, and a
fresh watched context per test."""

import pytest

from tests.viz.live import Watched, load_serve
from tests.viz.test_replay_browser import CHROMIUM, FLAGS, sync_playwright


@pytest.fixture(scope="module")
def server(site):
    httpd, url = load_serve().in_background(site)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser, server, site):
    """A fresh context for one test; at its end, nothing may have left the server and no
    page may have logged an error."""
    watch = Watched(browser, server, site)
    yield watch
    watch.context.close()
    assert watch.outside == [], "requests that left the server"
    assert watch.errors == [], "errors the pages logged"
