"""The fixtures of the live pages' tests (see live.py, whose marks skip them without
Playwright or Chromium): the built site served on 127.0.0.1, one Chromium per module with a
profile of its own, and a watched set of pages per test, with the site's storage cleared."""

import pytest

from tests.viz.live import Watched, load_serve, profile


@pytest.fixture(scope="module")
def server(site):
    httpd, url = load_serve().in_background(site)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    with profile(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def watched(chromium, server, site):
    """The pages of one test, which start from no stored data of the site's; at its end,
    nothing may have left the server and no page may have logged an error."""
    watch = Watched(chromium, server, site)
    yield watch
    watch.close()
    assert watch.outside == [], "requests that left the server"
    assert watch.errors == [], "errors the pages logged"
