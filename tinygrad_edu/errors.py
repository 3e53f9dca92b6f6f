"""Errors that say what went wrong, where, and what to do about it.

A learner's mistake (a string where a number belongs, micrograd's private constructor
arguments, log of a negative number) should end in a message that names the op and the
value and says what to write instead, never in a bare "math domain error" or a NaN.
``DomainError`` is the one a user meets (and catches); ``as_float``, ``real_or_none``,
``explained`` and ``refuse_arguments`` are the engine's helpers for writing such messages,
not exported.
"""

from __future__ import annotations

import math
import numbers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

__all__ = ["DomainError"]


class DomainError(ValueError):
    """An operation was given a number outside the set where it is defined, e.g. log(-1)."""


def as_float(x: object, where: str) -> float:
    """A real number (int, float, bool, NumPy scalar) as a float, or a TypeError that says
    what was passed instead and what to do."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        return _float(x, where)
    kind = type(x).__name__
    if kind == "Value":
        hint = "use v.data for its number, or v.detach() for a copy without history"
    elif isinstance(x, complex):
        hint = "the engine works with real numbers only"
    elif isinstance(x, str):
        hint = f"convert it first, e.g. float({x!r})"
    elif isinstance(x, (list, tuple)):
        hint = "make one Value per number: [Value(v) for v in ...]"
    else:
        hint = "pass an int or a float"
    raise TypeError(f"{where} needs a real number, got {kind} {x!r}; {hint}")


def real_or_none(x: object, where: str = "") -> float | None:
    """The float for a real number, None for anything else (so that an operator can return
    NotImplemented and Python says "unsupported operand type(s)")."""
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, numbers.Real):  # (an int first: sum() starts from 0)
        try:
            return float(x)
        except OverflowError:
            return _float(x, where)  # type: ignore[arg-type]  # (it says how large it was)
    return None


def _float(x: numbers.Real, where: str) -> float:
    """``float(x)``, or an OverflowError that says how large the int was."""
    try:
        return float(x)
    except OverflowError:
        size = (f"an int of {int(x).bit_length()} bits" if isinstance(x, numbers.Integral)
                else repr(x))
        raise OverflowError(f"{where + ': ' if where else ''}{size} is too large for a float "
                            "(the largest is about 1.8e308); scale it down") from None


def explained(error: Exception, name: str, *operands: float) -> Exception:
    """An error from an op's forward function or derivative, naming the op and its operands;
    unchanged if it already starts with the op's name (the checked forward functions)."""
    if str(error).startswith(f"{name}:"):
        return error
    at = ", ".join(map(repr, operands))
    hint = ("; an infinite or NaN input usually comes from an earlier step that overflowed"
            if not all(map(math.isfinite, operands)) else "")
    if isinstance(error, OverflowError):
        return OverflowError(f"{name}: the result or its derivative at {at} is too large for "
                             f"a float ({error}){hint}")
    if isinstance(error, ZeroDivisionError):
        return ZeroDivisionError(f"{name}: division by zero at {at} ({error}){hint}")
    return DomainError(f"{name}: not defined at {at} ({error}){hint}")


def refuse_arguments(label: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> NoReturn:
    """``Value(data, label)`` given anything else: micrograd's ``Value(data, (a, b), '+')``,
    which its own operators use to make a node, gets a message that says what to write."""
    children = kwargs.get("_children", label if isinstance(label, (tuple, list, set)) else None)
    if children is not None or "_op" in kwargs or args:
        raise TypeError(
            "Value(data, (a, b), '+') is how micrograd's operators make a node; here the "
            "operations make their nodes themselves, recording the parents and the local "
            "derivatives: write a + b (or a * b, a.tanh(), ...), and Value(2.0, label='a') for "
            "an input. To add an operation of your own, use tinygrad_edu.unary_op or "
            "binary_op, or, as microgpt does, Value(data, children, local_grads) with the "
            "local derivative towards each child: Value(a.data * b.data, (a, b), (b.data, "
            "a.data))")
    if kwargs:
        raise TypeError(f"Value() takes a number and a label, as Value(2.0, label='a'); got the "
                        f"keyword {next(iter(kwargs))}=")
    raise TypeError(f"Value: the label must be a string such as 'x1', got {type(label).__name__} "
                    f"{label!r}")


def by_hand(kind: type, children: Any, local_grads: Any, label: Any,
            micrograd: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[float, ...], str]:
    """``Value(data, children, local_grads)``, microgpt's way of making a node, checked: each
    child a ``kind`` (a Value), one local derivative per child, each a plain number. Returns
    the children and the local derivatives as tuples (a tuple given is kept as it is), and
    the label: ``Value(2.0, "x")`` labels. micrograd's ``Value(data, (a, b), '+')``, keywords
    of other libraries and a label that is no string get a message that says what to write."""
    if isinstance(children, str) and not local_grads and not micrograd:
        return (), (), children  # Value(2.0, "x")
    if local_grads and not isinstance(local_grads, str) and not micrograd and \
            not isinstance(children, (tuple, list, set, str)):  # children of another kind
        one_node = isinstance(children, kind)
        whose = "a Value" if one_node else f"a {type(children).__name__}"
        how = ("one child is written (child,): Value(data, (child,), (local_grad,))"
               if one_node else "make it a tuple first: Value(data, tuple(children), local_grads)")
        raise TypeError("Value(data, children, local_grads): children must be a tuple or list "
                        f"of Values, got {whose}; {how}")
    if micrograd or isinstance(local_grads, str) or type(label) is not str:
        refuse_arguments(children or label, (local_grads,) if local_grads else (), micrograd)
    if not isinstance(children, (tuple, list)) or not local_grads:
        refuse_arguments(children, (), {})  # micrograd's (a, b) without local derivatives
    if not isinstance(local_grads, (tuple, list)) or len(local_grads) != len(children):
        found = (f"{len(local_grads)} local derivatives" if isinstance(local_grads, (tuple, list))
                 else f"{type(local_grads).__name__} {local_grads!r}")
        raise ValueError(f"Value(data, children, local_grads) needs one local derivative per "
                         f"child, d(value)/d(child): got {len(children)} children and {found}")
    for i, child in enumerate(children):
        if not isinstance(child, kind):
            raise TypeError(f"Value(data, children, local_grads): children[{i}] is "
                            f"{type(child).__name__} {child!r}, not a Value; a plain number "
                            "is a constant and gets no gradient, so leave it out")
    if all(type(d) is float for d in local_grads):
        return tuple(children), tuple(local_grads), ""
    grads = []
    for i, local in enumerate(local_grads):  # (each made a float once: float(x) may cost)
        number = real_or_none(local)
        if number is None:
            hint = (" (its number is .data; for second derivatives make the op with unary_op or "
                    "binary_op, whose rules run on Values)" if isinstance(local, kind) else "")
            raise TypeError(f"Value(data, children, local_grads): local_grads[{i}] is "
                            f"{type(local).__name__} {local!r}, not a number{hint}")
        grads.append(number)
    return tuple(children), tuple(grads), ""
