"""Why an engine's gradients differ: the track's named mistakes in backward, each simulated on
the program that showed the difference, and the line of the engine where it can be found.

``simulate`` runs a program's backward passes the way an engine with one mistake would
(``=`` for ``+=``, no visited set, the order not reversed, the root not seeded, the arriving
gradient left out, an op's backward attached to its operand, inner grads kept between two
backward calls), from the ops' true local derivatives; the mistake whose numbers are the
engine's is its likely cause. ``locate`` finds the line to look at in the engine's source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.testing.conformance.catalogue import GRAPH_CAUSES, OP_NAMED, GraphCause
from tinygrad_edu.testing.conformance.programs import Program, expect, values_of

__all__: list[str] = []

VARIANTS = ("assign", "no_visited", "not_reversed", "unseeded", "ignores_arriving",
            "intermediate", "resets")
MAX_VISITS = 20_000  # (a sort without a visited set lists a node once per path)


def local_partials(program: Program, torch: Any | None) -> list[list[float]]:
    """For each step, the derivative of its result with respect to each operand that is a
    node, at the program's numbers (PyTorch's, or central differences')."""
    values = values_of(program)
    found = []
    for op, refs in program.steps:
        operands = [values[r[1]] if r[0] == "n" else r[1] for r in refs]
        one = Program(tuple(operands), ((op, tuple(("n", i) for i in range(len(operands)))),),
                      (("forward",), ("backward",), ("read", list(range(len(operands))))))
        grads = expect(one, torch)[0]["grad"]
        found.append([math.nan if g is None else g for g in grads])
    return found


def _order(program: Program, root: int, visited: bool, flipped: bool) -> list[int]:
    """Nodes after their operands (a depth-first sort, the operands in order or ``flipped``),
    once each or once per path."""
    n = len(program.leaves)
    order: list[int] = []
    seen: set[int] = set()
    todo: list[tuple[int, bool]] = [(root, False)]
    while todo:
        node, finished = todo.pop()
        if finished:
            order.append(node)
            if len(order) > MAX_VISITS:
                raise OverflowError
            continue
        if visited and node in seen:
            continue
        seen.add(node)
        todo.append((node, True))
        if node >= n:
            refs = [r[1] for r in program.steps[node - n][1] if r[0] == "n"]
            todo.extend((i, False) for i in (refs if flipped else reversed(refs)))
    return order


def simulate(program: Program, variant: str, partials: list[list[float]],
             op: str | None = None, flipped: bool = False) -> list[dict[str, Any]] | None:
    """The reads of an engine with the mistake ``variant`` (in every op's rule, or with
    ``op`` in that op's alone), its sort taking operands in order or ``flipped``; None where
    the simulation is too large or changes numbers (an SGD step)."""
    n = len(program.leaves)
    size = n + len(program.steps)
    grads = [0.0] * size
    values = values_of(program)
    reads: list[dict[str, Any]] = []
    owner = list(range(size))  # whose backward runs a step's rule (wrong_node: its operand)
    mistaken = [op is None or step_op == op for step_op, _ in program.steps]
    if variant == "wrong_node":
        for k, (_, refs) in enumerate(program.steps):
            nodes = [r[1] for r in refs if r[0] == "n"]
            if mistaken[k] and nodes:
                owner[n + k] = nodes[0]
    rules: dict[int, int] = {}
    for k in range(n, size):
        rules[owner[k]] = k  # (the last rule attached to a node replaces the one before)
    for action in program.actions:
        if action[0] == "backward":
            root = (action[1] if len(action) > 1 else -1) % size
            try:
                order = _order(program, root, variant != "no_visited", flipped)
            except OverflowError:
                return None
            if variant != "intermediate":
                for i in range(n if variant != "resets" else 0, size):
                    grads[i] = 0.0
            if variant != "unseeded":
                grads[root] = 1.0
            for node in (order if variant == "not_reversed" else reversed(order)):
                step = rules.get(node)
                if step is None:
                    continue
                arriving, wrong = grads[step], mistaken[step - n]
                for j, ref in enumerate(program.steps[step - n][1]):
                    if ref[0] != "n":
                        continue
                    local = partials[step - n][j]
                    send = local if variant == "ignores_arriving" and wrong else local * arriving
                    if variant == "assign" and wrong:
                        grads[ref[1]] = send
                    else:
                        grads[ref[1]] += send
        elif action[0] == "zero":
            for i in range(n):
                grads[i] = 0.0
        elif action[0] == "read":
            which = range(size) if action[1] == "all" else action[1]
            which = [i % size for i in which]
            reads.append({"nodes": which, "data": [values[i] for i in which],
                          "grad": [grads[i] if i < n else None for i in which]})
        elif action[0] == "sgd":
            return None
    return reads


def _agrees(simulated: list[dict[str, Any]] | None, reads: list[dict[str, Any]],
            same: Callable[[Any, Any], bool]) -> bool:
    return simulated is not None and len(simulated) == len(reads) and all(
        same(s, g) for sim, read in zip(simulated, reads)
        for s, g in zip(sim["grad"], read["grad"]) if s is not None)


def diagnose(program: Program, got: list[dict[str, Any]], torch: Any | None,
             same: Callable[[Any, Any], bool], passed: Sequence[Program] = ()
             ) -> tuple[GraphCause, str | None] | None:
    """The named mistake whose simulation gives the engine's leaf gradients on ``program``
    and, on every program in ``passed`` (which the engine got right), the right ones; with
    the op whose rule alone has it, if it is one op's."""
    try:
        partials = local_partials(program, torch)
        checks = [(p, local_partials(p, torch), expect(p, torch)) for p in passed
                  if len(p.steps) <= 100]
    except Exception:  # (an op PyTorch refuses at these numbers: no diagnosis)
        return None
    ops: list[str | None] = [None, *sorted({op for op, _ in program.steps})]
    per_op = ("assign", "ignores_arriving", "wrong_node")
    tries = [(v, op, flipped) for v in (*VARIANTS, "wrong_node")
             for op in (ops if v in per_op else [None]) if v != "wrong_node" or op is not None
             for flipped in (False, True)]
    right = simulate(program, "correct", partials)
    for variant, op, flipped in tries:
        simulated = simulate(program, variant, partials, op, flipped)
        if not _agrees(simulated, got, same) or (
                simulated is not None and right is not None and _agrees(simulated, right, same)):
            continue  # (a mistake that changes nothing here explains nothing)
        others = [(simulate(p, variant, parts, op, flipped), want) for p, parts, want in checks]
        if all(sim is None or _agrees(sim, want, same) for sim, want in others):
            return GRAPH_CAUSES[variant], op
    return None


# ----------------------------------------------------------------------------- the line


_PATTERNS = {
    "assign": re.compile(r"\.grad\s*=(?!=).*grad"),
    "accumulate": re.compile(r"\.grad\s*\+="),
    "attach": re.compile(r"\._?backward\w*\s*=(?!=)"),
}


def locate(look_for: str, sources: dict[str, Any], methods: tuple[str, ...] = (),
           backward: str | None = None) -> str | None:
    """``file:line`` of the engine's code to look at for a cause: a line matching its
    pattern, in ``methods`` first, else the first line of the method concerned."""
    if not sources:
        return None
    names = [m for m in methods if m in sources]
    if look_for in ("backward", "recursion") and backward in sources:
        info = sources[backward]
        for k, line in enumerate(info["lines"]):
            if k and line.strip().startswith("def "):
                return f"{info['file']}:{info['line'] + k}"
        return f"{info['file']}:{info['line']}"
    pattern = _PATTERNS.get(look_for)
    if pattern is not None:
        for name in names + [s for s in sources if s not in names and s != "__init__"]:
            info = sources[name]
            for k, line in enumerate(info["lines"]):
                code = line.split("#")[0]
                if pattern.search(code) and not (look_for == "accumulate" and "grad" in
                                                 code.split("+=", 1)[1]):
                    if look_for == "assign" and re.search(r"=\s*(1|1\.0|0|0\.0)\s*$", code):
                        continue  # (the root's seed, or a reset)
                    return f"{info['file']}:{info['line'] + k}"
    for name in names:
        return f"{sources[name]['file']}:{sources[name]['line']}"
    return None


def op_methods(op: str, form: str, how: str | None) -> tuple[str, ...]:
    """The engine's methods where an op's code is, the reflected one first for ``2 ⊕ v``."""
    spec = OP_NAMED[op]
    if spec.arity == 2:
        plain, reflected = spec.methods
        return (reflected, plain) if form == "nv" else (plain, reflected)
    names = ("__neg__",) if op == "neg" else ("__abs__",) if op == "abs" else ()
    return (*names, *((how,) if how else ()), *spec.methods)
