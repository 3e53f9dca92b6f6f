"""Watch the chain rule happen: backward one node at a time, and a graph as plain text.

>>> from tinygrad_edu import Value
>>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
>>> c = a * b
>>> c.label = "c"
>>> for step in c.backward_steps():
...     print(step)  # doctest: +NORMALIZE_WHITESPACE
c = a * b  upstream dc/dc = 1.0;  dc/da = b = 3.0 -> a.grad += 3.0 * 1.0 = 3.0;
  dc/db = a = 2.0 -> b.grad += 2.0 * 1.0 = 2.0

A step of the tensor engine says the same in matrix form, with shapes, and tells the
parameter path (the gradients of the weights, which the optimizer uses) from the backprop
path (the gradients passed on to earlier layers)::

    v3 = A1 @ W2   (4×2)
      backprop path:  dA1 = dv3 @ W2ᵀ   (4×2 @ 2×5 → 4×5)
      parameter path: W2.grad += A1ᵀ @ dv3   (5×4 @ 4×2 → 5×2)

Every node gets a short name: its label if it has one, else ``v1``, ``v2``, ... in the
order ``walk`` lists the graph (so the same graph always gets the same names). Steps, the
text view and the drawings of ``tinygrad_edu.viz`` all use these names.

This module works on the nodes of either engine through what ``graph.py`` asks of a node,
and reads each op's words from its row (``op.formula``, ``op.local``). A Value's and a
Tensor's ``backward_steps()`` reach ``backward_steps`` here by name (``above.py``): the
engines import nothing of it.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_edu import graph
from tinygrad_edu.arrays import is_array
from tinygrad_edu.autograd.gradients import seed_of, shares
from tinygrad_edu.formatting import fmt, shape_text, summary
from tinygrad_edu.graph import backpropagate_steps, walk
from tinygrad_edu.ops import text_of
from tinygrad_edu.scopes import scope_of

__all__ = ["ParentUpdate", "Step", "backward_steps", "node_names", "text_graph"]


def is_array_node(node: Any) -> bool:
    """A node of the tensor engine (its data is an array)."""
    return is_array(getattr(node, "_data", None))


def forward_numbers(order: Iterable[Any]) -> dict[Any, Any]:
    """What each node of ``order`` held in the forward pass that built its graph, to show,
    so that a picture drawn after a change (an optimizer's step) shows the numbers the
    output was computed from, as the gradients are. A tensor node keeps its operands'
    arrays and its own (``_saved``). A Value whose number was set since it was made keeps
    the number it had before (``_data_before``): where the graph's nodes recompute their
    numbers from those and not from the current ones, those are the forward pass's."""
    order = list(order)
    seen: dict[Any, Any] = {}
    for node in order:  # a node before the nodes made from it
        kept = getattr(node, "_saved", ())
        if kept:
            seen[node] = kept[-1]
            for operand, numbers in zip(node._operands, kept):
                if hasattr(operand, "parents"):
                    seen.setdefault(operand, numbers)
    now = {node: seen.get(node, node._data) for node in order}
    changed = [node for node in order if "_data_before" in getattr(node, "__dict__", ())]
    if changed and not _recomputed_from(order, now):
        before = {**now, **{node: node._data_before for node in changed}}
        if _recomputed_from(order, before):
            return before
    return now


def _recomputed_from(order: list[Any], numbers: dict[Any, Any]) -> bool:
    """Whether every Value an op made gives its own number again when its op's forward
    function runs on these ``numbers`` of its operands (a node made by hand is taken as it
    is: it has no forward function)."""
    for node in order:
        op = node._row
        if op is None or op.given or is_array_node(node):
            continue
        xs = [numbers.get(x, x) if hasattr(x, "parents") else x for x in node._operands]
        lists, half = getattr(op, "lists", 0), len(xs) // 2  # dot's two lists, vsum's one
        try:
            y = op.forward(*xs) if not lists else op.forward(xs) if lists == 1 else \
                op.forward(xs[:half], xs[half:])
        except Exception:
            return False
        if not (y == numbers[node] or (y != y and numbers[node] != numbers[node])):
            return False
    return True


def node_names(*roots: Any) -> dict[Any, str]:
    """A short name for every node the roots depend on: its label, or ``v1``, ``v2``, ... in
    ``walk`` order for unlabelled nodes. A label that is used twice (every neuron has a
    ``b``) gets ``#2``, ``#3``, ... on its later uses, so that names stay unique."""
    order = walk(*roots)
    taken = {node.label for node in order if node.label}
    names: dict[Any, str] = {}
    used: dict[str, int] = {}
    counter = 0
    for node in order:
        if node.label:
            used[node.label] = used.get(node.label, 0) + 1
            name = node.label if used[node.label] == 1 else f"{node.label}#{used[node.label]}"
        else:
            counter += 1
            while f"v{counter}" in taken:  # never clash with a user's label "v3"
                counter += 1
            name = f"v{counter}"
        names[node] = name
    return names


# ----------------------------------------------------------------------------- formulas


def _operand_names(node: Any, names: dict[Any, str]) -> list[str]:
    """What to put in the op's ``{0}``, ``{1}``, ...: parents' names, and a constant operand
    (the 2.0 in ``a * 2``, an array of images in ``X @ W``) where it stood."""
    return [names[v] if hasattr(v, "parents") else _constant(v) for v in node._row.operands(node)]


def _constant(x: Any) -> str:
    if is_array(x) and x.ndim:
        return f"array({shape_text(x.shape)})" if x.size > 4 else summary(x)
    return fmt(x)


def _fill(template: str, operands: list[str], out: str, partner: str = "", g: str = "") -> str:
    half = len(operands) // 2
    try:
        return template.format(*operands, out=out, all=", ".join(operands), partner=partner,
                               first=", ".join(operands[:half]),
                               second=", ".join(operands[half:]), g=g)
    except (IndexError, KeyError, ValueError):  # a user's op with an unusual template
        return template


def formula(node: Any, names: dict[Any, str]) -> str:
    """How ``node`` was computed, with names: ``'x + y'``, ``'tanh(v2)'``, ``'A1 @ W2'``;
    ``''`` for a leaf."""
    op = node._row
    if op is None:
        return ""
    return _fill(text_of(op).formula, _operand_names(node, names), names[node])


def _local_texts(node: Any, names: dict[Any, str]) -> list[str]:
    """Each parent's derivative in words: ``'b'`` for ``a * b``, ``'dZ @ Wᵀ'`` for a matrix
    product."""
    operands = _operand_names(node, names)
    templates = text_of(node._row).local
    half = len(operands) // 2
    which = [i for i, v in enumerate(node._row.operands(node)) if hasattr(v, "parents")]
    return [_fill(templates[min(i, len(templates) - 1)], operands, names[node],
                  operands[i - half] if half else "", f"d{names[node]}") for i in which]


# ----------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class ParentUpdate:
    """What one step did to one parent: ``parent.grad += local * upstream`` (for a matrix,
    ``parent.grad += its share``, the vector-Jacobian product)."""

    parent: Any
    name: str
    local: Any  # d(node)/d(parent), a number; None for the tensor engine
    local_text: str  # the same in words: "b" for c = a * b; "dZ @ Wᵀ" for a matrix
    contribution: Any  # the amount added: local * upstream, or the matrix share
    grad_after: Any  # the parent's grad once it was added
    shapes: str = ""  # the tensor engine's shapes: "4×2 @ 2×5 → 4×5"
    path: str = ""  # the tensor engine: "parameter" or "backprop"
    first: bool = True  # the first gradient this parent gets in this pass


@dataclass(frozen=True)
class Step:
    """One node's share of the backward pass: each local derivative times its gradient
    (``upstream``) is added to the parent's gradient. ``print(step)`` shows it with numbers (for
    the tensor engine: with names and shapes)."""

    index: int  # 1 for the first step
    node: Any
    name: str
    op: str
    formula: str  # "a * b"
    root_name: str
    upstream: Any  # d(root)/d(node), complete by the time this step runs
    updates: tuple[ParentUpdate, ...]  # one per operand use: a * a has two
    scope: str = ""  # the named scope the node was made in ("blocks.0/mlp"), if any

    def __str__(self) -> str:
        text = _matrix_step(self) if is_array_node(self.node) else _number_step(self)
        return f"[{self.scope}] {text}" if self.scope else text

    def __repr__(self) -> str:
        return f"<Step {self.index}: {self.name} = {self.formula}>"


def _number_step(step: Step) -> str:
    root, me = step.root_name, step.name
    head = f"{me} = {step.formula}  upstream d{root}/d{me} = {fmt(step.upstream)}"
    parts = []
    for u in step.updates:
        local = fmt(u.local)
        said = u.local_text if _same_number(u.local_text, u.local) else \
            f"{u.local_text} = {local}"
        text = (f"d{me}/d{u.name} = {said} -> {u.name}.grad += {_paren(u.local)} * "
                f"{_paren(step.upstream)} = {fmt(u.contribution)}")  # local × gradient
        if u.grad_after != u.contribution:  # it already held something: say the total
            text += f" (now {fmt(u.grad_after)})"
        parts.append(text)
    if len(parts) <= 2:
        return ";  ".join([head, *parts])
    return "\n    ".join([head + ":", *parts])


def _matrix_step(step: Step) -> str:
    import numpy as np

    lines = [f"{step.name} = {step.formula}   ({shape_text(np.shape(step.upstream))})"]
    width = max(len(_target(u)) + len(u.local_text) for u in step.updates)
    for u in step.updates:
        said = f"{_target(u)}{u.local_text}"
        lines.append(f"  {u.path + ' path:':<16}{said:<{width + 1}}  ({u.shapes})")
    return "\n".join(lines)


def assignment(u: ParentUpdate) -> str:
    """A matrix update as an assignment: ``W2.grad += A1ᵀ @ dZ2``, ``dZ1 = dA1 ⊙ (Z1 > 0)``."""
    return _target(u) + u.local_text


def _target(u: ParentUpdate) -> str:
    """``W2.grad += `` for a leaf (it accumulates), ``dA1 = `` or ``dA1 += `` inside."""
    if not u.parent.parents:
        return f"{u.name}.grad += "
    return f"d{u.name} {'=' if u.first else '+='} "


def _paren(x: float) -> str:
    return f"({fmt(x)})" if x < 0 else fmt(x)


def _same_number(text: str, x: float) -> bool:
    try:
        return float(text) == x
    except ValueError:
        return False


def _shapes(op: Any, template: str, upstream: Any, operands: list[Any],
            parent: Any) -> str:
    """The shapes a matrix step works with: ``4×2 @ 2×5 → 4×5`` for a product, ``4×5 → 1×5``
    where a gradient is summed back to a smaller operand, else the gradient's shape."""
    import numpy as np

    target = shape_text(np.shape(parent))
    if " @ " in template:
        sides = []
        for side in template.split(" @ "):
            shape = np.shape(upstream) if "{g}" in side else next(
                (np.shape(o) for i, o in enumerate(operands)
                 if f"{{{i}}}" in side), ())
            sides.append(shape_text(shape[::-1] if side.rstrip().endswith("ᵀ") else shape))
        return f"{' @ '.join(sides)} → {target}"
    source = shape_text(np.shape(upstream) if getattr(op, "elementwise", False) or
                        np.shape(upstream) != np.shape(parent) else np.shape(parent))
    return target if source == target else f"{source} → {target}"


def _summed(op: Any, upstream: Any, parent: Any) -> str:
    """`` summed over the batch`` where an elementwise op's gradient is summed back to a
    broadcast operand (b in X @ W + b): every row used the same b."""
    import numpy as np

    g_shape, p_shape = np.shape(upstream), np.shape(parent)
    if not getattr(op, "elementwise", False) or g_shape == p_shape:
        return ""
    extra = len(g_shape) - len(p_shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(p_shape)
                                       if n == 1 and g_shape[extra + i] > 1)
    return " summed over the batch" if axes == (0,) else f" summed over axes {axes}"


def backward_steps(root: Any, grad: Any = None, *, params: Iterable[Any] | None = None
                   ) -> Generator[Step, None, None]:
    """``root.backward()`` one node at a time: the engine's ``backpropagate``, stopped after
    every step to say what it did. Nothing happens until you ask for the first step; running
    all of them leaves exactly the gradients ``backward()`` leaves (inner nodes zeroed first,
    leaves accumulate). Stopped before its end (``steps.close()``, the generator dropped, a
    ``break``), it puts every gradient back as it found it, so that a ``backward()``
    afterwards counts the gradient once. Leaves have nothing to pass on, so they get no
    step. ``grad`` is the gradient to start from (default 1, or ones for a one-element
    tensor).

    For the tensor engine, ``params`` names the leaves on the parameter path (default: every
    leaf; the others, inputs such as X, end the backprop path)."""
    if not hasattr(root, "parents"):
        raise TypeError(f"backward_steps needs a Value or a Tensor, got {type(root).__name__} "
                        f"{root!r}")
    seed = seed_of(root, grad, "backward_steps")
    if not root.parents:
        raise ValueError(
            f"backward_steps: {root.label or 'the root'} is a leaf (it was not computed from "
            "other nodes, or it was computed under no_grad), so backward has no steps to "
            "show; compute it from Values or Tensors outside no_grad")
    return _steps(root, seed, None if params is None else set(params))


def _steps(root: Any, seed: Any, params: set[Any] | None) -> Generator[Step, None, None]:
    """The steps, one node at a time. A stepping stopped before its end (the generator
    closed, dropped, or left by ``break``) puts back the gradients it found: half a
    backward pass in the leaves would add to the next one unseen (``_put_back``)."""
    names = node_names(root)
    order = list(names)  # walk's order
    found = {node: node.grad for node in order}  # put back if the stepping stops half-way
    left: dict[Any, Any] = {}  # what this pass has left in each node so far
    index, done, stale = 0, False, None
    passes = backpropagate_steps(root, seed)
    try:
        node = next(passes, None)
        left = {n: n.grad for n in order}
        while node is not None:
            upstream = node.grad
            running = {p: p.grad for p in node.parents}  # what each parent holds before the step
            passed = shares(node, upstream)  # what node._backward() passes on, to show
            following = next(passes, None)  # the engine runs this node's step
            done = following is None  # that was the last step: the pass is complete
            left.update((p, p.grad) for p in node.parents)
            index += 1
            step = Step(index, node, names[node], node.op, formula(node, names), names[root],
                        upstream, tuple(_updates(node, names, upstream, passed, running, params)),
                        scope_of(node))
            if not done:  # paused half-way: a backward() now would mix (refuse_mixing)
                _pause(passes, found.keys(), names[root])
            yield step
            _resume(passes)
            stale = next((n for n in (*node.parents, following)
                          if n is not None and n.grad is not left[n]), None)
            if stale is not None:  # its upstream gradient would not be this pass's
                raise RuntimeError(
                    f"backward_steps: {names[stale]}.grad changed after step {index} (another "
                    f"backward pass, zero_grad(), an assignment), so the steps cannot go on. "
                    f"{_MIXED} Start a new stepping with {names[root]}.backward_steps()")
            node = following
        done = True
    finally:
        _resume(passes)
        if not done:
            changed = _put_back(order, found, left)
            if changed and stale is None:
                some = ", ".join(f"{names[n]}.grad" for n in changed[:3])
                more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
                warnings.warn(f"backward_steps stopped after {index} steps, and {some}{more} "
                              f"changed meanwhile (another backward pass?). {_MIXED}",
                              RuntimeWarning, stacklevel=2)


_paused: dict[object, tuple[Collection[Any], str]] = {}
"""The steppings paused between two steps, with their graph's nodes and the name of their
root: a backward pass through those nodes now would add a whole gradient to the part the
stepping has already passed back."""


def _pause(stepping: object, nodes: Collection[Any], root: str) -> None:
    if not _paused:
        graph.before_a_pass.append(refuse_mixing)
    _paused[stepping] = (nodes, root)


def _resume(stepping: object) -> None:
    if _paused.pop(stepping, None) is not None and not _paused:
        graph.before_a_pass.remove(refuse_mixing)


def refuse_mixing(order: Sequence[Any]) -> None:
    """Raise if a stepping of a graph that shares nodes with ``order`` is paused half-way
    (a check ``graph.backpropagate`` runs while one is)."""
    nodes = set(order)
    for graph_nodes, root in list(_paused.values()):
        if not nodes.isdisjoint(graph_nodes):
            raise RuntimeError(
                f"a backward pass while {root}.backward_steps() is paused half-way would "
                "add a whole gradient to the part the stepping has passed back already: "
                "finish the stepping, or close it (steps.close(), or break out of its "
                "loop), which puts the gradients back; then call backward()")


_MIXED = ("Gradients changed by something else while a stepping was under way are left as "
          "they are, and may also hold part of the stepping's pass: call zero_grad() and "
          "backward() again to be sure. Close a stepping you stop half-way (steps.close()) "
          "before anything else changes the gradients: that puts them back as it found them.")


def _put_back(order: list[Any], found: dict[Any, Any], left: dict[Any, Any]) -> list[Any]:
    """Undo a stepping stopped half-way: every gradient that still holds what the stepping
    left there goes back to what it was before the first step. Returns the nodes whose
    gradient something else has changed since (they are left alone)."""
    changed = []
    for node in order:
        if node not in left:
            continue
        if node.grad is left[node]:
            node.grad = found[node]
        else:
            changed.append(node)
    return changed


def _updates(node: Any, names: dict[Any, str], upstream: Any, passed: list[Any],
             running: dict[Any, Any], params: set[Any] | None) -> Iterator[ParentUpdate]:
    """One ``ParentUpdate`` per parent, adding each share to what it held, in order."""
    matrix = is_array_node(node)
    op = node._row
    templates = text_of(op).local
    operands = op.operands(node)
    which = [i for i, v in enumerate(operands) if hasattr(v, "parents")]
    for k, (parent, share, said) in enumerate(zip(node.parents, passed,
                                                  _local_texts(node, names))):
        before = running[parent]
        first = before is None or not matrix
        running[parent] = share if before is None else before + share
        if not matrix:
            yield ParentUpdate(parent, names[parent], node.local_grads[k], said, share,
                               running[parent])
            continue
        template = templates[min(which[k], len(templates) - 1)]
        path = "parameter" if not parent.parents and (params is None or parent in params) \
            else "backprop"
        yield ParentUpdate(parent, names[parent], None, said + _summed(op, upstream, parent),
                           share, running[parent],
                           _shapes(op, template, upstream, operands, parent), path, first)


# ----------------------------------------------------------------------------- text view


def text_graph(root: Any, width: int = 48) -> str:
    """The graph as a table, one line per node in topological order (parents first): its
    name, how it was computed, its data and its grad (for the tensor engine also its shape,
    and arrays summarised). Needs no Graphviz; fine for hundreds of nodes. Expressions
    longer than ``width`` characters are shortened with ``…``. If values of the graph were
    made inside a ``named_scope``, a column ``scope`` says where each one was made
    (``blocks.0/mlp``; empty for the others), and takes its width from the expressions'.

    >>> from tinygrad_edu import Value
    >>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
    >>> f = (x + y) * (x - y)
    >>> f.backward()
    >>> print(text_graph(f))
    value  computed as  data  grad
    x      (leaf)        3.0   6.0
    y      (leaf)        2.0  -4.0
    v1     x + y         5.0   1.0
    v2     x - y         1.0   5.0
    v3     v1 * v2       5.0   1.0
    """
    names = node_names(root)
    numbers = forward_numbers(names)
    matrix = is_array_node(root)
    scoped = max((len(scope_of(node)) for node in names), default=0)
    if scoped:  # the scope column takes its width from the expressions': lines stay short
        width = max(24, width - max(scoped, len("scope")) - 2)
    head = ("value", "computed as", "shape", "data", "grad") if matrix else \
        ("value", "computed as", "data", "grad")
    rows = [head]
    for node in names:
        how = formula(node, names) or "(leaf)"
        if len(how) > width:
            how = how[: width - 1] + "…"
        if matrix:
            grad = "None" if node.grad is None else summary(node.grad, 6, 3)
            rows.append((names[node], how, shape_text(numbers[node].shape),
                         summary(numbers[node], 6, 3), grad))
        else:
            rows.append((names[node], how, fmt(numbers[node]), fmt(node.grad)))
    if scoped:  # where each value was made, after its name
        rows = [(row[0], "scope" if i == 0 else scope_of(node), *row[1:])
                for i, (row, node) in enumerate(zip(rows, [None, *names]))]
    n = len(rows[0])
    w = [max(len(row[k]) for row in rows) for k in range(n)]
    right = (3 if scoped else 2) if not matrix else 99  # numbers align right; arrays read left
    lines = ["  ".join(f"{cell:>{w[k]}}" if k >= right else f"{cell:<{w[k]}}"
                       for k, cell in enumerate(row)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)

