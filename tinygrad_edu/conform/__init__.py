"""The conformance suite as a pytest plugin, loaded only when asked for:
``pytest -p tinygrad_edu.conform --conform-engine module:Value``. Each row of the suite's
table (an op, a graph shape) becomes a test: it fails where something differs or crashes,
is skipped where the engine lacks it, and passes otherwise, its limits and conventions shown
in the test's report. No entry point loads it by itself, since a plugin registered with
``pytest11`` would enter every pytest run on the machine, a grader's included.

This folder holds the plugin alone; the suite is ``tinygrad_edu.testing.conformance``. The
plugin may import ``testing`` and the scalar engine's files; nothing in the package imports
it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tinygrad_edu.testing.conformance.report import FAILING, Report

__all__: list[str] = []

ROWS_KEY = pytest.StashKey[dict[str, Report]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conform", "the conformance suite of scalar autograd engines")
    group.addoption("--conform-engine", action="append", default=[], metavar="TARGET",
                    help="an engine to check: module:Class or path:Class (may be repeated)")
    group.addoption("--conform-fast", action="store_true", help="fewer cases: under 10 s")
    group.addoption("--conform-name", action="append", default=[], metavar="WHAT=NAME",
                    help="what the engine calls things: class=Scalar, data=value, "
                         "grad=gradient, backward=backwards, zero_grad=clear")
    group.addoption("--conform-python", default=None, metavar="PATH",
                    help="run the engine under this Python")
    group.addoption("--conform-only", action="append", default=[], metavar="ROW",
                    help="check this row only (an op such as tanh, a graph check such as "
                         "diamond; may be repeated)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[ROWS_KEY] = {}


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    from tinygrad_edu.testing.conformance import ROWS

    only = config.getoption("conform_only")
    rows = ["loading", *(row for row in ROWS if not only or row in only)]
    for target in config.getoption("conform_engine"):
        items += [ConformItem.from_parent(session, name=f"conform[{target}][{row}]",
                                          target=target, row=row) for row in rows]


class ConformFailure(Exception):
    """The findings of a row that differs or crashed."""


class ConformItem(pytest.Item):
    """One row of one engine's table: the engine is checked once, at its first row."""

    def __init__(self, *, target: str, row: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target, self.row = target, row

    def report_of(self) -> Report:
        reports = self.config.stash[ROWS_KEY]
        if self.target not in reports:
            from tinygrad_edu.testing.conformance import conform

            names = dict(pair.split("=", 1) for pair in self.config.getoption("conform_name"))
            reports[self.target] = conform(
                self.target, fast=self.config.getoption("conform_fast"), names=names,
                python=self.config.getoption("conform_python"),
                only=self.config.getoption("conform_only") or None)
        return reports[self.target]

    def runtest(self) -> None:
        report = self.report_of()
        found = [f for f in report.findings if f.row == self.row]
        cells = report.rows.get(self.row, {})
        for f in found:
            self.add_report_section("call", f.kind, f.text())
        if any(f.kind in FAILING for f in found):
            raise ConformFailure("\n\n".join(f.text() for f in found if f.kind in FAILING))
        if (not cells and self.row != "loading") or (cells and all(
                kind == "missing" for kind in cells.values())):
            pytest.skip("missing: " + "; ".join(f.summary for f in found) if found
                        else "not checked")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ConformFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"conform {self.target}: {self.row}"
