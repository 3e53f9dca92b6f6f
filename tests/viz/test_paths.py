"""paths(f, x): every path from x up to f, with its product, and their sum df/dx.

Against a brute-force enumeration (every path found by recursion from f down to x, written
here without the module's code) on random graphs drawn by hypothesis, in float64: the same
paths in the same order, each with the same values, local derivatives and product; their
number, counted without listing them; and their sum, which is exactly x.grad after
f.backward() and agrees with the exact sum of the products (math.fsum) up to rounding.
"""

import math
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.viz.test_replay import requires_renderer
from tinygrad_edu import Value, dot, paths, vsum, walk
from tinygrad_edu.viz.paths import LIST_LIMIT, Paths

OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "tanh": lambda a: a.tanh(),
    "sin": lambda a: a.sin(),
    "relu": lambda a: a.relu(),
    "2*": lambda a: 2.0 * a,
    "dot": lambda a, b: dot([a, b, a], [b, a, 0.5]),
    "vsum": lambda a, b: vsum([a, b, b]),
}
ARITY = {"+": 2, "-": 2, "*": 2, "tanh": 1, "sin": 1, "relu": 1, "2*": 1, "dot": 2, "vsum": 2}


@st.composite
def graphs(draw):
    """(leaves, steps, which node is x): leaves in [-1.5, 1.5], then up to 12 steps, each an
    op on earlier nodes, the latest most often (a node may be used twice by one op, and at
    several depths); x a leaf half of the time, else any node."""
    leaves = draw(st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=1, max_size=3))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(sorted(OPS)))
        last = len(leaves) + k - 1
        back = st.integers(0, min(last, 2)) | st.integers(0, last)
        steps.append((op, tuple(last - draw(back) for _ in range(ARITY[op]))))
    x = draw(st.integers(0, len(leaves) - 1) | st.integers(0, len(leaves) + len(steps) - 1))
    return leaves, steps, x


def build(leaves, steps):
    """The nodes, labelled; a value grown above 10 in size goes through tanh, so that no
    number overflows."""
    nodes = [Value(v, label=f"x{i}") for i, v in enumerate(leaves)]
    for k, (op, args) in enumerate(steps):
        node = OPS[op](*(nodes[i] for i in args))
        if abs(node.data) > 10:
            node = node.tanh()
        node.label = f"v{k + 1}"
        nodes.append(node)
    return nodes


def brute_force(f, x):
    """Every path from x up to f as (nodes, operand indices, local derivatives), found by
    recursion from f down to x, in the order of the uses from x up (its first use, that
    use's first user, ...). Each path's product multiplies its local derivatives from x's
    step up, as the definition reads."""
    found = []

    def down(node, nodes, operands, locals_):
        if node is x:
            found.append((tuple(reversed(nodes)), tuple(reversed(operands)),
                          tuple(reversed(locals_))))
            return
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            down(parent, [*nodes, parent], [*operands, i], [*locals_, local])

    down(f, [f], [], [])
    order = {node: k for k, node in enumerate(walk(f))}
    # from x up: sort by the (user's position in walk order, operand) of each step
    found.sort(key=lambda p: [(order[n], i) for n, i in zip(p[0][1:], p[1])])
    return found


def product(locals_):
    total = 1.0
    for local in locals_:
        total *= local
    return total


@given(graphs())
def test_paths_agree_with_a_brute_force_enumeration(graph):
    leaves, steps, k = graph
    nodes = build(leaves, steps)
    f, x = nodes[-1], nodes[k]
    expected = brute_force(f, x)
    found = paths(f, x, limit=10**6)
    assert found.count == len(expected) == len(found)
    for path, (want_nodes, want_operands, want_locals) in zip(found, expected):
        assert all(a is b for a, b in zip(path.nodes, want_nodes))
        assert len(path.nodes) == len(want_nodes)
        assert path.operands == want_operands
        assert path.local_grads == want_locals
        assert path.values == tuple(n.data for n in want_nodes)
        assert path.product == product(want_locals)
    products = [product(p[2]) for p in expected]
    scale = math.fsum(abs(p) for p in products)
    assert abs(found.total - math.fsum(products)) <= 1e-12 * max(scale, 1e-300) * len(nodes)
    # counted without listing: the same number and the same sum
    counted = paths(f, x, limit=0)
    assert counted.listed == (found.count == 0) and counted.count == found.count
    assert counted.total == found.total
    assert sum(g.count for g in counted.groups) == (found.count if x is not f else 0)
    for group in counted.groups:  # each group: the paths whose first step it is
        mine = [p for p in found if p.nodes[1] is group.node and p.operands[0] == group.operand]
        assert group.count == len(mine)
        assert math.isclose(group.total, math.fsum(p.product for p in mine), rel_tol=1e-9,
                            abs_tol=1e-12 * max(scale, 1e-300))
    # the sum is x.grad after backward, exactly; and nothing was changed by looking
    assert all(n.grad == 0.0 for n in walk(f))
    f.backward()
    assert found.total == x.grad


def lecture():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, a


def test_the_lecture_has_one_path_from_a_and_says_so():
    L, a = lecture()
    found = paths(L, a)
    assert found.count == 1 and found.total == 6.0
    (path,) = found
    assert path.names == ("a", "e", "d", "L")
    assert path.values == (2.0, -6.0, 4.0, -8.0)
    assert path.local_grads == (-3.0, 1.0, -2.0) and path.product == 6.0
    text = str(found)
    assert text.startswith("paths(L, a): 1 path from a up to L.")
    assert "1. a → e → d → L\n" in text
    assert "locals   de/da = -3.0, dd/de = 1.0, dL/dd = -2.0" in text
    assert "product  -3.0 × 1.0 × -2.0 = 6.0" in text
    assert text.splitlines()[-1].startswith("dL/da = 6.0: a.grad after L.backward()")
    assert repr(found) == text  # what a REPL shows


def test_a_value_used_twice_gives_a_path_through_each_use():
    a = Value(3.0, label="a")
    g = a * a + a
    g.label = "g"
    found = paths(g, a)
    assert [p.product for p in found] == [3.0, 3.0, 1.0] and found.total == 7.0
    assert [p.operands for p in found] == [(0, 0), (1, 0), (1,)]
    text = str(found)
    assert "1. a → v1 (its 1st operand) → g" in text
    assert "2. a → v1 (its 2nd operand) → g" in text
    assert "dg/da = 3.0 + 3.0 + 1.0 = 7.0: a.grad after g.backward()" in " ".join(text.split())
    g.backward()
    assert a.grad == found.total


def test_no_path_and_the_empty_path():
    L, _ = lecture()
    other = Value(1.0, label="z")
    none = paths(L, other)
    assert none.count == 0 and none.total == 0.0 and list(none) == [] and none.groups == ()
    assert str(none) == ("paths(L, z): no path leads from z up to L: L does not depend on z, "
                         "so dL/dz = 0.0")
    itself = paths(L, L)
    assert itself.count == 1 and itself.total == 1.0 and itself[0].product == 1.0
    assert itself[0].nodes == (L,) and "L itself (no step)" in str(itself)


def test_an_inner_value_is_a_start_too():
    L, _ = lecture()
    d = L.parents[0]
    found = paths(L, d)
    assert found.count == 1 and found.total == -2.0 and found[0].names == ("d", "L")


def diamonds(n):
    """x, then n diamonds: u -> (u·1, u·1) -> (sum)·0.5: 2**n paths, df/dx = 1."""
    x = Value(0.5, label="x")
    u = x
    for _ in range(n):
        u = (u * 1.0 + u * 1.0) * 0.5
    u.label = "f"
    return u, x


def test_too_many_paths_are_counted_at_once_and_grouped_by_their_first_step():
    f, x = diamonds(30)
    started = time.perf_counter()
    found = paths(f, x)
    assert time.perf_counter() - started < 1.0
    assert found.count == 2**30 and not found.listed and found.total == 1.0
    assert [(g.count, g.total, g.local_grad) for g in found.groups] == [(2**29, 0.5, 1.0)] * 2
    text = str(found)
    assert text.startswith("paths(f, x): 1,073,741,824 paths from x up to f.")
    assert f"more than limit={LIST_LIMIT}: they were counted, not listed" in " ".join(text.split())
    assert "  x → v1 (dv1/dx = 1.0): 536,870,912 paths, their products add up to 0.5" in text
    with pytest.raises(ValueError, match="too many to list"):
        len(found)
    f.backward()
    assert x.grad == found.total


def test_a_long_chain_needs_no_recursion():
    x = Value(0.5, label="x")
    u = x
    for _ in range(3000):
        u = u * 1.0
    found = paths(u, x)
    assert found.count == 1 and len(found[0].nodes) == 3001 and found.total == 1.0


def test_what_is_not_a_value_is_refused():
    with pytest.raises(TypeError, match="paths: f must be a Value, got float"):
        paths(1.0, Value(1.0))
    np = pytest.importorskip("numpy")
    from tinygrad_edu.tensor import Tensor

    t = Tensor(np.ones(2))
    with pytest.raises(TypeError, match="paths: f is a Tensor"):
        paths(t.sum(), t)


def test_paths_is_what_the_package_exports():
    import tinygrad_edu

    assert "paths" in tinygrad_edu.__all__ and isinstance(paths(*lecture()), Paths)


def lit_arrows(source, colour):
    """The lines of DOT text of the arrows into an op drawn in ``colour``."""
    return [line for line in source.splitlines()
            if re.match(r"\s*\w+ -> n\d+op ", line) and colour in line]


@requires_renderer
def test_the_paths_are_drawn_in_colour_with_their_local_derivatives():
    from tinygrad_edu.viz.labels import PATH

    a = Value(3.0, label="a")
    b = Value(2.0, label="b")
    g = a * a + a * b
    g.label = "g"
    found = paths(g, a)
    source = found.draw().source
    lit = lit_arrows(source, PATH)
    # a's three uses and the two arrows into g's op: every arrow on a path, none other
    assert len(lit) == 5 and "n1 -> n3op" not in " ".join(lit)  # b's arrow is not on a path
    assert f'n4op -> n4 [color="{PATH}"' in source  # and each value's op on a path
    assert sorted(line.split("label=")[1].split('"')[1] for line in lit) == \
        ["× 1.0", "× 1.0", "× 2.0", "× 3.0", "× 3.0"]
    one = found[0].draw().source
    assert len(lit_arrows(one, PATH)) == 2
    assert "<svg" in found.draw().pipe(format="svg", encoding="utf-8")
    with pytest.raises(ValueError, match="leave depth out"):
        found.draw(depth=1)


def test_the_graphs_drawn_have_many_paths_and_values_used_twice():
    """The random graphs try what matters: x reaching f along several paths (diamonds, a
    value used twice by one op) in a good share of them."""
    from hypothesis import HealthCheck, Phase, seed, settings

    seen = []

    @seed(0)
    @settings(max_examples=200, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(graphs())
    def collect(graph):
        leaves, steps, k = graph
        nodes = build(leaves, steps)
        seen.append((paths(nodes[-1], nodes[k], limit=0).count,
                     any(len(set(args)) < len(args) for _, args in steps)))

    collect()
    assert sum(count >= 2 for count, _ in seen) >= 0.15 * len(seen)
    assert sum(count >= 8 for count, _ in seen) >= 0.03 * len(seen)
    assert sum(twice for _, twice in seen) >= 0.15 * len(seen)
