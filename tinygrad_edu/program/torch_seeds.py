"""PyTorch's seeds and generators' states, read or set inside a compiled function: refused,
naming the learner's line (``patches``: what a capture puts in place of PyTorch's functions
while it runs). ``torch.initial_seed()``, ``torch.seed()``, ``torch.manual_seed(k)``,
``torch.get_rng_state()``, ``torch.set_rng_state(s)`` (and ``torch.random``'s, which they
are), ``torch.random.fork_rng``, and ``torch.cuda``'s (``manual_seed``, ``seed``,
``initial_seed``, ``get_rng_state``... and their ``_all``): their state lives in C, where a
program can neither follow what a seed read gives (``torch.manual_seed(k)`` called outside
between calls: the program would keep the capture's number) nor set it again (``seed()``
draws a new one from the system's random bytes at every call). Read the seed, or seed, outside
the compiled function and pass the numbers in.

A ``torch.Generator`` of the learner's (``g.seed()``, ``g.initial_seed()``, ``g.get_state()``:
methods of a C type, which a capture cannot put its own in place of) is a generator the
capture reaches outside (``kinds.py``): one whose state the function changes is refused, naming
the line that read it (``randomness.generators_drawn``), and its state (its seed and
``get_state()``) is kept and checked at every call (``states.torch_generator``): set outside
between calls, the function is captured again."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tinygrad_edu.program.traced import recording

__all__ = ["patches"]

NAMES = {
    "torch": ("initial_seed", "seed", "manual_seed", "get_rng_state", "set_rng_state"),
    "torch.random": ("initial_seed", "seed", "manual_seed", "get_rng_state",
                     "set_rng_state", "fork_rng"),
    "torch.cuda": ("initial_seed", "seed", "seed_all", "manual_seed", "manual_seed_all",
                   "get_rng_state", "get_rng_state_all", "set_rng_state",
                   "set_rng_state_all"),
}
"""PyTorch's functions that read or set its generators' seeds and states, by module."""


def patches() -> list[tuple[Any, str, Any]]:
    """(owner, name, what stands in for it while a capture runs): only where PyTorch is
    imported already (its modules as they are: ``torch.cuda`` is one of ``torch``'s)."""
    found: list[tuple[Any, str, Any]] = []
    for module_name, names in NAMES.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        for name in names:
            function = getattr(module, name, None)
            if callable(function):
                found.append((module, name, _refused(function, f"{module_name}.{name}")))
    return found


def _refused(function: Callable[..., Any], said: str) -> Callable[..., Any]:
    """``function`` as a capture sees it: refused, naming the learner's line; it runs all the
    same (the capture goes on as the engine would, and says why it cannot be a program)."""
    def refused(*args: Any, **options: Any) -> Any:
        found = recording()
        if found is not None:
            found.refuse(f"it reads or sets PyTorch's random seed or generator state "
                         f"({said}), which lives in C, where a program cannot follow it "
                         "(a seed set outside between calls, a new seed at every call); "
                         "read the seed, or seed, outside the compiled function and pass "
                         "the numbers in")
        return function(*args, **options)

    refused.__name__ = getattr(function, "__name__", said.rsplit(".", 1)[-1])
    refused.__qualname__ = refused.__name__
    refused.__doc__ = function.__doc__
    return refused
