"""Code written for micrograd runs on tinygrad_edu's Value with only its imports changed.

The code below is written for this project in the style of micrograd's repository and of
the lecture in which its engine is built cell by cell: it reads ``_prev`` and ``_op``,
builds the topological order by hand, calls ``_backward()`` node by node, draws the graph
with its own Graphviz function, and trains its own Neuron, Layer and MLP classes. The same
code also runs on ``LectureValue``, the lecture's own Value (``tinygrad_edu.exercises.lecture``:
closures in ``_backward``, ``_prev`` a set, ``label``, ``tanh``), and the numbers must agree;
PyPI's ``micrograd==0.1.0`` (which has no ``label`` or ``tanh``) checks ``tinygrad_edu.nn``.
"""

import math
import random

import pytest

from tinygrad_edu import Value
from tinygrad_edu.exercises.lecture import Value as LectureValue

ENGINES = pytest.mark.parametrize("V", [Value, LectureValue], ids=["tinygrad_edu", "lecture"])


# ----------------------------------------------------------------------------- the attributes


def test_every_value_has_micrographs_attributes_with_micrograds_types():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    assert c._prev == {a * b and c.parents[0], a} and isinstance(c._prev, set)
    assert (c._op, c.parents[0]._op, a._op) == ("+", "*", "")
    assert isinstance(c._op, str) and c.label == "" and a.label == "a"
    assert (a * a)._prev == {a}  # a set: the one value, once
    a._backward()  # a leaf's step does nothing
    assert (a.grad, b.grad) == (0.0, 0.0)
    assert c.op == "+" and c.parents[1] is a and len(c.local_grads) == 2  # ours stay


@pytest.mark.parametrize("call", [
    lambda a, b: Value(5.0, (a, b), "+"),
    lambda a, b: Value(5.0, (a, b)),
    lambda a, b: Value(5.0, _children=(a, b), _op="+"),
    lambda a, b: Value(5.0, label="c", _op="+"),
])
def test_micrograds_internal_arguments_say_what_to_write(call):
    with pytest.raises(TypeError, match=r"how micrograd's operators make a node.*write a \+ b"):
        call(Value(2.0), Value(3.0))


def test_other_wrong_arguments_are_named():
    with pytest.raises(TypeError, match="the label must be a string such as 'x1', got int 3"):
        Value(1.0, 3)
    with pytest.raises(TypeError, match="keyword lable="):
        Value(1.0, lable="x")


# ----------------------------------------------------------------------------- the lecture


def lecture_expression(V):
    a, b, c = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = V(-2.0, label="f")
    L = d * f
    L.label = "L"
    return a, b, c, d, e, f, L


def lecture_neuron(V):
    x1, x2 = V(2.0, label="x1"), V(0.0, label="x2")
    w1, w2 = V(-3.0, label="w1"), V(1.0, label="w2")
    b = V(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o


@ENGINES
def test_the_first_expression_of_the_lecture(V):
    a, b, c, d, e, f, L = lecture_expression(V)
    L.backward()
    assert L.data == -8.0
    assert [v.grad for v in (a, b, c, d, e, f)] == [6.0, -4.0, -2.0, -2.0, -2.0, 4.0]


@ENGINES
def test_the_neuron_by_hand_with_backward_called_node_by_node(V):
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o = lecture_neuron(V)
    assert round(o.data, 4) == 0.7071
    o.grad = 1.0
    for node in (o, n, b, x1w1x2w2, x2w2, x1w1):
        node._backward()
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "n": 0.5, "b": 0.5}
    for v in (x1, w1, x2, w2, n, b):
        assert v.grad == pytest.approx(expected[v.label], abs=1e-6)


@ENGINES
def test_the_topological_sort_by_hand_then_backward_in_reverse(V):
    *_, o = lecture_neuron(V)
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    assert topo[-1] is o and len(topo) == 10
    position = {id(v): i for i, v in enumerate(topo)}  # by node: Values compare by number
    assert all(position[id(child)] < position[id(v)] for v in topo for child in v._prev)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    by_label = {v.label: v.grad for v in topo}
    assert by_label["x1"] == pytest.approx(-1.5) and by_label["w2"] == 0.0


def trace(root):
    """The lecture's way to collect the graph: every node and every (child, node) edge."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def lecture_draw_dot(root):
    """The lecture's drawing: a record per value, a node per op named id + op."""
    from graphviz import Digraph

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031
        dot.node(name=uid, label=label, shape="record")  # (the lecture's own % formatting)
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


@ENGINES
def test_the_lectures_own_draw_dot(V):
    *_, o = lecture_neuron(V)
    o.backward()
    source = lecture_draw_dot(o).source
    assert "{ o | data 0.7071 | grad 1.0000 }" in source
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in source
    assert source.count("label=tanh") == 1 and source.count("label=\"*\"") == 2
    assert len(trace(o)[0]) == 10 and len(trace(o)[1]) == 9


@ENGINES
def test_a_value_used_twice_and_the_tanh_written_with_exp(V):
    a = V(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0  # the lecture's bug, fixed by += in _backward
    *_, n, _ = lecture_neuron(V)
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5)) and n.grad == pytest.approx(0.5)


class Neuron:
    def __init__(self, V, nin):
        self.w = [V(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = V(random.uniform(-1, 1))

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self):
        return [*self.w, self.b]


class Layer:
    def __init__(self, V, nin, nout):
        self.neurons = [Neuron(V, nin) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, V, nin, nouts):
        sizes = [nin, *nouts]
        self.layers = [Layer(V, sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def lecture_training(V, steps=20):
    """The lecture's four examples, MLP(3, [4, 4, 1]) and 20 steps of gradient descent."""
    random.seed(1337)
    n = MLP(V, 3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(steps):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    return losses, [y.data for y in ypred]


def test_the_lectures_own_network_trains_to_the_lectures_numbers():
    ours, our_preds = lecture_training(Value)
    theirs, their_preds = lecture_training(LectureValue)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert our_preds == pytest.approx(their_preds, rel=1e-12)
    assert ours[-1] < 0.1 * ours[0]  # it learns the four targets


def test_micrograds_nn_module_runs_on_tinygrad_edus_nn():
    """``from micrograd.nn import MLP`` becomes ``from tinygrad_edu.nn import MLP``."""
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is not installed: "
                                       "pip install -e '.[dev]'")
    MicrogradMLP = micrograd_nn.MLP

    from tinygrad_edu.nn import MLP as OurMLP

    results = []
    for MLPClass in (OurMLP, MicrogradMLP):
        random.seed(0)
        model = MLPClass(2, [8, 1])
        out = model([Value(0.5), Value(-1.0)] if MLPClass is OurMLP else [0.5, -1.0])
        out.backward()
        results.append((out.data, [p.grad for p in model.parameters()]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    assert results[0][1] == pytest.approx(results[1][1], rel=1e-12)


def resolve(name):
    """``tinygrad_edu.nn.MLP`` or ``Value._prev``: the object the guide names."""
    import importlib

    if name.startswith("Value."):
        return getattr(Value, name.split(".", 1)[1])
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for part in parts[k:]:
            target = getattr(target, part)
        return target
    raise AssertionError(f"{name} names nothing")


def test_the_names_side_by_side_in_the_guide_exist():
    from pathlib import Path

    guide = Path(__file__).parent.parent / "docs" / "guides" / "from-micrograd.md"
    section = guide.read_text(encoding="utf-8")
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| ")]
    ours = [row[2].strip().strip("`") for row in rows[1:] if row[2].strip().startswith("`")]
    assert len(ours) >= 10
    for name in ours:
        assert resolve(name) is not None, name


def repository_draw_dot(root, format="svg", rankdir="LR"):
    """micrograd's repository draws without labels, left to right or top to bottom."""
    from graphviz import Digraph

    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        dot.node(name=str(id(n)), label="{ data %.4f | grad %.4f }" % (n.data, n.grad),  # noqa: UP031
                 shape="record")
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_the_repositorys_trace_graph_example_with_its_nn():
    micrograd = pytest.importorskip("micrograd", reason="micrograd is not installed: "
                                    "pip install -e '.[dev]'")
    from micrograd import nn as their_nn
    from micrograd.engine import Value as TheirValue

    from tinygrad_edu import nn as our_nn

    shown = []
    for V, nn in ((Value, our_nn), (TheirValue, their_nn)):
        x = V(1.0)
        y = (x * 2 + 1).relu()
        y.backward()
        assert (y.data, x.grad) == (3.0, 2.0)
        assert "{ data 3.0000 | grad 1.0000 }" in repository_draw_dot(y).source
        random.seed(1337)
        n = nn.Neuron(2)
        x = [V(1.0), V(-2.0)]
        y = n(x)
        y.backward()
        source = repository_draw_dot(y, rankdir="TB").source
        shown.append([y.data, *(v.grad for v in x), *(p.grad for p in n.parameters())])
        assert f"{{ data {y.data:.4f} | grad 1.0000 }}" in source
    assert micrograd is not None and shown[0] == pytest.approx(shown[1], rel=1e-12)


# ----------------------------------------------------------------------------- a Value as an object
# Programs written for micrograd treat a Value as a plain Python object: they hang their own
# attributes on it (a colour for their drawing, an optimizer's running means) and find nodes
# in lists with `in`, which compares with ==. Written here in that style (this project's own
# code), the program runs unchanged on our Value and on the lecture's.


def colour(values, name):
    for v in values:
        v._vis_color = name  # a drawing helper's mark


class AdamWithMoments:
    """Adam keeping its running means on each parameter, as such programs' optimizers do."""

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8):
        self.parameters, self.lr, (self.b1, self.b2), self.eps, self.t = \
            parameters, lr, betas, eps, 0
        for p in parameters:
            p.m, p.v = 0, 0

    def step(self):
        self.t += 1
        for p in self.parameters:
            p.m = self.b1 * p.m + (1 - self.b1) * p.grad
            p.v = self.b2 * p.v + (1 - self.b2) * p.grad ** 2
            m_hat, v_hat = p.m / (1 - self.b1 ** self.t), p.v / (1 - self.b2 ** self.t)
            p.data -= self.lr * m_hat / (v_hat ** 0.5 + self.eps)


def list_trace(root):
    """Every node and edge, found with `not in` on lists (== tells nodes apart)."""
    nodes, edges, stack = [], [], [root]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.append(v)
            for child in v._prev:
                if (child, v) not in edges:
                    edges.append((child, v))
                stack.append(child)
    return nodes, edges


def object_habits_training(V, steps=6):
    random.seed(7)
    model = MLP(V, 2, [4, 3])
    colour(model.parameters(), "lightgreen")
    optimizer = AdamWithMoments(model.parameters())
    data = [([0.5, -1.0], 0), ([1.5, 0.2], 1), ([-0.7, 0.9], 2), ([0.1, 0.1], 0)]
    losses = []
    for _ in range(steps):
        total = V(0.0)
        for x, target in data:
            for k, out in enumerate(model(x)):  # squared error against the one-hot target
                total = total + (out - (1.0 if k == target else 0.0)) ** 2
        for p in model.parameters():
            p.grad = 0.0
        total.backward()
        optimizer.step()
        losses.append(total.data)
    return losses, model, total


@ENGINES
def test_a_program_that_treats_values_as_objects_runs_unchanged(V):
    losses, model, total = object_habits_training(V)
    assert losses[-1] < losses[0]
    assert all(p._vis_color == "lightgreen" and isinstance(p.m, float) for p in
               model.parameters())
    nodes, edges = list_trace(total)
    assert len(set(map(id, nodes))) == len(nodes)  # each node once
    assert len(edges) == len({(id(c), id(v)) for c, v in edges})
    if V is Value:  # every node of the graph is found, however many hold equal numbers
        from tinygrad_edu import walk

        assert len(nodes) == len(walk(total))
        assert len(edges) == sum(len(set(map(id, n.parents))) for n in walk(total))


def test_such_a_program_gives_the_lectures_losses():
    ours, _, _ = object_habits_training(Value)
    theirs, _, _ = object_habits_training(LectureValue)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_attributes_of_your_own_are_copied_and_pickled_with_the_value():
    import copy
    import pickle

    a = Value(2.0, label="a")
    a.m, a._vis_color = 0.5, "lightblue"
    out = a * a
    for twin in (copy.deepcopy(out), pickle.loads(pickle.dumps(out))):
        leaf = twin.parents[0]
        assert (leaf.m, leaf._vis_color, leaf.label) == (0.5, "lightblue", "a")
    assert copy.copy(a).m == 0.5
