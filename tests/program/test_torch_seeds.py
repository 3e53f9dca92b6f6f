"""PyTorch's seeds and generators' states inside a compiled function (``torch_seeds.py``):
``torch.initial_seed()``, ``torch.seed()``, ``torch.random``'s and ``torch.cuda``'s seeds and
states are refused, naming the learner's line. Before, ``torch.initial_seed()`` after
``torch.manual_seed(k)`` outside between calls kept the capture's number silently (r4 b, e:
1.0 at every call where the engine gives 1.0, 3.0, 5.0); ``torch.cuda.manual_seed`` was
refused naming torch's ``__init__.py:467``, not the learner's line (r4 d).

A ``torch.Generator`` of the learner's is a generator reached outside: one the function
reseeds (``g.seed()``) is refused, naming the line that read it; one whose seed or state it
reads (``g.initial_seed()``, ``g.get_state()``) is checked at every call, and captured again
where it was set outside. Before, ``g.seed()`` kept the capture's number silently (r4 c:
417.0 at every call where the engine gives 1727.0, 1375.0, 683.0)."""

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

torch = pytest.importorskip("torch")

READS = {
    "initial_seed": lambda: float(torch.initial_seed() % 1000),
    "seed": lambda: float(torch.seed() % 1000),
    "random.initial_seed": lambda: float(torch.random.initial_seed() % 1000),
    "get_rng_state": lambda: float(torch.get_rng_state()[0]),
    "manual_seed": lambda: float(torch.manual_seed(3).initial_seed()),
    "cuda.manual_seed": lambda: float(torch.cuda.manual_seed(3) is None),
    "cuda.initial_seed": lambda: float(torch.cuda.initial_seed() % 1000),
}
SAID = {"initial_seed": "torch.initial_seed", "seed": "torch.seed",
        "random.initial_seed": "torch.random.initial_seed",
        "get_rng_state": "torch.get_rng_state", "manual_seed": "torch.manual_seed",
        "cuda.manual_seed": "torch.cuda.manual_seed",
        "cuda.initial_seed": "torch.cuda.initial_seed"}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("read", sorted(READS))
def test_torchs_seed_read_or_set_inside_is_refused_naming_the_learners_line(read, native):
    w = Value(2.0)
    got = READS[read]
    if read == "cuda.initial_seed" and not torch.cuda.is_available():
        got = READS["initial_seed"]  # (no CUDA: torch.cuda.initial_seed raises, as the engine)
        read = "initial_seed"

    def f():
        return w * got() + 1.0

    state = torch.get_rng_state()
    try:
        with pytest.raises(RuntimeError, match=r"PyTorch's random seed or generator state \(" +
                           SAID[read].replace(".", r"\.") + r"\).* outside the compiled "
                           r"function.* at test_torch_seeds\.py:\d+: \"" + read):
            compile(f, native=native)()
    finally:
        torch.set_rng_state(state)


@pytest.mark.parametrize("native", [True, False])
def test_a_generators_seed_set_outside_between_calls_is_checked(native):
    w, b = Value(2.0), Value(1.0)
    g = torch.Generator()

    def f():
        return w * float(g.initial_seed() % 1000) + b * float(g.get_state()[8])

    step = compile(f, native=native)
    for k in (1, 2, 3, 3, 700):
        g.manual_seed(k)
        same(step, f, [w, b])


@pytest.mark.parametrize("native", [True, False])
def test_a_generator_reseeded_inside_is_refused_naming_the_line(native):
    w = Value(2.0)
    g = torch.Generator()

    def f():
        return w * float(g.seed() % 1000)

    with pytest.raises(RuntimeError, match=r"it draws from 'g \(a closure cell\)', a random "
                                           r"generator of its own \(Generator\).* at "
                                           r"test_torch_seeds\.py:\d+: return w \* "
                                           r"float\(g\.seed"):
        compile(f, native=native)()
