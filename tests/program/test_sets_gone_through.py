"""Sets of Values made in the call, gone through (a for loop, ``sorted``, ``list``, a set
operator, ``{*s, *t}``, ``builtins.set``): their order is the nodes' addresses, new at every
call, and a sum's rounding with it; the program kept one order, silently (an independent
attacker's, after issue 64's first parts). Refused, naming the line; a set asked ``in``, or a
set of Values made before the call, is the engine's."""


import pytest

from tests.program.against_engine import same
from tests.program.attacker_weight import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def test_going_through_a_set_of_values_made_in_the_call_is_refused_with_the_line():
    """A set of nodes added to in a for loop, then gone through: its order is the nodes'
    addresses, new at every call, and the sum's rounding with it (the engine's own numbers
    change too); the program kept one order, silently (issue 64's last list): refused,
    naming the line. A set used to ask `in`, or a set of Values made before the call, is
    the engine's."""
    xs = [Value(0.1 * i + 1e-9) for i in range(12)]
    kept = [Value(0.3 * i) for i in range(4)]

    def added(vs):
        nodes = set()
        for v in vs:
            nodes.add(v * W)
        total = Value(0.0)
        for n in nodes:
            total = total + n
        return total

    def braces(vs):
        return sum(sorted({v * W for v in vs}, key=lambda n: 0.0), Value(0.0))

    def listed(vs):
        return sum(list(frozenset(v * W for v in vs)), Value(0.0))

    for f in (added, braces, listed):
        with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the "
                                               r"call .* at test_sets_gone_through\.py:\d+"):
            compile(f)(xs)

    def asked(vs):
        seen, total = set(), Value(0.0)
        for v in vs + vs[:3]:
            n = v * W
            if v not in seen and type(seen) is set is type({1}) and isinstance(seen, set):
                seen.add(v)
                total = total + n
        for p in set(kept):  # (made before the call, not given: one order at every call)
            total = total + p * 0.0
        return total

    step = compile(asked)
    for k in range(3):
        xs[k].data = 0.5 + k
        same(step, asked, [W, *xs, *kept], xs)

    import pickle

    shown = []

    def kept(x):  # (a set made while a capture runs is shown and pickled as one)
        made = set([1.5])
        shown.append((repr(made), pickle.loads(pickle.dumps(made))))
        return W * x

    compile(kept)(Value(1.0))
    assert shown == [("{1.5}", {1.5})]


def test_a_set_of_values_made_by_a_set_operator_then_gone_through_is_refused():
    """`s | t`, `s.union(...)`, `s - t`, `copy.copy(s)`, `d.keys() | e.keys()`... of sets (or
    dicts) of Values made in the call gave Python's own set, gone through unseen: its order
    is the nodes' addresses, and the program kept one, silently (the last bits differ;
    issue 64's last list): refused, naming the line."""
    import copy

    xs = [Value(0.1 * i + 1e-9) for i in range(12)]

    def added(vs, how):
        s, t = set(), set()
        for v in vs[:6]:
            s.add(v * W)
        for v in vs[6:]:
            t.add(v * W)
        total = Value(0.0)
        for n in how(s, t):
            total = total + n
        return total

    hows = (lambda s, t: s | t, lambda s, t: s.union(t), lambda s, t: (s | t) - {W},
            lambda s, t: s ^ t, lambda s, t: frozenset(s) | t, lambda s, t: s.copy(),
            lambda s, t: set.union(s, t), lambda s, t: copy.copy(s),
            lambda s, t: dict.fromkeys(list(s)).keys() | t)
    for how in hows:
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"goes through a set of Values made in "
                                                   r"the call .* at "
                                                   r"test_sets_gone_through\.py:\d+"):
                compile(added, native=native)(xs, how)

    def keys(vs):  # (the keys of dicts of Values made in the call, made a set)
        d, e = {v * W: 0 for v in vs[:6]}, {v * W: 0 for v in vs[6:]}
        return sum(d.keys() | e.keys(), Value(0.0))

    with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the call"):
        compile(keys)(xs)

    def asked(vs):  # (a set made by an operator, asked `in`: the engine's)
        s = set(vs[:4]) | set(vs[8:])
        return sum((v * W for v in vs if v in s), Value(0.0))

    step = compile(asked)
    for k in range(3):
        xs[k].data = 0.5 + k
        same(step, asked, [W, *xs], xs)


def fill(s, vs):
    for v in vs:
        s.add(v * W)


def test_a_set_of_values_copied_unseen_into_another_is_refused():
    """A set filled in a helper, then `{*s, *t}` (or `{*s}`, `[*{*s}]`): Python copies a set
    into another without going through it, and `builtins.set(p * x for p in P)` is Python's
    own set, not the one a capture sees: both were gone through unseen, the program kept one
    order of the nodes' addresses, silently (the attacker's: verify=1 mismatched). Refused,
    naming the line. Sets of Values made before the call keep their order: the engine's."""
    import builtins

    xs = [Value(0.1 * i + 1e-9) for i in range(8)]
    S = builtins.set

    def star(vs, how):
        s, t = set(), set()
        fill(s, vs[:4])
        fill(t, vs[4:])
        total = Value(0.0)
        for n in how(s, t):
            total = total * 1.01 + n.tanh()
        return total

    for how, where in ((lambda s, t: {*s, *t}, "{\\*s, \\*t}"), (lambda s, t: {*s}, "{\\*s}"),
                       (lambda s, t: [*{*s, *t}], "\\[\\*{"),
                       (lambda s, t: builtins.set(s), "builtins.set"),
                       (lambda s, t: builtins.frozenset(t), "builtins.frozenset")):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"copies a set of Values made in the call "
                                                   r".* at test_sets_gone_through\.py:\d+: "
                                                   r".*" + where):
                compile(star, native=native)(xs, how)

    def pythons(vs, how):
        total = Value(0.0)
        for n in how(vs):
            total = total * 1.01 + n.tanh()
        return total

    def added(vs):
        s = S()
        for v in vs:
            s.add(v * W)
        return s

    for how in (lambda vs: builtins.set(v * W for v in vs), lambda vs: S([v * W for v in vs]),
                lambda vs: builtins.frozenset(v * W for v in vs), added):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the "
                                                   r"call .* at test_sets_gone_through\.py:\d+"):
                compile(pythons, native=native)(xs, how)

    def before(x):  # (Values made before the call, not given: one order at every call)
        s = set(xs[:4])
        return pythons(xs, lambda _: [*{*s, *builtins.set(xs[4:])}]) * x

    step = compile(before)
    for k in range(3):
        xs[k].data = 0.5 + k
        same(step, before, [W, *xs], 1.5 + k)


def test_micrograds_prev_of_a_node_made_in_the_call_gone_through_is_refused():
    """micrograd's ``_prev``, the set of a node's parents the engine makes, gone through
    (``for c in z._prev``, ``next(iter(...))``, ``sorted``, ``list``: its topological sort's
    habit) where the parents were made in the call: the engine's order followed their
    addresses, the program kept the capture's, silently (an attacker's, a64: 3.075 or 0.225
    by the call). Refused, naming the line, as ``set(z.parents)`` is; its size, ``in``, and
    the ``_prev`` of a node whose parents were made before the call, are the engine's."""
    b = Value(-0.2)

    def first(x):
        z = (W * x) + (b * x)
        return next(iter(z._prev)) * 2.0 + z

    def looped(x):
        z = (W * x) * (b * x)
        s = 0.0
        for c in z._prev:
            s = s * 3.0 + c.data
        return z * s

    def listed(x):
        z = (W * x) + (b * x)
        return sum(sorted(z._prev, key=lambda c: 0.0), Value(0.0)) + sum(list(z._prev))

    for f in (first, looped, listed):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the "
                                                   r"call .* at test_sets_gone_through\.py:\d+"):
                compile(f, native=native)(1.5)

    def asked(x):
        z = (W * x) + (b * x)
        y = W + b  # (parents made before the call: one order at every call)
        n = len(z._prev) + (1.0 if W in y._prev else 0.0)
        return z * n + sum(y._prev, Value(0.0)) * x

    for native in (True, False):
        step = compile(asked, native=native)
        for k in range(3):
            same(step, asked, [W, b], 1.5 + k)
        assert step.captures == 1
