"""``scope_of(z)`` (a node's ``named_scope`` path) read inside a compiled function: of a node
made in the call, it is the path open where the call is made, which the engine reads as it
makes the node; the program kept the capture's path at every call, silently (an attacker's,
a64b f4: 1.14 where the engine gave 0.65 in a "val" scope). That path is guarded (a call
made in another scope: captured again, said), a Value's own path from outside too; a Value
given's is refused, naming the line."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value, named_scope, scope_of
from tinygrad_edu.program import compile

W, B = Value(0.7), Value(-0.4)


def read(x):
    z = W * x
    if scope_of(z).startswith("val"):
        return z + B
    return z + B + W * W


def inner(x):  # (a scope opened inside: the caller's path, and its own)
    with named_scope("head"):
        z = W * x
    return z * 2.0 if z._scope == "val/head" else z + B


@pytest.mark.parametrize("g", [read, inner])
def test_the_scope_of_a_node_made_in_the_call_follows_the_callers_scope(g):
    for native in (True, False):
        step = compile(g, native=native)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(3):
                if k == 1:
                    with named_scope("val"):
                        same(step, g, [W, B], 0.5 + k)
                else:
                    same(step, g, [W, B], 0.5 + k)
        assert any("the named_scope the call is made in is not what it was" in
                   str(m.message) for m in said)
        assert len(step.explain().split("program ")) == 3  # (one for each scope, kept)


def test_the_scope_of_a_value_from_outside_set_later_is_guarded_and_one_given_refused():
    w, b = Value(0.7, label="w"), Value(-0.4)

    def f(x):
        z = w * x
        if scope_of(w) == "enc":
            z = z * 2.0
        return z + b

    for native in (True, False):
        w.__dict__.pop("_scope", None)
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for k in range(4):
                if k == 2:
                    w._scope = "enc"
                same(step, f, [w, b], 0.5 + k)
    w.__dict__.pop("_scope", None)

    def given(v, x):
        return v * x * (2.0 if scope_of(v) else 1.0)

    marked = Value(1.5)
    marked._scope = "enc"  # (a leaf given, its path set by hand: a node given runs as the
    for native in (True, False):  # engine)
        with pytest.raises(RuntimeError, match=r"reads the named_scope of a Value given to it "
                                               r".* at test_scopes_read\.py:\d+"):
            compile(given, native=native)(marked, 1.5)
