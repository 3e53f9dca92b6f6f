"""The one place where the engine reaches the layers above it: by name, when first asked.

A Value does a few things with the help of a tool that stands above the engine, which the
engine does not import: ``backward(create_graph=True)`` and ``backward(inputs=...)``
(``autograd/gradients.py``), ``backward_steps()`` (``viz/stepping.py``). Its methods find
them here, by the name in ``ABOVE``, importing the module the first time one is asked for;
and a pickled graph finds the built-in ops of the rooms beside the engine (``dot``, ``vsum``,
second derivatives' helpers) by importing ``BUILT_IN_OPS``. Nothing else in the engine's
layer reaches up (``tests/test_layers.py`` checks it), so ``from tinygrad_edu import Value``
loads the engine alone.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ABOVE", "BUILT_IN_OPS", "above", "load_built_in_ops"]

ABOVE = {
    "backward_into": "tinygrad_edu.autograd.gradients",  # create_graph, inputs
    "backward_steps": "tinygrad_edu.viz.stepping",  # backward one node at a time
}
"""What a Value's methods ask for, and the module that has it."""

BUILT_IN_OPS = ("tinygrad_edu.sums", "tinygrad_edu.autograd.higher")
"""The modules beside the engine that register built-in ops (or hide helper ops)."""


def above(name: str) -> Any:
    """The function ``name`` of the module ``ABOVE`` names for it, imported if need be."""
    module = ABOVE[name]
    if module not in sys.modules:
        __import__(module)
    return getattr(sys.modules[module], name)


def load_built_in_ops() -> None:
    """Import the modules that register built-in ops (once each), so that every one can be
    found by its name."""
    for module in BUILT_IN_OPS:
        if module not in sys.modules:
            __import__(module)
