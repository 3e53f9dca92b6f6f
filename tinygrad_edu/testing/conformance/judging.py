"""Whether what an engine gave for a program is what it should give, and, where not, of which
kind the difference is (``report.KINDS``) and which named mistake explains it.

The tolerances are the engine's own precision's: relative 1e-6 for float64, 2e-4 for
float32 (ten times that through a graph; 1e-4 at least against central differences, which
are good to about 1e-5), with a floor of that much times 1 for numbers
near 0, so that rounding in a formula that differs from PyTorch's is never a finding; a
wrong rule is off by far more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.testing.conformance.programs import Program, expect

__all__: list[str] = []

RTOL = {"float64": 1e-6, "float32": 2e-4}


@dataclass
class Mismatch:
    """One number that differs: which (``v2``, ``x0.grad``), expected, got, its kind, and a
    cause found from the number itself (a node, a changed operand)."""

    what: str
    expected: Any
    got: Any
    kind: str
    cause: str = ""
    where: str = ""

    def show(self) -> str:
        return f"{self.what}: expected {show(self.expected)}, got {show(self.got)}"


def show(x: Any) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        if x.get("node"):
            return "a node (where a number is expected)"
        if "complex" in x:
            re, im = x["complex"]
            return f"the complex number {complex(re, im)!r}"
        if "error" in x:
            return f"{x['error']['type']}: {x['error']['message']}"
        if "raised" in x:
            return str(x["raised"])
        return f"a {x.get('other')} (where a number is expected)"
    return repr(x)


def close(e: float, g: float, rtol: float) -> bool:
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(g - e) <= rtol * max(1.0, abs(e))


def classify(e: Any, g: Any, region: str, rtol: float, allowed: tuple[float, ...] = ()
             ) -> tuple[str, str] | None:
    """The kind of the difference between expected ``e`` and got ``g`` and a cause, or None
    if they agree (or ``e`` cannot be trusted)."""
    if e is None:
        return None
    if isinstance(g, dict):
        if g.get("node"):
            return "differs", "returns_node"
        if "complex" in g:
            return ("differs" if region == "ordinary" else "limit"), ""
        if "error" in g:
            return ("differs" if region == "ordinary" else "limit"), ""
        return "differs", ""
    if close(e, g, rtol):
        return None
    if any(close(a, g, rtol) for a in allowed):
        return "convention", ""
    if region != "ordinary" and (math.isnan(g) or (not math.isfinite(e) and math.isnan(e))):
        return "limit", ""  # (NaN at an edge: no number, said loudly; a wrong inf differs)
    return "differs", ""


def node_name(program: Program, i: int) -> str:
    n = len(program.leaves)
    return f"x{i}" if i < n else f"v{i - n + 1}"


def judge(program: Program, answer: dict[str, Any], torch: Any | None, dtype: str,
          region: str, rtol: float, allowed: tuple[float, ...] = ()) -> list[Mismatch]:
    """Every difference between the engine's answer and the expected reads."""
    if "crash" in answer:
        crash = answer["crash"]
        return [Mismatch("the process", "an answer", crash["text"], "crash",
                         where=crash.get("stderr", ""))]
    try:
        expected = expect(program, torch, dtype)
    except (ArithmeticError, RuntimeError, ValueError):  # the reference's own failure: no
        return []  # comparison here (a step below the smallest float, PyTorch refusing)
    reads = answer.get("reads", [])
    found: list[Mismatch] = []
    several = sum(a[0] == "backward" for a in program.actions) > 1
    for k, (want, got) in enumerate(zip(expected, reads)):
        for j, i in enumerate(want["nodes"]):
            name = node_name(program, i)
            checks: list[tuple[str, Any, Any, tuple[float, ...]]] = [
                (name, want["data"][j], got["data"][j], ())]
            if i < len(program.leaves):
                checks.append((f"{name}.grad", want["grad"][j], got["grad"][j], allowed))
            for what, e, g, conventions in checks:
                kind = classify(e, g, region, rtol, conventions)
                if kind is not None:
                    found.append(Mismatch(what + (f" after backward #{k + 1}" if several
                                                  else ""), e, g, *kind))
    if "error" in answer:
        error = answer["error"]
        limit = region != "ordinary" or error["type"] == "RecursionError"
        step = answer.get("done", 0)
        action = program.actions[step][0] if step < len(program.actions) else "?"
        wanted = expected[len(reads)] if len(reads) < len(expected) else None
        numbers = "" if wanted is None else ", ".join(
            f"{node_name(program, i)} = {d!r}" for i, d in zip(wanted["nodes"], wanted["data"]))
        found.append(Mismatch(
            f"{action}()", numbers or "no error",
            {"raised": f"{error['type']}: {error['message']}"},
            "limit" if limit else "differs",
            cause="recursion" if error["type"] == "RecursionError" else "",
            where=error.get("where") or ""))
    found += _mutations(program, reads)
    return found


def _mutations(program: Program, reads: list[dict[str, Any]]) -> list[Mismatch]:
    """Leaves whose data changed while the graph was built, nodes whose data changed in
    backward: an op or a rule that writes to its operands."""
    found = []
    if program.actions[:3] == (("read", "all"), ("forward",), ("read", "all")):
        for (before, after, when) in ((0, 1, "the forward pass"), (1, 2, "backward()")):
            if len(reads) <= after:
                break
            for i, (a, b) in enumerate(zip(reads[before]["data"], reads[after]["data"])):
                if isinstance(a, float) and isinstance(b, float) and not _identical(a, b):
                    found.append(Mismatch(f"{node_name(program, i)} after {when}", a, b,
                                          "differs", "mutates"))
    return found


def _identical(a: float, b: float) -> bool:
    """The same float, its sign included (an op that negates its operand in place turns 0.0
    into -0.0), or both NaN."""
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (
        math.isnan(a) and math.isnan(b))
