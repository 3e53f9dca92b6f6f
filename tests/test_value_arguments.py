"""Value(data, children, local_grads), microgpt's way of making a node by hand: children
given as something other than a tuple or list of Values are named as such, and never taken
for a label (issue 40, item 5: the second argument is a label only when it is a string)."""

import pytest

from tinygrad_edu import Value

WHERE = "Value(data, children, local_grads): children must be a tuple or list of Values, got "


def test_a_generator_as_children_is_named_and_not_taken_for_a_label():
    xs = [Value(1.0, label="x0"), Value(2.0, label="x1")]
    with pytest.raises(TypeError) as error:
        Value(3.0, (v for v in xs), [1.0, 1.0])
    assert str(error.value) == WHERE + (
        "a generator; make it a tuple first: Value(data, tuple(children), local_grads)")
    with pytest.raises(TypeError) as error:
        Value(3.0, map(lambda v: v, xs), [1.0, 1.0])
    assert str(error.value) == WHERE + (
        "a map; make it a tuple first: Value(data, tuple(children), local_grads)")
    assert all(v.grad == 0.0 and v.parents == () for v in xs)  # nothing was made of them
    node = Value(3.0, tuple(v for v in xs), [1.0, 1.0])  # what the message says to write
    assert node.parents == tuple(xs) and node.local_grads == (1.0, 1.0)


def test_a_single_value_as_children_is_named_and_not_taken_for_a_label():
    x = Value(1.0, label="x")
    with pytest.raises(TypeError) as error:
        Value(3.0, x, [1.0])
    assert str(error.value) == WHERE + (
        "a Value; one child is written (child,): Value(data, (child,), (local_grad,))")
    assert Value(3.0, (x,), [1.0]).parents == (x,)
