"""The site's generated parts, made during ``mkdocs build`` (an MkDocs hook, see mkdocs.yml).

Nothing here is committed as output; each build makes it again from its source. This module
holds the hook's events; each part is made by a module beside it (MkDocs puts this folder on
``sys.path`` while it loads a hook, so they import by their names):

- the replay pages embedded in the guides (``<!-- replay: NAME -->`` in a page's Markdown
  becomes a frame showing ``replays/NAME.html``), made with ``tinygrad_edu.viz.replay_html``,
  and the pictures of the engine's story, drawn with ``tinygrad_edu.viz.draw_dot``
  (``engine_drawings.py``);
- the notebooks' pages, from ``notebooks/*.ipynb`` as committed (with their outputs), their
  LaTeX turned into MathML so that formulas show without MathJax or any network; each page
  links the original notebook, which is copied beside it; the style sheets nbconvert writes
  into every one of them are files they share (``notebook_pages.py``);
- ``notebooks/index.md`` from ``notebooks/README.md``, and ``benchmarks.md`` from
  ``benchmarks/README.md`` with a plot drawn from the numbers in its tables
  (``benchmarks_page.py``);
- the API reference: a page per module of the package with a public ``__all__``, found by
  walking the package (a new module gets its page without anyone listing it), grouped in
  the navigation (``API_GROUPS``), and its index (``api_reference.py``);
- each page's first use of a word of the glossary linked to its entry (``glossary_links.py``).

Each page is also laid out for reading (``page_layout.py``; tests/test_docs_site.py checks it
in Chromium at 1280 and 390 px): a drawing's text is never under 11 px, a line of the chain
rule's clauses breaks between them, a notebook's printed table scrolls. Search ranks the
guides above the API reference, so that a guide's topic finds the guide first.

The site must load nothing from the network: after the build every page is searched for a
script, style sheet, picture or frame with an ``http(s)://`` address, and the build fails
naming it (tests/test_docs_site.py also opens every page in Chromium and watches).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from api_reference import api_files, api_pages
from benchmarks_page import benchmark_plot, benchmarks_page
from engine_drawings import engine_pictures, frame_height, replay_pages
from glossary_links import terms_linked
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from notebook_pages import (
    headings,
    notebook_with_mathml,
    shared_styles,
    without_notebook_cdn_scripts,
)
from page_layout import (
    GUIDES,
    clauses_kept_whole,
    legible_drawings,
    names_break_at_dots,
    printed_tables_scroll,
)

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


# ----------------------------------------------------------------------------- offline


LOAD = re.compile(r"<(?:script|link|img|iframe|source|audio|video|embed)\b[^>]*?\b(?:src|href)"
                  r"""\s*=\s*["']?(https?:)?//[^"'\s>]*""", re.I)
IMPORT = re.compile(r"""\bimport\s*\(\s*["'](?:https?:)?//[^"']*""")


def network_loads(text: str) -> list[str]:
    """The addresses on the network that a page's tags or scripts would load."""
    return [m.group(0) for m in LOAD.finditer(text)] + [m.group(0) for m in IMPORT.finditer(text)]
