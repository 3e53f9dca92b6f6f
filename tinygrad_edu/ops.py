"""The scalar engine's registry of operations: ``Op`` and ``OPS``.

An ``Op`` is a row of data: its name, its forward function, one derivative rule per
operand, and the same rules in words (``formula`` and ``local``, which stepping and drawing
print). ``engine.py`` makes each row with ``unary_op`` or ``binary_op`` and registers it
here; the tools read the rows (stepping prints them, the property tests iterate ``OPS``),
and keep what only they need in tables of their own, keyed by the op's name (how drawing
styles an op, where the tests sample it). Nothing here knows about Values: this module sits
below the engine.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

__all__ = ["OPS", "GivenOp", "ListOp", "Op", "given_op", "register"]

Rule = Callable[..., Any]
Kink = Callable[..., float]  # a function of the operands that is 0 where the derivative jumps


class Op:
    """One operation: ``forward(*operands)`` and one derivative rule per operand.

    A rule gets the operands and the output ``y`` (and an op parameter such as leaky_relu's
    alpha, last) and returns d(output)/d(operand). Written with arithmetic and this
    package's functions, the very same rule runs on floats in an ordinary backward pass and
    on Values under ``create_graph=True``, where it builds the graph of the derivative.

    ``formula`` says how the output is computed (``"{0} * {1}"``: ``{0}``, ``{1}`` are the
    operands, ``{out}`` the output) and ``local`` each rule in words (``("{1}", "{0}")``);
    ``domain`` and ``kinks`` say where the rules may be tested (see
    ``tinygrad_edu.testing``). Each is None where the op's maker gave none.
    """

    def __init__(self, name: str, forward: Callable[..., Any], derivatives: tuple[Rule, ...],
                 *, param: float | None = None, number_first: bool = False,
                 graph_derivatives: tuple[Rule, ...] | None = None, doc: str = "",
                 formula: str | None = None, local: Sequence[str] | None = None,
                 domain: Sequence[tuple[float, float]] | None = None,
                 kinks: Sequence[float | Kink] = ()) -> None:
        self.name = name
        self.forward = forward
        self.derivatives = derivatives
        # The rules for create_graph=True, on Values: the same ones, unless a rule is a plain
        # function of floats (relu's slope), whose Value twin is given here.
        self.graph_derivatives = graph_derivatives or derivatives
        self.param = param  # the default of a one-operand op's extra number (alpha)
        self.number_first = number_first  # a binary op whose plain-number operand came first
        self.doc = doc
        self.formula = formula
        self.local = None if local is None else tuple(local)
        self.domain = None if domain is None else tuple(domain)
        self.kinks = tuple(kinks)
        self.apply: Callable[..., Any] = forward  # the Value-aware function, set by a factory
        self.twin: Op | None = None  # a binary op's twin for ``number <op> value``

    given = False
    """Whether the op's nodes were made by hand, their local derivatives given as numbers."""

    many = False
    """Whether the op's nodes keep their parents and local derivatives as tuples (an op on
    whole lists, such as ``dot``), rather than one or two of each in the node itself."""

    @property
    def arity(self) -> int | None:
        """Number of operands; None for ops on whole lists (``dot``, ``vsum``)."""
        return len(self.derivatives)

    def operands(self, node: Any) -> list[Any]:
        """The operands ``node`` was computed from, in order: its parents, and a plain number
        where one stood (the 2.0 in ``a * 2.0`` or ``2.0 - a``)."""
        if node._const is None or self.arity == 1:
            return list(node.parents)
        return [node._const, *node.parents] if self.number_first else [*node.parents, node._const]

    def __call__(self, *operands: Any) -> Any:
        """Apply the op to Values and/or plain numbers: ``OPS["*"](a, 2.0)``."""
        return self.apply(*operands)

    def __repr__(self) -> str:
        return f"<Op {self.name!r}>"

    # One object per op: copies of a graph share it, and a pickle names it.
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        hidden = self.name in _HIDDEN and _HIDDEN[self.name] is self
        found = find_op(self.name, self.number_first, hidden, missing_ok=True)
        if found is None:
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: it is not registered "
                "(made with register_op=False), so it could not be found when loading")
        if found is not self:
            raise pickle.PicklingError(
                f"cannot pickle a Value made by the op {self.name!r}: the op was defined again "
                "after this graph was built (a notebook cell run twice, say), and loading would "
                "find the new definition; build the graph again, then pickle it")
        return (find_op, (self.name, self.number_first, hidden))


class ListOp(Op):
    """An op on whole lists, one node with many parents (``vsum``: one list, ``dot``: two).
    A plain number among the operands is a constant, not a parent; such a node keeps its
    operands in ``_const``, with None where a parent stands. ``graph_rule(operands, node)``
    gives the local derivatives as Values, for ``create_graph=True``."""

    def __init__(self, name: str, forward: Callable[..., Any], lists: int,
                 graph_rule: Callable[[list[Any], Any], tuple[Any, ...]], doc: str = "",
                 formula: str | None = None, local: Sequence[str] | None = None) -> None:
        super().__init__(name, forward, (), doc=doc, formula=formula, local=local)
        self.lists = lists
        self.graph_rule = graph_rule

    many = True

    @property
    def arity(self) -> int | None:
        return None

    def operands(self, node: Any) -> list[Any]:
        if node._const is None:
            return list(node.parents)
        parents = iter(node.parents)
        return [next(parents) if c is None else c for c in node._const]

    def __call__(self, *operands: Any) -> Any:
        return self.apply(*operands)


class GivenOp(Op):
    """The op of a node made as microgpt makes one, ``Value(data, children, local_grads)``:
    named after the function or method that made it (``'gelu'``; ``'*'`` for ``__mul__``),
    or ``'op'`` where that cannot be known. Its local derivatives were given as numbers, so
    it has no rules: nothing says how they change, and a second derivative through it
    raises an error that says so (``higher.py``)."""

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
        super().__init__(symbol or name, _no_forward, (), formula=formula,
                         local=("given",) * max(1, min(arity, 2)))
        self.given_as = name, arity
        self.many = arity > 2  # more than two children: kept in tuples

    @property
    def arity(self) -> int | None:
        return None if self.many else self.given_as[1]

    def operands(self, node: Any) -> list[Any]:
        return list(node.parents)

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


def _no_forward(*operands: Any) -> Any:
    raise TypeError("a node made by Value(data, children, local_grads) has no forward function: "
                    "its number was given")


OPS: dict[str, Op] = {}
"""Every registered operation by name: the one registry tests, helpers and docs read."""

_HIDDEN: dict[str, Op] = {}  # the engine's own helper ops, not in OPS (relu's step, abs's sign)
_BUILT_IN: set[str] = set()  # filled by engine.py once its op table is complete


AnyOp = TypeVar("AnyOp", bound=Op)


def register(op: AnyOp) -> AnyOp:
    """Add ``op`` to ``OPS`` so that the property tests and helpers cover it too. Registering
    a name again replaces the earlier op (re-running a notebook cell works), except for the
    built-in ops, which ``Value``'s methods use."""
    return enter(OPS, _BUILT_IN, op, "Value's methods")


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


def check_name(name: object, who: str) -> None:
    """An op's name must be a non-empty string."""
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"{who}: an op's name must be a non-empty string such as 'softplus', "
                        f"got {type(name).__name__} {name!r}")


def hide(op: AnyOp) -> AnyOp:
    """Keep one of the engine's helper ops out of ``OPS``, but findable by name."""
    _HIDDEN[op.name] = op
    return op


def freeze_built_ins() -> None:
    """Called once the engine's op table is complete: those names (the hidden helpers'
    included) are now protected."""
    _BUILT_IN.update(OPS, _HIDDEN)


def find_op(name: str, number_first: bool = False, hidden: bool = False,
            missing_ok: bool = False) -> Any:
    """The op called ``name`` (how a pickle finds it again); ``number_first`` picks a binary
    op's twin for ``number <op> value``."""
    op = (_HIDDEN if hidden else OPS).get(name)
    if op is None:
        if missing_ok:
            return None
        raise pickle.UnpicklingError(
            f"the pickled graph uses the op {name!r}, which is not registered here; define it "
            "(unary_op or binary_op) before loading")
    return op.twin if number_first and op.twin is not None else op


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
