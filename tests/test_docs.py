"""The documentation's promises that need no browser: every module says what it exports
(``__all__``) and every exported name has a docstring for the API reference."""

import ast
import importlib
import inspect
import pkgutil
from functools import cache
from pathlib import Path

import pytest

import tinygrad_edu


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
