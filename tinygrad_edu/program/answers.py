"""What a compiled function returns (``capture.py``): the answer ``f`` gave, each Value of it a
``Result`` (its number; ``backward()`` from the loss, its first Value), each followed number
the program's number for the call, in the containers ``f`` returned them in: a list, a tuple
(a ``namedtuple`` as itself: ``out.loss`` reads as in the engine), a dict, a ``@dataclass``
(a copy of the one the capture returned, each field given the call's Result or number).

A Result is no Value: arithmetic on it (``step(x) * 2.0``) would build no graph, so it is
refused saying what to do instead (return ``loss * 2.0`` from the compiled function)."""

from __future__ import annotations

import collections
import copy
import dataclasses
import reprlib
from collections.abc import Callable
from operator import ge, gt, le, lt
from typing import Any

from tinygrad_edu.engine import Value, compared, equal, unequal
from tinygrad_edu.program import followed_arrays, reading
from tinygrad_edu.program.kinds import immutable
from tinygrad_edu.program.numpy_numbers import PLAIN_KINDS, numpy_array
from tinygrad_edu.program.tape import Tape
from tinygrad_edu.program.traced import Traced

__all__ = ["Result", "answer", "answer_shape", "engine_answer", "loss_number", "outputs_of",
           "values_in"]


def _no_arithmetic(symbol: str, reflected: bool = False) -> Any:
    def refused(self: Result, other: Any = None) -> Any:
        shown = f"{other!r} {symbol} result" if reflected else \
            f"result {symbol} {other!r}" if other is not None else \
            f"{symbol}(result)" if symbol.isalpha() else f"{symbol}result"
        raise TypeError(
            f"{shown}: a compiled function's answer is a Result (its number, .data, and "
            "backward() from the loss), not a Value: it takes part in no graph, so no gradient "
            "could flow through this. Compute it inside the compiled function (return "
            "loss * 2.0 + reg from it), or use result.data for the plain number")

    refused.__name__ = f"__{'r' if reflected else ''}{symbol}__"
    return refused


class Result:
    """A Value of the compiled function's answer, as a number: ``.data`` (and ``float()``,
    formatting); ``backward()`` on the loss adds every leaf's gradient to its ``.grad``."""

    __slots__ = ("_run", "data", "is_loss")

    def __init__(self, data: float, run: Any, is_loss: bool) -> None:
        self.data, self._run, self.is_loss = data, run, is_loss

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return float(self.data)

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def __repr__(self) -> str:
        # (the first Value, which backward() runs from: named so, not "the loss", which
        # it is only where the function computes one; before, step(x) returning x * 2.0
        # showed Result(data=6.0, the loss) in the playground)
        return f"Result(data={self.data!r}{', backward() starts here' if self.is_loss else ''})"

    def __bool__(self) -> bool:  # (as a Value's: its number is not 0.0)
        return self.data != 0.0

    # == and the comparisons are a Value's, by the engine's own functions: the same one, or
    # its number (a Result counts as a Value there)
    def __eq__(self, other: object) -> bool: return equal(self, self.data, other, Result)
    def __ne__(self, other: object) -> bool: return unequal(self, self.data, other, Result)

    __hash__ = object.__hash__

    def __lt__(self, other: object) -> bool: return compared(lt, self.data, other, Result)
    def __le__(self, other: object) -> bool: return compared(le, self.data, other, Result)
    def __gt__(self, other: object) -> bool: return compared(gt, self.data, other, Result)
    def __ge__(self, other: object) -> bool: return compared(ge, self.data, other, Result)

    def backward(self, grad: float = 1.0, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Every leaf's gradient of the loss × ``grad``, added to its ``.grad``."""
        if create_graph or inputs is not None:
            raise TypeError("backward(create_graph=..., inputs=...) on a compiled function's "
                            "answer: its program computes first derivatives into every "
                            "leaf; for these options call the function itself (not compiled), "
                            "or autograd.grad inside it")
        if not self.is_loss:
            raise RuntimeError("backward() on a compiled function's answer runs from its loss "
                               "only (the first Value it returns): call it on that one")
        replaced = reading.engines_way_back()  # (since the capture: a64k S3)
        if replaced:
            raise RuntimeError(f"backward() on a compiled function's answer: the engine's "
                               f"backward() is not its own since the capture ({replaced} "
                               "replaced), and the program passes gradients back by each "
                               "node's op; put the engine's back, or call the function "
                               "uncompiled")
        self._run.backward(grad)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "zero_grad":  # (PyTorch's habit, zeroing through the loss: L4 of a64l)
            raise AttributeError(
                "a compiled function's answer is a Result, which has no 'zero_grad': zero "
                "the parameters' gradients before calling the compiled function (p.grad = "
                "0.0 for each, or model.zero_grad()), as its backward() adds to them")
        if name == "grad":  # (a Value made inside and returned: calling .grad inside would be
            raise AttributeError(  # after a backward() there, which is refused; a64 F2)
                "a compiled function's answer is a Result, which has no 'grad': a program "
                "gives gradients to the Values it reads from outside, its arguments and "
                "parameters, not to Values it makes; for the gradient of an input, make its "
                "Value outside and pass it (x = Value(0.3); step(x).backward(); x.grad)")
        raise AttributeError(
            f"a compiled function's answer is a Result, which has no {name!r}: it holds the "
            "number (.data, .item(), float()) and backward() from the loss, not a Value's "
            f"graph; call .{name} inside the compiled function and return what it gives")

    __add__, __radd__ = _no_arithmetic("+"), _no_arithmetic("+", True)
    __sub__, __rsub__ = _no_arithmetic("-"), _no_arithmetic("-", True)
    __mul__, __rmul__ = _no_arithmetic("*"), _no_arithmetic("*", True)
    __truediv__, __rtruediv__ = _no_arithmetic("/"), _no_arithmetic("/", True)
    __pow__, __rpow__ = _no_arithmetic("**"), _no_arithmetic("**", True)
    __neg__ = _no_arithmetic("-")
    __abs__ = _no_arithmetic("abs")


def values_in(answer: Any) -> list[Value]:
    """The Values of an answer, in order (the first is the loss)."""
    return [v for v in outputs_of(answer) if isinstance(v, Value)]


def outputs_of(answer: Any) -> list[Any]:
    """The Values and traced numbers in the answer, in order."""
    if isinstance(answer, (Value, Traced)):
        return [answer]
    if isinstance(answer, (list, tuple)):
        return [x for item in answer for x in outputs_of(item)]
    if isinstance(answer, dict):
        return [x for item in answer.values() for x in outputs_of(item)]
    if _dataclass(answer):
        return [x for _, item in _fields(answer) for x in outputs_of(item)]
    return []


def loss_number(answer: Any) -> Any:
    """The loss's number of a compiled function's answer (its first Result)."""
    stack = [answer]
    while stack:
        x = stack.pop(0)
        if isinstance(x, Result):
            return x.data
        if isinstance(x, (list, tuple)):
            stack = [*x, *stack]
        elif isinstance(x, dict):
            stack = [*x.values(), *stack]
        elif _dataclass(x):
            stack = [*(v for _, v in _fields(x)), *stack]
    return getattr(answer, "data", answer)


def engine_answer(given: Any, root: Value, run: Any) -> Any:
    """An answer of the engine with each Value as a ``Result`` (``run``: the engine's
    backward)."""
    shape, items = answer_shape(given, lambda x: 0, Tape(), this_call=True)
    return answer(shape, reading.number_of(root),
                  [reading.number_of(x) if isinstance(x, Value) else x for x in items], run)


def answer_shape(answer: Any, slot_of: Callable[[Any], int], tape: Tape,
                 this_call: bool = False, name: str = "the compiled function",
                 outside: Any = ()) -> tuple[Any, list[Any]]:
    """The answer with each Value or traced number replaced by its place among the
    program's outputs (the loss, its first Value, by ``("loss",)``), and those in order.
    An object a program would hand back as the capture's own at every call is refused
    (``this_call``: the engine's answer of this very call, whose objects are its own), but
    one found outside (its id in ``outside``: a place guarded by identity, the very object
    the engine's function returns at every call, ``return loss, model``)."""
    first = [True]
    items: list[Any] = []

    def shape(x: Any, where: str) -> Any:
        if isinstance(x, Value) and first[0]:
            first[0] = False
            return ("loss",)
        if isinstance(x, (Value, Traced)):
            tape.outputs.append(slot_of(x))
            items.append(x)
            return ("output", len(tape.outputs) - 1, isinstance(x, Value))
        if type(x) is list:
            return [shape(v, f"{where}[{k}]") for k, v in enumerate(x)]
        if type(x) is tuple or (isinstance(x, tuple) and hasattr(type(x), "_make")):
            made = type(x) if type(x) is not tuple else tuple
            return ("tuple", tuple(shape(v, f"{where}[{k}]") for k, v in enumerate(x)),
                    made)  # (a namedtuple as itself)
        if isinstance(x, dict) and any(isinstance(k, (Value, Traced)) for k in x):
            raise TypeError(f"a compiled function returns Values and numbers, not a dict "
                            f"keyed by a number it reads ({where}): a program would give back "
                            "the keys the capture made, as they were; return the number as a "
                            "value ({'loss': loss.data}), or the pairs as a list")
        if type(x) is dict:
            return ("dict", {k: shape(v, f"{where}[{k!r}]") for k, v in x.items()})
        if _dataclass(x):  # (a copy at every call, as the engine makes a new one)
            return ("dataclass", x, {name: shape(v, f"{where}.{name}")
                                     for name, v in _fields(x)})
        if followed_arrays.is_drawn(x):
            raise TypeError("a compiled function returns Values and numbers, not a NumPy "
                            "array it follows item by item (an array drawn from numpy.random, "
                            "new at every call, or one given, or made of them): return its "
                            "items, [float(m) for m in mask], or the Values made from it")
        if this_call or immutable(x):
            return ("plain", frozenset(frozenset.__iter__(x)) if isinstance(x, frozenset) else x)
        if isinstance(x, (list, dict)) and _own_class_kept(x):  # (a Counter, a defaultdict)
            if isinstance(x, dict):
                return ("dictof", x, {k: shape(v, f"{where}[{k!r}]") for k, v in x.items()})
            return ("listof", x, [shape(v, f"{where}[{k}]") for k, v in enumerate(x)])
        if id(x) in outside:
            return ("plain", x)
        if _copied(x):  # (a NumPy array of numbers, a set or a deque of constants: a copy of
            return ("copy", set(set.__iter__(x)) if isinstance(x, set) else x)  # it, each call)
        raise TypeError(
            f"{name} returned {_kind(x)} at {where}: a program cannot make it again, and "
            "would hand back the capture's own object at every call (its numbers and its "
            "state as they were then). Return what it holds instead (its "
            "Values and numbers, in a tuple, a list, a dict or a dataclass) and build it "
            "from the compiled function's answer, outside it")

    return shape(answer, "answer"), items


def _copied(x: Any) -> bool:
    """Whether a copy of ``x`` at every call is the engine's: a NumPy array of numbers (each a
    constant, guarded, where computed from a number read), or a ``set``, a ``bytearray`` or
    a ``deque`` of constants (the caller may change the one it gets: a new one each call)."""
    if numpy_array(x):
        return x.dtype.kind in PLAIN_KINDS
    if isinstance(x, set) or type(x) in (bytearray, collections.deque):
        return all(immutable(v) for v in (set.__iter__(x) if isinstance(x, set) else x))
    return False


def _own_class_kept(x: Any) -> bool:
    """A list or dict of a class of its own (``Counter``, ``OrderedDict``, ``defaultdict``)
    that a copy of the captured one, its items the call's, makes again: its attributes and
    its ``default_factory`` constants."""
    extra = [getattr(x, "default_factory", None), *getattr(x, "__dict__", {}).values()]
    return all(immutable(v) for v in extra)


def _kind(x: Any) -> str:
    name = type(x).__qualname__
    where = type(x).__module__
    shown = name if where in ("builtins", "__main__") else f"{where}.{name}"
    own = type(x).__repr__ is not object.__repr__
    return f"an object of class {shown}" + (f" ({reprlib.repr(x)})" if own else "")


def answer(shape: Any, out: Any, outputs: Any, run: Any) -> Any:
    """The function's answer for one call, from the shape ``answer_shape`` made."""
    if isinstance(shape, list):
        return [answer(s, out, outputs, run) for s in shape]
    kind = shape[0]
    if kind == "loss":
        return Result(out, run, True)
    if kind == "output":
        number = outputs[shape[1]]
        return Result(number, run, False) if shape[2] else number
    if kind == "tuple":
        items = [answer(s, out, outputs, run) for s in shape[1]]
        return tuple(items) if shape[2] is tuple else shape[2]._make(items)
    if kind == "dict":
        return {k: answer(s, out, outputs, run) for k, s in shape[1].items()}
    if kind == "copy":
        return copy.copy(shape[1])
    if kind in ("dictof", "listof"):  # (a copy of the one captured, each item the call's)
        made = copy.copy(shape[1])
        made.clear()
        if kind == "listof":
            made.extend(answer(s, out, outputs, run) for s in shape[2])
        for k, s in shape[2].items() if kind == "dictof" else ():
            made[k] = answer(s, out, outputs, run)
        return made
    if kind == "dataclass":  # (a copy of the one captured, each field the call's)
        made = copy.copy(shape[1])
        for name, s in shape[2].items():
            object.__setattr__(made, name, answer(s, out, outputs, run))
        return made
    return shape[1]


def _dataclass(x: Any) -> bool:
    return dataclasses.is_dataclass(x) and not isinstance(x, type)


def _fields(x: Any) -> list[tuple[str, Any]]:
    """A dataclass's fields and what else its ``__dict__`` holds (set in ``__post_init__``),
    by name."""
    names = [f.name for f in dataclasses.fields(x)]
    names += [k for k in getattr(x, "__dict__", {}) if k not in names]
    return [(name, getattr(x, name)) for name in names if hasattr(x, name)]
