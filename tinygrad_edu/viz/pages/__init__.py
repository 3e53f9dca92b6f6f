"""The package's web pages as files: each page's HTML, CSS and JavaScript (the replay page of
``replay.py``, the class report of ``exercises report``), and how a page is put together from
them: ``fill`` puts the CSS, the script and the data in their places in the HTML, and
``policy`` is the Content-Security-Policy that keeps a page from disk offline."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources

__all__: list[str] = []  # the pages' machinery: replay.py and the report use it


def part(name: str) -> str:
    """One of the files in ``tinygrad_edu/viz/pages``, without its blank lines around."""
    page = resources.files("tinygrad_edu.viz") / "pages" / name
    return page.read_text(encoding="utf-8").strip()


def json_for_script(data: object) -> str:
    """JSON that is safe inside <script>: no "</script>", no "<!--", no HTML entities."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def policy(script: str) -> str:
    """The policy forbidding every request and every script but ``script``: a page from disk
    stays offline, and no text in it can become code."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'"


def fill(template: str, filled: dict[str, str]) -> str:
    """``template`` with each ``@@NAME@@`` replaced by ``filled[NAME]``, once: what goes in is
    never read as a place to fill."""
    return re.sub(r"@@(\w+)@@", lambda m: filled[m.group(1)], template) + "\n"
