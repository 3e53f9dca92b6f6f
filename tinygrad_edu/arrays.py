"""Is this an array, a Tensor, or a node of either engine? Asked without importing NumPy.

The scalar engine and every tool it uses (stepping, drawing, replay pages, gradcheck, the
hypothesis strategies, the exercises on Values) run where NumPy is not installed, as in a
browser: NumPy is imported by the tensor engine and by the code that handles arrays, and by
nothing else. Until NumPy has been imported no array can exist, and until the tensor engine
has been imported no Tensor can exist, so ``sys.modules`` answers both questions.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    import numpy as np

__all__ = ["is_array", "is_node", "is_tensor"]


def is_array(x: object) -> TypeGuard[np.ndarray]:
    """Is ``x`` a NumPy array?"""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray)


def is_tensor(x: object) -> bool:
    """Is ``x`` a node of the tensor engine (a ``Tensor``)? (Asked by name: this module sits
    below the engines.)"""
    tensor = getattr(sys.modules.get("tinygrad_edu.tensor.engine"), "Tensor", None)
    return tensor is not None and isinstance(x, tensor)


def is_node(x: object) -> bool:
    """A Value or a Tensor (anything with ``parents``), rather than a number or an array."""
    return hasattr(x, "parents")
