"""The notebooks' pages (from ``notebooks/*.ipynb`` as committed, with their outputs; see
docs/hooks/build.py): their LaTeX turned into MathML so that formulas show without MathJax or
any network, nbconvert's scripts from a CDN taken out, the style sheets nbconvert writes into
every one of them made files they share (``shared_styles``), and a table of contents from
their headings as rendered.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

HEADING = re.compile(r'<h([1-6]) id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def headings(html_text: str) -> list[Any]:
    """A notebook page's table of contents, from the headings as rendered (mkdocs-jupyter
    makes its own from a Markdown copy, whose anchors miss a heading with code in it)."""
    top: list[Any] = []
    open_: list[Any] = []  # the last heading of each level above the current one
    for level, anchor, inner in HEADING.findall(html_text):
        token = {"level": int(level), "id": anchor, "name": re.sub(r"<[^>]+>", "", inner),
                 "children": []}
        while open_ and open_[-1]["level"] >= token["level"]:
            open_.pop()
        (open_[-1]["children"] if open_ else top).append(token)
        open_.append(token)
    return top


# nbconvert's page template loads MathJax and mermaid from a CDN; the formulas are MathML here
# and no notebook draws a mermaid diagram.
MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
MERMAID = re.compile(r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded",'
                     r"\s*async \(\) => \{\s*const diagrams = .*?</script>", re.S)


def without_notebook_cdn_scripts(text: str) -> str:
    return MERMAID.sub("", MATHJAX.sub("", text))


STYLE = re.compile(r'<style type="text/css">(.*?)</style>', re.S)
SHARED_STYLES = "assets/notebook"
"""Where the notebooks' pages keep the style sheets they share."""


def shared_styles(text: str, site: Path, depth: int) -> str:
    """A notebook's page with each large style sheet nbconvert writes into it (the same
    575 KB on every notebook's page, 5.7 MB in all) as a file the pages share, named by its
    content, in ``assets/notebook/``: the site stays under its size limit, and a reader's
    browser loads it once."""
    def shared(match: re.Match[str]) -> str:
        css = match.group(1)
        if len(css) < 2000:
            return match.group(0)
        name = f"{hashlib.sha1(css.encode('utf-8')).hexdigest()[:12]}.css"
        path = site / SHARED_STYLES / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(css, encoding="utf-8")
        return f'<link rel="stylesheet" href="{"../" * depth}{SHARED_STYLES}/{name}">'

    return STYLE.sub(shared, text)


CODE = re.compile(r"^(```|~~~).*?^\1[ \t]*$|`[^`\n]*`", re.S | re.M)
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?![\s$])((?:[^$\n]|\n(?!\s*\n))+?)(?<![\s\\])\$",
                  re.S)


def markdown_with_mathml(text: str) -> str:
    """Markdown with each ``$...$`` and ``$$...$$`` formula (outside code) as MathML."""
    from latex2mathml.converter import convert

    def one(match: re.Match[str]) -> str:
        block = match.group(1) is not None
        tex = (match.group(1) if block else match.group(2)).strip()
        try:
            mathml = convert(tex, display="block" if block else "inline")
        except Exception as error:  # name the formula: the notebook needs fixing
            raise PluginError(f"cannot turn the formula ${tex}$ into MathML: {error}") from None
        return mathml

    out, last = [], 0
    for code in CODE.finditer(text):
        out += [MATH.sub(one, text[last:code.start()]), code.group(0)]
        last = code.end()
    out.append(MATH.sub(one, text[last:]))
    return "".join(out)


def notebook_with_mathml(notebook: dict[str, Any]) -> dict[str, Any]:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            text = "".join(source) if isinstance(source, list) else source
            cell["source"] = markdown_with_mathml(text)
    return notebook
