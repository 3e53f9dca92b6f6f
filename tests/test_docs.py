"""The documentation's promises that need no browser: every module says what it exports
(``__all__``), every exported name has a docstring for the API reference, the API reference
covers every module, the README stays short, and its quickstart and the tour of Getting
started print what they show.

tests/test_docs_site.py builds the site and opens every page in Chromium."""

import ast
import contextlib
import importlib
import inspect
import io
import pkgutil
import re
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
    return sorted(name for name in found if not name.endswith("__main__"))


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
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
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


def test_the_api_reference_renders_every_module():
    """Each module has a ``::: module`` block in docs/api/, so mkdocstrings renders its
    ``__all__``; tests/test_docs_site.py checks that every name shows up in the built site."""
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "api").glob("*.md"))
    rendered = re.findall(r"^::: (\S+)$", pages, re.M)
    assert sorted(rendered) == modules()


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it to {README_MAX_LINES} and move the "
        "details into the documentation site (docs/)")


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
    assert len(steps) == 3 and "x.grad += 1.0 * 1.0 = 1.0 (now 6.0)" in steps[2]


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
