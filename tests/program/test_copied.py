"""A Value copied inside a compiled function (found by an independent attacker: each was
refused as reading ``.grad``, which the learner's code did not). ``copy.deepcopy`` (of a
Value, a node, a model) and ``copy.copy`` of a leaf are a new leaf holding its number, as the
engine's copy is: the engine's numbers, call after call, its number followed as it changes.
``copy.copy`` of a node (a new node sharing its parents) and a pickle of a Value (bytes
holding its number now) are refused, naming the line and saying what to use instead."""

import copy
import pickle

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
