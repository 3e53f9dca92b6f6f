"""The suite's two tiers and its order (a plugin: tests/conftest.py imports its hooks).

A test marked ``long`` (``@pytest.mark.long(sibling="...")``) is in the long tier: it runs
only with ``--long`` (``./run.sh test --long``) and is otherwise collected and reported as
skipped, saying how to run it. It names its short sibling, a test of the main tier that runs
the same code: a function of the same file (``sibling="test_x"``) or of another
(``sibling="tests/y/test_z.py::test_x"``); a long test without one, or whose sibling is
missing or long itself, stops the run before any test runs. A notebook is put in the long
tier by its metadata, naming its sibling the same way (``_notebook_sibling``).

The files that take long come first: those with a test marked slow (or long, when it runs)
and the notebooks, each file's tests together and in order. run.sh's workers take a whole
file at a time in that order (``--dist loadfile --no-loadscope-reorder``), so the last files
to run are short ones and neither worker waits long for the other at the end. While the
site builds beside the suite (``.ci/run``), the files whose tests open it come after the
other long files.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import pytest

LONG_REASON = "the long tier: runs with ./run.sh test --long (or pytest --long)"


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="run the long tier too (the tests marked long: the long sweeps and "
                          "many-seed runs, each with a short sibling in the main tier)")


def pytest_collection_modifyitems(config, items):
    long = config.getoption("--long")
    for item in items:  # a notebook is marked long in its metadata (nbmake's items)
        if not isinstance(item, pytest.Function) and item.path.suffix == ".ipynb":
            sibling = _notebook_sibling(item.path)
            if sibling:
                item.add_marker(pytest.mark.long(sibling=sibling))
    problems = sorted({problem for item in items if item.get_closest_marker("long")
                       for problem in [sibling_problem(item, config.rootpath)] if problem})
    if problems:
        raise pytest.UsageError("\n".join(problems))
    if not long:
        for item in items:
            mark = item.get_closest_marker("long")
            if mark is not None:
                item.add_marker(pytest.mark.skip(
                    reason=f"{LONG_REASON}; its short sibling: {mark.kwargs['sibling']}"))
    heavy = {item.path for item in items
             if not isinstance(item, pytest.Function) or item.get_closest_marker("slow")
             or (long and item.get_closest_marker("long"))}
    # While the site builds beside the suite (.ci/run), the files that open it come after
    # the other long files, by when it is built; else right among them.
    building = bool(os.environ.get("TINYGRAD_EDU_SITE_STATUS"))
    on_site = {item.path for item in items
               if building and "site" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: (item.path not in heavy, item.path in on_site))  # (stable)


ParameterSet = type(pytest.param(None))


def sampled(values: Iterable[Any], keep: int | Collection[Any], sibling: str,
            several: bool = False) -> list[Any]:
    """``values`` for ``pytest.mark.parametrize``, all but a sample of them in the long tier:
    ``keep``, the values the main tier keeps (or, a number, the first ``keep``), the others
    marked long with ``sibling`` as their short sibling (this same test, at the values it
    keeps: the same code, on fewer cases). ``several``: each value is a tuple, one item per
    argument. A value that is a ``pytest.param`` keeps its own marks and id."""
    values = list(values)
    kept = set(range(keep)) if isinstance(keep, int) else {
        i for i, value in enumerate(values) if _bare(value) in keep}
    if not 0 < len(kept) < len(values):
        raise ValueError(f"a sample keeps some of the values, not none or all: {keep!r}")
    long = pytest.mark.long(sibling=sibling)
    return [value if i in kept else
            pytest.param(*value.values, marks=[*value.marks, long], id=value.id)
            if isinstance(value, ParameterSet) else
            pytest.param(*(value if several else (value,)), marks=long)
            for i, value in enumerate(values)]


def _bare(value: Any) -> Any:
    """A parameter's value, out of its ``pytest.param`` if it has one."""
    if isinstance(value, ParameterSet):
        return value.values[0] if len(value.values) == 1 else value.values
    return value


def sibling_problem(item, root: Path) -> str | None:
    """What is wrong with the short sibling a long test names, or None."""
    sibling = item.get_closest_marker("long").kwargs.get("sibling")
    where = f"{item.nodeid.split('[')[0]} is marked long"
    if not sibling:
        return (f"{where} but names no short sibling: a test of the main tier that runs the "
                "same code, @pytest.mark.long(sibling=\"test_name\") (or \"path::test_name\")")
    path, _, name = sibling.rpartition("::")
    file = root / path if path else Path(item.path)
    found = _functions(file).get(name)
    if found is None:
        return f"{where}, and its sibling {sibling} is not a test function in {file.name}"
    if found:
        return f"{where}, and so is its sibling {sibling}: a sibling is in the main tier"
    return None


_parsed: dict[Path, dict[str, bool]] = {}


def _functions(file: Path) -> dict[str, bool]:
    """The module-level functions of a file, each with whether it is marked long."""
    if file not in _parsed:
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"))
        except OSError:
            tree = ast.Module(body=[], type_ignores=[])
        _parsed[file] = {node.name: any("mark.long" in ast.unparse(d)
                                        for d in node.decorator_list)
                         for node in tree.body if isinstance(node, ast.FunctionDef)}
    return _parsed[file]


def _notebook_sibling(path: Path) -> str | None:
    """The short sibling a notebook names in its metadata, ``{"tinygrad_edu": {"long":
    {"sibling": "tests/x.py::test_y"}}}``, which puts it in the long tier; else None."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return metadata.get("tinygrad_edu", {}).get("long", {}).get("sibling")
