"""A tape as Python source a learner can read and step through: one line per node in the
forward pass (its number, then its local derivatives), then the backward pass from the
last node to the first, each line the chain rule at one node, ``grad of child +=
local derivative × grad of node``, with the local derivative in words as a comment (the
words stepping prints).

The source calls the very functions the engine's rows hold (``safe_math.exp``, a row's
rules), so it computes the same float operations in the same order as ``backward()``: the
same numbers bit for bit. ``python_program`` compiles it into a function of the leaves'
numbers, their gradients so far and the number inputs; it returns the output and the
leaves' new gradients.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import math
import operator
import re
from collections.abc import Callable
from typing import Any

from tinygrad_edu.ops import text_of
from tinygrad_edu.program.tape import Check, NumberStep, Raises, Step, Tape
from tinygrad_edu.row import GivenOp, ListOp, Op

__all__ = ["python_program", "raised_at", "raises", "same_number", "source_of"]

OPERATORS: dict[Any, str] = {operator.add: "{0} + {1}", operator.sub: "{0} - {1}",
                             operator.mul: "{0} * {1}", operator.neg: "-{0}"}
"""Forward functions that are Python's own operators, written as such."""


def source_of(tape: Tape, name: str = "program") -> tuple[str, dict[str, Any]]:
    """The tape as the Python function ``NAME(leaves, grads, numbers, seed)``: the forward
    pass, the guards (None where one fails), then the backward pass from ``seed``; it
    returns the output, the numbers of ``tape.outputs`` and the leaves' new gradients. And
    the names the source uses (the rows' functions), to run it with. A constant is written
    where it is used."""
    name = _identifier(name)
    names = _NAMES  # (one namespace: the rows' functions, the numbers', the constants')
    names.clear()
    names.update({"same_number": same_number, "raises": raises})
    _CONSTANTS.clear()
    _CONSTANTS.update(tape.constants)
    lines = [f"def {name}(leaves, grads, numbers, seed):",
             f'    """The forward and backward pass of a graph of {tape.nodes} nodes, as '
             'code."""']
    if tape.leaves:
        lines.append(f"    {', '.join(_x(s) for s, _ in tape.leaves)}, = leaves"
                     "  # the leaves' numbers (parameters, inputs)")
    if tape.numbers:
        lines.append(f"    {', '.join(_x(s) for s, _ in tape.numbers)}, = numbers"
                     "  # the numbers given at each run")
    lines.append("    # forward: each node's number, then its local derivatives")
    for step in tape.steps:
        lines += _forward(step, tape, names)
    if tape.guards:
        lines.append("    # guards: the branches the code took when it was captured")
    for check in tape.guards:
        lines.append(f"    if {'not ' if check.outcome else ''}{_check(check)}:"
                     f"  # {check.where}")
        lines.append("        return None")
    backward = tape.backward_steps()
    lines.append("    # backward: the chain rule at each node, the output first")
    lines += [f"    {_g(step.out)} = 0.0" for step in backward]
    started = {step.out for step in backward} | {s for s, _ in tape.leaves}
    for slot in [*tape.graded, tape.root]:
        if slot not in started:
            started.add(slot)
            lines.append(f"    {_g(slot)} = 0.0  # (a Value made in the function: nobody "
                         "reads it)")
    if tape.leaves:
        lines.append(f"    {', '.join(_g(s) for s, _ in tape.leaves)}, = grads"
                     "  # the leaves' gradients so far (they add up)")
    lines.append(f"    {_g(tape.root)} += seed  # d(output)/d(output) × the seed")
    for step in backward:
        lines += _backward(step, tape)
    gradients = ", ".join(_g(s) for s, _ in tape.gradients)
    outputs = ", ".join(_x(s) for s in tape.outputs)
    lines.append(f"    return {_x(tape.root)}, ({outputs}{',' if tape.outputs else ''}), "
                 f"({gradients}{',' if tape.gradients else ''})")
    return "\n".join(lines) + "\n", dict(names)


def _identifier(name: str) -> str:
    """``name`` as a Python function's name (``<lambda>`` is ``_lambda_``)."""
    name = re.sub(r"\W", "_", name) or "program"
    return name if not name[0].isdigit() else "program_" + name


def same_number(a: Any, b: Any) -> bool:
    """Whether two numbers are the very same: of the same type, and for floats the same bits
    (NaN the same as NaN, -0.0 not 0.0)."""
    if type(a) is not type(b):
        return False
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)


def raises(raised: Raises, function: Any, *args: Any) -> bool:
    """Whether ``function(*args)`` raises the error it raised when captured: of that very
    type, with the same text (another would take another ``except``, or say otherwise)."""
    try:
        function(*args)
    except Exception as error:
        return same_error(raised, error)
    return False


def same_error(raised: Raises, error: BaseException) -> bool:
    """Whether ``error`` is the one the capture saw raised: its type and its args."""
    return type(error) is raised.error and error.args == raised.said


def _check(check: Check) -> str:
    left, right = (_x(side) if isinstance(side, int) else _constant(side)
                   for side in (check.left, check.right))
    if check.op == "same":
        return f"same_number({left}, {right})"
    return f"({left} {check.op} {right})"


def _constant(number: Any) -> str:
    """A constant as the source writes it (a name bound to it, where Python has no literal
    of it: a NumPy float)."""
    if type(number) in (int, bool):
        return repr(number)
    if type(number) is float:
        return repr(number) if number == number and abs(number) != float("inf") else \
            f"float({str(number)!r})"
    name = f"c{len(_NAMES)}"
    while name in _NAMES:
        name += "_"
    _NAMES[name] = number
    return name


def python_program(tape: Tape, name: str = "program") -> tuple[Callable[..., Any], str]:
    """The tape's source compiled: the function and its source."""
    source, names = source_of(tape, name)
    code = compile(source, f"<the program of a graph of {tape.nodes} nodes>", "exec")
    exec(code, names)
    return names[_identifier(name)], source


_CONSTANTS: dict[int, Any] = {}  # (the tape's constants, while its source is written)
_NAMES: dict[str, Any] = {}  # (names the source uses, while it is written)


def _x(slot: int) -> str:
    """A slot as the source names it: ``x5``, or a constant's number."""
    if slot in _CONSTANTS:
        return _constant(_CONSTANTS[slot])
    return f"x{slot}"


def _g(slot: int) -> str:
    return f"g{slot}"


def _d(step: Step, i: int) -> str:
    return f"d{step.out}_{i}"


INFIX = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
         "//": None, "%": None}
"""The plain numbers' steps written as Python's operators."""

SAID = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "neg": "neg"}
"""The names of the operators' rows, as the source calls their functions."""


def _name(names: dict[str, Any], kind: str, row: Op, function: Any) -> str:
    """The name the source calls ``function`` by (bound in ``names``)."""
    base = "".join(c if c.isalnum() else "_" for c in SAID.get(row.name, row.name)) or "op"
    if not base[0].isalpha():
        base = "op_" + base
    name = f"{base}{kind}"
    while name in names and names[name] is not function:
        name += "_"
    names[name] = function
    return name


def _number_call(step: NumberStep, names: dict[str, Any]) -> str:
    """A plain number's step as the source writes it: an operator, or its function."""
    args = [_x(a) for a in step.args]
    if step.name in INFIX and len(args) == 2 and INFIX[step.name] in (None, step.function):
        return f"{args[0]} {step.name} {args[1]}"
    if step.name == "-x" and step.function is operator.neg:
        return f"-{args[0]}"
    base = "".join(c if c.isalnum() else "_" for c in
                   (getattr(step.function, "__name__", "") or step.name)) or "number"
    name = base if base[0].isalpha() else "n_" + base
    while _NAMES.get(name, step.function) is not step.function:
        name += "_"
    _NAMES[name] = step.function
    return f"{name}({', '.join(args)})"


def _forward(step: Step | NumberStep | Raises, tape: Tape, names: dict[str, Any]
             ) -> list[str]:
    if isinstance(step, Raises):
        return _raises(step, tape, names)
    if isinstance(step, NumberStep):
        return [f"    {_x(step.out)} = {_number_call(step, names)}  # a plain number the code "
                f"computed ({step.name})"]
    row, out = step.row, _x(step.out)
    label = f"{tape.names[step.out]} = " if step.out in tape.names else ""
    words = text_of(row)
    formula = _words(words.formula, step, tape)
    if isinstance(row, GivenOp):
        lines = [f"    {out} = {_x(step.given[0])}  # {label}{formula}, made by hand"]
        for i, slot in enumerate(step.given[1:]):
            lines.append(f"    {_d(step, i)} = {_x(slot)}  # its local derivative, given")
        return lines
    args = [_x(a) for a in step.args]
    if isinstance(row, ListOp):
        lists = (f"[{', '.join(args)}]" if row.lists == 1 else
                 f"[{', '.join(args[:step.first])}], [{', '.join(args[step.first:])}]")
        forward = _name(names, "", row, row.forward)
        local = _name(names, "_local", row, row.local_rule)
        return [f"    {out} = {forward}({lists})  # {label}{formula}",
                f"    d{step.out} = {local}([{', '.join(args)}])"]
    if row.forward in OPERATORS:
        forward = OPERATORS[row.forward].format(*args)
    else:
        forward = f"{_name(names, '', row, row.forward)}({', '.join(args)})"
    lines = [f"    {out} = {forward}  # {label}{formula}"]
    for i, (node, rule) in enumerate(zip(step.nodes, row.rules)):
        if not node:
            continue
        if type(rule) is float:  # (written where it is used: _local)
            continue
        inline = inlined(rule, [*args, out], names)
        if inline is None:
            function = _name(names, f"_rule{i}", row, rule)
            inline = f"{function}({', '.join(args)}, {out})"
        lines.append(f"    {_d(step, i)} = {inline}")
    return lines


def _raises(raised: Raises, tape: Tape, names: dict[str, Any]) -> list[str]:
    """An operation that raised when captured, where the code went on: it must raise again."""
    step = raised.step
    args = ", ".join(_x(a) for a in step.args)
    if isinstance(step, NumberStep):
        _number_call(step, names)  # (its name, where the step is not an operator: 1 / x is)
        function = next((k for k, v in _NAMES.items() if v is step.function), None)
        if function is None:
            function = f"number_{len(_NAMES)}"
            _NAMES[function] = step.function
        error = f"raised_{len(_NAMES)}"
        _NAMES[error] = raised
        test = f"raises({error}, {function}, {args})"
    else:
        checked = f"raises_{len(_NAMES)}"
        _NAMES[checked] = functools.partial(raised_at, raised)
        test = f"{checked}({args})"
    return [f"    if not {test}:  # it raised when captured: {raised.where}",
            "        return None"]


def raised_at(raised: Raises, *numbers: Any) -> bool:
    """Whether the engine's op raises the error it raised when captured (``same_error``) at
    these numbers, in its forward function or in a local derivative (as ``program.replay``
    runs it)."""
    from tinygrad_edu.program.tape import operand_lists

    step = raised.step
    assert isinstance(step, Step)
    values = [0.0] * (max(step.args, default=-1) + 1)
    for slot, number in zip(step.args, numbers):
        values[slot] = number
    try:
        y = step.row.forward(*operand_lists(step, values))
        if isinstance(step.row, ListOp):
            step.row.local_rule(list(numbers))
        else:
            for rule, node in zip(step.row.rules, step.nodes):
                if node and callable(rule):
                    rule(*numbers, y)
    except Exception as error:
        return same_error(raised, error)
    return False


def _backward(step: Step, tape: Tape) -> list[str]:
    words = text_of(step.row)
    lines = []
    for i, (slot, node) in enumerate(zip(step.args, step.nodes)):
        if node:
            said = words.local[min(i, len(words.local) - 1)]
            lines.append(f"    {_g(slot)} += {_local(step, i)}{_g(step.out)}"
                         f"  # ∂{_x(step.out)}/∂{_x(slot)} = {_words(said, step, tape, i)}")
    return lines


_PLACE = re.compile(r"\{(\w+)\}")


def _local(step: Step, i: int) -> str:
    """The local derivative towards operand i as the backward pass multiplies by it: its
    name (``d5_0``), an entry of a list op's (``d5[0]``), or a constant (none for 1, which
    multiplies to the very same number)."""
    row = step.row
    if isinstance(row, ListOp):
        return f"d{step.out}[{i}] * "
    rule = None if isinstance(row, GivenOp) else row.rules[i]
    if type(rule) is float:
        return "" if rule == 1.0 else f"{rule!r} * "
    return f"{_d(step, i)} * "


def _words(template: str, step: Step, tape: Tape, i: int | None = None) -> str:
    """A row's words with the step's slots in them (``{0}``: the first operand; ``{out}``,
    ``{all}``, and for ``dot`` ``{first}``, ``{second}``, ``{partner}``), in one pass."""
    if "{" not in template:
        return template

    def name(slot: int) -> str:
        return tape.names.get(slot) or _x(slot)

    def said(match: re.Match[str]) -> str:
        key = match.group(1)
        if key.isdigit():
            k = int(key)
            return name(step.args[k]) if k < len(step.args) else match.group(0)
        if key == "out":
            return name(step.out)
        if key == "all":
            return ", ".join(map(name, step.args))
        half = step.first
        if key == "first" and half:
            return ", ".join(map(name, step.args[:half]))
        if key == "second" and half:
            return ", ".join(map(name, step.args[half:]))
        if key == "partner" and half and i is not None:
            return name(step.args[i + half] if i < half else step.args[i - half])
        return match.group(0)

    return _PLACE.sub(said, template)


class _Named:
    """A name, as ``_name`` reads a row's."""

    def __init__(self, name: str) -> None:
        self.name = name


def inlined(rule: Any, args: list[str], names: dict[str, Any]) -> str | None:
    """A rule that is a lambda, written out: its own expression, its parameters replaced by
    ``args`` (the same operations as calling it, so the same number); the names it uses are
    added to ``names``. None for any other function (it is called instead)."""
    found = _lambda(rule)
    if found is None:
        return None
    node, used = found
    params = [a.arg for a in node.args.args]
    if len(params) != len(args):
        return None
    for name in used - set(params):
        if name in rule.__globals__:
            if names.get(name, rule.__globals__[name]) is not rule.__globals__[name]:
                return None
            names[name] = rule.__globals__[name]
        elif not hasattr(builtins, name):
            return None
    body = _Renamed(dict(zip(params, args))).visit(copy.deepcopy(node.body))
    text = ast.unparse(body)
    return text if isinstance(body, (ast.Name, ast.Constant)) else f"({text})"


def _lambda(rule: Any) -> tuple[ast.Lambda, frozenset[str]] | None:
    """The lambda expression ``rule`` was made from, found in its file by its line and
    checked by compiling it again; and the names it uses."""
    code = getattr(rule, "__code__", None)
    if code is None or code.co_name != "<lambda>" or rule.__closure__:
        return None
    return _lambda_of(code, inspect.getmodule(rule))


@functools.cache
def _lambda_of(code: Any, module: Any) -> tuple[ast.Lambda, frozenset[str]] | None:
    """``_lambda`` of the code a rule has now (its ``__code__`` replaced in place, as
    autoreload does, it is another lambda: a64d f5)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno:
            again = compile(ast.Expression(node), code.co_filename, "eval").co_consts[0]
            if getattr(again, "co_code", None) == code.co_code and \
                    again.co_names == code.co_names:
                used = frozenset(n.id for n in ast.walk(node.body) if isinstance(n, ast.Name))
                return node, used
    return None


class _Renamed(ast.NodeTransformer):
    """A lambda's body with its parameters replaced by the slots' names."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names:
            return ast.parse(self.names[node.id], mode="eval").body
        return node
