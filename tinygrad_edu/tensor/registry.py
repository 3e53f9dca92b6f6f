"""The tensor engine's registry of ops, ``OPS``, as ``ops.OPS`` is the scalar engine's.

It exists so that the rules are data. ``engine.py`` writes each op as a row (``row``: its
forward function on arrays, one VJP per operand, and the same in words; the same row type,
``row.Op``, as the scalar engine's) and registers it here. The tools read the rows without
importing the engine: stepping prints their words, drawing names the op, and the property
tests iterate ``OPS``. Nothing here knows about Tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.ops import enter
from tinygrad_edu.row import Op

__all__ = ["OPS", "TensorOp", "register", "row"]

Vjp = Callable[..., Any]  # vjp(g, *operands, out, *params): the gradient of one operand


TensorOp = Op
"""The row of a tensor op: the one row type of both engines (``row.Op``), made with
``vjp=True``."""


def row(name: str, forward: Callable[..., Any], vjps: Sequence[Vjp | None], formula: str,
        local: Sequence[str], *, elementwise: bool = False,
        domain: Sequence[tuple[float, float]] | None = None, kinks: Sequence[Any] = (),
        doc: str = "") -> Op:
    """A row of the tensor engine: its name, its forward function on arrays, and a VJP for
    each operand, ``vjp(g, *operands, out, *params)``, that operand's gradient from the
    output's gradient ``g`` (None for an operand that gets no gradient, such as an index),
    and the same in words: ``{0}`` and ``{1}`` are the operands, ``{out}`` the output and
    ``{g}`` its gradient (``"{g} @ {1}ᵀ"``). ``elementwise`` ops work entry by entry, so their
    gradients may need summing back to a broadcast operand's shape. ``domain`` and ``kinks``
    say where the property tests sample them (see ``tinygrad_edu.testing``)."""
    return Op(name, forward, vjps, formula=formula, local=local, elementwise=elementwise,
              domain=domain, kinks=kinks, doc=doc, vjp=True)


OPS: dict[str, TensorOp] = {}
"""Every op of the tensor engine by name: what stepping, drawing and the tests read."""

_BUILT_IN: set[str] = set()  # the engine's own ops, filled once its table is complete


def register(op: TensorOp) -> TensorOp:
    """Add ``op`` to ``OPS`` (registering a name again replaces it, except a built-in one)."""
    return enter(OPS, _BUILT_IN, op, "the tensor engine")


def freeze_built_ins() -> None:
    """Called once the engine's table is complete: those names are now protected."""
    _BUILT_IN.update(OPS)
