"""A model of the package compiled itself, ``compile(model)``, sees its parameters, neurons and
layers replaced as ``compile(model.__call__)`` does: found by an independent attacker,
the capture looked for ``__call__`` on the model's own class only (MLP
inherits Module's), so the model was no root of its walk: after
``m.layers[1].neurons[0].b = Value(3.0)`` the engine gave 2.832, the program -0.168."""

import warnings

import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.nn import MLP, Layer
from tinygrad_edu.program import compile

X = [0.5, -1.0]


def _changes(m):
    yield lambda: setattr(m.layers[1].neurons[0], "b", Value(3.0))
    yield lambda: m.layers.__setitem__(1, Layer(3, 1, seed=4))
    yield lambda: m.layers.append(Layer(1, 1, seed=5))
    yield lambda: setattr(m, "layers", m.layers[:1])


@pytest.mark.parametrize("native", [True, False])
def test_a_parameter_neuron_or_layer_replaced_is_seen_by_the_model_compiled(native):
    m = MLP(2, [3, 1], seed=0)
    fast = compile(m, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for change in _changes(m):
            fast(X)
            fast(X)
            change()
            ours, theirs = fast(X), m(X)
            got = [ours] if not isinstance(ours, list) else ours
            want = [theirs] if not isinstance(theirs, list) else theirs
            assert [bits(r.data) for r in got] == [bits(v.data) for v in want]


@pytest.mark.parametrize("native", [True, False])
def test_a_neuron_removed_raises_as_the_engine(native):
    m = MLP(2, [3, 1], seed=0)
    fast = compile(m, native=native)
    fast(X)
    fast(X)
    m.layers[0].neurons.pop()
    with pytest.raises(ValueError) as theirs:
        m(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as ours:
            fast(X)
    assert str(ours.value) == str(theirs.value)
