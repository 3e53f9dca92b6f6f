"""A ``torch.nn`` module held outside whose weights change in place between calls (a teacher
trained by its own optimizer): its parameters (``torch.nn.Parameter``, a subclass of
``torch.Tensor``) are held by their numbers as a tensor is, so a change captures again,
said. Before, a Parameter was an object walked by its attributes, and the capture's targets
stayed (an attacker's a64c f7: 0.5 at every call where the engine gives 0.11075; with
``teacher.bias.item()``, 0.576 where the engine gives 3.456)."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("native", [True, False])
def test_a_torch_modules_weights_changed_in_place_are_followed(native):
    w, b = Value(0.7), Value(0.3)
    teacher = torch.nn.Linear(1, 1, dtype=torch.float64)
    with torch.no_grad():
        teacher.weight.fill_(0.5)
        teacher.bias.fill_(0.1)

    def f(x):
        with torch.no_grad():
            t = teacher(torch.tensor([[x]], dtype=torch.float64))[0, 0].item()
        return (w * x + b - t) ** 2 * teacher.bias.item()

    step = compile(f, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for k in range(4):
            with torch.no_grad():
                teacher.weight.add_(0.25 * (k == 1))
                teacher.bias.add_(0.5 * (k == 3))
            same(step, f, [w, b], 1.0 + k)
    assert any("teacher._parameters['weight'] is not what it was" in str(s.message)
               for s in said)
