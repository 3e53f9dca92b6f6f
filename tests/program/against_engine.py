"""A compiled call against the engine's on the same numbers, bit for bit, as the tests of
compile() compare them: ``same`` (the value and every gradient) and ``bits`` (a float's exact
bits; any other object with its type)."""

import struct


def bits(x):
    return ("nan" if x != x else struct.pack("<d", x)) if type(x) is float else (type(x), x)


def same(step, f, leaves, *args):
    """The compiled call and the engine's on the same numbers: value and every gradient."""
    for leaf in leaves:
        leaf.grad = 0.0
    ours = step(*args)
    ours_loss = ours[0] if isinstance(ours, tuple) else ours
    ours_loss.backward()
    got = [bits(ours_loss.data)] + [bits(leaf.grad) for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    theirs = f(*args)
    loss = theirs[0] if isinstance(theirs, tuple) else theirs
    loss.backward()
    want = [bits(loss.data)] + [bits(leaf.grad) for leaf in leaves]
    assert got == want
    return ours
