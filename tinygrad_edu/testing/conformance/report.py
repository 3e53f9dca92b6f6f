"""What the conformance suite found: ``Finding``s of six kinds and the ``Report`` that holds them,
shown as a table in the terminal (op × check), an HTML report card, JUnit XML for CI, and
an exit code.

The kinds: *differs* (a wrong value or gradient), *crash* (the engine's process died, hung
or no longer computes), *limit* (a recursion depth, an error or a complex number where
PyTorch gives inf or nan, an error at an edge number), *semantics* (a documented difference
such as backward twice accumulating through inner nodes), *convention* (a derivative at a
kink that is one of the one-sided ones, such as relu'(0) = 1), *missing* (what the engine
does not have: listed, never counted as a failure).
"""

from __future__ import annotations

import html
import json
import string
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

__all__ = ["KINDS", "Finding", "Report"]

KINDS = ("crash", "differs", "limit", "semantics", "convention", "missing", "conforms")
"""From the worst to the best; a cell of the table shows the worst kind found there."""
FAILING = ("crash", "differs")
COLUMNS = ("nodes", "v ⊕ 2", "2 ⊕ v", "v ⊕ v", "large", "edges", "graph", "engine")
"""The table's columns, in this order: an op's forms and regions, then a graph check."""
MARKS = {"crash": "CRASH", "differs": "DIFFERS", "limit": "limit", "semantics": "semantics",
         "convention": "convention", "missing": "-", "conforms": "ok"}


@dataclass
class Finding:
    """One thing found, for a person to act on: the op or graph check (``row``) and the form
    or region (``column``), the smallest program that shows it (as Python), expected against
    got, and the likely cause with the line of the engine to look at."""

    kind: str
    row: str
    column: str
    summary: str
    program: str = ""
    expected: str = ""
    got: str = ""
    cause: str = ""
    advice: str = ""
    line: str = ""

    def text(self) -> str:
        lines = [f"[{self.kind}] {self.row} · {self.column}: {self.summary}"]
        if self.program:
            lines += ["    " + line for line in self.program.splitlines()]
        if self.expected or self.got:
            lines.append(f"    expected {self.expected}, got {self.got}")
        if self.cause:
            lines.append(f"    likely cause: {self.cause}. {self.advice}".rstrip())
        if self.line:
            lines.append(f"    look at {self.line}")
        return "\n".join(lines)


@dataclass
class Report:
    """Everything ``conform`` found about one engine. ``ok`` is true when nothing differs
    and nothing crashed; ``str(report)`` is the terminal's table and findings."""

    engine: str
    described: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # row -> column -> kind
    findings: list[Finding] = field(default_factory=list)
    reference: str = ""
    mode: str = "full"
    seconds: float = 0.0
    examples: int = 0
    order: tuple[str, ...] = ()  # the rows' order
    note: str = ""  # how it ran, where not as usual

    @property
    def ok(self) -> bool:
        return not any(f.kind in FAILING for f in self.findings)

    def count(self, kind: str) -> int:
        return sum(f.kind == kind for f in self.findings)

    def mark(self, row: str, column: str, kind: str) -> None:
        """Set a cell, keeping the worse of what it had and ``kind``."""
        if row not in self.rows and self.order:  # (rows in the suite's order)
            self.rows[row] = {}
            self.rows = {r: self.rows[r] for r in sorted(
                self.rows, key=lambda r: self.order.index(r) if r in self.order else -1)}
        cells = self.rows.setdefault(row, {})
        old = cells.get(column, "conforms")
        cells[column] = kind if KINDS.index(kind) < KINDS.index(old) else old

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.mark(finding.row, finding.column, finding.kind)

    def exit_code(self) -> int:
        return 0 if self.ok else 1

    # ------------------------------------------------------------------------- outputs

    def columns(self) -> list[str]:
        found = {c for cells in self.rows.values() for c in cells}
        return [c for c in COLUMNS if c in found] + sorted(found - set(COLUMNS))

    def table(self) -> str:
        columns = self.columns()
        width = max([len(r) for r in self.rows] + [10])
        sizes = [max(len(c), 9) for c in columns]
        out = [" " * width + "  " + "  ".join(c.ljust(s) for c, s in zip(columns, sizes))]
        for row, cells in self.rows.items():
            marks = [MARKS[cells[c]] if c in cells else "" for c in columns]
            out.append(row.ljust(width) + "  " + "  ".join(
                m.ljust(s) for m, s in zip(marks, sizes)).rstrip())
        return "\n".join(out)

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(k)} {k}" for k in KINDS[:-1] if self.count(k))
        verdict = "conforms" if self.ok else "does NOT conform"
        return (f"{self.engine} {verdict} ({counts or 'nothing to report'}); "
                f"{self.mode} mode, {self.examples} programs in {self.seconds:.1f} s, "
                f"against {self.reference}" + (f"; {self.note}" if self.note else ""))

    def __str__(self) -> str:
        d = self.described
        head = [f"engine: {d.get('class', self.engine)}"
                + (f" ({d['file']})" if d.get("file") else ""),
                f"found: constructor {d.get('constructor')}, data {d.get('data')}, grad "
                f"{d.get('grad')}, backward {d.get('backward')}(), zero_grad "
                f"{d.get('zero_grad') or 'missing'}, precision {d.get('precision')}"]
        order = {k: i for i, k in enumerate(KINDS)}
        shown = sorted((f for f in self.findings if f.kind != "missing"),
                       key=lambda f: order[f.kind])
        missing = [f.summary.split(":")[0] for f in self.findings if f.kind == "missing"]
        parts = ["\n".join(head), self.table(), *(f.text() for f in shown)]
        if missing:
            parts.append("missing (not counted): " + ", ".join(missing))
        parts.append(self.summary())
        return "\n\n".join(parts)

    def to_json(self) -> str:
        return json.dumps({"engine": self.engine, "ok": self.ok, "described": {
            k: v for k, v in self.described.items() if k not in ("sources", "ops")},
            "rows": self.rows, "findings": [asdict(f) for f in self.findings],
            "reference": self.reference, "mode": self.mode, "seconds": self.seconds}, indent=1)

    def junit(self) -> str:
        """JUnit XML: a test case per cell; differs and crash fail, missing is skipped."""
        suite = ElementTree.Element("testsuite", name=f"conform {self.engine}")
        failures = skipped = 0
        for row, cells in self.rows.items():
            for column, kind in cells.items():
                case = ElementTree.SubElement(suite, "testcase", classname=f"conform.{row}",
                                              name=column)
                found = [f for f in self.findings if (f.row, f.column) == (row, column)]
                text = "\n\n".join(f.text() for f in found)
                if kind in FAILING:
                    failures += 1
                    ElementTree.SubElement(case, "failure", message=found[0].summary if found
                                           else kind).text = text
                elif kind == "missing":
                    skipped += 1
                    ElementTree.SubElement(case, "skipped", message=text or "missing")
                elif text:
                    ElementTree.SubElement(case, "system-out").text = text
        suite.set("tests", str(sum(len(c) for c in self.rows.values())))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
        suite.set("time", f"{self.seconds:.3f}")
        return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)

    def html(self) -> str:
        """A self-contained report card (``card.html`` filled in): the table, coloured, then
        every finding."""
        e = html.escape
        columns = self.columns()
        head = "".join(f"<th>{e(c)}</th>" for c in columns)
        body = "".join(
            f"<tr><th>{e(row)}</th>" + "".join(
                f'<td class="{cells.get(c, "")}">{e(MARKS[cells[c]]) if c in cells else ""}</td>'
                for c in columns) + "</tr>" for row, cells in self.rows.items())
        items = "".join(
            f'<li class="{f.kind}"><b>{e(f.kind)}</b> {e(f.row)} · {e(f.column)}: '
            f"{e(f.summary)}<pre>{e(f.program)}</pre>"
            + (f"<p>expected {e(f.expected)}, got {e(f.got)}</p>" if f.expected or f.got else "")
            + (f"<p>likely cause: <b>{e(f.cause)}</b>. {e(f.advice)}</p>" if f.cause else "")
            + (f"<p>look at <code>{e(f.line)}</code></p>" if f.line else "") + "</li>"
            for f in self.findings if f.kind not in ("missing", "conforms"))
        card = string.Template((Path(__file__).parent / "card.html").read_text("utf-8"))
        return card.substitute(engine=e(self.engine), summary=e(self.summary()), head=head,
                               body=body, items=items)
