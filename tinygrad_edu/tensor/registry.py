"""The tensor engine's registry of ops, ``TensorOp`` and ``OPS``, as ``ops.py`` is the scalar
engine's.

It exists so that the rules are data. ``engine.py`` writes each op as a row (its forward
function on arrays, one VJP per operand, and the same in words) and registers it here. The
tools read the rows without importing the engine: stepping prints their words, drawing names
the op, and the property tests iterate ``OPS``. Nothing here knows about Tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.ops import enter

__all__ = ["OPS", "TensorOp", "register"]

Vjp = Callable[..., Any]  # vjp(g, *operands, out, *params): the gradient of one operand


class TensorOp:
    """One row of the registry: an op's name, its forward function on arrays, and a VJP for
    each operand, ``vjp(g, *operands, out, *params)``. A VJP gives that operand's gradient
    from the output's gradient ``g``; it is None for an operand that gets no gradient, such
    as an index. ``formula`` and ``local`` say the same in words: ``{0}`` and ``{1}`` are the
    operands, ``{out}`` the output and ``{g}`` its gradient (``"{g} @ {1}ᵀ"``).
    ``elementwise`` ops work entry by entry, so their gradients may need summing back to a
    broadcast operand's shape. ``domain`` and ``kinks`` say where the property tests sample
    them (see ``tinygrad_edu.testing``)."""

    def __init__(self, name: str, forward: Callable[..., Any], vjps: Sequence[Vjp | None],
                 formula: str, local: Sequence[str], *, elementwise: bool = False,
                 domain: Sequence[tuple[float, float]] | None = None,
                 kinks: Sequence[Any] = (), doc: str = "") -> None:
        self.name = name
        self.forward = forward
        self.vjps = tuple(vjps)
        self.formula = formula
        self.local = tuple(local)
        self.elementwise = elementwise
        self.domain = None if domain is None else tuple(domain)
        self.kinks = tuple(kinks)
        self.doc = doc
        self.apply: Callable[..., Any] = forward  # the Tensor-aware function, set by a maker
        self.param: Any = None  # (an op parameter shown in formulas: none here)

    @property
    def arity(self) -> int:
        return len(self.vjps)

    def operands(self, node: Any) -> list[Any]:
        """The operands ``node`` was computed from: its parents and its constants, in order."""
        return list(node._operands)

    def __call__(self, *operands: Any, **params: Any) -> Any:
        return self.apply(*operands, **params)

    def __repr__(self) -> str:
        return f"<TensorOp {self.name!r}>"


OPS: dict[str, TensorOp] = {}
"""Every op of the tensor engine by name: what stepping, drawing and the tests read."""

_BUILT_IN: set[str] = set()  # the engine's own ops, filled once its table is complete


def register(op: TensorOp) -> TensorOp:
    """Add ``op`` to ``OPS`` (registering a name again replaces it, except a built-in one)."""
    return enter(OPS, _BUILT_IN, op, "the tensor engine")


def freeze_built_ins() -> None:
    """Called once the engine's table is complete: those names are now protected."""
    _BUILT_IN.update(OPS)
