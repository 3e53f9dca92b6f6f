"""What a capture changes on ``Value`` while it runs (``watching()``): its number, its
comparisons, its truth, ``float(v)`` and its constructor are seen by the capture of the thread
that runs one (``traced.py``); other threads, and every Value outside a capture, see the
class as it is. Put back when the last capture ends.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program import reading
from tinygrad_edu.program.traced import Traced, largest_or_smallest, learners_line, recording

__all__ = ["watching"]

_patch_lock = threading.Lock()
_patched = 0
_original: dict[str, Any] = {}


@contextmanager
def watching() -> Iterator[None]:
    """Value as a capture sees it, while the block runs."""
    _patch()
    try:
        yield
    finally:
        _unpatch()


def _patch() -> None:
    """While a capture runs (in any thread), Value's number, its comparisons and its
    constructor, and Python's ``max`` and ``min``, are seen by the capture of the thread
    that runs one (others are untouched)."""
    global _patched
    with _patch_lock:
        _patched += 1
        if _patched > 1:
            return
        _original.update({name: Value.__dict__[name] for name in (
            "data", "__init__", "__float__", "__bool__", "__lt__", "__le__", "__gt__",
            "__ge__", "__eq__", "__ne__") if name in Value.__dict__})
        data = _original["data"]

        def get(v: Value) -> Any:
            found = recording()
            if found is None:
                return data.__get__(v)
            traced = Traced(reading.number_of(v), ("node", v))
            found.reads.append(traced)
            return traced

        def set_(v: Value, number: Any) -> None:
            found = recording()
            if found is not None and not found.refused:
                found.refused = ("it changes a Value's .data (a program cannot), at "
                                 f"{_line()}; change numbers outside the compiled function")
            data.__set__(v, number.value if isinstance(number, Traced) else number)

        init = _original["__init__"]

        def made(v: Value, data: Any, *more: Any, **named: Any) -> None:
            found = recording()
            if found is None or not isinstance(data, Traced):
                init(v, data, *more, **named)
            else:
                init(v, data.value, *more, **named)
                found.leaves[id(v)] = data
            if found is not None:
                found.made[id(v)] = v

        for name in ("item", "detach", "local_grads", "backward", "grad"):
            if name in Value.__dict__:
                _original[name] = Value.__dict__[name]
        item, detach = _original.get("item"), _original.get("detach")
        grad = _original.get("grad")

        def refused(what: str) -> Any:
            found = recording()
            if found is not None and not found.refused:
                found.refused = f"{what}, at {_line()}"
            return found

        def item_(v: Value) -> Any:
            return get(v) if recording() is not None else item(v)  # type: ignore[misc]

        def detach_(v: Value) -> Any:
            if recording() is None:
                return detach(v)  # type: ignore[misc]
            return Value(get(v))  # (a leaf of the number it holds: an input of the program)

        def local_grads_(v: Value) -> Any:
            if refused("it reads a node's local_grads: numbers of the graph a program "
                       "cannot follow; read them outside the compiled function") is None:
                return _original["local_grads"].__get__(v)
            return _original["local_grads"].__get__(v)

        def backward_(v: Value, *args: Any, **kwargs: Any) -> Any:
            if recording() is not None:
                raise RuntimeError(
                    f"backward() inside a compiled function ({_line()}): return the loss, and "
                    "call .backward() on what the compiled function returns")
            return _original["backward"](v, *args, **kwargs)

        def grad_get(v: Value) -> Any:
            if recording() is not None:
                refused("it reads a Value's .grad: a number a program cannot follow; read "
                        "gradients outside the compiled function")
            return grad.__get__(v)  # type: ignore[union-attr]

        def grad_set(v: Value, number: Any) -> None:
            grad.__set__(v, number)  # type: ignore[union-attr]

        for name, replaced in (("item", item_), ("detach", detach_),
                               ("local_grads", property(local_grads_)),
                               ("backward", backward_), ("grad", property(grad_get, grad_set))):
            if name in _original:
                setattr(Value, name, replaced)
        _original["max"], _original["min"] = builtins.max, builtins.min
        builtins.max = largest_or_smallest(builtins.max, "max")
        builtins.min = largest_or_smallest(builtins.min, "min")
        Value.data = property(get, set_, doc=data.__doc__)  # type: ignore[method-assign,assignment]
        Value.__init__ = made  # type: ignore[method-assign,assignment]
        for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__bool__",
                     "__float__"):
            if name in _original:
                setattr(Value, name, _compared(name, _original[name]))


def _compared(name: str, original: Any) -> Any:
    op = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__eq__": "==",
          "__ne__": "!="}.get(name)

    def method(v: Value, *other: Any) -> Any:
        found = recording()
        if found is None or (op in ("==", "!=") and isinstance(other[0], Value)):
            return original(v, *other)  # (Values are equal when they are the same node)
        traced = Traced(reading.number_of(v), ("node", v))
        if name == "__bool__":
            return bool(traced)
        if name == "__float__":
            return float(traced)
        return traced._compare(op or "", other[0])

    return method


def _unpatch() -> None:
    global _patched
    with _patch_lock:
        _patched -= 1
        if _patched == 0:
            builtins.max, builtins.min = _original.pop("max"), _original.pop("min")
            for name, attribute in _original.items():
                setattr(Value, name, attribute)
            _original.clear()


def _line() -> str:
    return learners_line()
