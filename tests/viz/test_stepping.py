"""Stepping through backward: the steps do exactly what backward() does, and read well."""

import contextlib
import doctest
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu.formatting
import tinygrad_edu.viz.stepping
from tinygrad_edu import OPS, Value, backward_steps, dot, node_names, text_graph, vsum, walk
from tinygrad_edu.nn import MLP
from tinygrad_edu.tensor import Tensor


def sum_times_difference():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    f = (x + y) * (x - y)
    f.label = "f"
    return x, y, f


def test_issue_example_reads_like_the_chain_rule():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    (step,) = list(c.backward_steps())
    assert str(step) == (
        "c = a * b  upstream dc/dc = 1.0;  "
        "dc/da = b = 3.0 -> a.grad += 3.0 * 1.0 = 3.0;  "
        "dc/db = a = 2.0 -> b.grad += 2.0 * 1.0 = 2.0"
    )
    assert (step.node, step.name, step.op, step.upstream) == (c, "c", "*", 1.0)
    assert [(u.name, u.local, u.contribution, u.grad_after) for u in step.updates] == [
        ("a", 3.0, 3.0, 3.0), ("b", 2.0, 2.0, 2.0)]
    assert repr(step) == "<Step 1: c = a * b>"


def test_sum_times_difference_step_by_step():
    """(x + y)(x - y) at x = 3, y = 2: df/dx = 6, df/dy = -4."""
    x, y, f = sum_times_difference()
    lines = [str(s) for s in f.backward_steps()]
    assert lines == [
        "f = v1 * v2  upstream df/df = 1.0;  df/dv1 = v2 = 1.0 -> v1.grad += 1.0 * 1.0 = 1.0;  "
        "df/dv2 = v1 = 5.0 -> v2.grad += 5.0 * 1.0 = 5.0",
        "v2 = x - y  upstream df/dv2 = 5.0;  dv2/dx = 1 -> x.grad += 1.0 * 5.0 = 5.0;  "
        "dv2/dy = -1 -> y.grad += (-1.0) * 5.0 = -5.0",
        "v1 = x + y  upstream df/dv1 = 1.0;  dv1/dx = 1 -> x.grad += 1.0 * 1.0 = 1.0 (now 6.0);  "
        "dv1/dy = 1 -> y.grad += 1.0 * 1.0 = 1.0 (now -4.0)",
    ]
    assert (x.grad, y.grad) == (6.0, -4.0)


def test_nothing_happens_until_the_first_step():
    x, _, f = sum_times_difference()
    steps = f.backward_steps()
    assert (f.grad, x.grad) == (0.0, 0.0)
    first = next(steps)
    assert first.node is f and f.grad == 1.0 and x.grad == 0.0


def test_plain_number_operands_show_where_they_stood():
    a = Value(3.0, label="a")
    times, minus = a * 2, 2 - a
    times.label, minus.label = "t", "m"
    (s1,) = times.backward_steps()
    (s2,) = minus.backward_steps()
    assert str(s1) == "t = a * 2.0  upstream dt/dt = 1.0;  dt/da = 2.0 -> a.grad += 2.0 * 1.0 = 2.0"
    assert str(s2) == (
        "m = 2.0 - a  upstream dm/dm = 1.0;  dm/da = -1 -> a.grad += (-1.0) * 1.0 = -1.0 (now 1.0)"
    )


def test_same_parent_twice_gets_two_contributions():
    a = Value(3.0, label="a")
    sq = a * a
    sq.label = "sq"
    (step,) = sq.backward_steps()
    assert [u.parent for u in step.updates] == [a, a]
    assert [u.grad_after for u in step.updates] == [3.0, 6.0]
    assert str(step).endswith("a.grad += 3.0 * 1.0 = 3.0;  "
                              "dsq/da = a = 3.0 -> a.grad += 3.0 * 1.0 = 3.0 (now 6.0)")


def test_unary_ops_use_the_registry_text():
    x = Value(0.5, label="x")
    t = x.tanh()
    t.label = "t"
    (step,) = t.backward_steps()
    local = 1 - math.tanh(0.5) ** 2
    assert step.updates[0].local_text == "1 - t²"
    assert step.formula == "tanh(x)"
    assert f"dt/dx = 1 - t² = {tinygrad_edu.formatting.fmt(local)}" in str(step)
    z = Value(-2.0, label="z").leaky_relu(0.1)
    (step,) = z.backward_steps()
    assert step.formula == "leaky_relu(z, 0.1)"
    assert step.updates[0].local == 0.1 and "else α = 0.1" in str(step)


def test_dot_and_vsum_one_line_per_operand():
    w1, w2, x1, x2 = (Value(v, label=n) for v, n in [(2.0, "w1"), (-1.0, "w2"),
                                                      (0.5, "x1"), (4.0, "x2")])
    z = dot([w1, w2], [x1, x2])
    z.label = "z"
    (step,) = z.backward_steps()
    assert step.formula == "dot([w1, w2], [x1, x2])"
    assert [(u.name, u.local_text, u.local) for u in step.updates] == [
        ("w1", "x1", 0.5), ("w2", "x2", 4.0), ("x1", "w1", 2.0), ("x2", "w2", -1.0)]
    assert str(step).splitlines() == [
        "z = dot([w1, w2], [x1, x2])  upstream dz/dz = 1.0:",
        "    dz/dw1 = x1 = 0.5 -> w1.grad += 0.5 * 1.0 = 0.5",
        "    dz/dw2 = x2 = 4.0 -> w2.grad += 4.0 * 1.0 = 4.0",
        "    dz/dx1 = w1 = 2.0 -> x1.grad += 2.0 * 1.0 = 2.0",
        "    dz/dx2 = w2 = -1.0 -> x2.grad += (-1.0) * 1.0 = -1.0",
    ]
    s = vsum([w1, x1, w2, 7.0])
    s.label = "s"
    (step,) = s.backward_steps(grad=2.0)
    assert step.formula == "sum(w1, x1, w2, 7.0)" and step.upstream == 2.0  # 7.0: a constant
    assert [u.contribution for u in step.updates] == [2.0, 2.0, 2.0]


# ----------------------------------------------------------------------------- equivalence

UNARY = ["tanh", "sigmoid", "sin", "cos", "neg", "relu", "abs", "leaky_relu"]
BINARY = ["+", "-", "*"]


@st.composite
def graph_programs(draw, max_ops=12):
    """A random DAG: leaves, then ops that reuse earlier nodes (``x * x`` included), with
    plain numbers on either side of binary ops and the list ops dot and vsum."""
    leaves = draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
    program = []
    for k in range(draw(st.integers(1, max_ops))):
        pick = st.integers(0, len(leaves) + k - 1)
        kind = draw(st.sampled_from(["unary", "binary", "number", "dot", "vsum"]))
        if kind == "unary":
            program.append(("unary", draw(st.sampled_from(UNARY)), draw(pick)))
        elif kind == "binary":
            program.append(("binary", draw(st.sampled_from(BINARY)), draw(pick), draw(pick)))
        elif kind == "number":
            number, first = draw(st.floats(-2, 2)), draw(st.booleans())
            program.append(("number", draw(st.sampled_from(BINARY)), draw(pick), number, first))
        else:
            n = draw(st.integers(1, 3))
            program.append((kind, draw(st.lists(pick, min_size=2 * n, max_size=2 * n))))
    return leaves, program


def build(leaves, program):
    nodes = [Value(x) for x in leaves]
    for kind, *args in program:
        if kind == "unary":
            nodes.append(OPS[args[0]](nodes[args[1]]))
        elif kind == "binary":
            nodes.append(OPS[args[0]](nodes[args[1]], nodes[args[2]]))
        elif kind == "number":
            op, i, number, first = args
            nodes.append(OPS[op](number, nodes[i]) if first else OPS[op](nodes[i], number))
        elif kind == "dot":
            picked = [nodes[i] for i in args[0]]
            half = len(picked) // 2
            nodes.append(dot(picked[:half], picked[half:]))
        else:
            nodes.append(vsum([nodes[i] for i in args[0]] + [1.5]))
    return nodes


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


@given(graph_programs(), st.floats(-2, 2))
def test_all_steps_leave_exactly_what_backward_leaves(prog, seed):
    reference, stepped = build(*prog), build(*prog)
    for _ in range(2):  # twice: leaves accumulate, inner nodes are zeroed first
        reference[-1].backward(seed)
        steps = list(stepped[-1].backward_steps(seed))
        for r, s in zip(reference, stepped):
            assert same(r.grad, s.grad), (prog, r, s)
    inner = [n for n in walk(stepped[-1]) if n.parents]
    assert [s.node for s in steps] == inner[::-1]
    for step in steps:
        assert [u.parent for u in step.updates] == list(step.node.parents)
        for u, local in zip(step.updates, step.node.local_grads):
            assert u.local == local and same(u.contribution, local * step.upstream)


# ----------------------------------------------------------------------------- stopped half-way
# A learner looks at two steps, stops, and calls backward(): the leaves must get the
# gradient once, not 1.x times. A stepping stopped before its end puts back the gradients
# it found, however it is stopped: closed, dropped, or left by break.


def scalar_graph():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    f = (x + y) * (x - y) + x * y
    f.label = "f"
    return f, [x, y]


def tensor_graph():
    W = Tensor([[0.5, -1.0], [2.0, 0.25]], label="W")
    b = Tensor([0.1, -0.2], label="b")
    X = Tensor([[1.0, 2.0], [-1.0, 0.5]], label="X")
    L = ((X @ W + b).tanh() * (X @ W)).sum()
    L.label = "L"
    return L, [W, b, X]


def grads(root):
    return [node.grad for node in walk(root)]


def same_grads(a, b):
    return len(a) == len(b) and all(
        (g is None and h is None) or (g is not None and h is not None and
                                      np.array_equal(np.asarray(g), np.asarray(h)))
        for g, h in zip(a, b))


def stop_after_two(root, how):
    """Run two steps of backward_steps, then stop it: close it, drop it, or break."""
    if how == "break":
        for step in root.backward_steps():
            if step.index == 2:
                break
        return
    steps = root.backward_steps()
    next(steps), next(steps)
    if how == "close":
        steps.close()
    else:
        del steps  # the last reference: Python closes the generator


ENGINES = {"Value": scalar_graph, "Tensor": tensor_graph}


@pytest.mark.parametrize("how", ["close", "drop", "break"])
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_stepping_stopped_half_way_leaves_the_gradients_as_it_found_them(engine, how):
    build = ENGINES[engine]
    reference, _ = build()
    reference.backward()
    root, _ = build()
    before = grads(root)  # no gradients yet
    stop_after_two(root, how)
    assert same_grads(grads(root), before)
    root.backward()  # once, not 1.x times
    assert same_grads(grads(root), grads(reference))

    root.backward()  # gradients from before (accumulated twice) are put back as they were
    before = grads(root)
    stop_after_two(root, how)
    assert same_grads(grads(root), before) and all(
        a is b for a, b in zip(grads(root), before))


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_stepping_run_to_its_last_step_is_a_whole_backward_pass(engine):
    reference, _ = ENGINES[engine]()
    reference.backward()
    root, _ = ENGINES[engine]()
    steps = root.backward_steps()
    for _ in range(sum(1 for node in walk(root) if node.parents)):
        next(steps)  # every step, but the generator not yet finished: nothing to put back
    del steps
    assert same_grads(grads(root), grads(reference))


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_backward_while_a_stepping_is_paused_is_refused(engine):
    # a learner who calls backward() (or grad()) while a stepping is paused half-way would
    # get 1.x gradients: refused, with what to do; a graph sharing nothing is not concerned
    reference, _ = ENGINES[engine]()
    reference.backward()
    root, _ = ENGINES[engine]()
    steps = root.backward_steps()
    next(steps), next(steps)
    partial = grads(root)
    with pytest.raises(RuntimeError, match=r"backward_steps\(\) is paused half-way .* finish "
                                           r"the stepping, or close it"):
        root.backward()
    with pytest.raises(RuntimeError, match="paused half-way"):
        tinygrad_edu.grad(root, [n for n in walk(root) if not n.parents])
    assert same_grads(grads(root), partial)  # nothing added
    other, _ = ENGINES[engine]()
    other.backward()  # shares no node with the paused one
    assert same_grads(grads(other), grads(reference))
    steps.close()
    root.backward()
    assert same_grads(grads(root), grads(reference))


def test_refused_for_a_graph_that_shares_a_node_and_for_the_fast_path():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    f, g = x * y + x, (x + 1.0) * (x + 1.0)  # share x
    steps = f.backward_steps()
    next(steps)
    with pytest.raises(RuntimeError, match=r"f\.backward_steps\(\)|v\d+\.backward_steps"):
        g.backward()  # the plain-number fast path (fast.backward_values) checks too
    for _ in steps:
        pass  # run to its end: nothing is paused any more
    g.backward()
    assert x.grad == 3.0 + 8.0


def test_gradients_changed_during_a_stepping_are_left_and_said():
    # something else changes the gradients while a stepping is paused (a zero_grad(), an
    # assignment): the stepping cannot go on (its next upstream gradient is not its pass's),
    # and says so
    f, (x, _) = scalar_graph()
    steps = f.backward_steps()
    next(steps), next(steps)
    partial = x.grad  # step 2 was x * y: x.grad += y
    assert partial == 2.0
    x.grad = 5.0
    with pytest.raises(RuntimeError, match=r"^backward_steps: \S+\.grad changed after step 2 "
                                           r"\(another backward pass.*call zero_grad\(\) and "
                                           r"backward\(\) again.*f\.backward_steps\(\)"):
        next(steps)
    f.zero_grad()
    steps = f.backward_steps()
    next(steps)
    f.zero_grad()  # and if it is dropped instead, a warning says the same
    with pytest.warns(RuntimeWarning, match=r"backward_steps stopped after 1 steps, and "
                                            r".*changed meanwhile"):
        del steps
    assert x.grad == 0.0  # left as it was: the stepping had not reached x


# ----------------------------------------------------------------------------- names, text


def test_names_are_labels_or_v_numbers_in_walk_order():
    f = sum_times_difference()[2]
    names = node_names(f)
    assert [names[n] for n in walk(f)] == ["x", "y", "v1", "v2", "f"]
    fresh = sum_times_difference()[2]
    assert list(node_names(fresh).values()) == list(names.values())


def test_repeated_labels_and_clashes_stay_unique():
    a, b = Value(1.0, label="b"), Value(2.0, label="b")
    v1 = Value(3.0, label="v1")
    out = (a + b) * v1
    names = node_names(out)
    assert [names[n] for n in walk(out)] == ["b", "b#2", "v2", "v1", "v3"]


def test_text_graph_of_the_sum_times_difference():
    f = sum_times_difference()[2]
    f.backward()
    assert text_graph(f) == "\n".join([
        "value  computed as  data  grad",
        "x      (leaf)        3.0   6.0",
        "y      (leaf)        2.0  -4.0",
        "v1     x + y         5.0   1.0",
        "v2     x - y         1.0   5.0",
        "f      v1 * v2       5.0   1.0",
    ])


def test_text_graph_stays_one_short_line_per_node_for_a_network():
    model = MLP(8, [16, 1], seed=0)
    out = model([Value(0.1 * i, label=f"x{i}") for i in range(8)])
    out.backward()
    lines = text_graph(out).splitlines()
    assert len(lines) == len(walk(out)) + 1 > 200
    assert max(map(len, lines)) <= 100
    assert "…" in text_graph(out)  # the 16-input dot is shortened
    assert any(line.startswith("layers.0.neurons.1.w.0 ") for line in lines)


def test_module_doctests():
    failures, tried = doctest.testmod(tinygrad_edu.viz.stepping)
    assert tried >= 5 and failures == 0


def test_function_and_method_agree():
    _, _, f = sum_times_difference()
    _, _, g = sum_times_difference()
    assert [str(s) for s in backward_steps(f)] == [str(s) for s in g.backward_steps()]


def test_bad_seed_is_refused():
    with pytest.raises(TypeError, match="backward_steps"):
        list(Value(1.0).backward_steps("one"))


def test_the_guide_five_lines_print_what_the_guide_shows():
    guide = Path(__file__).resolve().parents[2] / "docs" / "guides" / "stepping.md"
    section = guide.read_text(encoding="utf-8")
    code, shown = re.findall(r"```(?:python|text)\n(.*?)```", section, re.S)[:2]
    assert len(code.strip().splitlines()) == 5
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})
    assert out.getvalue() == shown
