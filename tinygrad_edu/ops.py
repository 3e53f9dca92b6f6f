"""The registries of ops the tools read, and an op's words.

``OPS`` holds every registered op of the scalar engine by name (the tensor engine's
registry is ``tinygrad_edu.tensor.registry.OPS``): the tools read the rows (``row.py``)
without importing an engine (stepping prints their words, the property tests iterate the
registries, a pickle finds an op again by its name), and keep what only they need in tables
of their own, keyed by the op's name. The engines register their own rows as built-in ops,
which an op of your own may not replace. An op of your own (``unary_op``, ``binary_op``, the
tensor engine's ``tensor_op``) is checked here when it is made, the same way for both
engines: a non-empty name, and functions that take the right number of arguments; its
results are checked when it runs (``user_function``), so that a mistake is reported with the
op's name, at once, rather than as a wrong number later.
"""

from __future__ import annotations

from tinygrad_edu.above import load_built_in_ops
from tinygrad_edu.errors import explained, real_or_none

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol, TypeVar

    class Named(Protocol):
        name: str

    class Registered(Protocol):  # what a row of either engine has (row.Op)
        name: str
        doc: str
        apply: Callable[..., Any]

    Row = TypeVar("Row", bound=Named)
    AnyOp = TypeVar("AnyOp", bound=Registered)
    Rule = Callable[..., Any]

__all__ = ["OPS", "Text", "check_name", "check_rule", "edited", "find_op", "note_op",
           "register", "text_of", "user_function"]

OPS: dict[str, Any] = {}
"""Every registered operation of the scalar engine by name: the one registry tests, helpers
and docs read."""

_HIDDEN: dict[str, Any] = {}  # the engine's own helper ops, not in OPS (relu's step, abs's sign)
_BUILT_IN: set[str] = set()  # the names of the engines' own ops (and their hidden helpers)


def register(op: AnyOp, function: Any = None, *, built_in: bool = False) -> AnyOp:
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
        _AS_MADE[id(op)] = _as_made(op)
    return op


_AS_MADE: dict[int, tuple[Any, Any, Any, Any]] = {}
"""id(a built-in row) -> the row, its forward, its rules and their code as the engine made
them."""


def _as_made(op: Any) -> tuple[Any, Any, Any, Any]:
    return op, op.forward, op.rules, code_of(op)


def code_of(op: Any) -> tuple[Any, ...]:
    """The code of a row's forward and of each of its rules (None where one is no Python
    function): replaced in place (``rule.__code__ = ...``, as autoreload does on an edited
    file), the row computes otherwise."""
    return tuple(getattr(f, "__code__", None) for f in (op.forward, *op.rules))


def edited(op: Any) -> str:
    """What of a built-in row was set since the engine made it (``"rules"``: a
    straight-through ``RELU.rules``; ``"forward"``; ``"code"``: a rule's ``__code__``
    replaced, as autoreload does), else '': a program's C spelling of the
    row is the engine's as made."""
    made = _AS_MADE.get(id(op))
    if made is None or made[0] is not op:
        return ""
    return "forward" if op.forward is not made[1] else "rules" if op.rules is not made[2] \
        else "code" if code_of(op) != made[3] else ""


def enter(registry: dict[str, Any], built_in: set[str], op: Row, users: str) -> Row:
    """Put ``op`` in ``registry`` under its name, unless that name is a built-in op's (which
    ``users`` rely on): how either engine registers an op."""
    name = op.name
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"register: an op's name must be a non-empty string such as 'softplus', "
                        f"got {type(name).__name__} {name!r}")
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
    _AS_MADE[id(op)] = _as_made(op)
    return op


def find_op(name: str, hidden: bool = False, missing_ok: bool = False) -> Any:
    """The op called ``name`` (how a pickle finds it again)."""
    registry = _HIDDEN if hidden else OPS
    if name not in registry:  # (dot, vsum, or a helper of second derivatives: not loaded yet)
        load_built_in_ops()
    op = registry.get(name)
    if op is None and not missing_ok:
        import pickle
        raise pickle.UnpicklingError(
            f"the pickled graph uses the op {name!r}, which is not registered here; define it "
            "(unary_op or binary_op) before loading")
    return op


def pickled_op(op: Any) -> tuple[Any, ...]:
    """What ``op.__reduce__()`` returns: the op by its name, to be found again in its registry
    when loading (``find_op``), or an error where it could not be."""
    hidden = _HIDDEN.get(op.name) is op
    found = find_op(op.name, hidden, missing_ok=True)
    if found is not op:
        import pickle
        why = ("it is not registered (made with register_op=False), so it could not be found "
               "when loading" if found is None else "the op was defined again after this graph "
               "was built (a notebook cell run twice, say), and loading would find the new "
               "definition; build the graph again, then pickle it")
        raise pickle.PicklingError(f"cannot pickle a Value made by the op {op.name!r}: {why}")
    return (find_op, (op.name, hidden))


# ----------------------------------------------------------------------------- its words


def named(apply: Callable[..., Any], op: Any) -> Callable[..., Any]:
    """``apply``, the function an engine made from ``op``, named after it, with a docstring
    that states its row."""
    apply.__name__ = apply.__qualname__ = op.name
    apply.__doc__ = op.doc or op_doc(op)
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply


def setting(op: Any) -> str:
    """The error for a Value given where an op's row has no rule (None): a setting such as
    leaky_relu's alpha, which must be a plain number."""
    i = list(op.rules).index(None)
    return (f"{op.name}: its operand {i} must be a plain number (it is a setting, not an "
            "input, and gets no gradient); use v.data for a Value's number")


def operand_names(n: int) -> tuple[str, ...]:
    """How an op's operands are called in its docstring, its signature and the checks'
    messages, for both engines: x; a and b; x0, x1, ... for more."""
    return ("x",) if n == 1 else ("a", "b") if n == 2 else tuple(f"x{i}" for i in range(n))


def op_doc(op: Any) -> str:
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


class Text:
    """How stepping and drawing print an op: its ``formula`` and, for each operand, its
    derivative in words (``local``; the last one serves every further operand). In both,
    ``{0}``, ``{1}``, ... are the operands, ``{all}`` all of them, ``{first}`` and
    ``{second}`` the two halves of a ``dot``, ``{out}`` the output, ``{partner}`` dot's other
    factor and, for the tensor engine, ``{g}`` the output's gradient (``dZ``)."""

    __slots__ = ("formula", "local")

    def __init__(self, formula: str, local: tuple[str, ...]) -> None:
        self.formula = formula
        self.local = local

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.formula, self.local) == (other.formula,
                                                                          other.local)

    def __hash__(self) -> int:
        return hash((self.formula, self.local))

    def __repr__(self) -> str:
        return f"Text(formula={self.formula!r}, local={self.local!r})"


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
    import inspect  # (only when an op of your own is made)

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
        except (ArithmeticError, ValueError) as error:  # name the op and the numbers
            if not operands:
                raise
            at = [getattr(x, "_data", x) for x in arguments[:operands]]  # (a Value: its number)
            raise explained(error, name, *at) from None
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
