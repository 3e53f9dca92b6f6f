"""A compiled call against the engine's on the same numbers, bit for bit, as the tests of
compile() compare them: ``same`` (the value and every gradient) and ``bits`` (a float's exact
bits; any other object with its type); ``schedule_followed`` (a class default changed
between calls); ``worlds_alike`` (a world of classes or modules built twice, one for the
engine, one compiled)."""

import struct
import warnings

from tinygrad_edu.program import compile


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


def worlds_alike(world, native, calls, change=None):
    """``world()`` (the function, its Value ``w``, the classes or modules it keeps state in)
    built twice, one for the engine, one compiled; ``calls`` calls of each, ``change(k,
    holders)`` done to both before the k-th: each call the value and w's gradient bit for
    bit, and the numbers each holder holds alike."""
    f, w, held = world()
    g, v, theirs = world()
    step = compile(g, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (captured again: said)
        for k in range(calls):
            if change is not None:
                change(k, held)
                change(k, theirs)
            w.grad = v.grad = 0.0
            want, got = f(), step()
            want.backward()
            got.backward()
            assert (bits(got.data), bits(v.grad)) == (bits(want.data), bits(w.grad)), k
            assert list(map(_numbers, theirs)) == list(map(_numbers, held)), k


def _numbers(holder):
    return {name: x for name, x in vars(holder).items() if type(x) in (int, float)}


def schedule_followed(holder, w):
    """Set ``holder.wd`` (the class whose default ``w`` reads) to each number of a schedule
    between calls of a program of ``(w * x - 1) ** 2 + w.wd * w * w``, native and Python:
    each call the engine's numbers, and ``vars(w)`` as it was (a capture leaves nothing on
    the Value); yields each number and the program; ``holder.wd`` put back after."""
    def f(x):
        return (w * x - 1.0) ** 2 + w.wd * w * w

    own, first = dict(vars(w)), holder.wd
    try:
        for native in (True, False):
            step = compile(f, native=native)
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                for k, wd in enumerate((0.01, 0.5, 0.0, 0.25)):
                    holder.wd = wd
                    same(step, f, [w], 1.0 + k)
                    assert vars(w) == own
                    yield wd, step
    finally:
        holder.wd = first
