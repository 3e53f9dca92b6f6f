"""Making an op from a row of the table: the function a learner calls (``add``, ``sum_``, the
result of ``unary_op``) around a ``TensorOp``.

It exists so that each line of the op table in ``engine.py`` can be the op's rule and
nothing else. The function made here does what every op does around its forward function:
it takes Tensors, arrays or numbers (a plain operand is a constant of the tensor's dtype,
not a parent: ``checked.constant``); checks the other arguments and turns them into the op's
parameters (``arguments.py``); calls the forward function on the arrays; and records the
output as a node of the graph (``node``). Given no Tensor it returns the plain array, as a
rule running on arrays needs. It gives the function a name, a signature and a docstring that
states its row. ``unary_op``, ``binary_op`` and ``tensor_op`` make users' ops the same way,
after checking the user's functions, so that their errors name the op.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import scopes
from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.ops import check_name, check_rule, operand_names, user_function
from tinygrad_edu.tensor.base import TensorBase
from tinygrad_edu.tensor.keeping import kept_operands, kept_params
from tinygrad_edu.tensor.registry import TensorOp, Vjp, register, row
from tinygrad_edu.tensor.safe_math import DTYPES, constant, real_array, shape_error, shape_str

__all__ = ["binary_op", "define", "node", "tensor_op", "unary_op"]

Params = Callable[..., tuple[Any, ...]]  # params(name, *arrays, *args): the op's parameters


def node(data: Any, op: TensorOp, operands: tuple[Any, ...], params: Any = (),
         numbers: Any = None) -> Any:
    """The output of ``op``: a Tensor around ``data`` (no copy, no checks), of the class of
    its first Tensor operand. It records its parents, its op, all its operands (constants
    too) and its parameters, and keeps the numbers its VJPs will need (``_saved``): the
    operands' (``numbers``, from ``kept_operands``; by default worked out here) and its own,
    all read-only and out of reach of any array you hold (``keeping.py``), so that a change
    between the forward and the backward pass never reaches the gradient. Under ``no_grad``
    it is a leaf that remembers it was computed (``requires_grad`` is False). Made inside a
    ``named_scope``, it keeps the scope's path in ``_scope``, as a Value does."""
    parents = tuple([o for o in operands if isinstance(o, TensorBase)])
    t: Any = object.__new__(type(parents[0]))
    t._data = y = np.asarray(data)
    t.grad, t.label = None, ""
    if is_grad_enabled():
        if numbers is None:
            operands, numbers = kept_operands(operands, operands)
        t.parents, t._row, t._operands, t._params = parents, op, operands, kept_params(params)
        t._no_graph = False
        t._saved = (*numbers, y)
        # read-only: setflags(write=False), but positional (a quarter of the instructions)
        y.setflags(False)  # type: ignore[call-arg]
        if scopes.opened:  # inside a named_scope (scopes.py)
            t._scope = scopes.current()
    else:
        t.parents, t._row, t._operands, t._params, t._saved = (), None, (), (), ()
        t._no_graph = True
    return t


def data(x: Any) -> Any:
    """The numbers of a Tensor, or an array or number as it is (for masks in the rules)."""
    return x._data if isinstance(x, TensorBase) else x


def operands_of(name: str, *given: Any) -> tuple[Any, ...]:
    """The operands of an op as it will record them: Tensors, and constants as arrays or
    numbers of the first Tensor's dtype (without a Tensor, of the arrays' dtype)."""
    tensors = [x for x in given if isinstance(x, TensorBase)]
    if tensors:
        dtype = tensors[0]._data.dtype
    else:
        arrays = [np.asarray(x) for x in given if not isinstance(x, (int, float))]
        dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
        dtype = dtype if dtype in DTYPES else np.dtype(np.float64)
    return tuple(x if isinstance(x, TensorBase) else constant(x, dtype, name) for x in given)


def made(op: TensorOp, params: Params | None = None, called: str = "") -> Callable[..., Any]:
    """The function that applies ``op``: ``f(*operands, *args)``, named ``called`` (default:
    the op's name) in its errors. ``params(name, *arrays, *args)`` checks the other
    arguments and gives the op's parameters (see ``arguments.py``), which the forward
    function and the VJPs get after the operands. An elementwise op broadcasts as NumPy
    does and keeps a plain number as it is (so NumPy keeps the tensor's dtype); any other op
    gets arrays."""
    n, name, forward, elementwise = len(op.rules), called or op.name, op.forward, op.elementwise
    signature = _signature(op, params)

    def apply(*given: Any, **kwargs: Any) -> Any:
        if len(given) < n or (params is None and (len(given) > n or kwargs)):
            _refuse_call(name, signature, given, kwargs)
        operands = operands_of(name, *given[:n])
        if is_grad_enabled() and any(isinstance(o, TensorBase) for o in operands):
            operands, numbers = kept_operands(operands, given[:n])  # what its graph keeps
        else:
            numbers = [o._data if isinstance(o, TensorBase) else o for o in operands]
        arrays = numbers
        if not elementwise:
            arrays = [np.asarray(a) for a in arrays]
        try:
            values = () if params is None else params(name, *arrays, *given[n:], **kwargs)
        except TypeError:
            _refuse_call(name, signature, given, kwargs)  # a call that does not fit, or
            raise  # an argument of the wrong type (the check's own error)
        try:
            y = forward(*arrays, *values)
        except ValueError as error:
            if elementwise and not isinstance(error, DomainError):
                _broadcast_or_explain(name, arrays)
            raise
        if any(isinstance(o, TensorBase) for o in operands):
            return node(y, op, operands, values, numbers)
        return y

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = op.doc or _op_doc(op)
    apply.__signature__ = signature  # type: ignore[attr-defined]
    apply.op = op  # type: ignore[attr-defined]
    op.apply = apply
    return apply


def define(name: str, forward: Callable[..., Any], formula: str,
           *vjps: tuple[Vjp | None, str], elementwise: bool = False,
           params: Params | None = None, kinks: Sequence[Any] = (), doc: str = "",
           called: str = "") -> Callable[..., Any]:
    """A row of the engine's own table, registered in ``OPS``, and the function that applies
    it. Each VJP comes beside its words: ``(lambda g, a, b, y: g * b, "{g} ⊙ {1}")``."""
    op = row(name, forward, [rule for rule, _ in vjps], formula, [words for _, words in vjps],
             elementwise=elementwise, kinks=kinks, doc=doc)
    return made(register(op), params, called)


def check_share(share: Any, shape: tuple[int, ...], op: TensorOp, i: int) -> Any:
    """A VJP's result whose shape is not its operand's ``shape``: fine for an elementwise op
    (the engine sums it back over the broadcast axes); else an error that names the rule."""
    if not isinstance(share, (TensorBase, np.ndarray, np.generic, int, float)):
        raise TypeError(f"{op.name}: the gradient rule for operand {i} returned "
                        f"{type(share).__name__} {share!r}, not an array or a Tensor")
    got = np.shape(share)
    if not op.elementwise or not _broadcasts_to(shape, got):
        raise ValueError(
            f"{op.name}: the gradient rule for operand {i} returned shape {shape_str(got)}, "
            f"but the operand has shape {shape_str(shape)}; a VJP must return an array of "
            "its operand's shape (elementwise ops may return the output's shape: the engine "
            "sums it back)")
    return share


def _refuse_call(name: str, signature: inspect.Signature, given: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
    """A TypeError naming the op and its signature, if the arguments do not fit it."""
    try:
        signature.bind(*given, **kwargs)
    except TypeError as error:
        raise TypeError(f"{name}{signature}: {error}") from None


def _broadcasts_to(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    """Whether an operand of shape ``small`` broadcasts to ``big``."""
    return len(small) <= len(big) and all(
        s in (1, b) for s, b in zip(small[::-1], big[::-1]))


def _broadcast_or_explain(name: str, arrays: list[Any]) -> None:
    """After a ValueError in an elementwise op: if the shapes do not broadcast, say so."""
    try:
        np.broadcast_shapes(*(np.shape(a) for a in arrays))
    except ValueError:
        raise shape_error(name, *arrays) from None


def _signature(op: TensorOp, params: Params | None) -> inspect.Signature:
    """The made function's signature: the operands (positional only), then what ``params``
    takes after them."""
    only = inspect.Parameter.POSITIONAL_ONLY
    if params is None:
        return inspect.Signature([inspect.Parameter(p, only) for p in operand_names(len(op.rules))])
    taken = [p.replace(annotation=p.empty)  # (not the name; no annotations: "Any" says little)
             for p in list(inspect.signature(params).parameters.values())[1:]]
    return inspect.Signature([p.replace(kind=only) for p in taken[:len(op.rules)]] +
                             taken[len(op.rules):])


def _op_doc(op: TensorOp) -> str:
    """The docstring of an op made from a row: what it computes, and the gradient it passes
    back to each operand (``help(tinygrad_edu.tensor.tanh)`` shows the row of the table)."""
    operands = operand_names(len(op.rules))

    def words(template: str) -> str:
        for i, operand in enumerate(operands):
            template = template.replace(f"{{{i}}}", operand)
        return template.replace("{out}", "y").replace("{g}", "g")

    passes = " and ".join(f"{words(w)} to {x}" for x, w in zip(operands, op.local or ()) if w)
    if op.elementwise:
        summed = ", each summed back to its operand's shape" if len(op.rules) > 1 else ""
        return (f"y = {words(op.formula or op.name)} entry by entry, on Tensors, arrays or numbers "
                f"(broadcast as NumPy does; given no Tensor, a plain array). Backward, with g "
                f"the gradient of y, it passes {passes}{summed}.")
    return (f"y = {words(op.formula or op.name)} on Tensors, arrays or numbers (given no "
            f"Tensor, a plain array). Backward, with g the gradient of y, it passes {passes}.")


# ----------------------------------------------------------------------------- ops of your own


def _users_forward(forward: Callable[..., Any], name: str, elementwise: bool
                   ) -> Callable[..., Any]:
    """A user's forward function, with errors that name the op and a check of its result
    (``ops.user_function``, as for a scalar op of your own)."""

    def checked_result(out: Any, name: str, what: str, arrays: tuple[Any, ...]) -> np.ndarray:
        result = real_array(data(out), None, f"{name}: its forward function's result")
        if elementwise:
            expected = np.broadcast_shapes(*(np.shape(a) for a in arrays))
            if result.shape != expected:
                raise ValueError(
                    f"{name}: its forward function returned shape {shape_str(result.shape)} "
                    f"for operands of shape {', '.join(shape_str(np.shape(a)) for a in arrays)};"
                    f" an elementwise op returns the broadcast shape {shape_str(expected)}")
        return result

    return user_function(forward, name, "forward function", checked_result)


def unary_op(name: str, forward: Callable[[Any], Any], derivative: Callable[[Any, Any], Any], *,
             formula: str | None = None, local: str | None = None,
             domain: tuple[float, float] | None = None, kinks: Sequence[float] = (),
             doc: str = "", register_op: bool = True) -> Callable[..., Any]:
    """Make an elementwise op of one tensor, as ``tinygrad_edu.unary_op`` makes one of one
    Value: ``forward(x)`` on an array, and ``derivative(x, y)``, dy/dx entry by entry from the
    input and the output. The engine multiplies it by the output's gradient (the VJP is
    ``g ⊙ derivative``). Write the derivative with operators and the tensor engine's
    functions (``exp``, ``log``, ``sigmoid``, ``where``, ...), not NumPy's, so that it also
    runs on Tensors and second derivatives come for free::

        softplus = unary_op("softplus", lambda x: np.logaddexp(0, x),
                            lambda x, y: sigmoid(x), local="sigmoid({0})")

    ``formula``/``local`` are the words stepping prints; ``domain`` and ``kinks`` tell
    ``tinygrad_edu.testing.check_op`` where to sample. The op joins ``OPS`` unless
    ``register_op=False``."""
    check_name(name, "unary_op")
    check_rule(forward, 1, name, "forward function", "x")
    check_rule(derivative, 2, name, "derivative", "x, y")
    op = row(name, _users_forward(forward, name, True),
                  [lambda g, x, y: g * derivative(x, y)], formula or f"{name}({{0}})",
                  [f"{{g}} ⊙ {local or name + chr(39) + '({0})'}"], elementwise=True,
                  domain=None if domain is None else [domain], kinks=kinks, doc=doc)
    return made(register(op) if register_op else op)


def binary_op(name: str, forward: Callable[[Any, Any], Any],
              d_left: Callable[[Any, Any, Any], Any], d_right: Callable[[Any, Any, Any], Any],
              *, formula: str | None = None, local: tuple[str, str] | None = None,
              domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
              kinks: Sequence[Any] = (), doc: str = "", register_op: bool = True
              ) -> Callable[..., Any]:
    """Make an elementwise op of two operands, broadcast as NumPy does: ``forward(a, b)`` and
    the local derivatives ``d_left(a, b, y)`` = dy/da and ``d_right(a, b, y)`` = dy/db, entry
    by entry (the engine multiplies them by the gradient and sums them back over broadcast
    axes). Otherwise as ``unary_op``."""
    check_name(name, "binary_op")
    check_rule(forward, 2, name, "forward function", "a, b")
    check_rule(d_left, 3, name, "derivative d_left", "a, b, y")
    check_rule(d_right, 3, name, "derivative d_right", "a, b, y")
    words = local or (f"∂{name}/∂{{0}}", f"∂{name}/∂{{1}}")
    op = row(name, _users_forward(forward, name, True),
                  [lambda g, a, b, y: g * d_left(a, b, y), lambda g, a, b, y: g * d_right(a, b, y)],
                  formula or f"{name}({{0}}, {{1}})", [f"{{g}} ⊙ {w}" for w in words],
                  elementwise=True, domain=domain, kinks=kinks, doc=doc)
    return made(register(op) if register_op else op)


def tensor_op(name: str, forward: Callable[..., Any], vjps: Sequence[Vjp], *,
              formula: str | None = None, local: Sequence[str] | None = None,
              domain: Sequence[tuple[float, float]] | None = None, doc: str = "",
              register_op: bool = True) -> Callable[..., Any]:
    """Make any op from its forward function on arrays and, for each operand, its
    vector-Jacobian product ``vjp(g, *operands, out)``: that operand's gradient (of the
    operand's shape) from the output's gradient ``g``. Written with operators and the tensor
    engine's functions, the VJPs run on arrays in a backward pass and on Tensors under
    ``create_graph=True``::

        outer = tensor_op("outer", np.outer, [lambda g, u, v, y: g @ v,
                                              lambda g, u, v, y: u @ g],
                          formula="{0} ⊗ {1}", local=["{g} @ {1}", "{0} @ {g}"])

    ``check_op(outer, shapes=[(3,), (2,)])`` property-tests it (see
    ``tinygrad_edu.testing``)."""
    check_name(name, "tensor_op")
    vjps = list(vjps)
    check_rule(forward, len(vjps), name, "forward function",
               ", ".join(f"x{i}" for i in range(len(vjps))))
    for i, vjp in enumerate(vjps):
        check_rule(vjp, len(vjps) + 2, name, f"VJP for operand {i}",
                   "g, " + ", ".join(f"x{k}" for k in range(len(vjps))) + ", out")
    op = row(name, _users_forward(forward, name, False), vjps,
                  formula or f"{name}({', '.join(f'{{{i}}}' for i in range(len(vjps)))})",
                  local or [f"VJP of {name} for {{{i}}}" for i in range(len(vjps))],
                  domain=domain, doc=doc)
    return made(register(op) if register_op else op)
