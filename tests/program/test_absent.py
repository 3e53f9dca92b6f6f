"""A name that was missing when the function was captured, and that the function's code
falls back on (a builtin that a global of the module shadows later, a ``NameError`` caught):
the program captures again when it appears, and gives the engine's numbers bit for bit
(issue 64, h-attack64e's S4)."""

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)
MAYBE_LR = 0.1


def test_a_builtin_shadowed_later_by_a_global_is_seen():
    def f(x):
        return abs(W * x)  # Python's abs, until the module defines its own

    g = compile(f)
    same(g, f, [W], -1.0)
    globals()["abs"] = lambda v: v * 3.0  # (a later notebook cell: def abs(v): ...)
    try:
        assert same(g, f, [W], -1.0).data == -4.5
    finally:
        del globals()["abs"]
    assert same(g, f, [W], -1.0).data == 1.5


def test_a_global_caught_as_a_name_error_is_seen_when_it_is_defined_again():
    def f(x):
        try:
            lr = MAYBE_LR
        except NameError:  # (a notebook cell that may not have run)
            lr = 0.01
        return W * x * lr

    g = compile(f)
    same(g, f, [W], 1.0)
    global MAYBE_LR
    del MAYBE_LR
    try:
        same(g, f, [W], 1.0)
    finally:
        MAYBE_LR = 0.5
    assert same(g, f, [W], 1.0).data == 0.75
