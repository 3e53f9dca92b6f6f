"""A Value copied inside a compiled function (found by an independent attacker: each was
refused as reading ``.grad``, which the learner's code did not). ``copy.deepcopy`` (of a
Value, a node, a model) and ``copy.copy`` of a leaf are the engine's copies (every attribute;
a node's graph), each copied number followed as it changes: the engine's numbers, call after
call (a64: a leaf's attributes and a node's graph were lost). ``v.detach()`` is the engine's
too (its class, its label).
``copy.copy`` of a node (a new node sharing its parents) and a pickle of a Value (bytes
holding its number now) are refused, naming the line and saying what to use instead."""

import copy
import pickle
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.7, label="w")
B = Value(-0.2)


class Model:
    def __init__(self):
        self.params = [W, B]


MODEL = Model()


def copied(x):
    a = copy.copy(W)  # (a leaf: gradients reach the copy, not W)
    c = copy.copy(x)
    z = W * x + B
    d = copy.deepcopy(z)  # (its graph copied: no gradient reaches W, B or x through it)
    m = copy.deepcopy(MODEL)
    w2, b2 = m.params
    both = copy.deepcopy([W, W])
    assert both[0] is both[1] and a.label == "w"
    return a * x + c * 2.0 + d * z + (w2 - b2) * W + both[0] * 0.5 + z


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_deep_copy_or_a_copy_of_a_leaf_is_the_engines(native):
    step = compile(copied, native=native)
    for k in range(4):
        W.data, B.data = 0.7 + k, -0.2 * k
        same(step, copied, [W, B], Value(1.0 + 0.5 * k))
    assert step.captures == 1


def node_copied(x):
    z = W * x
    return copy.copy(z) * 2.0 + z


def pickled(x):
    return pickle.loads(pickle.dumps(W)) * x + W


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_copy_of_a_node_or_a_pickle_is_refused_with_the_line(native):
    with pytest.raises(RuntimeError, match=r"copies a node with copy\.copy .*use the Value "
                                           r"itself.* at test_copied\.py:\d+: "):
        compile(node_copied, native=native)(Value(1.0))
    with pytest.raises(RuntimeError, match=r"pickles a Value .*pickle outside the compiled "
                                           r"function.* at test_copied\.py:\d+: "):
        compile(pickled, native=native)(Value(1.0))


class Param(Value):
    """A Value of one's own: a flag its __init__ keeps, a relu of its own."""

    def __init__(self, data, *more, decay=True, **named):
        Value.__init__(self, data, *more, **named)  # (super(): a cell, said unguarded)
        self.decay = decay

    def relu(self):
        return self * 0.5


P = Param(-0.6, label="bias")
Q = Param(0.1, decay=False, label="q")
R = Param(0.3)


def detached(x):
    frozen = P.detach()  # (PyTorch's habit: a constant copy)
    decay = 0.0 if frozen.label == "bias" else 0.1  # (the engine's: its label kept)
    kind = 1.0 if isinstance(frozen, Param) and type(frozen) is Param else 2.0
    named = 4.0 if R.detach().label else 8.0  # (the class's label, until one is set)
    return W * x + frozen.relu() * kind + W * decay * named  # (the engine's: Param.relu)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_detach_keeps_the_label_and_the_class_as_the_engines_does(native):
    """``v.detach()`` inside a compiled function was ``Value(v.data)``: no label, no
    subclass (an attacker's, a64: 0.525 where the engine gave 0.15, from the first call).
    It is the engine's ``type(v)(v.data, label=v.label)``, its number followed."""
    step = compile(detached, native=native)
    try:
        for k in range(4):
            P.data = -0.6 + k
            if k == 2:
                P.label, R.label = "b", "r"  # (another branch: captured again, said)
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                same(step, detached, [W, P], 0.6 + 0.7 * k)
            assert bool(said) == (k == 2), [str(w.message) for w in said]
        assert step.captures == 2
    finally:
        P.label = "bias"
        del R.label


def attributes_copied(x):
    frozen = copy.deepcopy([W, P, Q])  # (a target copy: no gradient reaches them)
    reg = sum((q * q for q in frozen[1:] if q.decay), Value(0.0))  # (the engine's: P only)
    shallow = copy.copy(Q)
    extra = getattr(copy.copy(W), "wd", 0.5) + (1.0 if shallow.decay else 3.0)
    assert type(shallow) is Param and shallow.label == "q" and frozen[0].label == "w"
    return (W * x + Q - 1.0) ** 2 + reg * 0.1 + shallow * extra + frozen[2] * x


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_copy_of_a_leaf_keeps_every_attribute_the_engines_copy_keeps(native):
    """``copy.copy`` and ``copy.deepcopy`` of a leaf kept its number and label only: a flag
    set on it (``w.wd = 0.0``), or kept by a subclass's __init__ (``decay``), was lost or
    reset (an attacker's, a64: 0.386 where the engine gave 0.385). The copy is the engine's
    (every field, its ``__dict__``), its number followed; a flag changed between calls is
    the engine's too."""
    step = compile(attributes_copied, native=native)
    W.wd = 0.0
    try:
        for k in range(4):
            Q.data, P.data = 0.1 + k, -0.6 * k
            if k == 2:
                P.decay, W.wd = False, 0.25
            same(step, attributes_copied, [W, P, Q], 0.6 + 0.7 * k)
    finally:
        del W.wd
        P.decay = True


def node_deep_copied(x):
    z = (W * x).tanh()
    snapshot = copy.deepcopy(z)  # (its graph copied: op, parents)
    depth = 1.0 + len(snapshot.parents) + len(copy.deepcopy([z, z * B])[1].parents)
    kind = 2.0 if snapshot.op == "tanh" and snapshot.parents[0].op == "*" else 3.0
    return z * depth * kind + snapshot * snapshot.parents[0] + snapshot.parents[0].parents[0]


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_deep_copy_of_a_node_is_its_graph_copied_as_the_engines(native):
    """``copy.deepcopy(node)`` was a new leaf: its op, its parents were lost (an attacker's,
    a64: 1.2657 where the engine gave 1.6876, from the first call). It is the engine's copy
    of the node's graph, each copied node's number followed (the original's), no gradient
    reaching the caller's Values through it; its local derivatives are refused, as a node's
    are."""
    step = compile(node_deep_copied, native=native)
    verified = compile(attributes_copied, native=native, verify=1)  # (the engine's copies:
    for k in range(4):  # leaves made in the call, as the program's are, to verify= too)
        W.data, B.data = 0.75 + 0.5 * k, -0.2 * k
        same(step, node_deep_copied, [W, B], 0.6 + 0.7 * k)
        same(verified, attributes_copied, [W, P, Q], 0.6 + 0.7 * k)
    assert step.captures == 1

    def slope(x):
        z = (W * x).tanh()
        return z * copy.deepcopy(z)._local_grads[0]

    with pytest.raises(RuntimeError, match=r"_local_grads .* at test_copied\.py:\d+: "):
        compile(slope, native=native)(1.3)
