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

import ast
import builtins
import inspect
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.errors import explained
from tinygrad_edu.program.number_steps import COMPARED
from tinygrad_edu.program.reading import gradient_number, number_of
from tinygrad_edu.program.source import python_program, raised_at, raises, same_number
from tinygrad_edu.program.tape import NumberStep, Raises, Tape, operand_lists
from tinygrad_edu.row import GivenOp, ListOp

__all__ = ["Program", "failed_guard", "still_holds"]


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
        still_holds(self.tape)
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


def still_holds(tape: Tape) -> None:
    """Refuse to run a program its compiled function would capture again (``Tape.stale``):
    its numbers would be the old ones."""
    why = tape.stale() if tape.stale is not None else None
    if why:
        raise RuntimeError(f"this program no longer gives the engine's numbers: {why}; call "
                           "the compiled function (it captures again; its program() is then "
                           "the new one)")


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
            if not (raises(step, inner.function, *operands) if isinstance(inner, NumberStep)
                    else raised_at(step, *operands)):
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
    defined: set[str] = set()  # (the names what is shown so far binds)
    for name in called:
        function = names[name]
        own = getattr(function, "__name__", name)
        module = getattr(function, "__module__", None) or "builtins"
        try:
            code = textwrap.dedent(inspect.getsource(function)).rstrip("\n")
            if own == "<lambda>":  # (its source: the lines it sits in, a call's fragment)
                code, own = _as_def(function, name) or code, name
        except (OSError, TypeError):
            said = [] if module.split(".")[0] in defined else [f"import {module}"]
            defined.add(module.split(".")[0])
            parts.append("\n".join([*said, f"{name} = {module}.{own}  # Python's own, with "
                                               "no Python source"]))
            continue
        lines = [f"# {module.replace('.', '/')}.py"] if module != module_said else []
        module_said = module
        constants = [line for line in _constants(function) if line not in seen]
        lines += _needed("\n".join([*constants, code]), function, defined)
        lines += constants
        seen.update(lines)
        defined.update(_bound("\n".join([*constants, code])) | {name})
        alias = [f"{name} = {own}  # (the program's name for it)"] if own != name else []
        parts.append("\n".join([*lines, code, *alias]))
    if not parts:
        return ""
    return "# The functions the program calls, as the package writes them:\n\n" + \
        "\n\n".join(parts) + "\n"


def _as_def(function: Any, name: str) -> str | None:
    """A lambda as a ``def`` of the program's name for it (``dot = <lambda>`` and the line of
    ``ListOp("dot", lambda ws, xs: ...,`` it sits in were shown, which is no Python), found in
    its module's source by its line and its parameters; None where that is not one lambda."""
    code = function.__code__
    module = inspect.getmodule(function)
    try:
        tree = ast.parse(inspect.getsource(module)) if module is not None else None
    except (OSError, TypeError, SyntaxError):
        tree = None
    given = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
             and n.lineno == code.co_firstlineno and given == [
                 a.arg for a in (*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs)]
             ] if tree is not None else []
    if len(found) != 1 or found[0].args.vararg or found[0].args.kwarg:
        return None
    return f"def {name}({ast.unparse(found[0].args)}):\n    return {ast.unparse(found[0].body)}"


_OWN = {"float", "same_number", "raises"}
"""Names the source calls that need no showing: Python's, and this module's two checks
(named for what they do)."""


def _needed(text: str, function: Any, defined: set[str]) -> list[str]:
    """What ``text`` (a function's source, and the constants it reads) uses of its module
    that nothing shown defines, so that what is shown runs as it reads: the module's own
    classes and functions (``Masked``, for ``MASKED = Masked(0.0)``, and what they use in
    turn), and the imports that bind the rest (``import math``, ``from typing import
    Any``); ``defined`` gains them."""
    module = inspect.getmodule(function)
    if module is None:
        return []
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return []
    imports: dict[str, str] = {}  # (the module's, its TYPE_CHECKING block's too: a
    for statement in ast.walk(tree):  # name of its annotations)
        if isinstance(statement, (ast.Import, ast.ImportFrom)) and not getattr(
                statement, "level", 0):
            for alias in statement.names:
                bound = alias.asname or alias.name.split(".")[0]
                imports.setdefault(bound, ast.unparse(ast.ImportFrom(
                    statement.module, [alias], 0)) if isinstance(statement, ast.ImportFrom)
                    else ast.unparse(ast.Import([alias])))
    found: list[str] = []
    todo = [text]
    while todo:
        try:
            read = ast.parse(todo.pop())
        except SyntaxError:
            continue
        used = {n.id for n in ast.walk(read) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load)}
        for name in sorted(used - _bound(read) - defined - set(dir(builtins))):
            held = getattr(module, name, None)
            if (inspect.isclass(held) or inspect.isfunction(held)) and getattr(
                    held, "__module__", None) == module.__name__:
                try:
                    source = textwrap.dedent(inspect.getsource(held)).rstrip("\n")
                except (OSError, TypeError):
                    continue
                defined.add(name)
                found.append(source + "\n")
                todo.append(source)
            elif name in imports and name != "annotations":
                defined.add(name)
                found.insert(0, imports[name])
    return found


def _bound(code: str | ast.AST) -> set[str]:
    """The names ``code`` binds (assigned, defined, imported, its functions' parameters)."""
    try:
        tree = ast.parse(code) if isinstance(code, str) else code
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and not isinstance(n.ctx, ast.Load)}
    names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    names |= {n.name for n in ast.walk(tree) if isinstance(
        n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    names |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return names


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
