"""How the site's pages are laid out for reading (docs/hooks/build.py calls each as a page is
made; tests/test_docs_site.py checks the result in Chromium at 1280 and 390 px): a drawing is
never shown so small that its text is under 11 px (it keeps that size and scrolls sideways in
its box instead); a line of an output block that holds the chain rule's clauses
(``...;  ...``) breaks between clauses; a name in a table breaks only after a dot; a
notebook's printed table scrolls rather than wrapping, while its other printed text wraps at
spaces. ``GUIDES``: the pages outside guides/ that search ranks as guides.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from urllib.parse import unquote

GUIDES = {"getting-started.md", "property-testing.md", "engine.md", "engine-design.md",
          "glossary.md"}
"""Pages outside guides/ that search ranks as guides."""
SMALLEST_TEXT_PX = 11  # a drawing's text on screen, at least (tests/test_docs_site.py)
IMAGE = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"[^>]*>')


def svg_sizes(svg: str) -> tuple[float, float] | None:
    """A Graphviz SVG's natural width and its smallest text, in CSS pixels (Graphviz
    measures in points, 4/3 px); None without text (matplotlib draws text as paths)."""
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    size = re.search(r'<svg[^>]*\swidth="([\d.]+)(pt|px)?"[^>]*\sviewBox="[\d.-]+ [\d.-]+ '
                     r'([\d.]+) [\d.]+"', svg, re.S)
    if not fonts or size is None:
        return None
    width = float(size.group(1)) * (4 / 3 if size.group(2) in (None, "pt") else 1)
    scale = re.search(r'class="graph" transform="scale\(([\d.]+)', svg)
    per_unit = width / float(size.group(3)) * (float(scale.group(1)) if scale else 1.0)
    return width, min(fonts) * per_unit


def legible_drawings(text: str, svgs: dict[str, str]) -> str:
    """Each drawing of a graph (an SVG picture with text: the site's own, or a notebook's
    output) as wide as the page allows, but never so small that its text is under 11 px:
    then it keeps that width and scrolls sideways in a box of its own."""

    def one(match: re.Match[str]) -> str:
        src = html.unescape(match.group(1))
        if src.startswith("data:image/svg+xml"):
            head, _, body = src.partition(",")
            svg = base64.b64decode(body).decode("utf-8") if head.endswith(";base64") \
                else unquote(body)
        else:
            svg = svgs.get(Path(src).stem, "") if src.endswith(".svg") else ""
        sizes = svg_sizes(svg) if svg else None
        if sizes is None:
            return match.group(0)
        natural, smallest = sizes
        least = natural * min(1.0, SMALLEST_TEXT_PX / smallest)
        tag = match.group(0).replace(
            "<img", f'<img style="width: 100%; max-width: {natural:.0f}px; min-width: '
                    f'{least + 1:.0f}px; height: auto"', 1)
        return f'<span class="drawing">{tag}</span>'

    return IMAGE.sub(one, text)


TEXT_LINE = re.compile(r'(<span id="__span-[^"]+">(?:<a [^>]*></a>)?)([^<\n]*;  [^<\n]*)')


def clauses_kept_whole(text: str) -> str:
    """A line of an output block that lists the chain rule's clauses ("f = v1 * v2  upstream
    ...;  df/dv1 = ... -> v1.grad += ...") breaks between clauses, as the replay page's
    line does, never inside one."""

    def one(match: re.Match[str]) -> str:
        parts = match.group(2).split(";  ")
        spans = [f'<span class="clause">{part};</span>' for part in parts[:-1]]
        return match.group(1) + "  ".join([*spans, f'<span class="clause">{parts[-1]}</span>'])

    return re.sub(r'<div class="language-text highlight">.*?</div>',
                  lambda block: TEXT_LINE.sub(one, block.group(0)), text, flags=re.S)


def names_break_at_dots(text: str) -> str:
    """A name in a table cell (``torch.nn.utils.clip_grad_norm_``) breaks after a dot where
    the column is narrow, never inside a word (extra.css: a table's code does not break
    elsewhere)."""

    def cell(match: re.Match[str]) -> str:
        return re.sub(r"<code>(.*?)</code>", lambda code: "<code>" + re.sub(
            r"\.(?=[A-Za-z_])", ".<wbr>", code.group(1)) + "</code>", match.group(0))

    return re.sub(r"<td>.*?</td>", cell, text, flags=re.S)


PRINTED = re.compile(r'(<div class="jp-RenderedText jp-OutputArea-output"[^>]*>\s*<pre)>'
                     r'(.*?)</pre>', re.S)


def is_table(text: str) -> bool:
    """Printed text laid out in columns (text_graph, a gradcheck report, the list of
    exercises): at least three lines share a column where a gap of two spaces ends."""
    lines = [line for line in html.unescape(text).splitlines() if line.strip()]
    starts: dict[int, int] = {}
    for line in lines:
        for gap in re.finditer(r"(?<=\S)  +(?=\S)", line):
            starts[gap.end()] = starts.get(gap.end(), 0) + 1
    return len(lines) >= 3 and max(starts.values(), default=0) >= max(3, len(lines) // 2)


def printed_tables_scroll(text: str) -> str:
    """A notebook's printed table keeps its columns and scrolls sideways if it must; other
    printed text wraps at spaces (extra.css)."""
    return PRINTED.sub(lambda m: m.group(1) + (' class="printed-table">' if is_table(
        m.group(2)) else ">") + m.group(2) + "</pre>", text)
