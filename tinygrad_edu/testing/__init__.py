"""Property-test derivative rules with hypothesis: the tools the project's own tests use.

Needs hypothesis (``pip install hypothesis``; in a clone, ``pip install -e '.[testing]'``).

- ``floats_in_domain(op)``, ``op_inputs(op)``: numbers where an op is smooth with derivatives
  of order one (its ``domain`` in the registry ``OPS``), at least ``margin`` from its ``kinks``.
- ``expressions()``: random graphs (DAGs, with shared sub-expressions such as ``x * x``) over
  the registered ops, built so that every op only ever sees operands inside its domain.
- ``assert_grads_close(f, inputs)``: ``backward()`` against central differences, at tight
  tolerances, with both numbers and the input in the failure message.
- ``assert_op_derivatives(op, *xs)`` and ``check_op(op)``: one op's derivative rules at a
  point, or at many points chosen by hypothesis; first and second derivatives, with Values
  or plain numbers as operands. They work for your own ops made with ``unary_op`` or
  ``binary_op`` as well as for the built-in ones.
- The same two for the tensor engine's ops (``tinygrad_edu.tensor.engine.OPS``, or what its
  ``unary_op``, ``binary_op`` and ``tensor_op`` return): hypothesis picks the shapes
  (broadcasting pairs included) and the numbers, ``tensor_samples(op)`` draws them, and the
  table ``TENSOR_SAMPLES`` says how for the ops that need an axis, an index or matching
  shapes. The whole Jacobian is compared with central differences, then the second
  derivatives that ``create_graph=True`` builds.

A test of a new op takes a few lines::

    softplus = unary_op("softplus", lambda x: math.log1p(math.exp(x)),
                        lambda x, y: sigmoid(x))

    @given(floats_in_domain(softplus))
    def test_softplus(x):
        assert_op_derivatives(softplus, x)

and of a tensor op, one: ``check_op(tensor_softplus)``, or ``check_op(outer, shapes=[(3,),
(2,)])`` for one that is not elementwise.

The folder for checking derivatives. ``gradcheck.py`` compares ``backward()`` with central
differences and needs nothing beyond the package (``tinygrad_edu.gradcheck`` is it); the
hypothesis toolkit above is the rest: ``domains`` (tolerances, domains, floats drawn in them),
``scalar_checks`` (the scalar engine's ops and ``expressions()``), ``tensor_samplers`` (what
hypothesis draws for a tensor op), ``tensor_checks`` (a tensor op's checks) and ``op_checks``
(``assert_op_derivatives`` and ``check_op`` for an op of either engine). Import them from
``tinygrad_edu.testing``: each is loaded when one of its names is first asked for, so that
``import tinygrad_edu`` (which imports ``gradcheck``) never needs hypothesis. The modules here
may import both engines and ``tinygrad_edu.autograd``, never the tools that draw or grade.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tinygrad_edu.testing.conformance import conform
    from tinygrad_edu.testing.domains import (
        ATOL,
        DOMAINS,
        KINK_MARGIN,
        RTOL,
        Domain,
        as_op,
        domain_of,
        floats_in,
        floats_in_domain,
        set_domain,
    )
    from tinygrad_edu.testing.domains import (
        OpLike as OpLike,
    )
    from tinygrad_edu.testing.op_checks import assert_op_derivatives, check_op
    from tinygrad_edu.testing.scalar_checks import (
        Expression,
        assert_grads_close,
        call_op,
        expressions,
        op_inputs,
    )
    from tinygrad_edu.testing.tensor_checks import SECOND_ORDER_EPS as SECOND_ORDER_EPS
    from tinygrad_edu.testing.tensor_samplers import (
        TENSOR_SAMPLES,
        TensorSample,
        needs_sampler,
        tensor_samples,
    )
    from tinygrad_edu.testing.tensor_samplers import (
        Sampler as Sampler,
    )

_HOMES = {
    "conformance": ["conform"],
    "domains": ["ATOL", "DOMAINS", "KINK_MARGIN", "RTOL", "Domain", "OpLike", "as_op",
                "domain_of", "floats_in", "floats_in_domain", "set_domain"],
    "op_checks": ["assert_op_derivatives", "check_op"],
    "scalar_checks": ["Expression", "assert_grads_close", "call_op", "expressions", "op_inputs"],
    "tensor_checks": ["SECOND_ORDER_EPS"],
    "tensor_samplers": ["TENSOR_SAMPLES", "Sampler", "TensorSample", "needs_sampler",
                        "tensor_samples"],
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """A name of the hypothesis toolkit, loaded from its module when first asked for."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ATOL",
    "DOMAINS",
    "KINK_MARGIN",
    "RTOL",
    "TENSOR_SAMPLES",
    "Domain",
    "Expression",
    "TensorSample",
    "as_op",
    "assert_grads_close",
    "assert_op_derivatives",
    "call_op",
    "check_op",
    "conform",
    "domain_of",
    "expressions",
    "floats_in",
    "floats_in_domain",
    "needs_sampler",
    "op_inputs",
    "set_domain",
    "tensor_samples",
]
