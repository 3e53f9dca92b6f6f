"""Named scopes mark the values a part of a model makes; the nn layers open theirs."""

import threading

import pytest

from tinygrad_edu import Value, dot, named_scope, no_grad, scope_of, walk
from tinygrad_edu.nn import MLP


def test_values_made_inside_nested_scopes_carry_the_path():
    x = Value(2.0, label="x")
    with named_scope("block"):
        a = x * 3.0
        with named_scope("mlp"):
            b = (a + x).relu()
            c = dot([a, b], [x, 1.0])
            d = Value(c.data, (c,), (1.0,))  # made by hand, microgpt's way
        e = d.tanh()
    f = e * 2.0
    assert [scope_of(v) for v in (x, a, b, c, d, e, f)] == [
        "", "block", "block/mlp", "block/mlp", "block/mlp", "block", ""]


def test_a_decorated_function_opens_its_scope_on_every_call():
    @named_scope("norm")
    def rms(v):
        return v * (v * v + 1e-5) ** -0.5

    @named_scope
    def attention(v):
        return rms(v).exp()

    y = attention(Value(0.5))
    assert scope_of(y) == "attention" and scope_of(y.parents[0]) == "attention/norm"
    assert attention.__name__ == "attention"


def test_a_scope_is_closed_on_an_error_and_kept_per_thread():
    with pytest.raises(ZeroDivisionError), named_scope("broken"):
        Value(1.0) / 0.0
    assert scope_of(Value(1.0) * 2.0) == ""
    seen = []

    def other_thread():
        seen.append(scope_of(Value(1.0) * 2.0))

    with named_scope("mine"):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        assert scope_of(Value(1.0) * 2.0) == "mine"
    assert seen == [""]


def test_no_grad_values_have_no_scope_and_names_are_checked():
    with named_scope("eval"), no_grad():
        assert scope_of(Value(1.0) * 2.0) == ""
    for bad in ("", "a/b", 3):
        with pytest.raises(ValueError, match="named_scope: a scope's name"):
            named_scope(bad)


def test_the_layers_of_a_model_mark_what_they_make_by_their_attribute_names():
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([Value(0.5), Value(-1.0)])
    scopes = {scope_of(node) for node in walk(out) if node.parents}
    assert scopes == {"layers.0", "layers.1", "layers.2"}
    assert scope_of(out) == "layers.2"
