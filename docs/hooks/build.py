"""The site's generated parts, made during ``mkdocs build`` (an MkDocs hook, see mkdocs.yml).

Nothing here is committed as output; each build makes it again from its source:

- the replay pages embedded in the guides (``<!-- replay: NAME -->`` in a page's Markdown
  becomes a frame showing ``replays/NAME.html``), made with ``tinygrad_edu.viz.replay_html``;
- the pictures of the engine's story, drawn with ``tinygrad_edu.viz.draw_dot``;
- the notebooks' pages, from ``notebooks/*.ipynb`` as committed (with their outputs), their
  LaTeX turned into MathML so that formulas show without MathJax or any network; each page
  links the original notebook, which is copied beside it; the style sheets nbconvert writes
  into every one of them are files they share (``shared_styles``);
- ``notebooks/index.md`` from ``notebooks/README.md``, and ``benchmarks.md`` from
  ``benchmarks/README.md`` with a plot drawn from the numbers in its tables;
- the API reference: a page per module of the package with a public ``__all__``, found by
  walking the package (a new module gets its page without anyone listing it), grouped in
  the navigation (``API_GROUPS``), and its index.

Each page is also laid out for reading (tests/test_docs_site.py checks it in Chromium at
1280 and 390 px): a drawing is never shown so small that its text is under 11 px (it keeps
that size and scrolls sideways in its box instead); a line of an output block that holds
the chain rule's clauses (``...;  ...``) breaks between clauses; a notebook's printed
table scrolls rather than wrapping, while its other printed text wraps at spaces. Search
ranks the guides above the API reference, so that a guide's topic finds the guide first.

The site must load nothing from the network: after the build every page is searched for a
script, style sheet, picture or frame with an ``http(s)://`` address, and the build fails
naming it (tests/test_docs_site.py also opens every page in Chromium and watches).
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import io
import json
import pkgutil
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BENCHMARKS = ROOT / "benchmarks" / "README.md"
REPLAY_MARK = re.compile(r"^<!-- replay: ([a-z0-9-]+) -->$", re.M)

_work: dict[str, Any] = {}  # this build's temporary folder and replay heights


# ----------------------------------------------------------------------------- MkDocs events


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _work["folder"] = Path(tempfile.mkdtemp(prefix="tinygrad_edu-docs-"))
    _work["api"] = api_pages()
    for item in config.nav or []:
        if isinstance(item, dict) and "API reference" in item:
            item["API reference"] = ["api/index.md"] + [
                {group: [{module: f"api/{page}"} for module, page, _ in pages]}
                for group, pages in _work["api"].items()]
    return config


@event_priority(100)  # before mkdocs-jupyter, which must see the notebooks
def on_files(files: Files, config: MkDocsConfig) -> Files:
    folder: Path = _work["folder"]
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        copy = folder / "notebooks" / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(json.dumps(notebook_with_mathml(json.loads(path.read_text("utf-8")))),
                        encoding="utf-8")
        files.append(File(f"notebooks/{path.name}", src_dir=str(folder), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "notebooks/index.md", content=readme))
    tables = BENCHMARKS.read_text(encoding="utf-8")
    files.append(File.generated(config, "benchmarks.md", content=benchmarks_page(tables)))
    files.append(File.generated(config, "images/benchmarks.svg", content=benchmark_plot(tables)))
    _work["svgs"] = engine_pictures()
    for name, svg in _work["svgs"].items():
        if not (ROOT / "docs" / "images" / f"{name}.svg").exists():  # (engine.md's are kept,
            files.append(File.generated(config, f"images/{name}.svg", content=svg))  # drawn)
    for name, text in api_files(_work["api"]).items():
        files.append(File.generated(config, f"api/{name}", content=text))
    heights = {}
    for name, (page, matrices) in replay_pages().items():
        files.append(File.generated(config, f"replays/{name}.html", content=page.html))
        heights[name] = frame_height(page.html, matrices)
    _work["replays"] = heights
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri.startswith("guides/") or page.file.src_uri in GUIDES:
        page.meta.setdefault("search", {}).setdefault("boost", 50)  # before the API pages
    if page.file.src_uri != "glossary.md" and not page.file.src_uri.startswith("api/"):
        markdown = terms_linked(markdown, "../" * page.file.src_uri.count("/"))
    def frame(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in _work["replays"]:
            raise PluginError(f"{page.file.src_uri}: no replay page {name!r}; docs/hooks/build.py"
                              f" makes {sorted(_work['replays'])}")
        depth = page.file.src_uri.count("/")
        src = "../" * depth + f"replays/{name}.html"
        return (f'<iframe class="replay" src="{src}" title="The replay page {name}" '
                f'sandbox="allow-scripts" style="height: {_work["replays"][name]}px"></iframe>\n'
                f'<p class="replay-caption"><a href="{src}">Open this replay on its own page'
                f'</a> · Back / Next / Play / Reset, or ← → Home End Space</p>')

    return REPLAY_MARK.sub(frame, markdown)


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    html_text = legible_drawings(html_text, _work["svgs"])
    html_text = clauses_kept_whole(html_text)
    html_text = names_break_at_dots(html_text)
    if page.file.src_uri.startswith("notebooks/") and page.file.src_uri.endswith(".ipynb"):
        html_text = printed_tables_scroll(html_text)
        page.toc = get_toc(headings(html_text))
        name = Path(page.file.src_uri).name
        html_text = (f'<p class="notebook-source">This page is the notebook <code>{name}</code>'
                     f' with its outputs, as committed: <a href="{name}" download>download it'
                     f'</a> to run it in Jupyter (in a clone, <code>./run.sh notebooks</code> '
                     f"opens them all in JupyterLab; in your own environment: <code>pip install "
                     f"-e '.[notebooks]'</code>).</p>\n{html_text}")
    return html_text


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    output = without_notebook_cdn_scripts(output)
    if page.file.src_uri.startswith("notebooks/") and page.file.src_uri.endswith(".ipynb"):
        output = shared_styles(output, Path(config.site_dir), page.file.dest_uri.count("/"))
    return output


def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    for path in NOTEBOOKS.glob("*.ipynb"):  # the originals, with their LaTeX, to download
        shutil.copyfile(path, site / "notebooks" / path.name)
    problems = [f"{page.relative_to(site)}: {url}" for page in sorted(site.rglob("*.html"))
                for url in network_loads(page.read_text(encoding="utf-8"))]
    if problems:
        raise PluginError("pages that would load from the network (the site must work "
                          "offline):\n  " + "\n  ".join(problems))
    shutil.rmtree(_work.pop("folder"), ignore_errors=True)


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


# ----------------------------------------------------------------------------- layout

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


# ----------------------------------------------------------------------------- glossary

# The words of the glossary (docs/glossary.md) that a page may use before explaining them:
# each page's first use, in its prose, links to the entry, with the gist as a tooltip. A
# pattern that starts with a backtick matches a whole code span (`OPS`).
TERMS: list[tuple[str, str, str]] = [
    (r"\bvector-Jacobian products?\b", "vjp", "the backward step of an op on arrays: the "
     "gradient that arrives times the op's Jacobian, computed without building it"),
    (r"⊙", "entry-by-entry", "the product entry by entry (A * B in NumPy)"),
    (r"`unbroadcast(?:\([^`]*\))?`", "unbroadcast", "sums a gradient back over the axes "
     "that broadcasting stretched, to its operand's shape"),
    (r"`(?:tinygrad_edu\.)?(?:tensor\.engine\.)?OPS`", "ops", "the registry: each op's "
     "name, forward function and derivative rules, as data"),
    (r"\bDense\b(?! *\()", "dense", "a fully connected layer Z = X @ W + b: PyTorch's Linear"),
    (r"(?<![/.\w])hypothesis\b(?![./\w])", "hypothesis", "a library that tests a property on "
     "many generated inputs and reports the simplest that fails"),
    (r"\bshrinks (?:it|the failure)\b|\bshrinking\b", "shrinking", "hypothesis simplifies a "
     "failing input to the simplest one that still fails"),
    (r"\blevel[- ][123]\b", "levels", "how hard an exercise is: 1, 2 or 3"),
    (r"\bone-hot\b", "one-hot", "a row of zeros with a 1 at the true class"),
    (r"\bcentral differences?\b", "central-difference", "(f(x + h) − f(x − h)) / 2h"),
    (r"\btopological (?:order|sort)\b", "topological-order", "every node after the nodes "
     "it was made from"),
    (r"\bupstream\b(?: gradient)?", "upstream-gradient", "the gradient that has arrived at a "
     "node, d(output)/d(node)"),
    (r"\bparameter path\b", "paths", "the gradient of a weight, which the optimizer uses"),
]
FENCE = re.compile(r"^( *)(```|~~~).*?^\1\2[ \t]*$", re.S | re.M)
SKIPPED = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)|\[[^\]\n]*\]\[[^\]\n]*\]|<[^>\n]+>"
                     r"|^#[^\n]*$|<!--.*?-->|https?://\S+", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]+`")


def overlaps(start: int, end: int, ranges: list[Any]) -> bool:
    return any(a < end and start < b for a, b in ranges)


def terms_linked(markdown: str, up: str) -> str:
    """The page with the first use of each glossary word in its prose linked to its entry:
    not inside code blocks, headings, links or tags; inside a code span only for a word
    that is one (`OPS`)."""
    fences = [m.span() for m in FENCE.finditer(markdown)]
    skipped = [m.span() for m in SKIPPED.finditer(markdown)] + fences
    spans = [m.span() for m in CODE_SPAN.finditer(markdown)]
    links: list[tuple[int, int, str]] = []
    for pattern, anchor, gist in TERMS:
        if f"glossary.md#{anchor})" in markdown:  # the page links it itself
            continue
        for match in re.finditer(pattern, markdown, re.I if pattern[0] != "`" else 0):
            start, end = match.span()
            if overlaps(start, end, skipped) or overlaps(start, end, [link[:2] for link in links]):
                continue
            code = [(a, b) for a, b in spans if a < end and start < b]
            if pattern[0] == "`" and code != [(start, end)]:
                continue
            if pattern[0] != "`" and code:
                continue
            links.append((start, end, f'[{match.group(0)}]({up}glossary.md#{anchor} "{gist}")'))
            break
    for start, end, link in sorted(links, reverse=True):
        markdown = markdown[:start] + link + markdown[end:]
    return markdown


# ----------------------------------------------------------------------------- API reference

# The navigation's groups, each with the modules it shows first, in reading order: the short
# name (``tensor.engine`` for ``tinygrad_edu.tensor.engine``), or a prefix ending in "." for
# the sub-modules of a package. A module that no group names joins the scalar engine's, after
# the modules named there (the engine is split into a story and the machinery beside it).
API_GROUPS: list[tuple[str, list[str]]] = [
    ("Start here", ["tinygrad_edu"]),
    ("The scalar engine", ["engine", "ops", "graph", "sums", "custom_ops"]),
    ("Derivatives and grad mode", ["autograd", "autograd.", "grad_mode", "scopes"]),
    ("Seeing a graph: stepping, drawing, replay", ["viz", "viz.stepping", "viz.drawing",
                                                   "viz.by_parts", "viz."]),
    ("Layers, losses, saving", ["nn", "nn."]),
    ("Training: optimizers, fit, data", ["training", "training."]),
    ("The tensor engine", ["tensor", "tensor.engine", "tensor.nn", "tensor."]),
    ("Testing and gradcheck", ["testing", "testing."]),
    ("Exercises", ["exercises", "exercises."]),
]
API_FALLBACK = "The scalar engine"


def public_modules() -> list[str]:
    """Every module of the package with a non-empty ``__all__`` (``__main__``, the command
    line, is described in the guides)."""
    import tinygrad_edu

    found = ["tinygrad_edu"] + [m.name for m in pkgutil.walk_packages(
        tinygrad_edu.__path__, "tinygrad_edu.")]
    return [name for name in found if not name.endswith("__main__")
            and importlib.import_module(name).__name__ == name  # (not a pointer: moved)
            and getattr(importlib.import_module(name), "__all__", None)]


def api_pages() -> dict[str, list[tuple[str, str, str]]]:
    """The API reference's pages by group: (module, page file, first line of its
    docstring), in reading order."""
    placed: dict[str, list[tuple[tuple[int, str], str]]] = {g: [] for g, _ in API_GROUPS}
    for module in public_modules():
        short = module.removeprefix("tinygrad_edu.") if module != "tinygrad_edu" else module
        for group, names in API_GROUPS:
            rank = next((i for i, n in enumerate(names) if n == short or (
                n.endswith(".") and short.startswith(n))), None)
            if rank is not None:
                placed[group].append(((rank, short), module))
                break
        else:
            placed[API_FALLBACK].append(((len(dict(API_GROUPS)[API_FALLBACK]), short), module))
    pages = {}
    for group, found in placed.items():
        pages[group] = [(module, f"{module.removeprefix('tinygrad_edu.')}.md",
                         (importlib.import_module(module).__doc__ or "").strip().split("\n\n")[0]
                         .replace("\n", " ")) for _, module in sorted(found)]
    return {group: found for group, found in pages.items() if found}


def api_files(pages: dict[str, list[tuple[str, str, str]]]) -> dict[str, str]:
    """The Markdown of the API reference: its index, and a page per module (ranked below
    the guides in search)."""
    files = {}
    rows = []
    for group, found in pages.items():
        rows.append(f"\n## {group}\n\n| module | what it holds |\n|---|---|")
        for module, page, summary in found:
            cell = summary.replace("|", "\\|")
            rows.append(f"| [`{module}`]({page}) | {cell} |")
            files[page] = (f"---\nsearch:\n  boost: 0.01\n---\n\n::: {module}\n"
                           "    options:\n      heading_level: 1\n")
    files["index.md"] = "---\nsearch:\n  boost: 0.01\n---\n\n" + API_INDEX + "\n".join(rows) + "\n"
    return files


API_INDEX = """# API reference

Every public name of every module (the names in its `__all__`), with the signature you call
and the docstring, generated from the code when the site is built: one page per module.
`tinygrad_edu`, `tinygrad_edu.viz`, `tinygrad_edu.nn`, `tinygrad_edu.tensor` and
`tinygrad_edu.exercises` gather the names a learner imports; each name is also documented in
the module that defines it. The command line, `python -m tinygrad_edu`, is described in the
guides: [replay](../guides/replay.md), [train](../guides/training.md),
[train-mnist](../guides/mnist.md), [exercises](../guides/exercises.md).
"""


# ----------------------------------------------------------------------------- offline


LOAD = re.compile(r"<(?:script|link|img|iframe|source|audio|video|embed)\b[^>]*?\b(?:src|href)"
                  r"""\s*=\s*["']?(https?:)?//[^"'\s>]*""", re.I)
IMPORT = re.compile(r"""\bimport\s*\(\s*["'](?:https?:)?//[^"']*""")


def network_loads(text: str) -> list[str]:
    """The addresses on the network that a page's tags or scripts would load."""
    return [m.group(0) for m in LOAD.finditer(text)] + [m.group(0) for m in IMPORT.finditer(text)]


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


# ----------------------------------------------------------------------------- math


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


# ----------------------------------------------------------------------------- benchmarks


def table_rows(markdown: str, header_start: str) -> list[list[str]]:
    """The rows (cells stripped) of the Markdown table whose header starts so."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
            return rows
    raise PluginError(f"benchmarks/README.md has no table starting {header_start!r}")


def ratio(cell: str) -> float | None:
    match = re.fullmatch(r"([\d.]+)x", cell)
    return float(match.group(1)) if match else None


def benchmark_plot(markdown: str) -> str:
    """An SVG of two panels drawn from the tables: how many times faster (or smaller) than
    micrograd each scalar workload is, and the tensor engine's seconds per epoch beside
    PyTorch's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scalar = [(row[0], r) for row in table_rows(markdown, "| workload |")
              if (r := ratio(row[3])) is not None]
    epochs = [row for row in table_rows(markdown, "| epoch |") if row[0].isdigit()]
    if not scalar or not epochs:
        raise PluginError("benchmarks/README.md: the tables to plot are empty")
    plt.rcParams.update({"svg.hashsalt": "tinygrad_edu", "font.size": 9})
    figure, (left, right) = plt.subplots(2, 1, figsize=(8, 8),
                                         gridspec_kw={"height_ratios": [1.2, 1]})
    names = [re.sub(r"\s*\(.*?\)", "", name) for name, _ in scalar]
    values = [r for _, r in scalar]
    left.barh(range(len(values)), values, color="#3f51b5")
    left.set_yticks(range(len(values)), [n if len(n) <= 60 else n[:59] + "…" for n in names])
    left.invert_yaxis()
    left.axvline(1, color="#888", linewidth=0.8)
    for i, v in enumerate(values):
        left.text(v, i, f" {v:g}×", va="center")
    left.set_xscale("log")
    left.set_xlim(right=max(values) * 3)
    left.set_xlabel("micrograd's time (or memory) / tinygrad_edu's (log scale)")
    left.set_title("Scalar engine against micrograd (above 1: ours is better)")
    x = [int(row[0]) for row in epochs]
    right.plot(x, [float(row[1]) for row in epochs], "o-", label="tinygrad_edu", color="#3f51b5")
    right.plot(x, [float(row[4]) for row in epochs], "s--", label="tinygrad_edu with fit",
               color="#7986cb")
    right.plot(x, [float(row[2]) for row in epochs], "^-", label="PyTorch", color="#ff5722")
    right.set_ylim(bottom=0)
    right.set_xlabel("epoch")
    right.set_ylabel("seconds per epoch")
    right.set_title("Tensor engine against PyTorch: Fashion-MNIST, MLP 784-128-10")
    right.set_xticks(x)
    right.legend(loc="lower right")
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def benchmarks_page(markdown: str) -> str:
    """benchmarks/README.md with the plot after its introduction."""
    figure = ("![How many times faster than micrograd each scalar workload runs, and the "
              "tensor engine's seconds per epoch beside PyTorch's](images/benchmarks.svg)\n\n"
              "*The plot is drawn from the numbers in the tables below when the site is "
              "built.*\n\n")
    head, _, rest = markdown.partition("\n## ")
    return f"{head.rstrip()}\n\n{figure}## {rest}"


# ----------------------------------------------------------------------------- the package


def product() -> Any:
    from tinygrad_edu import Value

    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    f = (x + y) * (x - y)
    f.label = "f"
    return f


def engine_pictures() -> dict[str, str]:
    """(x + y)(x - y) at x = 3, y = 2 as draw_dot draws it: before backward, at the second
    backward step (``frames``), and after; and micrograd's MLP on one example by its
    layers (``depth=1``), for the drawing guide."""
    from tinygrad_edu import Value
    from tinygrad_edu.nn import MLP
    from tinygrad_edu.viz import draw_dot, frames

    f = product()
    pictures = {"engine-forward": draw_dot(f), "engine-step-2": frames(f)[1]}
    f.backward()
    pictures["engine-backward"] = draw_dot(f)
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    out.backward()
    pictures["drawing-depth-1"] = draw_dot(out, depth=1, params=model)
    return {name: svg_text(drawing) for name, drawing in pictures.items()}


def svg_text(drawing: Any) -> str:
    svg = drawing.pipe(format="svg")
    return svg.decode("utf-8") if isinstance(svg, bytes) else svg


def replay_pages() -> dict[str, tuple[Any, bool]]:
    """The replay pages the guides embed, by name, each with whether its steps show
    matrices (a graph of Tensors)."""
    import numpy as np

    from tinygrad_edu import Value
    from tinygrad_edu.nn import Neuron
    from tinygrad_edu.tensor import Tensor, cross_entropy
    from tinygrad_edu.viz import replay_html

    pages = {"product": (replay_html(product()), False)}
    neuron = Neuron(2, activation="tanh", seed=1)
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    out = neuron([x1, x2])
    out.label = "out"
    pages["neuron"] = (replay_html(out, params=neuron.parameters()), False)
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(4, 3)), label="X")
    W1, b1 = Tensor(rng.normal(size=(3, 5)), label="W1"), Tensor(np.zeros((1, 5)), label="b1")
    W2, b2 = Tensor(rng.normal(size=(5, 2)), label="W2"), Tensor(np.zeros((1, 2)), label="b2")
    Z1 = X @ W1 + b1
    Z1.label = "Z1"
    A1 = Z1.relu()
    A1.label = "A1"
    Z2 = A1 @ W2 + b2
    Z2.label = "Z2"
    L = cross_entropy(Z2, [0, 1, 1, 0])
    L.label = "L"
    pages["two-layer"] = (replay_html(L, params=[W1, b1, W2, b2]), True)
    return pages


def frame_height(page: str, matrices: bool) -> int:
    """Pixels for a frame that shows a replay page whole in the content column (about 700
    pixels wide): the picture, scaled to that width, and the title, buttons, chain-rule line
    and legend above and below it; a graph of Tensors also shows each step's matrices."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', page)
    if match is None:
        raise PluginError("a replay page without its picture: replay_html has changed")
    width, height = (float(n) * 4 / 3 for n in match.groups())  # pt to px
    return int(height * min(1.0, 660 / width)) + (500 if matrices else 330)
