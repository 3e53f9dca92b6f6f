"""What the tests of the native program share: whether it can be built here, and the
engine's numbers to compare with, bit for bit."""

from __future__ import annotations

import struct
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program.c_build import library
from tinygrad_edu.program.native import NativeUnavailable, native_program

BUILT = library()
needs_compiler = pytest.mark.skipif(
    BUILT.library is None, reason=f"the native program cannot be built here: {BUILT.reason}")


def bits(x: float) -> bytes:
    """A float's bits, every NaN the same (NaN's payload is not a number's meaning)."""
    return b"nan" if x != x else struct.pack("<d", x)


def quiet_native(program):
    """``native_program`` where a warning would be a failure: it must run natively."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", NativeUnavailable)
        made = native_program(program)
    assert made.kind == "native", made
    return made


def both(root: Value, leaves: list[Value], run) -> tuple[tuple, tuple]:
    """(output, leaves' gradients) from ``run()`` and from the engine's backward(), each
    starting from the gradients the leaves hold now; the engine's error where it raises
    (then the program must raise the same)."""
    before = [leaf.grad for leaf in leaves]
    try:
        out = run()
        ours: tuple = (bits(out), *[bits(leaf.grad) for leaf in leaves])
    except (ArithmeticError, ValueError) as error:
        ours = (type(error), str(error), *[bits(leaf.grad) for leaf in leaves])
    for leaf, grad in zip(leaves, before):
        leaf.grad = grad
    try:
        root.backward()
        engine: tuple = (bits(root.data), *[bits(leaf.grad) for leaf in leaves])
    except (ArithmeticError, ValueError) as error:
        engine = (type(error), str(error), *[bits(g) for g in before])
    return ours, engine


def outcome_of(function, *args) -> object:
    """What ``function(*args)`` gives, as bits (NaN as NaN), or the error it raises."""
    try:
        found = function(*args)
    except (ArithmeticError, ValueError) as error:
        return (type(error), str(error))
    if found is None:  # (a guard failed)
        return None
    out, outputs, grads = found
    return bits(out), [bits(x) for x in outputs], [bits(g) for g in grads]
