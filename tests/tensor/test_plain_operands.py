"""A plain array, list or number given to a tensor op, changed between the forward and the
backward pass, never changes the gradient (issue 40, item 1): the graph keeps its own
read-only copy of the numbers where they enter it (``tinygrad_edu/tensor/keeping.py``), as it
keeps a Tensor's. Before, it kept the caller's array (and an index list) by reference:
``X @ W``, then ``X *= 10``, gave 10 times the gradient, silently.

The same holds for a Tensor's own array written through something that shares its memory
(``t.numpy()`` taken before the forward pass, a view of it, ``t.data = flat[0:3]`` and then
``flat`` written): the tensor changes, the graph does not (PyTorch mixes them there:
``tests/torch_deviations.py``).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu import grad, hessian
from tinygrad_edu.tensor import Tensor, cross_entropy, where
from tinygrad_edu.tensor.engine import OPS
from tinygrad_edu.testing import tensor_samples

CHANGED = r"has changed since .*backward\(\), then step\(\)"


# ----------------------------------------------------------------------------- the cases


def test_a_constant_matrix_changed_after_the_forward_pass():
    X = np.array([[1.0, 2, 3], [4, 5, 6]])
    W = Tensor(np.ones((3, 1)))
    loss = (X @ W).sum()
    X *= 10
    loss.backward()
    np.testing.assert_array_equal(W.grad.ravel(), [5.0, 7.0, 9.0])  # before: [50, 70, 90]


def test_a_constant_mask_changed_after_the_forward_pass():
    t = Tensor([1.0, 2.0, 3.0])
    mask = np.array([1.0, 0.0, 1.0])
    loss = (t * mask).sum()
    mask[1] = 5.0
    mask[...] = 0.0
    loss.backward()
    np.testing.assert_array_equal(t.grad, [1.0, 0.0, 1.0])
    chosen = where(mask == 0.0, t, 0.0).sum()  # a condition: kept as it was, too
    mask[0] = 1.0
    np.testing.assert_array_equal(grad(chosen, [t])[0], [1.0, 1.0, 1.0])


@pytest.mark.parametrize("targets", [np.array([0, 2]), [0, 2],
                                     np.array([[1.0, 0, 0], [0, 0, 1]])],
                         ids=["indices", "a list", "probabilities"])
def test_cross_entropys_targets_changed_after_the_forward_pass(targets):
    Z = Tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    expected = grad(cross_entropy(Z, np.array([0, 2])), [Z])[0]
    loss = cross_entropy(Z, targets)
    if isinstance(targets, list):
        targets[0] = 1
        targets.append(1)
    else:
        targets[...] = targets[::-1]
    np.testing.assert_array_equal(grad(loss, [Z])[0], expected)
    np.testing.assert_array_equal(grad(loss, [Z], create_graph=True)[0].data, expected)


@pytest.mark.parametrize("make", [list, np.array], ids=["a list", "an array"])
def test_an_index_changed_after_the_forward_pass(make):
    E = Tensor([1.0, 2.0, 3.0, 4.0])
    ids = make([0, 1])
    loss = E[ids].sum()
    if isinstance(ids, list):
        ids.append(3)
    else:
        ids[0] = 3
    loss.backward()
    np.testing.assert_array_equal(E.grad, [1.0, 1.0, 0.0, 0.0])  # before: [1, 1, 0, 1]


def test_second_order_after_a_constant_changed():
    x = Tensor([1.0, 2.0])
    c = np.array([3.0, 4.0])
    loss = (x * x * c).sum()
    c[...] = 0.0
    (g,) = grad(loss, [x], create_graph=True)  # 2·c·x at the forward pass's c
    np.testing.assert_array_equal(g.data, [6.0, 16.0])  # before: [0, 0]
    np.testing.assert_array_equal(hessian(lambda v: (v * v * np.array([3.0, 4.0])).sum(),
                                          np.array([1.0, 2.0])), [[6.0, 0.0], [0.0, 8.0]])
    np.testing.assert_array_equal(grad(g.sum(), [x])[0], [6.0, 8.0])


def test_an_array_nothing_else_holds_is_kept_as_it_is():
    """What makes the usual training step cheap: a parameter's array that nothing else
    refers to is not copied (made read-only instead), nor an array made for the graph (a list
    turned into an array, another dtype)."""
    W = Tensor([[1.0, 2.0], [3.0, 4.0]])
    Z = W @ [[1.0], [2.0]]
    assert Z._saved[0] is W._data and not W._data.flags.writeable  # W's own: no copy
    assert not Z._saved[1].flags.writeable
    held = W.numpy()  # now something else refers to it: the next graph takes a copy
    Z = W @ np.array([[1.0], [2.0]], dtype=np.float32)
    assert Z._saved[0] is not held and held.flags.writeable and W._data is held
    assert Z._saved[1].dtype == np.float64


# ----------------------------------------------------------------------------- every op


def _changed(x):
    """Numbers that differ from ``x``'s (for an array of any dtype)."""
    if x.dtype == np.bool_:
        return ~x
    return x * 10 + 1


class Plain:
    """A plain operand or parameter of one kind, as given to the op, and how to change it
    afterwards by one route: in place (``X *= 10``), ``X[...] = ...``, through a view
    (``base[...] = ...``), ``list.append`` or an entry of a list."""

    def __init__(self, x, kind, data):
        self.kind = kind
        self.x = x
        if kind == "array":
            self.given = x.copy()
        elif kind == "view":  # a view into a larger array, written through the larger one
            self.base = np.concatenate([x.ravel(), x.ravel()[:1]])
            self.given = self.base[:x.size].reshape(x.shape)
            assert np.shares_memory(self.given, self.base) or x.size == 0
        elif kind == "list":
            self.given = x.tolist()  # a nested list, a flat one, or a number for 0-d
        else:  # a Python number: cannot change
            self.given = x.item()
        self.route = data.draw(st.sampled_from(
            {"array": ["in place", "assigned"], "view": ["through the view"],
             "list": ["append", "an entry"], "number": ["none"]}[kind]), label="route")

    def fresh(self):
        """The same operand, given anew (for the reference graph)."""
        if self.kind == "list":
            return self.x.tolist()
        return self.x.item() if self.kind == "number" else self.x.copy()

    def change(self):
        given = self.given
        if self.route == "in place":
            if given.dtype == np.bool_:
                np.logical_not(given, out=given)
            else:
                given *= 10
                given += 1
        elif self.route == "assigned":
            given[...] = _changed(given)
        elif self.route == "through the view":
            self.base[...] = _changed(self.base)
        elif isinstance(given, list):
            inner = given
            while inner and isinstance(inner[0], list) and self.route == "an entry":
                inner = inner[0]
            if self.route == "append":
                given.append(given[0] if given else 0)
            elif inner:
                inner[0] = (not inner[0]) if isinstance(inner[0], bool) else inner[0] * 10 + 1


def _plain(data, x, allow_number=True):
    kinds = ["array", "view", "list"] + (["number"] if allow_number and x.ndim == 0 else [])
    return Plain(x, data.draw(st.sampled_from(kinds), label="kind"), data)


class TensorRoute:
    """A Tensor operand, and maybe an array that shares its memory, taken before the forward
    pass and written after it: ``t.numpy()``, a view of it, or the array ``t.data`` was set
    to (a view of a larger one, written through the larger one)."""

    def __init__(self, x, data):
        self.t = Tensor(x)
        self.route = data.draw(st.sampled_from(["none", "numpy", "a view of numpy()",
                                                "data set to a view"]), label="tensor route")
        if self.route == "numpy":
            self.alias = self.t.numpy()
        elif self.route == "a view of numpy()":
            self.alias = self.t.numpy().reshape(-1)[::-1]
        elif self.route == "data set to a view":
            self.alias = np.concatenate([x.ravel(), [0.0]])
            self.t.data = self.alias[:x.size].reshape(x.shape)
        self.before = x.copy()

    def change(self):
        if self.route != "none":
            self.alias *= 10
            self.alias += 1

    @property
    def changed(self):
        return not np.array_equal(self.t.data, self.before, equal_nan=True)


def _arguments(op, sample, data):
    """The op's parameters, each array among them (an index, targets) and each shape, axes
    or order given as a plain one of a drawn kind."""
    args, plains = [], []
    for k, arg in enumerate(sample.args):
        index = op.name in ("index", "scatter") and k == 0
        if isinstance(arg, np.ndarray):
            plain = _plain(data, arg, allow_number=False)
            args.append(plain.given)
            plains.append(plain)
        elif index and isinstance(arg, tuple) and any(isinstance(a, np.ndarray) for a in arg):
            parts = [_plain(data, a, allow_number=False) if isinstance(a, np.ndarray) else a
                     for a in arg]
            args.append(tuple(p.given if isinstance(p, Plain) else p for p in parts))
            plains.extend(p for p in parts if isinstance(p, Plain))
        elif not index and isinstance(arg, tuple) and arg and data.draw(st.booleans()):
            shape = list(arg)  # a shape, axes or an order as a list, changed afterwards
            args.append(shape)
            plains.append(_ListParam(shape, data))
        else:
            args.append(arg)
    return args, plains


class _ListParam:
    def __init__(self, given, data):
        self.given = given
        self.route = data.draw(st.sampled_from(["append", "an entry"]), label="list route")

    def change(self):
        if self.route == "append":
            self.given.append(1)
        else:
            self.given[0] = self.given[0] + 1


def _fresh_args(args):
    return [list(a) if isinstance(a, list) else a for a in args]


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_op_keeps_the_forward_passs_numbers_of_every_plain_operand(name, data):
    """For each op of the registry: each operand a Tensor or a plain operand of a drawn kind
    (an array, a view into a larger array, a nested or flat list, a number), each parameter
    that is an array or a shape a plain one too (an index as an array or a list); a Tensor's
    array maybe shared with an array taken before the forward pass. y = op(...), L = Σ y².
    Then everything plain changes by a drawn route, and so do the shared arrays: backward()
    and grad() give exactly the gradients of a fresh graph at the old numbers; so does
    create_graph=True, unless a Tensor's own numbers changed: then it refuses, naming it."""
    op = OPS[name]
    sample = data.draw(tensor_samples(op), label="sample")
    first = next(i for i, vjp in enumerate(op.rules) if vjp is not None)
    operands = []  # a TensorRoute or a Plain per operand
    for i, (x, vjp) in enumerate(zip(sample.operands, op.rules)):
        tensor = vjp is not None and (i == first or data.draw(st.booleans(), label="tensor"))
        operands.append(TensorRoute(x, data) if tensor else _plain(data, x))
    args, params = _arguments(op, sample, data)
    routes = [o for o in operands if isinstance(o, TensorRoute)]

    fresh = [Tensor(o.before) if isinstance(o, TensorRoute) else o.fresh() for o in operands]
    fresh_args = [a.copy() if isinstance(a, np.ndarray) else a for a in sample.args]
    y = op(*fresh, *_fresh_args(fresh_args))
    fresh_tensors = [t for t in fresh if isinstance(t, Tensor)]
    expected = grad((y * y).sum(), fresh_tensors)
    # create_graph=True computes the gradients with the tensor ops themselves, another
    # computation that may round another way (BLAS on a transposed operand, say): it is
    # compared with the same computation on the fresh graph, bit for bit
    expected_with_graph = [g.data for g in grad((y * y).sum(), fresh_tensors, create_graph=True)]

    y = op(*[o.t if isinstance(o, TensorRoute) else o.given for o in operands], *args)
    loss = (y * y).sum()
    for thing in [*operands, *params]:
        thing.change()
    tensors = [r.t for r in routes]
    for got, want in zip(grad(loss, tensors), expected):
        np.testing.assert_array_equal(got, want)
    loss.backward()
    for t, want in zip(tensors, expected):
        np.testing.assert_array_equal(t.grad, want)
    if any(r.changed for r in routes):
        with pytest.raises(RuntimeError, match=CHANGED):
            grad(loss, tensors, create_graph=True)
    else:
        for got, want in zip(grad(loss, tensors, create_graph=True), expected_with_graph):
            np.testing.assert_array_equal(got.data, want)
