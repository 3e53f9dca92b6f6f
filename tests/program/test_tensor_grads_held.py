"""A tensor held outside a compiled function whose ``.grad`` is read inside (a learner
checking the scalar engine against the tensor engine, a gradient-matching loss): a new
``backward()`` between calls rebinds its gradient (this package's Tensor) or adds into it in
place (PyTorch's). The gradient is a place of its own, guarded by its numbers as the
tensor's are: captured again, said, the engine's numbers. Before (a64f's F3), the program
kept the first capture's gradient, silently, native and as Python."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

pytest.importorskip("numpy")
W, B = Value(0.5), Value(0.1)


def _each_call(f, changes, native):
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for change in changes:
            change()
            same(step, f, [W, B])
    return step, [str(w.message) for w in said if w.category is ProgramWarning]


@pytest.mark.parametrize("native", [True, False])
def test_a_tensors_gradient_made_again_is_read_again(native):
    from tinygrad_edu.tensor import Tensor

    t = Tensor([1.0, 2.0])

    def backward(k):
        def run():
            t.grad = None
            (t * t * (1.0 + k)).sum().backward()
        return run

    def loss():
        return (W * float(t.grad[1]) + B - 1.0) ** 2

    backward(0)()
    step, said = _each_call(loss, [lambda: None, lambda: None, backward(2), lambda: None],
                            native)
    assert step.captures == 2 and step.runs == 2, said
    assert said and all("because t.grad is not what it was" in s for s in said), said


@pytest.mark.parametrize("native", [True, False])
def test_a_gradient_first_made_between_calls_is_read_again(native):
    from tinygrad_edu.tensor import Tensor

    t = Tensor([1.0, 2.0])

    def loss():
        return (W * (0.0 if t.grad is None else float(t.grad[0])) + B) ** 2

    def backward():
        (t * 3.0).sum().backward()

    step, said = _each_call(loss, [lambda: None, lambda: None, backward, lambda: None],
                            native)
    assert step.captures == 2 and step.runs == 2, said


@pytest.mark.parametrize("native", [True, False])
def test_a_torch_gradient_added_into_in_place_is_read_again(native):
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)

    def backward():
        (x * x).sum().backward()  # (adds into x.grad, the same tensor, in place)

    def loss():
        return (W * x.grad[1].item() + B - 1.0) ** 2

    backward()
    step, said = _each_call(loss, [lambda: None, lambda: None, backward, lambda: None],
                            native)
    assert step.captures == 2 and step.runs == 2, said
    assert said and all("because x.grad is not what it was" in s for s in said), said
