"""Check anyone's scalar autograd engine: ``conform(Value)``, ``python -m tinygrad_edu conform
module:Value`` and ``pytest -p tinygrad_edu.conform --conform-engine module:Value``.

The engine runs in a process of its own (``child.py``, which imports nothing of ours), so
that one that crashes or corrupts its interpreter is reported, never fatal. The checker
finds out what the engine has (``catalogue.py``: each op by its common names), runs programs
on it (``programs.py``) and compares them with PyTorch, or central differences where PyTorch
is not installed (``judging.py``): each op in each form at ordinary numbers, large ones, edge
numbers and kinks (``checks.py``, hypothesis shrinking a difference to its smallest case),
then the graph shapes that break engines (``graphs.py``). A difference is explained by the
named mistake that gives the engine's numbers, with the line to look at (``diagnosis.py``);
``report.py`` shows it all: a table, an HTML report card, JUnit XML.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from tinygrad_edu.testing.conformance.catalogue import OPS
from tinygrad_edu.testing.conformance.graphs import GRAPHS
from tinygrad_edu.testing.conformance.report import KINDS, Finding, Report

__all__ = ["KINDS", "ROWS", "EngineNotFound", "Finding", "Report", "conform"]

ROWS = (*(op.name for op in OPS), *(g[0] for g in GRAPHS), "random graphs",
        "numbers, not nodes", "inputs unchanged")
"""The rows of the table: each op, then each graph check."""

NAMES = ("class", "data", "grad", "backward", "zero_grad", "requires_grad")


class EngineNotFound(LookupError):
    """The target could not be imported, or has no class that makes nodes."""


def conform(target: Any, *, fast: bool = False, names: dict[str, Any] | None = None,
            python: str | None = None, isolate: bool = True, seed: int = 0,
            reference: str = "auto", timeout: float = 20.0,
            only: Iterable[str] | None = None) -> Report:
    """Check a scalar autograd engine and return a ``Report``.

    ``target`` is the engine's class, ``"module:Class"``, or a path to its file or package
    (``"path/to/engine.py:Value"``; engines that share an import name are told apart by
    path). ``names`` says what the engine calls things when not the usual: ``{"class":
    "Scalar", "data": "value", "grad": "gradient", "backward": "backwards", "zero_grad":
    "clear", "requires_grad": True}``. ``fast`` tries fewer cases (under 10 s). ``python``
    runs the engine under another interpreter (where it is installed); ``isolate=False``
    runs it in this process (a class that cannot be sent apart). ``reference``: ``"torch"``,
    ``"differences"`` or ``"auto"`` (PyTorch where it is installed). ``only`` names the rows
    of the table to check (ops such as ``"tanh"`` or ``"**"``, graph checks such as
    ``"diamond"``); the default is all of them.
    """
    from tinygrad_edu.testing.conformance.checks import check_engine
    from tinygrad_edu.testing.conformance.runner import InProcess, NoSource, Process, spec_of

    names = dict(names or {})
    unknown = set(names) - set(NAMES)
    if unknown:
        raise TypeError(f"conform: unknown names {sorted(unknown)}; known: {', '.join(NAMES)}")
    rows = None if only is None else set(only)
    if rows is not None and rows - set(ROWS):
        raise ValueError(f"conform: no rows {sorted(rows - set(ROWS))}; the rows: "
                         f"{', '.join(ROWS)}")
    torch = _reference(reference)
    started = time.perf_counter()
    label = (f"{target.__module__}.{target.__qualname__}" if isinstance(target, type)
             else str(target))
    report = Report(label, mode="fast" if fast else "full",
                    reference="PyTorch" if torch is not None else "central differences",
                    order=("loading", "data", "grad", "backward", *ROWS))
    if isolate and isinstance(target, type):
        try:
            spec_of(target)
        except NoSource:
            isolate = False  # (said in the report)
            report.note = ("ran in this process: its source could not be sent to a process "
                           "of its own (a crash here would stop this Python)")
    if isolate:
        spec = spec_of(target, names.get("class"))
        spec["names"] = {**spec["names"], **{k: v for k, v in names.items() if v is not None}}
        process: Any = Process(spec, python, timeout)
    elif isinstance(target, type):
        process = InProcess(target)
    else:
        raise TypeError("conform: isolate=False needs the class itself")
    try:
        loaded = process.start()
        if "crash" in loaded:
            report.add(Finding("crash", "loading", "engine", loaded["crash"]["text"] + "\n"
                               + loaded["crash"].get("stderr", "")[-1500:]))
            return report
        if not loaded.get("ok"):
            error = loaded.get("error", {})
            raise EngineNotFound(f"conform: cannot load {label}: {error.get('type')}: "
                                 f"{error.get('message')}")
        report.described = loaded
        lacking = [what for what in ("data", "grad", "backward") if not loaded.get(what)]
        for what in lacking:
            report.add(Finding("missing", what, "engine",
                               f"no {what} found; name it with names={{'{what}': ...}}"))
        if not lacking:
            check_engine(process, loaded, torch, report.mode, seed, report, rows)
    finally:
        process.close()
        report.seconds = time.perf_counter() - started
    return report


def _reference(reference: str) -> Any:
    if reference not in ("auto", "torch", "differences"):
        raise ValueError(f"conform: reference must be auto, torch or differences, not "
                         f"{reference!r}")
    if reference == "differences":
        return None
    try:
        import torch
    except ImportError:
        if reference == "torch":
            raise
        return None
    return torch
