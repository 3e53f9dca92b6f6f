"""PyTorch's seeds and generators' states inside a compiled function (``torch_seeds.py``):
``torch.initial_seed()``, ``torch.seed()``, ``torch.random``'s and ``torch.cuda``'s seeds and
states are refused, naming the learner's line. Before, ``torch.initial_seed()`` after
``torch.manual_seed(k)`` outside between calls kept the capture's number silently (r4 b, e:
1.0 at every call where the engine gives 1.0, 3.0, 5.0); ``torch.cuda.manual_seed`` was
refused naming torch's ``__init__.py:467``, not the learner's line (r4 d)."""

import pytest

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
