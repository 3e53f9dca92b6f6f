"""What crosses between the grader's process and the learner's: messages of JSON, framed by
their length, and the cases, answers and errors inside them as plain data.

JSON and nothing else, in both directions: the grader reads what the learner's process
sends as numbers, strings and lists, which no learner's code can turn into code in the
grader's process (a pickle could). ``encode`` and ``decode`` carry what JSON lacks: tuples,
``Numbers``, NumPy arrays, the cases of ``inputs.py`` and its functions by name, and NaN and
the infinities (``json`` writes them as ``NaN`` and ``Infinity``). ``decode`` refuses
anything else, and a message larger than ``MAX_MESSAGE`` bytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import Any

from tinygrad_edu.exercises.learner import gpt_cases, inputs, number_cases
from tinygrad_edu.exercises.learner.parts import Numbers

__all__ = ["MAX_MESSAGE", "WireError", "decode", "encode", "read_message", "write_message"]

MAX_MESSAGE = 64 * 2**20
"""The largest message either side reads, in bytes."""

CASES = {cls.__name__: cls for cls in (number_cases.Point, number_cases.Slope,
                                       number_cases.Vectors,
                                       inputs.Scattered, inputs.Expression, inputs.SumChain,
                                       inputs.NodeCase, inputs.Params, *gpt_cases.CASES)}
"""The cases that cross as data, by their class's name (``Arrays`` crosses as its arrays; a
``Graph`` as its ``Scattered``: the learner's process never holds a graph in the order its
nodes are made, ``inputs._scattered``)."""


# _no_numbers_for_the_forward: an Expression carries every node's number as the engine
# computes it (``values``), which a forward pass graded on it must compute: sent to the
# learner's process, a Value class whose operators computed nothing (each new node took the
# next number of the case, kept by a ``wire.decode`` replaced as the file loaded) passed the
# forward stage, and with an honest backward the whole exercise, 1/1 (issue 65,
# tests/exercises/test_rewritten.py). A forward-only case crosses without them; the backward
# stage's check of the numbers (``inputs.call_value_backward``) comes after the forward
# stage has passed on cases that held none.
FUNCTIONS = {f.name: f for f in number_cases.FUNCTIONS}


class WireError(Exception):
    """A message that is not what the other side sends: the process is stopped."""


def encode(x: Any) -> Any:
    """``x`` as what ``json`` writes: lists for tuples are tagged so that they come back as
    tuples, and so are ``Numbers``, arrays, cases and functions."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, Numbers):
        return {"numbers": [float(v) for v in x]}
    if isinstance(x, tuple):
        return {"tuple": [encode(v) for v in x]}
    if isinstance(x, list):
        return [encode(v) for v in x]
    if isinstance(x, number_cases.Function):
        return {"function": x.name}
    if isinstance(x, number_cases.Arrays):
        return {"arrays": [[name, encode(a)] for name, a in x.arrays]}
    if isinstance(x, inputs.Graph):
        return encode(x.scattered())
    if isinstance(x, inputs.Expression) and x.forward_only and x.values:
        return encode(dataclasses.replace(x, values=()))  # (_no_numbers_for_the_forward)
    if type(x).__name__ in CASES and dataclasses.is_dataclass(x):
        return {"case": type(x).__name__,
                "fields": {f.name: encode(getattr(x, f.name)) for f in dataclasses.fields(x)}}
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        return {"array": x.ravel().tolist(), "shape": list(x.shape), "dtype": x.dtype.str}
    if numpy is not None and isinstance(x, numpy.generic):
        return encode(x.item())
    raise WireError(f"cannot send {type(x).__name__} {x!r:.60}")


def decode(x: Any, *, arrays_as: str | None = None) -> Any:
    """What ``encode`` made, back. ``arrays_as``: the only dtype an array may have (the
    grader asks for float64, the dtype of every answer), else any numeric one."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, list):
        return [decode(v, arrays_as=arrays_as) for v in x]
    if not isinstance(x, dict) or len(x) not in (1, 2, 3):
        raise WireError(f"not a message's value: {str(x)[:60]}")
    if "numbers" in x:
        values = x["numbers"]
        if not isinstance(values, list) or not all(isinstance(v, (int, float)) for v in values):
            raise WireError("numbers that are not numbers")
        return Numbers(float(v) for v in values)
    if "tuple" in x:
        return tuple(decode(v, arrays_as=arrays_as) for v in _list(x["tuple"]))
    if "function" in x:
        return FUNCTIONS[_text(x["function"])]
    if "arrays" in x:
        pairs = [(_text(name), decode(a, arrays_as=arrays_as)) for name, a in _list(x["arrays"])]
        return number_cases.Arrays(tuple(pairs))
    if "case" in x:
        cls = CASES.get(_text(x["case"]))
        if cls is None or not isinstance(x.get("fields"), dict):
            raise WireError(f"no such case: {str(x['case'])[:60]}")
        return cls(**{k: decode(v, arrays_as=arrays_as) for k, v in x["fields"].items()})
    if "array" in x:
        import numpy as np

        dtype = np.dtype(_text(x.get("dtype", "<f8")))
        if (arrays_as is not None and dtype != np.dtype(arrays_as)) or dtype.kind not in "biuf":
            raise WireError(f"an array of {dtype}")
        shape = [int(n) for n in _list(x.get("shape", []))]
        flat = _list(x["array"])
        if not all(isinstance(v, (int, float, bool)) for v in flat):
            raise WireError("an array of what is not numbers")
        return np.array(flat, dtype=dtype).reshape(shape)
    raise WireError(f"not a message's value: {str(x)[:60]}")


def _list(x: Any) -> list[Any]:
    if not isinstance(x, list):
        raise WireError(f"a list was expected, got {type(x).__name__}")
    return x


def _text(x: Any) -> str:
    if not isinstance(x, str):
        raise WireError(f"a string was expected, got {type(x).__name__}")
    return x


def write_message(fd: int, message: dict[str, Any]) -> None:
    """Send ``message`` (a dict of JSON) on the file descriptor ``fd``: its length in four
    bytes, then the JSON."""
    data = json.dumps(message, allow_nan=True).encode("utf-8")
    frame = len(data).to_bytes(4, "big") + data
    while frame:
        frame = frame[os.write(fd, frame):]


def read_message(fd: int, largest: int = MAX_MESSAGE,
                 deadline: float | None = None) -> dict[str, Any]:
    """The next message on ``fd``, of at most ``largest`` bytes; ``EOFError`` if the other
    side has closed it, ``WireError`` if it is not a message (too large, not JSON, nested
    deeper than Python reads) or, given a ``deadline`` (``time.monotonic()``'s), if its
    bytes stop coming before it (a message cut short: the grader reads with one, so that a
    learner's process that writes half a message cannot keep it waiting)."""
    size = int.from_bytes(_read(fd, 4, deadline), "big")
    if size > largest:
        raise WireError(f"a message of {size} bytes (at most {largest} are read)")
    try:
        message = json.loads(_read(fd, size, deadline).decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise WireError(f"a message that is not JSON ({type(error).__name__})") from None
    if not isinstance(message, dict):
        raise WireError("a message that is not a dict")
    return message


def _read(fd: int, n: int, deadline: float | None = None) -> bytes:
    chunks, left = [], n
    while left:
        if deadline is not None:
            import select  # (the grader's side only)
            import time

            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise WireError(f"a message cut short: {n - left} of its {n} bytes came")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
