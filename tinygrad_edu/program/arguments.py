"""A compiled function's arguments as a capture reads them (``capture.py``): the structure
that picks the program (``structure_of``: types, lengths, ints, strings, objects by identity;
each Value a leaf, a node or a Value made under ``no_grad()``, what code set on it, and which
earlier argument it is), the floats that are its inputs, the Values that are its leaves,
and the arguments as the function gets them while it is captured (``as_traced``: each
float a ``Traced`` input)."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program import reading
from tinygrad_edu.program.traced import Recording

__all__ = ["as_traced", "numpy_float", "objects_given", "structure_of"]


def structure_of(tree: Any) -> tuple[Any, list[Any], list[Value]]:
    """A call's arguments: the structure that picks the program (types, lengths, ints,
    strings, objects by identity; each Value as a leaf, a node or a Value made under
    ``no_grad()``, and which earlier argument it is, if any), the floats in order, the
    Values in order. The key's second item says whether a node was given."""
    numbers: list[Any] = []
    values: list[Value] = []
    seen: dict[int, int] = {}
    node_given = [False]

    def key_of(x: Any) -> Any:
        if type(x) is float:
            numbers.append(x)
            return float
        if isinstance(x, Value):
            first = seen.get(id(x))
            if first is not None:
                return ("same Value", first)
            seen[id(x)] = len(values)
            values.append(x)
            if not reading.is_leaf(x):
                node_given[0] = True
                return ("node",)
            kind = ("no_grad",) if reading.made_without_graph(x) else Value
            attributes = reading.attributes_of(x)  # (x.label, x.weight: each its program)
            return (kind, tuple(sorted((k, _as_key(v)) for k, v in attributes.items()))) \
                if attributes else kind
        if isinstance(x, (list, tuple)):
            return (type(x), tuple(key_of(v) for v in x))
        if isinstance(x, dict):
            return (dict, tuple((k, key_of(v)) for k, v in x.items()))
        if isinstance(x, (bool, int, str, bytes, type(None))):
            return (type(x), x)
        number = numpy_float(x)
        if number is not None:
            numbers.append(x)
            return ("numpy", str(x.dtype))
        shape = getattr(x, "shape", None)
        if shape is not None and hasattr(x, "tolist"):  # (a NumPy array: its entries)
            return ("array", str(getattr(x, "dtype", "")), key_of(x.tolist()))
        return ("object", id(x))

    return (key_of(tree), node_given[0]), numbers, values


def _as_key(x: Any) -> Any:
    """An attribute of a Value given, as the key of the program it picks: a number to the
    bit, a text, an object by identity."""
    if type(x) is float:
        return (float, x.hex())
    if isinstance(x, (bool, int, str, bytes, type(None))):
        return (type(x), x)
    return ("object", id(x))


def numpy_float(x: Any) -> Any:
    """``x`` if it is a NumPy float of no shape (``np.float64(0.5)``: an input, as a float
    is), else None."""
    if type(x).__module__ == "numpy" and hasattr(x, "dtype") and x.dtype.kind == "f" and \
            getattr(x, "shape", None) == ():
        return x
    return None


def objects_given(tree: Any) -> list[Any]:
    """The objects given (by identity), whose attributes the function may read."""
    found: list[Any] = []

    def look(x: Any) -> None:
        if isinstance(x, (list, tuple)) and not isinstance(x, Value):
            for v in x:
                look(v)
        elif isinstance(x, dict):
            for v in x.values():
                look(v)
        elif not isinstance(x, (Value, float, int, str, bytes, type(None))) and \
                numpy_float(x) is None and getattr(x, "shape", None) is None:
            found.append(x)

    look(tree)
    return found


def as_traced(tree: Any, counter: Any, numbers: list[Any], record: Recording) -> Any:
    """The arguments as the capture gives them to the function: each float a ``Traced``
    input (NumPy arrays as lists)."""
    if type(tree) is float or numpy_float(tree) is not None:
        k = next(counter)
        return record.input(numbers[k], ("arg", k))
    if isinstance(tree, (list, tuple)) and not isinstance(tree, Value):
        items = [as_traced(v, counter, numbers, record) for v in tree]
        return items if isinstance(tree, list) else type(tree)(items) if type(tree) is tuple \
            else type(tree)(*items)
    if isinstance(tree, dict):
        return {k: as_traced(v, counter, numbers, record) for k, v in tree.items()}
    if getattr(tree, "shape", None) is not None and hasattr(tree, "tolist") and \
            not isinstance(tree, Value) and str(getattr(tree, "dtype", "")).startswith("float"):
        return as_traced(tree.tolist(), counter, numbers, record)
    return tree
