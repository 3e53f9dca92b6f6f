"""The documentation's promises that need no browser: every module says what it exports
(``__all__``), every exported name has a docstring for the API reference, the API reference
covers every module, the README stays short, and its quickstart and the tour of Getting
started print what they show.

tests/test_docs_site.py builds the site and opens every page in Chromium."""

import ast
import contextlib
import importlib
import importlib.util
import inspect
import io
import pkgutil
import re
import sys
from functools import cache
from pathlib import Path

import pytest

import tinygrad_edu

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 150


def modules() -> list[str]:
    """Every module of the package but ``__main__`` (the command line, documented in the
    guides; importing it runs nothing, but it exports nothing either)."""
    found = ["tinygrad_edu"] + [m.name for m in pkgutil.walk_packages(
        tinygrad_edu.__path__, "tinygrad_edu.")]
    return sorted(name for name in found if not name.endswith("__main__")
                  and importlib.import_module(name).__name__ == name)


def exported() -> list[tuple[str, str]]:
    return [(module, name) for module in modules()
            for name in getattr(importlib.import_module(module), "__all__", ())]


@cache
def syntax(module: str) -> ast.Module:
    return ast.parse(Path(importlib.import_module(module).__file__).read_text(encoding="utf-8"))


def docstring(module: str, name: str) -> str | None:
    """The docstring the API reference shows for ``module.name``: that of the def or class
    where it is defined (following ``from ... import name`` within the package), the string
    right after an assignment (an attribute docstring), or, for a function made by a call
    (a line of the op table), the one it has at run time."""
    body = syntax(module).body
    for node in list(body):  # the names a module loads lazily, declared for the type checker
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            body = [*body, *node.body]
    for i, node in enumerate(body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                node.name == name and not any(  # (typing.overload's signatures have none)
                    getattr(d, "id", getattr(d, "attr", "")) == "overload"
                    for d in node.decorator_list):
            return ast.get_docstring(node)
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("tinygrad_edu"):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return docstring(node.module, alias.name)
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, ast.AnnAssign) else [])
        names = [n for t in targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])]
        if any(isinstance(n, ast.Name) and n.id == name for n in names):
            value = getattr(importlib.import_module(module), name)
            if inspect.isfunction(value):  # made by unary_op, binary_op, ...
                return inspect.getdoc(value)
            after = body[i + 1] if i + 1 < len(body) else None
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and \
                    isinstance(after.value.value, str):
                return inspect.cleandoc(after.value.value)
            return None
    raise AssertionError(f"{module}.{name} is in __all__ but defined nowhere")


@pytest.mark.parametrize("module", modules())
def test_every_module_says_what_it_exports(module):
    mod = importlib.import_module(module)
    assert hasattr(mod, "__all__"), f"{module} has no __all__: list its public names"
    assert mod.__doc__ and mod.__doc__.strip(), f"{module} has no docstring"
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == [], f"{module}.__all__ names what it does not define: {missing}"


def test_every_exported_name_has_a_docstring():
    names = exported()
    assert len(names) > 250  # every module's: the walk found the package
    missing = [f"{module}.{name}" for module, name in names
               if not (docstring(module, name) or "").strip()]
    assert missing == [], f"exported without a docstring: {missing}"


def test_the_docstring_finder_sees_a_missing_one(tmp_path, monkeypatch):
    (tmp_path / "tinygrad_edu_probe.py").write_text(
        '"""A module."""\n__all__ = ["A", "B", "f", "g"]\nA = 1\n"""A is one."""\nB = 2\n\n'
        'def f():\n    """Documented."""\n\ndef g():\n    pass\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    syntax.cache_clear()
    found = {name: docstring("tinygrad_edu_probe", name) for name in ("A", "B", "f", "g")}
    assert found == {"A": "A is one.", "B": None, "f": "Documented.", "g": None}


def test_the_api_reference_has_a_page_for_every_public_module():
    """The site's build hook finds the modules by walking the package, so a new module gets
    its page without anyone listing it: every module with a non-empty ``__all__`` has one
    page of its own, in one group of the navigation. (tests/test_docs_site.py checks that
    every name shows up in the built site.)"""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: ./run.sh docs")
    build = load_hook()
    pages = build.api_pages()
    placed = [module for found in pages.values() for module, _, _ in found]
    public = [m for m in modules() if getattr(importlib.import_module(m), "__all__", None)]
    assert sorted(placed) == public
    files = build.api_files(pages)
    for found in pages.values():
        for module, page, summary in found:
            assert re.findall(r"^::: (\S+)$", files[page], re.M) == [module]
            assert summary and f"({page})" in files["index.md"]
    assert pages["Start here"][0][0] == "tinygrad_edu"


def test_a_new_module_gets_a_page_without_a_list(monkeypatch, tmp_path):
    """A module the groups do not name (the engine split into more files, say) still gets
    its page, in the scalar engine's group."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: ./run.sh docs")
    api = load_hook("api_reference")
    (tmp_path / "tinygrad_edu_probe_module.py").write_text(
        '"""A module beside the engine."""\n__all__ = ["f"]\n\ndef f():\n    """F."""\n',
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = api.public_modules()
    monkeypatch.setattr(api, "public_modules", lambda: [*found, "tinygrad_edu_probe_module"])
    pages = api.api_pages()
    assert "tinygrad_edu_probe_module" in [m for m, _, _ in pages["The scalar engine"]]


def load_hook(name: str = "build"):
    """docs/hooks/NAME.py loaded as MkDocs loads a hook: with its folder on ``sys.path`` while
    it runs (build.py imports its parts beside it by their names)."""
    folder = ROOT / "docs" / "hooks"
    spec = importlib.util.spec_from_file_location(f"docs_{name}_hook", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    saved = sys.path.copy()
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_the_sites_pyodide_never_sets_its_signal_byte_to_0_over_a_signal():
    """Pyodide as the site gets it (docs/hooks/live.py): its read of the byte the page writes
    a signal to sets it to 0 only where it found one, in one step with a second read (issue
    66: read, then set to 0, it lost a Stop written between the two); a Pyodide that reads
    it otherwise fails the build, not the Stop."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: ./run.sh docs")
    from mkdocs.exceptions import PluginError

    live = load_hook("live")
    read = ("function _Py_CheckEmscriptenSignals_Helper(){if(!Module.Py_EmscriptenSignalBuffer)"
            "{return 0}try{" + live.SIGNAL_READ + "}catch(e){return 0}}")
    taken = live.signal_taken(f"let a=1;{read}let b=2;")
    assert taken == f"let a=1;{read.replace(live.SIGNAL_READ, live.SIGNAL_TAKEN)}let b=2;"
    assert "[0]=0" not in live.SIGNAL_TAKEN and "if(result)result=Atomics.exchange(" in taken
    for other in ("let a=1;", read * 2):  # (none, or not one only)
        with pytest.raises(PluginError, match="does not read its signal byte"):
            live.signal_taken(other)
    cached = live.CACHE / "npm" / f"pyodide-{live.NPM['pyodide']}" / "pyodide.asm.mjs"
    if cached.is_file():  # (the pinned Pyodide, where a build fetched it)
        assert live.SIGNAL_TAKEN in live.signal_taken(cached.read_text(encoding="utf-8"))


def test_the_exercises_page_lists_every_exercise():
    """The table of the exercises page: every exercise, by number, signature and level."""
    pytest.importorskip("hypothesis", reason="tinygrad_edu.exercises needs hypothesis")
    from tinygrad_edu.exercises import EXERCISES

    page = (ROOT / "docs" / "guides" / "exercises.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| `([^`]+)` \| .* \| (\d) \|$", page, re.M)
    assert rows == [(str(ex.number), ex.signature, str(ex.level)) for ex in EXERCISES.values()]


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it to {README_MAX_LINES} and move the "
        "details into the documentation site (docs/)")


NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"]


def test_the_readme_counts_the_notebooks_and_names_the_gpts():
    """The README's "Twelve notebooks" is the number in notebooks/, and the notebook it names
    for the GPT is there (it said "Ten" and "the last notebook" when there were 12)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    count = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    said = re.search(r"\*\*(\w+) notebooks\*\*", readme).group(1).lower()
    assert said == NUMBER_WORDS[count], f"README.md says {said} notebooks; there are {count}"
    gpt = re.search(r"A GPT built from Values.*?\(`(\w+)`\)", readme, re.S).group(1)
    assert (ROOT / "notebooks" / f"{gpt}.ipynb").exists(), gpt


def printed(code: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs>", "exec"), namespace)
    return out.getvalue()


def test_the_readme_quickstart_prints_what_its_comment_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    first, second = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    namespace: dict = {}
    shown = re.search(r"# (.*?):", first).group(1)
    assert printed(first, namespace) == shown + "\n"
    steps = printed(second, namespace).splitlines()
    assert len(steps) == 3 and "x.grad += 1.0 * 3.0 = 3.0 (now 10.0)" in steps[2]


@pytest.mark.slow
def test_the_tour_prints_what_it_shows(tmp_path, monkeypatch):
    """Each Python block of the five-minute tour, run in order in one namespace as pasted
    into a REPL, prints exactly the text block that follows it."""
    pytest.importorskip("hypothesis", reason="the tour's last block grades an exercise")
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(tmp_path / "progress.json"))
    guide = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    tour = guide.split("## A five-minute tour", 1)[1]
    pairs = re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", tour, re.S)
    assert len(pairs) == 7
    namespace: dict = {}
    for code, shown in pairs:
        assert printed(code, namespace) == shown, code


GUIDES_THAT_RUN = ["stepping.md", "tensor-engine.md", "exercises.md", "paths.md", "microgpt.md",
                   "programs.md"]


@pytest.mark.parametrize("guide", GUIDES_THAT_RUN)
def test_a_guide_runs_and_prints_what_it_shows(guide, tmp_path, monkeypatch):
    """Every Python block of the guide, run in order in one namespace as pasted into a
    REPL, runs; a block followed by a text block prints exactly that text."""
    pytest.importorskip("hypothesis", reason="the exercises page grades an exercise")
    monkeypatch.setenv("TINYGRAD_EDU_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.chdir(tmp_path)  # where a block that writes a file writes it
    page = (ROOT / "docs" / "guides" / guide).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```\n(?:\s*^```text\n(.*?)^```$)?", page,
                        re.S | re.M)
    assert blocks
    namespace: dict = {}
    shown = 0
    for code, text in blocks:
        if "to_torch" in code and importlib.util.find_spec("torch") is None:
            continue  # (PyTorch is an optional extra: the block is tried where it is installed)
        out = printed(code, namespace)
        if text:
            assert out == text, code
            shown += 1
    assert shown >= 1


def test_the_engine_pages_example_has_no_accidental_one():
    """docs/engine.md's example (the README's, the pictures' and the replay's) has no value,
    local derivative or gradient of 1 but df/df and + and -'s constants, and no two equal
    numbers, so that a reader sees which number is which (at x = 3, y = 2, v2 = x - y = 1
    made MUL's local derivative look like ADD's 1.0)."""
    page = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    namespace: dict = {}
    printed(code, namespace)
    x, y = namespace["x"], namespace["y"]
    f = namespace["f"]
    v1, v2 = f._a, f._b
    numbers = [x.data, y.data, v1.data, v2.data, f.data, f._da, f._db, x.grad, y.grad]
    assert all(abs(n) != 1.0 for n in numbers), numbers
    assert len({abs(n) for n in [x.data, y.data, v1.data, v2.data, f.data]}) == 5, numbers
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = code.splitlines()[2]  # x, y = Value(...), Value(...)
    assert first in readme.split("## Quickstart", 1)[1], "the README's example is another"
    hook = (ROOT / "docs" / "hooks" / "engine_drawings.py").read_text(encoding="utf-8")
    assert first in hook, "the pictures and the replay show another example"


def test_the_engines_reading_order_renders_as_one_table():
    """The reading order of docs/engine.md is one table, a row for each range of lines, that
    Python-Markdown renders as a table (a row that breaks the table renders as text)."""
    markdown = pytest.importorskip("markdown", reason="the docs extra is not installed")
    page = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    section = page.split("## Reading the engine", 1)[1].split("\n## ", 1)[0]
    written = re.findall(r"^\| `tinygrad_edu/", section, re.M)
    html = markdown.markdown(section, extensions=["tables"])
    assert written and html.count("<table>") == 1
    assert html.count("<tr>") == len(written) + 1 and "|" not in html


def test_the_engine_pages_pictures_are_in_the_repository_as_drawn():
    """docs/engine.md is read in the repository too: its three pictures are kept in
    docs/images/, and each shows what draw_dot draws now (the same texts: every name,
    number and gradient; the layout may differ between Graphviz versions)."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: ./run.sh docs")
    pictures = load_hook("engine_drawings").engine_pictures()
    page = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\(images/([\w-]+)\.svg\)", page)
    assert shown == ["engine-forward", "engine-step-2", "engine-backward"]

    def texts(svg: str) -> list[str]:
        return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg))

    for name in shown:
        kept = (ROOT / "docs" / "images" / f"{name}.svg").read_text(encoding="utf-8")
        assert texts(kept) and texts(kept) == texts(pictures[name]), (
            f"docs/images/{name}.svg is not what draw_dot draws now: write it again from "
            "docs/hooks/engine_drawings.py's engine_pictures()")
