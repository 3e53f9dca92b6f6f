"""The checks: every op the engine has, in every form, at ordinary numbers and large ones
(hypothesis draws them and shrinks a failure to its smallest case), at edge numbers and
kinks; then the graph shapes that break engines. Each difference becomes a ``Finding``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from tinygrad_edu.testing.conformance.catalogue import (
    FORMS,
    GRAPH_CAUSES,
    OP_NAMED,
    OPS,
    OpSpec,
)
from tinygrad_edu.testing.conformance.diagnosis import diagnose, locate, op_methods
from tinygrad_edu.testing.conformance.judging import RTOL, Mismatch, close, judge, show
from tinygrad_edu.testing.conformance.programs import Program, expect
from tinygrad_edu.testing.conformance.report import Finding, Report

__all__: list[str] = []

COLUMNS = {"vv": "nodes", "f": "nodes", "vn": "v ⊕ 2", "nv": "2 ⊕ v", "same": "v ⊕ v"}
EXAMPLES = {"fast": 12, "full": 60}
GRAPH_EXAMPLES = {"fast": 25, "full": 150}


class _Crashed(Exception):
    pass


class Checker:
    """Runs the checks on one engine's process and writes what it finds into ``report``."""

    def __init__(self, process: Any, loaded: dict[str, Any], torch: Any | None, mode: str,
                 seed: int, report: Report) -> None:
        self.process, self.loaded, self.torch = process, loaded, torch
        self.mode, self.seed, self.report = mode, seed, report
        self.dtype: str = loaded["precision"] if loaded.get("precision") in RTOL else "float64"
        # (central differences are good to about 1e-5: against them, relative 1e-4)
        self.rtol = RTOL[self.dtype] if torch is not None else max(RTOL[self.dtype], 1e-4)
        self.cls = loaded["class"].rsplit(".", 1)[-1]
        self.sources = loaded.get("sources") or {}
        self.ops: dict[str, dict[str, Any]] = {}
        self.conforming: set[str] = set()
        self.passed: list[Program] = []  # graph programs the engine got right
        self.only: set[str] | None = None  # the rows to check (None: all)
        self.native = not loaded.get("file")  # (a C extension's class: no Python source)

    def discover(self) -> None:
        """Which ops the engine has, one form at a time: an op whose probe crashes the
        engine's process is reported as a crash and left out of the rest."""
        self.process.spec.setdefault("unary", {})
        for op in OPS:
            forms = ("vv", "vn", "nv", "same") if op.arity == 2 else ("f",)
            for form in forms:
                answer = self.process.ask({"do": "probe", "form": form, "op": {
                    "name": op.name, "aliases": [list(a) for a in op.aliases],
                    "sample": list(op.sample)}})
                self._after(answer)
                if "crash" in answer:
                    crash = answer["crash"]
                    self.report.add(Finding(
                        "crash", op.name, COLUMNS[form], f"{FORMS[form].format(op=op.name)} at "
                        f"{', '.join(map(repr, op.sample))}: {crash['text']}\n"
                        f"{_last_lines(crash.get('stderr', ''))}".rstrip(),
                        _op_program(op, form, op.sample).text(self.cls, stop="forward")))
                    answer = {"has": False, "crashed": True}
                self.ops.setdefault(op.name, {})[form] = answer
                if answer.get("how"):
                    self.process.spec["unary"][op.name] = answer["how"]

    # ----------------------------------------------------------------------- running

    def run(self, program: Program, timeout: float | None = None) -> dict[str, Any]:
        self.report.examples += 1
        answer: dict[str, Any] = self.process.ask({"do": "run", "program": program.to_json()},
                                                  timeout)
        self._after(answer)
        return answer

    def _after(self, answer: dict[str, Any]) -> None:
        """A compiled engine (no Python source) may corrupt its process on an error path, and
        show it only later: after any error it raised, the next case starts a fresh one."""
        if self.native and ("error" in answer or answer.get("has") is False):
            self.process.close()

    def check(self, program: Program, region: str, graph: bool = False,
              allowed: tuple[float, ...] = (), timeout: float | None = None
              ) -> tuple[dict[str, Any], list[Mismatch]]:
        answer = self.run(program, timeout)
        rtol = self.rtol * (10 if graph else 1)
        return answer, judge(program, answer, self.torch, self.dtype, region, rtol, allowed)

    def has(self, op: str, form: str) -> bool:
        return bool(self.ops.get(op, {}).get(form, {}).get("has"))

    def same(self, e: Any, g: Any) -> bool:
        return isinstance(g, float) and e is not None and close(e, g, self.rtol * 10)

    # ----------------------------------------------------------------------- findings

    def finding(self, row: str, column: str, program: Program, found: list[Mismatch],
                op: OpSpec | None = None, form: str = "", answer: dict[str, Any] | None = None
                ) -> None:
        """The finding of the worst mismatch, with its likely cause and where to look."""
        order = ["crash", "differs", "limit", "semantics", "convention"]
        found = sorted(found, key=lambda m: (order.index(m.kind), not m.cause))
        worst = found[0]
        shown = [m for m in found if m.kind == worst.kind][:3]
        cause = advice = line = ""
        named = next((m.cause for m in shown if m.cause), "")
        if op is not None and worst.kind == "differs" and not named:
            cause, advice = self._op_cause(op, form, program, answer)
        at = op
        if worst.kind == "differs" and not cause and not named and answer and answer.get(
                "reads") and (op is None or form == "same"):  # (a graph's, or one node twice)
            before, reads = _before_sgd(program, answer["reads"])
            diagnosed = diagnose(before, reads, self.torch, self.same, self.passed)
            if diagnosed is not None:
                named = diagnosed[0].name
                at = OP_NAMED[diagnosed[1]] if diagnosed[1] else op
        if named:
            gc = GRAPH_CAUSES[named]
            cause, advice = gc.title, gc.text
            methods = op_methods(at.name, form, self._how(at)) if at is not None else ()
            line = locate(gc.look_for, self.sources, methods, self.loaded.get("backward")) or ""
        elif cause and op is not None:
            line = locate("op", self.sources, op_methods(op.name, form, self._how(op))) or ""
        if worst.where and worst.kind != "crash":
            line = line or worst.where
        summary = "; ".join(m.show() for m in shown)
        if worst.kind == "crash":
            summary = f"{worst.got}" + (f"\n{_last_lines(worst.where)}" if worst.where else "")
        self.report.add(Finding(
            worst.kind, row, column, summary, program.text(self.cls),
            show(worst.expected) if worst.kind != "crash" else "",
            show(worst.got) if worst.kind != "crash" else "", cause, advice, line))

    def _how(self, op: OpSpec) -> str | None:
        how = self.ops.get(op.name, {}).get("f", {}).get("how")
        return how[1] if how and how[0] == "method" else None

    def _op_cause(self, op: OpSpec, form: str, program: Program,
                  answer: dict[str, Any] | None) -> tuple[str, str]:
        """The op's named mistake whose numbers are the engine's at this case, if one is."""
        if not answer or "error" in answer or len(answer.get("reads", [])) < len(
                [a for a in program.actions if a[0] == "read"]):
            return "", ""  # (an error, or reads missing: no numbers to explain)
        read = answer["reads"][-1]
        operands = [program.leaves[r[1]] if r[0] == "n" else r[1] for r in program.steps[0][1]]
        leaves = [j for j, r in enumerate(program.steps[0][1]) if r[0] == "n"]
        for cause in op.causes:
            if form not in cause.forms:
                continue
            try:
                if cause.value is not None:
                    if not self.same(cause.value(*operands), read["data"][-1]):
                        continue
                if cause.grads is not None:
                    wanted = cause.grads(*operands)
                    got = [read["grad"][program.steps[0][1][j][1]] for j in leaves]
                    if not all(self.same(wanted[j], g) for j, g in zip(leaves, got)):
                        continue
            except (ArithmeticError, ValueError, TypeError, IndexError):
                continue
            return cause.name, cause.text
        expected = [f for f in _leaf_grads(program, self, "expected") if f]
        got = _leaf_grads(program, self, "got", read)
        value = op.math(*operands)
        if expected and got and all(g == 0.0 for g in got) and self.same(value, read["data"][-1]):
            return DETACHED  # (the value right, and no gradient at all)
        return "", ""

    # ----------------------------------------------------------------------- ops

    def wanted(self, row: str) -> bool:
        return self.only is None or row in self.only

    def check_ops(self) -> None:
        for op in OPS:
            if not self.wanted(op.name):
                continue
            forms = ("vv", "vn", "nv", "same") if op.arity == 2 else ("f",)
            present = [f for f in forms if self.has(op.name, f)]
            for form in forms:
                if form not in present and not self.ops[op.name][form].get("crashed"):
                    why = self.ops.get(op.name, {}).get(form, {}).get("why", "")
                    self.report.add(Finding("missing", op.name, COLUMNS[form],
                                            FORMS[form].format(op=op.name) + f": {why}"))
            if not present:
                continue
            for form in present:
                self.search_op(op, form, "ordinary", COLUMNS[form])
            self.search_op(op, present[0], "large", "large")
            self.edges(op, present)
            if self.report.rows.get(op.name, {}).get("nodes", "conforms") == "conforms":
                self.conforming.add(op.name)

    def search_op(self, op: OpSpec, form: str, region: str, column: str) -> None:
        self.report.mark(op.name, column, "conforms")
        strategy = _operands(op, form, region, self.dtype)
        self.search(strategy, lambda case: _op_program(op, form, case), region, op.name,
                    column, op=op, form=form)

    def search(self, strategy: Any, make: Callable[[Any], Program], region: str, row: str,
               column: str, op: OpSpec | None = None, form: str = "", graph: bool = False,
               examples: int | None = None) -> None:
        """Draw cases until one differs, then shrink it to the smallest (hypothesis's find);
        the first limit seen on the way is reported too."""
        from hypothesis import HealthCheck, find, settings
        from hypothesis.errors import Flaky, NoSuchExample

        failing: dict[Any, tuple[Program, dict[str, Any], list[Mismatch]]] = {}
        limits: list[tuple[Program, dict[str, Any], list[Mismatch]]] = []
        crashes: list[tuple[Program, dict[str, Any], list[Mismatch]]] = []

        def differs(case: Any) -> bool:
            program = make(case)
            answer, found = self.check(program, region, graph)
            if any(m.kind == "crash" for m in found):
                crashes.append((program, answer, found))
                raise _Crashed(program, answer, found)
            if any(m.kind == "differs" for m in found):
                failing[case] = (program, answer, found)
                return True
            if not limits and any(m.kind == "limit" for m in found):
                limits.append((program, answer, found))
            return False

        count = examples or EXAMPLES[self.mode]
        try:
            case = find(strategy, differs, settings=settings(
                max_examples=count, database=None, deadline=None,
                suppress_health_check=list(HealthCheck)), random=random.Random(self.seed))
            program, answer, found = failing[case]
            self.finding(row, column, program, found, op, form, answer)
        except NoSuchExample:
            pass
        except _Crashed as crashed:
            program, answer, found = crashed.args
            self.finding(row, column, program, found, op, form, answer)
        except Flaky:  # the same case failed once and not again: an engine that is not
            program, answer, found = (crashes or list(failing.values()))[0]  # deterministic
            self.finding(row, column, program, found, op, form, answer)
            self.report.findings[-1].summary += (
                "; NOT REPRODUCIBLE: the same program gave other numbers when run again")
        for program, answer, found in limits:
            self.finding(row, column, program, [m for m in found if m.kind == "limit"], op,
                         form, answer)

    def edges(self, op: OpSpec, present: list[str]) -> None:
        """The op at every edge number and kink, in each form it has: each kind found is one
        finding, shown by its first case."""
        self.report.mark(op.name, "edges", "conforms")
        first: dict[str, tuple[Program, dict[str, Any], list[Mismatch], str]] = {}
        cases: dict[str, list[str]] = {}
        points = list(op.kinks.items()) + [(x, ()) for x in op.edges if x not in op.kinks]
        for form in present:
            if form == "same":
                continue
            for xs, allowed in points:
                program = _op_program(op, form, tuple(xs))
                answer, found = self.check(program, "edge", allowed=tuple(allowed))
                for kind in {m.kind for m in found}:
                    first.setdefault(kind, (program, answer, found, form))
                    cases.setdefault(kind, []).append(_case_text(program, found, kind))
                if any(m.kind == "crash" for m in found):
                    break
        for kind, (program, answer, found, form) in first.items():
            self.finding(op.name, "edges", program, [m for m in found if m.kind == kind],
                         op, form, answer)
            if len(cases[kind]) > 1:
                more = cases[kind][1:7] + (["..."] if len(cases[kind]) > 7 else [])
                self.report.findings[-1].summary += "; also at " + ", ".join(more)

    # ----------------------------------------------------------------------- graphs

    def check_graphs(self) -> None:
        from tinygrad_edu.testing.conformance.graphs import GRAPHS, random_graphs

        for name, needs, make, region, extra in GRAPHS:
            if not self.wanted(name):
                continue
            lacking = [f"{op} ({form})" for op, form in needs if not self.has(op, form)]
            if name == "training step" and not any(self.has(a, "f") for a in
                                                   ("tanh", "relu", "sigmoid")):
                lacking.append("tanh, relu or sigmoid")
            if name == "training step" and "(" in (self.loaded.get("data") or "") + (
                    self.loaded.get("grad") or ""):
                lacking.append("data and grad that an SGD step can read and set")
            if name == "zero_grad" and not self.loaded.get("zero_grad"):
                lacking += [] if self.loaded.get("grad") and "(" not in self.loaded["grad"] \
                    else ["zero_grad, or a grad to set"]
            if lacking:
                self.report.add(Finding("missing", name, "graph",
                                        "needs " + ", ".join(lacking)))
                continue
            program = make(self)
            self.report.mark(name, "graph", "conforms")
            answer, found = self.check(program, region, graph=True, timeout=extra)
            if name == "backward twice":
                found = self._twice(program, answer, found)
            if name == "many paths":
                for m in found:
                    m.cause = m.cause or ("no_visited" if m.kind == "crash" else "")
            if not found:
                self.passed.append(program)
            else:
                self.finding(name, "graph", program, found, answer=answer)
        checked = {op for op in self.report.rows if op in OP_NAMED}
        usable = {op: {f for f, probe in self.ops[op].items() if probe.get("has")}
                  for op in sorted(self.ops) if op not in ("abs", "relu") and any(
                      p.get("has") for p in self.ops[op].values()) and (
                      op in self.conforming or op not in checked)}
        if not self.wanted("random graphs"):
            return
        self.report.mark("random graphs", "graph", "conforms")
        if usable:
            self.search(random_graphs(usable), lambda p: p, "ordinary", "random graphs",
                        "graph", graph=True, examples=GRAPH_EXAMPLES[self.mode])
        for row, cause in (("numbers, not nodes", "returns_node"),
                           ("inputs unchanged", "mutates")):
            if self.only is not None:
                break
            self.report.mark(row, "graph", "conforms")
            if any(f.cause == GRAPH_CAUSES[cause].title for f in self.report.findings):
                self.report.mark(row, "graph", "differs")

    def _twice(self, program: Program, answer: dict[str, Any], found: list[Mismatch]
               ) -> list[Mismatch]:
        """Backward twice: leaves with twice the gradient conform; the inner nodes'
        accumulation (micrograd's) is a matter of semantics, anything else differs."""
        if not found or "crash" in answer or "error" in answer:
            return found
        diagnosed = diagnose(program, answer["reads"], self.torch, self.same, self.passed)
        if diagnosed is not None and diagnosed[0].name in ("intermediate", "resets"):
            return [Mismatch(m.what, m.expected, m.got, "semantics", diagnosed[0].name)
                    for m in found]
        return found


DETACHED = ("the result not connected to its operands",
            "The op's result has no gradient path back to its operand (made as a new leaf, "
            "without its children or its backward), so no gradient flows through it.")


def _leaf_grads(program: Program, checker: Checker, which: str,
                read: dict[str, Any] | None = None) -> list[Any]:
    """The leaves' gradients after the op's backward: expected (PyTorch's, or central
    differences') or got (the engine's ``read``)."""
    n = len(program.leaves)
    if which == "got":
        return [] if read is None else list(read["grad"][:n])
    try:
        return list(expect(program, checker.torch, checker.dtype)[-1]["grad"][:n])
    except Exception:
        return []


def _before_sgd(program: Program, reads: list[dict[str, Any]]
                ) -> tuple[Program, list[dict[str, Any]]]:
    """The program up to its first SGD step, and its reads there (numbers change after)."""
    kinds = [a[0] for a in program.actions]
    if "sgd" not in kinds:
        return program, reads
    actions = program.actions[:kinds.index("sgd")]
    count = sum(a[0] == "read" for a in actions)
    return Program(program.leaves, program.steps, actions), reads[:count]


def _case_text(program: Program, found: list[Mismatch], kind: str) -> str:
    """A case in a few words: the op's formula and what came out."""
    text = program.text(limit=99).splitlines()[len(program.leaves)].split(" = ", 1)[1]
    for name, x in zip(("x0", "x1"), program.leaves):
        text = text.replace(name, repr(x))
    got = next(m for m in found if m.kind == kind).got
    return f"{text} ({show(got)[:60]})"


def _last_lines(text: str, count: int = 8) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-count:])


def _operands(op: OpSpec, form: str, region: str, dtype: str = "float64") -> Any:
    from hypothesis import strategies as st

    def floats(interval: tuple[float, float]) -> Any:
        lo, hi = interval
        pieces = [(lo, hi)]
        for kink in (k[0] for k in op.kinks):
            pieces = [p for a, b in pieces for p in ((a, min(b, kink - 1e-3)),
                                                     (max(a, kink + 1e-3), b)) if p[0] < p[1]]
        return st.one_of([st.floats(a, b, allow_nan=False, allow_infinity=False)
                          for a, b in pieces])

    if form == "same":
        (a0, b0), (a1, b1) = op.interval(0, region, dtype), op.interval(1, region, dtype)
        return floats((max(a0, a1), min(b0, b1))).map(lambda x: (x,))
    return st.tuples(*(floats(op.interval(i, region, dtype)) for i in range(op.arity)))


def _op_program(op: OpSpec, form: str, case: tuple[float, ...]) -> Program:
    """One op in one form: its leaves, its step, and forward, read, backward, read."""
    if form in ("vv", "f"):
        return Program(tuple(case), ((op.name, tuple(("n", i) for i in range(op.arity))),))
    if form == "same":
        return Program((case[0],), ((op.name, (("n", 0), ("n", 0))),))
    a, b = case
    if form == "vn":
        return Program((a,), ((op.name, (("n", 0), ("c", b))),))
    return Program((b,), ((op.name, (("c", a), ("n", 0))),))


def check_engine(process: Any, loaded: dict[str, Any], torch: Any | None, mode: str,
                 seed: int, report: Report, only: set[str] | None = None) -> None:
    checker = Checker(process, loaded, torch, mode, seed, report)
    checker.only = only
    checker.discover()
    checker.check_ops()
    checker.check_graphs()
