"""A draw from PyTorch's random generator inside a compiled function (``torch.rand``, a
``torch.nn.Dropout`` in training mode, ``torch.randn`` with a ``torch.Generator``,
``uniform_``, ``torch.nn.init.normal_``) is refused, naming the line, as another generator
is: its state lives in C, where a program cannot draw again. Before, the capture's draw was
the program's at every call, silently (an attacker's a64d f1: 30.2912 at every call where
the engine gives 30.2912, 27.3715, 34.9461; a dropout mask's grads (0.0, 0.0) where the
engine gives (12.0, 0.0))."""

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

torch = pytest.importorskip("torch")

DROP = torch.nn.Dropout(0.5)
GEN = torch.Generator().manual_seed(0)
DRAWS = {
    "rand": lambda: torch.rand(1).item(),
    "dropout": lambda: DROP(torch.ones(1, dtype=torch.float64)).item(),
    "generator": lambda: torch.randn(1, generator=GEN, dtype=torch.float64).item(),
    "uniform_": lambda: torch.empty(1, dtype=torch.float64).uniform_().item(),
    "init.normal_": lambda: torch.nn.init.normal_(torch.empty(1, dtype=torch.float64)).item(),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("draw", sorted(DRAWS))
def test_a_draw_from_torchs_generator_is_refused_naming_the_line(draw, native):
    w = Value(2.0)
    drawn = DRAWS[draw]

    def f():
        noise = drawn()
        return (w * 3.0 - noise) ** 2

    DROP.train()
    with pytest.raises(RuntimeError, match=r"it draws from PyTorch's random generator .*"
                                           r"outside the compiled function.* at "
                                           r"test_torch_draws\.py:\d+: \"" + draw):
        compile(f, native=native)()


def test_dropout_in_eval_mode_draws_nothing_and_is_one_program():
    w = Value(2.0)
    DROP.eval()

    def f(x):
        return (w * x * DROP(torch.ones(1, dtype=torch.float64)).item() - 1.0) ** 2

    step = compile(f, native=False)
    for x in (1.0, 2.0):
        same(step, f, [w], x)
