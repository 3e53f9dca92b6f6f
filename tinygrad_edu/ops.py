"""An op as a row of data, the registries the tools read, and the checks of an op of your own.

An ``Op`` is one row of an engine's op table: its name, its forward function, one rule per
operand and the same in words (``formula`` and ``local``, which stepping and drawing print).
The scalar engine's rules are local derivatives, ``d(a, b, y)``; the tensor engine's are
vector-Jacobian products, ``vjp(g, a, b, y)``. Each engine makes its rows into functions and
registers them (``OPS`` here for Values; ``tinygrad_edu.tensor.registry.OPS`` for Tensors);
the tools read the rows without importing an engine (stepping prints their words, the
property tests iterate the registries), and keep what only they need in tables of their own,
keyed by the op's name.

An op of your own (``unary_op``, ``binary_op``, the tensor engine's ``tensor_op``) is checked
here when it is made, the same way for both engines: a non-empty name that is not a built-in
op's, and functions that take the right number of arguments; its results are checked when
it runs (``user_function``), so that a mistake is reported with the op's name, at once.
"""

from __future__ import annotations

import inspect
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, Union, overload

from tinygrad_edu.errors import real_or_none

__all__ = ["OPS", "GivenOp", "ListOp", "Op", "Text", "register", "text_of"]

Rule = Callable[..., Any]
Kink = Callable[..., float]  # a function of the operands that is 0 where the derivative jumps
Number = Union[int, float]  # noqa: UP007 (a runtime alias, Python 3.10)
V = TypeVar("V")
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""The default of an op's second operand where it has none: leaving it out is an error."""


class UnaryFunction(Protocol, Generic[V]):
    """An op of one operand, on nodes of class V (a Value) or plain numbers, also as a
    method of V: ``tanh(x)``, ``x.tanh()``, ``tanh(2.0)``."""

    op: Op

    @overload
    def __call__(self, x: V) -> V: ...
    @overload
    def __call__(self, x: Number) -> float: ...
    @overload
    def __get__(self, node: None, owner: Any) -> UnaryFunction[V]: ...
    @overload
    def __get__(self, node: V, owner: Any) -> Callable[[], V]: ...


class BinaryFunction(Protocol, Generic[V]):
    """An op of two operands, Values and/or plain numbers, also as a method (an operator):
    ``mul(a, b)``, ``a * b``, ``a * 2.0``."""

    op: Op

    def __call__(self, a: V | Number, b: V | Number) -> V: ...
    @overload
    def __get__(self, node: None, owner: Any) -> BinaryFunction[V]: ...
    @overload
    def __get__(self, node: V, owner: Any) -> Callable[[V | Number], V]: ...


class Op:
    """One operation: ``forward(*operands)`` and one rule per operand (None for an operand
    that gets no gradient and must be a plain number, such as leaky_relu's alpha, whose
    default is ``default``).

    A scalar rule gets the operands and the output ``y`` and returns d(output)/d(operand).
    Written with arithmetic and the engine's functions, the very same rule runs on floats in
    an ordinary backward pass and on Values under ``create_graph=True``, where it builds the
    graph of the derivative; where a rule is a plain function of floats (relu's slope),
    ``graph_rules`` holds the same rule written with operations, for that.

    ``formula`` says how the output is computed (``"{0} * {1}"``: ``{0}``, ``{1}`` are the
    operands, ``{out}`` the output) and ``local`` each rule in words (``("{1}", "{0}")``);
    ``domain`` and ``kinks`` say where the rules may be tested (see
    ``tinygrad_edu.testing``). A row of the tensor engine has ``vjp=True``: its rules are
    vector-Jacobian products, ``vjp(g, *operands, out, *params)``, each giving its operand's
    gradient from the output's gradient ``g``; ``elementwise`` says that such an op works entry
    by entry, so that a gradient is summed back to a broadcast operand's shape.
    """

    def __init__(self, name: str, forward: Callable[..., Any],
                 rules: Sequence[Rule | float | None],
                 *, formula: str | None = None, local: Sequence[str] | None = None,
                 graph_rules: Sequence[Rule | None] | None = None, default: Any = None,
                 domain: Sequence[tuple[float, float]] | None = None,
                 kinks: Sequence[float | Kink] = (), elementwise: bool = False,
                 vjp: bool = False, doc: str = "") -> None:
        self.name = name
        self.forward = forward
        self.rules: tuple[Any, ...] = tuple(rules)  # (a rule, a constant, or None)
        self.graph_rules = tuple(graph_rules) if graph_rules is not None else self.rules
        self.default = default
        self.formula = formula
        self.local = None if local is None else tuple(local)
        self.domain = None if domain is None else tuple(domain)
        self.kinks = tuple(kinks)
        self.elementwise = elementwise
        self.vjp = vjp  # the rules are the tensor engine's VJPs, not local derivatives
        self.doc = doc
        self.apply: Callable[..., Any] = forward  # the function on nodes, set by its engine

    given = False
    """Whether the op's nodes were made by hand, their local derivatives given as numbers."""

    @property
    def arity(self) -> int | None:
        """How many operands the op must be given (a last plain-number operand with a
        default, leaky_relu's alpha, is not counted); None for ops on whole lists."""
        return len(self.rules) - (self.default is not None)

    @property
    def param(self) -> Any:
        """The default of a last operand that must be a plain number (leaky_relu's alpha)."""
        return self.default

    def operands(self, node: Any) -> list[Any]:
        """What ``node`` was computed from, in order: its parents, and the plain numbers
        that stood beside them (the 2.0 in ``2.0 - a``)."""
        return list(node._operands)

    def __call__(self, *operands: Any, **params: Any) -> Any:
        """Apply the op: ``OPS["*"](a, 2.0)``; a tensor op also takes its parameters
        (``tensor.OPS["sum"](t, axis=0)``)."""
        if self.default is not None and len(operands) == self.arity:
            operands = (*operands, self.default)
        return self.apply(*operands, **params)

    def __repr__(self) -> str:
        return f"<{'Tensor' if self.vjp else ''}Op {self.name!r}>"

    # One object per op: copies of a graph share it, and a pickle names it.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        hidden = self.name in _HIDDEN and _HIDDEN[self.name] is self
        found = find_op(self.name, hidden, missing_ok=True)
        if found is None:
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: it is not registered "
                "(made with register_op=False), so it could not be found when loading")
        if found is not self:
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: the op was defined again "
                "after this graph was built (a notebook cell run twice, say), and loading would "
                "find the new definition; build the graph again, then pickle it")
        return (find_op, (self.name, hidden))


class ListOp(Op):
    """An op on whole lists, one node with many parents (``vsum``: one list, ``dot``: two).
    Its node keeps its operands (Values and plain numbers) and their local derivatives in
    ``_list``. ``graph_rule(operands, node)`` gives the local derivatives as Values, for
    ``create_graph=True``; ``local_rule(numbers)`` the same on floats."""

    def __init__(self, name: str, forward: Callable[..., Any], lists: int,
                 local_rule: Callable[[list[float]], list[float]],
                 graph_rule: Callable[[Sequence[Any], Any], tuple[Any, ...]], doc: str = "",
                 formula: str | None = None, local: Sequence[str] | None = None) -> None:
        super().__init__(name, forward, (), doc=doc, formula=formula, local=local)
        self.lists = lists
        self.local_rule = local_rule
        self.graph_rule = graph_rule

    @property
    def arity(self) -> int | None:
        return None

    def __call__(self, *operands: Any) -> Any:
        return self.apply(*operands)


class GivenOp(Op):
    """The op of a node made as microgpt makes one, ``Value(data, children, local_grads)``:
    named after the function or method that made it (``'gelu'``; ``'*'`` for ``__mul__``),
    or ``'op'`` where that cannot be known. Its local derivatives were given as numbers, so
    it has no rules: nothing says how they change, and a second derivative through it
    raises an error that says so (``autograd/higher.py``)."""

    given = True

    def __init__(self, name: str, arity: int) -> None:
        symbol = SYMBOLS.get(name)
        if symbol == "neg":
            formula = "-{0}"
        elif symbol is not None and arity == 2:
            formula = f"{{0}} {symbol} {{1}}"
        else:
            formula = f"{symbol or name}({', '.join(f'{{{i}}}' for i in range(arity))})" \
                if arity <= 2 else f"{name}({{all}})"
        super().__init__(symbol or name, _no_forward, (None,) * min(arity, 2), formula=formula,
                         local=("given",) * max(1, min(arity, 2)))
        self.given_as = name, arity

    @property
    def arity(self) -> int | None:
        return None if self.given_as[1] > 2 else self.given_as[1]

    def __reduce__(self) -> tuple[Any, ...]:
        return (given_op, self.given_as)


SYMBOLS = {"__add__": "+", "__radd__": "+", "__sub__": "-", "__rsub__": "-", "__mul__": "*",
           "__rmul__": "*", "__truediv__": "/", "__rtruediv__": "/", "__pow__": "**",
           "__rpow__": "**", "__neg__": "neg"}
"""The symbols of the operator methods a node made by hand may come from."""

_GIVEN: dict[tuple[str, int], GivenOp] = {}


def given_op(name: str, arity: int) -> GivenOp:
    """The op of nodes made by ``Value(data, children, local_grads)`` in the function
    ``name`` with ``arity`` children (one op for every number above two)."""
    key = (name, min(arity, 3))
    if key not in _GIVEN:
        _GIVEN[key] = GivenOp(name, arity)
    return _GIVEN[key]


def made_by(arity: int) -> GivenOp:
    """The op of a node made by ``Value(data, children, local_grads)`` with ``arity``
    children, named after the function or method that called ``Value(...)``."""
    return given_op(maker_name(2), arity)


def maker_name(depth: int) -> str:
    """The name of the function or method ``depth`` frames up that called ``Value(...)``
    (past any ``__init__``), or ``'op'`` where it has no name (a module, a lambda)."""
    frame = sys._getframe(depth)
    while frame.f_code.co_name == "__init__" and frame.f_back is not None:
        frame = frame.f_back
    name = frame.f_code.co_name
    return "op" if name.startswith("<") else name


def _no_forward(*operands: Any) -> Any:
    raise TypeError("a node made by Value(data, children, local_grads) has no forward function: "
                    "its number was given")


# ----------------------------------------------------------------------------- registries

OPS: dict[str, Op] = {}
"""Every registered operation of the scalar engine by name: the one registry tests, helpers
and docs read."""

_HIDDEN: dict[str, Op] = {}  # the engine's own helper ops, not in OPS (relu's step, abs's sign)
_BUILT_IN: set[str] = set()  # filled by engine.py once its op table is complete

AnyOp = TypeVar("AnyOp", bound=Op)


def register(op: AnyOp, function: Any = None, *,
             built_in: bool = False) -> AnyOp:
    """Add ``op`` to ``OPS`` so that the property tests and helpers cover it too. Registering
    a name again replaces the earlier op (re-running a notebook cell works), except for the
    built-in ops, which ``Value``'s methods use. The engine's own rows come with the
    ``function`` that applies them (a method of Value), whose docstring then states the row,
    and are ``built_in``: protected."""
    enter(OPS, _BUILT_IN, op, "Value's methods")
    if function is not None:
        function.__doc__ = function.__doc__ or op.doc or op_doc(op)
        function.op = op
        op.apply = function
    if built_in:
        _BUILT_IN.add(op.name)
    return op


def local_derivative(rule: Any, *arguments: Any) -> Any:
    """What a rule of a row gives for these operands and output: its number where the rule
    is a constant (``+``'s 1.0), else the rule called on them."""
    return rule(*arguments) if callable(rule) else rule


class Named(Protocol):
    name: str


Row = TypeVar("Row", bound=Named)


def enter(registry: dict[str, Any], built_in: set[str], op: Row, users: str) -> Row:
    """Put ``op`` in ``registry`` under its name, unless that name is a built-in op's (which
    ``users`` rely on): how either engine registers an op."""
    name = op.name
    check_name(name, "register")
    if name in built_in and registry.get(name) is not op:
        raise ValueError(f"{name!r} is a built-in op that {users} use; give your op "
                         "another name")
    registry[name] = op
    return op


def hide(op: AnyOp) -> AnyOp:
    """Keep one of the engine's helper ops out of ``OPS``, but findable by name (and its name
    taken)."""
    _HIDDEN[op.name] = op
    _BUILT_IN.add(op.name)
    return op


def freeze_built_ins() -> None:
    """Called once the engine's op table is complete: those names (the hidden helpers'
    included) are now protected."""
    _BUILT_IN.update(OPS, _HIDDEN)


def find_op(name: str, hidden: bool = False, missing_ok: bool = False) -> Any:
    """The op called ``name`` (how a pickle finds it again)."""
    op = (_HIDDEN if hidden else OPS).get(name)
    if op is None and not missing_ok:
        raise pickle.UnpicklingError(
            f"the pickled graph uses the op {name!r}, which is not registered here; define it "
            "(unary_op or binary_op) before loading")
    return op


# ----------------------------------------------------------------------------- its function


def named(apply: Callable[..., Any], op: Op) -> Callable[..., Any]:
    """``apply``, the function an engine made from ``op``, named after it, with a docstring
    that states its row."""
    apply.__name__ = apply.__qualname__ = op.name
    apply.__doc__ = op.doc or op_doc(op)
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply


def setting(op: Op) -> str:
    """The error for a Value given where an op's row has no rule (None): a setting such as
    leaky_relu's alpha, which must be a plain number."""
    i = list(op.rules).index(None)
    return (f"{op.name}: its operand {i} must be a plain number (it is a setting, not an "
            "input, and gets no gradient); use v.data for a Value's number")


def operand_names(n: int) -> tuple[str, ...]:
    """How an op's operands are called in its docstring, its signature and the checks'
    messages, for both engines: x; a and b; x0, x1, ... for more."""
    return ("x",) if n == 1 else ("a", "b") if n == 2 else tuple(f"x{i}" for i in range(n))


def op_doc(op: Op) -> str:
    """The docstring of a made op: what it computes and its local derivatives, in words
    (``help(tinygrad_edu.tanh)`` shows the line of the op table)."""
    if op.formula is None or op.local is None:
        return f"{op.name} as an operation on Values (or plain numbers)."
    operands = operand_names(len(op.rules))

    def words(template: str) -> str:
        for i, operand in enumerate(operands):
            template = template.replace(f"{{{i}}}", operand)
        return template.replace("{out}", "y")

    if len(operands) == 1:
        return (f"y = {words(op.formula)} on a Value (or a plain number); its local "
                f"derivative is dy/dx = {words(op.local[0])}.")
    if op.rules[1] is None:
        return (f"y = {words(op.formula)} on a Value (or a plain number) and a plain number b "
                f"({op.default} unless given); its local derivative is dy/da = "
                f"{words(op.local[0])}.")
    return (f"y = {words(op.formula)} on Values and/or plain numbers; its local derivatives "
            f"are ∂y/∂a = {words(op.local[0])} and ∂y/∂b = {words(op.local[1])}.")


@dataclass(frozen=True)
class Text:
    """How stepping and drawing print an op: its ``formula`` and, for each operand, its
    derivative in words (``local``; the last one serves every further operand). In both,
    ``{0}``, ``{1}``, ... are the operands, ``{all}`` all of them, ``{first}`` and
    ``{second}`` the two halves of a ``dot``, ``{out}`` the output, ``{partner}`` dot's other
    factor and, for the tensor engine, ``{g}`` the output's gradient (``dZ``)."""

    formula: str
    local: tuple[str, ...]


def text_of(op: Any) -> Text:
    """The op's words from its registry row, with plain defaults for what it does not say:
    ``name({0}, {1})`` and ``∂name/∂{0}`` (``name'({0})`` for one operand)."""
    n = op.arity or 1
    formula = op.formula or f"{op.name}({', '.join(f'{{{i}}}' for i in range(n))})"
    local = op.local or ((f"{op.name}'({{0}})",) if n == 1 else
                         tuple(f"∂{op.name}/∂{{{i}}}" for i in range(n)))
    return Text(formula, tuple(local))


# ----------------------------------------------------------------------------- ops of your own


def check_name(name: object, who: str) -> None:
    """An op's name must be a non-empty string."""
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"{who}: an op's name must be a non-empty string such as 'softplus', "
                        f"got {type(name).__name__} {name!r}")


def check_rule(rule: Callable[..., Any], n: int, name: str, what: str, args: str) -> None:
    """Say at once, not at the first backward pass, if ``rule`` cannot take ``n`` arguments."""
    if not callable(rule):
        raise TypeError(f"{name}: its {what} must be a function of ({args}), got "
                        f"{type(rule).__name__} {rule!r}")
    try:
        signature = inspect.signature(rule)
    except (TypeError, ValueError):  # no signature to read, as for some built-ins: fine
        return
    try:
        signature.bind(*([0.0] * n))
    except TypeError:
        called = getattr(rule, "__name__", type(rule).__name__)
        raise TypeError(f"{name}: its {what} must take {n} argument{'s' * (n > 1)} ({args}); "
                        f"{called}{signature} does not") from None


def note_op(error: BaseException, name: str, where: str) -> None:
    """Add to an unexpected error from a rule which op raised it, and where (Python 3.11+):
    ``where`` is ``"at 2.0"`` or ``"in its forward function"``."""
    if hasattr(error, "add_note") and not str(error).startswith(f"{name}:"):
        error.add_note(f"(raised by the op {name!r} {where})")


def user_function(function: Callable[..., Any], name: str, what: str,
                  result: Callable[[Any, str, str, tuple[Any, ...]], Any], operands: int = 0
                  ) -> Callable[..., Any]:
    """A function of an op of your own, for either engine (its forward function, or a
    rule), whose result is checked by ``result(value, name, what, arguments)`` (a real
    number for Values, ``number``; an array of the right shape for Tensors) and whose
    unexpected errors name the op and where they came from: at its first ``operands``
    arguments (the numbers), or else in which function."""

    def checked(*arguments: Any) -> Any:
        try:
            out = function(*arguments)
        except (ArithmeticError, ValueError):
            raise  # the engine names the op and the numbers
        except Exception as error:  # a rule of your own that fails: say which op
            where = ", ".join(map(repr, arguments[:operands]))
            note_op(error, name, f"at {where}" if operands else f"in its {what}")
            raise
        return result(out, name, what, arguments)

    checked.__name__ = getattr(function, "__name__", name)
    checked.__wrapped__ = function  # type: ignore[attr-defined]
    return checked


def number(x: Any, name: str, what: str, arguments: tuple[Any, ...] = ()) -> Any:
    """What a function of a scalar op returned, as a float (a Value too, from a rule run on
    Values for second derivatives), or a TypeError naming the op and the function."""
    if hasattr(x, "parents"):
        return x
    found = real_or_none(x)
    if found is None:
        raise TypeError(f"{name}: its {what} returned {type(x).__name__} {x!r}, not a number")
    return found


def unary_row(name: str, forward: Callable[..., float], derivative: Rule, *,
              formula: str | None = None, local: str | None = None,
              domain: tuple[float, float] | None = None, kinks: Sequence[float] = (),
              param: float | None = None, graph_derivative: Rule | None = None,
              doc: str = "") -> Op:
    """The checked row of a one-operand op of your own (see ``unary_op``). With ``param`` it
    has a second operand, a plain number with that default (``alpha``), which its functions
    get last: ``forward(x, alpha)``, ``derivative(x, y, alpha)``."""
    check_name(name, "unary_op")
    extra = ", alpha" if param is not None else ""
    check_rule(forward, 1 + bool(extra), name, "forward function", "x" + extra)
    check_rule(derivative, 2 + bool(extra), name, "derivative", "x, y" + extra)
    fwd = user_function(forward, name, "forward function", number, 1)
    rule = user_function(derivative, name, "derivative", number, 1)
    graph_rule = graph_derivative
    words = [local or f"{name}'({{0}})"]
    if param is None:
        rules: tuple[Rule | None, ...] = (rule,)
        graph: tuple[Rule | None, ...] = (graph_rule or rule,)
        formula = formula or f"{name}({{0}})"
    else:  # (x, alpha): alpha a plain number, given to the rules last, as they expect
        rules = (lambda x, alpha, y: rule(x, y, alpha), None)
        graph = ((lambda x, alpha, y: graph_rule(x, y, alpha)) if graph_rule else rules[0], None)
        formula = formula or f"{name}({{0}}, {{1}})"
    return Op(name, fwd, rules, graph_rules=graph, default=param, formula=formula, local=words,
              domain=None if domain is None else (domain,), kinks=kinks, doc=doc)


def binary_row(name: str, forward: Callable[[float, float], float], d_left: Rule,
               d_right: Rule, *, formula: str | None = None,
               local: tuple[str, str] | None = None,
               domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
               kinks: Sequence[Callable[[float, float], float]] = (), doc: str = "") -> Op:
    """The checked row of a two-operand op of your own (see ``binary_op``)."""
    check_name(name, "binary_op")
    check_rule(forward, 2, name, "forward function", "a, b")
    check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    for kink in kinks:
        check_rule(kink, 2, name, "kink", "a, b")
    rules = (user_function(d_left, name, "derivative d_left", number, 2),
             user_function(d_right, name, "derivative d_right", number, 2))
    return Op(name, user_function(forward, name, "forward function", number, 2), rules,
              formula=formula or f"{name}({{0}}, {{1}})",
              local=local or (f"∂{name}/∂{{0}}", f"∂{name}/∂{{1}}"), domain=domain,
              kinks=kinks, doc=doc)
