"""A program: a graph's tape, run as Python (``source.py``) or natively (``native.py``),
giving the forward value and every leaf's gradient as ``backward()`` gives them.

``Program.run(numbers)`` reads the leaves' numbers from their Values (the parameters, as
they are now), runs the forward and backward pass, and adds each leaf's gradient to its
``.grad``, as ``backward()`` adds it; it returns the output's number. Where the engine
raises (a log of a negative number, an exp too large), the program raises the very same
error, saying which op and which numbers: the tape is run again one step at a time, as the
engine runs it, up to the step that fails.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.errors import explained
from tinygrad_edu.program.reading import gradient_number, number_of
from tinygrad_edu.program.source import python_program, raised_at, raises, same_number
from tinygrad_edu.program.tape import NumberStep, Raises, Tape, operand_lists
from tinygrad_edu.program.traced import COMPARED
from tinygrad_edu.row import GivenOp, ListOp

__all__ = ["Program", "failed_guard"]


class Program:
    """A graph as a program (see the module's docstring): ``run`` it, read its ``source()``,
    ``native.native_program(program)`` the same program in C (where a compiler is found)."""

    def __init__(self, tape: Tape, name: str = "program") -> None:
        self.tape = tape
        self.function, self.text = python_program(tape, name)
        self.runner: Callable[..., Any] = self.function
        self.kind = "Python"

    @property
    def nodes(self) -> int:
        """How many nodes the program computes."""
        return self.tape.nodes

    def source(self) -> str:
        """The program as Python: the forward pass one line per node, then the backward
        pass, each line the chain rule at one node with its local derivative in words."""
        return self.text

    def helpers(self) -> str:
        """The functions ``source()`` calls (the ops' own: ``div``, ``relu_rule0``), as
        their modules write them, with the constants they read there: with ``source()``,
        the whole program, to read."""
        return helpers_of(self.text, self.function.__globals__)

    def run(self, numbers: Sequence[float] = ()) -> float:
        """The forward and backward pass: the output's number; each leaf's gradient added to
        its ``.grad``. ``numbers``: the program's number inputs, in order."""
        leaves = [leaf for _, leaf in self.tape.leaves]
        values = [number_of(leaf) for leaf in leaves]
        grads = [gradient_number(leaf) for leaf in leaves]
        if len(numbers) != len(self.tape.numbers):
            raise TypeError(f"this program takes {len(self.tape.numbers)} number input(s), "
                            f"got {len(numbers)}: run(numbers) with them in order (a compiled "
                            "function passes them itself)")
        try:
            found = self.runner(values, grads, list(numbers), 1.0)
        except (ArithmeticError, ValueError) as error:
            replay(self.tape, values, numbers)  # (raises the engine's error for it)
            raise error from None
        if found is None:
            where = failed_guard(self.tape, values, numbers)
            raise RuntimeError(
                "a guard of this program fails on these numbers: the code that built it would "
                f"build another graph now ({where or 'a guard'}); call the "
                "compiled function, which captures it again")
        out, _, new = found
        for (_, value), grad in zip(self.tape.gradients, new):
            value.grad = grad
        return float(out)

    def __repr__(self) -> str:
        return (f"<{self.kind} program of {self.nodes} nodes, {len(self.tape.leaves)} leaves, "
                f"{len(self.tape.numbers)} number inputs>")


def failed_guard(tape: Tape, values: Sequence[float], numbers: Sequence[float]
                 ) -> str | None:
    """Where the first guard of the tape that does not come out as it did on these numbers
    comes from (the learner's line of a branch the code would take otherwise, or of an
    error it caught that would not be raised), if any."""
    slots = replay(tape, values, numbers)
    for step in tape.steps:
        if isinstance(step, Raises):
            inner = step.step
            operands = [slots[a] for a in inner.args]
            if not (raises(inner.function, *operands) if isinstance(inner, NumberStep)
                    else raised_at(inner, *operands)):
                return step.where
    for check in tape.guards:
        left, right = slots[check.left], slots[check.right]
        held = same_number(left, right) if check.op == "same" else \
            bool(COMPARED[check.op](left, right))
        if held != check.outcome:
            return check.where
    return None


def replay(tape: Tape, values: Sequence[float], numbers: Sequence[float]) -> list[Any]:
    """Run the tape's forward pass one step at a time, as the engine does, and raise the
    engine's error (naming the op and its numbers) at the first step that fails; else
    every slot's number."""
    slots: list[Any] = [0.0] * tape.size
    for (slot, _), value in zip(tape.leaves, values):
        slots[slot] = value
    for (slot, _), value in zip(tape.numbers, numbers):
        slots[slot] = value
    for slot, value in tape.constants.items():
        slots[slot] = value
    for step in tape.steps:
        if isinstance(step, Raises):
            continue
        if isinstance(step, NumberStep):
            slots[step.out] = step.function(*(slots[a] for a in step.args))
            continue
        if isinstance(step.row, GivenOp):
            slots[step.out] = slots[step.given[0]]
            continue
        operands = operand_lists(step, slots)
        flat = [slots[a] for a in step.args]
        try:
            y = step.row.forward(*operands)
            if isinstance(step.row, ListOp):
                step.row.local_rule(flat)
            else:
                for rule, node in zip(step.row.rules, step.nodes):
                    if node and callable(rule):
                        rule(*flat, y)
        except (ArithmeticError, ValueError) as error:
            raise explained(error, step.row.name, *flat) from None
        slots[step.out] = y
    return slots


def helpers_of(text: str, names: dict[str, Any]) -> str:
    """The functions of ``names`` that the source ``text`` calls, in the order it first
    calls them, each as its module writes it (a name of the source for a function of
    another name says so: ``relu_rule0 = d_relu``), with the constants it reads there; a
    function with no Python source (``math.tanh``) is named."""
    called = [name for name in dict.fromkeys(re.findall(r"\b([A-Za-z_]\w*)\(", text))
              if callable(names.get(name)) and name not in _OWN
              and getattr(names[name], "__globals__", None) is not names]  # (not itself)
    parts, seen, module_said = [], set(), ""
    for name in called:
        function = names[name]
        own = getattr(function, "__name__", name)
        module = getattr(function, "__module__", None) or "builtins"
        try:
            code = textwrap.dedent(inspect.getsource(function)).rstrip("\n")
        except (OSError, TypeError):
            parts.append(f"{name} = {module}.{own}  # Python's own, with no Python source")
            continue
        lines = [f"# {module.replace('.', '/')}.py"] if module != module_said else []
        module_said = module
        lines += [line for line in _constants(function) if line not in seen]
        seen.update(lines)
        alias = [f"{name} = {own}  # (the program's name for it)"] if own != name else []
        parts.append("\n".join([*lines, code, *alias]))
    if not parts:
        return ""
    return "# The functions the program calls, as the package writes them:\n\n" + \
        "\n\n".join(parts) + "\n"


_OWN = {"float", "same_number", "raises"}
"""Names the source calls that need no showing: Python's, and this module's two checks
(named for what they do)."""


def _constants(function: Any) -> list[str]:
    """The lines of the function's module that define the constants it reads there
    (``MASKED = Masked(0.0)``)."""
    code = getattr(function, "__code__", None)
    module = inspect.getmodule(function)
    if code is None or module is None:
        return []
    try:
        lines = inspect.getsource(module).splitlines()
    except (OSError, TypeError):
        return []
    found = []
    for name in code.co_names:
        held = getattr(module, name, None)
        if name.isupper() and held is not None and not callable(held):
            found += [line for line in lines if re.match(rf"{name}\s*[:=]", line)][:1]
    return found
