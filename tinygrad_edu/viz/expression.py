"""Build a graph of Values from a formula written as text, such as ``"(x + y) * (x - y)"``.

>>> from tinygrad_edu.viz.expression import parse_expression
>>> f = parse_expression("(x + y) * (x - y)", {"x": 3, "y": 2})
>>> f.backward()
>>> f.data, [(v.label, v.grad) for v in f.parents[0].parents]
(5.0, [('x', 6.0), ('y', -4.0)])

The text is read with Python's ``ast`` module and only a small language is accepted: names
(each becomes one leaf Value, reused wherever the name appears), numbers, ``+ - * / **``,
unary minus, and calls of the registered ops (``tanh(x)``, ``leaky_relu(x, 0.1)``,
``dot([w1, w2], [x1, x2])``). Nothing is ever handed to ``eval``, so a formula from the
command line cannot run code. A mistake raises ``ExpressionError``, which shows the formula
with the bad spot underlined.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.ops import OPS
from tinygrad_edu.row import ListOp, Op

__all__ = ["ExpressionError", "callable_ops", "parse_expression"]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


class ExpressionError(ValueError):
    """A formula that cannot be turned into a graph. ``str()`` shows where: the line of the
    formula and a row of ``^`` under the offending part."""

    def __init__(self, message: str, source: str, line: int = 1, start: int = 0,
                 end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line  # 1-based line of the formula
        self.start = start  # 0-based character columns of the bad part on that line
        self.end = max(end if end is not None else start + 1, start + 1)

    def __str__(self) -> str:
        lines = self.source.splitlines() or [""]
        text = lines[min(self.line, len(lines)) - 1]
        width = min(self.end, max(len(text), self.start + 1)) - self.start
        return f"{self.message}\n    {text}\n    {' ' * self.start}{'^' * width}"


def callable_ops() -> list[str]:
    """The names a formula may call: every registered op whose name is an identifier."""
    return sorted(name for name in OPS if name.isidentifier())


def parse_expression(source: str, values: Mapping[str, float]) -> Value:
    """The graph of ``source`` with each name set to its number in ``values``.

    Raises ``ExpressionError`` for anything outside the small language described in the
    module docstring, a name with no value, a call with the wrong arguments, and a number
    the ops refuse (``log(x)`` at x = -1, ``1 / x`` at x = 0); the message says what to do.
    The result is a plain ``Value``: label it, call ``backward()`` or draw it.
    """
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise _syntax_error(source.strip(), error) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the formula is nested too deeply to read", source) from None
    except ValueError as error:  # e.g. an integer with thousands of digits
        raise ExpressionError(f"this is not a formula: {error}", source) from None
    return _Builder(source.strip(), values).build(tree.body)


def _syntax_error(source: str, error: SyntaxError) -> ExpressionError:
    line = error.lineno or 1
    start = max((error.offset or 1) - 1, 0)
    end = error.end_offset - 1 if error.end_offset and error.end_lineno == line else None
    implied = re.search(r"(\d(?:\.\d*)?)\s*([A-Za-z_(])", source)  # 2x, 2 x, 3(x + 1)
    hint = (f" (a product needs *: write {implied.group(1)}*{implied.group(2)}, not "
            f"{implied.group(0)})" if implied and not re.match(r"[eE]\d", implied.group(2)) else "")
    return ExpressionError(f"this is not a formula: {error.msg}{hint}", source, line, start, end)


class _Builder:
    """Walks the syntax tree and builds Values; every error points at the node it is about."""

    def __init__(self, source: str, values: Mapping[str, float]) -> None:
        self.source = source
        self.values = dict(values)
        self.leaves: dict[str, Value] = {}

    def build(self, node: ast.expr) -> Value:
        try:
            result = self.eval(node)
        except RecursionError:
            raise ExpressionError("the formula is nested too deeply to evaluate",
                                  self.source) from None
        if isinstance(result, list):
            raise self.error(node, "a list can only be an argument of dot or vsum")
        if not isinstance(result, Value):
            raise self.error(node, "the formula has no names, so there is nothing to "
                                   "differentiate; use a name such as x and give it a value")
        return result

    # -- errors

    def error(self, node: ast.AST, message: str) -> ExpressionError:
        line = getattr(node, "lineno", 1)
        lines = self.source.splitlines() or [""]
        text = lines[min(line, len(lines)) - 1]
        start = _column(text, getattr(node, "col_offset", 0))
        same_line = getattr(node, "end_lineno", line) == line
        end_col = getattr(node, "end_col_offset", None)
        end = _column(text, end_col) if same_line and end_col else None
        return ExpressionError(message, self.source, line, start, end)

    # -- the language

    def eval(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.error(node, f"only numbers and names are allowed here, not {value!r}")
            try:
                return float(value)
            except OverflowError:
                raise self.error(node, "this number is too large for a float") from None
        if isinstance(node, ast.Name):
            return self.leaf(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.eval(node.left), self.eval(node.right)
            self.no_list(node.left, left)
            self.no_list(node.right, right)
            return self.compute(node, _BINARY[type(node.op)], left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.eval(node.operand)
            self.no_list(node.operand, operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.List):
            return [self.eval(item) for item in node.elts]
        hint = (" (for a power write **, as in x**2: ^ is not a power in Python)"
                if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor) else "")
        raise self.error(node, f"{_describe(node)} is not allowed here{hint}: a formula may use "
                               "names, numbers, + - * / **, unary minus and calls such as "
                               "tanh(x)")

    def leaf(self, node: ast.Name) -> Value:
        name = node.id
        if name not in self.leaves:
            if name not in self.values:
                if name in OPS:
                    raise self.error(node, f"{name} is an operation: call it, e.g. {name}(x)")
                raise self.error(node, f"no value for {name}: give it one, e.g. {name}=1.5")
            self.leaves[name] = Value(self.values[name], label=name)
        return self.leaves[name]

    def call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Constant):  # 3(x + 1): a product without its *
            number = ast.get_source_segment(self.source, func) or repr(func.value)
            raise self.error(node, f"a number cannot be called: a product needs *, so write "
                                   f"{number}*(...) instead of {number}(...)")
        if not isinstance(func, ast.Name):
            raise self.error(func, "only a registered op can be called, by its plain name "
                                   "(tanh(x), not math.tanh(x))")
        op = OPS.get(func.id)
        if op is None:
            raise self.error(func, f"unknown function {func.id}; the ops are: "
                                   f"{', '.join(callable_ops())}")
        if node.keywords:
            raise self.error(node.keywords[0], f"{func.id}: write its arguments in order, "
                                               "without name=")
        self.check_arguments(node, op)
        args = [self.eval(arg) for arg in node.args]
        if op.arity is not None:
            for arg, value in zip(node.args, args):
                self.no_list(arg, value)
            if op.param is not None and len(args) > 1 and isinstance(args[1], Value):
                raise self.error(node.args[1], f"{op.name}: its second argument (alpha) must "
                                               "be a number, not a formula with names: it is "
                                               f"a setting, not an input, e.g. {_usage(op)}")
        elif not all(isinstance(a, list) for a in args):
            raise self.error(node, f"{func.id} takes lists: {_usage(op)}")
        else:  # lists come only from [...], whose items may not be lists: dot([x, [y]], ...)
            for arg, items in zip(node.args, args):
                for item, value in zip(arg.elts if isinstance(arg, ast.List) else [], items):
                    self.no_list(item, value)
        return self.compute(node, op, *args)

    def check_arguments(self, node: ast.Call, op: Op) -> None:
        n = len(node.args)
        wanted: tuple[int, ...]
        if isinstance(op, ListOp):  # dot(ws, xs) and vsum(values): one argument per list
            wanted = (op.lists,)
        elif op.arity == 1 and op.param is not None:  # leaky_relu(x) or leaky_relu(x, alpha)
            wanted = (1, 2)
        else:
            wanted = (op.arity or 1,)
        if n not in wanted:
            raise self.error(node, f"{op.name} takes {' or '.join(map(str, wanted))} "
                                   f"argument{'s' if max(wanted) > 1 else ''}, got {n}: "
                                   f"{_usage(op)}")

    def no_list(self, node: ast.expr, value: Any) -> None:
        if isinstance(value, list):
            raise self.error(node, "a list can only be an argument of dot or vsum")

    def compute(self, node: ast.AST, fn: Callable[..., Any], *args: Any) -> Any:
        """Apply an op; the numbers the op refuses become an error at ``node``."""
        try:
            if _has_value(args):
                return fn(*args)
            with no_grad():  # only plain numbers: let the engine's own checks compute it
                first, *rest = args
                result = fn(Value(first), *rest) if not isinstance(first, list) else fn(*args)
            return result.data if isinstance(result, Value) else result
        except (ArithmeticError, ValueError, TypeError) as error:  # TypeError: an op of yours
            raise self.error(node, f"cannot compute this: {error}") from None


def _has_value(items: Any) -> bool:
    return any(_has_value(x) if isinstance(x, list) else isinstance(x, Value) for x in items)


def _usage(op: Op) -> str:
    if isinstance(op, ListOp):  # dot([w1, w2], [x1, x2]), vsum([a, b, c])
        lists = ["[w1, w2]", "[x1, x2]"] if op.lists == 2 else ["[a, b, c]"]
        return f"{op.name}({', '.join(lists)})"
    if op.arity == 2:
        return f"{op.name}(a, b)"
    return f"{op.name}(x, {op.param})" if op.param is not None else f"{op.name}(x)"


def _describe(node: ast.AST) -> str:
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        symbol = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&",
                  ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
        return f"the operator {symbol.get(type(node.op), type(node.op).__name__)}"
    if isinstance(node, ast.Compare):
        return "a comparison"
    if isinstance(node, ast.Attribute):
        return f"an attribute (.{node.attr})"
    if isinstance(node, ast.Subscript):
        return "indexing ([...])"
    kinds = {ast.Lambda: "lambda", ast.IfExp: "if ... else", ast.BoolOp: "and / or",
             ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set", ast.Starred: "*",
             ast.NamedExpr: ":=", ast.JoinedStr: "an f-string", ast.ListComp: "a comprehension",
             ast.GeneratorExp: "a comprehension", ast.Await: "await"}
    return kinds.get(type(node), type(node).__name__)


def _column(text: str, byte_offset: int) -> int:
    """ast counts columns in UTF-8 bytes; the underline needs characters."""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))
